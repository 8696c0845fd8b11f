/* The controller's answers to `corral` requests over IPC. Commands that
 * change the cluster become config pushes or cluster messages, so they go
 * through the same ordered path as everything else. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller_int.h"
#include "iniedit.h"
#include "log.h"
#include "scheduler.h"
#include "util.h"

enum wait_kind { WAIT_IDLE, WAIT_EPOCH };

static void arm_waiter_timer(corral_controller_t *ctl);

static void waiter_timeout(void *data)
{
    corral_controller_t *ctl = data;
    ctl->waiter_armed = false;
    corral__ctl_check_waiters(ctl);
    if (!ctl->waiter_armed) arm_waiter_timer(ctl);
}

/* A waiter's deadline answers it even when nothing else happens meanwhile. */
static void arm_waiter_timer(corral_controller_t *ctl)
{
    if (ctl->waiter_armed) qb_loop_timer_del(ctl->loop, ctl->waiter_timer);
    ctl->waiter_armed = false;
    uint64_t first = 0;
    for (size_t i = 0; i < ctl->n_waiters; i++) {
        uint64_t d = ctl->waiters[i].deadline_ms;
        if (d && (!first || d < first)) first = d;
    }
    if (!first) return;
    uint64_t now = corral_mono_ms();
    uint64_t ms = first > now ? first - now : 0;
    if (qb_loop_timer_add(ctl->loop, QB_LOOP_LOW, (ms + 1) * 1000000ULL, ctl, waiter_timeout,
                          &ctl->waiter_timer) == 0)
        ctl->waiter_armed = true;
}

static void add_waiter(corral_controller_t *ctl, corral_ipc_request_t *req, enum wait_kind kind,
                       uint64_t epoch, uint64_t timeout_ms)
{
    struct waiter w = {req, timeout_ms ? corral_mono_ms() + timeout_ms : 0, kind == WAIT_EPOCH,
                       epoch};
    CORRAL_PUSH(ctl->waiters, ctl->n_waiters, ctl->cap_waiters, w);
    arm_waiter_timer(ctl);
}

void corral__ctl_check_waiters(corral_controller_t *ctl)
{
    uint64_t now = corral_mono_ms();
    bool answered = false;
    for (size_t i = 0; i < ctl->n_waiters;) {
        struct waiter *w = &ctl->waiters[i];
        bool done = false, late = w->deadline_ms && now >= w->deadline_ms;
        if (!w->for_epoch)
            done = corral__ctl_idle(ctl);
        else
            done = ctl->ver.epoch >= w->epoch;
        if (!done && !late) {
            i++;
            continue;
        }
        if (w->for_epoch) {
            char *out = corral_xasprintf("config epoch %" PRIu64 " (digest %.12s) is active\n",
                                         ctl->ver.epoch, ctl->ver.digest);
            corral_ipc_reply(w->req, done ? 0 : 1, done ? out : "",
                             done ? "" : "the push was not applied in time.\n");
            free(out);
        } else {
            corral_ipc_reply(w->req, done ? 0 : 1, done ? "the cluster is idle\n" : "",
                             done ? "" : "timed out with actions still pending.\n");
        }
        ctl->waiters[i] = ctl->waiters[--ctl->n_waiters];
        answered = true;
    }
    if (answered) arm_waiter_timer(ctl);
}

/* A config section header for an id: "resource vip", "group web", "clone c". */
static char *header_for(const corral_config_t *c, const char *id)
{
    corral_ref_t r = corral_config_find(c, id);
    switch (r.kind) {
    case CORRAL_REF_PRIMITIVE:
        return corral_xasprintf("resource %s", id);
    case CORRAL_REF_GROUP:
        return corral_xasprintf("group %s", id);
    case CORRAL_REF_CLONE:
        return corral_xasprintf("clone %s", id);
    default:
        return NULL;
    }
}

/* Push an edited text and answer when it is active (or refused). */
static void push_and_wait(corral_controller_t *ctl, corral_ipc_request_t *req, char *text,
                          const char *what)
{
    char *err = NULL;
    uint64_t target = ctl->ver.epoch + 1;
    int rc = corral__ctl_push(ctl, text, what, &err);
    free(text);
    if (rc != 0) {
        corral_ipc_reply(req, rc, "", err ? err : "the change was refused.\n");
        free(err);
        return;
    }
    add_waiter(ctl, req, WAIT_EPOCH, target, 10000);
}

/* The node a resource runs on now (first one), or NULL. */
static const char *running_on(corral_controller_t *ctl, const char *rsc)
{
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        const corral_rsc_history_t *h = corral_ophistory_get(ctl->nodes[i].hist, rsc);
        corral_rsc_state_t st;
        if (!h) continue;
        corral_rsc_history_state(h, &st);
        if (st.active) return ctl->nodes[i].name;
    }
    return NULL;
}

/* The first primitive of a resource, group or clone (for "where does it run"). */
static const char *first_primitive(const corral_config_t *c, const char *id)
{
    corral_ref_t r = corral_config_find(c, id);
    if (r.kind == CORRAL_REF_PRIMITIVE) return c->resources[r.index].id;
    if (r.kind == CORRAL_REF_GROUP && c->groups[r.index].n_members)
        return c->resources[c->groups[r.index].members[0]].id;
    if (r.kind == CORRAL_REF_CLONE) {
        corral_ref_t ch = c->clones[r.index].child;
        if (ch.kind == CORRAL_REF_PRIMITIVE) return c->resources[ch.index].id;
        if (ch.kind == CORRAL_REF_GROUP && c->groups[ch.index].n_members)
            return c->resources[c->groups[ch.index].members[0]].id;
    }
    return NULL;
}

static void cmd_resource(corral_controller_t *ctl, corral_ipc_request_t *req)
{
    const char *verb = req->argc > 1 ? req->argv[1] : "";
    const char *rsc = req->argc > 2 ? req->argv[2] : NULL;
    const char *node = req->argc > 3 ? req->argv[3] : NULL;
    if (!rsc) {
        corral_ipc_reply(req, 2, "", "usage: corral resource VERB RESOURCE [NODE]\n");
        return;
    }
    char *hdr = header_for(ctl->cfg, rsc);
    if (!hdr) {
        char *e = corral_xasprintf("no resource, group or clone named '%s' is configured.\n", rsc);
        corral_ipc_reply(req, 2, "", e);
        free(e);
        return;
    }
    if (node && corral_config_node_index(ctl->cfg, node) < 0 &&
        !corral__ctl_node(ctl, node, false)) {
        char *e = corral_xasprintf("no node named '%s' is known.\n", node);
        corral_ipc_reply(req, 2, "", e);
        free(e);
        free(hdr);
        return;
    }
    bool changes = strcmp(verb, "why") != 0;
    if (changes && !req->may_change) {
        corral_ipc_reply(req, 1, "",
                         "permission denied: changing the cluster needs root or the "
                         "haclient group.\n");
        free(hdr);
        return;
    }
    if (!strcmp(verb, "start") || !strcmp(verb, "stop")) {
        char *t = corral_ini_set(ctl->cfg_text, hdr, "target-role",
                                 !strcmp(verb, "stop") ? "stopped" : NULL);
        push_and_wait(ctl, req, t, verb);
    } else if (!strcmp(verb, "restart")) {
        corral__ctl_restart(ctl, rsc);
        char *out = corral_xasprintf("resource %s: restarting\n", rsc);
        corral_ipc_reply(req, 0, out, "");
        free(out);
    } else if (!strcmp(verb, "move") || !strcmp(verb, "ban")) {
        const char *prim = first_primitive(ctl->cfg, rsc);
        const char *cur = prim ? running_on(ctl, prim) : NULL;
        bool move = !strcmp(verb, "move");
        if (!node && !cur) {
            char *e = corral_xasprintf("resource %s runs nowhere: name a node.\n", rsc);
            corral_ipc_reply(req, 2, "", e);
            free(e);
            free(hdr);
            return;
        }
        char *sec;
        const char *where = node;
        const char *score = "INFINITY";
        if (move && node) {
            sec = corral_xasprintf("location cli-prefer-%s", rsc);
        } else {
            where = node ? node : cur;
            sec = corral_xasprintf("location cli-ban-%s-%s", rsc, where);
            score = "-INFINITY";
        }
        char *a = corral_ini_set(ctl->cfg_text, sec, "resource", rsc);
        char *b = corral_ini_set(a, sec, "node", where);
        char *c = corral_ini_set(b, sec, "score", score);
        free(a);
        free(b);
        free(sec);
        push_and_wait(ctl, req, c, verb);
    } else if (!strcmp(verb, "clear")) {
        char *prefix = corral_xasprintf("location cli-ban-%s-", rsc);
        char *pref = corral_xasprintf("location cli-prefer-%s", rsc);
        int n = 0;
        bool removed = false;
        char *a = corral_ini_remove_sections_prefixed(ctl->cfg_text, prefix, &n);
        char *b = corral_ini_remove_section(a, pref, &removed);
        free(a);
        free(prefix);
        free(pref);
        if (!n && !removed) {
            char *out = corral_xasprintf("resource %s: no move or ban to clear\n", rsc);
            corral_ipc_reply(req, 0, out, "");
            free(out);
            free(b);
        } else {
            push_and_wait(ctl, req, b, "clear");
        }
    } else if (!strcmp(verb, "cleanup")) {
        corral__ctl_cleanup(ctl, rsc, node);
        char *out = corral_xasprintf("resource %s: failures forgotten%s%s, probing again\n", rsc,
                                     node ? " on " : "", node ? node : "");
        corral_ipc_reply(req, 0, out, "");
        free(out);
    } else if (!strcmp(verb, "why")) {
        corral_status_t *st = corral__ctl_build_status(ctl);
        corral_transition_t *t = NULL;
        corral_explanation_t *e = NULL;
        int rc = corral_schedule(ctl->cfg, st, &t, &e);
        corral_buf_t b = {0};
        if (rc == 0) {
            const char *prim = first_primitive(ctl->cfg, rsc);
            corral_explanation_format(e, prim ? prim : rsc, node, &b);
        }
        corral_ipc_reply(req, rc == 0 ? 0 : 1, b.s ? b.s : "", rc == 0 ? "" : "scheduler failed\n");
        corral_buf_free(&b);
        corral_explanation_free(e);
        corral_transition_free(t);
        corral_status_free(st);
    } else {
        char *e = corral_xasprintf("unknown resource command '%s'.\n", verb);
        corral_ipc_reply(req, 2, "", e);
        free(e);
    }
    free(hdr);
}

static void cmd_node(corral_controller_t *ctl, corral_ipc_request_t *req)
{
    const char *verb = req->argc > 1 ? req->argv[1] : "";
    const char *node = req->argc > 2 ? req->argv[2] : NULL;
    if (!node) {
        corral_ipc_reply(req, 2, "", "usage: corral node VERB NODE\n");
        return;
    }
    if (!req->may_change) {
        corral_ipc_reply(req, 1, "",
                         "permission denied: changing the cluster needs root or the "
                         "haclient group.\n");
        return;
    }
    if (corral_config_node_index(ctl->cfg, node) < 0 && !corral__ctl_node(ctl, node, false)) {
        char *e = corral_xasprintf("no node named '%s' is known.\n", node);
        corral_ipc_reply(req, 2, "", e);
        free(e);
        return;
    }
    if (!strcmp(verb, "standby") || !strcmp(verb, "online")) {
        char *hdr = corral_xasprintf("node %s", node);
        char *t = corral_ini_set(ctl->cfg_text, hdr, "standby",
                                 !strcmp(verb, "standby") ? "true" : "false");
        free(hdr);
        push_and_wait(ctl, req, t, verb);
    } else if (!strcmp(verb, "fence")) {
        corral__ctl_request_fence(ctl, node, ctl->cfg->cluster.fence_action_off, 0, 0);
        char *out = corral_xasprintf("node %s: fencing requested (see corral status)\n", node);
        corral_ipc_reply(req, 0, out, "");
        free(out);
    } else if (!strcmp(verb, "confirm-down")) {
        struct cnode *n = corral__ctl_node(ctl, node, false);
        if (n && n->member) {
            char *e = corral_xasprintf("node %s is a member of the cluster right now: it is not "
                                       "down.\n",
                                       node);
            corral_ipc_reply(req, 1, "", e);
            free(e);
            return;
        }
        char *who = corral_xasprintf("confirmed down by uid %u", (unsigned)req->uid);
        corral__ctl_send_fence_result(ctl, node, "off", who, true, "", 0, 0);
        free(who);
        char *out = corral_xasprintf("node %s: recorded as down\n", node);
        corral_ipc_reply(req, 0, out, "");
        free(out);
    } else {
        char *e = corral_xasprintf("unknown node command '%s'.\n", verb);
        corral_ipc_reply(req, 2, "", e);
        free(e);
    }
}

/* A plain line diff (longest common subsequence), enough for config files. */
static void line_diff(const char *a, const char *b, corral_buf_t *out)
{
    size_t na = 0, nb = 0;
    char **la = NULL, **lb = NULL;
    size_t ca = 0, cb = 0;
    for (const char *p = a; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        CORRAL_PUSH(la, na, ca, corral_xstrndup(p, len));
        p += len + (nl ? 1 : 0);
    }
    for (const char *p = b; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        CORRAL_PUSH(lb, nb, cb, corral_xstrndup(p, len));
        p += len + (nl ? 1 : 0);
    }
    size_t *t = corral_xcalloc((na + 1) * (nb + 1), sizeof(size_t));
#define T(i, j) t[(i) * (nb + 1) + (j)]
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            T(i, j) = !strcmp(la[i], lb[j])
                          ? T(i + 1, j + 1) + 1
                          : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && !strcmp(la[i], lb[j])) {
            i++;
            j++;
        } else if (j < nb && (i == na || T(i, j + 1) >= T(i + 1, j))) {
            corral_buf_printf(out, "+%s\n", lb[j++]);
        } else {
            corral_buf_printf(out, "-%s\n", la[i++]);
        }
    }
#undef T
    free(t);
    for (size_t k = 0; k < na; k++) free(la[k]);
    for (size_t k = 0; k < nb; k++) free(lb[k]);
    free(la);
    free(lb);
}

/* What a push would do to resources: start, stop, restart. */
static void push_effects(corral_controller_t *ctl, const corral_config_t *next, corral_buf_t *out)
{
    const corral_config_t *cur = ctl->cfg;
    bool *changed = corral_xcalloc(next->n_resources + 1, sizeof(bool));
    bool *restart = corral_xcalloc(next->n_resources + 1, sizeof(bool));
    for (size_t i = 0; i < cur->n_resources; i++) {
        const corral_resource_t *o = &cur->resources[i];
        corral_ref_t r = corral_config_find(next, o->id);
        if (r.kind != CORRAL_REF_PRIMITIVE) {
            corral_buf_printf(out, "  stop     %s (removed)\n", o->id);
            continue;
        }
        const corral_resource_t *n = &next->resources[r.index];
        if (corral__ctl_rsc_changed(o, n) && running_on(ctl, o->id))
            changed[r.index] = restart[r.index] = true;
        else if (corral__ctl_ops_changed(o, n))
            corral_buf_printf(out, "  monitor  %s (operations changed: no restart)\n", o->id);
    }
    corral__ctl_restart_closure(ctl, next, restart, false);
    for (size_t i = 0; i < next->n_resources; i++)
        if (restart[i])
            corral_buf_printf(out, "  restart  %s (%s)\n", next->resources[i].id,
                              changed[i] ? "definition changed" : "depends on a restarted one");
    free(changed);
    free(restart);
    for (size_t i = 0; i < next->n_resources; i++)
        if (corral_config_find(cur, next->resources[i].id).kind != CORRAL_REF_PRIMITIVE)
            corral_buf_printf(out, "  start    %s (new)\n", next->resources[i].id);
    /* What the scheduler would do with the new config on today's status. */
    corral_status_t *st = corral__ctl_build_status(ctl);
    corral_diags_t d = {0};
    if (corral_status_check(st, next, &d) == 0) {
        corral_transition_t *t = NULL;
        if (corral_schedule(next, st, &t, NULL) == 0) {
            corral_buf_t b = {0};
            corral_transition_format_text(t, &b);
            corral_buf_printf(out, "\nThe scheduler would then do:\n%s", b.s ? b.s : "");
            corral_buf_free(&b);
            corral_transition_free(t);
        }
    }
    corral_diags_clear(&d);
    corral_status_free(st);
}

static void cmd_config(corral_controller_t *ctl, corral_ipc_request_t *req)
{
    const char *verb = req->argc > 1 ? req->argv[1] : "";
    if (!strcmp(verb, "show")) {
        if (req->argc > 2) {
            corral_cfg_version_t v;
            char *text = NULL;
            uint64_t e = strtoull(req->argv[2], NULL, 10);
            if (corral_cfgstore_get(ctl->store, e, &v, &text) < 0) {
                corral_ipc_reply(req, 1, "", "no such epoch is kept.\n");
                return;
            }
            corral_ipc_reply(req, 0, text, "");
            free(text);
            return;
        }
        corral_ipc_reply(req, 0, ctl->cfg_text, "");
    } else if (!strcmp(verb, "history")) {
        corral_cfg_version_t *v = NULL;
        size_t n = 0;
        corral_cfgstore_history(ctl->store, &v, &n);
        corral_buf_t b = {0};
        corral_buf_printf(&b, "%-7s %-20s %-12s %-10s %s\n", "EPOCH", "TIME", "DIGEST", "FROM", "");
        for (size_t i = 0; i < n; i++) {
            char when[32];
            corral_format_time((int64_t)(v[i].time_ms / 1000), when, sizeof(when));
            corral_buf_printf(&b, "%-7" PRIu64 " %-20s %-12.12s %-10s %s\n", v[i].epoch, when,
                              v[i].digest, v[i].origin,
                              v[i].epoch == ctl->ver.epoch ? "(active)" : "");
        }
        corral_ipc_reply(req, 0, b.s, "");
        corral_buf_free(&b);
        free(v);
    } else if (!strcmp(verb, "push") || !strcmp(verb, "rollback")) {
        if (!req->may_change) {
            corral_ipc_reply(req, 1, "",
                             "permission denied: changing the cluster needs root or "
                             "the haclient group.\n");
            return;
        }
        char *text = NULL;
        const char *name = req->argc > 2 ? req->argv[2] : "pushed config";
        if (!strcmp(verb, "rollback")) {
            corral_cfg_version_t v;
            uint64_t e = req->argc > 2 ? strtoull(req->argv[2], NULL, 10) : 0;
            if (!e || corral_cfgstore_get(ctl->store, e, &v, &text) < 0) {
                corral_ipc_reply(req, 2, "",
                                 "no such epoch is kept (see corral config history).\n");
                return;
            }
            name = "rollback";
        } else {
            text = corral_xstrdup(req->body ? req->body : "");
        }
        push_and_wait(ctl, req, text, name);
    } else if (!strcmp(verb, "diff")) {
        const char *name = req->argc > 2 ? req->argv[2] : "new config";
        corral_config_t *next = NULL;
        corral_diags_t d = {0};
        corral_config_opts_t o = {.registry = ctl->reg};
        if (corral_config_load_string(name, req->body ? req->body : "", &o, &next, &d) < 0) {
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            corral_diags_print(&d, f);
            fclose(f);
            corral_ipc_reply(req, 2, "", buf);
            free(buf);
            corral_diags_clear(&d);
            return;
        }
        corral_diags_clear(&d);
        corral_buf_t b = {0};
        line_diff(ctl->cfg_text, req->body ? req->body : "", &b);
        if (!b.len) corral_buf_append(&b, "(no difference in the text)\n");
        corral_buf_append(&b, "\nEffects of pushing it:\n");
        size_t before = b.len;
        push_effects(ctl, next, &b);
        if (b.len == before) corral_buf_append(&b, "  none\n");
        corral_ipc_reply(req, 0, b.s, "");
        corral_buf_free(&b);
        corral_config_free(next);
    } else {
        char *e = corral_xasprintf("unknown config command '%s'.\n", verb);
        corral_ipc_reply(req, 2, "", e);
        free(e);
    }
}

static void pending_line(void *ud, const corral_exec_pending_t *p)
{
    corral_buf_t *b = ud;
    corral_buf_printf(b, "%s %s%s\n", p->rsc, p->action, p->running ? " (running)" : "");
}

void corral__ctl_ipc_request(void *ud, corral_ipc_request_t *req)
{
    corral_controller_t *ctl = ud;
    const char *cmd = req->argv[0];
    if (!strcmp(cmd, "status")) {
        const char *format = req->argc > 1 ? req->argv[1] : "text";
        bool color = req->argc > 2 && !strcmp(req->argv[2], "color");
        char *out = corral__ctl_render_status(ctl, format, color);
        corral_ipc_reply(req, 0, out, "");
        free(out);
    } else if (!strcmp(cmd, "pending")) {
        /* For `corral wait`'s progress line: a count, then one line each. */
        corral_buf_t b = {0};
        size_t n = corral_executor_pending_count(ctl->ex);
        size_t in_flight = ctl->plan.n ? ctl->plan.in_flight : 0;
        corral_buf_printf(&b, "%s %zu %zu\n", corral__ctl_idle(ctl) ? "idle" : "busy", n,
                          in_flight);
        corral_executor_foreach_pending(ctl->ex, pending_line, &b);
        corral_ipc_reply(req, 0, b.s, "");
        corral_buf_free(&b);
    } else if (!strcmp(cmd, "wait")) {
        uint64_t timeout = req->argc > 1 ? strtoull(req->argv[1], NULL, 10) : 0;
        add_waiter(ctl, req, WAIT_IDLE, 0, timeout);
        corral__ctl_check_waiters(ctl);
    } else if (!strcmp(cmd, "status-ini")) {
        /* `corral simulate --live`: the status and config the scheduler sees. */
        corral_status_t *st = corral__ctl_build_status(ctl);
        char *text = corral_status_format(st);
        corral_status_free(st);
        corral_ipc_reply(req, 0, text, ctl->cfg_text);
        free(text);
    } else if (!strcmp(cmd, "resource")) {
        cmd_resource(ctl, req);
    } else if (!strcmp(cmd, "node")) {
        cmd_node(ctl, req);
    } else if (!strcmp(cmd, "config")) {
        cmd_config(ctl, req);
    } else {
        char *e = corral_xasprintf("corrald does not know the request '%s'.\n", cmd);
        corral_ipc_reply(req, 2, "", e);
        free(e);
    }
}

void corral__ctl_restart(corral_controller_t *ctl, const char *rsc)
{
    /* Every primitive of a group or clone restarts. */
    corral_ref_t r = corral_config_find(ctl->cfg, rsc);
    const corral_config_t *c = ctl->cfg;
    if (r.kind == CORRAL_REF_PRIMITIVE) {
        CORRAL_PUSH(ctl->restart, ctl->n_restart, ctl->cap_restart, corral_xstrdup(rsc));
    } else {
        for (size_t i = 0; i < c->n_resources; i++) {
            const corral_resource_t *p = &c->resources[i];
            bool in = (r.kind == CORRAL_REF_GROUP && p->group == r.index) ||
                      (r.kind == CORRAL_REF_CLONE && p->clone == r.index);
            if (in)
                CORRAL_PUSH(ctl->restart, ctl->n_restart, ctl->cap_restart, corral_xstrdup(p->id));
        }
    }
    corral__ctl_schedule_soon(ctl);
}
