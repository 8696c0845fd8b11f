/**
 * @file scheduler.h
 * @brief The scheduler: a pure function (config, status) -> transition.
 *
 * No I/O, no clock (the time is the status's `now`), no globals: the
 * daemon, `corral simulate` and the tests call the same code. It explains
 * itself: every score it adds carries its reason and the config FILE:LINE,
 * so `corral simulate --scores` and `corral resource why` print the same.
 */
#ifndef CORRAL_SCHEDULER_H
#define CORRAL_SCHEDULER_H

#include "model.h"
#include "status.h"
#include "transition.h"
#include "util.h"

/** The scheduler's reasoning: scores per resource instance and node, with their parts. */
typedef struct corral_explanation corral_explanation_t;

/**
 * Compute the transition for `config` in `status`. The status must have
 * passed corral_status_check() against this config. 0 and *transition_out
 * (caller frees with corral_transition_free); -EINVAL on bad arguments.
 * explanation_out may be NULL; else it receives the explanation (caller
 * frees with corral_explanation_free).
 */
int corral_schedule(const corral_config_t *config, const corral_status_t *status,
                    corral_transition_t **transition_out, corral_explanation_t **explanation_out);

void corral_explanation_free(corral_explanation_t *e);

/** One contribution to a score. */
typedef struct corral_score_part {
    corral_score_t score;
    const char *what;   /**< "location", "rule", "stickiness", "failcount", "colocation", ... */
    const char *id;     /**< the constraint or object id, or NULL */
    const char *detail; /**< a short text ("failcount 3 >= migration-threshold 3"), or NULL */
    const char *file;   /**< config (or status) file, or NULL */
    int line;           /**< 0 when unknown */
} corral_score_part_t;

/** Resource instances explained ("vip", "ping:0", ...), in allocation order. */
size_t corral_explanation_n_instances(const corral_explanation_t *e);
const char *corral_explanation_instance(const corral_explanation_t *e, size_t i);
/** The primitive id of instance i. */
const char *corral_explanation_resource(const corral_explanation_t *e, size_t i);
/** Index of an instance by name, or of the first instance of a primitive; -1 if absent. */
long corral_explanation_find(const corral_explanation_t *e, const char *name);
size_t corral_explanation_n_nodes(const corral_explanation_t *e);
const char *corral_explanation_node(const corral_explanation_t *e, size_t node);
/** The score the placement decision used for instance i on node n. */
corral_score_t corral_explanation_score(const corral_explanation_t *e, size_t i, size_t n);
/**
 * The parts of that score (valid until e is freed): up to max are written
 * to parts; returns how many there are.
 */
size_t corral_explanation_parts(const corral_explanation_t *e, size_t i, size_t n,
                                corral_score_part_t *parts, size_t max);
/** Where instance i goes (node name) or NULL, and why when it does not run (or NULL). */
const char *corral_explanation_assigned(const corral_explanation_t *e, size_t i);
const char *corral_explanation_why_stopped(const corral_explanation_t *e, size_t i);

/**
 * Print the explanation of one instance or primitive (`name`), or of all
 * (NULL), optionally for one node (NULL: all): for each node its total and
 * its parts with FILE:LINE.
 */
void corral_explanation_format(const corral_explanation_t *e, const char *name, const char *node,
                               corral_buf_t *out);

#endif /* CORRAL_SCHEDULER_H */
