/**
 * @file executor.h
 * @brief The per-node executor: runs resource actions from a libqb main
 *        loop, one at a time per resource, at most `max_concurrent` at once,
 *        repeats recurring monitors at their interval, and keeps the node's
 *        op history (durably, in the state directory).
 *
 * Everything happens in the loop's thread and nothing blocks it: an action
 * is a child process (core/action.h, core/runner.h) whose pipes and pidfd are
 * polled and whose deadline is a loop timer. Results reach the owner through
 * corral_executor_callbacks_t, always from the loop, never from inside a call
 * to this API.
 *
 * Ordering rules:
 *   - per resource, ops the owner asked for run in the order asked (FIFO) and
 *     never two at once; due recurring monitors wait behind them;
 *   - among resources, the oldest request runs first once a slot is free;
 *   - a recurring monitor is due every `interval` after its previous due time
 *     (no drift); a tick that comes while the previous run is still queued or
 *     running is skipped, so a slow monitor never piles up;
 *   - asking for `stop` cancels the resource's recurring monitors first (a run
 *     in flight is killed and not reported);
 *   - a monitor with interval 0 is a probe: its result says what runs, and
 *     rc 0, 7 (not running) and 8 (promoted) are all expected.
 *
 * The history is written to `<state_dir>/ophistory-<node>.hist` whenever
 * something other than the times of an unchanged recurring result changed,
 * coalesced: after the loop iteration, and at most once per
 * `history_flush_ms` (see docs/executor.md); corral_executor_flush() and
 * corral_executor_free() write at once. At creation the
 * file is loaded and every resource in it is marked unverified: the owner
 * probes everything, and each probe result verifies its resource.
 */
#ifndef CORRAL_EXECUTOR_H
#define CORRAL_EXECUTOR_H

#include "model.h"
#include "ophistory.h"
#include "registry.h"

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct corral_executor corral_executor_t;

/** The result of one run of an op, handed to the owner's result callback. */
typedef struct corral_exec_event {
    uint64_t op_id;   /**< corral_executor_exec()'s id (the same for every run of a recurring op) */
    uint64_t call_id; /**< this run's id in the history; increases with every run */
    const char *rsc;  /**< resource id */
    const char *agent; /**< as config names it */
    const char *action;
    uint32_t interval_ms; /**< 0: one-shot; a monitor with 0 is a probe */
    bool probe;
    int rc; /**< OCF code (enum corral_ocf_rc) */
    corral_op_status_t status;
    const char *exit_reason; /**< the agent's or the host's; "" when none; never NULL */
    uint64_t started_ms;     /**< wall clock, ms since the epoch */
    uint32_t duration_ms;
    bool expected;   /**< rc is what was asked for (expected_rc; a probe: 0, 7 or 8) */
    bool rc_changed; /**< differs from the previous result of this (action, interval), or is the
                        first */
    const char *const *lines; /**< op->output() lines */
    size_t n_lines;
    void *user_data; /**< from the request */
} corral_exec_event_t;

/** What the owner hears. Any may be NULL. Called from the loop only. */
typedef struct corral_executor_callbacks {
    /**
     * An op finished (not for cancelled ones). The event and its strings are
     * valid during the call only. The callback may call exec, cancel and the
     * other functions here, but not corral_executor_free().
     */
    void (*result)(void *ud, const corral_exec_event_t *ev);
    /** An agent set (value != NULL) or deleted a transient attribute of this node. */
    void (*attr)(void *ud, const char *rsc, const char *name, const char *value);
    void *ud;
} corral_executor_callbacks_t;

typedef struct corral_executor_opts {
    const char *node;      /**< local node name (required) */
    const char *state_dir; /**< where the history lives; NULL: in memory only */
    /** At most this many actions at once; 0: twice the online CPUs, at least 8. */
    unsigned max_concurrent;
    /** Report every run of a recurring monitor, not only the first and rc changes. */
    bool report_every_monitor;
    /**
     * At most one history write per this many ms (0: 100): a burst of
     * results costs one atomic write (and its fsync), not one each.
     */
    uint32_t history_flush_ms;
    /** Answers op->get_attr() in the agents (asked of this process when the agent asks). May be
     * NULL. */
    const char *(*get_attr)(void *ud, const char *node, const char *name);
    void *attr_ud;
    /**
     * Fork every action from this process, as before the fork server
     * (docs/executor.md). By default the executor starts a fork server at
     * creation, and actions are forked from it.
     */
    bool no_forkserver;
} corral_executor_opts_t;

/** What the owner asks for. Everything is copied by corral_executor_exec(). */
typedef struct corral_exec_req {
    const char *rsc;      /**< resource id (required) */
    const char *agent;    /**< "dummy", "lua:ping", "ocf:pacemaker:Dummy" (required) */
    const char *action;   /**< "start", "stop", "monitor", "promote", ... (required) */
    uint32_t interval_ms; /**< > 0: a recurring op (monitor); its first run is queued now */
    uint32_t timeout_ms;  /**< 0: 20 s */
    const corral_kvlist_t *params; /**< may be NULL */
    const corral_kvlist_t *meta;   /**< clone / notify op meta; may be NULL */
    int expected_rc; /**< usually 0; 8 for a monitor of the promoted role; ignored for probes */
    void *user_data; /**< echoed in every event of this op */
} corral_exec_req_t;

/**
 * Create an executor on `loop`, running agents found in `reg` (neither is
 * owned; both must outlive the executor). Loads the history from the state
 * directory, creating the directory if needed; a damaged history file is
 * logged, kept aside as `.bad`, and replaced by an empty history. 0 and
 * *ex_out (owned by the caller: corral_executor_free), or -EINVAL (no node
 * or loop), or another -errno (state directory unusable).
 */
int corral_executor_new(qb_loop_t *loop, corral_registry_t *reg, const corral_executor_opts_t *opts,
                        const corral_executor_callbacks_t *cb, corral_executor_t **ex_out);

/**
 * Kill and reap every action in flight (their results are not reported),
 * write the history, free everything.
 */
void corral_executor_free(corral_executor_t *ex);

/**
 * Queue an op. 0 and *op_id_out (may be NULL) or -EINVAL (a missing
 * field, an interval on another action than monitor, an expected_rc that is
 * no OCF code). A recurring op replaces an existing one of the same resource,
 * action and interval. The result arrives later through the callback, even
 * when the agent cannot be found (status ERROR, rc 5).
 */
int corral_executor_exec(corral_executor_t *ex, const corral_exec_req_t *req, uint64_t *op_id_out);

/**
 * Cancel every queued or running op of `rsc` with this action and interval
 * (a recurring one stops recurring, and its record leaves the history).
 * A run in flight is killed; nothing is reported for cancelled ops, and the
 * resource stays busy until the killed run is reaped. Returns how many ops
 * were cancelled (0 when none matched).
 */
int corral_executor_cancel(corral_executor_t *ex, const char *rsc, const char *action,
                           uint32_t interval_ms);

/** Cancel everything queued, recurring or running for `rsc`. Returns how many ops. */
int corral_executor_cancel_all(corral_executor_t *ex, const char *rsc);

/** Cancel by the id corral_executor_exec() gave. 0 or -ENOENT. */
int corral_executor_cancel_op(corral_executor_t *ex, uint64_t op_id);

/** The node's op history (owned by the executor; valid until corral_executor_free). */
const corral_ophistory_t *corral_executor_ophistory(const corral_executor_t *ex);

/** One resource's history, or NULL; valid until the next result or change. */
const corral_rsc_history_t *corral_executor_history(const corral_executor_t *ex, const char *rsc);

/** Forget `rsc`'s history (cleanup; a removed resource) and persist that. true if it had one. */
bool corral_executor_forget(corral_executor_t *ex, const char *rsc);

/** Mark `rsc` (NULL: all) unverified until probed. */
void corral_executor_mark_unverified(corral_executor_t *ex, const char *rsc);

/**
 * Ops the owner waits for: one-shot ops queued or running, plus recurring
 * ops whose first run has not finished. Recurring re-runs do not count.
 */
unsigned corral_executor_pending_count(const corral_executor_t *ex);

/** How many actions are running now (cancelled ones being reaped included). */
unsigned corral_executor_running_count(const corral_executor_t *ex);

/** One pending op, for `corral status`. Strings valid during the call. */
typedef struct corral_exec_pending {
    uint64_t op_id;
    const char *rsc;
    const char *action;
    uint32_t interval_ms;
    bool running;
    uint64_t started_ms; /**< wall clock when running, else 0 */
} corral_exec_pending_t;

/** Call fn for every op corral_executor_pending_count() counts, oldest request first. */
void corral_executor_foreach_pending(const corral_executor_t *ex,
                                     void (*fn)(void *ud, const corral_exec_pending_t *p),
                                     void *ud);

/** Write the history now if it changed (at shutdown). 0 or -errno. */
int corral_executor_flush(corral_executor_t *ex);

/**
 * The pid of the fork server that forks the actions now (it changes when a
 * dead server is restarted), or -1 when there is none (no_forkserver, or it
 * could not start: actions are then forked from this process).
 */
pid_t corral_executor_forkserver_pid(const corral_executor_t *ex);

#endif /* CORRAL_EXECUTOR_H */
