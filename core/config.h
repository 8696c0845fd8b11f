/**
 * @file config.h
 * @brief INI file -> corral_config_t, with every error as FILE:LINE: message.
 */
#ifndef CORRAL_CONFIG_H
#define CORRAL_CONFIG_H

#include <stdio.h>

#include "model.h"
#include "registry.h"

/** Collected diagnostics. */
typedef struct corral_diag {
    char *file;
    int line;
    bool warning; /**< false: an error */
    char *message;
} corral_diag_t;

typedef struct corral_diags {
    corral_diag_t *items;
    size_t n;
} corral_diags_t;

typedef struct corral_config_opts {
    /** Agent checks (existence, parameters). NULL: agents are not checked. */
    corral_registry_t *registry;
    /** true: an agent not installed here is a warning (simulate), not an error. */
    bool missing_agent_is_warning;
    /**
     * true and registry NULL: check agents through a registry the loader
     * creates for the call from the file's own [cluster] path keys (what
     * `corral config verify` does).
     */
    bool check_agents;
    /** true: leave config->digest empty (a one-shot reader such as simulate never uses it). */
    bool no_digest;
} corral_config_opts_t;

/**
 * Load and validate `path`. On success 0 and *config_out (caller frees with
 * corral_config_free). On any error -EINVAL and nothing in *config_out;
 * every problem is in diags (warnings may be there on success too).
 * diags is owned by the caller: corral_diags_clear().
 */
int corral_config_load(const char *path, const corral_config_opts_t *opts,
                       corral_config_t **config_out, corral_diags_t *diags);

/** The same from a string, `name` used as FILE in messages. */
int corral_config_load_string(const char *name, const char *text, const corral_config_opts_t *opts,
                              corral_config_t **config_out, corral_diags_t *diags);

void corral_config_free(corral_config_t *config);

/**
 * The canonical form of a loaded config: an INI text with sections sorted
 * by kind and id, keys sorted, every value normalised (durations in ms,
 * scores as integers or INFINITY, booleans as true/false, unordered lists
 * sorted) and defaults written out (except the meta keys priority,
 * target-role, stickiness and managed, written only when set since an unset
 * one inherits from the group or clone around it), so that whitespace,
 * comments, section order and equivalent spellings do not change it. It
 * loads back into an equivalent config with the same canonical form.
 * config->digest is the SHA-256 (hex) of this text.
 * Returns a malloc'd string (caller frees).
 */
char *corral_config_canonical(const corral_config_t *config);

/** Print each diagnostic as "FILE:LINE: message" (warnings: "FILE:LINE: warning: message"). */
void corral_diags_print(const corral_diags_t *diags, FILE *out);
void corral_diags_clear(corral_diags_t *diags);

/** Free every key and value of a list and empty it (the list itself is the caller's). */
void corral_kvlist_clear(corral_kvlist_t *l);

/** Lookups by id; -1 when absent. */
int corral_config_node_index(const corral_config_t *c, const char *name);
corral_ref_t corral_config_find(const corral_config_t *c, const char *id);

/**
 * Parsers shared with the status reader and the CLI; 0 or -EINVAL (and
 * -ERANGE for a duration past UINT32_MAX ms, about 49 days). Scores clamp to
 * +-INFINITY. The out-parameter is written only on success.
 */
int corral_parse_duration_ms(const char *s, uint32_t *ms_out);
int corral_parse_score(const char *s, corral_score_t *score_out);
int corral_parse_bool(const char *s, bool *b_out);

#endif /* CORRAL_CONFIG_H */
