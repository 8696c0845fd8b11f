/**
 * @file controller.h
 * @brief The controller: one per corrald. It keeps the cluster status from
 *        events (membership, op results, attributes, fencing, config
 *        pushes), and on the DC runs the scheduler and drives the
 *        transition through the nodes' executors.
 *
 * Data flows one way (ARCHITECTURE principle 3): every event arrives as a
 * message over the cluster link — in standalone mode too, through the local
 * link — and is applied in the same order on every node; only the DC turns
 * the resulting status into actions, which go out as messages again.
 */
#ifndef CORRAL_CONTROLLER_H
#define CORRAL_CONTROLLER_H

#include <qb/qbloop.h>
#include <stdbool.h>

typedef struct corral_controller corral_controller_t;

typedef struct corral_controller_opts {
    const char *node_name;   /**< standalone: the node's name (required there) */
    const char *state_dir;   /**< required */
    const char *config_file; /**< seeds an empty state directory; SIGHUP pushes it */
    bool standalone;         /**< a cluster of one on the local link; else Corosync */
} corral_controller_opts_t;

/**
 * Start the controller on `loop`: open the state directory, adopt the
 * newest stored config (or seed it from opts->config_file), connect the
 * link, serve IPC. 0 and *ctl_out (caller frees), or -errno with *error_out
 * (malloc'd sentence).
 */
int corral_controller_new(qb_loop_t *loop, const corral_controller_opts_t *opts,
                          corral_controller_t **ctl_out, char **error_out);

/**
 * Leave cleanly: ask the DC to move our resources away (standalone: stop
 * everything in reverse order), then call done() once nothing runs here.
 * A second call stops waiting and calls done() at once.
 */
void corral_controller_shutdown(corral_controller_t *ctl, void (*done)(void *ud), void *ud);

/** SIGHUP: push opts->config_file as `corral config push` would. */
void corral_controller_reload(corral_controller_t *ctl);

void corral_controller_free(corral_controller_t *ctl);

#endif
