/*
 * Unpacking: config + status -> the indexed working set. Node states,
 * resource instances and their current state, failure handling decisions,
 * and the base scores (locations, rules, stickiness, failcounts) with
 * their explanations.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../strindex.h"
#include "sched_int.h"

/* ---- small helpers ---- */

corral_score_t *corral__sched_row(ws_t *w, int row)
{
    return &w->score[(size_t)row * (size_t)w->n_nodes];
}

void corral__sched_part(ws_t *w, int row, int node, int except, corral_score_t score, int kind,
                        int src, int line, char *detail)
{
    if (!w->row_head) { /* explanations not wanted */
        free(detail);
        return;
    }
    corral_grow((void **)&w->parts, &w->cap_parts, w->n_parts + 1, sizeof(*w->parts));
    part_t *p = &w->parts[w->n_parts];
    p->row = row;
    p->node = node;
    p->except = except;
    p->score = score;
    p->kind = (uint8_t)kind;
    p->src = src;
    p->line = line;
    p->detail = detail;
    p->next = w->row_head[row];
    w->row_head[row] = (int)w->n_parts;
    w->n_parts++;
}

void corral__sched_set_why(ws_t *w, int unit, const char *fmt, ...)
{
    if (w->why[unit]) return; /* the first reason is the real one */
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    w->why[unit] = s;
}

static int cmp_name_rank(const void *a, const void *b, void *ud)
{
    const ws_t *w = ud;
    return strcmp(w->nodes[*(const int *)a].name, w->nodes[*(const int *)b].name);
}

const char *corral__sched_attr(const ws_t *w, int node, const char *name)
{
    const snode_t *n = &w->nodes[node];
    if (n->st)
        for (size_t i = 0; i < n->st->attrs.n; i++)
            if (!strcmp(n->st->attrs.items[i].key, name)) return n->st->attrs.items[i].value;
    for (size_t i = 0; i < n->cfg->attrs.n; i++)
        if (!strcmp(n->cfg->attrs.items[i].key, name)) return n->cfg->attrs.items[i].value;
    if (!strcmp(name, "#uname")) return n->name;
    return NULL;
}

static bool parse_int(const char *s, long long *v)
{
    char *end = NULL;
    if (!s || !*s) return false;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return !errno && end && *end == '\0';
}

static bool expr_match(const ws_t *w, const corral_rule_expr_t *e, int node)
{
    const char *v = corral__sched_attr(w, node, e->attr);
    if (e->op == CORRAL_RULE_DEFINED) return v != NULL;
    if (e->op == CORRAL_RULE_NOT_DEFINED) return v == NULL;
    if (!v) return e->op == CORRAL_RULE_NE;
    const char *want = e->value ? e->value : "";
    long long a, b;
    int c;
    if (parse_int(v, &a) && parse_int(want, &b))
        c = (a > b) - (a < b);
    else
        c = strcmp(v, want);
    switch (e->op) {
    case CORRAL_RULE_EQ:
        return c == 0;
    case CORRAL_RULE_NE:
        return c != 0;
    case CORRAL_RULE_LT:
        return c < 0;
    case CORRAL_RULE_GT:
        return c > 0;
    case CORRAL_RULE_LTE:
        return c <= 0;
    case CORRAL_RULE_GTE:
        return c >= 0;
    default:
        return false;
    }
}

bool corral__sched_rule_match(const ws_t *w, const corral_rule_t *rule, int node)
{
    if (!rule->n_exprs) return false;
    for (size_t i = 0; i < rule->n_exprs; i++) {
        bool m = expr_match(w, &rule->exprs[i], node);
        if (rule->any && m) return true;
        if (!rule->any && !m) return false;
    }
    return !rule->any;
}

/* A node by name: a binary search of the nodes in name order (every active-on name asks). */
static int node_index(const ws_t *w, const char *name)
{
    int lo = 0, hi = w->n_nodes;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int n = w->node_by_name_rank[mid];
        int d = strcmp(w->nodes[n].name, name);
        if (!d) return n;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Effective meta of a primitive: its own, then its group's, then its clone's. */
static const corral_meta_t *meta_chain(const ws_t *w, int prim, int k)
{
    const corral_resource_t *r = &w->cfg->resources[prim];
    if (k == 0) return &r->meta;
    if (k == 1) return r->group >= 0 ? &w->cfg->groups[r->group].meta : NULL;
    return r->clone >= 0 ? &w->cfg->clones[r->clone].meta : NULL;
}

static corral_role_t eff_target_role(const ws_t *w, int prim)
{
    for (int k = 0; k < 3; k++) {
        const corral_meta_t *m = meta_chain(w, prim, k);
        if (m && m->target_role != CORRAL_ROLE_ANY) return m->target_role;
    }
    return CORRAL_ROLE_ANY;
}

static bool eff_managed(const ws_t *w, int prim)
{
    for (int k = 0; k < 3; k++) {
        const corral_meta_t *m = meta_chain(w, prim, k);
        if (m && m->managed_set) return m->managed;
    }
    return true;
}

static corral_score_t eff_stickiness(const ws_t *w, int prim)
{
    for (int k = 0; k < 3; k++) {
        const corral_meta_t *m = meta_chain(w, prim, k);
        if (m && m->stickiness_set) return m->stickiness;
    }
    if (w->cfg->cluster.default_stickiness_set) return w->cfg->cluster.default_stickiness;
    /* Pacemaker gives clone instances a stickiness of 1 when none is set. */
    return w->cfg->resources[prim].clone >= 0 ? 1 : 0;
}

int corral__sched_prio(const ws_t *w, int prim);
int corral__sched_prio(const ws_t *w, int prim)
{
    for (int k = 0; k < 3; k++) {
        const corral_meta_t *m = meta_chain(w, prim, k);
        if (m && m->priority_set) return m->priority;
    }
    return 0;
}

static const corral_op_spec_t *find_op(const corral_resource_t *r, const char *action,
                                       corral_role_t role)
{
    const corral_op_spec_t *any = NULL;
    for (size_t i = 0; i < r->n_ops; i++) {
        if (strcmp(r->ops[i].action, action)) continue;
        if (r->ops[i].role == role) return &r->ops[i];
        if (r->ops[i].role == CORRAL_ROLE_ANY && !any) any = &r->ops[i];
    }
    return any;
}

/* ---- items ---- */

static int add_item(ws_t *w, item_kind_t kind, int index, const char *id)
{
    item_t *it = &w->items[w->n_items];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->index = index;
    it->id = id;
    it->clone = -1;
    it->row = -1;
    return w->n_items++;
}

static void item_add_unit(item_t *it, int u)
{
    it->units = corral_xrealloc(it->units, (size_t)(it->n_units + 1) * sizeof(int));
    it->units[it->n_units++] = u;
}

/* The item a constraint reference names; anything inside a clone means the clone. */
int corral__sched_ref_item(const ws_t *w, corral_ref_t ref)
{
    switch (ref.kind) {
    case CORRAL_REF_PRIMITIVE:
        if (w->cfg->resources[ref.index].clone >= 0)
            return w->clone_item[w->cfg->resources[ref.index].clone];
        return w->prim_item[ref.index];
    case CORRAL_REF_GROUP:
        if (w->cfg->groups[ref.index].clone >= 0)
            return w->clone_item[w->cfg->groups[ref.index].clone];
        return w->group_item[ref.index];
    case CORRAL_REF_CLONE:
        return w->clone_item[ref.index];
    default:
        return -1;
    }
}

static void add_coloc(ws_t *w, int dep, int primary, corral_score_t score, corral_role_t dr,
                      corral_role_t pr, int src, int group, int line, const char *id)
{
    if (dep < 0 || primary < 0 || dep == primary) return;
    coloc_t *c = &w->colocs[w->n_colocs];
    c->dep = dep;
    c->primary = primary;
    c->score = score;
    c->dep_role = dr;
    c->primary_role = pr;
    c->src = src;
    c->group = group;
    c->line = line;
    c->id = id;
    item_t *d = &w->items[dep], *p = &w->items[primary];
    d->this_with = corral_xrealloc(d->this_with, (size_t)(d->n_this_with + 1) * sizeof(int));
    d->this_with[d->n_this_with++] = w->n_colocs;
    p->with_this = corral_xrealloc(p->with_this, (size_t)(p->n_with_this + 1) * sizeof(int));
    p->with_this[p->n_with_this++] = w->n_colocs;
    w->n_colocs++;
}

/* ---- scores ---- */

static void touch(ws_t *w, int row, int node, corral_score_t s)
{
    size_t k = (size_t)row * (size_t)w->n_nodes + (size_t)node;
    if (!w->cfg->cluster.symmetric && !w->allowed[k]) {
        w->allowed[k] = 1;
        w->score[k] = s;
        return;
    }
    w->allowed[k] = 1;
    w->score[k] = corral_score_add(w->score[k], s);
}

static void apply_location(ws_t *w, int li)
{
    const corral_location_t *l = &w->cfg->locations[li];
    if (l->role == CORRAL_ROLE_PROMOTED) return; /* promotion only */
    int it = corral__sched_ref_item(w, l->rsc);
    if (it < 0) return;
    const item_t *item = &w->items[it];
    int full_row = -1;
    int *zero_rows = NULL;
    int n_zero = 0;
    if (item->kind == IT_CLONE || item->kind == IT_PRIM) {
        full_row = item->row;
    } else {
        /*
         * A group's location counts once: on its first member, whose
         * allocation merges the others' scores; the rest only learn that
         * the node is allowed (opt-in clusters).
         */
        const corral_group_t *g = &w->cfg->groups[item->index];
        full_row = w->units[w->items[w->prim_item[g->members[0]]].units[0]].row;
        zero_rows = corral_xcalloc(g->n_members, sizeof(int));
        for (size_t m = 1; m < g->n_members; m++)
            zero_rows[n_zero++] = w->units[w->items[w->prim_item[g->members[m]]].units[0]].row;
    }
    for (int n = 0; n < w->n_nodes; n++) {
        bool hit = l->has_rule ? corral__sched_rule_match(w, &l->rule, n) : l->node == n;
        if (!hit) continue;
        touch(w, full_row, n, l->score);
        corral__sched_part(w, full_row, n, -1, l->score, l->has_rule ? PART_RULE : PART_LOCATION,
                           li, l->score_line ? l->score_line : l->line, NULL);
        for (int z = 0; z < n_zero; z++) touch(w, zero_rows[z], n, 0);
    }
    free(zero_rows);
}

/* ---- unpack ---- */

static void ban_all(ws_t *w, int row, int node, int kind, int src, int line, char *detail)
{
    size_t k = (size_t)row * (size_t)w->n_nodes + (size_t)node;
    w->score[k] = -INF;
    corral__sched_part(w, row, node, -1, -INF, kind, src, line, detail);
}

static void set_fence(ws_t *w, int n, const char *reason)
{
    snode_t *sn = &w->nodes[n];
    if (sn->fence) return;
    sn->fence = true;
    sn->fence_reason = reason;
    sn->avail = false;
    sn->down_after = true;
}

static bool device_can_fence(const corral_config_t *c, const char *node)
{
    for (size_t i = 0; i < c->n_fence_devices; i++) {
        const corral_fence_device_t *d = &c->fence_devices[i];
        if (!d->hosts) return true;
        for (size_t j = 0; j < d->n_hosts; j++)
            if (!strcmp(d->hosts[j], node)) return true;
    }
    return false;
}

static int64_t parse_i64(const char *s)
{
    long long v = 0;
    return parse_int(s, &v) ? (int64_t)v : 0;
}

static void unpack_nodes(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    const corral_status_t *st = w->st;
    w->n_nodes = (int)c->n_nodes;
    w->nodes = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(snode_t));
    w->node_by_name_rank = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    bool nq_fence = !st->quorate && c->cluster.no_quorum_policy == CORRAL_NQ_FENCE;
    w->quorum_ok = st->quorate || c->cluster.no_quorum_policy == CORRAL_NQ_IGNORE;
    for (int i = 0; i < w->n_nodes; i++) {
        snode_t *n = &w->nodes[i];
        n->cfg = &c->nodes[i];
        n->name = c->nodes[i].name;
        n->st = corral_status_node(st, n->name);
        /* A configured node the status does not mention has the default state: online. */
        n->state = n->st ? n->st->state : CORRAL_NODE_ONLINE;
        n->standby = c->nodes[i].standby;
        n->maintenance = c->nodes[i].maintenance;
        n->fenceable = c->cluster.stonith_enabled && w->quorum_ok && device_can_fence(c, n->name);
        w->node_by_name_rank[i] = i;
    }
    qsort_r(w->node_by_name_rank, (size_t)w->n_nodes, sizeof(int), cmp_name_rank, w);
    for (int i = 0; i < w->n_nodes; i++) w->nodes[w->node_by_name_rank[i]].name_rank = i;
    for (int i = 0; i < w->n_nodes; i++) {
        snode_t *n = &w->nodes[i];
        if (n->state == CORRAL_NODE_UNCLEAN) {
            if (!c->cluster.stonith_enabled)
                n->down_after = true; /* assumed down, as Pacemaker */
            else if (n->fenceable)
                set_fence(w, i, "node is unclean");
        }
        if (nq_fence && n->state == CORRAL_NODE_ONLINE && c->cluster.stonith_enabled)
            set_fence(w, i, "no quorum (no-quorum-policy = fence)");
    }
    /* Utilization keys: those any node has a capacity for, or any resource uses. */
    if (c->cluster.placement_strategy != CORRAL_PLACEMENT_DEFAULT) {
        for (size_t i = 0; i < c->n_nodes; i++)
            for (size_t j = 0; j < c->nodes[i].capacity.n; j++) {
                const char *k = c->nodes[i].capacity.items[j].key;
                bool have = false;
                for (int x = 0; x < w->n_util && !have; x++) have = !strcmp(w->util_keys[x], k);
                if (have) continue;
                w->util_keys =
                    corral_xrealloc(w->util_keys, (size_t)(w->n_util + 1) * sizeof(char *));
                w->util_keys[w->n_util++] = k;
            }
        for (size_t i = 0; i < c->n_resources; i++)
            for (size_t j = 0; j < c->resources[i].uses.n; j++) {
                const char *k = c->resources[i].uses.items[j].key;
                bool have = false;
                for (int x = 0; x < w->n_util && !have; x++) have = !strcmp(w->util_keys[x], k);
                if (have) continue;
                w->util_keys =
                    corral_xrealloc(w->util_keys, (size_t)(w->n_util + 1) * sizeof(char *));
                w->util_keys[w->n_util++] = k;
            }
        for (int i = 0; i < w->n_nodes; i++) {
            w->nodes[i].cap = corral_xcalloc((size_t)w->n_util + 1, sizeof(int64_t));
            for (int x = 0; x < w->n_util; x++)
                for (size_t j = 0; j < c->nodes[i].capacity.n; j++)
                    if (!strcmp(c->nodes[i].capacity.items[j].key, w->util_keys[x]))
                        w->nodes[i].cap[x] = parse_i64(c->nodes[i].capacity.items[j].value);
        }
    }
}

/* Node-level effects of failures (fence, standby) come before availability. */
static void unpack_failure_node_effects(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    for (size_t i = 0; i < w->st->n_resources; i++) {
        const corral_status_resource_t *sr = &w->st->resources[i];
        corral_ref_t ref = {CORRAL_REF_NONE, w->st_prim[i]};
        if (ref.index >= 0) ref.kind = CORRAL_REF_PRIMITIVE;
        if (ref.kind != CORRAL_REF_PRIMITIVE) continue;
        const corral_resource_t *r = &c->resources[ref.index];
        for (size_t j = 0; j < sr->stop_failed_on.n; j++) {
            int n = node_index(w, sr->stop_failed_on.names[j]);
            if (n < 0 || w->nodes[n].state != CORRAL_NODE_ONLINE) continue;
            const corral_op_spec_t *op = find_op(r, "stop", CORRAL_ROLE_ANY);
            corral_on_fail_t of = op ? op->on_fail : CORRAL_ON_FAIL_DEFAULT;
            bool fence = of == CORRAL_ON_FAIL_FENCE ||
                         (of == CORRAL_ON_FAIL_DEFAULT && c->cluster.stonith_enabled);
            if (fence && w->nodes[n].fenceable) set_fence(w, n, "stop failed there");
        }
        for (size_t j = 0; j < sr->failed_on.n; j++) {
            int n = node_index(w, sr->failed_on.names[j]);
            if (n < 0 || w->nodes[n].state != CORRAL_NODE_ONLINE) continue;
            bool promoted = corral_namelist_has(&sr->promoted_on, sr->failed_on.names[j]);
            const corral_op_spec_t *op =
                find_op(r, "monitor", promoted ? CORRAL_ROLE_PROMOTED : CORRAL_ROLE_UNPROMOTED);
            corral_on_fail_t of = op ? op->on_fail : CORRAL_ON_FAIL_DEFAULT;
            if (of == CORRAL_ON_FAIL_FENCE && w->nodes[n].fenceable)
                set_fence(w, n, "monitor failed there (on-fail = fence)");
            if (of == CORRAL_ON_FAIL_STANDBY) w->nodes[n].standby = true;
        }
    }
    for (int i = 0; i < w->n_nodes; i++) {
        snode_t *n = &w->nodes[i];
        n->avail = n->state == CORRAL_NODE_ONLINE && !n->standby && !n->maintenance && !n->fence;
    }
}

/* The live nodes a primitive is active on, per the status. */
static int live_nodes(ws_t *w, const corral_status_resource_t *sr, int *out)
{
    int k = 0;
    if (!sr) return 0;
    for (size_t j = 0; j < sr->active_on.n; j++) {
        int n = node_index(w, sr->active_on.names[j]);
        if (n < 0) continue;
        const snode_t *sn = &w->nodes[n];
        if (sn->state == CORRAL_NODE_OFFLINE) continue;
        if (sn->state == CORRAL_NODE_UNCLEAN && !w->cfg->cluster.stonith_enabled) continue;
        out[k++] = n;
    }
    return k;
}

static int new_unit(ws_t *w, int prim, int clone, int inst)
{
    unit_t *u = &w->units[w->n_units];
    memset(u, 0, sizeof(*u));
    const corral_resource_t *r = &w->cfg->resources[prim];
    u->prim = prim;
    u->item = w->prim_item[prim];
    u->clone = clone;
    u->inst = inst;
    u->group = r->group;
    u->gpos = 0;
    if (r->group >= 0)
        for (size_t m = 0; m < w->cfg->groups[r->group].n_members; m++)
            if (w->cfg->groups[r->group].members[m] == prim) u->gpos = (int)m;
    /* A clone instance's own name; anything else goes by the config's id (not copied). */
    u->name = inst >= 0 ? corral_xasprintf("%s:%d", r->id, inst) : r->id;
    u->row = w->n_units;
    u->cur_promoted = -1;
    u->assigned = -1;
    u->prom_rank = -1;
    u->managed = eff_managed(w, prim);
    u->target_role = eff_target_role(w, prim);
    u->stickiness = eff_stickiness(w, prim);
    u->requires = r->requires;
    if (u->requires == CORRAL_REQUIRES_DEFAULT)
    u->requires =
        w->cfg->cluster.stonith_enabled ? CORRAL_REQUIRES_FENCING : CORRAL_REQUIRES_QUORUM;
    item_add_unit(&w->items[u->item], w->n_units);
    return w->n_units++;
}

static void unit_set_cur(ws_t *w, int ui, const corral_status_resource_t *sr, int node)
{
    unit_t *u = &w->units[ui];
    u->cur = corral_xrealloc(u->cur, (size_t)(u->n_cur + 1) * sizeof(int));
    u->cur[u->n_cur++] = node;
    if (!sr) return;
    const char *name = w->nodes[node].name;
    if (corral_namelist_has(&sr->promoted_on, name)) u->cur_promoted = node;
    if (corral_namelist_has(&sr->failed_on, name)) {
        u->failed = corral_xrealloc(u->failed, (size_t)(u->n_failed + 1) * sizeof(int));
        u->failed[u->n_failed++] = node;
    }
}

static void unpack_units(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    size_t cap = 0;
    /* Count the units first: clones get max(max, active nodes) instances. */
    int *tmp = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    int *clone_n = corral_xcalloc(c->n_clones + 1, sizeof(int));
    for (size_t i = 0; i < c->n_clones; i++) {
        const corral_clone_t *cl = &c->clones[i];
        int max = cl->max < 0 ? w->n_nodes : cl->max;
        int active = 0;
        const int *members = NULL;
        size_t n_members = 0;
        int single;
        if (cl->child.kind == CORRAL_REF_GROUP) {
            members = c->groups[cl->child.index].members;
            n_members = c->groups[cl->child.index].n_members;
        } else {
            single = cl->child.index;
            members = &single;
            n_members = 1;
        }
        bool *on = corral_xcalloc((size_t)w->n_nodes + 1, 1);
        for (size_t m = 0; m < n_members; m++) {
            int k = live_nodes(w, w->st_by_prim[members[m]], tmp);
            for (int j = 0; j < k; j++) on[tmp[j]] = true;
        }
        for (int n = 0; n < w->n_nodes; n++) active += on[n];
        free(on);
        clone_n[i] = max > active ? max : active;
        cap += (size_t)clone_n[i] * n_members;
    }
    for (size_t p = 0; p < c->n_resources; p++)
        if (c->resources[p].clone < 0) cap++;
    w->units = corral_xcalloc(cap + 1, sizeof(unit_t));
    w->why = corral_xcalloc(cap + 1, sizeof(char *));

    for (size_t p = 0; p < c->n_resources; p++) {
        if (c->resources[p].clone >= 0) continue;
        int ui = new_unit(w, (int)p, -1, -1);
        const corral_status_resource_t *sr = w->st_by_prim[p];
        int k = live_nodes(w, sr, tmp);
        for (int j = 0; j < k; j++) unit_set_cur(w, ui, sr, tmp[j]);
    }
    for (size_t i = 0; i < c->n_clones; i++) {
        const corral_clone_t *cl = &c->clones[i];
        const int *members;
        size_t n_members;
        int single;
        if (cl->child.kind == CORRAL_REF_GROUP) {
            members = c->groups[cl->child.index].members;
            n_members = c->groups[cl->child.index].n_members;
        } else {
            single = cl->child.index;
            members = &single;
            n_members = 1;
        }
        /* Instance k of every member lives on the k-th node (in config order) where any runs. */
        int *slot = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
        for (int n = 0; n < w->n_nodes; n++) slot[n] = -1;
        int next = 0;
        for (size_t m = 0; m < n_members; m++) {
            int k = live_nodes(w, w->st_by_prim[members[m]], tmp);
            for (int j = 0; j < k; j++)
                if (slot[tmp[j]] < 0) slot[tmp[j]] = next++;
        }
        int item = w->clone_item[i];
        for (size_t m = 0; m < n_members; m++) {
            const corral_status_resource_t *sr = w->st_by_prim[members[m]];
            int k = live_nodes(w, sr, tmp);
            int first_unit = w->n_units;
            for (int inst = 0; inst < clone_n[i]; inst++) {
                int ui = new_unit(w, members[m], (int)i, inst);
                item_add_unit(&w->items[item], ui);
            }
            for (int j = 0; j < k; j++) unit_set_cur(w, first_unit + slot[tmp[j]], sr, tmp[j]);
        }
        free(slot);
    }
    free(tmp);
    free(clone_n);
}

/* Failure, quorum, maintenance and role decisions per unit. */
static void unpack_unit_states(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    for (int ui = 0; ui < w->n_units; ui++) {
        unit_t *u = &w->units[ui];
        const corral_resource_t *r = &c->resources[u->prim];
        const corral_status_resource_t *sr = w->st_by_prim[u->prim];
        /* Nodes whose state freezes what runs there. */
        for (int j = 0; j < u->n_cur; j++) {
            const snode_t *sn = &w->nodes[u->cur[j]];
            if (sn->maintenance) {
                u->mode = UM_FROZEN;
                u->frozen_why = "node in maintenance";
            } else if (sn->state == CORRAL_NODE_PENDING) {
                u->mode = UM_FROZEN;
                u->frozen_why = "node is pending";
            } else if (sn->state == CORRAL_NODE_UNCLEAN && !sn->fence) {
                u->mode = UM_FROZEN;
                u->frozen_why = "node is unclean and cannot be fenced";
            }
        }
        if (!u->managed) {
            u->mode = UM_FROZEN;
            u->frozen_why = "unmanaged";
        }
        /* A failed stop: fenced (node-level, done), or blocked. */
        for (size_t j = 0; sr && j < sr->stop_failed_on.n; j++) {
            int n = node_index(w, sr->stop_failed_on.names[j]);
            bool here = false;
            for (int k = 0; k < u->n_cur; k++) here = here || u->cur[k] == n;
            if (n < 0 || !here || w->nodes[n].fence) continue;
            const corral_op_spec_t *op = find_op(r, "stop", CORRAL_ROLE_ANY);
            if (op && op->on_fail == CORRAL_ON_FAIL_IGNORE) continue;
            u->mode = UM_FROZEN;
            u->frozen_why = "stop failed and cannot be escalated (blocked)";
            u->stop_failed_block = true;
        }
        /* Monitor failures. */
        for (int j = 0; j < u->n_failed; j++) {
            int n = u->failed[j];
            bool promoted = u->cur_promoted == n;
            const corral_op_spec_t *op =
                find_op(r, "monitor", promoted ? CORRAL_ROLE_PROMOTED : CORRAL_ROLE_UNPROMOTED);
            corral_on_fail_t of = op ? op->on_fail : CORRAL_ON_FAIL_DEFAULT;
            switch (of) {
            case CORRAL_ON_FAIL_IGNORE:
                u->ignore_failures = true;
                u->n_failed = 0;
                break;
            case CORRAL_ON_FAIL_BLOCK:
                u->mode = UM_FROZEN;
                u->frozen_why = "monitor failed (on-fail = block)";
                break;
            case CORRAL_ON_FAIL_STOP:
                u->stop_only = true;
                corral__sched_set_why(w, ui, "monitor failed on %s (on-fail = stop)",
                                      w->nodes[n].name);
                break;
            case CORRAL_ON_FAIL_DEMOTE:
                if (promoted) {
                    u->demote_only = true;
                    u->n_failed = 0;
                }
                break;
            case CORRAL_ON_FAIL_FENCE:
                if (!w->nodes[n].fence) {
                    u->mode = UM_FROZEN;
                    u->frozen_why = "monitor failed, fencing not possible";
                }
                break;
            default:
                break;
            }
        }
        /* Active on several nodes, outside a clone. */
        if (u->clone < 0 && u->n_cur > 1 && u->mode == UM_NORMAL) {
            switch (r->multiple_active) {
            case CORRAL_MULTIPLE_BLOCK:
                u->mode = UM_FROZEN;
                u->frozen_why = "active on several nodes (multiple-active = block)";
                break;
            case CORRAL_MULTIPLE_STOP_ONLY:
                u->multiple_active = true;
                u->stop_only = true;
                corral__sched_set_why(w, ui,
                                      "active on several nodes (multiple-active = stop_only)");
                break;
            default:
                u->multiple_active = true;
                break;
            }
        }
        if (u->target_role == CORRAL_ROLE_STOPPED) {
            u->stop_only = true;
            corral__sched_set_why(w, ui, "target-role is stopped");
        }
        if (!w->st->quorate && u->requires != CORRAL_REQUIRES_NOTHING) {
            bool promotable = u->clone >= 0 && c->clones[u->clone].promotable;
            switch (c->cluster.no_quorum_policy) {
            case CORRAL_NQ_IGNORE:
                break;
            case CORRAL_NQ_FREEZE:
                if (u->n_cur && u->mode == UM_NORMAL) {
                    u->mode = UM_FROZEN;
                    u->frozen_why = "no quorum (no-quorum-policy = freeze)";
                } else {
                    u->stop_only = true;
                    corral__sched_set_why(w, ui, "no quorum (no-quorum-policy = freeze)");
                }
                break;
            case CORRAL_NQ_DEMOTE:
                if (!promotable) {
                    u->stop_only = true;
                    corral__sched_set_why(w, ui, "no quorum (no-quorum-policy = demote)");
                }
                break;
            default:
                u->stop_only = true;
                corral__sched_set_why(w, ui, "no quorum");
                break;
            }
        }
        if (u->mode == UM_FROZEN && !u->n_cur && !w->why[ui])
            corral__sched_set_why(w, ui, "%s", u->frozen_why);
        /* utilization */
        if (w->n_util) {
            u->uses = corral_xcalloc((size_t)w->n_util + 1, sizeof(int64_t));
            for (int x = 0; x < w->n_util; x++)
                for (size_t j = 0; j < r->uses.n; j++)
                    if (!strcmp(r->uses.items[j].key, w->util_keys[x]))
                        u->uses[x] = parse_i64(r->uses.items[j].value);
        }
    }
}

static corral_score_t effective_failcount(const ws_t *w, const corral_resource_t *r,
                                          const corral_status_failure_t *f, bool *expired)
{
    *expired = false;
    if (f->count <= 0) return 0;
    if (r->failure_timeout_ms && f->last_failure >= 0 && w->st->now_set) {
        int64_t timeout_s = (int64_t)((r->failure_timeout_ms + 999) / 1000);
        if (w->st->now >= f->last_failure + timeout_s) {
            *expired = true;
            return 0;
        }
    }
    return f->count;
}

static void unpack_scores(ws_t *w, bool explain)
{
    const corral_config_t *c = w->cfg;
    w->n_rows = w->n_units + (int)c->n_clones;
    size_t cells = (size_t)w->n_rows * (size_t)w->n_nodes;
    w->score = corral_xcalloc(cells + 1, sizeof(corral_score_t));
    w->allowed = corral_xcalloc(cells + 1, 1);
    /* No row_head, no parts: the bookkeeping is skipped when nobody will read it. */
    if (explain) {
        w->row_head = corral_xmalloc(((size_t)w->n_rows + 1) * sizeof(int));
        for (int i = 0; i < w->n_rows; i++) w->row_head[i] = -1;
    }
    w->row_unit = corral_xmalloc(((size_t)w->n_rows + 1) * sizeof(int));
    for (int i = 0; i < w->n_rows; i++) w->row_unit[i] = i < w->n_units ? i : -1;
    if (!c->cluster.symmetric)
        for (size_t k = 0; k < cells; k++) w->score[k] = -INF;
    for (size_t i = 0; i < c->n_clones; i++) w->items[w->clone_item[i]].row = w->n_units + (int)i;
    for (size_t p = 0; p < c->n_resources; p++) {
        item_t *it = &w->items[w->prim_item[p]];
        if (c->resources[p].clone < 0) it->row = w->units[it->units[0]].row;
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        item_t *it = &w->items[w->group_item[g]];
        if (c->groups[g].clone < 0) it->row = w->items[w->prim_item[c->groups[g].members[0]]].row;
    }
    for (size_t l = 0; l < c->n_locations; l++) apply_location(w, (int)l);

    /* Failcounts against migration-threshold. */
    for (size_t i = 0; i < w->st->n_resources; i++) {
        const corral_status_resource_t *sr = &w->st->resources[i];
        corral_ref_t ref = {CORRAL_REF_NONE, w->st_prim[i]};
        if (ref.index >= 0) ref.kind = CORRAL_REF_PRIMITIVE;
        if (ref.kind != CORRAL_REF_PRIMITIVE) continue;
        const corral_resource_t *r = &c->resources[ref.index];
        int item = w->prim_item[ref.index];
        if (w->units[w->items[item].units[0]].ignore_failures) continue;
        corral_score_t threshold = r->migration_threshold_set
                                       ? r->migration_threshold
                                       : c->cluster.default_migration_threshold;
        if (threshold <= 0) continue;
        for (size_t j = 0; j < sr->n_failures; j++) {
            const corral_status_failure_t *f = &sr->failures[j];
            int n = node_index(w, f->node);
            if (n < 0) continue;
            bool expired;
            corral_score_t fc = effective_failcount(w, r, f, &expired);
            if (fc < threshold) continue;
            char sc[16], th[16];
            corral_format_score(fc, sc, sizeof(sc));
            corral_format_score(threshold, th, sizeof(th));
            int tl = r->migration_threshold_set ? r->migration_threshold_line
                                                : c->cluster.default_migration_threshold_line;
            char *d = tl ? corral_xasprintf("failcount %s >= migration-threshold %s of %s:%d", sc,
                                            th, c->file, tl)
                         : corral_xasprintf("failcount %s >= migration-threshold %s", sc, th);
            /* An anonymous clone's instance failing bans the whole clone from the node. */
            int row = r->clone >= 0 ? w->items[w->clone_item[r->clone]].row
                                    : w->units[w->items[item].units[0]].row;
            ban_all(w, row, n, PART_FAILCOUNT, (int)ref.index, f->line, d);
        }
    }
}

/* Stickiness on a unit's row (clone instances: after copying the clone row). */
void corral__sched_stickiness(ws_t *w, int ui);
void corral__sched_stickiness(ws_t *w, int ui)
{
    unit_t *u = &w->units[ui];
    if (u->mode != UM_NORMAL || u->stickiness < 1 || u->n_cur != 1) return;
    int n = u->cur[0];
    size_t k = (size_t)u->row * (size_t)w->n_nodes + (size_t)n;
    if (!w->cfg->cluster.symmetric && !w->allowed[k]) return;
    /* A clone's negative score bans the node for every instance: no stickiness makes up for it. */
    if (u->clone >= 0 &&
        w->score[(size_t)w->items[w->clone_item[u->clone]].row * (size_t)w->n_nodes + (size_t)n] <
            0)
        return;
    w->score[k] = corral_score_add(w->score[k], u->stickiness);
    if (!w->row_head) return; /* the rest only explains it */
    const corral_meta_t *m = NULL;
    for (int j = 0; j < 3 && !m; j++) {
        const corral_meta_t *mm = meta_chain(w, u->prim, j);
        if (mm && mm->stickiness_set) m = mm;
    }
    /* The line of the stickiness key that applies (or of the default). */
    int line =
        m ? m->stickiness_line
          : (w->cfg->cluster.default_stickiness_set ? w->cfg->cluster.default_stickiness_line : 0);
    corral__sched_part(w, u->row, n, -1, u->stickiness, PART_STICKINESS, u->prim, line,
                       m ? NULL
                         : corral_xstrdup(w->cfg->cluster.default_stickiness_set
                                              ? "default-stickiness"
                                              : "clone instance default"));
}

/* Status resources by config primitive and back, through a hash table of ids (big clusters). */
static void index_status(ws_t *w)
{
    const corral_config_t *c = w->cfg;
    corral__strindex_t ix;
    corral__strindex_init(&ix, c->n_resources);
    for (size_t i = 0; i < c->n_resources; i++)
        corral__strindex_add(&ix, c->resources[i].id, (int)i);
    w->st_by_prim = corral_xcalloc(c->n_resources + 1, sizeof(*w->st_by_prim));
    w->st_prim = corral_xcalloc(w->st->n_resources + 1, sizeof(int));
    for (size_t i = 0; i < w->st->n_resources; i++) {
        int p = corral__strindex_get(&ix, w->st->resources[i].id);
        w->st_prim[i] = p;
        if (p >= 0) w->st_by_prim[p] = &w->st->resources[i];
    }
    corral__strindex_free(&ix);
}

int corral__sched_unpack(ws_t *w, const corral_config_t *c, const corral_status_t *st, bool explain)
{
    memset(w, 0, sizeof(*w));
    w->cfg = c;
    w->st = st;
    index_status(w);
    unpack_nodes(w);
    w->scratch = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(corral_score_t));
    w->scratch_in = corral_xcalloc((size_t)w->n_nodes + 1, 1);
    w->scratch_nodes = corral_xcalloc((size_t)w->n_nodes + 1, sizeof(int));
    unpack_failure_node_effects(w);

    size_t n_items = c->n_resources + c->n_groups + c->n_clones;
    w->items = corral_xcalloc(n_items + 1, sizeof(item_t));
    w->prim_item = corral_xcalloc(c->n_resources + 1, sizeof(int));
    w->group_item = corral_xcalloc(c->n_groups + 1, sizeof(int));
    w->clone_item = corral_xcalloc(c->n_clones + 1, sizeof(int));
    for (size_t i = 0; i < c->n_resources; i++)
        w->prim_item[i] = add_item(w, IT_PRIM, (int)i, c->resources[i].id);
    for (size_t i = 0; i < c->n_groups; i++)
        w->group_item[i] = add_item(w, IT_GROUP, (int)i, c->groups[i].id);
    for (size_t i = 0; i < c->n_clones; i++)
        w->clone_item[i] = add_item(w, IT_CLONE, (int)i, c->clones[i].id);
    for (size_t i = 0; i < c->n_resources; i++)
        if (c->resources[i].clone >= 0)
            w->items[w->prim_item[i]].clone = w->clone_item[c->resources[i].clone];
    for (size_t i = 0; i < c->n_groups; i++)
        if (c->groups[i].clone >= 0)
            w->items[w->group_item[i]].clone = w->clone_item[c->groups[i].clone];

    unpack_units(w);
    /* Group items hold their first member's units (for colocations naming the group). */
    for (size_t g = 0; g < c->n_groups; g++) {
        item_t *gi = &w->items[w->group_item[g]];
        const item_t *first = &w->items[w->prim_item[c->groups[g].members[0]]];
        for (int k = 0; k < first->n_units; k++) item_add_unit(gi, first->units[k]);
    }
    for (size_t i = 0; i < n_items; i++) {
        item_t *it = &w->items[i];
        if (it->kind == IT_PRIM)
            it->priority = corral__sched_prio(w, it->index);
        else if (it->kind == IT_GROUP)
            it->priority =
                c->groups[it->index].meta.priority_set ? c->groups[it->index].meta.priority : 0;
        else
            it->priority =
                c->clones[it->index].meta.priority_set ? c->clones[it->index].meta.priority : 0;
    }
    unpack_unit_states(w);
    unpack_scores(w, explain);
    for (int ui = 0; ui < w->n_units; ui++)
        if (w->units[ui].clone < 0) corral__sched_stickiness(w, ui);

    /* Colocations: the config's, then each group's internal chain. */
    size_t n_chain = 0;
    for (size_t g = 0; g < c->n_groups; g++) n_chain += c->groups[g].n_members;
    w->colocs = corral_xcalloc(c->n_colocations + n_chain + 1, sizeof(coloc_t));
    for (size_t i = 0; i < c->n_colocations; i++) {
        const corral_colocation_t *cc = &c->colocations[i];
        add_coloc(w, corral__sched_ref_item(w, cc->rsc), corral__sched_ref_item(w, cc->with),
                  cc->score, cc->role, cc->with_role, (int)i, -1,
                  cc->score_line ? cc->score_line : cc->line, cc->id);
    }
    for (size_t g = 0; g < c->n_groups; g++) {
        const corral_group_t *gr = &c->groups[g];
        if (gr->clone >= 0) continue; /* cloned groups: handled per instance */
        for (size_t m = 1; m < gr->n_members; m++)
            add_coloc(w, w->prim_item[gr->members[m]], w->prim_item[gr->members[m - 1]], INF,
                      CORRAL_ROLE_ANY, CORRAL_ROLE_ANY, -1, (int)g, gr->line, gr->id);
    }
    for (size_t i = 0; i < c->n_orders; i++) {
        int f = corral__sched_ref_item(w, c->orders[i].first);
        if (f < 0) continue;
        item_t *it = &w->items[f];
        it->orders_first =
            corral_xrealloc(it->orders_first, (size_t)(it->n_orders_first + 1) * sizeof(int));
        it->orders_first[it->n_orders_first++] = (int)i;
    }
    return 0;
}

void corral__sched_free(ws_t *w)
{
    for (int i = 0; i < w->n_nodes; i++) free(w->nodes[i].cap);
    free(w->nodes);
    free(w->node_by_name_rank);
    for (int i = 0; i < w->n_units; i++) {
        if (w->units[i].inst >= 0) free(w->units[i].name);
        free(w->units[i].cur);
        free(w->units[i].failed);
        free(w->units[i].uses);
        free(w->why[i]);
    }
    free(w->why);
    free(w->units);
    for (int i = 0; i < w->n_items; i++) {
        free(w->items[i].units);
        free(w->items[i].this_with);
        free(w->items[i].with_this);
        free(w->items[i].orders_first);
    }
    free(w->items);
    free(w->colocs);
    free(w->score);
    free(w->allowed);
    free(w->row_head);
    free(w->row_unit);
    for (size_t i = 0; i < w->n_parts; i++) free(w->parts[i].detail);
    free(w->parts);
    free(w->util_keys);
    free(w->scratch);
    free(w->st_by_prim);
    free(w->st_prim);
    free(w->scratch_in);
    free(w->scratch_nodes);
    free(w->prim_item);
    free(w->group_item);
    free(w->clone_item);
}
