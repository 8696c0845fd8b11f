/*
 * The fork server with the runner: jobs forked by the server behave as jobs
 * forked here (exit codes, crashes, timeouts on the whole group, output,
 * questions to the parent), a killed server fails only the job in flight
 * and is restarted, a refused request is forked here, nothing leaks.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forkserver.h"
#include "runner.h"
#include "proc_check.h"

/* ---- helpers ---------------------------------------------------------- */

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

/* Our only child is the server (alive): nothing of the jobs' is left to us, zombie or not. */
static void assert_only_the_server(pid_t server)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    struct dirent *e;
    proc_info_t pi;
    while ((e = readdir(d))) {
        if (!proc_read(e->d_name, &pi) || pi.ppid != getpid()) continue;
        cr_assert_eq(pi.pid, server, "a child of ours other than the server: %d (%c)", (int)pi.pid,
                     pi.state);
        cr_assert_neq(pi.state, 'Z', "the server is a zombie");
    }
    closedir(d);
}

/* ---- what the children do, by name ------------------------------------ */

static void send_ppid(int fd)
{
    char line[64];
    snprintf(line, sizeof(line), "ppid %d pgrp %d pid %d", (int)getppid(), (int)getpgrp(),
             (int)getpid());
    corral_job_send_line(fd, line);
}

static int behave(const char *what, int fd)
{
    if (!strncmp(what, "exit ", 5)) {
        send_ppid(fd);
        corral_job_send_reason(fd, "as asked");
        printf("out\n");
        fprintf(stderr, "err\n");
        return atoi(what + 5);
    }
    if (!strcmp(what, "segv")) {
        volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        page[0] = 1;
        return 0;
    }
    if (!strcmp(what, "hang-group")) {
        /* Ignores SIGTERM, and so does a child of its own in its group. */
        signal(SIGTERM, SIG_IGN);
        if (fork() == 0)
            for (;;) pause();
        for (;;) pause();
    }
    if (!strcmp(what, "sleep")) {
        send_ppid(fd);
        sleep(60);
        return 0;
    }
    if (!strcmp(what, "grandchild")) {
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
    if (!strcmp(what, "ask")) {
        char *v = corral_job_get_attr(fd, "n2", "rack");
        char *none = corral_job_get_attr(fd, NULL, "nothing");
        char line[128];
        snprintf(line, sizeof(line), "rack=%s nothing=%s", v ? v : "(null)",
                 none ? none : "(null)");
        corral_job_send_line(fd, line);
        free(v);
        free(none);
        return 0;
    }
    if (!strcmp(what, "fds")) {
        int n = 0;
        for (int i = 0; i < 1024; i++)
            if (fcntl(i, F_GETFD) >= 0) n++;
        return n == 4 ? 0 : 1;
    }
    return 99;
}

/* The caller's own child function (a refused request, or a server that cannot start). */
static int local_child(void *arg, int fd)
{
    return behave(arg, fd);
}

static int server_child(void *ctx, const void *msg, size_t len, int fd)
{
    (void)ctx;
    char what[64];
    snprintf(what, sizeof(what), "%.*s", (int)len, (const char *)msg);
    return behave(what, fd);
}

/* Refuses "refuse"; counts what it prepared in the server's copy of `prepared`. */
static int prepared;
static int server_prepare(void *ctx, const void *msg, size_t len)
{
    (void)ctx;
    prepared++;
    return len == 6 && !memcmp(msg, "refuse", 6) ? -ENOENT : 0;
}

static corral_forkserver_t *fs;

static void setup(void)
{
    cr_assert_eq(corral_forkserver_new(server_prepare, server_child, NULL, &fs), 0);
}

static void teardown(void)
{
    corral_forkserver_free(fs);
    fs = NULL;
}

TestSuite(forkserver, .init = setup, .fini = teardown, .timeout = 60);

static const char *answer(void *ud, const char *node, const char *name)
{
    if (node && !strcmp(node, "n2") && !strcmp(name, "rack")) return ud;
    return NULL;
}

static corral_job_t *start(const char *what, uint32_t timeout_ms)
{
    corral_job_spec_t spec = {.child = local_child,
                              .arg = (void *)what,
                              .timeout_ms = timeout_ms,
                              .kill_grace_ms = 300,
                              .forkserver = fs,
                              .msg = what,
                              .msg_len = strlen(what),
                              .get_attr = answer,
                              .attr_ud = "r7"};
    corral_job_t *job = NULL;
    cr_assert_eq(corral_job_start(&spec, &job), 0);
    return job;
}

static const corral_job_result_t *run(const char *what, uint32_t timeout_ms, corral_job_t **job)
{
    *job = start(what, timeout_ms);
    corral_job_wait(*job);
    const corral_job_result_t *r = corral_job_result(*job);
    cr_assert_neq(r->status, CORRAL_JOB_RUNNING);
    return r;
}

static void parse_ppid(const corral_job_result_t *r, int *ppid, int *pgrp, int *pid)
{
    cr_assert_geq(r->n_lines, 1);
    cr_assert_eq(sscanf(r->lines[0], "ppid %d pgrp %d pid %d", ppid, pgrp, pid), 3, "line: %s",
                 r->lines[0]);
}

/* ---- tests ------------------------------------------------------------ */

Test(forkserver, invalid_arguments)
{
    corral_forkserver_t *x = NULL;
    cr_assert_eq(corral_forkserver_new(server_prepare, NULL, NULL, &x), -EINVAL);
    cr_assert_eq(corral_forkserver_new(NULL, server_child, NULL, NULL), -EINVAL);
    cr_assert_null(x);
    cr_assert_eq(corral_forkserver_pid(NULL), -1);
    corral_forkserver_free(NULL);
    cr_assert_gt(corral_forkserver_pid(fs), 0);
    cr_assert_neq(corral_forkserver_pid(fs), getpid());
}

Test(forkserver, the_server_forks_the_child_in_its_own_group)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("exit 7", 10000, &job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->exit_code, 7);
    cr_assert_str_eq(r->exit_reason, "as asked");
    cr_assert_str_eq(r->out, "out\n");
    cr_assert_str_eq(r->err, "err\n");
    int ppid, pgrp, pid;
    parse_ppid(r, &ppid, &pgrp, &pid);
    cr_assert_eq(ppid, corral_forkserver_pid(fs), "forked by the server, not here");
    cr_assert_eq(pgrp, pid, "its own process group");
    cr_assert_eq(pid, corral_job_pid(job));
    corral_job_free(job);
    /* The server's children are not ours. */
    assert_only_the_server(corral_forkserver_pid(fs));
}

Test(forkserver, crash_names_the_signal)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("segv", 10000, &job);
    cr_assert_eq(r->status, CORRAL_JOB_SIGNALED, "status %d", r->status);
    cr_assert_eq(r->signo, SIGSEGV);
    cr_assert_str_eq(r->exit_reason, "killed by signal 11 (Segmentation fault)");
    corral_job_free(job);
}

Test(forkserver, timeout_kills_the_whole_group_even_when_sigterm_is_ignored)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("hang-group", 300, &job);
    pid_t pgid = corral_job_pid(job);
    cr_assert_eq(r->status, CORRAL_JOB_TIMED_OUT);
    cr_assert_str_eq(r->exit_reason, "timed out after 300ms");
    cr_assert(group_gone_eventually(pgid), "something of group %d is still alive", (int)pgid);
    corral_job_free(job);
}

Test(forkserver, cancel_kills_the_group)
{
    corral_job_t *job = start("hang-group", 0);
    pid_t pgid = corral_job_pid(job);
    corral_job_cancel(job);
    corral_job_wait(job);
    cr_assert_eq(corral_job_result(job)->status, CORRAL_JOB_CANCELLED);
    cr_assert(group_gone_eventually(pgid));
    corral_job_free(job);
}

Test(forkserver, grandchild_holding_the_pipes_is_not_waited_for)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("grandchild", 20000, &job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->exit_code, 0);
    cr_assert_eq(r->n_lines, 1);
    pid_t gc = atoi(r->lines[0]);
    cr_assert_gt(gc, 1);
    /* Not killed: only a timeout or a cancel kills the group. */
    cr_assert_eq(kill(gc, 0), 0);
    kill(gc, SIGKILL);
    corral_job_free(job);
}

Test(forkserver, the_child_asks_the_parent_for_attributes)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("ask", 10000, &job);
    cr_assert_eq(r->exit_code, 0);
    cr_assert_eq(r->n_lines, 1);
    cr_assert_str_eq(r->lines[0], "rack=r7 nothing=(null)");
    corral_job_free(job);
}

Test(forkserver, the_child_has_only_its_own_fds)
{
    corral_job_t *job = NULL;
    const corral_job_result_t *r = run("fds", 10000, &job);
    cr_assert_eq(r->exit_code, 0, "the child saw other fds than 0-3");
    corral_job_free(job);
}

Test(forkserver, a_refused_request_is_forked_here)
{
    corral_job_spec_t spec = {.child = local_child,
                              .arg = "exit 3",
                              .timeout_ms = 10000,
                              .forkserver = fs,
                              .msg = "refuse",
                              .msg_len = 6};
    corral_job_t *job = NULL;
    cr_assert_eq(corral_job_start(&spec, &job), 0);
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->exit_code, 3);
    int ppid, pgrp, pid;
    parse_ppid(r, &ppid, &pgrp, &pid);
    cr_assert_eq(ppid, getpid(), "the refused request ran in a child of ours");
    cr_assert_eq(pgrp, pid);
    corral_job_free(job);
    assert_only_the_server(corral_forkserver_pid(fs));
}

Test(forkserver, a_killed_server_fails_only_the_job_in_flight_and_is_restarted)
{
    pid_t server = corral_forkserver_pid(fs);
    corral_job_t *job = start("sleep", 0);
    pid_t pgid = corral_job_pid(job);
    /* Wait until the child runs (its line arrives), then kill the server under it. */
    while (corral_job_result(job)->n_lines == 0) {
        corral_job_dispatch(job);
        usleep(10000);
    }
    cr_assert_eq(kill(server, SIGKILL), 0);
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->status, CORRAL_JOB_ERROR, "status %d", r->status);
    cr_assert_eq(r->ocf_rc, 1);
    cr_assert(strstr(r->exit_reason, "fork server died"), "reason: %s", r->exit_reason);
    cr_assert(group_gone_eventually(pgid), "the orphaned action still runs");
    corral_job_free(job);

    /* The next job restarts it. */
    corral_job_t *next = NULL;
    r = run("exit 0", 10000, &next);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->exit_code, 0);
    int ppid, pg, pid;
    parse_ppid(r, &ppid, &pg, &pid);
    cr_assert_neq(corral_forkserver_pid(fs), server);
    cr_assert_eq(ppid, corral_forkserver_pid(fs));
    cr_assert_eq(corral_forkserver_restarts(fs), 1);
    corral_job_free(next);
}

Test(forkserver, freeing_a_running_job_kills_it)
{
    corral_job_t *job = start("hang-group", 0);
    pid_t pgid = corral_job_pid(job);
    corral_job_free(job);
    cr_assert(group_gone_eventually(pgid));
}

Test(forkserver, no_fd_or_zombie_leak)
{
    corral_forkserver_free(fs);
    fs = NULL;
    int before = count_fds();
    cr_assert_eq(corral_forkserver_new(server_prepare, server_child, NULL, &fs), 0);
    for (int i = 0; i < 20; i++) {
        corral_job_t *job = NULL;
        run(i % 3 == 0 ? "segv" : (i % 3 == 1 ? "exit 0" : "ask"), 10000, &job);
        corral_job_free(job);
    }
    corral_job_t *job = NULL;
    run("sleep", 50, &job);
    corral_job_free(job);
    corral_forkserver_free(fs);
    fs = NULL;
    cr_assert_eq(count_fds(), before, "fds leaked");
    assert_no_children();
}

Test(forkserver, prepare_runs_in_the_server_not_here)
{
    corral_job_t *job = NULL;
    run("exit 0", 10000, &job);
    corral_job_free(job);
    cr_assert_eq(prepared, 0, "prepare ran in this process");
}
