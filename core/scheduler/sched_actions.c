/*
 * From placement to actions: what stops, starts, restarts, promotes and
 * demotes; which nodes are fenced first; the ordering edges (per resource,
 * groups, order constraints, fencing); the summary and the placement.
 */
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

typedef struct uact {
    long start, promote, demote;
    long *stop; /* per cur node, -1 when none */
    long mon;
} uact_t;

static bool in_list(const int *l, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (l[i] == x) return true;
    return false;
}

/* Units of an item, for orders: a group's every member, a clone's every instance. */
static void item_units(const ws_t *w, int it, int **out, int *n)
{
    const item_t *item = &w->items[it];
    *n = 0;
    *out = NULL;
    if (item->kind == IT_GROUP) {
        const corral_group_t *g = &w->cfg->groups[item->index];
        *out = corral_xcalloc(g->n_members + 1, sizeof(int));
        for (size_t m = 0; m < g->n_members; m++)
            (*out)[(*n)++] = w->items[w->prim_item[g->members[m]]].units[0];
        return;
    }
    *out = corral_xcalloc((size_t)item->n_units + 1, sizeof(int));
    for (int i = 0; i < item->n_units; i++) (*out)[(*n)++] = item->units[i];
}

static bool unit_runs(const unit_t *u)
{
    return u->assigned >= 0;
}

/* A mandatory order whose first does not run stops its `then` (Pacemaker's runnable-left). */
static void apply_order_runnability(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    bool changed = true;
    for (int round = 0; changed && round < 64; round++) {
        changed = false;
        for (size_t i = 0; i < c->n_orders; i++) {
            const corral_order_t *o = &c->orders[i];
            if (o->kind != CORRAL_ORDER_MANDATORY) continue;
            const char *fa = o->first_action ? o->first_action : "start";
            const char *ta = o->then_action ? o->then_action : fa;
            if (strcmp(fa, "start") || strcmp(ta, "start")) continue;
            int fi = corral__sched_ref_item(w, o->first), ti = corral__sched_ref_item(w, o->then);
            if (fi < 0 || ti < 0) continue;
            int *fu, nf, *tu, nt;
            item_units(w, fi, &fu, &nf);
            item_units(w, ti, &tu, &nt);
            bool first_runs = false;
            /* A group is up when its last member is; a clone when any instance is. */
            if (w->items[fi].kind == IT_GROUP)
                first_runs = nf && unit_runs(&w->units[fu[nf - 1]]);
            else
                for (int j = 0; j < nf; j++) first_runs = first_runs || unit_runs(&w->units[fu[j]]);
            if (!first_runs) {
                for (int j = 0; j < nt; j++) {
                    unit_t *u = &w->units[tu[j]];
                    if (u->assigned < 0 || u->mode == UM_FROZEN) continue;
                    w->nodes[u->assigned].num_assigned--;
                    u->assigned = -1;
                    u->promote = false;
                    corral__sched_set_why(w, tu[j], "order %s: %s does not run", o->id,
                                          w->items[fi].id);
                    changed = true;
                }
            }
            free(fu);
            free(tu);
        }
    }
    /*
     * A primitive that was placed but cannot start (the then of such an
     * order) blocks what is INFINITY-colocated with it, even where that
     * already runs (Pacemaker 2.1.5, observed, e30; a group primary blocked
     * so does not). So does a clone none of whose instances can start
     * (observed, e41: `cl` the then of an order whose first cannot run,
     * `r with cl INFINITY`: r stops; difftest seed 30). Once, after the
     * orders: what this blocks does not block the then of its own orders in
     * turn (difftest seed 262).
     */
    for (int ci = 0; ci < w->n_colocs; ci++) {
        const coloc_t *co = &w->colocs[ci];
        const item_t *pi = &w->items[co->primary];
        if (co->score < INF || co->src < 0 || co->dep_role == CORRAL_ROLE_PROMOTED) continue;
        bool blocked = true;
        if (pi->kind == IT_CLONE) {
            for (int j = 0; j < pi->n_units && blocked; j++)
                blocked =
                    w->units[pi->units[j]].assigned < 0 && w->units[pi->units[j]].mode != UM_FROZEN;
        } else if (pi->kind == IT_PRIM && pi->clone < 0 && w->cfg->resources[pi->index].group < 0) {
            const unit_t *pu = &w->units[pi->units[0]];
            blocked = pu->assigned < 0 && pu->mode != UM_FROZEN;
        } else {
            blocked = false;
        }
        if (!blocked) continue;
        int *du, nd;
        item_units(w, co->dep, &du, &nd);
        for (int j = 0; j < nd; j++) {
            unit_t *u = &w->units[du[j]];
            if (u->assigned < 0 || u->mode == UM_FROZEN) continue;
            w->nodes[u->assigned].num_assigned--;
            u->assigned = -1;
            u->promote = false;
            corral__sched_set_why(w, du[j], "colocation %s: %s cannot run", co->id, pi->id);
        }
        free(du);
    }
}

static int order_item(const ws_t *w, corral_ref_t r)
{
    return corral__sched_ref_item(w, r);
}

/* Whether unit u stops on one of its current nodes in this transition. */
static bool stops_somewhere(const ws_t *w, const unit_t *u)
{
    if (u->mode == UM_FROZEN) return false;
    for (int j = 0; j < u->n_cur; j++) {
        int c = u->cur[j];
        if (c != u->assigned || u->restart || in_list(u->failed, u->n_failed, c) ||
            u->multiple_active)
            return true;
        (void)w;
    }
    return false;
}

/* A restart of `first` restarts what a mandatory order or a group puts after it. */
static void propagate_restarts(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    bool changed = true;
    for (int round = 0; changed && round < 256; round++) {
        changed = false;
        /* groups (and cloned groups, per instance) */
        for (int ui = 0; ui < w->n_units; ui++) {
            unit_t *u = &w->units[ui];
            if (u->group < 0 || u->gpos == 0 || u->restart || u->mode == UM_FROZEN) continue;
            if (u->n_cur != 1 || u->assigned != u->cur[0]) continue;
            const corral_group_t *g = &c->groups[u->group];
            const item_t *prev = &w->items[w->prim_item[g->members[u->gpos - 1]]];
            int pu = u->clone >= 0 ? prev->units[u->inst] : prev->units[0];
            if (stops_somewhere(w, &w->units[pu]) && w->units[pu].assigned >= 0) {
                u->restart = true;
                changed = true;
            }
        }
        for (size_t i = 0; i < c->n_orders; i++) {
            const corral_order_t *o = &c->orders[i];
            if (o->kind != CORRAL_ORDER_MANDATORY) continue;
            int fi = order_item(w, o->first), ti = order_item(w, o->then);
            if (fi < 0 || ti < 0) continue;
            int *fu, nf, *tu, nt;
            item_units(w, fi, &fu, &nf);
            item_units(w, ti, &tu, &nt);
            bool interleave = w->items[fi].kind == IT_CLONE && w->items[ti].kind == IT_CLONE &&
                              c->clones[w->items[ti].index].interleave;
            for (int j = 0; j < nf; j++) {
                const unit_t *f = &w->units[fu[j]];
                if (!stops_somewhere(w, f) || f->assigned < 0) continue;
                for (int k = 0; k < nt; k++) {
                    unit_t *t = &w->units[tu[k]];
                    if (t->restart || t->mode == UM_FROZEN || t->n_cur != 1 ||
                        t->assigned != t->cur[0])
                        continue;
                    if (interleave && !in_list(f->cur, f->n_cur, t->cur[0])) continue;
                    t->restart = true;
                    changed = true;
                }
            }
            free(fu);
            free(tu);
        }
    }
}

static const corral_op_spec_t *monitor_op(const corral_resource_t *r, bool promoted)
{
    const corral_op_spec_t *any = NULL;
    for (size_t i = 0; i < r->n_ops; i++) {
        const corral_op_spec_t *op = &r->ops[i];
        if (strcmp(op->action, "monitor") || !op->interval_ms) continue;
        if (promoted && op->role == CORRAL_ROLE_PROMOTED) return op;
        if (!promoted && op->role == CORRAL_ROLE_UNPROMOTED) return op;
        if (op->role == CORRAL_ROLE_ANY && !any) any = op;
    }
    return any;
}

static const char *aid_name(const ws_t *w, const unit_t *u)
{
    if (u->clone >= 0) {
        const corral_clone_t *cl = &w->cfg->clones[u->clone];
        if (cl->unique || cl->per_node > 1) return u->name;
    }
    return w->cfg->resources[u->prim].id;
}

static void order_actions(corral_transition_t *t, long first, long then)
{
    if (first < 0 || then < 0) return;
    corral_transition_order(t, (size_t)first, (size_t)then);
}

static long stop_on(const uact_t *a, const unit_t *u, int node)
{
    for (int j = 0; j < u->n_cur; j++)
        if (u->cur[j] == node) return a->stop[j];
    return -1;
}

static long any_stop(const uact_t *a, const unit_t *u, int k)
{
    return k < u->n_cur ? a->stop[k] : -1;
}

static void add_order_edges(ws_t *w, corral_transition_t *t, uact_t *A)
{
    const corral_config_t *c = w->cfg;
    for (size_t i = 0; i < c->n_orders; i++) {
        const corral_order_t *o = &c->orders[i];
        int fi = order_item(w, o->first), ti = order_item(w, o->then);
        if (fi < 0 || ti < 0) continue;
        const char *fa = o->first_action ? o->first_action : "start";
        const char *ta = o->then_action ? o->then_action : fa;
        int *fu, nf, *tu, nt;
        item_units(w, fi, &fu, &nf);
        item_units(w, ti, &tu, &nt);
        bool interleave = w->items[fi].kind == IT_CLONE && w->items[ti].kind == IT_CLONE &&
                          c->clones[w->items[ti].index].interleave;
        for (int j = 0; j < nf; j++) {
            const unit_t *f = &w->units[fu[j]];
            const uact_t *af = &A[fu[j]];
            for (int k = 0; k < nt; k++) {
                const unit_t *u = &w->units[tu[k]];
                const uact_t *at = &A[tu[k]];
                if (interleave) {
                    int fn = f->assigned >= 0 ? f->assigned : (f->n_cur ? f->cur[0] : -1);
                    int tn = u->assigned >= 0 ? u->assigned : (u->n_cur ? u->cur[0] : -1);
                    if (fn != tn) continue;
                }
                long fx = !strcmp(fa, "start")     ? af->start
                          : !strcmp(fa, "promote") ? af->promote
                          : !strcmp(fa, "demote")  ? af->demote
                                                   : -1;
                long tx = !strcmp(ta, "start")     ? at->start
                          : !strcmp(ta, "promote") ? at->promote
                          : !strcmp(ta, "demote")  ? at->demote
                                                   : -1;
                if (!strcmp(fa, "stop") || !strcmp(ta, "stop")) {
                    for (int x = 0; x < f->n_cur || x == 0; x++) {
                        long f2 = !strcmp(fa, "stop") ? any_stop(af, f, x) : fx;
                        for (int y = 0; y < u->n_cur || y == 0; y++) {
                            long t2 = !strcmp(ta, "stop") ? any_stop(at, u, y) : tx;
                            order_actions(t, f2, t2);
                        }
                        if (!f->n_cur) break;
                    }
                } else {
                    order_actions(t, fx, tx);
                }
                if (!o->symmetrical) continue;
                /* The inverse: then's undoing comes before first's. */
                long ifx = !strcmp(fa, "start") ? -2 : !strcmp(fa, "promote") ? af->demote : -1;
                long itx = !strcmp(ta, "start") ? -2 : !strcmp(ta, "promote") ? at->demote : -1;
                if (ifx == -1 || itx == -1) continue;
                for (int x = 0; x < (f->n_cur ? f->n_cur : 1); x++)
                    for (int y = 0; y < (u->n_cur ? u->n_cur : 1); y++) {
                        long a1 = itx == -2 ? any_stop(at, u, y) : itx;
                        long a2 = ifx == -2 ? any_stop(af, f, x) : ifx;
                        order_actions(t, a1, a2);
                    }
            }
        }
        free(fu);
        free(tu);
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void corral__sched_actions(ws_t *w, corral_transition_t *t)
{
    const corral_config_t *c = w->cfg;
    apply_order_runnability(w);
    /* What restarts in place: recovered failures, multiple-active. */
    for (int ui = 0; ui < w->n_units; ui++) {
        unit_t *u = &w->units[ui];
        if (u->mode == UM_FROZEN || u->assigned < 0) continue;
        if (u->multiple_active || (u->n_failed && in_list(u->failed, u->n_failed, u->assigned)))
            u->restart = in_list(u->cur, u->n_cur, u->assigned);
    }
    propagate_restarts(w);

    t->quorate = w->st->quorate;
    /* Fencing first. */
    long *fence = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(long));
    for (int n = 0; n < w->n_nodes; n++) {
        fence[n] = -1;
        if (!w->nodes[n].fence) continue;
        size_t a = corral_transition_add(t, CORRAL_ACTION_FENCE, NULL, NULL, w->nodes[n].name, 0);
        t->actions[a].fence_off = c->cluster.fence_action_off;
        t->actions[a].reason = corral_xstrdup(w->nodes[n].fence_reason);
        t->actions[a].timeout_ms = c->cluster.fence_timeout_ms;
        fence[n] = (long)a;
    }
    for (int n = 0; n < w->n_nodes; n++)
        if (w->nodes[n].down_after) {
            t->down = corral_xrealloc(t->down, (t->n_down + 1) * sizeof(char *));
            t->down[t->n_down++] = corral_xstrdup(w->nodes[n].name);
        }

    uact_t *A = corral_xcalloc((size_t)w->n_units + 1, sizeof(uact_t));
    /* Every unit's stops (one per current node) in one array. */
    size_t n_stops = 0;
    for (int ui = 0; ui < w->n_units; ui++) n_stops += (size_t)w->units[ui].n_cur;
    long *stops = corral_xcalloc(n_stops + 1, sizeof(long));
    n_stops = 0;
    for (int ui = 0; ui < w->n_units; ui++) {
        unit_t *u = &w->units[ui];
        uact_t *a = &A[ui];
        a->start = a->promote = a->demote = a->mon = -1;
        a->stop = stops + n_stops;
        n_stops += (size_t)u->n_cur;
        for (int j = 0; j < u->n_cur; j++) a->stop[j] = -1;
        if (u->mode == UM_FROZEN) {
            /* left alone; a frozen promoted instance stays promoted */
            continue;
        }
        const corral_resource_t *r = &c->resources[u->prim];
        const char *rid = r->id;
        const char *an = aid_name(w, u);
        int to = u->assigned;
        bool starting = false;
        const char *to_name = to >= 0 ? w->nodes[to].name : NULL;
        /* demote where it is promoted and will not stay promoted */
        int pn = u->cur_promoted;
        bool stays_at_p = pn >= 0 && pn == to && !u->restart && !u->demote_only;
        if (pn >= 0 && !w->nodes[pn].fence && !(stays_at_p && u->promote)) {
            a->demote =
                (long)corral_transition_add(t, CORRAL_ACTION_DEMOTE, rid, an, w->nodes[pn].name, 0);
        }
        for (int j = 0; j < u->n_cur; j++) {
            int cn = u->cur[j];
            if (w->nodes[cn].fence) continue; /* the fence stops it */
            bool stop = cn != to || u->restart;
            if (!stop) continue;
            a->stop[j] =
                (long)corral_transition_add(t, CORRAL_ACTION_STOP, rid, an, w->nodes[cn].name, 0);
            if (pn == cn) order_actions(t, a->demote, a->stop[j]);
        }
        if (to >= 0 && (!in_list(u->cur, u->n_cur, to) || u->restart || w->nodes[to].fence)) {
            a->start = (long)corral_transition_add(t, CORRAL_ACTION_START, rid, an, to_name, 0);
            starting = true;
            for (int j = 0; j < u->n_cur; j++) {
                order_actions(t, a->stop[j], a->start);
                if (fence[u->cur[j]] >= 0) order_actions(t, fence[u->cur[j]], a->start);
            }
            if (u->requires == CORRAL_REQUIRES_FENCING)
                for (int n = 0; n < w->n_nodes; n++) order_actions(t, fence[n], a->start);
        }
        bool promoting = u->promote && to >= 0 && (!stays_at_p || starting);
        if (u->promote && to >= 0 && pn != to) promoting = true;
        if (promoting) {
            a->promote = (long)corral_transition_add(t, CORRAL_ACTION_PROMOTE, rid, an, to_name, 0);
            order_actions(t, a->start, a->promote);
            /* on-fail = demote: demoted where it failed, promoted again after */
            order_actions(t, a->demote, a->promote);
        }
        /* monitors for what starts or changes role */
        if (to >= 0 && (starting || promoting || a->demote >= 0)) {
            const corral_op_spec_t *op = monitor_op(r, u->promote);
            if (op) {
                a->mon = (long)corral_transition_add(t, CORRAL_ACTION_MONITOR, rid, an, to_name,
                                                     op->interval_ms);
                t->actions[a->mon].timeout_ms = op->timeout_ms;
                order_actions(t, a->start, a->mon);
                order_actions(t, a->promote, a->mon);
                if (a->demote >= 0 && pn == to) order_actions(t, a->demote, a->mon);
            }
        }

        /* the summary line */
        const char *from = u->n_cur ? w->nodes[u->cur[0]].name : NULL;
        bool failed_here = u->n_failed > 0;
        if (u->n_cur > 1) {
            for (int j = 0; j < u->n_cur; j++)
                if (u->cur[j] != to)
                    corral_transition_add_summary(t, CORRAL_CHANGE_STOP, u->name,
                                                  w->nodes[u->cur[j]].name, NULL,
                                                  "active on several nodes");
            if (to >= 0)
                corral_transition_add_summary(
                    t, in_list(u->cur, u->n_cur, to) ? CORRAL_CHANGE_RESTART : CORRAL_CHANGE_START,
                    u->name, to_name, to_name, NULL);
        } else if (!u->n_cur && to >= 0) {
            corral_transition_add_summary(t, CORRAL_CHANGE_START, u->name, NULL, to_name, NULL);
        } else if (u->n_cur && to < 0) {
            corral_transition_add_summary(t, CORRAL_CHANGE_STOP, u->name, from, NULL, w->why[ui]);
        } else if (u->n_cur && to >= 0) {
            if (to != u->cur[0])
                corral_transition_add_summary(
                    t, failed_here ? CORRAL_CHANGE_RECOVER : CORRAL_CHANGE_MOVE, u->name, from,
                    to_name, NULL);
            else if (u->restart)
                corral_transition_add_summary(
                    t, failed_here ? CORRAL_CHANGE_RECOVER : CORRAL_CHANGE_RESTART, u->name, from,
                    to_name, NULL);
        }
        if (promoting)
            corral_transition_add_summary(t, CORRAL_CHANGE_PROMOTE, u->name, NULL, to_name, NULL);
        else if (a->demote >= 0 && to == pn && to >= 0)
            corral_transition_add_summary(t, CORRAL_CHANGE_DEMOTE, u->name, NULL, to_name, NULL);
    }

    /* Groups: members start in order and stop in reverse. */
    for (int ui = 0; ui < w->n_units; ui++) {
        const unit_t *u = &w->units[ui];
        if (u->group < 0 || u->gpos == 0) continue;
        const corral_group_t *g = &c->groups[u->group];
        const item_t *prev = &w->items[w->prim_item[g->members[u->gpos - 1]]];
        int pu = u->clone >= 0 ? prev->units[u->inst] : prev->units[0];
        const unit_t *p = &w->units[pu];
        order_actions(t, A[pu].start, A[ui].start);
        for (int j = 0; j < u->n_cur; j++)
            order_actions(t, A[ui].stop[j], stop_on(&A[pu], p, u->cur[j]));
        /* a member waits for the one before it to be started after a restart too */
        order_actions(t, A[ui].demote, A[pu].demote);
        order_actions(t, A[pu].promote, A[ui].promote);
    }
    /* Promotable clones: demote everywhere before promoting anywhere. */
    for (size_t ci = 0; ci < c->n_clones; ci++) {
        if (!c->clones[ci].promotable) continue;
        const item_t *it = &w->items[w->clone_item[ci]];
        for (int i = 0; i < it->n_units; i++)
            for (int j = 0; j < it->n_units; j++)
                if (i != j) order_actions(t, A[it->units[i]].demote, A[it->units[j]].promote);
    }
    add_order_edges(w, t, A);

    /* Placement: every primitive, its nodes sorted. */
    t->placement = corral_xcalloc(c->n_resources + 1, sizeof(corral_placement_t));
    t->n_placement = c->n_resources;
    uint8_t *seen = corral_xcalloc((size_t)w->n_nodes + 1, 1);
    int *nodes = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    int *prom = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    for (size_t p = 0; p < c->n_resources; p++) {
        corral_placement_t *pl = &t->placement[p];
        pl->resource = corral_xstrdup(c->resources[p].id);
        pl->promotable = c->resources[p].clone >= 0 && c->clones[c->resources[p].clone].promotable;
        const item_t *it = &w->items[w->prim_item[p]];
        int nn = 0, np = 0;
        for (int k = 0; k < it->n_units; k++) {
            const unit_t *u = &w->units[it->units[k]];
            if (u->mode == UM_FROZEN) {
                for (int j = 0; j < u->n_cur; j++)
                    if (!seen[u->cur[j]]) {
                        seen[u->cur[j]] = 1;
                        nodes[nn++] = u->cur[j];
                    }
                if (u->cur_promoted >= 0 && pl->promotable && np < w->n_nodes)
                    prom[np++] = u->cur_promoted;
                continue;
            }
            if (u->assigned < 0) continue;
            if (!seen[u->assigned]) {
                seen[u->assigned] = 1;
                nodes[nn++] = u->assigned;
            }
            if (u->promote && pl->promotable && np < w->n_nodes) prom[np++] = u->assigned;
        }
        pl->nodes = corral_xcalloc((size_t)nn + 1, sizeof(char *));
        pl->promoted = np ? corral_xcalloc((size_t)np, sizeof(char *)) : NULL;
        for (int k = 0; k < nn; k++) {
            seen[nodes[k]] = 0;
            pl->nodes[pl->n_nodes++] = corral_xstrdup(w->nodes[nodes[k]].name);
        }
        for (int k = 0; k < np; k++)
            pl->promoted[pl->n_promoted++] = corral_xstrdup(w->nodes[prom[k]].name);
        if (pl->n_nodes > 1) qsort(pl->nodes, pl->n_nodes, sizeof(char *), cmp_names);
        if (pl->n_promoted > 1) qsort(pl->promoted, pl->n_promoted, sizeof(char *), cmp_names);
    }
    free(seen);
    free(nodes);
    free(prom);
    free(stops);
    free(A);
    free(fence);
}
