/* Fencing a target level by level; see fencer.h. */
#include "fencer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "log.h"
#include "util.h"

/* The job's progress is polled: fencing is rare and this keeps it simple. */
#define POLL_NS (5 * 1000000ULL)

struct corral_fence_op {
    qb_loop_t *loop;
    corral_registry_t *reg;
    const corral_config_t *cfg;
    char *local_node;
    char *target;
    char *action;
    corral_fence_done_fn done;
    void *ud;
    int *levels; /* distinct levels, ascending */
    size_t n_levels, level;
    int *devices; /* devices of the current level */
    size_t n_devices, device;
    bool level_ok;
    bool need_list; /* the current device has no hosts: ask its list first */
    corral_job_t *job;
    qb_loop_timer_handle timer;
    bool timer_armed;
    corral_buf_t used;
    char *last_reason;
};

/* host-map's plug for target, or NULL. */
static const char *plug_for(const corral_fence_device_t *d, const char *target)
{
    for (size_t i = 0; i < d->host_map.n; i++)
        if (!strcmp(d->host_map.items[i].key, target)) return d->host_map.items[i].value;
    return NULL;
}

/* -1: no, 1: yes, 0: ask the agent's list. */
static int covers(const corral_fence_device_t *d, const char *target)
{
    if (plug_for(d, target)) return 1;
    if (d->n_hosts) {
        for (size_t i = 0; i < d->n_hosts; i++)
            if (!strcmp(d->hosts[i], target)) return 1;
        return -1;
    }
    return d->host_map.n ? -1 : 0;
}

bool corral_fence_can_target(const corral_config_t *cfg, const char *target)
{
    for (size_t i = 0; i < cfg->n_fence_devices; i++)
        if (covers(&cfg->fence_devices[i], target) >= 0) return true;
    return false;
}

static void step(corral_fence_op_t *op);

static void finish(corral_fence_op_t *op, bool ok)
{
    if (op->timer_armed) qb_loop_timer_del(op->loop, op->timer);
    op->timer_armed = false;
    op->done(op->ud, op->target, ok, op->used.s ? op->used.s : "",
             op->last_reason ? op->last_reason : "");
    corral_fence_cancel(op);
}

static void arm(corral_fence_op_t *op, uint64_t ns)
{
    op->timer_armed = true;
    qb_loop_timer_add(op->loop, QB_LOOP_HIGH, ns, op, (void (*)(void *))step, &op->timer);
}

/* Start the current device's action (or its list query). */
static void run_device(corral_fence_op_t *op, const char *action)
{
    const corral_fence_device_t *d = &op->cfg->fence_devices[op->devices[op->device]];
    const char *plug = plug_for(d, op->target);
    corral_action_req_t req = {
        .agent = d->agent,
        .kind = CORRAL_AGENT_FENCE,
        .instance = d->id,
        .node = op->local_node,
        .action = action,
        .timeout_ms = op->cfg->cluster.fence_timeout_ms ? op->cfg->cluster.fence_timeout_ms : 60000,
        .params = &d->params,
        .target = op->target,
        .plug = plug ? plug : op->target,
    };
    char *err = NULL;
    int rc = corral_action_start(op->reg, &req, &op->job, &err);
    if (rc < 0) {
        free(op->last_reason);
        op->last_reason = corral_xasprintf("fence device %s: %s", d->id, err ? err : strerror(-rc));
        free(err);
        op->job = NULL;
    }
}

/* A device's job finished: judge it and move on. */
static void device_done(corral_fence_op_t *op)
{
    const corral_fence_device_t *d = &op->cfg->fence_devices[op->devices[op->device]];
    const corral_job_result_t *r = op->job ? corral_job_result(op->job) : NULL;
    bool ok = r && r->status == CORRAL_JOB_EXITED && r->exit_code == 0;
    if (op->need_list) {
        op->need_list = false;
        bool listed = false;
        for (size_t i = 0; ok && i < r->n_lines; i++) {
            /* fence agents print "plug" or "plug,alias" */
            char *line = corral_xstrdup(r->lines[i]);
            char *comma = strchr(line, ',');
            if (comma) *comma = '\0';
            listed |= !strcmp(line, op->target) || (comma && !strcmp(comma + 1, op->target));
            free(line);
        }
        corral_job_free(op->job);
        op->job = NULL;
        if (!listed) {
            free(op->last_reason);
            op->last_reason =
                corral_xasprintf("fence device %s does not list %s", d->id, op->target);
            op->level_ok = false;
            op->device++;
            return;
        }
        run_device(op, op->action);
        return;
    }
    if (!ok) {
        free(op->last_reason);
        op->last_reason =
            corral_xasprintf("fence device %s: %s of %s failed: %s", d->id, op->action, op->target,
                             r && r->exit_reason ? r->exit_reason : "could not run");
        op->level_ok = false;
        corral_warn("%s", op->last_reason);
    } else {
        corral_notice("fence device %s: %s of %s succeeded", d->id, op->action, op->target);
        if (op->used.len) corral_buf_append(&op->used, "+");
        corral_buf_append(&op->used, d->id);
    }
    if (op->job) corral_job_free(op->job);
    op->job = NULL;
    op->device++;
}

/* Pick the devices of level op->level. */
static void load_level(corral_fence_op_t *op)
{
    op->n_devices = op->device = 0;
    op->level_ok = true;
    corral_buf_free(&op->used);
    for (size_t i = 0; i < op->cfg->n_fence_devices; i++) {
        const corral_fence_device_t *d = &op->cfg->fence_devices[i];
        if (d->level == op->levels[op->level] && covers(d, op->target) >= 0)
            op->devices[op->n_devices++] = (int)i;
    }
}

static void step(corral_fence_op_t *op)
{
    op->timer_armed = false;
    for (;;) {
        if (op->job) {
            if (!corral_job_dispatch(op->job)) {
                arm(op, POLL_NS);
                return;
            }
            device_done(op);
            if (op->job) { /* the real action after a list query */
                arm(op, POLL_NS);
                return;
            }
            continue;
        }
        if (op->device < op->n_devices && op->level_ok) {
            const corral_fence_device_t *d = &op->cfg->fence_devices[op->devices[op->device]];
            op->need_list = covers(d, op->target) == 0;
            run_device(op, op->need_list ? "list" : op->action);
            if (!op->job) {
                op->level_ok = false;
                op->device++;
            }
            continue;
        }
        if (op->level_ok && op->n_devices) {
            finish(op, true);
            return;
        }
        if (++op->level >= op->n_levels) {
            finish(op, false);
            return;
        }
        load_level(op);
        corral_notice("fencing %s: trying level %d", op->target, op->levels[op->level]);
    }
}

int corral_fence_start(qb_loop_t *loop, corral_registry_t *reg, const corral_config_t *cfg,
                       const char *local_node, const char *target, const char *action,
                       uint32_t auto_delay_ms, corral_fence_done_fn done, void *ud,
                       corral_fence_op_t **op_out)
{
    corral_fence_op_t *op = corral_xcalloc(1, sizeof(*op));
    op->levels = corral_xcalloc(cfg->n_fence_devices + 1, sizeof(int));
    op->devices = corral_xcalloc(cfg->n_fence_devices + 1, sizeof(int));
    uint32_t delay = 0;
    bool own_delay = false; /* a device sets its own: the automatic one steps aside */
    for (size_t i = 0; i < cfg->n_fence_devices; i++) {
        const corral_fence_device_t *d = &cfg->fence_devices[i];
        if (covers(d, target) < 0) continue;
        bool seen = false;
        for (size_t k = 0; k < op->n_levels; k++) seen |= op->levels[k] == d->level;
        if (!seen) op->levels[op->n_levels++] = d->level;
        own_delay |= d->delay_ms || d->delay_max_ms;
        uint32_t dd = d->delay_ms;
        if (d->delay_max_ms) dd += (uint32_t)(random() % (d->delay_max_ms + 1));
        if (dd > delay) delay = dd;
    }
    if (!op->n_levels) {
        free(op->levels);
        free(op->devices);
        free(op);
        return -ENODEV;
    }
    bool automatic = !own_delay && auto_delay_ms;
    if (automatic) delay = auto_delay_ms;
    for (size_t i = 1; i < op->n_levels; i++)
        for (size_t j = i; j > 0 && op->levels[j - 1] > op->levels[j]; j--) {
            int t = op->levels[j];
            op->levels[j] = op->levels[j - 1];
            op->levels[j - 1] = t;
        }
    op->loop = loop;
    op->reg = reg;
    op->cfg = cfg;
    op->local_node = corral_xstrdup(local_node);
    op->target = corral_xstrdup(target);
    op->action = corral_xstrdup(action);
    op->done = done;
    op->ud = ud;
    load_level(op);
    if (automatic)
        corral_notice("fencing %s (%s) from %s in %" PRIu32 " ms (two-node-fence-delay: %s "
                      "should survive a split, so its peer shoots first)",
                      target, action, local_node, delay, target);
    else
        corral_notice("fencing %s (%s) from %s%s", target, action, local_node,
                      delay ? ", after the device delay" : "");
    /* The delay (two-node clusters) comes before any device is touched. */
    arm(op, delay ? (uint64_t)delay * 1000000ULL : 1);
    if (op_out) *op_out = op;
    return 0;
}

void corral_fence_cancel(corral_fence_op_t *op)
{
    if (!op) return;
    if (op->timer_armed) qb_loop_timer_del(op->loop, op->timer);
    if (op->job) corral_job_free(op->job);
    corral_buf_free(&op->used);
    free(op->last_reason);
    free(op->levels);
    free(op->devices);
    free(op->local_node);
    free(op->target);
    free(op->action);
    free(op);
}
