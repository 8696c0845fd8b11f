/**
 * @file status.h
 * @brief The cluster status the scheduler sees (SPEC section 6): node states,
 *        transient attributes, where each resource runs, failures. Read from
 *        and written to the status INI by `corral simulate`; built from
 *        events by the daemon.
 *
 * Names are kept as strings (a status may outlive a config push); check them
 * against a config with corral_status_check(). Everything is owned by the
 * corral_status_t and freed with corral_status_free().
 */
#ifndef CORRAL_STATUS_H
#define CORRAL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"

typedef enum corral_node_state {
    CORRAL_NODE_ONLINE = 0,
    CORRAL_NODE_OFFLINE, /**< down cleanly (or fenced): nothing runs there */
    CORRAL_NODE_UNCLEAN, /**< lost without a clean shutdown: must be fenced */
    CORRAL_NODE_PENDING, /**< joining: not yet able to run resources */
} corral_node_state_t;

/** "online", "offline", "unclean", "pending". */
const char *corral_node_state_name(corral_node_state_t s);

/** [node NAME] of the status. */
typedef struct corral_status_node {
    char *name;
    int line;
    corral_node_state_t state;
    corral_kvlist_t attrs; /**< transient `attr.NAME` (override permanent ones) */
} corral_status_node_t;

/** failcount.NODE / last-failure.NODE of one resource. */
typedef struct corral_status_failure {
    char *node;
    corral_score_t count;
    int64_t last_failure; /**< seconds since the epoch; -1: unknown */
    int line;
} corral_status_failure_t;

/** A list of node names with the line that named them. */
typedef struct corral_namelist {
    char **names;
    size_t n;
    int line;
} corral_namelist_t;

/** [resource ID] of the status (a primitive's id; clone instances share it). */
typedef struct corral_status_resource {
    char *id;
    int line;
    corral_namelist_t active_on;
    corral_namelist_t promoted_on;
    corral_namelist_t failed_on;
    corral_namelist_t stop_failed_on;
    corral_status_failure_t *failures;
    size_t n_failures;
} corral_status_resource_t;

/** A whole status. */
typedef struct corral_status {
    char *file; /**< FILE in messages; may be NULL for a built one */
    bool quorate;
    int64_t now; /**< seconds since the epoch: the scheduler's clock */
    bool now_set;
    corral_status_node_t *nodes;
    size_t n_nodes;
    corral_status_resource_t *resources;
    size_t n_resources;
} corral_status_t;

/**
 * Read a status INI. 0 and *status_out (caller frees with corral_status_free);
 * -EINVAL with every problem in diags (FILE:LINE), or -errno when the file
 * cannot be read (also in diags). diags is owned by the caller.
 */
int corral_status_load(const char *path, corral_status_t **status_out, corral_diags_t *diags);

/** The same from a string; `name` is FILE in messages. */
int corral_status_load_string(const char *name, const char *text, corral_status_t **status_out,
                              corral_diags_t *diags);

/**
 * A fresh cluster for `config`: quorate, every configured node online,
 * nothing running, clock at `now` (seconds). Caller frees.
 */
corral_status_t *corral_status_new_fresh(const corral_config_t *config, int64_t now);

/** A deep copy (caller frees). */
corral_status_t *corral_status_copy(const corral_status_t *status);

void corral_status_free(corral_status_t *status);

/**
 * Check a status against a config: every node and resource it names must
 * exist there (resources by primitive id). Adds one FILE:LINE error per
 * problem to diags; returns the number of errors.
 */
int corral_status_check(const corral_status_t *status, const corral_config_t *config,
                        corral_diags_t *diags);

/** Called for each section corral_status_forget_unknown() drops. */
typedef void (*corral_status_visit_fn)(void *ud, const char *kind, const char *name,
                                       const corral_namelist_t *active_on);

/**
 * Drop what a status names but `config` does not have: nodes (and their
 * mentions in resource lists) and resources that are not primitives of the
 * config, as after a config change removed them. `removed` (may be NULL)
 * hears of each, a resource with the nodes it was active on. Returns how
 * many sections were dropped.
 */
size_t corral_status_forget_unknown(corral_status_t *status, const corral_config_t *config,
                                    corral_status_visit_fn removed, void *ud);

/** Lookups; NULL when absent. */
corral_status_node_t *corral_status_node(const corral_status_t *status, const char *name);
corral_status_resource_t *corral_status_resource(const corral_status_t *status, const char *id);
/** Find or add (at the end) a node / resource section. */
corral_status_node_t *corral_status_node_get(corral_status_t *status, const char *name);
corral_status_resource_t *corral_status_resource_get(corral_status_t *status, const char *id);

/** Whether a name list holds `name`. */
bool corral_namelist_has(const corral_namelist_t *l, const char *name);
/** Add `name` unless present. */
void corral_namelist_add(corral_namelist_t *l, const char *name);
/** Remove `name` if present. */
void corral_namelist_remove(corral_namelist_t *l, const char *name);
void corral_namelist_clear(corral_namelist_t *l);

/** The status as INI text (caller frees); readable by corral_status_load_string(). */
char *corral_status_format(const corral_status_t *status);

/** Write corral_status_format() atomically to path. 0 or -errno. */
int corral_status_write(const char *path, const corral_status_t *status);

/** Parse `2026-11-25T10:00:00Z` (also without Z, or a bare integer of seconds). 0 or -EINVAL. */
int corral_parse_time(const char *s, int64_t *t_out);
/** Format seconds as `2026-11-25T10:00:00Z` into out (at least 21 bytes). */
void corral_format_time(int64_t t, char *out, size_t outlen);

#endif /* CORRAL_STATUS_H */
