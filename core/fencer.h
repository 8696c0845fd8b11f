/**
 * @file fencer.h
 * @brief Fencing one target with the configured devices: for the target,
 *        its devices grouped by level are tried level by level until one
 *        level succeeds; a level succeeds only when every device of it
 *        does (dual power supplies). Each device waits its `delay` (or a
 *        random delay up to `delay-max`) first. Devices run as fence agents
 *        through the action runner, from the caller's qb_loop.
 */
#ifndef CORRAL_FENCER_H
#define CORRAL_FENCER_H

#include <qb/qbloop.h>
#include <stdbool.h>

#include "model.h"
#include "registry.h"

typedef struct corral_fence_op corral_fence_op_t;

/** How a fencing attempt ended. `device` names the device(s) that did it, or the last tried. */
typedef void (*corral_fence_done_fn)(void *ud, const char *target, bool ok, const char *device,
                                     const char *reason);

/**
 * Start fencing `target` with `action` ("reboot", "off" or "on") using the
 * devices of `cfg` (which must outlive the op). `local_node` is who runs it
 * (never the target when another node can). `auto_delay_ms` is waited
 * before any device is touched when no device that can fence the target sets
 * its own `delay` or `delay-max` (the controller's two-node delay; 0: none).
 * done() is called exactly once, from the loop. 0 and *op_out (freed by the
 * fencer after done() returns; may be NULL), or -ENODEV when no device can
 * fence the target (done() is not called).
 */
int corral_fence_start(qb_loop_t *loop, corral_registry_t *reg, const corral_config_t *cfg,
                       const char *local_node, const char *target, const char *action,
                       uint32_t auto_delay_ms, corral_fence_done_fn done, void *ud,
                       corral_fence_op_t **op_out);

/** Abandon an op in flight (its device actions are killed); done() is not called. */
void corral_fence_cancel(corral_fence_op_t *op);

/** Can any device of `cfg` fence `target` according to its hosts/host-map (no list query)? */
bool corral_fence_can_target(const corral_config_t *cfg, const char *target);

#endif
