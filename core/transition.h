/**
 * @file transition.h
 * @brief A transition: what the scheduler decided. Fencing, stop, start,
 *        promote, demote and monitor actions with their ordering edges, a
 *        summary a Pacemaker user recognises, and the resulting placement.
 *
 * Built by the scheduler (corral_schedule()), read by `corral simulate` and
 * the controller. Everything is owned by the corral_transition_t.
 */
#ifndef CORRAL_TRANSITION_H
#define CORRAL_TRANSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "util.h"

typedef enum corral_action_kind {
    CORRAL_ACTION_FENCE = 0,
    CORRAL_ACTION_STOP,
    CORRAL_ACTION_START,
    CORRAL_ACTION_PROMOTE,
    CORRAL_ACTION_DEMOTE,
    CORRAL_ACTION_MONITOR,
} corral_action_kind_t;

/** "fence", "stop", "start", "promote", "demote", "monitor". */
const char *corral_action_kind_name(corral_action_kind_t k);

/** One action. */
typedef struct corral_action {
    char *id; /**< "vip_start_n1", "vip_monitor_10000_n1", "n3_fence" */
    corral_action_kind_t kind;
    char *resource; /**< primitive id; NULL for a fence */
    char *instance; /**< "ping:0" for a clone instance, else the primitive id; NULL for a fence */
    char *node;     /**< where it runs (a fence: its target) */
    uint32_t interval_ms; /**< monitors */
    uint32_t timeout_ms;
    bool fence_off; /**< fence: power off rather than reboot */
    char *reason;   /**< fence: why ("node is unclean"); else may be NULL */
    size_t *after;  /**< indices of the actions this one waits for */
    size_t n_after;
} corral_action_t;

/** What happens to one resource instance, as a summary line. */
typedef enum corral_change {
    CORRAL_CHANGE_START = 0,
    CORRAL_CHANGE_STOP,
    CORRAL_CHANGE_MOVE,
    CORRAL_CHANGE_RECOVER,
    CORRAL_CHANGE_RESTART,
    CORRAL_CHANGE_PROMOTE,
    CORRAL_CHANGE_DEMOTE,
} corral_change_t;

typedef struct corral_summary {
    corral_change_t change;
    char *instance;
    char *from;   /**< may be NULL */
    char *to;     /**< may be NULL */
    char *reason; /**< may be NULL ("blocked", "node availability") */
} corral_summary_t;

/** Where one primitive runs after the transition. */
typedef struct corral_placement {
    char *resource;
    char **nodes; /**< sorted */
    size_t n_nodes;
    bool promotable;
    char **promoted; /**< sorted */
    size_t n_promoted;
} corral_placement_t;

typedef struct corral_transition {
    bool quorate;
    corral_action_t *actions;
    size_t n_actions;
    size_t cap_actions;
    corral_summary_t *summary;
    size_t n_summary;
    size_t cap_summary;
    corral_placement_t *placement; /**< every primitive, in config order */
    size_t n_placement;
    /** Nodes found unclean or fenced away: after the transition they are offline. */
    char **down;
    size_t n_down;
} corral_transition_t;

/** A new, empty transition (caller frees with corral_transition_free). */
corral_transition_t *corral_transition_new(void);
void corral_transition_free(corral_transition_t *t);

/**
 * Add an action; returns its index. `resource`/`instance` NULL for a fence.
 * The id is derived: "RSC_ACTION_NODE", "RSC_monitor_INTERVALMS_NODE",
 * "NODE_fence"; a clash gets the instance name in place of RSC.
 */
size_t corral_transition_add(corral_transition_t *t, corral_action_kind_t kind,
                             const char *resource, const char *instance, const char *node,
                             uint32_t interval_ms);
/** `then` waits for `first` (indices); duplicates and self-edges are ignored. */
void corral_transition_order(corral_transition_t *t, size_t first, size_t then);
/** Index of the action with this id, or -1. */
long corral_transition_find(const corral_transition_t *t, const char *id);

void corral_transition_add_summary(corral_transition_t *t, corral_change_t change,
                                   const char *instance, const char *from, const char *to,
                                   const char *reason);

/** The fence actions, in order. */
size_t corral_transition_n_fences(const corral_transition_t *t);

/** SPEC section 7's JSON object (one line per array element, ends with a newline). */
void corral_transition_format_json(const corral_transition_t *t, corral_buf_t *out);
/** The summary a Pacemaker user recognises, then the placement. */
void corral_transition_format_text(const corral_transition_t *t, corral_buf_t *out);
/** The action graph in Graphviz dot. */
void corral_transition_format_dot(const corral_transition_t *t, corral_buf_t *out);

/**
 * The status after every action succeeded: placement as active-on and
 * promoted-on, failures of recovered resources cleared, fenced nodes
 * offline with their transient attributes and failcounts gone.
 * Returns a new status (caller frees).
 */
corral_status_t *corral_transition_apply(const corral_transition_t *t,
                                         const corral_status_t *before);

#endif /* CORRAL_TRANSITION_H */
