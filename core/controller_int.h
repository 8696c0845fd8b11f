/* Private to controller*.c: the controller's state. See controller.h. */
#ifndef CORRAL_CONTROLLER_INT_H
#define CORRAL_CONTROLLER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cfgstore.h"
#include "config.h"
#include "controller.h"
#include "executor.h"
#include "fencer.h"
#include "ipc.h"
#include "link.h"
#include "messages.h"
#include "ophistory.h"
#include "registry.h"
#include "status.h"

/* What we know of one node (every node keeps this for every node). */
struct cnode {
    char *name;
    uint32_t id;
    bool member;  /* in our partition: its corrald is in the group */
    bool hello;   /* its corrald introduced itself */
    bool ready;   /* it finished probing and sent its history */
    bool leaving; /* it asked to shut down cleanly */
    bool unclean; /* it left without asking: must be fenced */
    bool seen;    /* a member (or fenced) since we started: its state is known */
    corral_ophistory_t *hist;
    corral_kvlist_t attrs; /* transient attributes (strings owned) */
    uint64_t epoch;
    char digest[65];
    char *dc_claim; /* the DC its last hello named, or NULL */
};

struct failrec {
    char *rsc;
    char *node;
    corral_score_t count;
    int64_t last; /* seconds since the epoch */
};

struct fencerec {
    char *target;
    char *action;
    char *device;
    char *result;
    int64_t time;
};

/* One action of the transition being executed (DC only). */
enum pa_state { PA_PENDING = 0, PA_IN_FLIGHT, PA_DONE, PA_FAILED };

struct plan_action {
    char *id;
    char *kind; /* "start", "stop", "promote", "demote", "monitor", "fence", ... */
    char *rsc;  /* NULL for fencing */
    char *node;
    uint32_t interval_ms;
    size_t *after; /* indices of actions that must be done first */
    size_t n_after, cap_after;
    enum pa_state state;
    /* Pre-stops of removed or changed resources carry their old definition. */
    char *agent;
    corral_kvlist_t params;
    uint32_t timeout_ms;
    bool startup; /* a fence of a node not seen since we started (startup fencing) */
};

struct plan {
    uint64_t id;
    struct plan_action *a;
    size_t n, cap;
    size_t in_flight;
    bool aborted;
};

/* A `corral wait` waiting for the cluster to settle. */
struct waiter {
    corral_ipc_request_t *req;
    uint64_t deadline_ms; /* monotonic; 0: none */
    bool for_epoch;       /* true: until `epoch` is active; false: until idle */
    uint64_t epoch;
};

/* op_id (executor) -> the transition action it runs. */
struct opmap {
    uint64_t op_id;
    uint64_t tr;
    size_t act;
};

struct corral_controller {
    qb_loop_t *loop;
    char *node_name;
    char *state_dir;
    char *config_file;
    bool standalone;
    uint64_t started_mono;            /* when this corrald started (startup-fencing-grace) */
    qb_loop_timer_handle grace_timer; /* a held startup fence is looked at again */
    bool grace_armed;

    corral_link_t *link;
    corral_registry_t *reg;
    corral_executor_t *ex;
    corral_cfgstore_t *store;
    corral_ipc_server_t *ipc;

    corral_config_t *cfg; /* the active config (NULL until one is adopted) */
    char *cfg_text;
    corral_cfg_version_t ver;
    corral_config_t *prev_cfg; /* the config before the last push, while restarts are due */

    struct cnode *nodes;
    size_t n_nodes, cap_nodes;
    struct failrec *fails;
    size_t n_fails, cap_fails;
    struct fencerec *fencing;
    size_t n_fencing, cap_fencing;

    bool quorate;
    char *dc;       /* the DC's name, or NULL */
    bool dc_shared; /* ctl->dc was chosen with another node present (claimable) */

    /* Our own probes. */
    bool probing;
    unsigned probes_left;

    /* DC: the transition in progress. */
    struct plan plan;
    uint64_t next_plan_id;
    bool schedule_queued;
    qb_loop_timer_handle schedule_timer;
    bool schedule_again; /* something changed while a transition ran */
    char *last_summary;  /* the last transition, in words, for logs */
    /* Resources to restart (stop first) before the next schedule: changed definitions. */
    char **restart;
    size_t n_restart, cap_restart;

    struct opmap *ops;
    size_t n_ops, cap_ops;

    struct waiter *waiters;
    size_t n_waiters, cap_waiters;

    qb_loop_timer_handle recheck_timer;
    bool recheck_armed;
    qb_loop_timer_handle waiter_timer; /* fires at the earliest waiter deadline */
    bool waiter_armed;

    /* Fencing this node runs for the cluster (one at a time per target). */
    struct local_fence {
        corral_fence_op_t *op;
        char *target;
        uint64_t tr;
        size_t act;
    } * fences;
    size_t n_fences, cap_fences;
    qb_loop_timer_handle retry_timer; /* after a failed fence, plan again later */
    bool retry_armed;

    bool shutting_down;
    void (*shutdown_done)(void *ud);
    void *shutdown_ud;
    qb_loop_timer_handle shutdown_timer;
    bool shutdown_armed;
};

/* controller.c */
struct cnode *corral__ctl_node(corral_controller_t *ctl, const char *name, bool create);
bool corral__ctl_is_dc(const corral_controller_t *ctl);
bool corral__ctl_idle(const corral_controller_t *ctl);
corral_status_t *corral__ctl_build_status(corral_controller_t *ctl);
void corral__ctl_send(corral_controller_t *ctl, corral_msg_t *msg);
void corral__ctl_schedule_soon(corral_controller_t *ctl);
/* Verify text, raise the epoch and send it to every node. 0, or 2 with *err_out. */
int corral__ctl_push(corral_controller_t *ctl, const char *text, const char *name, char **err_out);
void corral__ctl_cleanup(corral_controller_t *ctl, const char *rsc, const char *node);
void corral__ctl_restart(corral_controller_t *ctl, const char *rsc);
/* Does a resource's definition (agent, params) differ between two configs? It restarts. */
/*
 * Mark in in[] (one flag per primitive of c) every active primitive that must
 * restart with those already marked: later members of their group, the
 * dependents of mandatory orders; repeatedly. Logs each when `log`.
 */
void corral__ctl_restart_closure(const corral_controller_t *ctl, const corral_config_t *c, bool *in,
                                 bool log);
bool corral__ctl_rsc_changed(const corral_resource_t *a, const corral_resource_t *b);
/* Do its operations (monitors, timeouts, on-fail) differ? Those need no restart. */
bool corral__ctl_ops_changed(const corral_resource_t *a, const corral_resource_t *b);
/* Ask the cluster to fence `target` (by a node other than it when possible). */
void corral__ctl_request_fence(corral_controller_t *ctl, const char *target, bool off, uint64_t tr,
                               size_t act);
/* Record that `target` is down for sure (fenced or confirmed by a person). */
void corral__ctl_send_fence_result(corral_controller_t *ctl, const char *target, const char *action,
                                   const char *device, bool ok, const char *reason, uint64_t tr,
                                   size_t act);

/* controller_cmd.c */
void corral__ctl_ipc_request(void *ud, corral_ipc_request_t *req);
void corral__ctl_check_waiters(corral_controller_t *ctl);

/* controller_view.c */
char *corral__ctl_render_status(corral_controller_t *ctl, const char *format, bool color);

#endif
