/*
 * The scheduler's private working set. Everything is indexed densely:
 * nodes 0..N-1 in config order, units (one per primitive instance) 0..U-1,
 * and "items" for what constraints name: primitives, groups, clones.
 * Scores live in one flat array of rows (row x node).
 */
#ifndef CORRAL_SCHED_INT_H
#define CORRAL_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../model.h"
#include "../scheduler.h"
#include "../status.h"
#include "../transition.h"

#define INF CORRAL_INFINITY

/* Kinds of score parts (explanations). */
enum part_kind {
    PART_LOCATION,
    PART_RULE,
    PART_STICKINESS,
    PART_FAILCOUNT,
    PART_COLOCATION,
    PART_DEPENDENTS, /* scores of colocated dependents merged in */
    PART_NODE,       /* node unavailable */
    PART_OPT_IN,     /* symmetric = false: not allowed without a location */
    PART_UTILIZATION,
    PART_CLONE_LIMIT,
    PART_PROMOTION,
    PART_ROLE,
};

typedef struct part {
    int32_t row;
    int32_t node; /* -1: every node except `except` */
    int32_t except;
    corral_score_t score;
    uint8_t kind;
    int32_t src; /* config object index (by kind), or -1 */
    int32_t line;
    int32_t next; /* next part of the same row, or -1 */
    char *detail; /* owned, may be NULL */
} part_t;

typedef struct snode {
    const char *name;
    const corral_node_t *cfg;
    const corral_status_node_t *st;
    corral_node_state_t state;
    bool standby;
    bool maintenance;
    bool avail; /* can run resources now */
    bool fence; /* fenced in this transition */
    const char *fence_reason;
    bool fenceable;  /* some device can target it and fencing is allowed */
    bool down_after; /* offline after the transition (fenced, or unclean without fencing) */
    int num_assigned;
    int name_rank;
    int64_t *cap; /* remaining capacity per utilization key */
} snode_t;

typedef enum item_kind { IT_PRIM = 0, IT_GROUP, IT_CLONE } item_kind_t;

/* Something a constraint can name. */
typedef struct item {
    item_kind_t kind;
    int index; /* into config resources/groups/clones */
    const char *id;
    int clone;  /* containing clone item, or -1 */
    int *units; /* primitives: its units; group: first members' units; clone: every unit */
    int n_units;
    int row; /* clone: the clone-level row; primitive: its unit's row; group: first member's */
    int *this_with; /* colocation indices (internal list) where it is the dependent */
    int n_this_with;
    int *with_this; /* where it is the primary */
    int n_with_this;
    int *orders_first; /* order indices where it is first */
    int n_orders_first;
    bool merging;
    bool done;
    bool assigning;
    /* clone: max >= the nodes that can run resources, so every such node
     * gets an instance; positive finite colocations and dependents'
     * positive preferences then do not weigh on its instances */
    bool every_node;
    int priority;
} item_t;

/* A colocation: the config's, or a group's internal chain. */
typedef struct coloc {
    int dep;     /* item */
    int primary; /* item */
    corral_score_t score;
    corral_role_t dep_role;
    corral_role_t primary_role;
    int src;   /* config colocation index, or -1 for a group chain */
    int group; /* group index for a chain */
    int line;
    const char *id;
} coloc_t;

typedef enum unit_mode {
    UM_NORMAL = 0,
    UM_FROZEN, /* left alone where it is: unmanaged, blocked, maintenance, pending */
} unit_mode_t;

/* One primitive instance. */
typedef struct unit {
    int prim;  /* config resource index */
    int item;  /* the primitive's item */
    int clone; /* config clone index or -1 */
    int inst;  /* instance number or -1 */
    int group; /* config group or -1 */
    int gpos;
    char *name; /* "ID:N" for a clone instance (owned), else the config's primitive id */
    int row;
    int *cur; /* nodes where it is active (counted as running) */
    int n_cur;
    int cur_promoted; /* node or -1 */
    int *failed;      /* subset of cur: a monitor failed there */
    int n_failed;
    bool stop_failed_block;
    unit_mode_t mode;
    const char *frozen_why;
    bool managed;
    bool multiple_active; /* non-clone active on several nodes */
    bool stop_only;       /* never start again in this transition */
    const char *stopped_why;
    corral_role_t target_role;
    corral_score_t stickiness;
    corral_requires_t requires;
    bool ignore_failures; /* monitor on-fail=ignore */
    bool demote_only;     /* promoted monitor failed with on-fail=demote */
    /* assignment */
    int assigned;
    bool done;
    bool assigning;
    bool promote;
    corral_score_t prom_score;
    int prom_rank;    /* promotable clone, placed: place in the promotion order; else -1 */
    bool restart;     /* stop and start again where it is */
    bool colocs_done; /* a clone instance: its finite colocations applied */
    int64_t *uses;
} unit_t;

typedef struct ws {
    const corral_config_t *cfg;
    const corral_status_t *st;
    int n_nodes;
    snode_t *nodes;
    int *node_by_name_rank; /* nodes sorted by name */
    int n_units;
    unit_t *units;
    int n_items;
    item_t *items;
    int n_colocs;
    coloc_t *colocs;
    int n_rows;
    corral_score_t *score; /* n_rows x n_nodes */
    uint8_t *allowed;      /* n_rows x n_nodes: opt-in clusters: a location named the node */
    int *row_head;         /* first part per row, -1 */
    int *row_unit;         /* unit of a row, or -1 for a clone row */
    part_t *parts;
    size_t n_parts, cap_parts;
    /* utilization */
    int n_util;
    const char **util_keys;
    bool fencing_possible;
    bool quorum_ok; /* quorate, or the policy says ignore */
    int *prim_item; /* config primitive -> item */
    int *group_item;
    int *clone_item;
    int *order_first_unit_dummy;
    char **why;                                  /* per unit: why it does not run (owned) */
    const corral_status_resource_t **st_by_prim; /* config primitive -> its status, or NULL */
    int *st_prim;                                /* status resource -> config primitive, or -1 */
    /* scratch rows for apply_coloc (never re-entered) */
    corral_score_t *scratch;
    uint8_t *scratch_in;
    int *scratch_nodes;
} ws_t;

/* sched_unpack.c */
/* explain: record the parts of every score (explanations); false skips that work. */
int corral__sched_unpack(ws_t *w, const corral_config_t *cfg, const corral_status_t *st,
                         bool explain);
void corral__sched_free(ws_t *w);
void corral__sched_part(ws_t *w, int row, int node, int except, corral_score_t score, int kind,
                        int src, int line, char *detail);
corral_score_t *corral__sched_row(ws_t *w, int row);
/* The item a constraint names (inside a clone: the clone), or -1. */
int corral__sched_ref_item(const ws_t *w, corral_ref_t ref);
const char *corral__sched_attr(const ws_t *w, int node, const char *name);
bool corral__sched_rule_match(const ws_t *w, const corral_rule_t *rule, int node);
void corral__sched_set_why(ws_t *w, int unit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sched_assign.c */
void corral__sched_assign(ws_t *w);

/* sched_actions.c */
void corral__sched_actions(ws_t *w, corral_transition_t *t);

#endif
