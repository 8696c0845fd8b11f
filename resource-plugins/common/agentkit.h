/**
 * @file agentkit.h
 * @brief Helpers shared by corral's own native plugins (resource and fence):
 *        typed parameter access, state files, sleeping, running a command
 *        without a shell. Compiled into each plugin that uses it (this
 *        directory has no CMakeLists.txt of its own, so it is not a plugin);
 *        out-of-tree plugins need none of it.
 *
 * Every name starts with `agentkit_` so that a plugin's symbols never bind
 * to a same-named symbol of the host that loads it.
 */
#ifndef CORRAL_AGENTKIT_H
#define CORRAL_AGENTKIT_H

#include <corral/plugin.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/** Parse "500ms", "10s", "5min", "1h" or bare seconds. 0 and *ms_out, or -EINVAL. */
int agentkit_parse_duration(const char *s, uint64_t *ms_out);
/** Parse true/false/yes/no/on/off/1/0 (any case). 0 and *out, or -EINVAL. */
int agentkit_parse_bool(const char *s, bool *out);
/** Parse a decimal integer with an optional sign. 0 and *out, or -EINVAL. */
int agentkit_parse_int(const char *s, long long *out);

/** A parameter, or `dflt` when it is unset or empty. */
const char *agentkit_param(const corral_op_t *op, const char *name, const char *dflt);
/**
 * A duration parameter (unset or empty: dflt_ms). 0 and *ms_out, or
 * -EINVAL after setting the op's exit reason.
 */
int agentkit_param_duration(const corral_op_t *op, const char *name, uint64_t dflt_ms,
                            uint64_t *ms_out);
/** A boolean parameter, the same way. */
int agentkit_param_bool(const corral_op_t *op, const char *name, bool dflt, bool *out);
/** An integer parameter, the same way. */
int agentkit_param_int(const corral_op_t *op, const char *name, long long dflt, long long *out);

/**
 * The op's timeout in ms, or 20 s when the host gave none: the budget an
 * action plans its own waits within.
 */
uint64_t agentkit_timeout_ms(const corral_op_t *op);

/**
 * A path in the op's state directory: "<state_dir>/<prefix>-<instance><suffix>".
 * The directory is created when missing. Returns a malloc'd string (caller
 * frees), or NULL when the host gave no state directory and it could not be
 * created.
 */
char *agentkit_state_path(const corral_op_t *op, const char *prefix, const char *suffix);

/** mkdir -p of the directory part of `path`. 0 or -errno. */
int agentkit_mkdir_parent(const char *path);
/** Read a whole small file. 0 and *data_out (malloc'd, NUL-terminated), or -errno. */
int agentkit_read_file(const char *path, char **data_out);
/** Write a file atomically (temp file, fsync, rename). 0 or -errno. */
int agentkit_write_file(const char *path, const char *data, unsigned mode);
/** Append one line (a newline is added) with one write(2) under O_APPEND. 0 or -errno. */
int agentkit_append_line(const char *path, const char *line);

/** Sleep for ms, through signals. */
void agentkit_sleep_ms(uint64_t ms);
/** Monotonic clock in ms. */
uint64_t agentkit_now_ms(void);
/** "2026-11-30T04:20:00.123Z" (UTC) into out. */
void agentkit_timestamp(char *out, size_t len);

/** Split on whitespace into a NULL-terminated vector (free with agentkit_strv_free); *n_out if
 * non-NULL. */
char **agentkit_split(const char *s, size_t *n_out);
void agentkit_strv_free(char **v);
/** Is `word` one of the words of `list` (separated by whitespace or commas)? */
bool agentkit_list_has(const char *list, const char *word);

/**
 * Run argv (no shell) and wait for it. stdin is /dev/null; stdout is
 * captured into *out_out when out_out is non-NULL (malloc'd, at most 64
 * KiB kept, the rest drained), else inherited, like stderr. Returns the
 * exit code, 128+N for a death by signal N, or -errno when it could not be
 * started (127 when exec failed: not found).
 */
int agentkit_run(char *const argv[], char **out_out);

#endif
