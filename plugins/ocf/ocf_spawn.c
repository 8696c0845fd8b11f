/*
 * Running an agent program as a sub-child of the action's child process.
 *
 * The bridges do not exec the agent in place: they stay as its parent so
 * that they can read its stderr (OCF exit reasons, fence agents' error
 * lines), feed its stdin and map its exit code. The action's process group
 * is still the unit the host times out and kills, so the sub-child is left
 * in it.
 *
 * The sub-child is started with posix_spawn (a vfork-style clone that execs
 * at once): it does not copy the bridge's page tables nor take a
 * copy-on-write fault for each page it touches before the exec, which is
 * most of what a fork costs on a virtual machine.
 */
#include "ocf_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Per stream: what an agent may print before the rest is dropped. */
#define SPAWN_OUTPUT_CAP (256u * 1024u)
/* After the program exits, read at most this much more of what is buffered. */
#define SPAWN_DRAIN_MAX (1024u * 1024u)

void *corral__ocf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void *corral__ocf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

char *corral__ocf_xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

char *corral__ocf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    return s;
}

static void strv_grow(corral__ocf_strv_t *sv)
{
    if (sv->n + 2 > sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 32;
        sv->v = corral__ocf_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
    }
}

static void strv_push_owned(corral__ocf_strv_t *sv, char *s)
{
    strv_grow(sv);
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void corral__ocf_strv_push(corral__ocf_strv_t *sv, const char *s)
{
    strv_push_owned(sv, corral__ocf_xstrdup(s));
}

void corral__ocf_strv_pushf(corral__ocf_strv_t *sv, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    strv_push_owned(sv, s);
}

static bool env_name_is(const char *entry, const char *name, size_t len)
{
    return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

void corral__ocf_strv_setenv(corral__ocf_strv_t *sv, const char *name, const char *value)
{
    size_t len = strlen(name);
    char *entry = corral__ocf_xasprintf("%s=%s", name, value ? value : "");
    for (size_t i = 0; i < sv->n; i++) {
        if (env_name_is(sv->v[i], name, len)) {
            free(sv->v[i]);
            sv->v[i] = entry;
            return;
        }
    }
    strv_push_owned(sv, entry);
}

void corral__ocf_strv_unsetenv_prefix(corral__ocf_strv_t *sv, const char *prefix)
{
    size_t len = strlen(prefix), j = 0;
    for (size_t i = 0; i < sv->n; i++) {
        if (strncmp(sv->v[i], prefix, len) == 0)
            free(sv->v[i]);
        else
            sv->v[j++] = sv->v[i];
    }
    sv->n = j;
    if (sv->v) sv->v[j] = NULL;
}

const char *corral__ocf_strv_getenv(const corral__ocf_strv_t *sv, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < sv->n; i++)
        if (env_name_is(sv->v[i], name, len)) return sv->v[i] + len + 1;
    return NULL;
}

void corral__ocf_strv_free(corral__ocf_strv_t *sv)
{
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

bool corral__ocf_is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

void corral__ocf_log_agent_line(const corral_op_t *op, const char *line)
{
    int level = CORRAL_LOG_INFO;
    if (strstr(line, "ERROR") || strstr(line, "CRIT"))
        level = CORRAL_LOG_ERROR;
    else if (strstr(line, "WARN"))
        level = CORRAL_LOG_WARNING;
    else if (strstr(line, "DEBUG"))
        level = CORRAL_LOG_DEBUG;
    if (op->log) op->log(op, level, "%s", line);
}

/* A captured stream: a capped buffer plus, for stderr, the partial line. */
typedef struct stream {
    int fd;
    char *buf;
    size_t len;
    bool truncated;
    bool is_stderr;
    char line[4096];
    size_t line_len;
} stream_t;

static void stream_line_done(stream_t *st, const corral__ocf_spawn_t *spawn)
{
    st->line[st->line_len] = '\0';
    if (st->line_len && spawn->stderr_line) spawn->stderr_line(spawn->ud, st->line);
    st->line_len = 0;
}

static void stream_feed(stream_t *st, const corral__ocf_spawn_t *spawn, const char *data, size_t n)
{
    if (st->is_stderr) {
        /* Keep the host's capture of the agent's stderr as it was. */
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(STDERR_FILENO, data + off, n - off);
            if (w <= 0) break;
            off += (size_t)w;
        }
        for (size_t i = 0; i < n; i++) {
            if (data[i] == '\n') {
                stream_line_done(st, spawn);
            } else if (st->line_len < sizeof(st->line) - 1) {
                st->line[st->line_len++] = data[i];
            }
        }
        return;
    }
    size_t room = SPAWN_OUTPUT_CAP - st->len;
    if (n > room) {
        n = room;
        st->truncated = true;
    }
    if (!n) return;
    st->buf = corral__ocf_xrealloc(st->buf, st->len + n + 1);
    memcpy(st->buf + st->len, data, n);
    st->len += n;
    st->buf[st->len] = '\0';
}

/* Read what is there; false at EOF or error (the fd is then closed). */
static bool stream_read(stream_t *st, const corral__ocf_spawn_t *spawn, size_t *budget)
{
    char chunk[8192];
    for (;;) {
        ssize_t r = read(st->fd, chunk, sizeof(chunk));
        if (r > 0) {
            stream_feed(st, spawn, chunk, (size_t)r);
            if (budget) {
                if ((size_t)r >= *budget) return true;
                *budget -= (size_t)r;
            }
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        close(st->fd);
        st->fd = -1;
        return false;
    }
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -errno;
    return 0;
}

static void close_pair(int p[2])
{
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
    p[0] = p[1] = -1;
}

/*
 * Start the program: stdin, stdout (when captured) and stderr from our fds,
 * no other fd of ours (not the host's result channel, not our pipes),
 * default signal dispositions and an empty mask. 0 and *pid_out, or the
 * errno of the failed exec.
 */
static int spawn_program(const corral__ocf_spawn_t *spawn, int in_fd, int out_fd, int err_fd,
                         pid_t *pid_out)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    if (posix_spawn_file_actions_init(&fa) != 0) return ENOMEM;
    if (posix_spawnattr_init(&at) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return ENOMEM;
    }
    int rc = 0;
    if (in_fd >= 0) rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    if (out_fd >= 0) rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    rc = rc ? rc : posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    rc = rc ? rc : posix_spawnattr_setsigmask(&at, &none);
    rc = rc ? rc : posix_spawnattr_setsigdefault(&at, &all);
    rc = rc ? rc : posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = posix_spawn(pid_out, spawn->argv[0], &fa, &at, spawn->argv, spawn->envp);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

int corral__ocf_spawn_run(const corral__ocf_spawn_t *spawn, corral__ocf_spawn_result_t *res_out)
{
    int in_p[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
    int pidfd = -1, rc = 0, status = 0;
    pid_t pid = -1;
    stream_t err_st = {.fd = -1, .is_stderr = true};
    stream_t out_st = {.fd = -1};
    const char *in_data = spawn->stdin_data;
    size_t in_len = in_data ? strlen(in_data) : 0, in_off = 0;

    /* The program may exit without reading its stdin: a write must not kill us. */
    signal(SIGPIPE, SIG_IGN);

    if (pipe2(err_p, O_CLOEXEC) < 0) goto fail_errno;
    if (spawn->capture_stdout && pipe2(out_p, O_CLOEXEC) < 0) goto fail_errno;
    if (in_data) {
        if (pipe2(in_p, O_CLOEXEC) < 0) goto fail_errno;
    } else {
        in_p[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_p[0] < 0) goto fail_errno;
    }

    int e = spawn_program(spawn, in_p[0], out_p[1], err_p[1], &pid);
    if (e != 0) {
        /* As a program that cannot be run says it: a reason line and the OCF code for it. */
        pid = -1;
        char *line = corral__ocf_xasprintf("ocf-exit-reason:cannot execute %s: %s\n",
                                           spawn->argv[0], strerror(e));
        stream_feed(&err_st, spawn, line, strlen(line));
        free(line);
        stream_line_done(&err_st, spawn);
        corral__ocf_spawn_result_t res = {
            .exited = true,
            .exit_code = e == ENOENT
                             ? CORRAL_OCF_NOT_INSTALLED
                             : (e == EACCES ? CORRAL_OCF_ERR_PERM : CORRAL_OCF_ERR_GENERIC)};
        if (spawn->capture_stdout) res.out = corral__ocf_xstrdup("");
        *res_out = res;
        goto done;
    }

    close(err_p[1]);
    err_p[1] = -1;
    if (out_p[1] >= 0) close(out_p[1]);
    out_p[1] = -1;
    close(in_p[0]);
    in_p[0] = -1;
    err_st.fd = err_p[0];
    err_p[0] = -1;
    out_st.fd = out_p[0];
    out_p[0] = -1;
    set_nonblock(err_st.fd);
    if (out_st.fd >= 0) set_nonblock(out_st.fd);
    if (in_p[1] >= 0) {
        set_nonblock(in_p[1]);
        if (in_len == 0) {
            close(in_p[1]);
            in_p[1] = -1;
        }
    }

    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    bool done = false;
    while (!done) {
        struct pollfd pfd[4];
        int n = 0, i_err = -1, i_out = -1, i_in = -1, i_pid = -1;
        if (err_st.fd >= 0) pfd[i_err = n++] = (struct pollfd){.fd = err_st.fd, .events = POLLIN};
        if (out_st.fd >= 0) pfd[i_out = n++] = (struct pollfd){.fd = out_st.fd, .events = POLLIN};
        if (in_p[1] >= 0) pfd[i_in = n++] = (struct pollfd){.fd = in_p[1], .events = POLLOUT};
        if (pidfd >= 0) pfd[i_pid = n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        /* Without a pidfd, look at the child every 50 ms. */
        int pr = poll(pfd, (nfds_t)n, pidfd >= 0 ? -1 : 50);
        if (pr < 0 && errno != EINTR) goto fail_errno;
        if (pr > 0) {
            if (i_err >= 0 && pfd[i_err].revents) stream_read(&err_st, spawn, NULL);
            if (i_out >= 0 && pfd[i_out].revents) stream_read(&out_st, spawn, NULL);
            if (i_in >= 0 && pfd[i_in].revents) {
                ssize_t w = write(in_p[1], in_data + in_off, in_len - in_off);
                if (w > 0) in_off += (size_t)w;
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len) {
                    close(in_p[1]);
                    in_p[1] = -1;
                }
            }
            if (i_pid >= 0 && pfd[i_pid].revents) done = true;
        }
        if (pidfd < 0 || (err_st.fd < 0 && out_st.fd < 0 && in_p[1] < 0)) {
            pid_t w = waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
            if (w == pid) {
                pid = -1;
                done = true;
            } else if (w < 0 && errno != EINTR) {
                goto fail_errno;
            }
        }
    }

    /* It has exited: take what is already buffered, but never wait for a daemon it left. */
    size_t budget = SPAWN_DRAIN_MAX;
    if (err_st.fd >= 0) stream_read(&err_st, spawn, &budget);
    budget = SPAWN_DRAIN_MAX;
    if (out_st.fd >= 0) stream_read(&out_st, spawn, &budget);
    stream_line_done(&err_st, spawn);

    while (pid > 0 && waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) goto fail_errno;
    }
    pid = -1;

    corral__ocf_spawn_result_t res = {0};
    if (WIFEXITED(status)) {
        res.exited = true;
        res.exit_code = WEXITSTATUS(status);
    } else {
        res.signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    if (spawn->capture_stdout) {
        res.out = out_st.buf ? out_st.buf : corral__ocf_xstrdup("");
        out_st.buf = NULL;
    }
    *res_out = res;
    goto done;

fail_errno:
    rc = -errno;
    if (rc == 0) rc = -EIO;
done:
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (pidfd >= 0) close(pidfd);
    if (err_st.fd >= 0) close(err_st.fd);
    if (out_st.fd >= 0) close(out_st.fd);
    free(out_st.buf);
    close_pair(in_p);
    close_pair(out_p);
    close_pair(err_p);
    return rc;
}
