/**
 * @file corral/plugin.h
 * @brief The corral plugin ABI: what a resource, fence or bridge plugin
 *        exports and what the host hands it.
 *
 * A plugin is a shared object that exports exactly one `const` descriptor
 * under a well-known symbol:
 *
 *   - `corral_resource_plugin` (corral_resource_plugin_t): one resource agent
 *   - `corral_fence_plugin`    (corral_fence_plugin_t):    one fence agent
 *   - `corral_bridge_plugin`   (corral_bridge_plugin_t):   a whole class of
 *     agents named `PREFIX:...` (lua:, ocf:, fence-agents:)
 *
 * Every descriptor starts with the ABI major, the ABI minor and its own size.
 * The host refuses a descriptor whose major differs from CORRAL_ABI_MAJOR.
 * Later minors only append fields, so a host reads a field only when the
 * descriptor's size covers it.
 *
 * Every action runs in a child process of the host, in its own process
 * group, under the op's timeout. A plugin may block, crash or leak: it costs
 * one failed op, never the daemon. Action functions return an OCF code.
 */
#ifndef CORRAL_PLUGIN_H
#define CORRAL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CORRAL_ABI_MAJOR 1
#define CORRAL_ABI_MINOR 0

/** Symbol names the host looks up (one of them per plugin). */
#define CORRAL_RESOURCE_PLUGIN_SYMBOL "corral_resource_plugin"
#define CORRAL_FENCE_PLUGIN_SYMBOL    "corral_fence_plugin"
#define CORRAL_BRIDGE_PLUGIN_SYMBOL   "corral_bridge_plugin"

/** OCF return codes, the same for every kind of agent. */
enum corral_ocf_rc {
    CORRAL_OCF_SUCCESS = 0,
    CORRAL_OCF_ERR_GENERIC = 1,
    CORRAL_OCF_ERR_ARGS = 2,
    CORRAL_OCF_UNIMPLEMENTED = 3,
    CORRAL_OCF_ERR_PERM = 4,
    CORRAL_OCF_NOT_INSTALLED = 5,
    CORRAL_OCF_NOT_CONFIGURED = 6,
    CORRAL_OCF_NOT_RUNNING = 7,
    CORRAL_OCF_RUNNING_PROMOTED = 8,
    CORRAL_OCF_FAILED_PROMOTED = 9,
};

/** Log levels (syslog's numbers). */
enum corral_log_level {
    CORRAL_LOG_ERROR = 3,
    CORRAL_LOG_WARNING = 4,
    CORRAL_LOG_NOTICE = 5,
    CORRAL_LOG_INFO = 6,
    CORRAL_LOG_DEBUG = 7,
};

/** What an agent is for. */
typedef enum corral_agent_kind {
    CORRAL_AGENT_RESOURCE = 1,
    CORRAL_AGENT_FENCE = 2,
} corral_agent_kind_t;

/** Parameter types; the host checks configured values against them. */
typedef enum corral_param_type {
    CORRAL_PARAM_STRING = 0,
    CORRAL_PARAM_INTEGER = 1,  /**< optional sign, decimal digits */
    CORRAL_PARAM_BOOLEAN = 2,  /**< true/false/yes/no/on/off/1/0 */
    CORRAL_PARAM_DURATION = 3, /**< 500ms, 10s, 5min, 1h, bare seconds */
} corral_param_type_t;

/** One parameter an agent accepts. Arrays end with an entry whose name is NULL. */
typedef struct corral_param_spec {
    const char *name;
    corral_param_type_t type;
    int required;              /**< non-zero: the config must set it */
    const char *default_value; /**< NULL: none */
    const char *description;
    int unique;     /**< no two resources may share a value */
    int reloadable; /**< a change can be applied by `reload` */
} corral_param_spec_t;

/** Bits for corral_agent_info_t.actions. */
enum corral_action_bit {
    CORRAL_ACT_START = 1u << 0,
    CORRAL_ACT_STOP = 1u << 1,
    CORRAL_ACT_MONITOR = 1u << 2,
    CORRAL_ACT_VALIDATE = 1u << 3,
    CORRAL_ACT_PROMOTE = 1u << 4,
    CORRAL_ACT_DEMOTE = 1u << 5,
    CORRAL_ACT_RELOAD = 1u << 6,
    CORRAL_ACT_NOTIFY = 1u << 7,
    CORRAL_ACT_MIGRATE_TO = 1u << 8,
    CORRAL_ACT_MIGRATE_FROM = 1u << 9,
    CORRAL_ACT_OFF = 1u << 10,
    CORRAL_ACT_ON = 1u << 11,
    CORRAL_ACT_REBOOT = 1u << 12,
    CORRAL_ACT_STATUS = 1u << 13,
    CORRAL_ACT_LIST = 1u << 14,
};

typedef struct corral_op corral_op_t;

/**
 * The op context: everything an action may know and the host services it
 * may call. Valid only during the action call. Fields are appended only;
 * `size` is sizeof(corral_op_t) as the host was built.
 */
struct corral_op {
    uint32_t size;
    const char
        *agent; /**< the agent as config names it: "dummy", "lua:ping", "ocf:heartbeat:IPaddr2" */
    const char *instance;  /**< resource (or fence device) id */
    const char *node;      /**< local node name */
    const char *action;    /**< "start", "monitor", "off", "meta-data", ... */
    uint32_t interval_ms;  /**< recurring interval, 0 for a one-shot op */
    uint32_t timeout_ms;   /**< the host kills the action's process group past this */
    const char *state_dir; /**< a directory where agents may keep state files */
    const char *target;    /**< fence ops: the node to act on; NULL otherwise */
    const char
        *plug; /**< fence ops: the target as the device calls it (host-map), else == target */

    /** A configured parameter by name, or the spec's default, or NULL. */
    const char *(*param)(const corral_op_t *op, const char *name);
    /** The i-th configured parameter (0-based); 0, or -1 past the end. */
    int (*param_at)(const corral_op_t *op, size_t i, const char **name_out, const char **value_out);
    /**
     * Op meta data by name, or NULL: clone and notify details, with
     * Pacemaker's names without prefix (e.g. "clone_max", "notify_type",
     * "notify_operation", "notify_start_uname").
     */
    const char *(*meta)(const corral_op_t *op, const char *name);
    /** The i-th meta entry; 0, or -1 past the end. */
    int (*meta_at)(const corral_op_t *op, size_t i, const char **name_out, const char **value_out);

    /** Log to the daemon's log, tagged with the instance id. */
    void (*log)(const corral_op_t *op, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /** A one-line reason for a failure, shown in `corral status`. */
    void (*set_exit_reason)(const corral_op_t *op, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    /** Set (value != NULL) or delete a transient attribute of the local node. 0 or -errno. */
    int (*set_attr)(const corral_op_t *op, const char *name, const char *value);
    /** A node attribute (transient over permanent) as the host knew it when the op started; node
     * NULL = local. */
    const char *(*get_attr)(const corral_op_t *op, const char *name, const char *node);
    /** Emit one line of result data (fence `list`: one target per line). */
    void (*output)(const corral_op_t *op, const char *line);
    /** A host setting: "plugin-path", "lua-path", "ocf-root", "fence-agents-path". */
    const char *(*setting)(const corral_op_t *op, const char *key);

    void *host; /**< host private, do not touch */
};

/** An action. Returns an OCF code (enum corral_ocf_rc). */
typedef int (*corral_action_fn)(const corral_op_t *op);

/**
 * A native resource plugin: export it as
 * `const corral_resource_plugin_t corral_resource_plugin = { ... };`
 * start, stop and monitor are required. A `meta-data` action is answered by
 * the host from this descriptor.
 */
typedef struct corral_resource_plugin {
    uint16_t abi_major; /**< CORRAL_ABI_MAJOR */
    uint16_t abi_minor; /**< CORRAL_ABI_MINOR */
    uint32_t size;      /**< sizeof(corral_resource_plugin_t) */
    const char *name;   /**< the agent name config uses: "dummy" */
    const char *version;
    const char *description;
    const corral_param_spec_t *params; /**< ends with {NULL}; may be NULL */

    corral_action_fn start;    /**< required */
    corral_action_fn stop;     /**< required */
    corral_action_fn monitor;  /**< required; also serves probes */
    corral_action_fn validate; /**< optional; the host checks params against specs first */
    corral_action_fn promote;  /**< optional: promotable clones */
    corral_action_fn demote;
    corral_action_fn reload;
    corral_action_fn notify;
    corral_action_fn migrate_to;
    corral_action_fn migrate_from;
} corral_resource_plugin_t;

/**
 * A native fence plugin: `const corral_fence_plugin_t corral_fence_plugin`.
 * off and status are required; reboot without a function is done as off
 * then on by the host; list is optional (then `hosts =` must say what the
 * device can fence). status answers 0 when the target is on, 7 when off.
 * op->target and op->plug name the victim.
 */
typedef struct corral_fence_plugin {
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;
    const char *name;
    const char *version;
    const char *description;
    const corral_param_spec_t *params;

    corral_action_fn off;     /**< required */
    corral_action_fn status;  /**< required */
    corral_action_fn on;      /**< optional */
    corral_action_fn reboot;  /**< optional */
    corral_action_fn list;    /**< optional: op->output() one target per line */
    corral_action_fn monitor; /**< optional: is the device reachable */
} corral_fence_plugin_t;

/** An agent as a bridge describes it. Allocated by the bridge, freed by its free_info(). */
typedef struct corral_agent_info {
    char *name; /**< full config name: "lua:ping" */
    corral_agent_kind_t kind;
    char *version;
    char *description;
    char *source;                /**< the file that implements it */
    corral_param_spec_t *params; /**< ends with {NULL} */
    unsigned actions;            /**< corral_action_bit set */
} corral_agent_info_t;

typedef struct corral_bridge_host corral_bridge_host_t;

/** Host services a bridge may use outside an action (listing, describing). */
struct corral_bridge_host {
    uint32_t size;
    /** "plugin-path", "lua-path", "ocf-root", "fence-agents-path": the effective value. */
    const char *(*setting)(const corral_bridge_host_t *h, const char *key);
    void (*log)(const corral_bridge_host_t *h, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /**
     * Run argv (no shell) in a child process group under timeout_ms, with
     * envp (NULL: the host's environment) and stdin_data (NULL: /dev/null).
     * On return *stdout_out (malloc'd, NUL-terminated, capped) holds its
     * output. Returns the exit code, or -ETIMEDOUT, or -errno.
     */
    int (*exec)(const corral_bridge_host_t *h, char *const argv[], char *const envp[],
                const char *stdin_data, uint32_t timeout_ms, char **stdout_out);
    void *host;
};

/**
 * A bridge plugin hosts a class of agents whose config names start with
 * `name` and a colon: `lua:ping` is agent "ping" of bridge "lua".
 */
typedef struct corral_bridge_plugin {
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;
    const char *name; /**< the prefix: "lua", "ocf", "fence-agents" */
    const char *version;
    const char *description;

    /** Call found() for every agent installed; 0 or -errno. */
    int (*list)(const corral_bridge_host_t *h,
                void (*found)(void *ud, const char *agent, corral_agent_kind_t kind), void *ud);
    /**
     * Describe `agent` (full name). 0 and *info_out; -ENOENT when it is not
     * installed; another -errno with *error_out (malloc'd, "FILE:LINE: why"
     * when the agent's own file is at fault) when it is broken.
     */
    int (*describe)(const corral_bridge_host_t *h, const char *agent, corral_agent_kind_t kind,
                    corral_agent_info_t **info_out, char **error_out);
    void (*free_info)(corral_agent_info_t *info);
    /** Run op->action of op->agent; called in the action's child process. */
    corral_action_fn run;
} corral_bridge_plugin_t;

#ifdef __cplusplus
}
#endif
#endif /* CORRAL_PLUGIN_H */
