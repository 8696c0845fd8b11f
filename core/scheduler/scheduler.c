/* The scheduler's entry point and its explanations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

struct corral_explanation {
    ws_t w;
    int *order; /* units in allocation-independent display order (config order) */
};

int corral_schedule(const corral_config_t *config, const corral_status_t *status,
                    corral_transition_t **transition_out, corral_explanation_t **explanation_out)
{
    if (!config || !status || !transition_out) return -EINVAL;
    corral_explanation_t *e = corral_xcalloc(1, sizeof(*e));
    ws_t *w = &e->w;
    /*
     * Parts are recorded only when someone will read them: the daemon's
     * hot path skips the bookkeeping (row_head NULL means "don't record").
     */
    int rc = corral__sched_unpack(w, config, status, explanation_out != NULL);
    if (rc < 0) {
        corral__sched_free(w);
        free(e);
        return rc;
    }
    corral__sched_assign(w);
    corral_transition_t *t = corral_transition_new();
    corral__sched_actions(w, t);
    *transition_out = t;
    if (explanation_out) {
        *explanation_out = e;
    } else {
        corral__sched_free(w);
        free(e);
    }
    return 0;
}

void corral_explanation_free(corral_explanation_t *e)
{
    if (!e) return;
    corral__sched_free(&e->w);
    free(e->order);
    free(e);
}

size_t corral_explanation_n_instances(const corral_explanation_t *e)
{
    return (size_t)e->w.n_units;
}

const char *corral_explanation_instance(const corral_explanation_t *e, size_t i)
{
    return i < (size_t)e->w.n_units ? e->w.units[i].name : NULL;
}

const char *corral_explanation_resource(const corral_explanation_t *e, size_t i)
{
    return i < (size_t)e->w.n_units ? e->w.cfg->resources[e->w.units[i].prim].id : NULL;
}

long corral_explanation_find(const corral_explanation_t *e, const char *name)
{
    for (int i = 0; i < e->w.n_units; i++)
        if (!strcmp(e->w.units[i].name, name)) return i;
    for (int i = 0; i < e->w.n_units; i++)
        if (!strcmp(e->w.cfg->resources[e->w.units[i].prim].id, name)) return i;
    return -1;
}

size_t corral_explanation_n_nodes(const corral_explanation_t *e)
{
    return (size_t)e->w.n_nodes;
}

const char *corral_explanation_node(const corral_explanation_t *e, size_t n)
{
    return n < (size_t)e->w.n_nodes ? e->w.nodes[n].name : NULL;
}

corral_score_t corral_explanation_score(const corral_explanation_t *e, size_t i, size_t n)
{
    const ws_t *w = &e->w;
    if (i >= (size_t)w->n_units || n >= (size_t)w->n_nodes) return -CORRAL_INFINITY;
    if (!w->nodes[n].avail) return -CORRAL_INFINITY;
    return w->score[(size_t)w->units[i].row * (size_t)w->n_nodes + n];
}

static const char *kind_name(int k)
{
    switch (k) {
    case PART_LOCATION:
        return "location";
    case PART_RULE:
        return "rule";
    case PART_STICKINESS:
        return "stickiness";
    case PART_FAILCOUNT:
        return "failcount";
    case PART_COLOCATION:
        return "colocation";
    case PART_DEPENDENTS:
        return "dependents";
    case PART_NODE:
        return "node";
    case PART_OPT_IN:
        return "opt-in";
    case PART_UTILIZATION:
        return "utilization";
    case PART_CLONE_LIMIT:
        return "clone";
    case PART_PROMOTION:
        return "promotion";
    default:
        return "role";
    }
}

static const char *part_id(const ws_t *w, const part_t *p)
{
    if (p->src < 0) return NULL;
    switch (p->kind) {
    case PART_LOCATION:
    case PART_RULE:
        return w->cfg->locations[p->src].id;
    case PART_COLOCATION:
        return w->cfg->colocations[p->src].id;
    case PART_STICKINESS:
    case PART_FAILCOUNT:
        return w->cfg->resources[p->src].id;
    default:
        return NULL;
    }
}

static size_t collect(const ws_t *w, int row, size_t n, corral_score_part_t *out, size_t max,
                      size_t k, const char *status_file)
{
    if (!w->row_head) return k;
    for (int pi = w->row_head[row]; pi >= 0; pi = w->parts[pi].next) {
        const part_t *p = &w->parts[pi];
        bool applies =
            p->node >= 0 ? (size_t)p->node == n : (p->except < 0 || (size_t)p->except != n);
        if (!applies) continue;
        if (k < max) {
            out[k].score = p->score;
            out[k].what = kind_name(p->kind);
            out[k].id = part_id(w, p);
            out[k].detail = p->detail;
            out[k].file = p->kind == PART_FAILCOUNT ? status_file : w->cfg->file;
            out[k].line = p->line;
        }
        k++;
    }
    return k;
}

size_t corral_explanation_parts(const corral_explanation_t *e, size_t i, size_t n,
                                corral_score_part_t *parts, size_t max)
{
    const ws_t *w = &e->w;
    if (i >= (size_t)w->n_units || n >= (size_t)w->n_nodes) return 0;
    const unit_t *u = &w->units[i];
    const char *sf = w->st->file ? w->st->file : "status";
    size_t k = 0;
    if (!w->nodes[n].avail) {
        if (k < max) {
            const snode_t *sn = &w->nodes[n];
            parts[k].score = -CORRAL_INFINITY;
            parts[k].what = "node";
            parts[k].id = sn->name;
            parts[k].detail = sn->fence                          ? "node is being fenced"
                              : sn->state == CORRAL_NODE_OFFLINE ? "node is offline"
                              : sn->state == CORRAL_NODE_UNCLEAN ? "node is unclean"
                              : sn->state == CORRAL_NODE_PENDING ? "node is pending"
                              : sn->maintenance                  ? "node is in maintenance"
                                                                 : "node is in standby";
            parts[k].file = w->cfg->file;
            parts[k].line = sn->cfg->line;
        }
        k++;
    }
    /* Clone instances inherit the clone's parts (the row was copied from it). */
    if (u->clone >= 0) k = collect(w, w->items[w->clone_item[u->clone]].row, n, parts, max, k, sf);
    k = collect(w, u->row, n, parts, max, k, sf);
    return k;
}

const char *corral_explanation_assigned(const corral_explanation_t *e, size_t i)
{
    const ws_t *w = &e->w;
    if (i >= (size_t)w->n_units) return NULL;
    const unit_t *u = &w->units[i];
    if (u->mode == UM_FROZEN) return u->n_cur ? w->nodes[u->cur[0]].name : NULL;
    return u->assigned >= 0 ? w->nodes[u->assigned].name : NULL;
}

const char *corral_explanation_why_stopped(const corral_explanation_t *e, size_t i)
{
    const ws_t *w = &e->w;
    if (i >= (size_t)w->n_units) return NULL;
    if (corral_explanation_assigned(e, i)) {
        const unit_t *u = &w->units[i];
        return u->mode == UM_FROZEN ? u->frozen_why : NULL;
    }
    return w->why[i] ? w->why[i] : "no node can run it";
}

void corral_explanation_format(const corral_explanation_t *e, const char *name, const char *node,
                               corral_buf_t *out)
{
    const ws_t *w = &e->w;
    corral_score_part_t parts[64];
    for (int i = 0; i < w->n_units; i++) {
        const unit_t *u = &w->units[i];
        if (name && strcmp(u->name, name) && strcmp(w->cfg->resources[u->prim].id, name)) continue;
        const char *where = corral_explanation_assigned(e, (size_t)i);
        const char *why = corral_explanation_why_stopped(e, (size_t)i);
        corral_buf_printf(out, "%s: %s%s%s%s%s\n", u->name, where ? "runs on " : "stopped",
                          where ? where : "", u->promote ? " (promoted)" : "", why ? ": " : "",
                          why ? why : "");
        for (int r = 0; r < w->n_nodes; r++) {
            int n = w->node_by_name_rank[r];
            if (node && strcmp(w->nodes[n].name, node)) continue;
            char sc[16];
            corral_format_score(corral_explanation_score(e, (size_t)i, (size_t)n), sc, sizeof(sc));
            corral_buf_printf(out, "  %-12s %10s\n", w->nodes[n].name, sc);
            size_t np = corral_explanation_parts(e, (size_t)i, (size_t)n, parts, 64);
            if (np > 64) np = 64;
            for (size_t k = 0; k < np; k++) {
                char ps[16];
                corral_format_score(parts[k].score, ps, sizeof(ps));
                corral_buf_printf(out, "      %10s  %s", ps, parts[k].what);
                if (parts[k].id) corral_buf_printf(out, " %s", parts[k].id);
                if (parts[k].detail) corral_buf_printf(out, " (%s)", parts[k].detail);
                if (parts[k].file && parts[k].line > 0)
                    corral_buf_printf(out, "  [%s:%d]", parts[k].file, parts[k].line);
                corral_buf_append(out, "\n");
            }
        }
    }
}
