/*
 * Assignment: one pass over the resources in Pacemaker's allocation order
 * (priority, then configuration order; with a placement strategy, score on
 * the current node and node by node before that), each resource assigning its colocation
 * primaries first and weighing its dependents' preferences, choosing the
 * best node by score, then fewest resources assigned so far, then the
 * node it runs on, then node name. Clones distribute instances; promotable
 * clones then choose their promoted instances.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sched_int.h"

/* Marks a node a positive-only merge made unusable (Pacemaker's trick). */
#define SCORE_HACK (INF + 1)

void corral__sched_stickiness(ws_t *w, int ui);
int corral__sched_prio(const ws_t *w, int prim);

static void assign_item(ws_t *w, int it);
static int assign_unit(ws_t *w, int ui, int prefer);

static inline corral_score_t eff(const ws_t *w, const corral_score_t *row, int n)
{
    return w->nodes[n].avail ? row[n] : -INF;
}

static bool any_available_but(const ws_t *w, const corral_score_t *row, const uint8_t *banned)
{
    for (int n = 0; n < w->n_nodes; n++)
        if (w->nodes[n].avail && row[n] >= 0 && row[n] != SCORE_HACK && !(banned && banned[n]))
            return true;
    return false;
}

static bool any_available(const ws_t *w, const corral_score_t *row)
{
    return any_available_but(w, row, NULL);
}

/* balanced: the node with more remaining capacity on more keys first. */
static int cmp_capacity(const ws_t *w, int a, int b)
{
    int r = 0;
    for (int x = 0; x < w->n_util; x++) {
        if (w->nodes[a].cap[x] > w->nodes[b].cap[x])
            r--;
        else if (w->nodes[a].cap[x] < w->nodes[b].cap[x])
            r++;
    }
    return r;
}

static int cmp_nodes(const ws_t *w, const corral_score_t *row, const uint8_t *banned, int a, int b,
                     int current)
{
    corral_score_t sa = (banned && banned[a]) ? -INF : eff(w, row, a);
    corral_score_t sb = (banned && banned[b]) ? -INF : eff(w, row, b);
    if (sa != sb) return sa > sb ? -1 : 1;
    if (w->cfg->cluster.placement_strategy == CORRAL_PLACEMENT_BALANCED) {
        int c = cmp_capacity(w, a, b);
        if (c) return c < 0 ? -1 : 1;
    }
    if (w->nodes[a].num_assigned != w->nodes[b].num_assigned)
        return w->nodes[a].num_assigned < w->nodes[b].num_assigned ? -1 : 1;
    if (current == a) return -1;
    if (current == b) return 1;
    return w->nodes[a].name_rank < w->nodes[b].name_rank ? -1 : 1;
}

static bool fits(const ws_t *w, int n, const int64_t *uses)
{
    for (int x = 0; x < w->n_util; x++)
        if (uses[x] > w->nodes[n].cap[x]) return false;
    return true;
}

/*
 * Nodes without room for the unit (and, for a group's first member, for the
 * members still to come, when some node can hold them all) are banned.
 */
/*
 * Everything tied to an item by INFINITY colocations, either way and
 * transitively (clones and role-bound colocations aside): Pacemaker 2.1.5
 * asks room for all of it at once. A group brings in every member, and a
 * member of a group whose assignment has begun brings in the group's own
 * colocations (Pacemaker hands them to the first and last members then):
 * a group colocated with a group being assigned needs room beside it for
 * all its members (observed, difftest seed 179).
 */
static void collect_colocated(const ws_t *w, int it, uint8_t *seen)
{
    if (seen[it] || w->items[it].kind == IT_CLONE || w->items[it].clone >= 0) return;
    seen[it] = 1;
    const item_t *item = &w->items[it];
    if (item->kind == IT_GROUP) {
        const corral_group_t *g = &w->cfg->groups[item->index];
        for (size_t m = 0; m < g->n_members; m++)
            collect_colocated(w, w->prim_item[g->members[m]], seen);
    } else if (item->kind == IT_PRIM && w->cfg->resources[item->index].group >= 0) {
        int g = w->cfg->resources[item->index].group;
        const unit_t *first =
            &w->units[w->items[w->prim_item[w->cfg->groups[g].members[0]]].units[0]];
        if (first->assigning || first->done) collect_colocated(w, w->group_item[g], seen);
    }
    for (int d = 0; d < 2; d++) {
        const int *l = d ? item->with_this : item->this_with;
        int nl = d ? item->n_with_this : item->n_this_with;
        for (int j = 0; j < nl; j++) {
            const coloc_t *c = &w->colocs[l[j]];
            if (c->score < INF || c->dep_role != CORRAL_ROLE_ANY ||
                c->primary_role != CORRAL_ROLE_ANY)
                continue;
            collect_colocated(w, d ? c->dep : c->primary, seen);
        }
    }
}

/*
 * An INFINITY clone dependent (no roles) of item it: Pacemaker 2.1.5 asks
 * room for one instance of it too (a clone of a group: the members' sum)
 * while an instance is still to be placed, without following the clone's
 * own colocations (observed, e40: `cl with r INFINITY`, r 2 and an instance
 * 3: r leaves the node of 4 it prefers for one of 6; difftest seed 30).
 * Adds to total; marks the clone in seen (2). Returns whether it added.
 */
static bool add_clone_dependents(const ws_t *w, int it, uint8_t *seen, int64_t *total)
{
    bool added = false;
    const item_t *item = &w->items[it];
    for (int j = 0; j < item->n_with_this; j++) {
        const coloc_t *c = &w->colocs[item->with_this[j]];
        if (c->score < INF || c->dep_role != CORRAL_ROLE_ANY ||
            c->primary_role != CORRAL_ROLE_ANY || w->items[c->dep].kind != IT_CLONE || seen[c->dep])
            continue;
        seen[c->dep] = 2;
        const corral_clone_t *cl = &w->cfg->clones[w->items[c->dep].index];
        int one = cl->child.index;
        const int *members = &one;
        size_t n_members = 1;
        if (cl->child.kind != CORRAL_REF_PRIMITIVE) {
            members = w->cfg->groups[cl->child.index].members;
            n_members = w->cfg->groups[cl->child.index].n_members;
        }
        for (size_t m = 0; m < n_members; m++) {
            const item_t *pi = &w->items[w->prim_item[members[m]]];
            for (int i = 0; i < pi->n_units; i++) {
                const unit_t *iu = &w->units[pi->units[i]];
                if (iu->done || iu->stop_only) continue;
                for (int x = 0; x < w->n_util; x++) total[x] += iu->uses[x];
                added = true;
                break;
            }
        }
    }
    return added;
}

/*
 * Bans the nodes without room for unit ui. Returns the node it should
 * prefer, or -1: when no node it may run on has room for everything that
 * must run with it, Pacemaker 2.1.5 prefers the one with the most
 * remaining capacity (observed).
 */
static int ban_capacity(ws_t *w, int ui, uint8_t *banned)
{
    const unit_t *u = &w->units[ui];
    if (!w->n_util || w->cfg->cluster.placement_strategy == CORRAL_PLACEMENT_DEFAULT) return -1;
    int64_t *total = corral_xcalloc((size_t)w->n_util + 1, sizeof(int64_t));
    for (int x = 0; x < w->n_util; x++) total[x] = u->uses[x];
    bool grouped = false;
    uint8_t *seen = NULL;
    if (u->clone < 0) {
        seen = corral_xcalloc((size_t)w->n_items + 1, 1);
        collect_colocated(w, u->item, seen);
    } else if (w->cfg->clones[u->clone].child.kind == CORRAL_REF_PRIMITIVE) {
        /*
         * An instance of a clone asks room for the clone's INFINITY
         * dependents (no roles) still to be placed, and what must run with
         * them (Pacemaker 2.1.5, observed, e42: `r with cl INFINITY`, an
         * instance 2 preferring a node of 4, r 3: both go to a node of 6;
         * difftest seed 735).
         */
        const item_t *ci = &w->items[w->clone_item[u->clone]];
        for (int j = 0; j < ci->n_with_this; j++) {
            const coloc_t *c = &w->colocs[ci->with_this[j]];
            if (c->score < INF || c->dep_role != CORRAL_ROLE_ANY ||
                c->primary_role != CORRAL_ROLE_ANY || w->items[c->dep].kind == IT_CLONE)
                continue;
            if (!seen) seen = corral_xcalloc((size_t)w->n_items + 1, 1);
            collect_colocated(w, c->dep, seen);
        }
    }
    if (seen) {
        for (int it = 0; it < w->n_items; it++) {
            if (seen[it] == 1 && add_clone_dependents(w, it, seen, total)) grouped = true;
            if (!seen[it] || w->items[it].kind != IT_PRIM) continue;
            int mu_i = w->items[it].units[0];
            const unit_t *mu = &w->units[mu_i];
            if (mu_i == ui || mu->done || mu->stop_only) continue;
            for (int x = 0; x < w->n_util; x++) total[x] += mu->uses[x];
            grouped = true;
        }
        free(seen);
    }
    /* Only a node the resource may run on counts (Pacemaker 2.1.5, observed). */
    bool any_group_fit = false;
    int most = -1;
    const corral_score_t *row = corral__sched_row(w, u->row);
    if (grouped)
        for (int n = 0; n < w->n_nodes; n++) {
            if (!w->nodes[n].avail || banned[n] || row[n] < 0) continue;
            if (fits(w, n, total)) any_group_fit = true;
            /* Ties: by name (Pacemaker: by its hash table's order of node ids). */
            if (most < 0) {
                most = n;
                continue;
            }
            int c = cmp_capacity(w, n, most);
            if (c < 0 || (c == 0 && w->nodes[n].name_rank < w->nodes[most].name_rank)) most = n;
        }
    const int64_t *need = any_group_fit ? total : u->uses;
    for (int n = 0; n < w->n_nodes; n++) {
        if (banned[n] || fits(w, n, need)) continue;
        banned[n] = 1;
        if (w->row_head)
            corral__sched_part(w, u->row, n, -1, -INF, PART_UTILIZATION, -1, 0,
                               corral_xstrdup(any_group_fit
                                                  ? "not enough capacity for what must run with it"
                                                  : "not enough capacity"));
    }
    free(total);
    return any_group_fit ? -1 : most;
}

/* Pacemaker's choice of a node for one resource. Returns the node or -1. */
static int choose(ws_t *w, int ui, const uint8_t *banned, int prefer)
{
    const unit_t *u = &w->units[ui];
    const corral_score_t *row = corral__sched_row(w, u->row);
    int current = u->n_cur == 1 ? u->cur[0] : (u->n_cur ? u->cur[0] : -1);
    int best = -1;
    for (int n = 0; n < w->n_nodes; n++)
        if (best < 0 || cmp_nodes(w, row, banned, n, best, current) < 0) best = n;
    if (best < 0) return -1;
#define SC(n) ((banned && banned[n]) ? -INF : eff(w, row, n))
    int chosen = -1;
    if (prefer >= 0 && SC(prefer) >= SC(best) && SC(prefer) >= 0) chosen = prefer;
    if (chosen < 0) {
        chosen = best;
        bool unique_clone = u->clone >= 0 && w->cfg->clones[u->clone].unique;
        /* Equal to the best and already running there: stay (Pacemaker wants a score > 0). */
        if (!unique_clone && SC(best) > 0 && current >= 0 && w->nodes[current].avail &&
            SC(current) == SC(best))
            chosen = current;
    }
    if (SC(chosen) < 0) return -1;
#undef SC
    return chosen;
}

static void take(ws_t *w, int ui, int n)
{
    unit_t *u = &w->units[ui];
    u->assigned = n;
    if (n < 0) return;
    w->nodes[n].num_assigned++;
    if (u->uses)
        for (int x = 0; x < w->n_util; x++) w->nodes[n].cap[x] -= u->uses[x];
}

/* ---- colocation ---- */

/* Nodes where the primary of a colocation runs (after assignment); returns how many. */
static int primary_nodes(ws_t *w, const coloc_t *c, int *out)
{
    const item_t *p = &w->items[c->primary];
    int k = 0;
    if (p->kind == IT_PRIM) {
        const unit_t *u = &w->units[p->units[0]];
        if (c->primary_role == CORRAL_ROLE_PROMOTED) return 0;
        if (u->assigned >= 0) out[k++] = u->assigned;
        return k;
    }
    if (p->kind == IT_GROUP) {
        const corral_group_t *g = &w->cfg->groups[p->index];
        /* Mandatory: the whole group must run, so its last member; optional: its first. */
        int m = c->score >= INF ? g->members[g->n_members - 1] : g->members[0];
        const unit_t *u = &w->units[w->items[w->prim_item[m]].units[0]];
        if (u->assigned >= 0) out[k++] = u->assigned;
        return k;
    }
    const corral_clone_t *cl = &w->cfg->clones[p->index];
    int prim = cl->child.kind == CORRAL_REF_PRIMITIVE
                   ? cl->child.index
                   : (c->score >= INF ? w->cfg->groups[cl->child.index]
                                            .members[w->cfg->groups[cl->child.index].n_members - 1]
                                      : w->cfg->groups[cl->child.index].members[0]);
    const item_t *pi = &w->items[w->prim_item[prim]];
    for (int i = 0; i < pi->n_units; i++) {
        const unit_t *u = &w->units[pi->units[i]];
        if (u->assigned < 0) continue;
        if (c->primary_role == CORRAL_ROLE_PROMOTED && !u->promote) continue;
        if (c->primary_role == CORRAL_ROLE_UNPROMOTED && u->promote) continue;
        bool dup = false;
        for (int j = 0; j < k; j++) dup = dup || out[j] == u->assigned;
        if (!dup) out[k++] = u->assigned;
    }
    return k;
}

/*
 * A finite colocation with a clone: applied once per instance of the clone
 * (in instance order), each time rolled back on its own when it would leave
 * the dependent no usable node (Pacemaker 2.1.5, observed: `r1 with cl0
 * -100`, cl0 on every node: the last instance's penalty is dropped, so r1
 * may only go where that instance runs). An instance that runs nowhere
 * counts as a stopped primary: a positive score is taken off every node (a
 * negative one does nothing), unless the colocation names a role (e28:
 * `r with cl 100`, two of three instances placed: r scores 0 where an
 * instance runs, -100 elsewhere).
 */
static void apply_coloc_per_instance(ws_t *w, int row, const coloc_t *c, const uint8_t *banned)
{
    const corral_clone_t *cl = &w->cfg->clones[w->items[c->primary].index];
    int prim = cl->child.kind == CORRAL_REF_PRIMITIVE ? cl->child.index
                                                      : w->cfg->groups[cl->child.index].members[0];
    const item_t *pi = &w->items[w->prim_item[prim]];
    corral_score_t *r = corral__sched_row(w, row);
    corral_score_t *save = w->scratch;
    /*
     * A promotable clone's instances come in the promotion order (highest
     * promotion score first, ties in instance order), then those without
     * a place in it (Pacemaker 2.1.5, observed, e34: `r with ms -100`, ms
     * on n1 n2 n3 with promotion scores 10 5 100: the penalty rolled back
     * is n2's, the lowest, not that of the last instance).
     */
    int *order = corral_xmalloc(((size_t)pi->n_units + 1) * sizeof(int));
    int n_order = 0;
    if (cl->promotable) {
        for (int i = 0; i < pi->n_units; i++) order[i] = -1;
        for (int i = 0; i < pi->n_units; i++) {
            int rank = w->units[pi->units[i]].prom_rank;
            if (rank >= 0 && rank < pi->n_units && order[rank] < 0) order[rank] = pi->units[i];
        }
        for (int i = 0; i < pi->n_units; i++)
            if (order[i] >= 0) order[n_order++] = order[i];
        for (int i = 0; i < pi->n_units; i++) {
            int rank = w->units[pi->units[i]].prom_rank;
            if (rank < 0 || rank >= pi->n_units) order[n_order++] = pi->units[i];
        }
    } else {
        for (int i = 0; i < pi->n_units; i++) order[n_order++] = pi->units[i];
    }
    for (int i = 0; i < n_order; i++) {
        const unit_t *u = &w->units[order[i]];
        int n = u->assigned;
        if (n < 0) {
            if (c->score < 0 || c->primary_role != CORRAL_ROLE_ANY) continue;
            memcpy(save, r, (size_t)w->n_nodes * sizeof(corral_score_t));
            for (int x = 0; x < w->n_nodes; x++) r[x] = corral_score_add(r[x], -c->score);
            if (!any_available_but(w, r, banned))
                memcpy(r, save, (size_t)w->n_nodes * sizeof(corral_score_t)); /* rolled back */
            else if (w->row_head)
                corral__sched_part(w, row, -1, -1, -c->score, PART_COLOCATION, c->src, c->line,
                                   corral_xasprintf("%s does not run", u->name));
            continue;
        }
        if (c->primary_role == CORRAL_ROLE_PROMOTED && !u->promote) continue;
        if (c->primary_role == CORRAL_ROLE_UNPROMOTED && u->promote) continue;
        corral_score_t before = r[n];
        r[n] = corral_score_add(r[n], c->score);
        if (!any_available_but(w, r, banned)) {
            r[n] = before; /* rolled back */
            continue;
        }
        if (w->row_head && r[n] != before)
            corral__sched_part(w, row, n, -1, c->score, PART_COLOCATION, c->src, c->line,
                               corral_xasprintf("with %s", u->name));
    }
    free(order);
}

/* Apply a colocation to a dependent's row, with Pacemaker's rollback of optional ones. */
static void apply_coloc(ws_t *w, int row, const coloc_t *c, const uint8_t *banned)
{
    int *pn = w->scratch_nodes;
    int k = primary_nodes(w, c, pn);
    corral_score_t *r = corral__sched_row(w, row);
    if (k == 0 && c->score < 0) return;
    corral_score_t *save = w->scratch;
    if (c->score > -INF && c->score < INF && w->items[c->primary].kind == IT_CLONE) {
        apply_coloc_per_instance(w, row, c, banned);
        return;
    }
    memcpy(save, r, (size_t)w->n_nodes * sizeof(corral_score_t));
    uint8_t *in = w->scratch_in;
    for (int j = 0; j < k; j++) in[pn[j]] = 1;
    /*
     * INFINITY with the promoted role of a promotable clone: the dependent
     * takes the promotion scores of the promoted instances as its own
     * (Pacemaker 2.1.5, observed), -INFINITY elsewhere.
     */
    const item_t *pi = &w->items[c->primary];
    bool by_promotion = k > 0 && c->score >= INF && c->primary_role == CORRAL_ROLE_PROMOTED &&
                        pi->kind == IT_CLONE && w->cfg->clones[pi->index].promotable;
    for (int n = 0; n < w->n_nodes; n++) {
        if (by_promotion) {
            corral_score_t best = -INF;
            bool found = false;
            for (int x = 0; x < pi->n_units; x++) {
                const unit_t *pu = &w->units[pi->units[x]];
                if (pu->promote && pu->assigned == n && (!found || pu->prom_score > best)) {
                    best = pu->prom_score;
                    found = true;
                }
            }
            r[n] = found ? corral_score_add(r[n], best) : -INF;
            continue;
        }
        if (k == 0)
            r[n] = corral_score_add(r[n], -c->score);
        else if (in[n]) {
            if (c->score < INF) r[n] = corral_score_add(r[n], c->score);
        } else if (c->score >= INF)
            r[n] = -INF;
    }
    bool mandatory = c->score >= INF || c->score <= -INF;
    if (!mandatory && !any_available_but(w, r, banned)) {
        memcpy(r, save, (size_t)w->n_nodes * sizeof(corral_score_t)); /* rolled back */
    } else if (w->row_head) {
        int line = c->line;
        int src = c->src;
        if (k == 0)
            corral__sched_part(w, row, -1, -1, -c->score, PART_COLOCATION, src, line,
                               corral_xasprintf("%s is not running", w->items[c->primary].id));
        else if (k == 1 && c->score >= INF)
            corral__sched_part(w, row, -1, pn[0], -INF, PART_COLOCATION, src, line,
                               corral_xasprintf("must run with %s", w->items[c->primary].id));
        else
            for (int n = 0; n < w->n_nodes; n++)
                if (r[n] != save[n])
                    corral__sched_part(w, row, n, -1, in[n] ? c->score : -INF, PART_COLOCATION, src,
                                       line, corral_xasprintf("with %s", w->items[c->primary].id));
    }
    for (int j = 0; j < k; j++) in[pn[j]] = 0;
}

/* A group's first and last members' items. */
static int group_member_item(const ws_t *w, int group, bool last)
{
    const corral_group_t *g = &w->cfg->groups[group];
    return w->prim_item[g->members[last ? g->n_members - 1 : 0]];
}

/*
 * The colocations whose dependents weigh on an item's placement: its own,
 * and for a group's last member those naming the group once the group's
 * assignment has begun (Pacemaker 2.1.5 hands a group's "with group"
 * colocations to its last member when it assigns the group; before that a
 * group's dependents do not reach what the group depends on, e29).
 */
static void with_this_of(const ws_t *w, int it, const int **l1, int *n1, const int **l2, int *n2)
{
    const item_t *item = &w->items[it];
    *l1 = item->with_this;
    *n1 = item->n_with_this;
    *l2 = NULL;
    *n2 = 0;
    if (item->kind != IT_PRIM || item->clone >= 0) return;
    int g = w->cfg->resources[item->index].group;
    if (g < 0 || group_member_item(w, g, true) != it) return;
    const unit_t *first = &w->units[w->items[group_member_item(w, g, false)].units[0]];
    if (!first->assigning && !first->done) return;
    *l2 = w->items[w->group_item[g]].with_this;
    *n2 = w->items[w->group_item[g]].n_with_this;
}

static bool merge_skips(const coloc_t *c)
{
    return c->dep_role == CORRAL_ROLE_PROMOTED || c->primary_role == CORRAL_ROLE_PROMOTED;
}

/*
 * score * factor (a colocation's score / INFINITY), rounded half away from
 * zero; a non-zero score never scales to 0 but to 1 or -1 by the factor's sign.
 */
static corral_score_t scale_score(double factor, corral_score_t score)
{
    double wf = factor * (double)score;
    corral_score_t wt = (corral_score_t)(wf < 0 ? wf - 0.5 : wf + 0.5);
    if (wt == 0 && score != 0) wt = factor > 0 ? 1 : (factor < 0 ? -1 : 0);
    return wt;
}

/*
 * Pacemaker 2.1.5's merge of a dependent's node scores into a primary's
 * (pcmk__native_merge_weights): add the dependent's scores times `factor`,
 * then, if some node is still usable, recurse into the dependent's own
 * dependents with factor sign(factor) * score / INFINITY (the sign carries,
 * the magnitude does not multiply); if no node is usable, roll back.
 */
static void native_merge(ws_t *w, int it, corral_score_t *work, double factor, bool only_positive)
{
    item_t *item = &w->items[it];
    if (item->merging) return;
    if (item->kind == IT_GROUP) {
        /*
         * A group dependent, at any depth, weighs by its first member and,
         * through the group's internal chain, the members after it; the
         * group's own dependents do not come in (Pacemaker 2.1.5, observed:
         * r0 <- r1 <- g (20), g-a likes n2 by 100000, g-b n3 by 7: r0
         * scores 2 on n2 and 7 on n3, e36; r1 <- g2 <- r7, r7 banned from
         * n1: r1 still scores 0 on n1, e29).
         */
        item->merging = true;
        native_merge(w, group_member_item(w, item->index, false), work, factor, only_positive);
        item->merging = false;
        return;
    }
    item->merging = true;
    const corral_score_t *dep = corral__sched_row(w, item->row);
    corral_score_t *tmp = corral_xmalloc(((size_t)w->n_nodes + 1) * sizeof(corral_score_t));
    memcpy(tmp, work, (size_t)w->n_nodes * sizeof(corral_score_t));
    for (int n = 0; n < w->n_nodes; n++) {
        corral_score_t s = eff(w, dep, n);
        if (factor < 0 && s < 0) continue; /* a double negative is no preference */
        if (tmp[n] == SCORE_HACK) continue;
        corral_score_t wt = scale_score(factor, s);
        corral_score_t ns = corral_score_add(wt, tmp[n]);
        if (only_positive && ns < 0 && tmp[n] > 0) {
            tmp[n] = SCORE_HACK;
            continue;
        }
        if (only_positive && ns < 0 && tmp[n] == 0) continue;
        tmp[n] = ns;
    }
    if (any_available(w, tmp)) {
        double mult = factor < 0 ? -1.0 : 1.0;
        const int *l[2];
        int nl[2];
        with_this_of(w, it, &l[0], &nl[0], &l[1], &nl[1]);
        for (int x = 0; x < 2; x++)
            for (int j = 0; j < nl[x]; j++) {
                /*
                 * Deeper in the chain a colocation's role does not matter
                 * (Pacemaker 2.1.5, observed, difftest seed 174: r0 <- ms1
                 * (-100) <- r2 (with the promoted role, 100), r2 likes n1
                 * by 50: r0 scores -1 on n1).
                 */
                const coloc_t *c = &w->colocs[l[x][j]];
                native_merge(w, c->dep, tmp, mult * (double)c->score / (double)INF, only_positive);
            }
        if (only_positive)
            for (int n = 0; n < w->n_nodes; n++)
                if (tmp[n] == SCORE_HACK) tmp[n] = 1;
        memcpy(work, tmp, (size_t)w->n_nodes * sizeof(corral_score_t));
    }
    free(tmp);
    item->merging = false;
}

/* The primary's row weighed with its dependents' preferences, parts recorded. */
static void merge_into_row(ws_t *w, int row, int it, bool only_positive)
{
    const int *l[2];
    int nl[2];
    with_this_of(w, it, &l[0], &nl[0], &l[1], &nl[1]);
    if (!nl[0] && !nl[1]) return;
    corral_score_t *r = corral__sched_row(w, row);
    corral_score_t *before = NULL;
    if (w->row_head) {
        before = corral_xmalloc(((size_t)w->n_nodes + 1) * sizeof(corral_score_t));
        memcpy(before, r, (size_t)w->n_nodes * sizeof(corral_score_t));
    }
    bool was = w->items[it].merging;
    w->items[it].merging = true; /* a dependent never merges its primary back */
    for (int x = 0; x < 2; x++)
        for (int j = 0; j < nl[x]; j++) {
            const coloc_t *c = &w->colocs[l[x][j]];
            if (merge_skips(c)) continue;
            native_merge(w, c->dep, r, (double)c->score / (double)INF, only_positive);
        }
    w->items[it].merging = was;
    if (before) {
        for (int n = 0; n < w->n_nodes; n++) {
            if (r[n] == before[n]) continue;
            corral_score_t d = r[n] <= -INF ? -INF : r[n] - before[n];
            corral__sched_part(
                w, row, n, -1, d, PART_DEPENDENTS, -1, 0,
                corral_xasprintf("preferences of resources colocated with %s", w->items[it].id));
        }
        free(before);
    }
}

/* ---- primitives and groups ---- */

static bool coloc_mandatory(const coloc_t *c)
{
    return c->score >= INF || c->score <= -INF;
}

/*
 * Colocations where unit ui (or the group/clone it heads) is the dependent.
 * A clone (ui < 0) takes only the mandatory ones on its own row: its
 * instances weigh the finite ones one by one (instance_colocs).
 */
static void apply_primaries(ws_t *w, int ui, int row, int it)
{
    const item_t *item = &w->items[it];
    for (int j = 0; j < item->n_this_with; j++) {
        const coloc_t *c = &w->colocs[item->this_with[j]];
        if (c->dep_role == CORRAL_ROLE_PROMOTED) continue; /* decides promotion, not placement */
        assign_item(w, c->primary);
        if (ui < 0 && item->kind == IT_CLONE && !coloc_mandatory(c)) continue;
        apply_coloc(w, row, c, NULL);
    }
}

/*
 * A clone's finite colocations apply to each instance as its turn comes,
 * each rolled back on its own when it would leave the instance no node
 * (Pacemaker 2.1.5, observed: `clone with r0 -100` on two nodes puts one
 * instance beside r0 all the same, the other node being taken).
 */
static void instance_colocs(ws_t *w, int ui, const uint8_t *banned)
{
    unit_t *u = &w->units[ui];
    if (u->colocs_done) return;
    u->colocs_done = true;
    item_t *item = &w->items[w->clone_item[u->clone]];
    for (int j = 0; j < item->n_this_with; j++) {
        const coloc_t *c = &w->colocs[item->this_with[j]];
        if (c->dep_role == CORRAL_ROLE_PROMOTED || coloc_mandatory(c)) continue;
        if (item->every_node && c->score > 0) continue;
        apply_coloc(w, u->row, c, banned);
    }
    /*
     * The clone's dependents with a negative score (finite or -INFINITY)
     * weigh on each instance as a merge does, rolled back for an instance
     * they would leave no node (the clone's own row took only the positive
     * part). Pacemaker 2.1.5, observed: r4 with cl1 -INFINITY, r4 likes n3 by
     * 100000: instances 0 and 1 score -100000 on n3, instance 2, with n1
     * and n2 taken, 0; so where capacity leaves the instances only n3,
     * they do not run and r4 keeps n3 (e39, difftest seed 423).
     */
    corral_score_t *row = corral__sched_row(w, u->row);
    corral_score_t *work = NULL;
    bool was = item->merging;
    item->merging = true;
    for (int j = 0; j < item->n_with_this; j++) {
        const coloc_t *c = &w->colocs[item->with_this[j]];
        if (c->score >= 0 || merge_skips(c)) continue;
        if (!work) work = corral_xmalloc(((size_t)w->n_nodes + 1) * sizeof(corral_score_t));
        for (int n = 0; n < w->n_nodes; n++) work[n] = banned && banned[n] ? -INF : row[n];
        native_merge(w, c->dep, work, (double)c->score / (double)INF, false);
        for (int n = 0; n < w->n_nodes; n++) {
            if ((banned && banned[n]) || work[n] == row[n]) continue;
            if (w->row_head)
                corral__sched_part(w, u->row, n, -1, work[n] <= -INF ? -INF : work[n] - row[n],
                                   PART_DEPENDENTS, c->src, c->line,
                                   corral_xasprintf("%s avoids %s", w->items[c->dep].id, item->id));
            row[n] = work[n];
        }
    }
    item->merging = was;
    free(work);
}

static int assign_unit(ws_t *w, int ui, int prefer)
{
    unit_t *u = &w->units[ui];
    if (u->done) return u->assigned;
    if (u->assigning) return -1; /* a colocation loop: the config loader refuses most */
    u->assigning = true;
    if (u->clone < 0) {
        apply_primaries(w, ui, u->row, u->item);
        if (u->group >= 0 && u->gpos == 0) apply_primaries(w, ui, u->row, w->group_item[u->group]);
        /*
         * A group's own dependents reach its members through the group's
         * chain, handed to its last member (with_this_of), and only so: not
         * once more at its first member (Pacemaker 2.1.5, observed: g0
         * sticky by 5 + 5 on n3, r with g0 INFINITY and location n2 10:
         * g0-a scores 10 on n2 and on n3 and stays, e37, difftest seed 234).
         */
        merge_into_row(w, u->row, u->item, false);
    }
    int chosen = -1;
    if (u->mode == UM_FROZEN) {
        chosen = u->n_cur ? u->cur[0] : -1;
    } else if (!u->stop_only) {
        uint8_t *banned = corral_xcalloc((size_t)w->n_nodes + 1, 1);
        int most = ban_capacity(w, ui, banned);
        chosen = choose(w, ui, banned, prefer >= 0 ? prefer : most);
        free(banned);
        if (chosen < 0)
            corral__sched_set_why(
                w, ui, "no node can run it (every score is negative or the nodes are unavailable)");
    }
    take(w, ui, chosen);
    u->done = true;
    u->assigning = false;
    return chosen;
}

/* ---- clones ---- */

/* A promotion score node attribute's value; false when the node has none. */
static bool promotion_attr(const ws_t *w, int node, const char *attr, corral_score_t *out)
{
    const char *v = corral__sched_attr(w, node, attr);
    if (!v) return false;
    char *end = NULL;
    long long lv = strtoll(v, &end, 10);
    if (end && end != v && !*end)
        *out = (corral_score_t)(lv > INF ? INF : (lv < -INF ? -INF : lv));
    else if (!strcasecmp(v, "INFINITY") || !strcasecmp(v, "+INFINITY"))
        *out = INF;
    else if (!strcasecmp(v, "-INFINITY"))
        *out = -INF;
    else
        return false; /* not a score: as if unset */
    return true;
}

/*
 * A promotable clone's instances weigh the promotion score of each node in
 * their allocation too (Pacemaker 2.1.5, observed with crm_simulate -s: an
 * instance's allocation score is the clone's plus master-<primitive>).
 * Only a positive one: master -5 or -INFINITY on n1 does not keep the only
 * instance off n1 (e50).
 */
static void add_promotion_to_row(ws_t *w, int ui)
{
    const unit_t *u = &w->units[ui];
    char *attr = corral_xasprintf("master-%s", w->cfg->resources[u->prim].id);
    corral_score_t *row = corral__sched_row(w, u->row);
    for (int n = 0; n < w->n_nodes; n++) {
        corral_score_t s;
        if (!promotion_attr(w, n, attr, &s) || s <= 0) continue;
        row[n] = corral_score_add(row[n], s);
        corral__sched_part(w, u->row, n, -1, s, PART_PROMOTION, -1, 0,
                           corral_xasprintf("promotion score %s (instance allocation)", attr));
    }
    free(attr);
}

static int cmp_instance(const void *a, const void *b, void *ud)
{
    const ws_t *w = ud;
    const unit_t *x = &w->units[*(const int *)a], *y = &w->units[*(const int *)b];
    bool rx = x->n_cur == 1 && !x->n_failed, ry = y->n_cur == 1 && !y->n_failed;
    if (rx != ry) return rx ? -1 : 1;
    if (rx && ry) {
        const corral_score_t *r = corral__sched_row((ws_t *)w, x->row);
        const corral_score_t *s = corral__sched_row((ws_t *)w, y->row);
        if (r[x->cur[0]] != s[y->cur[0]]) return r[x->cur[0]] > s[y->cur[0]] ? -1 : 1;
        if (w->nodes[x->cur[0]].name_rank != w->nodes[y->cur[0]].name_rank)
            return w->nodes[x->cur[0]].name_rank < w->nodes[y->cur[0]].name_rank ? -1 : 1;
    }
    return x->inst - y->inst;
}

static void set_roles(ws_t *w, int ci, const int *inst, int n_inst);

static bool instance_try(ws_t *w, int ui, int prefer, const int *cnt, int per_node)
{
    unit_t *u = &w->units[ui];
    corral_score_t *row = corral__sched_row(w, u->row);
    if (prefer >= 0 && !w->nodes[prefer].avail) return false;
    uint8_t *banned = corral_xcalloc((size_t)w->n_nodes + 1, 1);
    for (int n = 0; n < w->n_nodes; n++)
        if (cnt[n] >= per_node) banned[n] = 1;
    if (u->gpos == 0) instance_colocs(w, ui, banned);
    if (prefer >= 0 && row[prefer] < 0) {
        free(banned);
        return false;
    }
    int most = ban_capacity(w, ui, banned);
    int chosen = choose(w, ui, banned, prefer >= 0 ? prefer : most);
    free(banned);
    if (chosen < 0 || (prefer >= 0 && chosen != prefer)) return false;
    take(w, ui, chosen);
    u->done = true;
    return true;
}

static void assign_clone(ws_t *w, int it)
{
    item_t *item = &w->items[it];
    if (item->done || item->assigning) return;
    item->assigning = true;
    const corral_clone_t *cl = &w->cfg->clones[item->index];
    int crow = item->row;
    apply_primaries(w, -1, crow, it);
    /*
     * When every node that can run resources gets an instance (max at
     * least their number), Pacemaker 2.1.5 does not weigh the clone's
     * positive finite colocations nor its dependents' positive preferences
     * in its instances' allocation (observed, e51, difftest seed 565: `ms
     * with r 100`, r on n3, ms on all three nodes: instance 0 goes to n1,
     * not beside r; with max 2 it goes to n3). They still count in the
     * clone's own score (promotion).
     */
    int max = cl->max < 0 ? w->n_nodes : cl->max;
    int can_run = 0;
    for (int n = 0; n < w->n_nodes; n++) can_run += w->nodes[n].avail;
    item->every_node = max >= can_run;
    corral_score_t *pre = NULL;
    if (item->every_node) {
        pre = corral_xmalloc(((size_t)w->n_nodes + 1) * sizeof(corral_score_t));
        memcpy(pre, corral__sched_row(w, crow), (size_t)w->n_nodes * sizeof(corral_score_t));
    }
    merge_into_row(w, crow, it, true);

    const int *members;
    int n_members;
    int single;
    if (cl->child.kind == CORRAL_REF_GROUP) {
        members = w->cfg->groups[cl->child.index].members;
        n_members = (int)w->cfg->groups[cl->child.index].n_members;
    } else {
        single = cl->child.index;
        members = &single;
        n_members = 1;
    }
    const item_t *first = &w->items[w->prim_item[members[0]]];
    int n_inst = first->n_units;
    int *inst = corral_xcalloc((size_t)n_inst + 1, sizeof(int));
    const corral_score_t *cr = corral__sched_row(w, crow);
    for (int m = 0; m < n_members; m++) {
        const item_t *mi = &w->items[w->prim_item[members[m]]];
        for (int k = 0; k < mi->n_units; k++) {
            unit_t *u = &w->units[mi->units[k]];
            corral_score_t *ur = corral__sched_row(w, u->row);
            memcpy(ur, cr, (size_t)w->n_nodes * sizeof(corral_score_t));
            for (int n = 0; pre && n < w->n_nodes; n++) {
                if (ur[n] <= pre[n]) continue;
                if (w->row_head)
                    corral__sched_part(w, u->row, n, -1, pre[n] - ur[n], PART_DEPENDENTS, -1, 0,
                                       corral_xstrdup("every node gets an instance: dependents' "
                                                      "liking does not count"));
                ur[n] = pre[n];
            }
            memcpy(&w->allowed[(size_t)u->row * (size_t)w->n_nodes],
                   &w->allowed[(size_t)crow * (size_t)w->n_nodes], (size_t)w->n_nodes);
            corral__sched_stickiness(w, mi->units[k]);
            if (cl->promotable && m == 0) add_promotion_to_row(w, mi->units[k]);
        }
    }
    for (int k = 0; k < n_inst; k++) inst[k] = first->units[k];
    qsort_r(inst, (size_t)n_inst, sizeof(int), cmp_instance, w);

    free(pre);
    int per_node = cl->per_node > 0 ? cl->per_node : 1;
    /*
     * Pacemaker 2.1.5 places at most one instance of an anonymous clone per
     * node whatever per-node says (observed with crm_simulate); do the same.
     */
    if (!cl->unique) per_node = 1;
    int available = 0;
    for (int n = 0; n < w->n_nodes; n++)
        if (w->nodes[n].avail && (w->cfg->cluster.symmetric ||
                                  w->allowed[(size_t)crow * (size_t)w->n_nodes + (size_t)n]))
            available++;
    int loop_max = available ? max / available : 1;
    if (loop_max < 1) loop_max = 1;
    int *cnt = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    int allocated = 0;

    /* Frozen instances stay where they are. */
    for (int k = 0; k < n_inst; k++) {
        unit_t *u = &w->units[inst[k]];
        if (u->mode != UM_FROZEN) continue;
        int n = u->n_cur ? u->cur[0] : -1;
        take(w, inst[k], n);
        u->done = true;
        if (n >= 0) {
            cnt[n]++;
            allocated++;
        }
    }
    /* Keep running instances where they are, up to an even share per node. */
    for (int k = 0; k < n_inst && allocated < max; k++) {
        unit_t *u = &w->units[inst[k]];
        if (u->done || u->stop_only || u->n_cur != 1 || u->n_failed) continue;
        int c = u->cur[0];
        if (!w->nodes[c].avail || cnt[c] >= loop_max) continue;
        if (instance_try(w, inst[k], c, cnt, per_node)) {
            cnt[c]++;
            allocated++;
        }
    }
    for (int k = 0; k < n_inst; k++) {
        unit_t *u = &w->units[inst[k]];
        if (u->done) continue;
        if (u->stop_only) {
            u->done = true;
            continue;
        }
        if (allocated >= max) {
            corral__sched_set_why(w, inst[k], "clone %s already has max = %d instances", item->id,
                                  max);
            u->done = true;
            continue;
        }
        if (instance_try(w, inst[k], -1, cnt, per_node)) {
            cnt[u->assigned]++;
            allocated++;
        } else {
            corral__sched_set_why(w, inst[k], "no node can run another instance of %s", item->id);
            u->done = true;
        }
    }
    /* A cloned group: each instance's members follow its first member, in order. */
    for (int m = 1; m < n_members; m++) {
        const item_t *mi = &w->items[w->prim_item[members[m]]];
        const item_t *prev = &w->items[w->prim_item[members[m - 1]]];
        for (int k = 0; k < mi->n_units; k++) {
            unit_t *u = &w->units[mi->units[k]];
            const unit_t *p = &w->units[prev->units[k]];
            if (u->mode == UM_FROZEN) {
                take(w, mi->units[k], u->n_cur ? u->cur[0] : -1);
            } else if (p->assigned >= 0 && !u->stop_only &&
                       eff(w, corral__sched_row(w, u->row), p->assigned) >= 0) {
                take(w, mi->units[k], p->assigned);
            } else {
                corral__sched_set_why(w, mi->units[k], "the group member before it does not run");
            }
            u->done = true;
        }
    }
    if (cl->promotable) set_roles(w, item->index, first->units, first->n_units);
    free(cnt);
    free(inst);
    item->done = true;
    item->assigning = false;
}

/* ---- promotion ---- */

/* Whether the primary of colocation c runs on node (after assignment). */
static bool primary_runs_on(ws_t *w, const coloc_t *c, int node)
{
    int pn[512];
    int *pnp = w->n_nodes <= 512 ? pn : corral_xcalloc((size_t)w->n_nodes, sizeof(int));
    int kk = primary_nodes(w, c, pnp);
    bool in = false;
    for (int x = 0; x < kk; x++) in = in || pnp[x] == node;
    if (pnp != pn) free(pnp);
    return in;
}

/* What a dependent of the promoted role (colocation c) brings to a node's promotion score. */
static corral_score_t role_dependent_weight(ws_t *w, const coloc_t *c, int node)
{
    int drow = w->items[c->dep].kind == IT_GROUP
                   ? w->items[group_member_item(w, w->items[c->dep].index, false)].row
                   : w->items[c->dep].row;
    corral_score_t ds = eff(w, corral__sched_row(w, drow), node);
    double wf = (double)c->score / (double)INF * (double)ds;
    int wt = (int)(wf < 0 ? wf - 0.5 : wf + 0.5);
    if (wt == 0 && ds != 0 && c->score != 0) wt = (c->score > 0) == (ds > 0) ? 1 : -1;
    if (c->score < 0 && ds < 0) wt = 0;
    return wt;
}

/*
 * The clone's own score on a node as it counts in a promotion score: its
 * locations without a role and its dependents' preferences (not what it
 * depends on), the dependents of the promoted role included, merged
 * "positive only" (Pacemaker 2.1.5, observed: `location ms1 n2 50`,
 * master-ms1-p n1 10, n2 1: n2 is promoted at 51, difftest seed 71; an
 * INFINITY location counts too, seed 305; a dependent of the promoted
 * role counts twice: here and again on its own, master 0 and a dependent
 * scoring 200 there with INFINITY: 400, e50).
 */
static corral_score_t clone_promotion_share(ws_t *w, int it, int node, int row)
{
    const item_t *item = &w->items[it];
    corral_score_t cs = corral__sched_row(w, item->row)[node];
    if (cs == SCORE_HACK) cs = 1;
    for (int j = 0; j < item->n_with_this; j++) {
        const coloc_t *c = &w->colocs[item->with_this[j]];
        if (c->primary_role != CORRAL_ROLE_PROMOTED) continue;
        corral_score_t wt = role_dependent_weight(w, c, node);
        corral_score_t ns = corral_score_add(cs, wt);
        if (ns < 0 && cs > 0)
            cs = 1;
        else if (!(ns < 0 && cs == 0))
            cs = ns;
    }
    if (cs && w->row_head)
        corral__sched_part(w, row, node, -1, cs, PART_PROMOTION, -1, 0,
                           corral_xasprintf("%s's score on the node", item->id));
    return cs;
}

typedef struct prom {
    int unit;
    corral_score_t score;
    corral_score_t base; /* the score after its first step (set_roles) */
} prom_t;

static int cmp_prom(const void *a, const void *b, void *ud)
{
    const ws_t *prom_ws = ud;
    const prom_t *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    /*
     * Equal scores: the higher first step wins (Pacemaker 2.1.5, observed,
     * e53, difftest seed 656: master 1 and 5 with INFINITY locations on both
     * nodes promote the 5; master 10 with a location of 40 loses to master
     * 30 with 20, but master 10 with a role = promoted location of 30 and a
     * location of 10 beats master 20 with a location of 30).
     */
    if (x->base != y->base) return x->base > y->base ? -1 : 1;
    const unit_t *ux = &prom_ws->units[x->unit], *uy = &prom_ws->units[y->unit];
    bool px = ux->cur_promoted >= 0, py = uy->cur_promoted >= 0;
    if (px != py) return px ? -1 : 1;
    return ux->inst - uy->inst;
}

static void set_roles(ws_t *w, int ci, const int *units, int n)
{
    const corral_clone_t *cl = &w->cfg->clones[ci];
    int it = w->clone_item[ci];
    int prim = cl->child.kind == CORRAL_REF_PRIMITIVE ? cl->child.index
                                                      : w->cfg->groups[cl->child.index].members[0];
    char *attr = corral_xasprintf("master-%s", w->cfg->resources[prim].id);
    prom_t *p = corral_xcalloc((size_t)n + 1, sizeof(prom_t));
    int k = 0;
    bool nq_demote = !w->st->quorate && w->cfg->cluster.no_quorum_policy == CORRAL_NQ_DEMOTE;
    for (int i = 0; i < n; i++) {
        unit_t *u = &w->units[units[i]];
        int node = u->assigned;
        if (node < 0) continue;
        corral_score_t s = -1; /* Pacemaker: no promotion score, no promotion */
        const char *v = corral__sched_attr(w, node, attr);
        if (v) promotion_attr(w, node, attr, &s);
        if (w->row_head)
            corral__sched_part(w, u->row, node, -1, s, PART_PROMOTION, -1, 0,
                               v ? corral_xasprintf("promotion score %s = %s", attr, v)
                                 : corral_xasprintf("no promotion score %s", attr));
        for (size_t l = 0; l < w->cfg->n_locations; l++) {
            const corral_location_t *loc = &w->cfg->locations[l];
            if (loc->role != CORRAL_ROLE_PROMOTED) continue;
            corral_ref_t r = loc->rsc;
            bool mine =
                (r.kind == CORRAL_REF_CLONE && r.index == ci) ||
                (r.kind == CORRAL_REF_PRIMITIVE && w->cfg->resources[r.index].clone == ci) ||
                (r.kind == CORRAL_REF_GROUP && w->cfg->groups[r.index].clone == ci);
            if (!mine) continue;
            bool hit =
                loc->has_rule ? corral__sched_rule_match(w, &loc->rule, node) : loc->node == node;
            if (!hit) continue;
            s = corral_score_add(s, loc->score);
            if (w->row_head)
                corral__sched_part(w, u->row, node, -1, loc->score, PART_PROMOTION, (int)l,
                                   loc->score_line ? loc->score_line : loc->line,
                                   corral_xasprintf("location %s (role promoted)", loc->id));
        }
        /*
         * What the promoted role is colocated with: INFINITY and negative
         * colocations count on the primary's node whatever the score so far
         * (master 10, `ms (promoted) with r -100`, r on n1: -90 there);
         * positive finite ones only with the rest, below.
         */
        const item_t *item = &w->items[it];
        for (int j = 0; j < item->n_this_with; j++) {
            const coloc_t *c = &w->colocs[item->this_with[j]];
            if (c->dep_role != CORRAL_ROLE_PROMOTED) continue;
            assign_item(w, c->primary);
            if (c->score > 0 && c->score < INF && w->items[c->primary].kind != IT_CLONE) continue;
            corral_score_t d =
                primary_runs_on(w, c, node) ? c->score : (c->score >= INF ? -INF : 0);
            if (!d) continue;
            s = corral_score_add(s, d);
            if (w->row_head)
                corral__sched_part(w, u->row, node, -1, d, PART_PROMOTION, c->src, c->line,
                                   corral_xasprintf("colocation %s (promoted role)", c->id));
        }
        /*
         * The rest counts only when the score so far is not negative
         * (Pacemaker 2.1.5, observed, e50; difftest seeds 305, 375, 385):
         * master -5 with a clone location of 200 stays at -5, and no
         * promotion score with a dependent of the promoted role stays at -1.
         */
        const corral_score_t base = s;
        if (s >= 0) {
            s = corral_score_add(s, clone_promotion_share(w, it, node, u->row));
            for (int j = 0; j < item->n_this_with; j++) {
                const coloc_t *c = &w->colocs[item->this_with[j]];
                if (c->dep_role != CORRAL_ROLE_PROMOTED || c->score <= 0 || c->score >= INF ||
                    w->items[c->primary].kind == IT_CLONE)
                    continue;
                /*
                 * A positive finite one adds the primary's own score on
                 * the node, scaled, wherever the primary runs: `ms
                 * (promoted) with r 500000`, r scoring 300 on n1 (where it
                 * runs) and 100 on n2: +150 on n1, +50 on n2.
                 */
                corral_score_t ps = eff(w, corral__sched_row(w, w->items[c->primary].row), node);
                corral_score_t d = scale_score((double)c->score / (double)INF, ps);
                if (!d) continue;
                s = corral_score_add(s, d);
                if (w->row_head)
                    corral__sched_part(w, u->row, node, -1, d, PART_PROMOTION, c->src, c->line,
                                       corral_xasprintf("colocation %s (promoted role)", c->id));
            }
            for (int j = 0; j < item->n_with_this; j++) {
                const coloc_t *c = &w->colocs[item->with_this[j]];
                if (c->primary_role != CORRAL_ROLE_PROMOTED) continue;
                corral_score_t wt = role_dependent_weight(w, c, node);
                if (!wt) continue;
                /*
                 * Merged "positive only", as for placement: a dependent that
                 * would push a positive promotion score below zero leaves 1
                 * (still promotable), one that would push 0 below leaves 0
                 * (Pacemaker 2.1.5, observed: master 10, dependent -50 -> 1).
                 */
                corral_score_t ns = corral_score_add(s, wt);
                if (ns < 0 && s > 0)
                    wt = 1 - s;
                else if (ns < 0 && s == 0)
                    continue;
                s = corral_score_add(s, wt);
                if (w->row_head)
                    corral__sched_part(
                        w, u->row, node, -1, wt, PART_PROMOTION, c->src, c->line,
                        corral_xasprintf("%s wants to run with the promoted instance",
                                         w->items[c->dep].id));
            }
        }
        if (u->target_role == CORRAL_ROLE_UNPROMOTED || nq_demote || u->mode == UM_FROZEN) {
            if (u->mode == UM_FROZEN && u->cur_promoted == node)
                s = INF; /* stays as it is */
            else
                s = -INF;
        }
        u->prom_score = s;
        p[k].unit = units[i];
        p[k].score = s;
        p[k].base = base;
        k++;
    }
    qsort_r(p, (size_t)k, sizeof(prom_t), cmp_prom, w);
    for (int i = 0; i < k; i++) w->units[p[i].unit].prom_rank = i;
    int *per = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    int promoted = 0;
    int pmax = cl->promoted_max > 0 ? cl->promoted_max : 0;
    int ppn = cl->promoted_per_node > 0 ? cl->promoted_per_node : 1;
    for (int i = 0; i < k; i++) {
        unit_t *u = &w->units[p[i].unit];
        if (u->mode == UM_FROZEN) {
            if (u->cur_promoted == u->assigned && u->assigned >= 0) {
                u->promote = true;
                promoted++;
                per[u->assigned]++;
            }
            continue;
        }
        if (p[i].score < 0 || promoted >= pmax || per[u->assigned] >= ppn) continue;
        u->promote = true;
        promoted++;
        per[u->assigned]++;
    }
    free(per);
    free(p);
    free(attr);
}

/* ---- items and the order ---- */

static void assign_item(ws_t *w, int it)
{
    item_t *item = &w->items[it];
    if (item->clone >= 0) {
        assign_clone(w, item->clone);
        return;
    }
    switch (item->kind) {
    case IT_PRIM:
        assign_unit(w, item->units[0], -1);
        break;
    case IT_GROUP: {
        const corral_group_t *g = &w->cfg->groups[item->index];
        for (size_t m = 0; m < g->n_members; m++)
            assign_unit(w, w->items[w->prim_item[g->members[m]]].units[0], -1);
        break;
    }
    case IT_CLONE:
        assign_clone(w, it);
        break;
    }
}

typedef struct topsort {
    int item;
    int order;
    int current;
    const corral_score_t *row;
    int priority;
} topsort_t;

/* What the allocation order sort needs besides the items. */
typedef struct sort_ctx {
    const ws_t *w;
    const int *walk; /* the nodes in the order their scores are compared */
} sort_ctx_t;

static int cmp_top(const void *a, const void *b, void *ud)
{
    const topsort_t *x = a, *y = b;
    const sort_ctx_t *sc = ud;
    const ws_t *w = sc->w;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    /*
     * Pacemaker 2.1.5 allocates by priority, then in configuration order;
     * only with a placement strategy other than default does it also sort
     * by the score on the current node and then node by node.
     */
    if (w->cfg->cluster.placement_strategy == CORRAL_PLACEMENT_DEFAULT) return x->order - y->order;
    corral_score_t sx = x->current >= 0 ? x->row[x->current] : -INF;
    corral_score_t sy = y->current >= 0 ? y->row[y->current] : -INF;
    if (sx != sy) return sx > sy ? -1 : 1;
    for (int r = 0; r < w->n_nodes; r++) {
        int n = sc->walk[r];
        if (x->row[n] != y->row[n]) return x->row[n] > y->row[n] ? -1 : 1;
    }
    return x->order - y->order;
}

/*
 * The order in which the allocation order sort compares scores node by
 * node: available nodes first, then (balanced) the most capacity, then by
 * name (Pacemaker 2.1.5, observed).
 */
static int cmp_walk(const void *a, const void *b, void *ud)
{
    const ws_t *w = ud;
    int x = *(const int *)a, y = *(const int *)b;
    if (w->nodes[x].avail != w->nodes[y].avail) return w->nodes[x].avail ? -1 : 1;
    if (w->cfg->cluster.placement_strategy == CORRAL_PLACEMENT_BALANCED) {
        int c = cmp_capacity(w, x, y);
        if (c) return c < 0 ? -1 : 1;
    }
    return w->nodes[x].name_rank - w->nodes[y].name_rank;
}

/* An item's own scores for the allocation order (a group: its members' sum). */
static corral_score_t *sort_base_row(ws_t *w, int it, int *current)
{
    const item_t *item = &w->items[it];
    corral_score_t *row = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(corral_score_t));
    if (item->kind == IT_GROUP) {
        /* A group weighs as the sum of its members (the first member's merged view). */
        const corral_group_t *g = &w->cfg->groups[item->index];
        for (size_t m = 0; m < g->n_members; m++) {
            const unit_t *u = &w->units[w->items[w->prim_item[g->members[m]]].units[0]];
            const corral_score_t *r = corral__sched_row(w, u->row);
            for (int n = 0; n < w->n_nodes; n++)
                row[n] = m == 0 ? r[n] : corral_score_add(row[n], r[n]);
            if (current && *current < 0 && u->n_cur) *current = u->cur[0];
        }
        /*
         * The members come in as merged preferences, which count a node
         * that cannot run anything as -INFINITY (Pacemaker 2.1.5, observed:
         * with a standby node, a group sorts after a primitive configured
         * later, all else equal).
         */
        for (int n = 0; n < w->n_nodes; n++)
            if (!w->nodes[n].avail) row[n] = -INF;
        return row;
    }
    memcpy(row, corral__sched_row(w, item->row), (size_t)w->n_nodes * sizeof(corral_score_t));
    if (current && item->kind == IT_PRIM) {
        const unit_t *u = &w->units[item->units[0]];
        if (u->n_cur) *current = u->cur[0];
    } else if (current) {
        for (int j = 0; j < item->n_units && *current < 0; j++)
            if (w->units[item->units[j]].n_cur) *current = w->units[item->units[j]].cur[0];
    }
    return row;
}

/*
 * Adds primary `it`'s scores times `factor` to `row` as a merge does
 * (rounded, a non-zero product never 0, a double negative ignored), rolled
 * back when no usable node is left; else goes on to the primary's own
 * primaries with factor sign(factor) x score / INFINITY (Pacemaker 2.1.5,
 * observed: r6 with r4 -100, r4 banned everywhere with r3 INFINITY, r3
 * likes n1 by 50: r6 sorts with -50 on n1, behind an otherwise equal group
 * configured before it, e38, difftest seed 339).
 */
static void sort_merge(ws_t *w, int it, corral_score_t *row, double factor)
{
    item_t *item = &w->items[it];
    if (item->merging) return;
    item->merging = true;
    corral_score_t *pr = sort_base_row(w, it, NULL);
    corral_score_t *tmp = corral_xmalloc(((size_t)w->n_nodes + 1) * sizeof(corral_score_t));
    memcpy(tmp, row, (size_t)w->n_nodes * sizeof(corral_score_t));
    for (int n = 0; n < w->n_nodes; n++) {
        corral_score_t ps = eff(w, pr, n);
        if (factor < 0 && ps < 0) continue;
        double wf = factor * (double)ps;
        corral_score_t add = (corral_score_t)(wf < 0 ? wf - 0.5 : wf + 0.5);
        if (add == 0 && ps != 0) add = factor > 0 ? 1 : -1;
        tmp[n] = corral_score_add(tmp[n], add);
    }
    if (any_available(w, tmp)) {
        double sign = factor < 0 ? -1.0 : 1.0;
        for (int j = 0; j < item->n_this_with; j++) {
            const coloc_t *c = &w->colocs[item->this_with[j]];
            sort_merge(w, c->primary, tmp, sign * (double)c->score / (double)INF);
        }
        memcpy(row, tmp, (size_t)w->n_nodes * sizeof(corral_score_t));
    }
    free(tmp);
    free(pr);
    item->merging = false;
}

/*
 * The scores an item is sorted by (placement strategies only): its own,
 * plus its colocation primaries' scaled by score / INFINITY and rounded as
 * a merge does, and theirs in turn (Pacemaker 2.1.5, observed: `r2 with g0
 * -100`, g0 sticky at 100 on n1, puts r2 after an otherwise equal r4
 * configured later). A primary whose scores would leave the resource no
 * usable node is rolled back, as in a merge (seed 125, e33).
 */
static corral_score_t *sort_row(ws_t *w, int it, int *current)
{
    corral_score_t *row = sort_base_row(w, it, current);
    item_t *item = &w->items[it];
    item->merging = true;
    for (int j = 0; j < item->n_this_with; j++) {
        const coloc_t *c = &w->colocs[item->this_with[j]];
        if (merge_skips(c)) continue;
        sort_merge(w, c->primary, row, (double)c->score / (double)INF);
    }
    item->merging = false;
    return row;
}

void corral__sched_assign(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    size_t nt = c->n_top;
    topsort_t *ts = corral_xcalloc(nt + 1, sizeof(topsort_t));
    corral_score_t **tmp_rows = corral_xcalloc(nt + 1, sizeof(corral_score_t *));
    bool sorted = c->cluster.placement_strategy != CORRAL_PLACEMENT_DEFAULT;
    size_t k = 0;
    for (size_t i = 0; i < nt; i++) {
        corral_ref_t ref = c->top[i];
        int it = ref.kind == CORRAL_REF_PRIMITIVE ? w->prim_item[ref.index]
                 : ref.kind == CORRAL_REF_GROUP   ? w->group_item[ref.index]
                                                  : w->clone_item[ref.index];
        const item_t *item = &w->items[it];
        topsort_t *t = &ts[k++];
        t->item = it;
        t->order = (int)i;
        t->priority = item->priority;
        t->current = -1;
        if (sorted) {
            tmp_rows[i] = sort_row(w, it, &t->current);
            t->row = tmp_rows[i];
        }
    }
    sort_ctx_t ctx = {w, NULL};
    int *walk = NULL;
    if (sorted) {
        walk = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
        for (int n = 0; n < w->n_nodes; n++) walk[n] = n;
        qsort_r(walk, (size_t)w->n_nodes, sizeof(int), cmp_walk, w);
        ctx.walk = walk;
    }
    qsort_r(ts, k, sizeof(topsort_t), cmp_top, &ctx);
    free(walk);
    for (size_t i = 0; i < k; i++) assign_item(w, ts[i].item);
    for (size_t i = 0; i < nt; i++) free(tmp_rows[i]);
    free(tmp_rows);
    free(ts);
}
