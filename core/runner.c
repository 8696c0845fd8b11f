/* The action runner: one child process per action; see runner.h. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <corral/plugin.h>

#include "log.h"
#include "util.h"

#define DEFAULT_OUTPUT_CAP    (64 * 1024)
#define DEFAULT_KILL_GRACE_MS 5000
#define MAX_KILL_GRACE_MS     5000
/* One record on the result channel is at most this long; longer ones are cut. */
#define RECORD_MAX (64 * 1024)
/* What the parent keeps of the result channel as a whole (lines, logs, attrs). */
#define RESULT_KEEP_MAX (1024 * 1024)
/* After the child exited, read at most this much more per stream: a grandchild may still write. */
#define DRAIN_MAX (1024 * 1024)
/* Without a pidfd, the child's exit is noticed by polling at this period. */
#define NO_PIDFD_TICK_MS 50

enum record_type {
    REC_REASON = 'R',
    REC_ATTR = 'A',
    REC_ATTR_DEL = 'D',
    REC_LINE = 'L',
    REC_LOG = 'G',
    REC_QUERY = 'Q',  /* child -> parent: a question for spec->query */
    REC_ANSWER = 'V', /* parent -> child: its answer */
    REC_NONE = 'N',   /* parent -> child: no value */
};

struct stream {
    int fd;
    corral_buf_t buf;
    size_t cap; /* keep at most this much; the rest is read and dropped */
    size_t dropped;
};

struct corral_job {
    pid_t pid;        /* also the process group id when own_group */
    bool own_group;   /* false for a job nested in another job's child */
    int pidfd;        /* -1: the kernel has none, exit is polled */
    int status_fd;    /* forked by a fork server: its status socket (pidfd is -1) */
    bool server_lost; /* the fork server died while the child ran */
    const char *(*get_attr)(void *ud, const char *node, const char *name);
    void *attr_ud;
    struct stream out, err, res;
    size_t res_kept; /* bytes of records kept in the result */
    bool res_bad;    /* framing broken: ignore the rest */
    bool res_dropped_logged;
    char *log_tag;
    uint32_t timeout_ms;
    uint32_t grace_ms;
    uint64_t start_mono;
    uint64_t deadline; /* mono ms of the timeout; 0: none */
    uint64_t kill_at;  /* mono ms of the SIGKILL after SIGTERM; 0: not armed */
    bool term_sent;
    bool kill_sent;
    corral_job_status_t ending; /* TIMED_OUT or CANCELLED once we started killing */
    bool finished;
    char *agent_reason;
    corral_job_result_t result;
};

uint64_t corral_now_ms(void)
{
    return corral_mono_ms();
}

/* ---- child side ------------------------------------------------------- */

static void write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return; /* the parent is gone or stopped reading: nothing sensible to do */
        }
        p += n;
        len -= (size_t)n;
    }
}

static void send_record(int fd, char type, const char *a, size_t alen, const char *b, size_t blen)
{
    if (fd < 0) return;
    if (alen + blen > RECORD_MAX) {
        if (alen > RECORD_MAX) alen = RECORD_MAX;
        blen = RECORD_MAX - alen;
    }
    uint32_t len = (uint32_t)(alen + blen);
    char *rec = corral_xmalloc(5 + len);
    rec[0] = type;
    memcpy(rec + 1, &len, 4);
    if (alen) memcpy(rec + 5, a, alen);
    if (blen) memcpy(rec + 5 + alen, b, blen);
    write_all(fd, rec, 5 + len);
    free(rec);
}

void corral_job_send_reason(int result_fd, const char *reason)
{
    if (!reason) return;
    send_record(result_fd, REC_REASON, reason, strlen(reason), NULL, 0);
}

void corral_job_send_attr(int result_fd, const char *name, const char *value)
{
    if (!name) return;
    if (value)
        send_record(result_fd, REC_ATTR, name, strlen(name) + 1, value, strlen(value));
    else
        send_record(result_fd, REC_ATTR_DEL, name, strlen(name), NULL, 0);
}

void corral_job_send_line(int result_fd, const char *line)
{
    if (!line) return;
    send_record(result_fd, REC_LINE, line, strlen(line), NULL, 0);
}

void corral_job_send_log(int result_fd, int level, const char *msg)
{
    if (!msg) return;
    char lv = (char)(level < LOG_EMERG || level > LOG_DEBUG ? LOG_INFO : level);
    send_record(result_fd, REC_LOG, &lv, 1, msg, strlen(msg));
}

static bool read_full(int fd, void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

char *corral_job_get_attr(int result_fd, const char *node, const char *name)
{
    if (result_fd < 0 || !name) return NULL;
    if (!node) node = "";
    send_record(result_fd, REC_QUERY, node, strlen(node) + 1, name, strlen(name));
    char hdr[5];
    if (!read_full(result_fd, hdr, sizeof(hdr))) return NULL;
    uint32_t alen;
    memcpy(&alen, hdr + 1, 4);
    if (alen > RECORD_MAX) return NULL;
    char *answer = corral_xmalloc(alen + 1);
    if (!read_full(result_fd, answer, alen)) {
        free(answer);
        return NULL;
    }
    answer[alen] = '\0';
    if (hdr[0] != REC_ANSWER) {
        free(answer);
        return NULL;
    }
    return answer;
}

/* Move fd to a number >= 10, so that the dup2()s onto 0..3 cannot clobber one another. */
static int lift_fd(int fd)
{
    if (fd > 3) return fd;
    int n = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    return n < 0 ? fd : n;
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0u) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = lowfd; fd < max; fd++) close(fd);
}

/* Set in a job's child: a nested job stays in the outer job's group (see runner.h). */
static bool in_job_child;

void corral__job_child_setup(int in_fd, int out_w, int err_w, int res_w, bool signals_clean)
{
    if (!in_job_child) setpgid(0, 0);
    in_job_child = true;

    /* The daemon may block or handle signals (signalfd, libqb loop): the agent starts clean. */
    if (!signals_clean) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
            if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    }

    in_fd = lift_fd(in_fd);
    out_w = lift_fd(out_w);
    err_w = lift_fd(err_w);
    res_w = lift_fd(res_w);
    if (dup2(in_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0 || dup2(res_w, 3) < 0)
        _exit(CORRAL_OCF_ERR_GENERIC);
    close_from(4);
    /* A program the child execs must not inherit the result channel. */
    fcntl(3, F_SETFD, FD_CLOEXEC);
}

static void child_main(const corral_job_spec_t *spec, int in_fd, int out_w, int err_w, int res_w)
{
    corral__job_child_setup(in_fd, out_w, err_w, res_w, false);
    int rc = spec->child(spec->arg, 3);
    fflush(stdout);
    fflush(stderr);
    /* _exit: no atexit handlers or leak checks of the parent's copy run in the child. */
    _exit(rc & 0xff);
}

/* ---- parent side ------------------------------------------------------ */

static int open_stdin(const char *data)
{
    if (!data) return open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd = memfd_create("corral-stdin", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(data);
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void forward_log(const corral_job_t *job, int level, const char *msg)
{
    const char *tag = job->log_tag;
    /* qb_log's call sites are static: one per level. */
    switch (level) {
    case LOG_EMERG:
    case LOG_ALERT:
    case LOG_CRIT:
    case LOG_ERR:
        corral_err("%s: %s", tag, msg);
        break;
    case LOG_WARNING:
        corral_warn("%s: %s", tag, msg);
        break;
    case LOG_NOTICE:
        corral_notice("%s: %s", tag, msg);
        break;
    case LOG_INFO:
        corral_info("%s: %s", tag, msg);
        break;
    default:
        corral_debug("%s: %s", tag, msg);
        break;
    }
}

static bool keep_record(corral_job_t *job, size_t len)
{
    if (job->res_kept + len > RESULT_KEEP_MAX) {
        if (!job->res_dropped_logged)
            corral_warn("job %d: result channel past %d bytes, dropping the rest", (int)job->pid,
                        RESULT_KEEP_MAX);
        job->res_dropped_logged = true;
        return false;
    }
    job->res_kept += len;
    return true;
}

static void handle_record(corral_job_t *job, char type, const char *p, size_t len)
{
    corral_job_result_t *r = &job->result;
    switch (type) {
    case REC_REASON:
        free(job->agent_reason);
        job->agent_reason = corral_xstrndup(p, len);
        break;
    case REC_LINE:
        if (!keep_record(job, len)) break;
        r->lines = corral_xrealloc(r->lines, (r->n_lines + 1) * sizeof(*r->lines));
        r->lines[r->n_lines++] = corral_xstrndup(p, len);
        break;
    case REC_ATTR:
    case REC_ATTR_DEL: {
        if (!keep_record(job, len)) break;
        corral_job_attr_t a = {NULL, NULL};
        const char *nul = memchr(p, '\0', len);
        if (type == REC_ATTR && nul) {
            a.name = corral_xstrndup(p, (size_t)(nul - p));
            a.value = corral_xstrndup(nul + 1, len - (size_t)(nul - p) - 1);
        } else if (type == REC_ATTR_DEL) {
            a.name = corral_xstrndup(p, len);
        } else {
            break;
        }
        r->attrs = corral_xrealloc(r->attrs, (r->n_attrs + 1) * sizeof(*r->attrs));
        r->attrs[r->n_attrs++] = a;
        break;
    }
    case REC_LOG: {
        if (len < 1) break;
        int level = (unsigned char)p[0];
        char *msg = corral_xstrndup(p + 1, len - 1);
        if (job->log_tag) forward_log(job, level, msg);
        if (!keep_record(job, len)) {
            free(msg);
            break;
        }
        r->logs = corral_xrealloc(r->logs, (r->n_logs + 1) * sizeof(*r->logs));
        r->logs[r->n_logs].level = level;
        r->logs[r->n_logs].msg = msg;
        r->n_logs++;
        break;
    }
    case REC_QUERY: {
        /* "node\0name" */
        char *q = corral_xmalloc(len + 1);
        memcpy(q, p, len);
        q[len] = '\0';
        const char *nul = memchr(p, '\0', len);
        const char *a = NULL;
        if (nul && job->get_attr) a = job->get_attr(job->attr_ud, *q ? q : NULL, q + (nul - p) + 1);
        /* Non-blocking: a child that asks without reading the answers only garbles its own. */
        size_t alen = a ? strlen(a) : 0;
        if (alen > RECORD_MAX) alen = RECORD_MAX;
        uint32_t l32 = (uint32_t)alen;
        char *rec = corral_xmalloc(5 + alen);
        rec[0] = a ? REC_ANSWER : REC_NONE;
        memcpy(rec + 1, &l32, 4);
        if (alen) memcpy(rec + 5, a, alen);
        if (job->res.fd >= 0 &&
            send(job->res.fd, rec, 5 + alen, MSG_NOSIGNAL) != (ssize_t)(5 + alen))
            corral_debug("job %d: cannot answer its question", (int)job->pid);
        free(rec);
        free(q);
        break;
    }
    default:
        job->res_bad = true;
        break;
    }
}

static void parse_records(corral_job_t *job)
{
    corral_buf_t *b = &job->res.buf;
    size_t pos = 0;
    while (!job->res_bad && b->len - pos >= 5) {
        uint32_t len;
        memcpy(&len, b->s + pos + 1, 4);
        if (len > RECORD_MAX) {
            corral_warn("job %d: malformed result channel record, ignoring the rest",
                        (int)job->pid);
            job->res_bad = true;
            break;
        }
        if (b->len - pos - 5 < len) break;
        handle_record(job, b->s[pos], b->s + pos + 5, len);
        pos += 5 + len;
    }
    if (job->res_bad) pos = b->len;
    /* Compact: only an incomplete record stays buffered. */
    memmove(b->s, b->s + pos, b->len - pos);
    b->len -= pos;
    if (b->s) b->s[b->len] = '\0';
}

/* Read what is readable from one stream without blocking, at most about `limit` bytes; close it at
 * EOF. */
static void read_stream(corral_job_t *job, struct stream *st, bool is_res, size_t limit)
{
    char chunk[16384];
    size_t total = 0;
    while (st->fd >= 0 && total < limit) {
        ssize_t n = read(st->fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            close_fd(&st->fd);
            return;
        }
        if (n == 0) {
            close_fd(&st->fd);
            return;
        }
        total += (size_t)n;
        if (is_res) {
            if (job->res_bad) continue;
            corral_buf_append_n(&st->buf, chunk, (size_t)n);
            parse_records(job);
            continue;
        }
        size_t room = st->buf.len < st->cap ? st->cap - st->buf.len : 0;
        size_t keep = (size_t)n < room ? (size_t)n : room;
        if (keep) corral_buf_append_n(&st->buf, chunk, keep);
        st->dropped += (size_t)n - keep;
    }
}

static void read_all(corral_job_t *job, size_t limit)
{
    read_stream(job, &job->out, false, limit);
    read_stream(job, &job->err, false, limit);
    read_stream(job, &job->res, true, limit);
}

static void signal_group(corral_job_t *job, int sig)
{
    /* The leader is not reaped before this, so the group id cannot have been reused. */
    if (!job->own_group || (kill(-job->pid, sig) < 0 && errno == ESRCH)) kill(job->pid, sig);
}

/*
 * The captured output into the log, one line at a time, tagged like the
 * child's own log lines. Debug level: bridges already turn what matters of
 * it (an OCF agent's stderr) into log records, which must not show twice.
 */
static void log_lines(const char *tag, const char *stream, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int)(nl - text) : (int)strlen(text);
        if (len > 0) corral_debug("%s: %s: %.*s", tag, stream, len, text);
        text = nl ? nl + 1 : text + len;
    }
}

static void finish(corral_job_t *job, int wstatus)
{
    corral_job_result_t *r = &job->result;
    /* Whatever the child left in the pipes, without waiting for EOF: a grandchild may hold them. */
    read_all(job, DRAIN_MAX);
    close_fd(&job->out.fd);
    close_fd(&job->err.fd);
    close_fd(&job->res.fd);
    close_fd(&job->pidfd);
    if (job->out.dropped)
        corral_info("job %d: dropped %zu bytes of stdout past the cap", (int)job->pid,
                    job->out.dropped);
    if (job->err.dropped)
        corral_info("job %d: dropped %zu bytes of stderr past the cap", (int)job->pid,
                    job->err.dropped);
    r->out = corral_buf_take(&job->out.buf);
    r->err = corral_buf_take(&job->err.buf);
    if (job->log_tag) {
        log_lines(job->log_tag, "stderr", r->err);
        log_lines(job->log_tag, "stdout", r->out);
    }
    r->duration_ms = corral_mono_ms() - job->start_mono;

    if (job->ending == CORRAL_JOB_TIMED_OUT) {
        char d[32];
        corral_format_duration(job->timeout_ms, d, sizeof(d));
        r->status = CORRAL_JOB_TIMED_OUT;
        r->ocf_rc = CORRAL_OCF_ERR_GENERIC;
        r->exit_reason = corral_xasprintf("timed out after %s", d);
    } else if (job->server_lost) {
        r->status = CORRAL_JOB_ERROR;
        r->ocf_rc = CORRAL_OCF_ERR_GENERIC;
        r->exit_reason = corral_xstrdup("the fork server died while the action ran");
    } else if (job->ending == CORRAL_JOB_CANCELLED) {
        r->status = CORRAL_JOB_CANCELLED;
        r->ocf_rc = CORRAL_OCF_ERR_GENERIC;
        r->exit_reason = corral_xstrdup("cancelled");
    } else if (WIFSIGNALED(wstatus)) {
        r->status = CORRAL_JOB_SIGNALED;
        r->signo = WTERMSIG(wstatus);
        r->ocf_rc = CORRAL_OCF_ERR_GENERIC;
        const char *d = sigdescr_np(r->signo);
        r->exit_reason = corral_xasprintf("killed by signal %d (%s)", r->signo, d ? d : "unknown");
    } else {
        r->status = CORRAL_JOB_EXITED;
        r->exit_code = WEXITSTATUS(wstatus);
        if (r->exit_code <= CORRAL_OCF_FAILED_PROMOTED) {
            r->ocf_rc = r->exit_code;
            r->exit_reason = job->agent_reason;
            job->agent_reason = NULL;
        } else {
            r->ocf_rc = CORRAL_OCF_ERR_GENERIC;
            r->exit_reason = corral_xasprintf("returned an invalid code %d", r->exit_code);
        }
    }
    job->finished = true;
}

/*
 * A fork server's child: the server sends its wait status when it exits and
 * keeps it unreaped until we close the status socket. `block`: wait for it.
 */
static bool check_server_exit(corral_job_t *job, bool block)
{
    corral__forkserver_status_t st;
    ssize_t n;
    while ((n = recv(job->status_fd, &st, sizeof(st), block ? 0 : MSG_DONTWAIT)) < 0 &&
           errno == EINTR) {
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    int wstatus = W_EXITCODE(CORRAL_OCF_ERR_GENERIC, 0);
    if (n == (ssize_t)sizeof(st) && st.kind == 'X') {
        wstatus = st.value;
        /* As for our own child: the zombie leader still holds the group id. */
        if (job->ending != CORRAL_JOB_RUNNING) signal_group(job, SIGKILL);
    } else {
        /* The server died: its child died with it (PDEATHSIG); what it started must too. */
        signal_group(job, SIGKILL);
        job->server_lost = true;
    }
    close_fd(&job->status_fd);
    finish(job, wstatus);
    return true;
}

/* Has the leader exited? If so, clean its group when we were killing it, reap it and finish. */
static bool check_exit(corral_job_t *job)
{
    if (job->status_fd >= 0) return check_server_exit(job, false);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)job->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno == EINTR) return false;
        /* ECHILD: someone else reaped it (a SIGCHLD handler): treat it as a failure. */
        corral_err("job %d: cannot wait for the child: %s", (int)job->pid, strerror(errno));
        finish(job, W_EXITCODE(CORRAL_OCF_ERR_GENERIC, 0));
        return true;
    }
    if (si.si_pid == 0) return false;
    /* On timeout or cancel nothing of the group may outlive the op; the zombie leader keeps the id.
     */
    if (job->ending != CORRAL_JOB_RUNNING) signal_group(job, SIGKILL);
    int wstatus = 0;
    while (waitpid(job->pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    finish(job, wstatus);
    return true;
}

int corral_job_start(const corral_job_spec_t *spec, corral_job_t **job_out)
{
    if (!spec || !spec->child || !job_out) return -EINVAL;

    int ret = 0;
    int in_fd = -1, p_out[2] = {-1, -1}, p_err[2] = {-1, -1}, p_res[2] = {-1, -1};
    corral_job_t *job = NULL;

    in_fd = open_stdin(spec->stdin_data);
    /* The result channel is a socket: the child may ask questions (corral_job_query). */
    if (in_fd < 0 || pipe2(p_out, O_CLOEXEC) < 0 || pipe2(p_err, O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p_res) < 0) {
        ret = -errno;
        goto done;
    }

    job = corral_xcalloc(1, sizeof(*job));
    job->pidfd = -1;
    job->status_fd = -1;
    job->get_attr = spec->get_attr;
    job->attr_ud = spec->attr_ud;
    job->out.fd = job->err.fd = job->res.fd = -1;
    job->out.cap = job->err.cap = spec->output_cap ? spec->output_cap : DEFAULT_OUTPUT_CAP;
    job->res.cap = SIZE_MAX;
    job->timeout_ms = spec->timeout_ms;
    job->grace_ms = spec->kill_grace_ms ? spec->kill_grace_ms : DEFAULT_KILL_GRACE_MS;
    if (job->grace_ms > MAX_KILL_GRACE_MS) job->grace_ms = MAX_KILL_GRACE_MS;
    job->log_tag = spec->log_tag ? corral_xstrdup(spec->log_tag) : NULL;
    job->result.started_ms = corral_wall_ms();
    job->start_mono = corral_mono_ms();
    if (spec->timeout_ms) job->deadline = job->start_mono + spec->timeout_ms;

    pid_t pid = -1;
    if (spec->forkserver && !in_job_child) {
        int fds[4] = {in_fd, p_out[1], p_err[1], p_res[1]};
        int src = corral__forkserver_spawn(spec->forkserver, spec->msg, spec->msg_len, fds, &pid,
                                           &job->status_fd);
        if (src < 0) {
            corral_debug("job: the fork server did not start it (%s); forking it here",
                         strerror(-src));
            pid = -1;
        }
    }
    if (pid < 0) {
        /* Buffered output of ours must not be flushed a second time by the child. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
            ret = -errno;
            goto done;
        }
        if (pid == 0) child_main(spec, in_fd, p_out[1], p_err[1], p_res[1]);
        /* Both sides set the group, so a kill(-pid) right after fork already reaches it. */
        if (!in_job_child) setpgid(pid, pid);
    }
    job->pid = pid;
    job->own_group = !in_job_child;
    job->out.fd = p_out[0];
    job->err.fd = p_err[0];
    job->res.fd = p_res[0];
    p_out[0] = p_err[0] = p_res[0] = -1;
    fcntl(job->out.fd, F_SETFL, O_NONBLOCK);
    fcntl(job->err.fd, F_SETFL, O_NONBLOCK);
    fcntl(job->res.fd, F_SETFL, O_NONBLOCK);
    if (job->status_fd < 0) {
        job->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (job->pidfd < 0) job->pidfd = -1;
    }
    *job_out = job;
    job = NULL;

done:
    if (in_fd >= 0) close(in_fd);
    for (int i = 0; i < 2; i++) {
        close_fd(&p_out[i]);
        close_fd(&p_err[i]);
        close_fd(&p_res[i]);
    }
    if (job) {
        free(job->log_tag);
        free(job);
    }
    return ret;
}

int corral_job_fds(const corral_job_t *job, int fds_out[4])
{
    if (!job || !fds_out || job->finished) return 0;
    int n = 0;
    if (job->out.fd >= 0) fds_out[n++] = job->out.fd;
    if (job->err.fd >= 0) fds_out[n++] = job->err.fd;
    if (job->res.fd >= 0) fds_out[n++] = job->res.fd;
    if (job->pidfd >= 0) fds_out[n++] = job->pidfd;
    if (job->status_fd >= 0) fds_out[n++] = job->status_fd;
    return n;
}

uint64_t corral_job_next_deadline(const corral_job_t *job)
{
    if (!job || job->finished) return 0;
    uint64_t next = 0;
    if (job->term_sent) {
        if (!job->kill_sent) next = job->kill_at;
    } else if (job->deadline) {
        next = job->deadline;
    }
    if (job->pidfd < 0 && job->status_fd < 0) {
        uint64_t tick = corral_mono_ms() + NO_PIDFD_TICK_MS;
        if (!next || tick < next) next = tick;
    }
    return next;
}

static void start_killing(corral_job_t *job, corral_job_status_t why)
{
    if (job->term_sent) return;
    job->ending = why;
    job->term_sent = true;
    job->kill_at = corral_mono_ms() + job->grace_ms;
    signal_group(job, SIGTERM);
}

bool corral_job_dispatch(corral_job_t *job)
{
    if (!job) return true;
    if (job->finished) return true;
    uint64_t now = corral_mono_ms();
    if (job->deadline && now >= job->deadline && !job->term_sent)
        start_killing(job, CORRAL_JOB_TIMED_OUT);
    if (job->term_sent && !job->kill_sent && now >= job->kill_at) {
        job->kill_sent = true;
        signal_group(job, SIGKILL);
    }
    /* Bounded per call so that one flooding job cannot starve an event loop. */
    read_all(job, 4 * DEFAULT_OUTPUT_CAP);
    return check_exit(job);
}

void corral_job_wait(corral_job_t *job)
{
    if (!job) return;
    while (!corral_job_dispatch(job)) {
        int fds[4];
        int n = corral_job_fds(job, fds);
        struct pollfd pfd[4];
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        int timeout = -1;
        uint64_t next = corral_job_next_deadline(job);
        if (next) {
            uint64_t now = corral_mono_ms();
            timeout = next > now ? (int)(next - now > INT_MAX ? INT_MAX : next - now) : 0;
        }
        /* With every pipe at EOF and no pidfd, the tick in next_deadline wakes us. */
        if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            corral_err("job %d: poll failed: %s", (int)job->pid, strerror(errno));
            break;
        }
    }
}

void corral_job_cancel(corral_job_t *job)
{
    if (!job || job->finished) return;
    start_killing(job, CORRAL_JOB_CANCELLED);
}

const corral_job_result_t *corral_job_result(const corral_job_t *job)
{
    if (!job) return NULL;
    return &job->result;
}

pid_t corral_job_pid(const corral_job_t *job)
{
    return job ? job->pid : -1;
}

void corral_job_free(corral_job_t *job)
{
    if (!job) return;
    if (!job->finished && job->status_fd >= 0) {
        signal_group(job, SIGKILL);
        check_server_exit(job, true);
    } else if (!job->finished) {
        signal_group(job, SIGKILL);
        int wstatus;
        while (waitpid(job->pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
    }
    close_fd(&job->out.fd);
    close_fd(&job->err.fd);
    close_fd(&job->res.fd);
    close_fd(&job->pidfd);
    close_fd(&job->status_fd);
    corral_buf_free(&job->out.buf);
    corral_buf_free(&job->err.buf);
    corral_buf_free(&job->res.buf);
    corral_job_result_t *r = &job->result;
    free(r->exit_reason);
    free(r->out);
    free(r->err);
    for (size_t i = 0; i < r->n_lines; i++) free(r->lines[i]);
    free(r->lines);
    for (size_t i = 0; i < r->n_attrs; i++) {
        free(r->attrs[i].name);
        free(r->attrs[i].value);
    }
    free(r->attrs);
    for (size_t i = 0; i < r->n_logs; i++) free(r->logs[i].msg);
    free(r->logs);
    free(job->agent_reason);
    free(job->log_tag);
    free(job);
}
