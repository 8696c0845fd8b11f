/**
 * @file forkserver.h
 * @brief A fork server: a small process, forked from the daemon while it is
 *        still small, that forks the action children on request.
 *
 * Forking the daemon for every action copies its page tables and makes both
 * sides take a copy-on-write fault for every page they touch afterwards;
 * forking a small process that does nothing else is several times cheaper
 * (docs/executor.md has the figures). The children are the server's, not
 * the daemon's, but the runner (runner.h) keeps everything SPEC section 3
 * asks for:
 *
 *   - the daemon creates the child's stdin, output pipes and result channel
 *     and hands them over with the request (SCM_RIGHTS), so it reads the
 *     output exactly as for a child of its own;
 *   - the child makes its own process group (the server sets it too before
 *     answering), so the daemon signals the group with kill(-pid) for
 *     timeouts and cancellation;
 *   - the server answers each request on a per-job status socket: first the
 *     pid, then the wait status as soon as the child exits. It keeps the
 *     exited child as a zombie until the daemon closes that socket, so the
 *     group id cannot be reused while the daemon may still signal it;
 *   - each child dies with the server (PR_SET_PDEATHSIG), and a status
 *     socket that ends without a status tells the daemon the server died:
 *     the runner then kills that job's group and fails the job. The next
 *     request restarts the server (corral__forkserver_spawn).
 *
 * The server is a fork of the caller, so the function pointers and the
 * context given at creation are valid in it; what the child needs from the
 * request travels as bytes (`msg`). Everything created in the caller after
 * the server started (a plugin registered in-process later) is not in the
 * server: `prepare` can refuse such a request and the runner then forks the
 * job in the caller as before.
 */
#ifndef CORRAL_FORKSERVER_H
#define CORRAL_FORKSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct corral_forkserver corral_forkserver_t;

/**
 * Runs in the server before it forks the child of a request (e.g. loads the
 * agent, so that every later child inherits it loaded). 0, or a negative
 * errno: the request is refused and the caller starts the job itself.
 */
typedef int (*corral_forkserver_prepare_fn)(void *ctx, const void *msg, size_t len);

/**
 * Runs in the child, after the runner's child setup (own process group,
 * default signals, fds 0-2 the job's stdin/stdout/stderr, 3 its result
 * channel); returns the exit code.
 */
typedef int (*corral_forkserver_child_fn)(void *ctx, const void *msg, size_t len, int result_fd);

/**
 * Fork the server now. `ctx` is passed to both functions in the server's
 * copy of memory. 0 and *fs_out (owned by the caller: corral_forkserver_free),
 * or -errno.
 */
int corral_forkserver_new(corral_forkserver_prepare_fn prepare, corral_forkserver_child_fn child,
                          void *ctx, corral_forkserver_t **fs_out);

/**
 * Start the server as a program of its own: `path` is executed (with the
 * arguments `args`, NULL-terminated, after argv[0]; both copied) with its
 * request socket on fd 3, and calls corral_forkserver_serve(). Nothing of
 * this process is in it: only what that program maps and loads, so each
 * fork of it copies less. It runs with LD_BIND_NOW set (for itself: it
 * unsets it), so that its children never resolve a symbol lazily. 0 and
 * *fs_out once the program answered that it serves, or -errno (it could not
 * be executed, or did not answer within a few seconds).
 */
int corral_forkserver_exec(const char *path, const char *const args[],
                           corral_forkserver_t **fs_out);

/**
 * The server's side of corral_forkserver_exec(), in the executed program:
 * tell the parent it serves, then serve the requests on `sock` (3) with
 * `prepare` and `child` until the parent goes away. Never returns.
 */
void corral_forkserver_serve(int sock, corral_forkserver_prepare_fn prepare,
                             corral_forkserver_child_fn child, void *ctx) __attribute__((noreturn));

/** Whether the server is a program of its own (corral_forkserver_exec). */
bool corral_forkserver_is_exec(const corral_forkserver_t *fs);

/**
 * Stop the server (its children in flight die with it: free the jobs
 * started through it first) and reap it.
 */
void corral_forkserver_free(corral_forkserver_t *fs);

/** The server's pid now (it changes when the server is restarted), or -1. */
pid_t corral_forkserver_pid(const corral_forkserver_t *fs);

/** How many times the server was restarted after it died. */
unsigned corral_forkserver_restarts(const corral_forkserver_t *fs);

/* ---- between the runner and the server (internal) ---- */

/** What the server writes on a job's status socket. */
typedef struct corral__forkserver_status {
    int kind;  /**< 'P': `value` is the child's pid, or -errno when not started; 'X': exited */
    int value; /**< 'X': the wait status (as waitpid() gives it) */
} corral__forkserver_status_t;

/**
 * Have the server fork a child for `msg` (restarting the server first if it
 * died). fds[4] are the child's stdin, stdout, stderr and result channel
 * (not taken: the caller closes its copies). 0 with *pid_out and
 * *status_fd_out (the caller's end of the status socket, close-on-exec,
 * blocking), or -errno (the caller then forks the job itself).
 */
int corral__forkserver_spawn(corral_forkserver_t *fs, const void *msg, size_t len, const int fds[4],
                             pid_t *pid_out, int *status_fd_out);

/**
 * The runner's child setup (runner.c): own process group, default signals
 * (`signals_clean`: they are already, with an empty mask), the four fds
 * onto 0-3, every other fd closed.
 */
void corral__job_child_setup(int in_fd, int out_w, int err_w, int res_w, bool signals_clean);

#endif /* CORRAL_FORKSERVER_H */
