/* The fork server; see forkserver.h and docs/executor.md. */
#include "forkserver.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <corral/plugin.h>

#include "log.h"
#include "util.h"

/* A request: this header, then the message bytes; five fds ride along. */
#define REQ_MAGIC 0x63667331u /* "cfs1" */
#define REQ_FDS   5
/* Requests larger than this are refused (the caller then forks the job itself). */
#define REQ_MAX (4u * 1024u * 1024u)

struct req_hdr {
    uint32_t magic;
    uint32_t len;
};

/* How long corral_forkserver_exec() waits for the program to say it serves. */
#define EXEC_READY_MS 10000
/* What it says. */
#define READY_BYTE 'R'

extern char **environ;

struct corral_forkserver {
    corral_forkserver_prepare_fn prepare;
    corral_forkserver_child_fn child;
    void *ctx;
    char *exec_path; /* NULL: the server is a fork of this process */
    char **exec_argv;
    pid_t pid; /* -1: not running */
    int pidfd; /* the server's, to notice that it died; -1 without pidfd support */
    int sock;  /* our end of the request socket */
    unsigned restarts;
};

/* ---- the server process ---------------------------------------------- */

typedef struct kid {
    pid_t pid;
    int pidfd;     /* -1 once it exited */
    int status_fd; /* the daemon's job: closed by the daemon when it is done */
    bool exited;
} kid_t;

static void send_status(int fd, int kind, int value)
{
    corral__forkserver_status_t st = {.kind = kind, .value = value};
    /* A job the daemon already dropped: nothing to tell. */
    while (send(fd, &st, sizeof(st), MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

static void close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) close(fds[i]);
}

static void server_child(const corral_forkserver_t *fs, pid_t server, const char *msg, size_t len,
                         const int *fds, int sock)
{
    /* The daemon fails the job when the server dies; the child must not outlive it unseen. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != server) _exit(CORRAL_OCF_ERR_GENERIC);
    /* The server's signals are the defaults, but for SIGPIPE. */
    signal(SIGPIPE, SIG_DFL);
    corral__job_child_setup(fds[0], fds[1], fds[2], fds[3], true);
    int rc = fs->child(fs->ctx, msg, len, 3);
    /* Only what the agent left buffered: a flush writes libc's stream state, a copy-on-write
     * fault in a child that printed nothing. */
    if (__fpending(stdout)) fflush(stdout);
    if (__fpending(stderr)) fflush(stderr);
    _exit(rc & 0xff);
}

/* One request from the daemon. false when the daemon is gone. */
static bool serve_request(const corral_forkserver_t *fs, int sock, kid_t **kids, size_t *n_kids,
                          size_t *cap_kids, char **buf, size_t *cap_buf)
{
    struct req_hdr hdr;
    ssize_t want = recv(sock, &hdr, sizeof(hdr), MSG_PEEK | MSG_TRUNC);
    if (want == 0) return false;
    if (want < 0) return errno == EINTR || errno == EAGAIN;
    if ((size_t)want > *cap_buf) {
        free(*buf);
        *cap_buf = (size_t)want;
        *buf = corral_xmalloc(*cap_buf);
    }
    union {
        char b[CMSG_SPACE(REQ_FDS * sizeof(int))];
        struct cmsghdr align;
    } cbuf;
    struct iovec iov = {.iov_base = *buf, .iov_len = *cap_buf};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf)};
    ssize_t got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (got == 0) return false;
    if (got < 0) return errno == EINTR || errno == EAGAIN;

    int fds[REQ_FDS];
    int n_fds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (n_fds < REQ_FDS)
                fds[n_fds++] = fd;
            else
                close(fd);
        }
    }
    memcpy(&hdr, *buf, got < (ssize_t)sizeof(hdr) ? 0 : sizeof(hdr));
    if (n_fds != REQ_FDS || got < (ssize_t)sizeof(hdr) || hdr.magic != REQ_MAGIC ||
        hdr.len != (size_t)got - sizeof(hdr) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        /* The daemon never sends this; drop it, answering where we can. */
        if (n_fds == REQ_FDS) send_status(fds[4], 'P', -EPROTO);
        close_fds(fds, n_fds);
        return true;
    }
    const char *msg = *buf + sizeof(hdr);
    size_t len = hdr.len;

    int rc = fs->prepare ? fs->prepare(fs->ctx, msg, len) : 0;
    if (rc < 0) {
        send_status(fds[4], 'P', rc);
        close_fds(fds, REQ_FDS);
        return true;
    }
    pid_t server = getpid();
    pid_t pid = fork();
    if (pid == 0) server_child(fs, server, msg, len, fds, sock);
    if (pid < 0) {
        send_status(fds[4], 'P', -errno);
        close_fds(fds, REQ_FDS);
        return true;
    }
    /* Both sides set the group, so the daemon's kill(-pid) reaches it at once. */
    setpgid(pid, pid);
    close_fds(fds, 4);
    corral_grow((void **)kids, cap_kids, *n_kids + 1, sizeof(**kids));
    kid_t *k = &(*kids)[(*n_kids)++];
    k->pid = pid;
    k->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    k->status_fd = fds[4];
    k->exited = false;
    send_status(k->status_fd, 'P', pid);
    return true;
}

/* The wait status of an exited child without reaping it. false: not exited (yet). */
static bool peek_exit(pid_t pid, int *wstatus_out)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno == EINTR) return false;
        *wstatus_out = W_EXITCODE(CORRAL_OCF_ERR_GENERIC, 0);
        return true;
    }
    if (si.si_pid == 0) return false;
    if (si.si_code == CLD_EXITED)
        *wstatus_out = W_EXITCODE(si.si_status, 0);
    else
        *wstatus_out = si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
    return true;
}

static void server_main(corral_forkserver_t *fs, int sock)
{
    /* Nothing of the daemon's: its signal handlers, its mask, its log targets, its fds. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
    qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_FALSE);
    for (int t = QB_LOG_TARGET_DYNAMIC_START; t < QB_LOG_TARGET_MAX; t++)
        qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_FALSE);
    /* Every fd but 0-2 and the socket goes; the socket moves to 3 (whatever was there goes). */
    if (sock != 3) {
        if (dup3(sock, 3, O_CLOEXEC) != 3) _exit(1);
        sock = 3;
    }
    if (syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
        for (int fd = 4; fd < 65536; fd++) close(fd);
    }
    prctl(PR_SET_NAME, "corral-forksrv");
    /* A fork of the daemon: what its heap has free goes back, so that no fork copies it. */
    malloc_trim(0);

    kid_t *kids = NULL;
    size_t n_kids = 0, cap_kids = 0;
    char *buf = NULL;
    size_t cap_buf = 0;
    struct pollfd *pfd = NULL;
    size_t cap_pfd = 0;
    for (;;) {
        corral_grow((void **)&pfd, &cap_pfd, n_kids + 1, sizeof(*pfd));
        pfd[0] = (struct pollfd){.fd = sock, .events = POLLIN};
        for (size_t i = 0; i < n_kids; i++) {
            /* Running: its pidfd says when it exits; exited: the daemon's close of the status
             * socket (POLLHUP) says it may be reaped. */
            if (!kids[i].exited && kids[i].pidfd >= 0)
                pfd[i + 1] = (struct pollfd){.fd = kids[i].pidfd, .events = POLLIN};
            else if (kids[i].exited)
                pfd[i + 1] = (struct pollfd){.fd = kids[i].status_fd, .events = 0};
            else
                pfd[i + 1] = (struct pollfd){.fd = -1};
        }
        bool no_pidfd = false;
        for (size_t i = 0; i < n_kids; i++)
            no_pidfd = no_pidfd || (!kids[i].exited && kids[i].pidfd < 0);
        int pr = poll(pfd, n_kids + 1, no_pidfd ? 50 : -1);
        if (pr < 0 && errno != EINTR) _exit(1);

        for (size_t i = 0; i < n_kids; i++) {
            kid_t *k = &kids[i];
            int ws;
            if (!k->exited && (pfd[i + 1].revents || k->pidfd < 0) && peek_exit(k->pid, &ws)) {
                k->exited = true;
                if (k->pidfd >= 0) close(k->pidfd);
                k->pidfd = -1;
                send_status(k->status_fd, 'X', ws);
            } else if (k->exited && pfd[i + 1].revents) {
                while (waitpid(k->pid, NULL, 0) < 0 && errno == EINTR) {
                }
                close(k->status_fd);
                k->pid = -1;
            }
        }
        size_t j = 0;
        for (size_t i = 0; i < n_kids; i++)
            if (kids[i].pid > 0) kids[j++] = kids[i];
        n_kids = j;

        if (pfd[0].revents & POLLIN) {
            if (!serve_request(fs, sock, &kids, &n_kids, &cap_kids, &buf, &cap_buf)) _exit(0);
        } else if (pfd[0].revents) {
            _exit(0); /* the daemon is gone: our children die with us (PDEATHSIG) */
        }
    }
}

/* ---- the daemon's side ------------------------------------------------ */

/* The environment for an executed server: ours, with LD_BIND_NOW=1 (see forkserver.h). */
static char **server_env(void)
{
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **env = corral_xcalloc(n + 2, sizeof(*env));
    size_t j = 0;
    env[j++] = (char *)"LD_BIND_NOW=1";
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_BIND_NOW=", 12) != 0) env[j++] = environ[i];
    env[j] = NULL;
    return env;
}

/*
 * Execute the server program with `sock` (taken: closed here) on its fd 3;
 * wait until it says on `peer` that it serves.
 */
static int exec_server(corral_forkserver_t *fs, int sock, int peer, pid_t *pid_out)
{
    int ret = 0;
    /* dup2 onto 3 must really copy (and so drop close-on-exec). */
    int fd = sock == 3 ? fcntl(sock, F_DUPFD_CLOEXEC, 10) : sock;
    if (fd < 0) {
        ret = -errno;
        close(sock);
        return ret;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, fd, 3);
    /* Nothing of our signal handling: a clean mask and every disposition at its default. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char **env = server_env();
    pid_t pid = -1;
    int rc = posix_spawn(&pid, fs->exec_path, &fa, &at, fs->exec_argv, env);
    free(env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    /* Only the program holds its end now: when it exits, `peer` sees it at once. */
    if (fd != sock) close(fd);
    close(sock);
    if (rc != 0) return -rc;

    /* Its word that it serves (it closes the socket when it cannot). */
    char b = 0;
    struct pollfd p = {.fd = peer, .events = POLLIN};
    int pr;
    while ((pr = poll(&p, 1, EXEC_READY_MS)) < 0 && errno == EINTR) {
    }
    ssize_t n = pr > 0 ? recv(peer, &b, 1, MSG_DONTWAIT) : -1;
    if (n != 1 || b != READY_BYTE) {
        ret = pr == 0 ? -ETIMEDOUT : -EPROTO;
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        return ret;
    }
    *pid_out = pid;
    return 0;
}

static int start_server(corral_forkserver_t *fs)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -errno;
    pid_t pid = -1;
    if (fs->exec_path) {
        int rc = exec_server(fs, sv[1], sv[0], &pid);
        if (rc < 0) {
            close(sv[0]);
            return rc;
        }
    } else {
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
            int e = errno;
            close(sv[0]);
            close(sv[1]);
            return -e;
        }
        if (pid == 0) {
            close(sv[0]);
            server_main(fs, sv[1]);
            _exit(0);
        }
        close(sv[1]);
    }
    fs->sock = sv[0];
    fs->pid = pid;
    fs->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

static void stop_server(corral_forkserver_t *fs)
{
    if (fs->pid <= 0) return;
    /* Closing the socket ends it; SIGKILL makes sure a busy one does not keep us waiting. */
    close(fs->sock);
    fs->sock = -1;
    kill(fs->pid, SIGKILL);
    while (waitpid(fs->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    if (fs->pidfd >= 0) close(fs->pidfd);
    fs->pidfd = -1;
    fs->pid = -1;
}

static bool server_dead(const corral_forkserver_t *fs)
{
    if (fs->pid <= 0) return true;
    if (fs->pidfd >= 0) {
        struct pollfd p = {.fd = fs->pidfd, .events = POLLIN};
        return poll(&p, 1, 0) > 0;
    }
    return kill(fs->pid, 0) < 0 && errno == ESRCH;
}

int corral_forkserver_new(corral_forkserver_prepare_fn prepare, corral_forkserver_child_fn child,
                          void *ctx, corral_forkserver_t **fs_out)
{
    if (!child || !fs_out) return -EINVAL;
    corral_forkserver_t *fs = corral_xcalloc(1, sizeof(*fs));
    fs->prepare = prepare;
    fs->child = child;
    fs->ctx = ctx;
    fs->pid = -1;
    fs->pidfd = -1;
    fs->sock = -1;
    int rc = start_server(fs);
    if (rc < 0) {
        free(fs);
        return rc;
    }
    corral_debug("fork server: started, pid %d", (int)fs->pid);
    *fs_out = fs;
    return 0;
}

int corral_forkserver_exec(const char *path, const char *const args[], corral_forkserver_t **fs_out)
{
    if (!path || !*path || !fs_out) return -EINVAL;
    size_t n = 0;
    while (args && args[n]) n++;
    corral_forkserver_t *fs = corral_xcalloc(1, sizeof(*fs));
    fs->exec_path = corral_xstrdup(path);
    fs->exec_argv = corral_xcalloc(n + 2, sizeof(*fs->exec_argv));
    fs->exec_argv[0] = corral_xstrdup(path);
    for (size_t i = 0; i < n; i++) fs->exec_argv[i + 1] = corral_xstrdup(args[i]);
    fs->pid = -1;
    fs->pidfd = -1;
    fs->sock = -1;
    int rc = start_server(fs);
    if (rc < 0) {
        corral_forkserver_free(fs);
        return rc;
    }
    corral_debug("fork server: %s started, pid %d", path, (int)fs->pid);
    *fs_out = fs;
    return 0;
}

void corral_forkserver_serve(int sock, corral_forkserver_prepare_fn prepare,
                             corral_forkserver_child_fn child, void *ctx)
{
    corral_forkserver_t fs = {.prepare = prepare, .child = child, .ctx = ctx, .pid = -1};
    char b = READY_BYTE;
    if (!child || send(sock, &b, 1, MSG_NOSIGNAL) != 1) _exit(1);
    server_main(&fs, sock);
    _exit(0);
}

bool corral_forkserver_is_exec(const corral_forkserver_t *fs)
{
    return fs && fs->exec_path;
}

void corral_forkserver_free(corral_forkserver_t *fs)
{
    if (!fs) return;
    stop_server(fs);
    for (size_t i = 0; fs->exec_argv && fs->exec_argv[i]; i++) free(fs->exec_argv[i]);
    free(fs->exec_argv);
    free(fs->exec_path);
    free(fs);
}

pid_t corral_forkserver_pid(const corral_forkserver_t *fs)
{
    return fs && fs->pid > 0 ? fs->pid : -1;
}

unsigned corral_forkserver_restarts(const corral_forkserver_t *fs)
{
    return fs ? fs->restarts : 0;
}

static int restart(corral_forkserver_t *fs)
{
    pid_t old = fs->pid;
    stop_server(fs);
    int rc = start_server(fs);
    if (rc < 0) {
        corral_err("fork server: pid %d died and cannot be restarted: %s; actions are forked by "
                   "the daemon itself",
                   (int)old, strerror(-rc));
        return rc;
    }
    fs->restarts++;
    corral_warn("fork server: pid %d died; restarted as pid %d", (int)old, (int)fs->pid);
    return 0;
}

static int send_request(corral_forkserver_t *fs, const void *msg, size_t len, const int fds[5])
{
    struct req_hdr hdr = {.magic = REQ_MAGIC, .len = (uint32_t)len};
    struct iovec iov[2] = {{.iov_base = &hdr, .iov_len = sizeof(hdr)},
                           {.iov_base = (void *)msg, .iov_len = len}};
    union {
        char b[CMSG_SPACE(REQ_FDS * sizeof(int))];
        struct cmsghdr align;
    } cbuf;
    memset(&cbuf, 0, sizeof(cbuf));
    struct msghdr mh = {
        .msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(REQ_FDS * sizeof(int));
    memcpy(CMSG_DATA(c), fds, REQ_FDS * sizeof(int));
    while (sendmsg(fs->sock, &mh, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return -errno;
    }
    return 0;
}

int corral__forkserver_spawn(corral_forkserver_t *fs, const void *msg, size_t len, const int fds[4],
                             pid_t *pid_out, int *status_fd_out)
{
    if (!fs || !fds || !pid_out || !status_fd_out || len > REQ_MAX) return -EINVAL;
    int ret = 0;
    int st[2] = {-1, -1};
    for (int attempt = 0;; attempt++) {
        if (attempt > 0 || server_dead(fs)) {
            ret = restart(fs);
            if (ret < 0) goto done;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0) {
            ret = -errno;
            goto done;
        }
        int all[REQ_FDS] = {fds[0], fds[1], fds[2], fds[3], st[1]};
        ret = send_request(fs, msg, len, all);
        close(st[1]);
        st[1] = -1;
        if (ret == 0) {
            corral__forkserver_status_t s;
            ssize_t n;
            while ((n = recv(st[0], &s, sizeof(s), 0)) < 0 && errno == EINTR) {
            }
            if (n == (ssize_t)sizeof(s) && s.kind == 'P') {
                if (s.value <= 0) {
                    ret = s.value < 0 ? s.value : -EPROTO;
                    goto done;
                }
                *pid_out = s.value;
                *status_fd_out = st[0];
                st[0] = -1;
                goto done;
            }
            ret = -EPIPE; /* the server died on this request */
        } else if (ret != -EPIPE && ret != -ECONNRESET && ret != -ENOTCONN) {
            goto done; /* not the server's death (a request too large...) */
        }
        close(st[0]);
        st[0] = -1;
        /* Once more with a fresh server, not more: a request that kills it would again. */
        if (attempt > 0) goto done;
    }
done:
    if (st[0] >= 0) close(st[0]);
    return ret;
}
