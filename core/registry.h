/**
 * @file registry.h
 * @brief Agent names -> backends: native resource/fence plugins (.so),
 *        and the bridges (lua:, ocf:, fence-agents:), all loaded through one
 *        path (loader.c is the only user of libltdl).
 *
 * Search paths (SPEC section 2): the environment's entries first, then the
 * [cluster] keys, then the compiled-in defaults under the install prefix.
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

/** The effective value of a setting key ("plugin-path", "lua-path", "ocf-root", "fence-agents-path", "state-dir"). */
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
int corral_registry_check_params(const corral_agent_info_t *info,
                                 size_t n, const char *const names[], const char *const values[],
                                 void (*bad)(void *ud, const char *param, const char *message),
                                 void *ud);

#endif /* CORRAL_REGISTRY_H */
