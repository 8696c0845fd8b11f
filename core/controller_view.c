/* `corral status` as text, JSON (SPEC section 7) or a self-contained HTML page. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "controller_int.h"
#include "util.h"

/* What the view shows of one primitive. */
struct rview {
    const corral_resource_t *r;
    char **nodes;
    size_t n_nodes, cap_nodes;
    bool promoted_any;
    bool failed;
    char *reason; /* the last failure's words */
    int64_t reason_time;
};

static void collect(corral_controller_t *ctl, struct rview *v)
{
    for (size_t k = 0; k < ctl->n_nodes; k++) {
        const corral_rsc_history_t *h = corral_ophistory_get(ctl->nodes[k].hist, v->r->id);
        if (!h) continue;
        corral_rsc_state_t st;
        corral_rsc_history_state(h, &st);
        if (st.active) {
            char *label = corral_xasprintf("%s%s", ctl->nodes[k].name, st.promoted ? "*" : "");
            CORRAL_PUSH(v->nodes, v->n_nodes, v->cap_nodes, label);
        }
        if (st.promoted) v->promoted_any = true;
        if (st.failed) v->failed = true;
        if (h->last_failure && (int64_t)(h->last_failure->started_ms / 1000) >= v->reason_time) {
            free(v->reason);
            const corral_op_record_t *f = h->last_failure;
            v->reason = corral_xasprintf("%s%s on %s: %s (rc=%d)%s%s", f->action,
                                         f->interval_ms ? " (recurring)" : "", ctl->nodes[k].name,
                                         corral_ocf_rc_str(f->rc), f->rc,
                                         f->exit_reason[0] ? ": " : "", f->exit_reason);
            v->reason_time = (int64_t)(f->started_ms / 1000);
        }
    }
}

static void rview_free(struct rview *v)
{
    for (size_t i = 0; i < v->n_nodes; i++) free(v->nodes[i]);
    free(v->nodes);
    free(v->reason);
}

static const char *role_of(const struct rview *v)
{
    if (v->promoted_any) return "promoted";
    return v->n_nodes ? "started" : "stopped";
}

static const char *node_state(const struct cnode *n)
{
    if (n->member) return n->ready ? "online" : "pending";
    return n->unclean ? "unclean" : "offline";
}

/* A member with our config epoch but other content: a conflict, reported, never merged. */
static bool conflicting(const corral_controller_t *ctl, const struct cnode *n)
{
    return n->member && n->epoch == ctl->ver.epoch && n->digest[0] &&
           strcmp(n->digest, ctl->ver.digest) != 0;
}

static bool node_standby(corral_controller_t *ctl, const char *name)
{
    int i = corral_config_node_index(ctl->cfg, name);
    return i >= 0 && ctl->cfg->nodes[i].standby;
}

static void render_json(corral_controller_t *ctl, corral_buf_t *b)
{
    corral_buf_append(b, "{\"cluster\": ");
    corral_buf_json_string(b, ctl->cfg->cluster.name ? ctl->cfg->cluster.name : "");
    corral_buf_append(b, ", \"node\": ");
    corral_buf_json_string(b, ctl->node_name);
    corral_buf_append(b, ", \"dc\": ");
    if (ctl->dc)
        corral_buf_json_string(b, ctl->dc);
    else
        corral_buf_append(b, "null");
    corral_buf_printf(b, ", \"quorate\": %s", ctl->quorate ? "true" : "false");
    corral_buf_printf(b, ", \"idle\": %s", corral__ctl_idle(ctl) ? "true" : "false");
    corral_buf_printf(b, ",\n \"config\": {\"epoch\": %" PRIu64 ", \"digest\": ", ctl->ver.epoch);
    corral_buf_json_string(b, ctl->ver.digest);
    corral_buf_append(b, ", \"conflicts\": [");
    bool first = true;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        if (!conflicting(ctl, &ctl->nodes[i])) continue;
        if (!first) corral_buf_append(b, ", ");
        first = false;
        corral_buf_json_string(b, ctl->nodes[i].name);
    }
    corral_buf_append(b, "]},\n \"nodes\": [");
    first = true;
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        corral_buf_append(b, first ? "\n  {\"name\": " : ",\n  {\"name\": ");
        first = false;
        corral_buf_json_string(b, n->name);
        corral_buf_printf(
            b, ", \"id\": %u, \"state\": \"%s\", \"standby\": %s, \"epoch\": %" PRIu64, n->id,
            node_state(n), node_standby(ctl, n->name) ? "true" : "false", n->epoch);
        corral_buf_append(b, ", \"digest\": ");
        corral_buf_json_string(b, n->digest);
        corral_buf_append(b, "}");
    }
    corral_buf_append(b, "],\n \"resources\": [");
    for (size_t i = 0; i < ctl->cfg->n_resources; i++) {
        struct rview v = {.r = &ctl->cfg->resources[i], .reason_time = -1};
        collect(ctl, &v);
        corral_buf_append(b, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
        corral_buf_json_string(b, v.r->id);
        corral_buf_append(b, ", \"agent\": ");
        corral_buf_json_string(b, v.r->agent);
        corral_buf_printf(b, ", \"role\": \"%s\", \"nodes\": [", role_of(&v));
        for (size_t k = 0; k < v.n_nodes; k++) {
            char *name = corral_xstrdup(v.nodes[k]);
            size_t l = strlen(name);
            if (l && name[l - 1] == '*') name[l - 1] = '\0';
            if (k) corral_buf_append(b, ", ");
            corral_buf_json_string(b, name);
            free(name);
        }
        corral_buf_append(b, "], \"failcount\": {");
        bool ff = true;
        for (size_t k = 0; k < ctl->n_fails; k++) {
            if (strcmp(ctl->fails[k].rsc, v.r->id)) continue;
            if (!ff) corral_buf_append(b, ", ");
            ff = false;
            corral_buf_json_string(b, ctl->fails[k].node);
            corral_buf_printf(b, ": %d", (int)ctl->fails[k].count);
        }
        corral_buf_printf(b, "}, \"failed\": %s", v.failed ? "true" : "false");
        if (v.reason) {
            corral_buf_append(b, ", \"last_failure\": ");
            corral_buf_json_string(b, v.reason);
        }
        if (v.r->group >= 0) {
            corral_buf_append(b, ", \"group\": ");
            corral_buf_json_string(b, ctl->cfg->groups[v.r->group].id);
        }
        if (v.r->clone >= 0) {
            corral_buf_append(b, ", \"clone\": ");
            corral_buf_json_string(b, ctl->cfg->clones[v.r->clone].id);
        }
        corral_buf_append(b, "}");
        rview_free(&v);
    }
    corral_buf_append(b, "],\n \"fencing\": [");
    for (size_t i = 0; i < ctl->n_fencing; i++) {
        struct fencerec *f = &ctl->fencing[i];
        char when[32];
        corral_format_time(f->time, when, sizeof(when));
        corral_buf_append(b, i ? ",\n  {\"target\": " : "\n  {\"target\": ");
        corral_buf_json_string(b, f->target);
        corral_buf_append(b, ", \"action\": ");
        corral_buf_json_string(b, f->action);
        corral_buf_append(b, ", \"device\": ");
        corral_buf_json_string(b, f->device);
        corral_buf_append(b, ", \"result\": ");
        corral_buf_json_string(b, f->result);
        corral_buf_append(b, ", \"time\": ");
        corral_buf_json_string(b, when);
        corral_buf_append(b, "}");
    }
    corral_buf_append(b, "],\n \"pending\": [");
    first = true;
    for (size_t i = 0; i < ctl->plan.n; i++) {
        struct plan_action *a = &ctl->plan.a[i];
        if (a->state != PA_IN_FLIGHT && a->state != PA_PENDING) continue;
        corral_buf_append(b, first ? "\n  {\"id\": " : ",\n  {\"id\": ");
        first = false;
        corral_buf_json_string(b, a->id);
        corral_buf_append(b, ", \"action\": ");
        corral_buf_json_string(b, a->kind);
        corral_buf_append(b, ", \"node\": ");
        corral_buf_json_string(b, a->node);
        corral_buf_printf(b, ", \"running\": %s}", a->state == PA_IN_FLIGHT ? "true" : "false");
    }
    corral_buf_append(b, "]}\n");
}

/* Colours for a terminal (text) or classes (HTML). */
enum tone { T_OK, T_WARN, T_BAD, T_DIM };

static const char *ansi(enum tone t, bool color)
{
    if (!color) return "";
    switch (t) {
    case T_OK:
        return "\033[32m";
    case T_WARN:
        return "\033[33m";
    case T_BAD:
        return "\033[31;1m";
    default:
        return "\033[2m";
    }
}

static const char *reset(bool color)
{
    return color ? "\033[0m" : "";
}

static void text_resource(corral_controller_t *ctl, const corral_resource_t *r, const char *indent,
                          bool color, corral_buf_t *b)
{
    struct rview v = {.r = r, .reason_time = -1};
    collect(ctl, &v);
    enum tone t = v.failed ? T_BAD : v.n_nodes ? T_OK : T_WARN;
    corral_buf_printf(b, "%s* %-16s (%s):\t%s%s", indent, r->id, r->agent, ansi(t, color),
                      v.failed         ? "FAILED"
                      : v.promoted_any ? "Promoted"
                      : v.n_nodes      ? "Started"
                                       : "Stopped");
    if (v.n_nodes) {
        corral_buf_append(b, " [");
        for (size_t k = 0; k < v.n_nodes; k++) corral_buf_printf(b, " %s", v.nodes[k]);
        corral_buf_append(b, " ]");
    }
    if (r->meta.target_role == CORRAL_ROLE_STOPPED) corral_buf_append(b, " (target-role stopped)");
    corral_buf_printf(b, "%s\n", reset(color));
    rview_free(&v);
}

static void render_text(corral_controller_t *ctl, bool color, corral_buf_t *b)
{
    const corral_config_t *c = ctl->cfg;
    corral_buf_printf(b, "Cluster %s%s%s: node %s, DC %s, %squorum%s%s\n", color ? "\033[1m" : "",
                      c->cluster.name ? c->cluster.name : "", reset(color), ctl->node_name,
                      ctl->dc ? ctl->dc : "(none)", ansi(ctl->quorate ? T_OK : T_BAD, color),
                      ctl->quorate ? "" : " lost", reset(color));
    corral_buf_printf(b, "Config: epoch %" PRIu64 ", digest %.12s, from %s\n\n", ctl->ver.epoch,
                      ctl->ver.digest, ctl->ver.origin);
    corral_buf_append(b, "Nodes:\n");
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        const char *s = node_state(n);
        enum tone t = !strcmp(s, "online") ? T_OK : !strcmp(s, "unclean") ? T_BAD : T_WARN;
        corral_buf_printf(b, "  * %-16s %s%s%s%s", n->name, ansi(t, color), s,
                          node_standby(ctl, n->name) ? " (standby)" : "", reset(color));
        if (n->member && n->epoch != ctl->ver.epoch)
            corral_buf_printf(b, "  config epoch %" PRIu64, n->epoch);
        if (conflicting(ctl, n))
            corral_buf_printf(b, "  %sconfig conflict: epoch %" PRIu64 " with digest %.12s%s",
                              ansi(T_BAD, color), n->epoch, n->digest, reset(color));
        /* Transient attributes (crm_mon -A): what location rules see. */
        for (size_t k = 0; k < n->attrs.n; k++)
            corral_buf_printf(b, "%s%s=%s%s", k ? " " : "  (", n->attrs.items[k].key,
                              n->attrs.items[k].value, k + 1 == n->attrs.n ? ")" : "");
        corral_buf_append(b, "\n");
    }
    corral_buf_append(b, "\nResources:\n");
    for (size_t i = 0; i < c->n_top; i++) {
        corral_ref_t r = c->top[i];
        if (r.kind == CORRAL_REF_PRIMITIVE) {
            text_resource(ctl, &c->resources[r.index], "  ", color, b);
        } else if (r.kind == CORRAL_REF_GROUP) {
            corral_buf_printf(b, "  * Group %s:\n", c->groups[r.index].id);
            for (size_t k = 0; k < c->groups[r.index].n_members; k++)
                text_resource(ctl, &c->resources[c->groups[r.index].members[k]], "    ", color, b);
        } else if (r.kind == CORRAL_REF_CLONE) {
            const corral_clone_t *cl = &c->clones[r.index];
            corral_buf_printf(b, "  * %sClone %s:\n", cl->promotable ? "Promotable " : "", cl->id);
            for (size_t k = 0; k < c->n_resources; k++)
                if (c->resources[k].clone == (int)r.index)
                    text_resource(ctl, &c->resources[k], "    ", color, b);
        }
    }
    bool header = false;
    for (size_t i = 0; i < c->n_resources; i++) {
        struct rview v = {.r = &c->resources[i], .reason_time = -1};
        collect(ctl, &v);
        for (size_t k = 0; k < ctl->n_fails; k++) {
            if (strcmp(ctl->fails[k].rsc, v.r->id)) continue;
            if (!header) corral_buf_append(b, "\nFailures:\n");
            header = true;
            char when[32], fc[16];
            corral_format_time(ctl->fails[k].last, when, sizeof(when));
            corral_format_score(ctl->fails[k].count, fc, sizeof(fc));
            corral_buf_printf(b, "  * %s on %s: failcount %s, last at %s%s%s%s%s\n", v.r->id,
                              ctl->fails[k].node, fc, when, v.reason ? ": " : "",
                              ansi(T_BAD, color), v.reason ? v.reason : "", reset(color));
        }
        rview_free(&v);
    }
    if (ctl->n_fencing) {
        corral_buf_append(b, "\nFencing history:\n");
        for (size_t i = 0; i < ctl->n_fencing; i++) {
            char when[32];
            corral_format_time(ctl->fencing[i].time, when, sizeof(when));
            corral_buf_printf(b, "  * %s of %s by %s: %s at %s\n", ctl->fencing[i].action,
                              ctl->fencing[i].target, ctl->fencing[i].device,
                              ctl->fencing[i].result, when);
        }
    }
    header = false;
    for (size_t i = 0; i < ctl->plan.n; i++) {
        struct plan_action *a = &ctl->plan.a[i];
        if (a->state != PA_IN_FLIGHT && a->state != PA_PENDING) continue;
        if (a->interval_ms) continue;
        if (!header) corral_buf_append(b, "\nPending actions:\n");
        header = true;
        corral_buf_printf(b, "  * %s%s\n", a->id, a->state == PA_IN_FLIGHT ? " (running)" : "");
    }
}

static void html_row(corral_controller_t *ctl, const corral_resource_t *r, bool member,
                     corral_buf_t *b)
{
    struct rview v = {.r = r, .reason_time = -1};
    collect(ctl, &v);
    const char *cls = v.failed ? "bad" : v.n_nodes ? "ok" : "warn";
    corral_buf_append(b, member ? "<tr><td class=\"member\">" : "<tr><td>");
    corral_buf_xml_escape(b, r->id);
    corral_buf_append(b, "</td><td>");
    corral_buf_xml_escape(b, r->agent);
    corral_buf_printf(b, "</td><td class=\"%s\">%s</td><td>", cls,
                      v.failed ? "failed" : role_of(&v));
    for (size_t k = 0; k < v.n_nodes; k++) {
        corral_buf_xml_escape(b, v.nodes[k]);
        corral_buf_append(b, " ");
    }
    corral_buf_append(b, "</td></tr>\n");
    if (v.reason) {
        corral_buf_append(b, "<tr class=\"why\"><td colspan=\"4\">");
        corral_buf_xml_escape(b, v.reason);
        corral_buf_append(b, "</td></tr>\n");
    }
    rview_free(&v);
}

static void render_html(corral_controller_t *ctl, corral_buf_t *b)
{
    const corral_config_t *c = ctl->cfg;
    corral_buf_append(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\">\n<title>corral: ");
    corral_buf_xml_escape(b, c->cluster.name ? c->cluster.name : "cluster");
    corral_buf_append(
        b, "</title>\n<style>\n"
           "body{font-family:system-ui,sans-serif;margin:0;padding:1em;background:#f6f7f9;color:#"
           "222}\n"
           "h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}\n"
           ".meta{color:#555;font-size:.9em}\n"
           "table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}\n"
           "td,th{padding:.45em .6em;border-bottom:1px solid "
           "#e4e6ea;text-align:left;vertical-align:top}\n"
           "th{background:#eef0f3;font-weight:600}small{color:#777}\n"
           ".ok{color:#17692c;font-weight:600}.warn{color:#8a5a00;font-weight:600}"
           ".bad{color:#b00020;font-weight:700}\n"
           "tr.why td{color:#b00020;font-size:.85em;padding-top:0}\n"
           "tr.set td{background:#f8f9fb;color:#555;font-size:.9em}td.member{padding-left:1.6em}\n"
           "@media (max-width:600px){td,th{padding:.35em .3em;font-size:.9em}}\n"
           "</style></head><body>\n<h1>");
    corral_buf_xml_escape(b, c->cluster.name ? c->cluster.name : "cluster");
    corral_buf_append(b, "</h1>\n<div class=\"meta\">node ");
    corral_buf_xml_escape(b, ctl->node_name);
    corral_buf_append(b, " &middot; DC ");
    corral_buf_xml_escape(b, ctl->dc ? ctl->dc : "(none)");
    corral_buf_printf(b,
                      " &middot; <span class=\"%s\">%s</span> &middot; config epoch %" PRIu64
                      " (%.12s)</div>\n",
                      ctl->quorate ? "ok" : "bad", ctl->quorate ? "quorate" : "no quorum",
                      ctl->ver.epoch, ctl->ver.digest);
    corral_buf_append(
        b, "<h2>Nodes</h2>\n<table><tr><th>node</th><th>state</th><th>epoch</th></tr>\n");
    for (size_t i = 0; i < ctl->n_nodes; i++) {
        struct cnode *n = &ctl->nodes[i];
        const char *s = node_state(n);
        corral_buf_append(b, "<tr><td>");
        corral_buf_xml_escape(b, n->name);
        corral_buf_printf(b, "</td><td class=\"%s\">%s%s</td><td>%" PRIu64 "</td></tr>\n",
                          !strcmp(s, "online")    ? "ok"
                          : !strcmp(s, "unclean") ? "bad"
                                                  : "warn",
                          s, node_standby(ctl, n->name) ? " (standby)" : "", n->epoch);
    }
    corral_buf_append(b, "</table>\n<h2>Resources</h2>\n<table><tr><th>resource</th><th>agent</th>"
                         "<th>state</th><th>nodes</th></tr>\n");
    /* As configured: groups and clones as a heading row over their members. */
    for (size_t i = 0; i < c->n_top; i++) {
        corral_ref_t r = c->top[i];
        if (r.kind == CORRAL_REF_PRIMITIVE) {
            html_row(ctl, &c->resources[r.index], false, b);
            continue;
        }
        const char *kind = r.kind == CORRAL_REF_GROUP      ? "group"
                           : c->clones[r.index].promotable ? "promotable clone"
                                                           : "clone";
        const char *id = r.kind == CORRAL_REF_GROUP ? c->groups[r.index].id : c->clones[r.index].id;
        corral_buf_printf(b, "<tr class=\"set\"><td colspan=\"4\">%s <b>", kind);
        corral_buf_xml_escape(b, id);
        corral_buf_append(b, "</b></td></tr>\n");
        if (r.kind == CORRAL_REF_GROUP) {
            for (size_t k = 0; k < c->groups[r.index].n_members; k++)
                html_row(ctl, &c->resources[c->groups[r.index].members[k]], true, b);
        } else {
            for (size_t k = 0; k < c->n_resources; k++)
                if (c->resources[k].clone == (int)r.index) html_row(ctl, &c->resources[k], true, b);
        }
    }
    corral_buf_append(b, "</table>\n");
    bool header = false;
    for (size_t k = 0; k < ctl->n_fails; k++) {
        if (!header)
            corral_buf_append(b, "<h2>Failures</h2>\n<table><tr><th>resource</th><th>node</th>"
                                 "<th>failcount</th><th>last</th></tr>\n");
        header = true;
        char when[32], fc[16];
        corral_format_time(ctl->fails[k].last, when, sizeof(when));
        corral_format_score(ctl->fails[k].count, fc, sizeof(fc));
        corral_buf_append(b, "<tr><td>");
        corral_buf_xml_escape(b, ctl->fails[k].rsc);
        corral_buf_append(b, "</td><td>");
        corral_buf_xml_escape(b, ctl->fails[k].node);
        corral_buf_printf(b, "</td><td class=\"bad\">%s</td><td>%s</td></tr>\n", fc, when);
    }
    if (header) corral_buf_append(b, "</table>\n");
    if (ctl->n_fencing) {
        corral_buf_append(b, "<h2>Fencing</h2>\n<table><tr><th>target</th><th>action</th>"
                             "<th>device</th><th>result</th><th>time</th></tr>\n");
        for (size_t i = 0; i < ctl->n_fencing; i++) {
            char when[32];
            corral_format_time(ctl->fencing[i].time, when, sizeof(when));
            corral_buf_append(b, "<tr><td>");
            corral_buf_xml_escape(b, ctl->fencing[i].target);
            corral_buf_append(b, "</td><td>");
            corral_buf_xml_escape(b, ctl->fencing[i].action);
            corral_buf_append(b, "</td><td>");
            corral_buf_xml_escape(b, ctl->fencing[i].device);
            corral_buf_append(b, "</td><td>");
            corral_buf_xml_escape(b, ctl->fencing[i].result);
            corral_buf_printf(b, "</td><td>%s</td></tr>\n", when);
        }
        corral_buf_append(b, "</table>\n");
    }
    header = false;
    for (size_t i = 0; i < ctl->plan.n; i++) {
        struct plan_action *a = &ctl->plan.a[i];
        if ((a->state != PA_IN_FLIGHT && a->state != PA_PENDING) || a->interval_ms) continue;
        if (!header) corral_buf_append(b, "<h2>Pending actions</h2>\n<ul>\n");
        header = true;
        corral_buf_append(b, "<li>");
        corral_buf_xml_escape(b, a->id);
        corral_buf_append(b, a->state == PA_IN_FLIGHT ? " <small>(running)</small></li>\n"
                                                      : "</li>\n");
    }
    if (header) corral_buf_append(b, "</ul>\n");
    corral_buf_append(b, "</body></html>\n");
}

char *corral__ctl_render_status(corral_controller_t *ctl, const char *format, bool color)
{
    corral_buf_t b = {0};
    if (!strcmp(format, "json"))
        render_json(ctl, &b);
    else if (!strcmp(format, "html"))
        render_html(ctl, &b);
    else
        render_text(ctl, color, &b);
    return corral_buf_take(&b);
}
