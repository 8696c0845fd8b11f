/* The action runner: child processes, timeouts on the whole group, capture, result channel. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "proc_check.h"

/* ---- helpers ---------------------------------------------------------- */

static bool pid_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[2] != 'Z' && rp[2] != 'X';
}

/* SIGKILL is asynchronous: give the kernel a moment (bounded) to finish the kill. */
static bool group_gone_eventually(pid_t pgid)
{
    for (int i = 0; i < 200; i++) {
        if (!group_alive(pgid)) return true;
        usleep(25000);
    }
    return false;
}

static void assert_no_children(void)
{
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    cr_assert(p == -1 && errno == ECHILD, "a child is left behind (waitpid: %d)", (int)p);
}

static const corral_job_result_t *run(corral_job_spec_t *spec, corral_job_t **job)
{
    cr_assert_eq(corral_job_start(spec, job), 0);
    corral_job_wait(*job);
    const corral_job_result_t *r = corral_job_result(*job);
    cr_assert_neq(r->status, CORRAL_JOB_RUNNING);
    return r;
}

/* ---- child functions ---------------------------------------------------- */

static int child_return(void *arg, int fd)
{
    (void)fd;
    return (int)(intptr_t)arg;
}

static int child_segv(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1;
    return 0;
}

static int child_hang_ignoring_term(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    signal(SIGTERM, SIG_IGN);
    if (fork() == 0)
        for (;;) pause();
    for (;;) pause();
    return 0;
}

static int child_sleep(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    sleep(60);
    return 0;
}

static int child_channel(void *arg, int fd)
{
    (void)arg;
    corral_job_send_log(fd, 4, "careful");
    corral_job_send_line(fd, "line one");
    corral_job_send_attr(fd, "color", "blue");
    corral_job_send_attr(fd, "gone", NULL);
    corral_job_send_line(fd, "line two");
    corral_job_send_reason(fd, "it went wrong");
    printf("to stdout\n");
    fprintf(stderr, "to stderr\n");
    return 7;
}

static int child_echo_stdin(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    char buf[256];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0)
        if (write(1, buf, (size_t)n) != n) return 1;
    return 0;
}

static int child_flood(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    static char chunk[65536];
    memset(chunk, 'y', sizeof(chunk));
    for (int i = 0; i < 64; i++) /* 4 MiB on each stream */
        if (write(1, chunk, sizeof(chunk)) < 0 || write(2, chunk, sizeof(chunk)) < 0) return 1;
    corral_job_send_line(fd, "done");
    return 0;
}

static int child_grandchild(void *arg, int fd)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0) {
        sleep(60);
        _exit(0);
    }
    char line[32];
    snprintf(line, sizeof(line), "%d", (int)pid);
    corral_job_send_line(fd, line);
    return 0;
}

static int child_fds(void *arg, int fd)
{
    (void)arg;
    (void)fd;
    /* Only 0, 1, 2 and the result channel may be open. */
    int n = 0;
    for (int i = 0; i < 1024; i++)
        if (fcntl(i, F_GETFD) >= 0) n++;
    return n == 4 ? 0 : 1;
}

/* ---- tests ------------------------------------------------------------ */

Test(runner, invalid_arguments)
{
    corral_job_t *job = NULL;
    corral_job_spec_t no_child = {.timeout_ms = 10};
    corral_job_spec_t ok = {.child = child_return};
    cr_assert_eq(corral_job_start(NULL, &job), -EINVAL);
    cr_assert_eq(corral_job_start(&no_child, &job), -EINVAL);
    cr_assert_eq(corral_job_start(&ok, NULL), -EINVAL);
    cr_assert_null(job);
    int fds[4];
    cr_assert_eq(corral_job_fds(NULL, fds), 0);
    cr_assert_eq(corral_job_next_deadline(NULL), 0);
    cr_assert(corral_job_dispatch(NULL));
    cr_assert_null(corral_job_result(NULL));
    cr_assert_eq(corral_job_pid(NULL), -1);
    corral_job_cancel(NULL);
    corral_job_wait(NULL);
    corral_job_free(NULL);
}

Test(runner, exit_codes_0_to_9_are_ocf_codes)
{
    for (int code = 0; code <= 9; code++) {
        corral_job_t *job = NULL;
        corral_job_spec_t spec = {.child = child_return, .arg = (void *)(intptr_t)code};
        const corral_job_result_t *r = run(&spec, &job);
        cr_assert_eq(r->status, CORRAL_JOB_EXITED);
        cr_assert_eq(r->exit_code, code);
        cr_assert_eq(r->ocf_rc, code);
        cr_assert_null(r->exit_reason);
        cr_assert_str_empty(r->out);
        corral_job_free(job);
    }
    assert_no_children();
}

Test(runner, other_exit_codes_are_generic_errors)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_return, .arg = (void *)(intptr_t)42};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->exit_code, 42);
    cr_assert_eq(r->ocf_rc, 1);
    cr_assert_str_eq(r->exit_reason, "returned an invalid code 42");
    corral_job_free(job);
}

Test(runner, crash_is_a_failed_op_naming_the_signal)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_segv};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->status, CORRAL_JOB_SIGNALED, "status %d", r->status);
    cr_assert_eq(r->signo, SIGSEGV);
    cr_assert_eq(r->ocf_rc, 1);
    cr_assert_str_eq(r->exit_reason, "killed by signal 11 (Segmentation fault)");
    corral_job_free(job);
    assert_no_children();
}

Test(runner, timeout_kills_the_whole_group_even_when_sigterm_is_ignored)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {
        .child = child_hang_ignoring_term, .timeout_ms = 300, .kill_grace_ms = 300};
    const corral_job_result_t *r = run(&spec, &job);
    pid_t pgid = corral_job_pid(job);
    cr_assert_eq(r->status, CORRAL_JOB_TIMED_OUT);
    cr_assert_eq(r->ocf_rc, 1);
    cr_assert_str_eq(r->exit_reason, "timed out after 300ms");
    cr_assert(group_gone_eventually(pgid), "something of group %d is still alive", (int)pgid);
    corral_job_free(job);
    assert_no_children();
}

Test(runner, timeout_of_a_cooperative_child_is_still_a_timeout)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_sleep, .timeout_ms = 200};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->status, CORRAL_JOB_TIMED_OUT);
    cr_assert_str_eq(r->exit_reason, "timed out after 200ms");
    corral_job_free(job);
}

Test(runner, kill_grace_is_capped_at_5s)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_sleep, .kill_grace_ms = 60000};
    cr_assert_eq(corral_job_start(&spec, &job), 0);
    uint64_t before = corral_now_ms();
    corral_job_cancel(job);
    uint64_t next = corral_job_next_deadline(job);
    cr_assert(next >= before && next <= corral_now_ms() + 5000, "SIGKILL armed past 5 s");
    corral_job_wait(job);
    cr_assert_eq(corral_job_result(job)->status, CORRAL_JOB_CANCELLED);
    cr_assert_str_eq(corral_job_result(job)->exit_reason, "cancelled");
    corral_job_free(job);
    assert_no_children();
}

Test(runner, result_channel_carries_reason_attrs_lines_logs)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_channel, .log_tag = "resource test"};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->ocf_rc, 7);
    cr_assert_str_eq(r->exit_reason, "it went wrong");
    cr_assert_eq(r->n_lines, 2);
    cr_assert_str_eq(r->lines[0], "line one");
    cr_assert_str_eq(r->lines[1], "line two");
    cr_assert_eq(r->n_attrs, 2);
    cr_assert_str_eq(r->attrs[0].name, "color");
    cr_assert_str_eq(r->attrs[0].value, "blue");
    cr_assert_str_eq(r->attrs[1].name, "gone");
    cr_assert_null(r->attrs[1].value);
    cr_assert_eq(r->n_logs, 1);
    cr_assert_eq(r->logs[0].level, 4);
    cr_assert_str_eq(r->logs[0].msg, "careful");
    cr_assert_str_eq(r->out, "to stdout\n");
    cr_assert_str_eq(r->err, "to stderr\n");
    corral_job_free(job);
}

Test(runner, stdin_data_reaches_the_child)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_echo_stdin, .stdin_data = "action=off\nport=n1\n"};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_str_eq(r->out, "action=off\nport=n1\n");
    corral_job_free(job);

    corral_job_spec_t none = {.child = child_echo_stdin};
    r = run(&none, &job);
    cr_assert_str_empty(r->out, "stdin is /dev/null without stdin_data");
    corral_job_free(job);
}

Test(runner, flood_is_drained_and_capped)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_flood, .output_cap = 4096};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_eq(strlen(r->out), 4096);
    cr_assert_eq(strlen(r->err), 4096);
    cr_assert_eq(r->out[0], 'y');
    cr_assert_eq(r->n_lines, 1);
    cr_assert_str_eq(r->lines[0], "done");
    corral_job_free(job);
}

Test(runner, grandchild_holding_the_pipes_is_not_waited_for)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_grandchild, .timeout_ms = 30000};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_eq(r->n_lines, 1);
    pid_t grandchild = atoi(r->lines[0]);
    cr_assert_gt(grandchild, 0);
    /* The op is over while the grandchild still sleeps: it was neither waited for nor killed. */
    cr_assert(pid_alive(grandchild), "the grandchild was killed");
    pid_t pgid = corral_job_pid(job);
    corral_job_free(job);
    cr_assert(pid_alive(grandchild), "freeing a finished job killed its grandchild");
    kill(-pgid, SIGKILL);
    cr_assert(group_gone_eventually(pgid));
    assert_no_children();
}

Test(runner, child_has_only_its_own_fds)
{
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0); /* not close-on-exec: the runner must still close it */
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_fds};
    const corral_job_result_t *r = run(&spec, &job);
    cr_assert_eq(r->ocf_rc, 0, "the child saw more than stdin, stdout, stderr and the channel");
    corral_job_free(job);
    close(pipefd[0]);
    close(pipefd[1]);
}

Test(runner, event_loop_driving)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_channel, .timeout_ms = 10000};
    cr_assert_eq(corral_job_start(&spec, &job), 0);
    cr_assert_gt(corral_job_pid(job), 0);
    bool done = false;
    while (!done) {
        int fds[4];
        int n = corral_job_fds(job, fds);
        cr_assert(n >= 1 && n <= 4);
        struct pollfd pfd[4];
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        uint64_t next = corral_job_next_deadline(job);
        cr_assert_neq(next, 0, "a job with a timeout has a deadline");
        uint64_t now = corral_now_ms();
        poll(pfd, (nfds_t)n, next > now ? (int)(next - now) : 0);
        done = corral_job_dispatch(job);
    }
    cr_assert_eq(corral_job_fds(job, (int[4]){0}), 0);
    cr_assert_eq(corral_job_next_deadline(job), 0);
    cr_assert_eq(corral_job_result(job)->ocf_rc, 7);
    corral_job_free(job);
}

Test(runner, freeing_a_running_job_kills_and_reaps_it)
{
    corral_job_t *job = NULL;
    corral_job_spec_t spec = {.child = child_sleep};
    cr_assert_eq(corral_job_start(&spec, &job), 0);
    pid_t pgid = corral_job_pid(job);
    corral_job_free(job);
    cr_assert(group_gone_eventually(pgid));
    assert_no_children();
}

Test(runner, no_fd_or_zombie_leak)
{
    int before = count_fds();
    for (int i = 0; i < 20; i++) {
        corral_job_t *job = NULL;
        corral_job_spec_t spec = {.child = i % 2 ? child_channel : child_segv,
                                  .stdin_data = i % 3 ? NULL : "x"};
        run(&spec, &job);
        corral_job_free(job);
    }
    corral_job_t *job = NULL;
    corral_job_spec_t t = {.child = child_sleep, .timeout_ms = 50};
    run(&t, &job);
    corral_job_free(job);
    cr_assert_eq(count_fds(), before, "fds leaked");
    assert_no_children();
}
