/**
 * @file action.h
 * @brief Run one agent action through the runner: the glue between the
 *        registry (which agent) and the runner (which child process). The
 *        executor, the fencer and `corral agent run` all start actions here,
 *        so an action behaves the same wherever it is run from.
 */
#ifndef CORRAL_ACTION_H
#define CORRAL_ACTION_H

#include "model.h"
#include "registry.h"
#include "runner.h"

/** What to run. Everything is copied or used before corral_action_start() returns. */
typedef struct corral_action_req {
    const char *agent;        /**< config name: "dummy", "lua:ping", "ocf:pacemaker:Dummy" */
    corral_agent_kind_t kind; /**< resource or fence */
    const char *instance;     /**< resource / fence device id; NULL: the agent's type ("IPaddr2") */
    const char *node;         /**< local node name */
    const char *action;       /**< "start", "monitor", "off", "meta-data", ... */
    uint32_t interval_ms;
    uint32_t timeout_ms;           /**< 0: 20 s */
    const corral_kvlist_t *params; /**< configured parameters (may be NULL) */
    const corral_kvlist_t *meta;   /**< op meta: clone/notify variables (may be NULL) */
    const char *target;            /**< fence ops */
    const char *plug;              /**< fence ops: host-map'd target; NULL = target */
    /** For op->get_attr() in the child: a node attribute, or NULL. May be NULL. */
    const char *(*get_attr)(void *ud, const char *node, const char *name);
    void *attr_ud;
    /**
     * Fork the action's child in this fork server (corral_action_forkserver_new)
     * rather than in the caller; NULL: in the caller. Either way the job is
     * the same to the caller.
     */
    corral_forkserver_t *forkserver;
} corral_action_req_t;

/**
 * Describe the agent (loading it if needed), then fork a job whose child
 * builds the op context and calls corral_registry_invoke(). 0 and *job_out
 * (caller frees with corral_job_free), or -ENOENT (no such agent; *error_out
 * says so) or another -errno with *error_out (malloc'd).
 */
int corral_action_start(corral_registry_t *reg, const corral_action_req_t *req,
                        corral_job_t **job_out, char **error_out);

/**
 * Start a fork server (forkserver.h) for actions of agents in `reg`: it
 * loads each agent once, on its first action, and forks every action's
 * child from itself. When `reg` has no agent compiled in (registered with
 * corral_registry_add_*) and the `corral-forksrv` program is found
 * ($CORRAL_FORKSRV, set but empty for none; beside this program; the
 * installed one), the server is that program, with a registry of its own
 * made from `reg`'s settings; otherwise, or when it cannot be started, it
 * is a fork of this process (call it early, while the process is small).
 * `reg` must outlive the server, and so must in-process agents registered
 * before the call; agents registered later are run by the caller's own
 * fork. 0 and *fs_out (caller frees with corral_forkserver_free), or -errno.
 */
int corral_action_forkserver_new(corral_registry_t *reg, corral_forkserver_t **fs_out);

/**
 * The main() of the `corral-forksrv` program that corral_action_forkserver_new()
 * executes (core/forksrv/main.c): it makes its own registry from the
 * daemon's settings (its arguments) and serves on fd 3. Returns only when
 * it cannot start (an exit code).
 */
int corral_action_forkserver_main(int argc, char **argv);

/** Words for an OCF code: "ok", "not running", "generic error", ... */
const char *corral_ocf_rc_str(int rc);

#endif
