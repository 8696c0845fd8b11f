/* The controller: status from events, DC election, scheduling and the
 * transition's execution. See controller.h. */
#include "controller.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "controller_int.h"
#include "log.h"
#include "scheduler.h"
#include "util.h"

static void start_probes(corral_controller_t *ctl);
static void ensure_monitors(corral_controller_t *ctl);
static void plan_dispatch(corral_controller_t *ctl);
static void arm_recheck(corral_controller_t *ctl);

/* ------------------------------------------------------------ nodes */

struct cnode *corral__ctl_node(corral_controller_t *ctl, const char *name, bool create)
{
    for (size_t i = 0; i < ctl->n_nodes; i++)
        if (!strcmp(ctl->nodes[i].name, name)) return &ctl->nodes[i];
    if (!create) return NULL;
    struct cnode n = {0};
    n.name = corral_xstrdup(name);
    n.hist = corral_ophistory_new(name);
    CORRAL_PUSH(ctl->nodes, ctl->n_nodes, ctl->cap_nodes, n);
    return &ctl->nodes[ctl->n_nodes - 1];
}

static void kv_set(corral_kvlist_t *l, const char *key, const char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key)) continue;
        free(l->items[i].value);
        if (value) {
            l->items[i].value = corral_xstrdup(value);
        } else {
            free(l->items[i].key);
            l->items[i] = l->items[--l->n];
        }
        return;
    }
    if (!value) return;
    l->items = corral_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->items[l->n++] = (corral_kv_t){corral_xstrdup(key), corral_xstrdup(value), 0};
}

static const char *kv_get(const corral_kvlist_t *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i].key, key)) return l->items[i].value;
    return NULL;
}

/* Attributes for op->get_attr() in agents: transient over permanent. */
static const char *get_attr(void *ud, const char *node, const char *name)
{
    corral_controller_t *ctl = ud;
    struct cnode *n = corral__ctl_node(ctl, node ? node : ctl->node_name, false);
    const char *v = n ? kv_get(&n->attrs, name) : NULL;
    if (v || !ctl->cfg) return v;
    int i = corral_config_node_index(ctl->cfg, node ? node : ctl->node_name);
    return i >= 0 ? kv_get(&ctl->cfg->nodes[i].attrs, name) : NULL;
}

bool corral__ctl_is_dc(const corral_controller_t *ctl)
{
    return ctl->dc && !strcmp(ctl->dc, ctl->node_name);
}

/*
 * The DC. Every node decides from the same ordered events, once every member
 * has introduced itself. The incumbent keeps the role: a live member that
 * hellos name as DC (when hellos disagree, as after partitions merge, the
 * one most of them name; then the lowest id). A node names a DC in its hello
 * only when that DC was chosen with another node present, so a node that was
 * alone (just started, or cut off) never unseats the partition it joins.
 * Without an incumbent the lowest node id wins. A leaving node hands the role
 * over when someone else can take it.
 */
static void elect(corral_controller_t *ctl)
{
    struct cnode *best = NULL, *best_leaving = NULL, *incumbent = NULL;
    size_t n_members = 0, incumbent_votes = 0;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        if (!n->member) continue;
        if (!n->hello) return; /* wait until everyone has spoken */
        n_members++;
        struct cnode **slot = n->leaving ? &best_leaving : &best;
        if (!*slot || n->id < (*slot)->id) *slot = n;
    }
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *c = &ctl->nodes[i];
        if (!c->member || c->leaving) continue;
        size_t votes = 0;
        for (size_t j = 0; j < ctl->n_nodes; j++) {
            const struct cnode *n = &ctl->nodes[j];
            if (n->member && n->dc_claim && !strcmp(n->dc_claim, c->name)) votes++;
        }
        if (!votes) continue;
        if (!incumbent || votes > incumbent_votes ||
            (votes == incumbent_votes && c->id < incumbent->id)) {
            incumbent = c;
            incumbent_votes = votes;
        }
    }
    struct cnode *pick = incumbent ? incumbent : best ? best : best_leaving;
    char *old = ctl->dc;
    ctl->dc = pick ? corral_xstrdup(pick->name) : NULL;
    ctl->dc_shared = ctl->dc && n_members > 1;
    if ((old == NULL) != (ctl->dc == NULL) || (old && strcmp(old, ctl->dc)))
        corral_notice("cluster: the DC is now %s", ctl->dc ? ctl->dc : "(none)");
    free(old);
    if (corral__ctl_is_dc(ctl)) corral__ctl_schedule_soon(ctl);
}

/* ------------------------------------------------------------ messages */

void corral__ctl_send(corral_controller_t *ctl, corral_msg_t *msg)
{
    void *buf = NULL;
    size_t len = 0;
    int rc = corral_msg_encode(msg, &buf, &len);
    if (rc == 0) rc = corral_link_send(ctl->link, buf, len);
    if (rc < 0)
        corral_err("cluster: cannot send a %s message: %s", corral_msg_type_str(msg->type),
                   strerror(-rc));
    free(buf);
    corral_msg_free(msg);
}

static void send_hello(corral_controller_t *ctl)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_HELLO);
    corral_msg_add(m, "node", ctl->node_name);
    corral_msg_addf(m, "id", "%u", corral_link_local_id(ctl->link));
    corral_msg_addf(m, "epoch", "%" PRIu64, ctl->ver.epoch);
    corral_msg_add(m, "digest", ctl->ver.digest);
    if (ctl->dc && ctl->dc_shared) corral_msg_add(m, "dc", ctl->dc);
    corral__ctl_send(ctl, m);
}

/*
 * What we know of every node that left uncleanly and is not back: that it
 * must be fenced, and what ran there. Sent to joiners before our hello (CPG
 * keeps one sender's order, and a DC is chosen only once every hello is in),
 * so a joiner that becomes DC knows it too: without it, a node that never saw
 * the loss would recover that node's resources without fencing it.
 */
static void send_node_states(corral_controller_t *ctl)
{
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        if (n->member || !n->unclean) continue;
        corral_msg_t *m = corral_msg_new(CORRAL_MSG_NODE_STATE);
        corral_msg_add(m, "node", n->name);
        corral_msg_add(m, "unclean", "1");
        char *text = corral_ophistory_format(n->hist);
        corral_msg_add(m, "text", text);
        free(text);
        corral__ctl_send(ctl, m);
    }
}

/* Another member's knowledge of a node gone uncleanly: it is unclean here too. */
static void on_node_state(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *node = corral_msg_get(m, "node"), *text = corral_msg_get(m, "text");
    if (!node || !text) return;
    struct cnode *n = corral__ctl_node(ctl, node, true);
    if (n->member) return; /* it speaks for itself */
    n->seen = true;
    if (!n->unclean)
        corral_warn("node %s: left uncleanly (as another member saw): it must be fenced", node);
    n->unclean = true;
    /* Keep what we saw ourselves; else take what ran there as the sender saw it. */
    if (corral_ophistory_count(n->hist) == 0) {
        corral_ophistory_t *h = NULL;
        char *err = NULL;
        if (corral_ophistory_parse(text, &h, &err) == 0) {
            corral_ophistory_free(n->hist);
            n->hist = h;
        } else {
            corral_warn("node %s: dropped a history about it: %s", node, err ? err : "unreadable");
            free(err);
        }
    }
    corral__ctl_schedule_soon(ctl);
}

/* Our whole op history: what runs here, for every node (and that we are ready). */
static void send_history(corral_controller_t *ctl)
{
    corral_msg_t *h = corral_msg_new(CORRAL_MSG_HISTORY);
    corral_msg_add(h, "node", ctl->node_name);
    char *text = corral_ophistory_format(corral_executor_ophistory(ctl->ex));
    corral_msg_add(h, "text", text);
    free(text);
    corral__ctl_send(ctl, h);
}

static void send_config(corral_controller_t *ctl)
{
    if (!ctl->cfg_text) return;
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_CONFIG);
    corral_msg_addf(m, "epoch", "%" PRIu64, ctl->ver.epoch);
    corral_msg_add(m, "digest", ctl->ver.digest);
    corral_msg_add(m, "origin", ctl->ver.origin);
    corral_msg_add(m, "text", ctl->cfg_text);
    corral__ctl_send(ctl, m);
}

/* ------------------------------------------------------------ config */

/* Does a resource's definition differ between two configs (agent, params)? It restarts. */
bool corral__ctl_rsc_changed(const corral_resource_t *a, const corral_resource_t *b)
{
    if (strcmp(a->agent, b->agent) || a->params.n != b->params.n) return true;
    for (size_t i = 0; i < a->params.n; i++) {
        const char *v = kv_get(&b->params, a->params.items[i].key);
        if (!v || strcmp(v, a->params.items[i].value)) return true;
    }
    return false;
}

bool corral__ctl_ops_changed(const corral_resource_t *a, const corral_resource_t *b)
{
    if (a->n_ops != b->n_ops) return true;
    for (size_t i = 0; i < a->n_ops; i++) {
        const corral_op_spec_t *x = &a->ops[i], *y = &b->ops[i];
        if (strcmp(x->action, y->action) || x->role != y->role ||
            x->interval_ms != y->interval_ms || x->timeout_ms != y->timeout_ms ||
            x->on_fail != y->on_fail)
            return true;
    }
    return false;
}

/* Cancel the recurring monitors this node runs for r; true when there were any. */
static bool cancel_recurring(corral_controller_t *ctl, const corral_resource_t *r)
{
    int n = 0;
    for (size_t k = 0; k < r->n_ops; k++)
        if (!strcmp(r->ops[k].action, "monitor") && r->ops[k].interval_ms)
            n += corral_executor_cancel(ctl->ex, r->id, "monitor", r->ops[k].interval_ms);
    return n > 0;
}

static const corral_resource_t *find_rsc(const corral_config_t *c, const char *id)
{
    if (!c) return NULL;
    corral_ref_t r = corral_config_find(c, id);
    return r.kind == CORRAL_REF_PRIMITIVE ? &c->resources[r.index] : NULL;
}

static bool active_anywhere(const corral_controller_t *ctl, const char *rsc)
{
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        const corral_rsc_history_t *h = corral_ophistory_get(ctl->nodes[i].hist, rsc);
        corral_rsc_state_t st;
        if (!h) continue;
        corral_rsc_history_state(h, &st);
        if (st.active) return true;
    }
    return false;
}

static void new_registry(corral_controller_t *ctl)
{
    corral_registry_settings_t s = {0};
    if (ctl->cfg) {
        s.plugin_path = ctl->cfg->cluster.plugin_path;
        s.lua_path = ctl->cfg->cluster.lua_path;
        s.ocf_root = ctl->cfg->cluster.ocf_root;
        s.fence_agents_path = ctl->cfg->cluster.fence_agents_path;
    }
    s.state_dir = ctl->state_dir;
    corral_registry_t *reg = NULL;
    if (corral_registry_new(&s, &reg) < 0) return;
    /* The executor keeps a pointer: the old registry lives as long as it does. */
    if (!ctl->reg)
        ctl->reg = reg;
    else
        corral_registry_free(reg);
}

/* Adopt a verified config: keep it, note what changed, re-probe new resources. */
static void adopt(corral_controller_t *ctl, corral_config_t *cfg, char *text,
                  const corral_cfg_version_t *ver)
{
    corral_config_t *old = ctl->cfg;
    if (old) {
        for (size_t i = 0; i < old->n_resources; i++) {
            const corral_resource_t *o = &old->resources[i];
            const corral_resource_t *n = find_rsc(cfg, o->id);
            if (n && corral__ctl_rsc_changed(o, n) && active_anywhere(ctl, o->id)) {
                corral_notice("resource %s: its definition changed: it will be restarted", o->id);
                CORRAL_PUSH(ctl->restart, ctl->n_restart, ctl->cap_restart, corral_xstrdup(o->id));
            } else if (n && corral__ctl_ops_changed(o, n)) {
                /* Only its operations changed: no restart, as in Pacemaker; the
                 * monitors here are set up again from the new definition. */
                if (cancel_recurring(ctl, o))
                    corral_notice("resource %s: its operations changed: monitors set up again",
                                  o->id);
            }
        }
        corral_config_free(ctl->prev_cfg);
        ctl->prev_cfg = old;
    }
    ctl->cfg = cfg;
    free(ctl->cfg_text);
    ctl->cfg_text = text;
    ctl->ver = *ver;
    corral_notice("config: epoch %" PRIu64 " (digest %.12s) from %s is active", ver->epoch,
                  ver->digest, ver->origin);
    if (!ctl->reg) new_registry(ctl);
    for (size_t i = 0; i < cfg->n_nodes; i++) corral__ctl_node(ctl, cfg->nodes[i].name, true);
    if (corral_config_node_index(cfg, ctl->node_name) < 0)
        corral_warn("node %s: not in the configuration (no [node %s] section): it runs nothing",
                    ctl->node_name, ctl->node_name);
    /* A new resource must be probed everywhere before anything starts it. */
    bool unknown = false;
    struct cnode *self = corral__ctl_node(ctl, ctl->node_name, true);
    for (size_t i = 0; i < cfg->n_resources && !unknown; i++)
        if (!corral_ophistory_get(self->hist, cfg->resources[i].id)) unknown = true;
    if (unknown && self->ready) start_probes(ctl);
    ensure_monitors(ctl); /* monitors whose operations changed */
    corral__ctl_schedule_soon(ctl);
    arm_recheck(ctl);
}

static int load_text(corral_controller_t *ctl, const char *name, const char *text,
                     corral_config_t **cfg_out, char **err_out)
{
    corral_diags_t d = {0};
    corral_config_opts_t o = {.registry = ctl->reg, .check_agents = ctl->reg == NULL};
    int rc = corral_config_load_string(name, text, &o, cfg_out, &d);
    if (rc < 0 && err_out) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        corral_diags_print(&d, f);
        fclose(f);
        *err_out = buf;
    }
    corral_diags_clear(&d);
    return rc;
}

/* A CONFIG message: every node stores and adopts a newer epoch. */
static void on_config(corral_controller_t *ctl, const corral_msg_t *m)
{
    int64_t epoch = 0;
    const char *text = corral_msg_get(m, "text");
    const char *digest = corral_msg_get(m, "digest");
    const char *origin = corral_msg_get(m, "origin");
    if (corral_msg_get_i64(m, "epoch", &epoch) < 0 || !text || !digest) {
        corral_warn("config: dropped a config message without epoch, digest or text");
        return;
    }
    if ((uint64_t)epoch < ctl->ver.epoch) return;
    if ((uint64_t)epoch == ctl->ver.epoch) {
        if (strcmp(digest, ctl->ver.digest))
            corral_err("config: conflict: epoch %" PRId64 " has digest %.12s on %s but %.12s here; "
                       "not merged (push again to resolve)",
                       epoch, digest, origin ? origin : "?", ctl->ver.digest);
        return;
    }
    corral_config_t *cfg = NULL;
    char *err = NULL;
    char *name = corral_xasprintf("epoch %" PRId64, epoch);
    int rc = load_text(ctl, name, text, &cfg, &err);
    free(name);
    if (rc < 0) {
        corral_err("config: epoch %" PRId64 " from %s does not verify here, keeping epoch %" PRIu64
                   ":\n%s",
                   epoch, origin ? origin : "?", ctl->ver.epoch, err ? err : "");
        free(err);
        return;
    }
    corral_cfg_version_t ver = {.epoch = (uint64_t)epoch, .time_ms = corral_wall_ms()};
    snprintf(ver.digest, sizeof(ver.digest), "%s", digest);
    snprintf(ver.origin, sizeof(ver.origin), "%s", origin ? origin : "-");
    rc = corral_cfgstore_save(ctl->store, &ver, text);
    if (rc < 0 && rc != -EEXIST)
        corral_err("config: cannot store epoch %" PRId64 ": %s", epoch, strerror(-rc));
    /* Every member applies the same pushes in the same order (one that cannot verify it
     * says so in its log): note the epoch for all of them, not only for us. */
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        if (!n->member || n->epoch > (uint64_t)epoch) continue;
        n->epoch = (uint64_t)epoch;
        snprintf(n->digest, sizeof(n->digest), "%s", digest);
    }
    adopt(ctl, cfg, corral_xstrdup(text), &ver);
}

int corral__ctl_push(corral_controller_t *ctl, const char *text, const char *name, char **err_out)
{
    if (!ctl->quorate) {
        *err_out = corral_xstrdup("this partition has no quorum: config pushes are refused.\n");
        return 1;
    }
    corral_config_t *cfg = NULL;
    if (load_text(ctl, name, text, &cfg, err_out) < 0) return 2;
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_CONFIG);
    corral_msg_addf(m, "epoch", "%" PRIu64, ctl->ver.epoch + 1);
    corral_msg_add(m, "digest", cfg->digest);
    corral_msg_add(m, "origin", ctl->node_name);
    corral_msg_add(m, "text", text);
    corral_config_free(cfg);
    corral__ctl_send(ctl, m);
    return 0;
}

/* ------------------------------------------------------------ failures */

static struct failrec *fail_get(corral_controller_t *ctl, const char *rsc, const char *node,
                                bool create)
{
    for (size_t i = 0; i < ctl->n_fails; i++)
        if (!strcmp(ctl->fails[i].rsc, rsc) && !strcmp(ctl->fails[i].node, node))
            return &ctl->fails[i];
    if (!create) return NULL;
    struct failrec f = {corral_xstrdup(rsc), corral_xstrdup(node), 0, -1};
    CORRAL_PUSH(ctl->fails, ctl->n_fails, ctl->cap_fails, f);
    return &ctl->fails[ctl->n_fails - 1];
}

static const corral_op_spec_t *op_spec(const corral_resource_t *r, const char *action,
                                       uint32_t interval_ms)
{
    for (size_t i = 0; r && i < r->n_ops; i++)
        if (!strcmp(r->ops[i].action, action) && r->ops[i].interval_ms == interval_ms)
            return &r->ops[i];
    return NULL;
}

/* Every node applies the same rule to the same ordered results. */
static void count_failure(corral_controller_t *ctl, const char *rsc, const char *node,
                          const char *action, uint32_t interval_ms, int64_t when)
{
    const corral_resource_t *r = find_rsc(ctl->cfg, rsc);
    const corral_op_spec_t *spec = op_spec(r, action, interval_ms);
    if (spec && spec->on_fail == CORRAL_ON_FAIL_IGNORE) return;
    struct failrec *f = fail_get(ctl, rsc, node, true);
    if (!strcmp(action, "start") && ctl->cfg && ctl->cfg->cluster.start_failure_is_fatal)
        f->count = CORRAL_INFINITY;
    else
        f->count = corral_score_add(f->count, 1);
    f->last = when;
}

void corral__ctl_cleanup(corral_controller_t *ctl, const char *rsc, const char *node)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_CLEANUP);
    corral_msg_add(m, "rsc", rsc);
    if (node) corral_msg_add(m, "node", node);
    corral__ctl_send(ctl, m);
}

static void on_cleanup(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *rsc = corral_msg_get(m, "rsc");
    const char *node = corral_msg_get(m, "node");
    if (!rsc) return;
    for (size_t i = 0; i < ctl->n_fails;) {
        struct failrec *f = &ctl->fails[i];
        if (!strcmp(f->rsc, rsc) && (!node || !strcmp(f->node, node))) {
            free(f->rsc);
            free(f->node);
            ctl->fails[i] = ctl->fails[--ctl->n_fails];
        } else {
            i++;
        }
    }
    corral_notice("resource %s: failures forgotten%s%s; probing again", rsc, node ? " on " : "",
                  node ? node : "");
    /* Each named node forgets the history and probes again. */
    if (!node || !strcmp(node, ctl->node_name)) {
        const corral_resource_t *r = find_rsc(ctl->cfg, rsc);
        corral_executor_cancel_all(ctl->ex, rsc);
        corral_executor_forget(ctl->ex, rsc);
        if (r) {
            corral_exec_req_t q = {.rsc = r->id,
                                   .agent = r->agent,
                                   .action = "monitor",
                                   .params = &r->params,
                                   .timeout_ms = 20000};
            ctl->probes_left++;
            ctl->probing = true;
            corral_executor_exec(ctl->ex, &q, NULL);
        }
    }
    for (size_t i = 0; i < ctl->n_nodes; i++)
        if (!node || !strcmp(node, ctl->nodes[i].name))
            corral_ophistory_forget(ctl->nodes[i].hist, rsc);
    corral__ctl_schedule_soon(ctl);
}

/* ------------------------------------------------------------ op results */

/* Our executor finished an op: tell every node (ourselves included). */
static void on_exec_result(void *ud, const corral_exec_event_t *ev)
{
    corral_controller_t *ctl = ud;
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_OP_RESULT);
    corral_msg_add(m, "node", ctl->node_name);
    corral_msg_add(m, "rsc", ev->rsc);
    corral_msg_add(m, "agent", ev->agent);
    corral_msg_add(m, "action", ev->action);
    corral_msg_addf(m, "interval", "%u", ev->interval_ms);
    corral_msg_addf(m, "rc", "%d", ev->rc);
    corral_msg_addf(m, "status", "%d", (int)ev->status);
    corral_msg_addf(m, "failed", "%d", ev->expected ? 0 : 1);
    corral_msg_add(m, "reason", ev->exit_reason);
    corral_msg_addf(m, "call", "%" PRIu64, ev->call_id);
    corral_msg_addf(m, "started", "%" PRIu64, ev->started_ms);
    corral_msg_addf(m, "duration", "%u", ev->duration_ms);
    corral_msg_addf(m, "probe", "%d", ev->probe ? 1 : 0);
    for (size_t i = 0; i < ctl->n_ops; i++) {
        if (ctl->ops[i].op_id != ev->op_id) continue;
        corral_msg_addf(m, "tr", "%" PRIu64, ctl->ops[i].tr);
        corral_msg_addf(m, "act", "%zu", ctl->ops[i].act);
        ctl->ops[i] = ctl->ops[--ctl->n_ops];
        break;
    }
    corral__ctl_send(ctl, m);

    if (ev->probe && ctl->probing && ctl->probes_left > 0 && --ctl->probes_left == 0) {
        ctl->probing = false;
        /* Probes done: our whole history tells every node what runs here. */
        send_history(ctl);
    }
}

static void on_exec_attr(void *ud, const char *rsc, const char *name, const char *value)
{
    corral_controller_t *ctl = ud;
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_ATTR);
    corral_msg_add(m, "node", ctl->node_name);
    corral_msg_add(m, "name", name);
    if (value) corral_msg_add(m, "value", value);
    corral_msg_add(m, "rsc", rsc);
    corral__ctl_send(ctl, m);
}

static void on_attr(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *node = corral_msg_get(m, "node"), *name = corral_msg_get(m, "name");
    if (!node || !name) return;
    struct cnode *n = corral__ctl_node(ctl, node, true);
    const char *value = corral_msg_get(m, "value");
    const char *old = kv_get(&n->attrs, name);
    if ((!old && !value) || (old && value && !strcmp(old, value))) return;
    corral_info("node %s: attribute %s = %s", node, name, value ? value : "(deleted)");
    kv_set(&n->attrs, name, value);
    corral__ctl_schedule_soon(ctl);
}

static void plan_result(corral_controller_t *ctl, const corral_msg_t *m, bool failed);

static void on_op_result(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *node = corral_msg_get(m, "node"), *rsc = corral_msg_get(m, "rsc");
    const char *action = corral_msg_get(m, "action"), *agent = corral_msg_get(m, "agent");
    int64_t interval = 0, rc = 0, status = 0, failed = 0, call = 0, started = 0, duration = 0;
    if (!node || !rsc || !action || !agent || corral_msg_get_i64(m, "rc", &rc) < 0 ||
        corral_msg_get_i64(m, "interval", &interval) < 0) {
        corral_warn("cluster: dropped an op result without node, resource, action or rc");
        return;
    }
    corral_msg_get_i64(m, "status", &status);
    corral_msg_get_i64(m, "failed", &failed);
    corral_msg_get_i64(m, "call", &call);
    corral_msg_get_i64(m, "started", &started);
    corral_msg_get_i64(m, "duration", &duration);
    const char *reason = corral_msg_get(m, "reason");
    struct cnode *n = corral__ctl_node(ctl, node, true);
    corral_op_record_t rec = {
        .action = (char *)action,
        .interval_ms = (uint32_t)interval,
        .rc = (int)rc,
        .status = (corral_op_status_t)status,
        .failed = failed != 0,
        .exit_reason = (char *)(reason ? reason : ""),
        .call_id = (uint64_t)call,
        .started_ms = (uint64_t)started,
        .duration_ms = (uint32_t)duration,
    };
    corral_ophistory_record(n->hist, rsc, agent, &rec);
    if (failed) {
        corral_warn("resource %s: %s%s on %s failed: %s (rc=%d)%s%s", rsc, action,
                    interval ? " (recurring)" : "", node, corral_ocf_rc_str((int)rc), (int)rc,
                    reason && *reason ? ": " : "", reason ? reason : "");
        count_failure(ctl, rsc, node, action, (uint32_t)interval, started / 1000);
    } else {
        corral_info("resource %s: %s on %s: %s", rsc, action, node, corral_ocf_rc_str((int)rc));
    }
    /* Our own resources' recurring monitors follow what runs here. */
    if (!strcmp(node, ctl->node_name) && !interval) ensure_monitors(ctl);
    if (corral__ctl_is_dc(ctl)) {
        plan_result(ctl, m, failed != 0);
        /* A change nobody asked for (a failed monitor) needs a new plan. */
        if (failed) corral__ctl_schedule_soon(ctl);
    }
}

static void on_history(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *node = corral_msg_get(m, "node"), *text = corral_msg_get(m, "text");
    if (!node || !text) return;
    corral_ophistory_t *h = NULL;
    char *err = NULL;
    if (corral_ophistory_parse(text, &h, &err) < 0) {
        corral_warn("node %s: dropped its history: %s", node, err ? err : "unreadable");
        free(err);
        return;
    }
    struct cnode *n = corral__ctl_node(ctl, node, true);
    corral_ophistory_free(n->hist);
    n->hist = h;
    if (!n->ready)
        corral_notice("node %s: probes done, %zu resources known", node, corral_ophistory_count(h));
    n->ready = true;
    if (!strcmp(node, ctl->node_name)) ensure_monitors(ctl);
    corral__ctl_schedule_soon(ctl);
}

/* DC -> node: run this. */
static void on_action(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *node = corral_msg_get(m, "node");
    if (!node || strcmp(node, ctl->node_name)) return;
    const char *rsc = corral_msg_get(m, "rsc"), *action = corral_msg_get(m, "action");
    const char *agent = corral_msg_get(m, "agent");
    int64_t interval = 0, timeout = 0, expected = 0, tr = 0, act = 0;
    corral_msg_get_i64(m, "interval", &interval);
    corral_msg_get_i64(m, "timeout", &timeout);
    corral_msg_get_i64(m, "expected", &expected);
    if (!rsc || !action || !agent || corral_msg_get_i64(m, "tr", &tr) < 0 ||
        corral_msg_get_i64(m, "act", &act) < 0) {
        corral_warn("cluster: dropped an action request missing its fields");
        return;
    }
    corral_kvlist_t params = {0}, meta = {0};
    for (size_t i = 0; i < m->n; i++) {
        if (corral_str_has_prefix(m->fields[i].key, "param."))
            kv_set(&params, m->fields[i].key + 6, m->fields[i].value);
        else if (corral_str_has_prefix(m->fields[i].key, "meta."))
            kv_set(&meta, m->fields[i].key + 5, m->fields[i].value);
    }
    corral_exec_req_t q = {
        .rsc = rsc,
        .agent = agent,
        .action = action,
        .interval_ms = (uint32_t)interval,
        .timeout_ms = (uint32_t)timeout,
        .params = &params,
        .meta = &meta,
        .expected_rc = (int)expected,
    };
    uint64_t op_id = 0;
    if (corral_executor_exec(ctl->ex, &q, &op_id) == 0) {
        struct opmap om = {op_id, (uint64_t)tr, (size_t)act};
        CORRAL_PUSH(ctl->ops, ctl->n_ops, ctl->cap_ops, om);
    }
    corral_kvlist_clear(&params);
    corral_kvlist_clear(&meta);
}

/* ------------------------------------------------------------ probes, monitors */

static void start_probes(corral_controller_t *ctl)
{
    if (!ctl->cfg) return;
    ctl->probing = true;
    ctl->probes_left = 0;
    corral_executor_mark_unverified(ctl->ex, NULL);
    for (size_t i = 0; i < ctl->cfg->n_resources; i++) {
        const corral_resource_t *r = &ctl->cfg->resources[i];
        corral_exec_req_t q = {.rsc = r->id,
                               .agent = r->agent,
                               .action = "monitor",
                               .params = &r->params,
                               .timeout_ms = 20000};
        const corral_op_spec_t *mon = op_spec(r, "monitor", 0);
        if (mon) q.timeout_ms = mon->timeout_ms;
        ctl->probes_left++;
        corral_executor_exec(ctl->ex, &q, NULL);
    }
    /* Resources we ran before that left the config: probe them with what we recorded. */
    if (ctl->probes_left == 0) {
        ctl->probing = false;
        send_history(ctl);
    }
}

/*
 * Every resource active here gets the recurring monitors of its role. This
 * is the node's own business: it holds after a restart of corrald (the
 * probe found the resource running) and after a start alike.
 */
static void ensure_monitors(corral_controller_t *ctl)
{
    if (!ctl->cfg || ctl->probing) return;
    const corral_ophistory_t *h = corral_executor_ophistory(ctl->ex);
    for (size_t i = 0; i < ctl->cfg->n_resources; i++) {
        const corral_resource_t *r = &ctl->cfg->resources[i];
        const corral_rsc_history_t *rh = corral_ophistory_get(h, r->id);
        if (!rh) continue;
        corral_rsc_state_t st;
        corral_rsc_history_state(rh, &st);
        for (size_t k = 0; k < r->n_ops; k++) {
            const corral_op_spec_t *o = &r->ops[k];
            if (strcmp(o->action, "monitor") || o->interval_ms == 0) continue;
            bool want =
                st.active && !st.failed &&
                (o->role == CORRAL_ROLE_ANY || (o->role == CORRAL_ROLE_PROMOTED) == st.promoted);
            /* A promoted instance with no promoted-role monitor keeps the plain one. */
            if (st.active && o->role == CORRAL_ROLE_ANY && st.promoted) {
                for (size_t j = 0; j < r->n_ops; j++)
                    if (!strcmp(r->ops[j].action, "monitor") && r->ops[j].interval_ms &&
                        r->ops[j].role == CORRAL_ROLE_PROMOTED)
                        want = false;
            }
            bool have = corral_rsc_history_find(rh, "monitor", o->interval_ms) != NULL;
            if (want && !have) {
                corral_exec_req_t q = {.rsc = r->id,
                                       .agent = r->agent,
                                       .action = "monitor",
                                       .interval_ms = o->interval_ms,
                                       .timeout_ms = o->timeout_ms,
                                       .params = &r->params,
                                       .expected_rc = st.promoted ? 8 : 0};
                corral_executor_exec(ctl->ex, &q, NULL);
            } else if (!want && have && !st.active) {
                corral_executor_cancel(ctl->ex, r->id, "monitor", o->interval_ms);
            }
        }
    }
}

/* ------------------------------------------------------------ status */

/*
 * Startup fencing: a configured node that has not been a member since we
 * started, and that no member told us about, may still run anything, so it
 * counts as unclean (fenced before its resources start elsewhere). The fence
 * itself waits for startup-fencing-grace, in case it is only slow to join.
 */
static bool startup_unclean(const corral_controller_t *ctl, const struct cnode *n)
{
    return !ctl->standalone && !n->seen && !n->member && ctl->cfg &&
           ctl->cfg->cluster.stonith_enabled;
}

static bool in_startup_grace(const corral_controller_t *ctl, const struct cnode *n,
                             uint64_t *left_ms)
{
    if (!startup_unclean(ctl, n)) return false;
    uint64_t end = ctl->started_mono + ctl->cfg->cluster.startup_fencing_grace_ms;
    uint64_t now = corral_mono_ms();
    if (now >= end) return false;
    *left_ms = end - now;
    return true;
}

static void grace_over(void *data)
{
    corral_controller_t *ctl = data;
    ctl->grace_armed = false;
    plan_dispatch(ctl);
}

corral_status_t *corral__ctl_build_status(corral_controller_t *ctl)
{
    corral_status_t *st = corral_xcalloc(1, sizeof(*st));
    st->quorate = ctl->quorate;
    st->now = (int64_t)(corral_wall_ms() / 1000);
    st->now_set = true;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        bool configured = ctl->cfg && corral_config_node_index(ctl->cfg, n->name) >= 0;
        if (!configured && !n->member) continue;
        corral_status_node_t *sn = corral_status_node_get(st, n->name);
        if (n->member)
            sn->state = n->ready ? CORRAL_NODE_ONLINE : CORRAL_NODE_PENDING;
        else if (n->unclean || startup_unclean(ctl, n))
            sn->state = CORRAL_NODE_UNCLEAN;
        else
            sn->state = CORRAL_NODE_OFFLINE;
        for (size_t k = 0; k < n->attrs.n; k++) {
            corral_kv_t kv = {corral_xstrdup(n->attrs.items[k].key),
                              corral_xstrdup(n->attrs.items[k].value), 0};
            sn->attrs.items = corral_xrealloc(sn->attrs.items, (sn->attrs.n + 1) * sizeof(kv));
            sn->attrs.items[sn->attrs.n++] = kv;
        }
    }
    for (size_t i = 0; ctl->cfg && i < ctl->cfg->n_resources; i++) {
        const char *id = ctl->cfg->resources[i].id;
        corral_status_resource_t *sr = NULL;
        for (size_t k = 0; k < ctl->n_nodes; k++) {
            struct cnode *n = &ctl->nodes[k];
            const corral_rsc_history_t *rh = corral_ophistory_get(n->hist, id);
            if (!rh || !corral_status_node(st, n->name)) continue;
            corral_rsc_state_t s;
            corral_rsc_history_state(rh, &s);
            if (!s.active) continue;
            if (!sr) sr = corral_status_resource_get(st, id);
            corral_namelist_add(&sr->active_on, n->name);
            if (s.promoted) corral_namelist_add(&sr->promoted_on, n->name);
            if (s.failed) corral_namelist_add(&sr->failed_on, n->name);
            if (s.stop_failed) corral_namelist_add(&sr->stop_failed_on, n->name);
        }
        for (size_t k = 0; k < ctl->n_fails; k++) {
            struct failrec *f = &ctl->fails[k];
            if (strcmp(f->rsc, id) || !corral_status_node(st, f->node)) continue;
            if (!sr) sr = corral_status_resource_get(st, id);
            corral_status_failure_t fr = {corral_xstrdup(f->node), f->count, f->last, 0};
            sr->failures = corral_xrealloc(sr->failures, (sr->n_failures + 1) * sizeof(fr));
            sr->failures[sr->n_failures++] = fr;
        }
    }
    return st;
}

/* ------------------------------------------------------------ the plan */

static void plan_clear(struct plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct plan_action *a = &p->a[i];
        free(a->id);
        free(a->kind);
        free(a->rsc);
        free(a->node);
        free(a->after);
        free(a->agent);
        corral_kvlist_clear(&a->params);
    }
    free(p->a);
    memset(p, 0, sizeof(*p));
}

bool corral__ctl_idle(const corral_controller_t *ctl)
{
    if (ctl->plan.n || ctl->schedule_queued || ctl->n_restart || ctl->probing) return false;
    if (corral_executor_pending_count(ctl->ex)) return false;
    for (size_t i = 0; i < ctl->n_nodes; i++)
        if (ctl->nodes[i].member && !ctl->nodes[i].ready) return false;
    return true;
}

static struct plan_action *plan_add(struct plan *p, const char *kind, const char *rsc,
                                    const char *node)
{
    struct plan_action a = {0};
    a.kind = corral_xstrdup(kind);
    a.rsc = rsc ? corral_xstrdup(rsc) : NULL;
    a.node = corral_xstrdup(node);
    a.id = corral_xasprintf("%s_%s_%s", rsc ? rsc : node, kind, node);
    CORRAL_PUSH(p->a, p->n, p->cap, a);
    return &p->a[p->n - 1];
}

/* Does the config reference r (a primitive, group or clone) hold primitive p? */
static bool ref_holds(const corral_config_t *c, corral_ref_t r, int p)
{
    switch (r.kind) {
    case CORRAL_REF_PRIMITIVE:
        return r.index == p;
    case CORRAL_REF_GROUP:
        return c->resources[p].group == r.index;
    case CORRAL_REF_CLONE:
        return c->resources[p].clone == r.index;
    default:
        return false;
    }
}

/*
 * Must primitive b restart when primitive a does? Yes when b comes after a in
 * their group, or a mandatory order starts b after a (Pacemaker restarts an
 * order's dependents with their first, too).
 */
static bool restart_follows(const corral_config_t *c, int b, int a)
{
    if (a == b) return false;
    int g = c->resources[a].group;
    if (g >= 0 && g == c->resources[b].group) {
        const corral_group_t *grp = &c->groups[g];
        for (size_t i = 0; i < grp->n_members; i++) {
            if (grp->members[i] == a) return true; /* a comes first */
            if (grp->members[i] == b) break;
        }
    }
    for (size_t i = 0; i < c->n_orders; i++) {
        const corral_order_t *o = &c->orders[i];
        if (o->kind != CORRAL_ORDER_MANDATORY) continue;
        if (o->first_action && strcmp(o->first_action, "start")) continue;
        if (ref_holds(c, o->first, a) && ref_holds(c, o->then, b)) return true;
    }
    return false;
}

void corral__ctl_restart_closure(const corral_controller_t *ctl, const corral_config_t *c, bool *in,
                                 bool log)
{
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t b = 0; b < c->n_resources; b++) {
            if (in[b] || !active_anywhere(ctl, c->resources[b].id)) continue;
            for (size_t a = 0; a < c->n_resources && !in[b]; a++)
                if (in[a] && restart_follows(c, (int)b, (int)a)) {
                    if (log)
                        corral_notice("resource %s: restarts with %s, which it depends on",
                                      c->resources[b].id, c->resources[a].id);
                    in[b] = grew = true;
                }
        }
    }
}

/*
 * Restarts of changed resources: stop them with their old definition first,
 * together with what depends on them (later group members, mandatory order
 * dependents), each after its dependents; the scheduler starts them all again.
 */
static bool plan_restarts(corral_controller_t *ctl)
{
    if (!ctl->n_restart) return false;
    const corral_config_t *c = ctl->cfg;
    bool *in = corral_xcalloc(c->n_resources + 1, sizeof(bool));
    for (size_t r = 0; r < ctl->n_restart; r++) {
        corral_ref_t ref = corral_config_find(c, ctl->restart[r]);
        if (ref.kind == CORRAL_REF_PRIMITIVE) in[ref.index] = true;
        free(ctl->restart[r]);
    }
    ctl->n_restart = 0;
    corral__ctl_restart_closure(ctl, c, in, true);
    size_t first = ctl->plan.n;
    for (size_t p = 0; p < c->n_resources; p++) {
        if (!in[p]) continue;
        const char *id = c->resources[p].id;
        const corral_resource_t *def = find_rsc(ctl->prev_cfg, id);
        if (!def) def = &c->resources[p];
        for (size_t k = 0; k < ctl->n_nodes; k++) {
            struct cnode *n = &ctl->nodes[k];
            const corral_rsc_history_t *rh = corral_ophistory_get(n->hist, id);
            corral_rsc_state_t s;
            if (!rh || !n->member) continue;
            corral_rsc_history_state(rh, &s);
            if (!s.active) continue;
            if (s.promoted) {
                struct plan_action *d = plan_add(&ctl->plan, "demote", id, n->name);
                d->agent = corral_xstrdup(def->agent);
                for (size_t j = 0; j < def->params.n; j++)
                    kv_set(&d->params, def->params.items[j].key, def->params.items[j].value);
            }
            struct plan_action *a = plan_add(&ctl->plan, "stop", id, n->name);
            a->agent = corral_xstrdup(def->agent);
            for (size_t j = 0; j < def->params.n; j++)
                kv_set(&a->params, def->params.items[j].key, def->params.items[j].value);
            if (s.promoted) CORRAL_PUSH(a->after, a->n_after, a->cap_after, ctl->plan.n - 2);
        }
    }
    /* Each stop waits for the stops of what depends on it. */
    for (size_t i = first; i < ctl->plan.n; i++) {
        struct plan_action *a = &ctl->plan.a[i];
        if (strcmp(a->kind, "stop")) continue;
        int pa = corral_config_find(c, a->rsc).index;
        for (size_t j = first; j < ctl->plan.n; j++) {
            const struct plan_action *b = &ctl->plan.a[j];
            if (j == i || strcmp(b->kind, "stop")) continue;
            if (restart_follows(c, corral_config_find(c, b->rsc).index, pa))
                CORRAL_PUSH(a->after, a->n_after, a->cap_after, j);
        }
    }
    free(in);
    return ctl->plan.n > 0;
}

/* Copy the scheduler's actions into the plan. False when there is nothing to do. */
static bool plan_from_transition(corral_controller_t *ctl, const corral_transition_t *t)
{
    size_t useful = 0;
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *src = &t->actions[i];
        struct plan_action a = {0};
        a.id = corral_xstrdup(src->id);
        a.kind = corral_xstrdup(corral_action_kind_name(src->kind));
        a.rsc = src->resource ? corral_xstrdup(src->resource) : NULL;
        a.node = corral_xstrdup(src->node);
        a.interval_ms = src->interval_ms;
        a.timeout_ms = src->timeout_ms;
        if (src->kind == CORRAL_ACTION_FENCE) {
            const struct cnode *target = corral__ctl_node(ctl, src->node, false);
            a.startup = target && startup_unclean(ctl, target);
        }
        if (src->n_after) {
            a.after = corral_xcalloc(src->n_after, sizeof(size_t));
            memcpy(a.after, src->after, src->n_after * sizeof(size_t));
            a.n_after = src->n_after;
        }
        if (!(src->kind == CORRAL_ACTION_MONITOR && src->interval_ms)) useful++;
        CORRAL_PUSH(ctl->plan.a, ctl->plan.n, ctl->plan.cap, a);
    }
    if (!useful) return false;
    corral_buf_t b = {0};
    corral_transition_format_text(t, &b);
    corral_notice("transition %" PRIu64 ": %zu actions\n%s", ctl->plan.id, t->n_actions,
                  b.s ? b.s : "");
    corral_buf_free(&b);
    return true;
}

static void run_scheduler(void *data)
{
    corral_controller_t *ctl = data;
    ctl->schedule_queued = false;
    if (!corral__ctl_is_dc(ctl) || !ctl->cfg) return;
    if (ctl->plan.n) {
        /* Let the actions in flight finish, then plan again from what they did. */
        ctl->schedule_again = true;
        ctl->plan.aborted = true;
        if (ctl->plan.in_flight == 0) plan_dispatch(ctl); /* only held fences: at once */
        return;
    }
    for (size_t i = 0; i < ctl->n_nodes; i++)
        if (ctl->nodes[i].member && !ctl->nodes[i].ready) return; /* probes still running */
    ctl->plan.id = ++ctl->next_plan_id;
    if (plan_restarts(ctl)) {
        corral_notice("transition %" PRIu64 ": %zu restarts of changed resources", ctl->plan.id,
                      ctl->plan.n);
        plan_dispatch(ctl);
        return;
    }
    corral_status_t *st = corral__ctl_build_status(ctl);
    /* A node that is leaving is scheduled as if in standby. */
    bool *was = corral_xcalloc(ctl->cfg->n_nodes + 1, sizeof(bool));
    for (size_t i = 0; i < ctl->cfg->n_nodes; i++) {
        struct cnode *n = corral__ctl_node(ctl, ctl->cfg->nodes[i].name, false);
        was[i] = ctl->cfg->nodes[i].standby;
        if (n && n->leaving) ctl->cfg->nodes[i].standby = true;
    }
    corral_transition_t *t = NULL;
    int rc = corral_schedule(ctl->cfg, st, &t, NULL);
    for (size_t i = 0; i < ctl->cfg->n_nodes; i++) ctl->cfg->nodes[i].standby = was[i];
    free(was);
    corral_status_free(st);
    if (rc < 0) {
        corral_err("scheduler: failed: %s", strerror(-rc));
        return;
    }
    bool any = plan_from_transition(ctl, t);
    corral_transition_free(t);
    if (!any) {
        plan_clear(&ctl->plan);
        corral__ctl_check_waiters(ctl);
        return;
    }
    plan_dispatch(ctl);
}

void corral__ctl_schedule_soon(corral_controller_t *ctl)
{
    if (!corral__ctl_is_dc(ctl)) return;
    if (ctl->plan.n) {
        ctl->schedule_again = true;
        /* A plan that only holds startup fences looks again now (a node may have joined). */
        if (ctl->plan.in_flight == 0 && ctl->grace_armed) {
            ctl->plan.aborted = true;
            plan_dispatch(ctl);
        }
        return;
    }
    if (ctl->schedule_queued) return;
    /* A timer due now rather than a qb_loop job, which libqb would run only at
     * the next poll wake-up (up to 50 ms) when added from a callback. Low
     * priority: the events of this iteration are all in before it runs. */
    if (qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, 1, ctl, run_scheduler, &ctl->schedule_timer) == 0)
        ctl->schedule_queued = true;
    else
        corral_err("cluster: cannot add a loop timer: planning waits for the next event");
}

/* Send one action to the node that runs it. */
static void plan_send(corral_controller_t *ctl, size_t i)
{
    struct plan_action *a = &ctl->plan.a[i];
    const corral_resource_t *r = find_rsc(ctl->cfg, a->rsc);
    const char *agent = a->agent ? a->agent : r ? r->agent : NULL;
    if (!agent) {
        corral_err("transition %" PRIu64 ": %s: resource %s is not configured", ctl->plan.id, a->id,
                   a->rsc);
        a->state = PA_FAILED;
        ctl->plan.aborted = true;
        return;
    }
    const corral_op_spec_t *spec = r ? op_spec(r, a->kind, a->interval_ms) : NULL;
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_ACTION);
    corral_msg_add(m, "node", a->node);
    corral_msg_add(m, "rsc", a->rsc);
    corral_msg_add(m, "agent", agent);
    corral_msg_add(m, "action", a->kind);
    corral_msg_addf(m, "interval", "%u", a->interval_ms);
    corral_msg_addf(m, "timeout", "%u",
                    a->timeout_ms ? a->timeout_ms
                    : spec        ? spec->timeout_ms
                                  : 20000);
    corral_msg_addf(m, "expected", "%d", 0);
    corral_msg_addf(m, "tr", "%" PRIu64, ctl->plan.id);
    corral_msg_addf(m, "act", "%zu", i);
    const corral_kvlist_t *params = a->agent ? &a->params : &r->params;
    for (size_t k = 0; k < params->n; k++) {
        char *key = corral_xasprintf("param.%s", params->items[k].key);
        corral_msg_add(m, key, params->items[k].value);
        free(key);
    }
    a->state = PA_IN_FLIGHT;
    ctl->plan.in_flight++;
    corral_info("transition %" PRIu64 ": %s", ctl->plan.id, a->id);
    corral__ctl_send(ctl, m);
}

static void plan_finish(corral_controller_t *ctl)
{
    bool again = ctl->schedule_again || ctl->plan.aborted;
    size_t failed = 0;
    for (size_t i = 0; i < ctl->plan.n; i++) failed += ctl->plan.a[i].state == PA_FAILED;
    corral_notice("transition %" PRIu64 ": %s (%zu actions, %zu failed)", ctl->plan.id,
                  ctl->plan.aborted ? "aborted" : "complete", ctl->plan.n, failed);
    plan_clear(&ctl->plan);
    ctl->schedule_again = false;
    /* After a clean transition, one more run confirms there is nothing left. */
    (void)again;
    corral__ctl_schedule_soon(ctl);
    corral__ctl_check_waiters(ctl);
}

static void plan_dispatch(corral_controller_t *ctl)
{
    struct plan *p = &ctl->plan;
    size_t held = 0; /* startup fences waiting for their grace */
    if (!p->aborted) {
        for (size_t i = 0; i < p->n; i++) {
            struct plan_action *a = &p->a[i];
            if (a->state != PA_PENDING) continue;
            bool ready = true;
            for (size_t k = 0; k < a->n_after && ready; k++)
                ready = p->a[a->after[k]].state == PA_DONE;
            if (!ready) continue;
            if (!strcmp(a->kind, "fence")) {
                struct cnode *t = corral__ctl_node(ctl, a->node, false);
                uint64_t left = 0;
                if (a->startup && t && t->seen) {
                    /* It joined (or was fenced) meanwhile: no reason left to fence it. */
                    p->aborted = true;
                    break;
                }
                if (a->startup && t && in_startup_grace(ctl, t, &left)) {
                    /* Never seen yet: give it startup-fencing-grace to join. */
                    if (!ctl->grace_armed) {
                        corral_notice("node %s: not seen since startup: fenced in %" PRIu64
                                      " ms unless it joins (startup-fencing-grace)",
                                      a->node, left);
                        if (qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, (left + 1) * 1000000ULL, ctl,
                                              grace_over, &ctl->grace_timer) == 0)
                            ctl->grace_armed = true;
                    }
                    held++;
                    continue;
                }
                a->state = PA_IN_FLIGHT;
                p->in_flight++;
                corral_info("transition %" PRIu64 ": %s", p->id, a->id);
                corral__ctl_request_fence(ctl, a->node, ctl->cfg->cluster.fence_action_off, p->id,
                                          i);
                continue;
            }
            /* Recurring monitors are each node's own business (ensure_monitors). */
            if (a->interval_ms && !strcmp(a->kind, "monitor")) {
                a->state = PA_DONE;
                i = (size_t)-1; /* something may have become ready: start over */
                continue;
            }
            struct cnode *n = corral__ctl_node(ctl, a->node, false);
            if (!n || !n->member) {
                a->state = PA_FAILED;
                p->aborted = true;
                break;
            }
            plan_send(ctl, i);
        }
    }
    if (p->in_flight == 0 && held && !p->aborted) return; /* the grace timer comes back */
    if (p->in_flight == 0) {
        bool all_done = true;
        for (size_t i = 0; i < p->n; i++) all_done &= p->a[i].state == PA_DONE;
        if (all_done || p->aborted)
            plan_finish(ctl);
        else if (!p->aborted) {
            /* Nothing runs and nothing can start: a dependency failed. */
            p->aborted = true;
            plan_finish(ctl);
        }
    }
}

static void plan_result(corral_controller_t *ctl, const corral_msg_t *m, bool failed)
{
    int64_t tr = 0, act = 0;
    if (corral_msg_get_i64(m, "tr", &tr) < 0 || corral_msg_get_i64(m, "act", &act) < 0) return;
    if ((uint64_t)tr != ctl->plan.id || (size_t)act >= ctl->plan.n) return;
    struct plan_action *a = &ctl->plan.a[act];
    if (a->state != PA_IN_FLIGHT) return;
    a->state = failed ? PA_FAILED : PA_DONE;
    ctl->plan.in_flight--;
    if (failed) ctl->plan.aborted = true;
    plan_dispatch(ctl);
}

/* ------------------------------------------------------------ fencing */

void corral__ctl_send_fence_result(corral_controller_t *ctl, const char *target, const char *action,
                                   const char *device, bool ok, const char *reason, uint64_t tr,
                                   size_t act)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_FENCE_RESULT);
    corral_msg_add(m, "target", target);
    corral_msg_add(m, "action", action);
    corral_msg_add(m, "device", device);
    corral_msg_add(m, "result", ok ? "ok" : "failed");
    corral_msg_add(m, "reason", reason ? reason : "");
    corral_msg_add(m, "by", ctl->node_name);
    corral_msg_addf(m, "tr", "%" PRIu64, tr);
    corral_msg_addf(m, "act", "%zu", act);
    corral__ctl_send(ctl, m);
}

/* Who fences `target`: us when we are not it, else the lowest-id ready member that is not. */
static const char *fencer_for(corral_controller_t *ctl, const char *target)
{
    if (strcmp(target, ctl->node_name)) return ctl->node_name;
    struct cnode *best = NULL;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        if (!n->member || !n->ready || !strcmp(n->name, target)) continue;
        if (!best || n->id < best->id) best = n;
    }
    /* No one else: a node may fence itself (its devices decide whether that works). */
    return best ? best->name : ctl->node_name;
}

/* Is this a two-node cluster (configured or seen)? Then a split leaves two quorate halves. */
static bool two_node_cluster(const corral_controller_t *ctl)
{
    size_t k = 0;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        const struct cnode *n = &ctl->nodes[i];
        if (n->member || n->seen || (ctl->cfg && corral_config_node_index(ctl->cfg, n->name) >= 0))
            k++;
    }
    return k == 2;
}

/* A resource's priority, inherited from its group or clone when it sets none. */
static int rsc_priority(const corral_config_t *c, const char *instance)
{
    char id[256];
    size_t len = strcspn(instance, ":"); /* clone instances are ID:N */
    if (len >= sizeof(id)) return 0;
    memcpy(id, instance, len);
    id[len] = '\0';
    corral_ref_t r = corral_config_find(c, id);
    if (r.kind != CORRAL_REF_PRIMITIVE) return 0;
    const corral_resource_t *p = &c->resources[r.index];
    if (p->meta.priority_set) return p->meta.priority;
    if (p->group >= 0 && c->groups[p->group].meta.priority_set)
        return c->groups[p->group].meta.priority;
    if (p->clone >= 0 && c->clones[p->clone].meta.priority_set)
        return c->clones[p->clone].meta.priority;
    return 0;
}

/*
 * How much `node` runs, for choosing which side of a two-node split
 * survives: each active resource counts 1 plus its priority (when
 * positive), each promoted instance 1 more. Both halves compute this from
 * the same broadcast history, so they agree without talking.
 */
static int64_t node_weight(corral_controller_t *ctl, const corral_status_t *st, const char *node)
{
    int64_t w = 0;
    for (size_t i = 0; i < st->n_resources; i++) {
        const corral_status_resource_t *r = &st->resources[i];
        for (size_t k = 0; k < r->active_on.n; k++)
            if (!strcmp(r->active_on.names[k], node)) {
                int prio = ctl->cfg ? rsc_priority(ctl->cfg, r->id) : 0;
                w += 1 + (prio > 0 ? prio : 0);
            }
        for (size_t k = 0; k < r->promoted_on.n; k++)
            if (!strcmp(r->promoted_on.names[k], node)) w++;
    }
    return w;
}

/*
 * The automatic fence delay of a two-node cluster: when each half of a split
 * keeps quorum (corosync's two_node), both would fence the other at once.
 * Fencing the node that should survive (the one running more; on a tie the
 * lower node id) waits `two-node-fence-delay`, so its peer is shot first.
 * Only a node that left us can be shooting back.
 */
static uint32_t auto_fence_delay(corral_controller_t *ctl, const char *target)
{
    if (!ctl->cfg || !ctl->cfg->cluster.two_node_fence_delay_ms || !two_node_cluster(ctl)) return 0;
    const struct cnode *t = NULL, *peer = NULL;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        const struct cnode *n = &ctl->nodes[i];
        if (!strcmp(n->name, target))
            t = n;
        else if (n->member || n->seen || corral_config_node_index(ctl->cfg, n->name) >= 0)
            peer = n;
    }
    /* A member (fenced by hand, or for a failed stop) is on our side: no race. */
    if (!t || !peer || t->member) return 0;
    corral_status_t *st = corral__ctl_build_status(ctl);
    int64_t wt = node_weight(ctl, st, t->name), wp = node_weight(ctl, st, peer->name);
    corral_status_free(st);
    bool target_survives =
        wt > wp ||
        (wt == wp && (t->id && peer->id ? t->id < peer->id : strcmp(t->name, peer->name) < 0));
    return target_survives ? ctl->cfg->cluster.two_node_fence_delay_ms : 0;
}

void corral__ctl_request_fence(corral_controller_t *ctl, const char *target, bool off, uint64_t tr,
                               size_t act)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_FENCE_REQUEST);
    corral_msg_add(m, "target", target);
    corral_msg_add(m, "action", off ? "off" : "reboot");
    corral_msg_add(m, "by", fencer_for(ctl, target));
    corral_msg_addf(m, "delay", "%" PRIu32, auto_fence_delay(ctl, target));
    corral_msg_addf(m, "tr", "%" PRIu64, tr);
    corral_msg_addf(m, "act", "%zu", act);
    corral__ctl_send(ctl, m);
}

static void local_fence_done(void *ud, const char *target, bool ok, const char *device,
                             const char *reason)
{
    corral_controller_t *ctl = ud;
    for (size_t i = 0; i < ctl->n_fences; i++) {
        struct local_fence *f = &ctl->fences[i];
        if (strcmp(f->target, target)) continue;
        corral__ctl_send_fence_result(ctl, target,
                                      ctl->cfg->cluster.fence_action_off ? "off" : "reboot", device,
                                      ok, reason, f->tr, f->act);
        free(f->target);
        ctl->fences[i] = ctl->fences[--ctl->n_fences];
        return;
    }
}

static void on_fence_request(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *target = corral_msg_get(m, "target"), *by = corral_msg_get(m, "by");
    const char *action = corral_msg_get(m, "action");
    int64_t tr = 0, act = 0;
    if (!target || !by || !action || strcmp(by, ctl->node_name)) return;
    corral_msg_get_i64(m, "tr", &tr);
    corral_msg_get_i64(m, "act", &act);
    int64_t delay = 0; /* absent from older nodes: none */
    if (corral_msg_get_i64(m, "delay", &delay) < 0 || delay < 0 || delay > UINT32_MAX) delay = 0;
    for (size_t i = 0; i < ctl->n_fences; i++)
        if (!strcmp(ctl->fences[i].target, target)) {
            /* Already at it: the running attempt answers for this request too. */
            ctl->fences[i].tr = (uint64_t)tr;
            ctl->fences[i].act = (size_t)act;
            return;
        }
    struct local_fence f = {NULL, corral_xstrdup(target), (uint64_t)tr, (size_t)act};
    CORRAL_PUSH(ctl->fences, ctl->n_fences, ctl->cap_fences, f);
    int rc = corral_fence_start(ctl->loop, ctl->reg, ctl->cfg, ctl->node_name, target, action,
                                (uint32_t)delay, local_fence_done, ctl,
                                &ctl->fences[ctl->n_fences - 1].op);
    if (rc < 0) {
        char *why = corral_xasprintf("no fence device can fence %s", target);
        corral_err("fencing %s: %s", target, why);
        local_fence_done(ctl, target, false, "none", why);
        free(why);
    }
}

static void retry_schedule(void *data)
{
    corral_controller_t *ctl = data;
    ctl->retry_armed = false;
    corral__ctl_schedule_soon(ctl);
}

static void on_fence_result(corral_controller_t *ctl, const corral_msg_t *m)
{
    const char *target = corral_msg_get(m, "target"), *result = corral_msg_get(m, "result");
    const char *action = corral_msg_get(m, "action"), *device = corral_msg_get(m, "device");
    const char *reason = corral_msg_get(m, "reason");
    if (!target || !result || !action) return;
    bool ok = !strcmp(result, "ok");
    struct fencerec fr = {
        corral_xstrdup(target), corral_xstrdup(action), corral_xstrdup(device ? device : ""),
        ok ? corral_xstrdup("ok") : corral_xasprintf("failed: %s", reason ? reason : ""),
        (int64_t)(corral_wall_ms() / 1000)};
    CORRAL_PUSH(ctl->fencing, ctl->n_fencing, ctl->cap_fencing, fr);
    if (ok) {
        corral_notice("node %s: fenced (%s by %s)", target, action, device ? device : "?");
        struct cnode *n = corral__ctl_node(ctl, target, true);
        /* Its resources are known stopped now: its history is void. */
        corral_ophistory_clear(n->hist);
        n->unclean = false;
        n->seen = true;
        if (!strcmp(target, ctl->node_name)) corral_warn("node %s: we were fenced", target);
        /*
         * Another attempt of ours at the same target (a retry, or one held by
         * a delay) must not go on: the node is down now, and when it powers
         * on again, that attempt would shoot a healthy node.
         */
        for (size_t i = 0; i < ctl->n_fences;) {
            struct local_fence *f = &ctl->fences[i];
            if (strcmp(f->target, target)) {
                i++;
                continue;
            }
            corral_notice("fencing %s: called off, it is down already", target);
            corral_fence_cancel(f->op);
            free(f->target);
            ctl->fences[i] = ctl->fences[--ctl->n_fences];
        }
    } else {
        corral_err("node %s: fencing failed: %s", target, reason ? reason : "");
    }
    if (!corral__ctl_is_dc(ctl)) return;
    /* Any fence of this target in the plan is settled by this result. */
    for (size_t i = 0; i < ctl->plan.n; i++) {
        struct plan_action *a = &ctl->plan.a[i];
        if (strcmp(a->kind, "fence") || strcmp(a->node, target)) continue;
        if (a->state == PA_IN_FLIGHT) ctl->plan.in_flight--;
        if (a->state == PA_IN_FLIGHT || a->state == PA_PENDING) a->state = ok ? PA_DONE : PA_FAILED;
        if (!ok) ctl->plan.aborted = true;
    }
    if (!ok && !ctl->retry_armed) {
        /* Try again, but not in a tight loop against a broken device. */
        ctl->retry_armed = true;
        qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, 5000 * 1000000ULL, ctl, retry_schedule,
                          &ctl->retry_timer);
    }
    if (ctl->plan.n)
        plan_dispatch(ctl);
    else if (ok)
        corral__ctl_schedule_soon(ctl);
}

/* ------------------------------------------------------------ link callbacks */

static void on_deliver(void *ud, uint32_t from, const void *buf, size_t len)
{
    corral_controller_t *ctl = ud;
    corral_msg_t *m = NULL;
    const char *why = NULL;
    if (corral_msg_decode(buf, len, &m, &why) < 0) {
        corral_warn("cluster: dropped a malformed message of %zu bytes from node %u: %s", len, from,
                    why);
        return;
    }
    switch (m->type) {
    case CORRAL_MSG_HELLO: {
        const char *node = corral_msg_get(m, "node");
        int64_t epoch = 0;
        if (!node) break;
        struct cnode *n = corral__ctl_node(ctl, node, true);
        n->id = from;
        n->member = true;
        n->seen = true;
        n->hello = true;
        n->leaving = false;
        n->unclean = false;
        corral_msg_get_i64(m, "epoch", &epoch);
        n->epoch = (uint64_t)epoch;
        const char *d = corral_msg_get(m, "digest");
        snprintf(n->digest, sizeof(n->digest), "%s", d ? d : "");
        const char *dc = corral_msg_get(m, "dc");
        free(n->dc_claim);
        n->dc_claim = dc ? corral_xstrdup(dc) : NULL;
        /* The newest config reaches a node that has an older one. */
        if (n->epoch < ctl->ver.epoch && corral__ctl_is_dc(ctl)) send_config(ctl);
        /* Same epoch, other content (say, a node seeded from another file): reported, never
         * merged; `corral status` shows it until a push settles it. */
        if (n->epoch == ctl->ver.epoch && n->digest[0] && strcmp(n->digest, ctl->ver.digest))
            corral_err("config: conflict: node %s has epoch %" PRIu64 " with digest %.12s, "
                       "this node %.12s; not merged (push a config to resolve)",
                       node, n->epoch, n->digest, ctl->ver.digest);
        elect(ctl);
        break;
    }
    case CORRAL_MSG_CONFIG:
        on_config(ctl, m);
        break;
    case CORRAL_MSG_OP_RESULT:
        on_op_result(ctl, m);
        break;
    case CORRAL_MSG_ATTR:
        on_attr(ctl, m);
        break;
    case CORRAL_MSG_HISTORY:
        on_history(ctl, m);
        break;
    case CORRAL_MSG_ACTION:
        on_action(ctl, m);
        break;
    case CORRAL_MSG_CLEANUP:
        on_cleanup(ctl, m);
        break;
    case CORRAL_MSG_FENCE_REQUEST:
        on_fence_request(ctl, m);
        break;
    case CORRAL_MSG_FENCE_RESULT:
        on_fence_result(ctl, m);
        break;
    case CORRAL_MSG_NODE_STATE:
        on_node_state(ctl, m);
        break;
    case CORRAL_MSG_SHUTDOWN: {
        const char *node = corral_msg_get(m, "node");
        struct cnode *n = node ? corral__ctl_node(ctl, node, false) : NULL;
        if (n) {
            corral_notice("node %s: shutting down: moving its resources away", node);
            n->leaving = true;
            if (ctl->dc && !strcmp(ctl->dc, node) && ctl->n_nodes > 1) elect(ctl);
            corral__ctl_schedule_soon(ctl);
        }
        break;
    }
    default:
        corral_debug("cluster: ignoring a %s message", corral_msg_type_str(m->type));
        break;
    }
    corral_msg_free(m);
    corral__ctl_check_waiters(ctl);
}

static void on_members(void *ud, const corral_link_member_t *members, size_t n,
                       const corral_link_member_t *joined, size_t n_joined,
                       const corral_link_member_t *left, size_t n_left)
{
    corral_controller_t *ctl = ud;
    for (size_t i = 0; i < n; i++) {
        struct cnode *c = corral__ctl_node(ctl, members[i].name, true);
        c->id = members[i].id;
        c->member = true;
        c->seen = true;
    }
    for (size_t i = 0; i < n_left; i++) {
        struct cnode *c = corral__ctl_node(ctl, left[i].name, true);
        c->member = false;
        c->hello = false;
        c->ready = false;
        free(c->dc_claim);
        c->dc_claim = NULL;
        if (!c->leaving) {
            c->unclean = true;
            corral_warn("node %s: left the cluster uncleanly", c->name);
        } else {
            corral_notice("node %s: left the cluster cleanly", c->name);
        }
    }
    bool me_joined = false;
    for (size_t i = 0; i < n_joined; i++) {
        struct cnode *c = corral__ctl_node(ctl, joined[i].name, true);
        c->id = joined[i].id;
        c->member = true;
        c->seen = true;
        if (!strcmp(joined[i].name, ctl->node_name)) me_joined = true;
    }
    /* Everyone introduces itself again so a joiner learns who is who, and
     * sends its history so the joiner knows what runs where (and that we
     * are ready): a joiner may be the next DC. */
    if (n_joined) {
        send_node_states(ctl);
        send_hello(ctl);
    }
    if (me_joined)
        start_probes(ctl);
    else if (n_joined && !ctl->probing)
        send_history(ctl);
    elect(ctl);
    corral__ctl_schedule_soon(ctl);
}

static void on_quorum(void *ud, bool quorate)
{
    corral_controller_t *ctl = ud;
    if (ctl->quorate != quorate) corral_notice("cluster: quorum %s", quorate ? "acquired" : "lost");
    ctl->quorate = quorate;
    corral__ctl_schedule_soon(ctl);
}

static void on_lost(void *ud, const char *why)
{
    corral_controller_t *ctl = ud;
    corral_crit("cluster: %s: stopping", why);
    qb_loop_stop(ctl->loop);
}

/* ------------------------------------------------------------ timers */

static void recheck(void *data)
{
    corral_controller_t *ctl = data;
    ctl->recheck_armed = false;
    corral__ctl_schedule_soon(ctl);
    arm_recheck(ctl);
}

/* Plan again at the recheck interval, or sooner when a failure expires. */
static void arm_recheck(corral_controller_t *ctl)
{
    if (ctl->recheck_armed) qb_loop_timer_del(ctl->loop, ctl->recheck_timer);
    ctl->recheck_armed = false;
    if (!ctl->cfg) return;
    uint64_t ms = ctl->cfg->cluster.recheck_interval_ms ? ctl->cfg->cluster.recheck_interval_ms
                                                        : 15 * 60 * 1000;
    int64_t now = (int64_t)(corral_wall_ms() / 1000);
    for (size_t i = 0; i < ctl->n_fails; i++) {
        const corral_resource_t *r = find_rsc(ctl->cfg, ctl->fails[i].rsc);
        if (!r || !r->failure_timeout_ms || ctl->fails[i].last < 0) continue;
        int64_t expiry = ctl->fails[i].last + (int64_t)(r->failure_timeout_ms / 1000) + 1;
        uint64_t in = expiry > now ? (uint64_t)(expiry - now) * 1000 : 1000;
        if (in < ms) ms = in;
    }
    ctl->recheck_armed = true;
    qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, ms * 1000000ULL, ctl, recheck, &ctl->recheck_timer);
}

/* ------------------------------------------------------------ lifecycle */

static int seed_config(corral_controller_t *ctl, char **error_out)
{
    corral_cfg_version_t ver;
    char *text = NULL;
    int rc = corral_cfgstore_latest(ctl->store, &ver, &text);
    if (rc == 0) {
        if (ctl->config_file) {
            char *file_text = NULL;
            if (corral_read_file(ctl->config_file, &file_text, NULL) == 0 &&
                strcmp(file_text, text))
                corral_notice("config: %s differs from the stored epoch %" PRIu64
                              ", which stays authoritative (SIGHUP or `corral config push` "
                              "applies the file)",
                              ctl->config_file, ver.epoch);
            free(file_text);
        }
    } else {
        if (!ctl->config_file) {
            *error_out = corral_xasprintf("the state directory %s holds no config and no "
                                          "--config file was given",
                                          ctl->state_dir);
            return -ENOENT;
        }
        rc = corral_read_file(ctl->config_file, &text, NULL);
        if (rc < 0) {
            *error_out = corral_xasprintf("cannot read %s: %s", ctl->config_file, strerror(-rc));
            return rc;
        }
        memset(&ver, 0, sizeof(ver));
        ver.epoch = 1;
        ver.time_ms = corral_wall_ms();
        /* In cluster mode the node's name comes from corosync, after this. */
        snprintf(ver.origin, sizeof(ver.origin), "%s", ctl->node_name ? ctl->node_name : "-");
    }
    corral_config_t *cfg = NULL;
    char *err = NULL;
    const char *name = rc == 0 && ctl->config_file && ver.epoch == 1 ? ctl->config_file : "config";
    if (load_text(ctl, ver.epoch == 1 && ctl->config_file ? ctl->config_file : name, text, &cfg,
                  &err) < 0) {
        *error_out = corral_xasprintf("the config does not verify:\n%s", err ? err : "");
        free(err);
        free(text);
        return -EINVAL;
    }
    if (!ver.digest[0]) {
        snprintf(ver.digest, sizeof(ver.digest), "%s", cfg->digest);
        rc = corral_cfgstore_save(ctl->store, &ver, text);
        if (rc < 0) {
            *error_out = corral_xasprintf("cannot store the config: %s", strerror(-rc));
            corral_config_free(cfg);
            free(text);
            return rc;
        }
    }
    ctl->cfg = cfg;
    ctl->cfg_text = text;
    ctl->ver = ver;
    corral_notice("config: epoch %" PRIu64 " (digest %.12s) is active", ver.epoch, ver.digest);
    return 0;
}

int corral_controller_new(qb_loop_t *loop, const corral_controller_opts_t *opts,
                          corral_controller_t **ctl_out, char **error_out)
{
    if (!loop || !opts || !opts->state_dir || (opts->standalone && !opts->node_name)) {
        *error_out = corral_xstrdup("missing state directory or node name");
        return -EINVAL;
    }
    corral_controller_t *ctl = corral_xcalloc(1, sizeof(*ctl));
    ctl->loop = loop;
    ctl->state_dir = corral_xstrdup(opts->state_dir);
    ctl->config_file = opts->config_file ? corral_xstrdup(opts->config_file) : NULL;
    ctl->standalone = opts->standalone;
    ctl->started_mono = corral_mono_ms();
    int rc = corral_mkdir_p(ctl->state_dir, 0750);
    if (rc < 0) {
        *error_out = corral_xasprintf("cannot create the state directory %s: %s", ctl->state_dir,
                                      strerror(-rc));
        goto fail;
    }
    rc = corral_cfgstore_open(ctl->state_dir, &ctl->store);
    if (rc < 0) {
        *error_out = corral_xasprintf("cannot open the config store in %s: %s", ctl->state_dir,
                                      strerror(-rc));
        goto fail;
    }
    corral_link_callbacks_t cb = {
        .deliver = on_deliver, .members = on_members, .quorum = on_quorum, .lost = on_lost};
    if (opts->standalone) {
        ctl->node_name = corral_xstrdup(opts->node_name);
    } else {
        /* The cluster name comes from the config; read it before joining. */
    }
    /* Agents are checked against the config's own search paths. */
    rc = seed_config(ctl, error_out);
    if (rc < 0) goto fail;
    new_registry(ctl);
    if (!ctl->reg) {
        *error_out = corral_xstrdup("cannot set up the agent registry");
        rc = -ENOMEM;
        goto fail;
    }
    if (opts->standalone) {
        rc = corral_link_local_new(loop, ctl->node_name, &cb, ctl, &ctl->link);
    } else {
        rc =
            corral_link_corosync_new(loop, ctl->cfg->cluster.name, &cb, ctl, &ctl->link, error_out);
        if (rc == 0) ctl->node_name = corral_xstrdup(corral_link_local_name(ctl->link));
    }
    if (rc < 0) {
        if (!*error_out)
            *error_out = corral_xasprintf("cannot join the cluster: %s", strerror(-rc));
        goto fail;
    }
    corral__ctl_node(ctl, ctl->node_name, true);
    for (size_t i = 0; i < ctl->cfg->n_nodes; i++)
        corral__ctl_node(ctl, ctl->cfg->nodes[i].name, true);

    corral_executor_opts_t eo = {
        .node = ctl->node_name, .state_dir = ctl->state_dir, .get_attr = get_attr, .attr_ud = ctl};
    corral_executor_callbacks_t ecb = {.result = on_exec_result, .attr = on_exec_attr, .ud = ctl};
    rc = corral_executor_new(loop, ctl->reg, &eo, &ecb, &ctl->ex);
    if (rc < 0) {
        *error_out = corral_xasprintf("cannot start the executor: %s", strerror(-rc));
        goto fail;
    }
    rc = corral_ipc_server_new(loop, corral__ctl_ipc_request, ctl, &ctl->ipc);
    if (rc < 0) {
        *error_out =
            corral_xasprintf("cannot serve IPC as '%s': %s", corral_ipc_name(), strerror(-rc));
        goto fail;
    }
    arm_recheck(ctl);
    corral_notice("node %s: corrald started (%s), state in %s", ctl->node_name,
                  ctl->standalone ? "standalone" : "cluster", ctl->state_dir);
    *ctl_out = ctl;
    return 0;
fail:
    corral_controller_free(ctl);
    return rc < 0 ? rc : -EINVAL;
}

static void shutdown_check(corral_controller_t *ctl)
{
    if (!ctl->shutting_down || !ctl->shutdown_done) return;
    /* Done once nothing of ours runs and nothing is in flight. */
    const corral_ophistory_t *h = corral_executor_ophistory(ctl->ex);
    for (size_t i = 0; ctl->cfg && i < ctl->cfg->n_resources; i++) {
        const corral_rsc_history_t *rh = corral_ophistory_get(h, ctl->cfg->resources[i].id);
        corral_rsc_state_t st;
        if (!rh) continue;
        corral_rsc_history_state(rh, &st);
        if (st.active && !st.stop_failed) return;
    }
    if (corral_executor_pending_count(ctl->ex) || ctl->plan.n) return;
    void (*done)(void *) = ctl->shutdown_done;
    ctl->shutdown_done = NULL;
    done(ctl->shutdown_ud);
}

static void shutdown_poll(void *data)
{
    corral_controller_t *ctl = data;
    ctl->shutdown_armed = false;
    shutdown_check(ctl);
    if (ctl->shutdown_done) {
        ctl->shutdown_armed = true;
        qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, 100 * 1000000ULL, ctl, shutdown_poll,
                          &ctl->shutdown_timer);
    }
}

void corral_controller_shutdown(corral_controller_t *ctl, void (*done)(void *ud), void *ud)
{
    if (ctl->shutting_down) {
        corral_warn("node %s: asked again to stop: leaving now", ctl->node_name);
        ctl->shutdown_done = NULL;
        done(ud);
        return;
    }
    ctl->shutting_down = true;
    ctl->shutdown_done = done;
    ctl->shutdown_ud = ud;
    corral_notice("node %s: shutting down: moving resources away first", ctl->node_name);
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_SHUTDOWN);
    corral_msg_add(m, "node", ctl->node_name);
    corral__ctl_send(ctl, m);
    shutdown_poll(ctl);
}

void corral_controller_reload(corral_controller_t *ctl)
{
    if (!ctl->config_file) {
        corral_warn("config: SIGHUP without --config: nothing to push");
        return;
    }
    char *text = NULL;
    int rc = corral_read_file(ctl->config_file, &text, NULL);
    if (rc < 0) {
        corral_err("config: cannot read %s: %s", ctl->config_file, strerror(-rc));
        return;
    }
    char *err = NULL;
    if (corral__ctl_push(ctl, text, ctl->config_file, &err) != 0)
        corral_err("config: %s not pushed:\n%s", ctl->config_file, err ? err : "");
    free(err);
    free(text);
}

void corral_controller_free(corral_controller_t *ctl)
{
    if (!ctl) return;
    if (ctl->recheck_armed) qb_loop_timer_del(ctl->loop, ctl->recheck_timer);
    if (ctl->waiter_armed) qb_loop_timer_del(ctl->loop, ctl->waiter_timer);
    if (ctl->shutdown_armed) qb_loop_timer_del(ctl->loop, ctl->shutdown_timer);
    if (ctl->retry_armed) qb_loop_timer_del(ctl->loop, ctl->retry_timer);
    if (ctl->grace_armed) qb_loop_timer_del(ctl->loop, ctl->grace_timer);
    for (size_t i = 0; i < ctl->n_fences; i++) {
        corral_fence_cancel(ctl->fences[i].op);
        free(ctl->fences[i].target);
    }
    free(ctl->fences);
    if (ctl->schedule_queued) qb_loop_timer_del(ctl->loop, ctl->schedule_timer);
    for (size_t i = 0; i < ctl->n_waiters; i++)
        corral_ipc_reply(ctl->waiters[i].req, 1, "", "corrald is stopping.\n");
    free(ctl->waiters);
    corral_ipc_server_free(ctl->ipc);
    corral_executor_free(ctl->ex);
    corral_link_free(ctl->link);
    corral_registry_free(ctl->reg);
    corral_cfgstore_free(ctl->store);
    corral_config_free(ctl->cfg);
    corral_config_free(ctl->prev_cfg);
    plan_clear(&ctl->plan);
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        free(ctl->nodes[i].name);
        free(ctl->nodes[i].dc_claim);
        corral_ophistory_free(ctl->nodes[i].hist);
        corral_kvlist_clear(&ctl->nodes[i].attrs);
    }
    free(ctl->nodes);
    for (size_t i = 0; i < ctl->n_fails; i++) {
        free(ctl->fails[i].rsc);
        free(ctl->fails[i].node);
    }
    free(ctl->fails);
    for (size_t i = 0; i < ctl->n_fencing; i++) {
        free(ctl->fencing[i].target);
        free(ctl->fencing[i].action);
        free(ctl->fencing[i].device);
        free(ctl->fencing[i].result);
    }
    free(ctl->fencing);
    for (size_t i = 0; i < ctl->n_restart; i++) free(ctl->restart[i]);
    free(ctl->restart);
    free(ctl->ops);
    free(ctl->cfg_text);
    free(ctl->last_summary);
    free(ctl->dc);
    free(ctl->node_name);
    free(ctl->state_dir);
    free(ctl->config_file);
    free(ctl);
}
