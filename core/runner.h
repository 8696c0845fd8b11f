/**
 * @file runner.h
 * @brief One action in a child process: its own process group, the timeout
 *        enforced on the whole group (SIGTERM, then SIGKILL at most 5 s
 *        later), bounded capture of stdout/stderr, and a result channel
 *        (exit reason, transient attributes, output lines, log lines).
 *
 * A job is driven either synchronously (corral_job_wait) or from an event
 * loop: poll the fds corral_job_fds() returns, call corral_job_dispatch() on
 * activity and at corral_job_next_deadline(). The result is known as soon as
 * the child itself exits (a pidfd says so); output still buffered is drained
 * without blocking, and a grandchild that holds a pipe is not waited for.
 *
 * A job started from inside another job's child (a bridge running a program
 * for its agent) stays in that child's process group, so the outer job's
 * timeout reaches it too; its own timeout then signals only its process.
 */
#ifndef CORRAL_RUNNER_H
#define CORRAL_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "forkserver.h"

typedef struct corral_job corral_job_t;

/** How the job ended. */
typedef enum corral_job_status {
    CORRAL_JOB_RUNNING = 0,
    CORRAL_JOB_EXITED,    /**< exit_code is valid */
    CORRAL_JOB_SIGNALED,  /**< killed by signal `signo` (a crash) */
    CORRAL_JOB_TIMED_OUT, /**< the group was killed at the timeout */
    CORRAL_JOB_CANCELLED, /**< corral_job_cancel() */
    CORRAL_JOB_ERROR,     /**< could not start (fork failed...) */
} corral_job_status_t;

/** Record received over the result channel. */
typedef struct corral_job_attr {
    char *name;
    char *value; /**< NULL: delete */
} corral_job_attr_t;

/** A log line the child sent with corral_job_send_log(). */
typedef struct corral_job_log {
    int level; /**< syslog level (LOG_ERR ... LOG_DEBUG) */
    char *msg;
} corral_job_log_t;

typedef struct corral_job_result {
    corral_job_status_t status;
    int exit_code;     /**< EXITED: the child's exit code (an OCF code for agents) */
    int signo;         /**< SIGNALED */
    int ocf_rc;        /**< exit_code mapped; crash, timeout, garbage -> 1 (generic) */
    char *exit_reason; /**< the agent's, or the host's ("killed by signal 11 (Segmentation fault)",
                          "timed out after 20s"); NULL when none */
    char *out;         /**< stdout, capped (NUL-terminated, never NULL) */
    char *err;         /**< stderr, capped */
    char **lines;      /**< op->output() lines */
    size_t n_lines;
    corral_job_attr_t *attrs; /**< op->set_attr() calls, in order */
    size_t n_attrs;
    uint64_t started_ms; /**< CLOCK_REALTIME ms */
    uint64_t duration_ms;
    corral_job_log_t *logs; /**< corral_job_send_log() records, in order (capped) */
    size_t n_logs;
} corral_job_result_t;

/** The child side: runs in the forked child; its return value is the exit code. */
typedef int (*corral_job_child_fn)(void *arg, int result_fd);

typedef struct corral_job_spec {
    corral_job_child_fn child; /**< required */
    void *arg;
    uint32_t timeout_ms;    /**< 0: no timeout */
    uint32_t kill_grace_ms; /**< SIGTERM -> SIGKILL; 0: 5000 */
    size_t output_cap;      /**< per stream; 0: 64 KiB */
    const char *stdin_data; /**< NULL: /dev/null */
    /**
     * Non-NULL: forward the child's log records to qb_log as they arrive, as
     * "TAG: message" at the record's level (e.g. "resource vip"), and log the
     * captured stderr and stdout lines (debug) when the job ends. Copied.
     */
    const char *log_tag;
    /**
     * Non-NULL: have this fork server fork the child (forkserver.h), whose
     * child function then gets `msg` (copied); `child`/`arg` are still
     * required: they run in a child forked here when the server refuses the
     * request or cannot be (re)started. The job behaves the same either way.
     */
    corral_forkserver_t *forkserver;
    const void *msg;
    size_t msg_len;
    /**
     * Answers corral_job_get_attr() from the child, in this process, when the
     * question arrives (during corral_job_dispatch / corral_job_wait): a node
     * attribute, or NULL. The value is copied at once. NULL: no values.
     */
    const char *(*get_attr)(void *ud, const char *node, const char *name);
    void *attr_ud;
} corral_job_spec_t;

/** Fork the child. 0 and *job_out, or -errno. The job is owned by the caller. */
int corral_job_start(const corral_job_spec_t *spec, corral_job_t **job_out);

/** Fds to poll for input (up to 4). Returns how many were written to fds_out. */
int corral_job_fds(const corral_job_t *job, int fds_out[4]);

/** Monotonic ms of the next timer the job needs (timeout, kill grace), or 0 for none. */
uint64_t corral_job_next_deadline(const corral_job_t *job);

/** Make progress without blocking. Returns true when the job has finished. */
bool corral_job_dispatch(corral_job_t *job);

/** Block until the job finishes. */
void corral_job_wait(corral_job_t *job);

/** Kill the job's process group now (SIGTERM, then SIGKILL past the grace). */
void corral_job_cancel(corral_job_t *job);

/** The result; valid once finished, owned by the job. */
const corral_job_result_t *corral_job_result(const corral_job_t *job);

pid_t corral_job_pid(const corral_job_t *job);

/** Free the job; kills its group if still running, reaps the child. */
void corral_job_free(corral_job_t *job);

/** Child side helpers: write one record to the result channel. */
void corral_job_send_reason(int result_fd, const char *reason);
void corral_job_send_attr(int result_fd, const char *name, const char *value);
void corral_job_send_line(int result_fd, const char *line);
void corral_job_send_log(int result_fd, int level, const char *msg);

/**
 * Child side: ask the parent for a node attribute (the spec's `get_attr`)
 * and wait for the answer. The value (malloc'd, caller frees), or NULL for
 * none or when the parent is gone.
 */
char *corral_job_get_attr(int result_fd, const char *node, const char *name);

/** Monotonic clock in ms. */
uint64_t corral_now_ms(void);

#endif /* CORRAL_RUNNER_H */
