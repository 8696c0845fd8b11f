/**
 * @file ocf_common.h
 * @brief Internal helpers shared by the two program bridges, `ocf` and
 *        `fence-agents`: running an agent program as a sub-child of the
 *        action's child process, building its environment, and reading its
 *        XML meta-data into corral_agent_info_t.
 *
 * Both bridges are built only against the public plugin ABI (they do not
 * link corral's core library, as an out-of-tree plugin would not), so the
 * few string helpers they need live here too.
 */
#ifndef CORRAL_OCF_COMMON_H
#define CORRAL_OCF_COMMON_H

#include <corral/plugin.h>

#include <stdbool.h>
#include <stddef.h>

/** malloc family that aborts on OOM (the action's child has no better answer). */
void *corral__ocf_xmalloc(size_t n);
void *corral__ocf_xrealloc(void *p, size_t n);
char *corral__ocf_xstrdup(const char *s);
char *corral__ocf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** A growable, NULL-terminated array of malloc'd strings (argv or envp). Zero-initialise. */
typedef struct corral__ocf_strv {
    char **v;
    size_t n;
    size_t cap;
} corral__ocf_strv_t;

/** Append a copy of s. */
void corral__ocf_strv_push(corral__ocf_strv_t *sv, const char *s);
/** Append the result of printf. */
void corral__ocf_strv_pushf(corral__ocf_strv_t *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Environment: set NAME=value, replacing an entry of the same name. */
void corral__ocf_strv_setenv(corral__ocf_strv_t *sv, const char *name, const char *value);
/** Environment: drop every entry whose name starts with prefix. */
void corral__ocf_strv_unsetenv_prefix(corral__ocf_strv_t *sv, const char *prefix);
/** Environment: the value of NAME, or NULL. */
const char *corral__ocf_strv_getenv(const corral__ocf_strv_t *sv, const char *name);
void corral__ocf_strv_free(corral__ocf_strv_t *sv);

/** How a sub-child is run. */
typedef struct corral__ocf_spawn {
    char *const *argv; /**< argv[0] is the program's path */
    char *const *envp;
    const char *stdin_data; /**< NULL: /dev/null */
    bool capture_stdout;    /**< false: the program writes to our stdout */
    /** Called for every stderr line (without its newline); the raw bytes also go to our stderr. */
    void (*stderr_line)(void *ud, const char *line);
    void *ud;
} corral__ocf_spawn_t;

/** What became of it. */
typedef struct corral__ocf_spawn_result {
    bool exited; /**< true: exit_code is valid; false: killed by signo */
    int exit_code;
    int signo;
    char *out; /**< capture_stdout: its stdout (capped, NUL-terminated); else NULL. Caller frees. */
} corral__ocf_spawn_result_t;

/**
 * Run the program and wait for it. The result is known as soon as the
 * program itself exits: output still buffered is drained without blocking,
 * and a daemon it started that keeps a pipe open is not waited for.
 * 0 and *res_out, or -errno when it could not be started.
 */
int corral__ocf_spawn_run(const corral__ocf_spawn_t *spawn, corral__ocf_spawn_result_t *res_out);

/** Which dialect of meta-data is being read. */
typedef enum corral__ocf_flavor {
    CORRAL__OCF_FLAVOR_OCF,   /**< OCF resource agent */
    CORRAL__OCF_FLAVOR_FENCE, /**< fence-agents' (fencing.py) meta-data */
} corral__ocf_flavor_t;

/**
 * Parse meta-data XML into a new agent info: version, description, params
 * and the action bits. `name` and `source` are copied into it. 0 and
 * *info_out (free with corral__ocf_info_free), or -EINVAL and *error_out
 * (malloc'd, "SOURCE: meta-data line N: why").
 */
int corral__ocf_meta_parse(const char *xml, size_t len, corral__ocf_flavor_t flavor,
                           const char *name, corral_agent_kind_t kind, const char *source,
                           corral_agent_info_t **info_out, char **error_out);

/** Free an info made by corral__ocf_meta_parse. NULL is fine. */
void corral__ocf_info_free(corral_agent_info_t *info);

/** Does the agent's meta-data list this action by its own name ("reload-agent", "list")? */
bool corral__ocf_meta_has_action(const char *xml, size_t len, const char *action);

/** Does the agent's meta-data declare this parameter (hidden ones included)? */
bool corral__ocf_meta_has_param(const char *xml, size_t len, const char *param);

/** The spec named `name` in info, or NULL. */
const corral_param_spec_t *corral__ocf_info_param(const corral_agent_info_t *info,
                                                  const char *name);

/** Is path an executable regular file? */
bool corral__ocf_is_executable(const char *path);

/** Log the line to op->log at a level guessed from its words (ERROR, WARN, INFO, DEBUG). */
void corral__ocf_log_agent_line(const corral_op_t *op, const char *line);

#endif /* CORRAL_OCF_COMMON_H */
