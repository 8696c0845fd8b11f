/**
 * @file ophistory.h
 * @brief The op history of one node: for each resource, the last result of
 *        each (action, interval), its last failure, and whether the history
 *        has been confirmed by a probe since it was loaded. The cluster
 *        status (active-on, promoted-on, failed-on, stop-failed-on) is
 *        derived from it with corral_rsc_history_state().
 *
 * A plain in-memory store with a durable file format: the executor keeps one
 * for its own node and writes it to `<state_dir>/ophistory-<node>.hist`; the
 * controller may keep one per node for the histories other nodes broadcast.
 * No I/O happens except in corral_ophistory_save() and corral_ophistory_load().
 *
 * The file is line-based text, one record per line (see docs/executor.md):
 *
 *     corral-ophistory 1
 *     node n1
 *     next-call 42
 *     resource vip agent=ocf:heartbeat:IPaddr2
 *     op vip start interval=0 rc=0 status=done failed=0 call=12 started=... duration=35
 * rc-change=... reason= failure vip monitor interval=10000 rc=7 status=done failed=1 call=40 ...
 * reason=free text
 */
#ifndef CORRAL_OPHISTORY_H
#define CORRAL_OPHISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct corral_ophistory corral_ophistory_t;

/** How an op ended, beyond its OCF code. */
typedef enum corral_op_status {
    CORRAL_OP_DONE = 0,  /**< the agent answered; rc is its OCF code */
    CORRAL_OP_INVALID,   /**< the agent exited with a code that is no OCF code (rc = 1) */
    CORRAL_OP_CRASHED,   /**< the agent was killed by a signal (rc = 1) */
    CORRAL_OP_TIMED_OUT, /**< the host killed it at its timeout (rc = 1) */
    CORRAL_OP_ERROR,     /**< it could not be run: no such agent (rc = 5), fork failed (rc = 1) */
    CORRAL_OP_CANCELLED, /**< cancelled by the owner; never recorded */
} corral_op_status_t;

/** "done", "invalid", "crashed", "timed out", "error", "cancelled". */
const char *corral_op_status_str(corral_op_status_t status);

/** One op result. Strings are owned by whoever holds the record. */
typedef struct corral_op_record {
    char *action;         /**< "start", "monitor", ... */
    uint32_t interval_ms; /**< 0 for one-shot ops; a monitor with 0 is a probe */
    int rc;               /**< OCF code */
    corral_op_status_t status;
    bool failed;         /**< rc was not what the owner expected (a probe: not 0, 7 or 8) */
    char *exit_reason;   /**< never NULL ("" when none); one line */
    uint64_t call_id;    /**< increases with every run on this node: orders the records */
    uint64_t started_ms; /**< wall clock, ms since the epoch */
    uint32_t duration_ms;
    uint64_t rc_change_ms; /**< wall clock when this (action, interval) last got a different rc */
} corral_op_record_t;

/**
 * What a resource's history says about it on this node. `failed` implies
 * `active` (the resource must be recovered: stopped, perhaps started again);
 * `stop_failed` implies `failed`.
 */
typedef struct corral_rsc_state {
    bool known;    /**< some op is recorded */
    bool active;   /**< it runs (or may run) here */
    bool promoted; /**< it runs here in the promoted role */
    bool failed;   /**< its last relevant op failed */
    bool stop_failed;
} corral_rsc_state_t;

/** A read-only view of one resource's history, owned by the store. */
typedef struct corral_rsc_history {
    const char *id;
    const char *agent;             /**< the agent of the last op */
    const corral_op_record_t *ops; /**< the last op of each (action, interval), by call_id */
    size_t n_ops;
    const corral_op_record_t *last_failure; /**< the last failed op, or NULL */
    bool unverified; /**< loaded from disk and not probed since: what runs here is a guess */
} corral_rsc_history_t;

/** A new, empty history for node `node` (copied). Owned by the caller; never fails. */
corral_ophistory_t *corral_ophistory_new(const char *node);
void corral_ophistory_free(corral_ophistory_t *h);

/** The node name given at creation or found in the file. */
const char *corral_ophistory_node(const corral_ophistory_t *h);

/** The next call id to hand out (1 + the highest ever recorded); increments it. */
uint64_t corral_ophistory_next_call(corral_ophistory_t *h);

/**
 * Record an op result of resource `rsc` run with agent `agent` (both copied;
 * `rec` is copied deeply). It replaces the previous record of the same
 * (action, interval); rc_change_ms is computed here (rec's value ignored):
 * it keeps the previous value when the rc is unchanged. A failed op also
 * becomes the resource's last failure. A probe (monitor, interval 0) clears
 * `unverified`. Returns true when something other than the times of an
 * unchanged result changed (the caller may then persist the history now
 * and the rest later).
 */
bool corral_ophistory_record(corral_ophistory_t *h, const char *rsc, const char *agent,
                             const corral_op_record_t *rec);

/** Forget the record of (action, interval) of `rsc` (a cancelled recurring op). true if one was
 * removed. */
bool corral_ophistory_forget_op(corral_ophistory_t *h, const char *rsc, const char *action,
                                uint32_t interval_ms);

/** Forget all of `rsc` (cleanup, or a resource removed from the config). true if it was known. */
bool corral_ophistory_forget(corral_ophistory_t *h, const char *rsc);

/** Forget everything (the node was fenced: its history is void). */
void corral_ophistory_clear(corral_ophistory_t *h);

/** Mark `rsc` (NULL: every resource) unverified until its next probe. */
void corral_ophistory_mark_unverified(corral_ophistory_t *h, const char *rsc);

/** The history of `rsc`, or NULL. Valid until the next change to the store. */
const corral_rsc_history_t *corral_ophistory_get(const corral_ophistory_t *h, const char *rsc);

/** How many resources have a history. */
size_t corral_ophistory_count(const corral_ophistory_t *h);

/** Call fn for every resource, sorted by id. The store must not be changed from fn. */
void corral_ophistory_foreach(const corral_ophistory_t *h,
                              void (*fn)(void *ud, const corral_rsc_history_t *rh), void *ud);

/** The record of (action, interval) in `rh`, or NULL. */
const corral_op_record_t *corral_rsc_history_find(const corral_rsc_history_t *rh,
                                                  const char *action, uint32_t interval_ms);

/**
 * Derive what runs from the records, replaying them in call order: a
 * successful start, promote, demote or migrate_from makes the resource
 * active; a successful stop inactive; a probe's 7 (or 5: not installed)
 * inactive; a monitor's 0 / 8 active / promoted; any failed op leaves it
 * active and failed (a failed stop also stop_failed), since its state is
 * then unknown and recovery must stop it first.
 */
void corral_rsc_history_state(const corral_rsc_history_t *rh, corral_rsc_state_t *state_out);

/** Serialise to text (caller frees). */
char *corral_ophistory_format(const corral_ophistory_t *h);

/**
 * Parse text. 0 and *h_out (caller frees; every resource unverified), or
 * -EINVAL with *error_out ("line N: ...", malloc'd) when the text is not a
 * history.
 */
int corral_ophistory_parse(const char *text, corral_ophistory_t **h_out, char **error_out);

/** Write atomically (temp file, fsync, rename). 0 or -errno. */
int corral_ophistory_save(const corral_ophistory_t *h, const char *path);

/**
 * Read a file written by corral_ophistory_save(). 0 and *h_out (caller
 * frees; every resource unverified); -ENOENT when there is none; -EINVAL
 * with *error_out when it is damaged; another -errno.
 */
int corral_ophistory_load(const char *path, corral_ophistory_t **h_out, char **error_out);

#endif /* CORRAL_OPHISTORY_H */
