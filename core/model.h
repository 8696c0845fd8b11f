/**
 * @file model.h
 * @brief The configuration model: what one INI file means, indexed by dense
 *        integer ids. Built by config.c, read by the scheduler and the daemon.
 *
 * Every object remembers the line of its section header (`line`) and every
 * key its own line, so errors and explanations can say FILE:LINE.
 * Arrays are owned by the corral_config_t and freed with it.
 */
#ifndef CORRAL_MODEL_H
#define CORRAL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORRAL_INFINITY 1000000

/** A score: clamp to [-CORRAL_INFINITY, CORRAL_INFINITY]; see corral_score_add(). */
typedef int32_t corral_score_t;

/** Saturating score sum where -INFINITY dominates (INFINITY + -INFINITY = -INFINITY). */
static inline corral_score_t corral_score_add(corral_score_t a, corral_score_t b)
{
    if (a <= -CORRAL_INFINITY || b <= -CORRAL_INFINITY) return -CORRAL_INFINITY;
    if (a >= CORRAL_INFINITY || b >= CORRAL_INFINITY) return CORRAL_INFINITY;
    int64_t s = (int64_t)a + b;
    if (s >= CORRAL_INFINITY) return CORRAL_INFINITY;
    if (s <= -CORRAL_INFINITY) return -CORRAL_INFINITY;
    return (corral_score_t)s;
}

/** key = value with the line it came from (params, attrs, capacities, host maps). */
typedef struct corral_kv {
    char *key;
    char *value;
    int line;
} corral_kv_t;

typedef struct corral_kvlist {
    corral_kv_t *items;
    size_t n;
} corral_kvlist_t;

typedef enum corral_role {
    CORRAL_ROLE_ANY = 0, /**< unset: started in any role */
    CORRAL_ROLE_STOPPED,
    CORRAL_ROLE_STARTED,
    CORRAL_ROLE_UNPROMOTED,
    CORRAL_ROLE_PROMOTED,
} corral_role_t;

typedef enum corral_on_fail {
    CORRAL_ON_FAIL_DEFAULT = 0, /**< restart; stop: fence if stonith enabled, else block */
    CORRAL_ON_FAIL_IGNORE,
    CORRAL_ON_FAIL_BLOCK,
    CORRAL_ON_FAIL_STOP,
    CORRAL_ON_FAIL_RESTART,
    CORRAL_ON_FAIL_FENCE,
    CORRAL_ON_FAIL_STANDBY,
    CORRAL_ON_FAIL_DEMOTE,
} corral_on_fail_t;

/** One `op.ACTION[.ROLE] = interval=.. timeout=.. on-fail=..` line. */
typedef struct corral_op_spec {
    char *action;         /**< "monitor", "start", "stop", "promote", ... */
    corral_role_t role;   /**< ANY, or PROMOTED/UNPROMOTED for `op.monitor.promoted` */
    uint32_t interval_ms; /**< 0: one-shot */
    uint32_t timeout_ms;  /**< default 20s */
    corral_on_fail_t on_fail;
    int line;
} corral_op_spec_t;

typedef enum corral_requires {
    CORRAL_REQUIRES_DEFAULT = 0, /**< fencing when stonith is enabled, else quorum */
    CORRAL_REQUIRES_NOTHING,
    CORRAL_REQUIRES_QUORUM,
    CORRAL_REQUIRES_FENCING,
} corral_requires_t;

typedef enum corral_multiple_active {
    CORRAL_MULTIPLE_STOP_START = 0,
    CORRAL_MULTIPLE_STOP_ONLY,
    CORRAL_MULTIPLE_BLOCK,
} corral_multiple_active_t;

/** What a reference in a constraint or clone names. */
typedef enum corral_ref_kind {
    CORRAL_REF_NONE = 0,
    CORRAL_REF_PRIMITIVE,
    CORRAL_REF_GROUP,
    CORRAL_REF_CLONE,
} corral_ref_kind_t;

typedef struct corral_ref {
    corral_ref_kind_t kind;
    int index; /**< into resources[], groups[] or clones[] */
} corral_ref_t;

/** Meta keys that can be set on a primitive, a group or a clone; *_set says whether it was. */
typedef struct corral_meta {
    int priority;
    bool priority_set;
    corral_role_t target_role; /**< ANY when unset */
    corral_score_t stickiness;
    bool stickiness_set;
    bool managed;
    bool managed_set;
    int priority_line; /**< line of each key when set, else 0 */
    int target_role_line;
    int stickiness_line;
    int managed_line;
} corral_meta_t;

/** [resource ID]: a primitive. */
typedef struct corral_resource {
    char *id;
    int line;
    char *agent;
    int agent_line;
    corral_kvlist_t params; /**< `param.NAME` */
    corral_op_spec_t *ops;
    size_t n_ops;
    corral_meta_t meta;
    corral_score_t migration_threshold; /**< default: cluster's; 0 disables */
    bool migration_threshold_set;
    uint32_t failure_timeout_ms; /**< 0: failures never expire */
    corral_requires_t requires;
    corral_multiple_active_t multiple_active;
    corral_kvlist_t uses;         /**< `uses.NAME` (integers) */
    int migration_threshold_line; /**< line of each key when set, else 0 */
    int failure_timeout_line;
    int requires_line;
    int group; /**< index into groups[], or -1 */
    int clone; /**< index of the clone containing it (directly or through its group), or -1 */
} corral_resource_t;

/** [group ID] */
typedef struct corral_group {
    char *id;
    int line;
    int *members; /**< resource indices, in start order */
    size_t n_members;
    corral_meta_t meta;
    int clone; /**< index into clones[], or -1 */
    int resources_line;
} corral_group_t;

/** [clone ID] */
typedef struct corral_clone {
    char *id;
    int line;
    corral_ref_t child; /**< PRIMITIVE or GROUP */
    int max;            /**< -1: number of nodes */
    int per_node;       /**< default 1 */
    bool unique;
    bool promotable;
    int promoted_max;      /**< default 1 */
    int promoted_per_node; /**< default 1 */
    bool interleave;
    bool notify;
    corral_meta_t meta;
    int resource_line;
    int max_line; /**< 0 when unset */
} corral_clone_t;

typedef enum corral_rule_op {
    CORRAL_RULE_EQ,
    CORRAL_RULE_NE,
    CORRAL_RULE_LT,
    CORRAL_RULE_GT,
    CORRAL_RULE_LTE,
    CORRAL_RULE_GTE,
    CORRAL_RULE_DEFINED,
    CORRAL_RULE_NOT_DEFINED,
} corral_rule_op_t;

typedef struct corral_rule_expr {
    char *attr; /**< without the "attr." prefix */
    corral_rule_op_t op;
    char *value; /**< NULL for defined/not_defined */
} corral_rule_expr_t;

/** `attr.X op V [and|or attr.Y op W ...]` */
typedef struct corral_rule {
    corral_rule_expr_t *exprs;
    size_t n_exprs;
    bool any; /**< true: joined by `or`; false: by `and` (or a single expression) */
} corral_rule_t;

/** [location ID] */
typedef struct corral_location {
    char *id;
    int line;
    corral_ref_t rsc;
    int node; /**< index into nodes[], or -1 when a rule is used */
    corral_rule_t rule;
    bool has_rule;
    corral_score_t score;
    corral_role_t role; /**< ANY, or PROMOTED/UNPROMOTED */
    int score_line;
    int resource_line;
    int node_line; /**< the `node` or the `rule` key's line */
} corral_location_t;

/** [colocation ID]: `resource` is placed relative to `with`. */
typedef struct corral_colocation {
    char *id;
    int line;
    corral_ref_t rsc;
    corral_ref_t with;
    corral_score_t score;
    corral_role_t role;
    corral_role_t with_role;
    int score_line;
    int resource_line;
    int with_line;
} corral_colocation_t;

typedef enum corral_order_kind {
    CORRAL_ORDER_MANDATORY = 0,
    CORRAL_ORDER_OPTIONAL,
    CORRAL_ORDER_SERIALIZE,
} corral_order_kind_t;

/** [order ID] */
typedef struct corral_order {
    char *id;
    int line;
    corral_ref_t first;
    corral_ref_t then;
    corral_order_kind_t kind;
    char *first_action; /**< default "start" */
    char *then_action;  /**< default: first_action */
    bool symmetrical;   /**< default true (false for serialize) */
    int first_line;
    int then_line;
} corral_order_t;

/** [node NAME] */
typedef struct corral_node {
    char *name;
    int line;
    bool standby;
    bool maintenance;
    corral_kvlist_t attrs;    /**< `attr.NAME` (permanent) */
    corral_kvlist_t capacity; /**< `capacity.NAME` (integers) */
    int standby_line;         /**< 0 when unset */
    int maintenance_line;
} corral_node_t;

/** [fence ID] */
typedef struct corral_fence_device {
    char *id;
    int line;
    char *agent;
    int agent_line;
    corral_kvlist_t params;
    char **hosts; /**< NULL: ask the agent's list */
    size_t n_hosts;
    corral_kvlist_t host_map; /**< target -> plug */
    int level;                /**< default 1 */
    uint32_t delay_ms;
    uint32_t delay_max_ms;
    corral_op_spec_t *ops;
    size_t n_ops;
    int hosts_line; /**< 0 when unset */
    int level_line;
} corral_fence_device_t;

typedef enum corral_no_quorum_policy {
    CORRAL_NQ_STOP = 0,
    CORRAL_NQ_FREEZE,
    CORRAL_NQ_IGNORE,
    CORRAL_NQ_DEMOTE,
    CORRAL_NQ_FENCE,
} corral_no_quorum_policy_t;

typedef enum corral_placement_strategy {
    CORRAL_PLACEMENT_DEFAULT = 0,
    CORRAL_PLACEMENT_UTILIZATION,
    CORRAL_PLACEMENT_BALANCED,
} corral_placement_strategy_t;

/** The default of `two-node-fence-delay`. */
#define CORRAL_TWO_NODE_FENCE_DELAY_MS 5000

/** [cluster] */
typedef struct corral_cluster_opts {
    char *name; /**< default "corral" */
    int line;   /**< 0 when the file has no [cluster] section */
    bool stonith_enabled;
    corral_no_quorum_policy_t no_quorum_policy;
    bool symmetric;
    corral_score_t default_stickiness;
    bool default_stickiness_set;
    corral_score_t default_migration_threshold; /**< INFINITY; 0 disables */
    bool start_failure_is_fatal;
    corral_placement_strategy_t placement_strategy;
    bool fence_action_off; /**< fence-action = off; else reboot */
    uint32_t fence_timeout_ms;
    uint32_t recheck_interval_ms;
    uint32_t startup_fencing_grace_ms;
    /**
     * Two-node clusters: fencing the node that should survive a split (the
     * one running more) waits this long, so that it shoots first. 0: never.
     */
    uint32_t two_node_fence_delay_ms;
    bool stop_removed_resources;
    char *plugin_path;
    char *lua_path;
    char *ocf_root;
    char *fence_agents_path;
    int default_stickiness_line; /**< line of each key when set, else 0 */
    int default_migration_threshold_line;
    int symmetric_line;
    int start_failure_is_fatal_line;
} corral_cluster_opts_t;

/** A whole configuration. Create with corral_config_load(); free with corral_config_free(). */
typedef struct corral_config {
    char *file; /**< as given to the loader; used in FILE:LINE */
    corral_cluster_opts_t cluster;
    corral_node_t *nodes;
    size_t n_nodes;
    corral_resource_t *resources; /**< primitives, in file order */
    size_t n_resources;
    corral_group_t *groups;
    size_t n_groups;
    corral_clone_t *clones;
    size_t n_clones;
    corral_location_t *locations;
    size_t n_locations;
    corral_colocation_t *colocations;
    size_t n_colocations;
    corral_order_t *orders;
    size_t n_orders;
    corral_fence_device_t *fence_devices;
    size_t n_fence_devices;
    /**
     * The order in which top-level objects appear in the file: Pacemaker
     * allocates in configuration order when priorities tie. Each entry is a
     * primitive not in a group or clone, a group not in a clone, or a clone.
     */
    corral_ref_t *top;
    size_t n_top;
    char digest[65]; /**< SHA-256 hex of the canonical form */
} corral_config_t;

#endif /* CORRAL_MODEL_H */
