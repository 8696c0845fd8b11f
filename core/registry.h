/**
 * @file registry.h
 * @brief Agent names -> backends: native resource/fence plugins (.so),
 *        and the bridges (lua:, ocf:, fence-agents:), all loaded through one
 *        path (loader.c is the only user of libltdl).
 *
 * Search paths (SPEC section 2): the environment's entries first, then the
 * [cluster] keys, then the compiled-in defaults under the install prefix.
 * A directory on the plugin path is searched as it is and in its
 * `resource-plugins`, `fence-plugins` (native agents) and `bridges`
 * subdirectories. Native agent NAME of kind K is the first NAME.so whose
 * descriptor symbol is K's; `PREFIX:REST` is bridge PREFIX.so.
 *
 * A plugin file is refused when it, or the directory it is in, is writable
 * by group or others, or is owned by someone other than root or the
 * effective user (accepting the effective user lets tests and non-root
 * users run their own builds; corrald runs as root, where only root-owned
 * files pass).
 */
#ifndef CORRAL_REGISTRY_H
#define CORRAL_REGISTRY_H

#include <corral/plugin.h>

typedef struct corral_registry corral_registry_t;

/** The [cluster] keys that extend the search paths; any may be NULL. */
typedef struct corral_registry_settings {
    const char *plugin_path;       /**< [cluster] plugin-path */
    const char *lua_path;          /**< [cluster] lua-path */
    const char *ocf_root;          /**< [cluster] ocf-root */
    const char *fence_agents_path; /**< [cluster] fence-agents-path */
    const char *state_dir;         /**< handed to agents as op->state_dir; NULL: default */
} corral_registry_settings_t;

/**
 * Create a registry. Plugins are loaded lazily, on first lookup, and each
 * refusal (wrong ABI, missing symbol or action, unsafe permissions) is
 * logged once with the file and the reason. *reg_out is owned by the caller.
 */
int corral_registry_new(const corral_registry_settings_t *settings, corral_registry_t **reg_out);
void corral_registry_free(corral_registry_t *reg);

/** The effective value of a setting key ("plugin-path", "lua-path", "ocf-root",
 * "fence-agents-path", "state-dir"). */
const char *corral_registry_setting(const corral_registry_t *reg, const char *key);

/**
 * Describe an agent by its config name and kind. 0 and *info_out (owned by
 * the registry, valid until it is freed); -ENOENT when no such agent is
 * installed; another negative errno with *error_out (malloc'd, caller
 * frees) when it exists but is broken (e.g. "FILE:LINE: syntax error").
 */
int corral_registry_describe(corral_registry_t *reg, const char *agent, corral_agent_kind_t kind,
                             const corral_agent_info_t **info_out, char **error_out);

/** Call found() for every agent on every path, native and bridged. 0 or -errno. */
int corral_registry_list(corral_registry_t *reg,
                         void (*found)(void *ud, const char *agent, corral_agent_kind_t kind),
                         void *ud);

/**
 * Run op->action of `agent` in THIS process: call it only in the action's
 * child process (see runner.h). Returns an OCF code. `meta-data` of a
 * native plugin is answered from its descriptor, as OCF-style XML, via
 * op->output().
 */
int corral_registry_invoke(corral_registry_t *reg, const char *agent, corral_agent_kind_t kind,
                           const corral_op_t *op);

/**
 * Check configured parameters against an agent's specs: unknown names,
 * missing required ones, values of the wrong type. Calls bad() once per
 * problem with the parameter name (NULL for a missing one is not used: the
 * name is the missing one) and a message. Returns the number of problems.
 */
int corral_registry_check_params(const corral_agent_info_t *info, size_t n,
                                 const char *const names[], const char *const values[],
                                 void (*bad)(void *ud, const char *param, const char *message),
                                 void *ud);

/**
 * Register a descriptor compiled into the program (or a test), through the
 * same validation loaded plugins get: ABI major, descriptor size, name,
 * required actions (resource: start stop monitor; fence: off status;
 * bridge: list describe free_info run), parameter specs. `source` names
 * where it comes from (NULL: "built-in"). The descriptor must outlive the
 * registry. 0; -EINVAL on bad arguments; -EEXIST when an agent of that name
 * and kind is already registered; -ENOEXEC when refused, with *error_out
 * (malloc'd, caller frees, NULL allowed) saying why.
 */
int corral_registry_add_resource(corral_registry_t *reg, const corral_resource_plugin_t *desc,
                                 const char *source, char **error_out);
int corral_registry_add_fence(corral_registry_t *reg, const corral_fence_plugin_t *desc,
                              const char *source, char **error_out);
int corral_registry_add_bridge(corral_registry_t *reg, const corral_bridge_plugin_t *desc,
                               const char *source, char **error_out);

/**
 * How many agents and bridges were registered with corral_registry_add_*()
 * (compiled into the program, not loaded from a file). Internal: the
 * executor's fork server (action.h) can only run the others in a separate
 * program.
 */
size_t corral__registry_n_builtin(const corral_registry_t *reg);

/**
 * The host services a bridge gets (settings, log, exec), for callers that
 * want to run a program the way a bridge does. Owned by the registry.
 */
const corral_bridge_host_t *corral_registry_host(corral_registry_t *reg);

/** The name of one CORRAL_ACT_* bit as SPEC section 2 names it ("start", "validate", "list", ...),
 * or NULL. */
const char *corral_action_name(unsigned bit);

/** The CORRAL_ACT_* bit of an action name, or 0 for none. */
unsigned corral_action_bit(const char *name);

#endif /* CORRAL_REGISTRY_H */
