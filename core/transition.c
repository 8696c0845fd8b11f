/* The transition graph and its output formats (SPEC section 7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transition.h"

const char *corral_action_kind_name(corral_action_kind_t k)
{
    switch (k) {
    case CORRAL_ACTION_FENCE:
        return "fence";
    case CORRAL_ACTION_STOP:
        return "stop";
    case CORRAL_ACTION_START:
        return "start";
    case CORRAL_ACTION_PROMOTE:
        return "promote";
    case CORRAL_ACTION_DEMOTE:
        return "demote";
    case CORRAL_ACTION_MONITOR:
        return "monitor";
    }
    return "unknown";
}

corral_transition_t *corral_transition_new(void)
{
    corral_transition_t *t = corral_xcalloc(1, sizeof(*t));
    t->quorate = true;
    return t;
}

void corral_transition_free(corral_transition_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_actions; i++) {
        corral_action_t *a = &t->actions[i];
        free(a->id);
        free(a->resource);
        free(a->instance);
        free(a->node);
        free(a->reason);
        free(a->after);
    }
    free(t->actions);
    for (size_t i = 0; i < t->n_summary; i++) {
        free(t->summary[i].instance);
        free(t->summary[i].from);
        free(t->summary[i].to);
        free(t->summary[i].reason);
    }
    free(t->summary);
    for (size_t i = 0; i < t->n_placement; i++) {
        corral_placement_t *p = &t->placement[i];
        free(p->resource);
        for (size_t j = 0; j < p->n_nodes; j++) free(p->nodes[j]);
        free(p->nodes);
        for (size_t j = 0; j < p->n_promoted; j++) free(p->promoted[j]);
        free(p->promoted);
    }
    free(t->placement);
    for (size_t i = 0; i < t->n_down; i++) free(t->down[i]);
    free(t->down);
    free(t);
}

long corral_transition_find(const corral_transition_t *t, const char *id)
{
    for (size_t i = 0; i < t->n_actions; i++)
        if (!strcmp(t->actions[i].id, id)) return (long)i;
    return -1;
}

static char *make_id(corral_action_kind_t kind, const char *rsc, const char *node,
                     uint32_t interval_ms)
{
    if (kind == CORRAL_ACTION_FENCE) return corral_xasprintf("%s_fence", node);
    if (kind == CORRAL_ACTION_MONITOR)
        return corral_xasprintf("%s_monitor_%u_%s", rsc, (unsigned)interval_ms, node);
    return corral_xasprintf("%s_%s_%s", rsc, corral_action_kind_name(kind), node);
}

size_t corral_transition_add(corral_transition_t *t, corral_action_kind_t kind,
                             const char *resource, const char *instance, const char *node,
                             uint32_t interval_ms)
{
    corral_grow((void **)&t->actions, &t->cap_actions, t->n_actions + 1, sizeof(*t->actions));
    corral_action_t *a = &t->actions[t->n_actions];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->resource = resource ? corral_xstrdup(resource) : NULL;
    a->instance =
        instance ? corral_xstrdup(instance) : (resource ? corral_xstrdup(resource) : NULL);
    a->node = corral_xstrdup(node);
    a->interval_ms = interval_ms;
    /*
     * Ids are looked up only while building (rarely), so the linear clash
     * check would be costly at scale: the scheduler passes the instance
     * name itself whenever two instances could share a node.
     */
    a->id = make_id(kind, instance ? instance : resource, node, interval_ms);
    return t->n_actions++;
}

void corral_transition_order(corral_transition_t *t, size_t first, size_t then)
{
    if (first == then || first >= t->n_actions || then >= t->n_actions) return;
    corral_action_t *a = &t->actions[then];
    for (size_t i = 0; i < a->n_after; i++)
        if (a->after[i] == first) return;
    a->after = corral_xrealloc(a->after, (a->n_after + 1) * sizeof(size_t));
    a->after[a->n_after++] = first;
}

void corral_transition_add_summary(corral_transition_t *t, corral_change_t change,
                                   const char *instance, const char *from, const char *to,
                                   const char *reason)
{
    corral_grow((void **)&t->summary, &t->cap_summary, t->n_summary + 1, sizeof(*t->summary));
    corral_summary_t *s = &t->summary[t->n_summary++];
    s->change = change;
    s->instance = corral_xstrdup(instance);
    s->from = from ? corral_xstrdup(from) : NULL;
    s->to = to ? corral_xstrdup(to) : NULL;
    s->reason = reason ? corral_xstrdup(reason) : NULL;
}

size_t corral_transition_n_fences(const corral_transition_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_actions; i++) n += t->actions[i].kind == CORRAL_ACTION_FENCE;
    return n;
}

/* ---- JSON ---- */

static void json_strv(corral_buf_t *b, char *const *v, size_t n)
{
    corral_buf_append(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) corral_buf_append(b, ", ");
        corral_buf_json_string(b, v[i]);
    }
    corral_buf_append(b, "]");
}

void corral_transition_format_json(const corral_transition_t *t, corral_buf_t *b)
{
    corral_buf_printf(b, "{\n  \"quorate\": %s,\n  \"fence\": [", t->quorate ? "true" : "false");
    bool first = true;
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *a = &t->actions[i];
        if (a->kind != CORRAL_ACTION_FENCE) continue;
        corral_buf_append(b, first ? "\n    " : ",\n    ");
        first = false;
        corral_buf_append(b, "{\"node\": ");
        corral_buf_json_string(b, a->node);
        corral_buf_printf(b, ", \"action\": \"%s\", \"reason\": ", a->fence_off ? "off" : "reboot");
        corral_buf_json_string(b, a->reason ? a->reason : "");
        corral_buf_append(b, "}");
    }
    corral_buf_append(b, first ? "],\n  \"actions\": [" : "\n  ],\n  \"actions\": [");
    first = true;
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *a = &t->actions[i];
        if (a->kind == CORRAL_ACTION_FENCE) continue;
        corral_buf_append(b, first ? "\n    " : ",\n    ");
        first = false;
        corral_buf_append(b, "{\"id\": ");
        corral_buf_json_string(b, a->id);
        corral_buf_append(b, ", \"resource\": ");
        corral_buf_json_string(b, a->resource);
        corral_buf_printf(b, ", \"action\": \"%s\", \"node\": ", corral_action_kind_name(a->kind));
        corral_buf_json_string(b, a->node);
        corral_buf_append(b, ", \"after\": [");
        for (size_t j = 0; j < a->n_after; j++) {
            if (j) corral_buf_append(b, ", ");
            corral_buf_json_string(b, t->actions[a->after[j]].id);
        }
        corral_buf_append(b, "]}");
    }
    corral_buf_append(b, first ? "],\n  \"placement\": {" : "\n  ],\n  \"placement\": {");
    for (size_t i = 0; i < t->n_placement; i++) {
        corral_buf_append(b, i ? ",\n    " : "\n    ");
        corral_buf_json_string(b, t->placement[i].resource);
        corral_buf_append(b, ": ");
        json_strv(b, t->placement[i].nodes, t->placement[i].n_nodes);
    }
    corral_buf_append(b, t->n_placement ? "\n  },\n  \"promoted\": {" : "},\n  \"promoted\": {");
    first = true;
    for (size_t i = 0; i < t->n_placement; i++) {
        if (!t->placement[i].promotable) continue;
        corral_buf_append(b, first ? "\n    " : ",\n    ");
        first = false;
        corral_buf_json_string(b, t->placement[i].resource);
        corral_buf_append(b, ": ");
        json_strv(b, t->placement[i].promoted, t->placement[i].n_promoted);
    }
    corral_buf_append(b, first ? "}\n}\n" : "\n  }\n}\n");
}

/* ---- text ---- */

static const char *change_name(corral_change_t c)
{
    switch (c) {
    case CORRAL_CHANGE_START:
        return "Start";
    case CORRAL_CHANGE_STOP:
        return "Stop";
    case CORRAL_CHANGE_MOVE:
        return "Move";
    case CORRAL_CHANGE_RECOVER:
        return "Recover";
    case CORRAL_CHANGE_RESTART:
        return "Restart";
    case CORRAL_CHANGE_PROMOTE:
        return "Promote";
    case CORRAL_CHANGE_DEMOTE:
        return "Demote";
    }
    return "?";
}

void corral_transition_format_text(const corral_transition_t *t, corral_buf_t *b)
{
    if (!t->quorate) corral_buf_append(b, "The cluster has no quorum.\n");
    corral_buf_append(b, "Transition Summary:\n");
    size_t width = 8;
    for (size_t i = 0; i < t->n_summary; i++)
        if (strlen(t->summary[i].instance) > width) width = strlen(t->summary[i].instance);
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *a = &t->actions[i];
        if (a->kind != CORRAL_ACTION_FENCE) continue;
        corral_buf_printf(b, "  * Fence (%s) %s '%s'\n", a->fence_off ? "off" : "reboot", a->node,
                          a->reason ? a->reason : "");
    }
    for (size_t i = 0; i < t->n_summary; i++) {
        const corral_summary_t *s = &t->summary[i];
        corral_buf_printf(b, "  * %-10s %-*s ( ", change_name(s->change), (int)width, s->instance);
        if (s->from && s->to && strcmp(s->from, s->to))
            corral_buf_printf(b, "%s -> %s", s->from, s->to);
        else
            corral_buf_append(b, s->to ? s->to : (s->from ? s->from : ""));
        corral_buf_append(b, " )");
        if (s->reason) corral_buf_printf(b, "  %s", s->reason);
        corral_buf_append(b, "\n");
    }
    if (!t->n_summary && !corral_transition_n_fences(t))
        corral_buf_append(b, "  (nothing to do)\n");
    corral_buf_append(b, "\nPlacement:\n");
    for (size_t i = 0; i < t->n_placement; i++) {
        const corral_placement_t *p = &t->placement[i];
        corral_buf_printf(b, "  * %-*s", (int)width, p->resource);
        if (!p->n_nodes)
            corral_buf_append(b, " Stopped");
        else {
            corral_buf_append(b, " Started [");
            for (size_t j = 0; j < p->n_nodes; j++) corral_buf_printf(b, " %s", p->nodes[j]);
            corral_buf_append(b, " ]");
        }
        if (p->n_promoted) {
            corral_buf_append(b, " Promoted [");
            for (size_t j = 0; j < p->n_promoted; j++) corral_buf_printf(b, " %s", p->promoted[j]);
            corral_buf_append(b, " ]");
        }
        corral_buf_append(b, "\n");
    }
}

/* ---- dot ---- */

void corral_transition_format_dot(const corral_transition_t *t, corral_buf_t *b)
{
    corral_buf_append(b, "digraph \"transition\" {\n");
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *a = &t->actions[i];
        const char *color = a->kind == CORRAL_ACTION_FENCE  ? "red"
                            : a->kind == CORRAL_ACTION_STOP ? "orange"
                                                            : "green";
        corral_buf_append(b, "  ");
        corral_buf_json_string(b, a->id);
        corral_buf_printf(b, " [style=bold color=\"%s\" fontcolor=\"black\"]\n", color);
    }
    for (size_t i = 0; i < t->n_actions; i++) {
        const corral_action_t *a = &t->actions[i];
        for (size_t j = 0; j < a->n_after; j++) {
            corral_buf_append(b, "  ");
            corral_buf_json_string(b, t->actions[a->after[j]].id);
            corral_buf_append(b, " -> ");
            corral_buf_json_string(b, a->id);
            corral_buf_append(b, " [style=bold color=\"green\"]\n");
        }
    }
    corral_buf_append(b, "}\n");
}

/* ---- the status after ---- */

corral_status_t *corral_transition_apply(const corral_transition_t *t,
                                         const corral_status_t *before)
{
    corral_status_t *st = corral_status_copy(before);
    for (size_t i = 0; i < t->n_down; i++) {
        corral_status_node_t *n = corral_status_node(st, t->down[i]);
        if (!n) continue;
        n->state = CORRAL_NODE_OFFLINE;
        for (size_t j = 0; j < n->attrs.n; j++) {
            free(n->attrs.items[j].key);
            free(n->attrs.items[j].value);
        }
        free(n->attrs.items);
        n->attrs.items = NULL;
        n->attrs.n = 0;
    }
    for (size_t i = 0; i < t->n_placement; i++) {
        const corral_placement_t *p = &t->placement[i];
        corral_status_resource_t *r = corral_status_resource(st, p->resource);
        if (!r && !p->n_nodes) continue;
        if (!r) r = corral_status_resource_get(st, p->resource);
        corral_namelist_clear(&r->active_on);
        corral_namelist_clear(&r->promoted_on);
        for (size_t j = 0; j < p->n_nodes; j++) corral_namelist_add(&r->active_on, p->nodes[j]);
        for (size_t j = 0; j < p->n_promoted; j++)
            corral_namelist_add(&r->promoted_on, p->promoted[j]);
        /* A failure still standing where the resource still runs untouched stays. */
        corral_namelist_t keep = {0};
        for (size_t j = 0; j < r->failed_on.n; j++) {
            const char *node = r->failed_on.names[j];
            bool restarted = false;
            char *sid = corral_xasprintf("%s_stop_%s", p->resource, node);
            for (size_t k = 0; k < t->n_actions && !restarted; k++)
                restarted = t->actions[k].kind == CORRAL_ACTION_STOP &&
                            !strcmp(t->actions[k].resource, p->resource) &&
                            !strcmp(t->actions[k].node, node);
            free(sid);
            bool down = false;
            for (size_t k = 0; k < t->n_down; k++) down = down || !strcmp(t->down[k], node);
            if (!restarted && !down && corral_namelist_has(&r->active_on, node))
                corral_namelist_add(&keep, node);
        }
        corral_namelist_clear(&r->failed_on);
        r->failed_on = keep;
        /* A failed stop is resolved by fencing; otherwise the resource stays blocked. */
        corral_namelist_t keep2 = {0};
        for (size_t j = 0; j < r->stop_failed_on.n; j++) {
            bool down = false;
            for (size_t k = 0; k < t->n_down; k++)
                down = down || !strcmp(t->down[k], r->stop_failed_on.names[j]);
            if (!down) corral_namelist_add(&keep2, r->stop_failed_on.names[j]);
        }
        corral_namelist_clear(&r->stop_failed_on);
        r->stop_failed_on = keep2;
        /* Fencing voids a node's history, failcounts included. */
        for (size_t j = 0; j < r->n_failures;) {
            bool down = false;
            for (size_t k = 0; k < t->n_down; k++)
                down = down || !strcmp(t->down[k], r->failures[j].node);
            if (!down) {
                j++;
                continue;
            }
            free(r->failures[j].node);
            memmove(&r->failures[j], &r->failures[j + 1],
                    (r->n_failures - j - 1) * sizeof(*r->failures));
            r->n_failures--;
        }
    }
    return st;
}
