/*
 * The `corral` table: the host API a Lua agent sees, installed as one
 * luaL_Reg. Every function below that can raise a Lua error says so; none
 * holds a file descriptor, a child process or malloc'd memory across a
 * raise: such resources live in a "box" userdata whose __gc releases them,
 * created before anything is acquired.
 *
 * While a script is only being loaded to describe it (in the host process,
 * no op), the functions that act on the machine refuse with an error.
 */
#include "lua_int.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BOX_META "corral.box"
/** Per stream: what corral.exec keeps of a command's output; the rest is drained and dropped. */
#define EXEC_OUTPUT_CAP (4u * 1024 * 1024)
/** SIGTERM -> SIGKILL grace for a command past its timeout. */
#define EXEC_KILL_GRACE_MS 2000u

/* ---- resource box ---- */

typedef struct box {
    char *buf[2];
    size_t len[2];
    int fd[4];
    pid_t pid;
} box_t;

static void box_release(box_t *b)
{
    for (int i = 0; i < 2; i++) {
        free(b->buf[i]);
        b->buf[i] = NULL;
        b->len[i] = 0;
    }
    for (int i = 0; i < 4; i++) {
        if (b->fd[i] >= 0) close(b->fd[i]);
        b->fd[i] = -1;
    }
    if (b->pid > 0) {
        kill(b->pid, SIGKILL);
        while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        b->pid = 0;
    }
}

static int box_gc(lua_State *L)
{
    box_release(luaL_checkudata(L, 1, BOX_META));
    return 0;
}

/* May raise (memory). Pushes the box. */
static box_t *box_new(lua_State *L)
{
    box_t *b = lua_newuserdatauv(L, sizeof(*b), 0);
    memset(b, 0, sizeof(*b));
    for (int i = 0; i < 4; i++) b->fd[i] = -1;
    luaL_setmetatable(L, BOX_META);
    return b;
}

/* ---- helpers ---- */

static const corral_op_t *need_op(lua_State *L, const char *fn)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    if (!ctx->op)
        luaL_error(L,
                   "corral.%s is only available inside an action, not while the script is "
                   "loaded",
                   fn);
    return ctx->op;
}

static int push_errno(lua_State *L, const char *what, int err)
{
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", what, strerror(err));
    lua_pushinteger(L, err);
    return 3;
}

static uint64_t remaining_ms(const corral__lua_ctx_t *ctx)
{
    if (!ctx->deadline_ms) return 0;
    uint64_t now = corral__lua_now_ms();
    return ctx->deadline_ms > now ? ctx->deadline_ms - now : 1;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* ---- corral.log(level, msg) ---- may raise (bad level) */

static int l_log(lua_State *L)
{
    static const char *const names[] = {"debug", "info", "notice", "warning", "error", NULL};
    static const int levels[] = {CORRAL_LOG_DEBUG, CORRAL_LOG_INFO, CORRAL_LOG_NOTICE,
                                 CORRAL_LOG_WARNING, CORRAL_LOG_ERROR};
    int level = levels[luaL_checkoption(L, 1, NULL, names)];
    const char *msg = luaL_tolstring(L, 2, NULL);
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    if (ctx->op)
        ctx->op->log(ctx->op, level, "%s", msg);
    else if (ctx->host)
        ctx->host->log(ctx->host, level, "%s: %s", ctx->file ? ctx->file : "lua", msg);
    return 0;
}

/* ---- corral.exec(argv, opts) -> rc, stdout, stderr ---- */

static void buf_add(box_t *b, int i, const char *data, size_t n)
{
    if (b->len[i] >= EXEC_OUTPUT_CAP) return;
    if (n > EXEC_OUTPUT_CAP - b->len[i]) n = EXEC_OUTPUT_CAP - b->len[i];
    char *nb = realloc(b->buf[i], b->len[i] + n + 1);
    if (!nb) return; /* keep what we have: output is best effort */
    memcpy(nb + b->len[i], data, n);
    b->len[i] += n;
    nb[b->len[i]] = '\0';
    b->buf[i] = nb;
}

/* Read what is there without blocking; closes the fd at EOF. */
static void drain(box_t *b, int slot, int i)
{
    char chunk[16384];
    for (;;) {
        ssize_t r = read(b->fd[slot], chunk, sizeof(chunk));
        if (r > 0) {
            buf_add(b, i, chunk, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            close(b->fd[slot]);
            b->fd[slot] = -1;
        }
        return;
    }
}

static bool reap(box_t *b, int *status, int flags)
{
    for (;;) {
        pid_t r = waitpid(b->pid, status, flags);
        if (r == b->pid) {
            b->pid = 0;
            return true;
        }
        if (r < 0 && errno == EINTR) continue;
        return false;
    }
}

/* Wait up to ms for the child to exit (pidfd if we have one). */
static bool wait_exit(box_t *b, int *status, uint64_t ms)
{
    uint64_t end = corral__lua_now_ms() + ms;
    for (;;) {
        if (reap(b, status, WNOHANG)) return true;
        uint64_t now = corral__lua_now_ms();
        if (now >= end) return false;
        if (b->fd[3] >= 0) {
            struct pollfd p = {.fd = b->fd[3], .events = POLLIN};
            poll(&p, 1, (int)(end - now));
        } else {
            sleep_ms(end - now < 20 ? end - now : 20);
        }
    }
}

typedef struct exec_req {
    char **argv;
    char **envp;
    const char *cwd;
    const char *in;
    size_t in_len;
    uint64_t timeout_ms; /* 0: none */
} exec_req_t;

/* The forked side: only async-signal-safe calls until exec. */
static void child_exec(const exec_req_t *rq, int in_fd, int out_fd, int err_fd, int report_fd)
{
    int e;
    int devnull = -1;
    if (in_fd < 0) devnull = in_fd = open("/dev/null", O_RDONLY);
    if (in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) goto fail;
    if (devnull >= 0) close(devnull);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (rq->cwd && chdir(rq->cwd) < 0) goto fail;
    /* execvp searches the PATH of `environ`: with opts.env, that is the command's own. */
    environ = rq->envp;
    execvp(rq->argv[0], rq->argv);
fail:
    e = errno;
    if (write(report_fd, &e, sizeof(e)) < 0) {
    }
    _exit(127);
}

/* Run the command; no Lua calls in here. Returns the rc for Lua, sets
 * *note for the host's own remark on stderr (timeout, failed exec). */
static int run_command(box_t *b, const exec_req_t *rq, char *note, size_t notelen)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, rep[2] = {-1, -1};
    int rc = 127, status = 0;
    note[0] = '\0';

    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
        (rq->in && pipe2(in, O_CLOEXEC) < 0)) {
        snprintf(note, notelen, "corral.exec: pipe: %s", strerror(errno));
        goto done;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(note, notelen, "corral.exec: fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) child_exec(rq, in[0], out[1], err[1], rep[1]);
    b->pid = pid;
    close(out[1]);
    close(err[1]);
    close(rep[1]);
    out[1] = err[1] = rep[1] = -1;
    if (in[0] >= 0) close(in[0]);
    in[0] = -1;
    b->fd[0] = out[0];
    b->fd[1] = err[0];
    b->fd[2] = in[1];
    out[0] = err[0] = in[1] = -1;

    int child_errno = 0;
    ssize_t n;
    while ((n = read(rep[0], &child_errno, sizeof(child_errno))) < 0 && errno == EINTR) {
    }
    if (n == (ssize_t)sizeof(child_errno)) {
        reap(b, &status, 0);
        snprintf(note, notelen, "corral.exec: cannot run '%s': %s", rq->argv[0],
                 strerror(child_errno));
        rc = 127;
        goto done;
    }

    for (int i = 0; i < 3; i++)
        if (b->fd[i] >= 0) fcntl(b->fd[i], F_SETFL, fcntl(b->fd[i], F_GETFL) | O_NONBLOCK);
    b->fd[3] = (int)syscall(SYS_pidfd_open, pid, 0);

    uint64_t deadline = rq->timeout_ms ? corral__lua_now_ms() + rq->timeout_ms : 0;
    size_t in_off = 0;
    bool exited = false;
    while (!exited) {
        struct pollfd p[4];
        int slot[4], np = 0;
        for (int i = 0; i < 2; i++)
            if (b->fd[i] >= 0) {
                p[np] = (struct pollfd){.fd = b->fd[i], .events = POLLIN};
                slot[np++] = i;
            }
        if (b->fd[2] >= 0) {
            p[np] = (struct pollfd){.fd = b->fd[2], .events = POLLOUT};
            slot[np++] = 2;
        }
        if (b->fd[3] >= 0) {
            p[np] = (struct pollfd){.fd = b->fd[3], .events = POLLIN};
            slot[np++] = 3;
        }
        int wait = b->fd[3] >= 0 ? -1 : 50;
        if (deadline) {
            uint64_t now = corral__lua_now_ms();
            if (now >= deadline) {
                kill(b->pid, SIGTERM);
                if (!wait_exit(b, &status, EXEC_KILL_GRACE_MS)) {
                    kill(b->pid, SIGKILL);
                    reap(b, &status, 0);
                }
                snprintf(note, notelen, "corral.exec: '%s' timed out after %llums", rq->argv[0],
                         (unsigned long long)rq->timeout_ms);
                rc = 124;
                goto done;
            }
            uint64_t left = deadline - now;
            if (wait < 0 || left < (uint64_t)wait) wait = left > INT_MAX ? INT_MAX : (int)left;
        }
        if (poll(p, (nfds_t)np, wait) < 0 && errno != EINTR) {
            snprintf(note, notelen, "corral.exec: poll: %s", strerror(errno));
            goto done;
        }
        for (int k = 0; k < np; k++) {
            if (!p[k].revents) continue;
            int s = slot[k];
            if (s < 2) {
                drain(b, s, s);
            } else if (s == 2) {
                ssize_t w = write(b->fd[2], rq->in + in_off, rq->in_len - in_off);
                if (w > 0) in_off += (size_t)w;
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off >= rq->in_len) {
                    close(b->fd[2]);
                    b->fd[2] = -1;
                }
            }
        }
        /* The result is known when the command itself exits: a grandchild
         * that still holds a pipe is not waited for. */
        if (reap(b, &status, WNOHANG)) exited = true;
    }
    for (int i = 0; i < 2; i++)
        if (b->fd[i] >= 0) drain(b, i, i);
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
done:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (err[i] >= 0) close(err[i]);
        if (in[i] >= 0) close(in[i]);
        if (rep[i] >= 0) close(rep[i]);
    }
    return rc;
}

/* Anchor a string in table `anchor` (so its pointer stays valid); may raise. */
static const char *anchored(lua_State *L, int anchor, int *n)
{
    const char *s = lua_tostring(L, -1);
    lua_rawseti(L, anchor, ++*n);
    return s;
}

/* May raise: bad arguments, memory (before the command runs, or while
 * pushing its results; the box then releases everything). */
static int l_exec(lua_State *L)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    const corral_op_t *op = need_op(L, "exec");
    bool shell = false;
    exec_req_t rq = {0};

    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "shell");
        shell = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    lua_newtable(L); /* 3: anchors strings we point at */
    int anchor = 3, na = 0;

    /* argv */
    size_t argc;
    if (shell) {
        luaL_argcheck(L, lua_type(L, 1) == LUA_TSTRING, 1,
                      "with shell = true, the command is one string");
        argc = 3;
    } else {
        luaL_argcheck(L, lua_istable(L, 1) && lua_rawlen(L, 1) > 0, 1,
                      "a non-empty table of strings: { program, arg, ... }");
        argc = lua_rawlen(L, 1);
    }
    rq.argv = lua_newuserdatauv(L, (argc + 1) * sizeof(char *), 0);
    lua_rawseti(L, anchor, ++na);
    if (shell) {
        rq.argv[0] = "/bin/sh";
        rq.argv[1] = "-c";
        rq.argv[2] = (char *)lua_tostring(L, 1);
    } else {
        for (size_t i = 0; i < argc; i++) {
            int ty = lua_rawgeti(L, 1, (lua_Integer)i + 1);
            if (ty != LUA_TSTRING && ty != LUA_TNUMBER)
                return luaL_error(L, "corral.exec: argv[%d] is %s, not a string", (int)i + 1,
                                  lua_typename(L, ty));
            lua_pushstring(L, lua_tostring(L, -1));
            rq.argv[i] = (char *)anchored(L, anchor, &na);
            lua_pop(L, 1);
        }
    }
    rq.argv[argc] = NULL;

    /* options */
    uint64_t timeout = remaining_ms(ctx);
    rq.envp = environ;
    if (lua_istable(L, 2)) {
        if (lua_getfield(L, 2, "timeout") != LUA_TNIL) {
            lua_Integer t = luaL_checkinteger(L, -1);
            luaL_argcheck(L, t > 0, 2, "timeout must be a positive number of ms");
            if (!timeout || (uint64_t)t < timeout) timeout = (uint64_t)t;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "stdin") != LUA_TNIL) {
            rq.in = luaL_checklstring(L, -1, &rq.in_len);
            lua_rawseti(L, anchor, ++na);
        } else {
            lua_pop(L, 1);
        }
        if (lua_getfield(L, 2, "cwd") != LUA_TNIL) {
            rq.cwd = luaL_checkstring(L, -1);
            lua_rawseti(L, anchor, ++na);
        } else {
            lua_pop(L, 1);
        }
        if (lua_getfield(L, 2, "env") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            int et = lua_gettop(L);
            size_t n_env = 0, n_add = 0;
            while (environ[n_env]) n_env++;
            lua_pushnil(L);
            while (lua_next(L, et)) {
                n_add++;
                lua_pop(L, 1);
            }
            char **envp = lua_newuserdatauv(L, (n_env + n_add + 1) * sizeof(char *), 0);
            lua_rawseti(L, anchor, ++na);
            size_t k = 0;
            for (size_t i = 0; i < n_env; i++) {
                const char *eq = strchr(environ[i], '=');
                size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
                lua_pushlstring(L, environ[i], nl);
                int over = lua_rawget(L, et);
                lua_pop(L, 1);
                if (over == LUA_TNIL) envp[k++] = environ[i];
            }
            lua_pushnil(L);
            while (lua_next(L, et)) {
                if (lua_type(L, -2) != LUA_TSTRING)
                    return luaL_error(L, "corral.exec: env keys must be strings");
                if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
                    lua_pop(L, 1); /* false: unset */
                    continue;
                }
                if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
                    return luaL_error(L, "corral.exec: env.%s must be a string (or false)",
                                      lua_tostring(L, -2));
                lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
                envp[k++] = (char *)anchored(L, anchor, &na);
                lua_pop(L, 1);
            }
            envp[k] = NULL;
            rq.envp = envp;
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
        }
    }
    rq.timeout_ms = timeout;

    box_t *b = box_new(L);
    op->log(op, CORRAL_LOG_DEBUG, "exec: %s%s", rq.argv[shell ? 2 : 0],
            argc > 1 && !shell ? " ..." : "");

    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old); /* a command that ignores its stdin must not kill us */
    char note[512];
    int rc = run_command(b, &rq, note, sizeof(note));
    sigaction(SIGPIPE, &old, NULL);
    if (note[0]) {
        if (b->len[1] && b->buf[1][b->len[1] - 1] != '\n') buf_add(b, 1, "\n", 1);
        buf_add(b, 1, note, strlen(note));
        op->log(op, CORRAL_LOG_DEBUG, "%s", note);
    }

    lua_pushinteger(L, rc);
    lua_pushlstring(L, b->buf[0] ? b->buf[0] : "", b->len[0]);
    lua_pushlstring(L, b->buf[1] ? b->buf[1] : "", b->len[1]);
    box_release(b);
    return 3;
}

/* ---- simple accessors (never raise, except need_op) ---- */

static int push_opt_string(lua_State *L, const char *s)
{
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
    return 1;
}

static int l_node(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? op->node : NULL);
}

static int l_resource(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? op->instance : NULL);
}

static int l_action(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? op->action : NULL);
}

static int l_target(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? op->target : NULL);
}

static int l_plug(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? (op->plug ? op->plug : op->target) : NULL);
}

static int l_state_dir(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    return push_opt_string(L, op ? op->state_dir : NULL);
}

static int l_interval(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    lua_pushinteger(L, op ? op->interval_ms : 0);
    return 1;
}

static int l_timeout(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    lua_pushinteger(L, op ? op->timeout_ms : 0);
    return 1;
}

/* corral.meta([name]): one op meta value, or all as a table. May raise (memory). */
static int l_meta(lua_State *L)
{
    const corral_op_t *op = corral__lua_ctx(L)->op;
    if (!lua_isnoneornil(L, 1)) {
        const char *name = luaL_checkstring(L, 1);
        return push_opt_string(L, op && op->meta ? op->meta(op, name) : NULL);
    }
    lua_newtable(L);
    const char *k, *v;
    for (size_t i = 0; op && op->meta_at && op->meta_at(op, i, &k, &v) == 0; i++) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
    return 1;
}

/* ---- time ---- */

/* corral.sleep(ms): never past the action's deadline. May raise (argument). */
static int l_sleep(lua_State *L)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    need_op(L, "sleep");
    lua_Integer ms = luaL_checkinteger(L, 1);
    luaL_argcheck(L, ms >= 0, 1, "a number of ms, 0 or more");
    uint64_t left = remaining_ms(ctx);
    sleep_ms(left && (uint64_t)ms > left ? left : (uint64_t)ms);
    return 0;
}

/* ---- files ---- */

/* corral.read_file(path) -> data | nil, err, errno. May raise (argument, memory). */
static int l_read_file(lua_State *L)
{
    need_op(L, "read_file");
    const char *path = luaL_checkstring(L, 1);
    box_t *b = box_new(L);
    int rc = corral__lua_read_all(path, &b->buf[0], &b->len[0]);
    if (rc < 0) return push_errno(L, path, -rc);
    lua_pushlstring(L, b->buf[0], b->len[0]);
    box_release(b);
    return 1;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write atomically (temp file, fsync, rename or link, fsync the directory).
 * exclusive: fail with -EEXIST when path exists. 0 or -errno. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode, bool exclusive)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    static unsigned counter;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) return -EISDIR;
    int dl = slash ? (int)(slash - path) : 1;
    if (snprintf(dir, sizeof(dir), "%.*s", dl == 0 ? 1 : dl, slash ? path : ".") >=
            (int)sizeof(dir) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.%u.tmp", dir, base, (long)getpid(), counter++) >=
            (int)sizeof(tmp))
        return -ENAMETOOLONG;

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    int rc = write_all(fd, data, len);
    if (!rc && fchmod(fd, mode) < 0) rc = -errno;
    if (!rc && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && !rc) rc = -errno;
    if (!rc) {
        if (exclusive) {
            /* link() is atomic even on NFS: exactly one writer wins. */
            if (link(tmp, path) < 0) rc = -errno;
            unlink(tmp);
        } else if (rename(tmp, path) < 0) {
            rc = -errno;
        }
    }
    if (rc) {
        unlink(tmp);
        return rc;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* corral.write_file(path, data [, {mode=, exclusive=}]) -> true | false, err
 * (exclusive and it exists) | nil, err, errno. May raise (arguments). */
static int l_write_file(lua_State *L)
{
    need_op(L, "write_file");
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer mode = 0644;
    bool exclusive = false;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        int ty = lua_getfield(L, 3, "mode");
        if (ty == LUA_TSTRING) {
            /* "640" or "0640": octal, as chmod writes it (Lua has no octal literals). */
            char *end = NULL;
            const char *m = lua_tostring(L, -1);
            mode = strtol(m, &end, 8);
            luaL_argcheck(L, *m && !*end, 3, "mode must be octal digits, e.g. \"0640\"");
        } else if (ty != LUA_TNIL) {
            mode = luaL_checkinteger(L, -1);
        }
        lua_getfield(L, 3, "exclusive");
        exclusive = lua_toboolean(L, -1);
        lua_pop(L, 2);
    }
    luaL_argcheck(L, mode >= 0 && mode <= 07777, 3,
                  "mode must be a permission mode (0 to \"7777\")");
    int rc = write_atomic(path, data, len, (mode_t)mode, exclusive);
    if (rc == -EEXIST && exclusive) {
        lua_pushboolean(L, 0);
        lua_pushfstring(L, "%s: %s", path, strerror(EEXIST));
        return 2;
    }
    if (rc < 0) return push_errno(L, path, -rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* May raise (argument). */
static int l_file_exists(lua_State *L)
{
    need_op(L, "file_exists");
    struct stat st;
    lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0);
    return 1;
}

/* corral.remove_file(path) -> true (removed) | false (was not there) | nil, err, errno. */
static int l_remove_file(lua_State *L)
{
    need_op(L, "remove_file");
    const char *path = luaL_checkstring(L, 1);
    if (unlink(path) == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    if (errno == ENOENT) {
        lua_pushboolean(L, 0);
        return 1;
    }
    return push_errno(L, path, errno);
}

/* corral.mkdir(path [, mode]) -> true | nil, err, errno: with parents, as mkdir -p. */
static int l_mkdir(lua_State *L)
{
    need_op(L, "mkdir");
    const char *path = luaL_checkstring(L, 1);
    lua_Integer mode = luaL_optinteger(L, 2, 0755);
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return push_errno(L, path, ENAMETOOLONG);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST) return push_errno(L, buf, errno);
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) return push_errno(L, path, ENOTDIR);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- attributes and results ---- */

/* corral.set_attr(name, value|nil) -> true | nil, err. May raise (arguments). */
static int l_set_attr(lua_State *L)
{
    const corral_op_t *op = need_op(L, "set_attr");
    const char *name = luaL_checkstring(L, 1);
    luaL_argcheck(L, *name, 1, "an attribute name");
    const char *value = NULL;
    if (!lua_isnoneornil(L, 2)) {
        luaL_argcheck(L, lua_type(L, 2) == LUA_TSTRING || lua_type(L, 2) == LUA_TNUMBER, 2,
                      "a string or number, or nil to delete");
        value = lua_tostring(L, 2);
    }
    int rc = op->set_attr ? op->set_attr(op, name, value) : -ENOTSUP;
    if (rc < 0) return push_errno(L, name, -rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* corral.get_attr(name [, node]) -> value | nil. May raise (arguments). */
static int l_get_attr(lua_State *L)
{
    const corral_op_t *op = need_op(L, "get_attr");
    const char *name = luaL_checkstring(L, 1);
    const char *node = luaL_optstring(L, 2, NULL);
    return push_opt_string(L, op->get_attr ? op->get_attr(op, name, node) : NULL);
}

/* corral.exit_reason(msg). May raise (argument). */
static int l_exit_reason(lua_State *L)
{
    const corral_op_t *op = need_op(L, "exit_reason");
    op->set_exit_reason(op, "%s", luaL_tolstring(L, 1, NULL));
    return 0;
}

static const luaL_Reg api[] = {
    {"log", l_log},
    {"exec", l_exec},
    {"sleep", l_sleep},
    {"node", l_node},
    {"resource", l_resource},
    {"action", l_action},
    {"target", l_target},
    {"plug", l_plug},
    {"state_dir", l_state_dir},
    {"interval", l_interval},
    {"timeout", l_timeout},
    {"meta", l_meta},
    {"read_file", l_read_file},
    {"write_file", l_write_file},
    {"file_exists", l_file_exists},
    {"remove_file", l_remove_file},
    {"mkdir", l_mkdir},
    {"set_attr", l_set_attr},
    {"get_attr", l_get_attr},
    {"exit_reason", l_exit_reason},
    {NULL, NULL},
};

static const struct {
    const char *name;
    int value;
} constants[] = {
    {"OK", CORRAL_OCF_SUCCESS},
    {"ERR_GENERIC", CORRAL_OCF_ERR_GENERIC},
    {"ERR_ARGS", CORRAL_OCF_ERR_ARGS},
    {"UNIMPLEMENTED", CORRAL_OCF_UNIMPLEMENTED},
    {"ERR_PERM", CORRAL_OCF_ERR_PERM},
    {"NOT_INSTALLED", CORRAL_OCF_NOT_INSTALLED},
    {"NOT_CONFIGURED", CORRAL_OCF_NOT_CONFIGURED},
    {"NOT_RUNNING", CORRAL_OCF_NOT_RUNNING},
    {"RUNNING_PROMOTED", CORRAL_OCF_RUNNING_PROMOTED},
    {"FAILED_PROMOTED", CORRAL_OCF_FAILED_PROMOTED},
};

int corral__lua_open_api(lua_State *L)
{
    luaL_newmetatable(L, BOX_META);
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);

    luaL_newlib(L, api);
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    lua_setglobal(L, "corral");
    return 0;
}
