/* The config loader: value parsers, the INI dialect, defaults, references, the digest. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"
#include "util.h"

/* Load text; on failure the diagnostics are joined into *msgs (one per line, "LINE: message"). */
static corral_config_t *load(const char *text, char **msgs)
{
    corral_config_opts_t opts = {0};
    corral_config_t *c = NULL;
    corral_diags_t d = {0};
    int rc = corral_config_load_string("t.ini", text, &opts, &c, &d);
    corral_buf_t b = {0};
    for (size_t i = 0; i < d.n; i++)
        corral_buf_printf(&b, "%d: %s%s\n", d.items[i].line, d.items[i].warning ? "warning: " : "",
                          d.items[i].message);
    corral_diags_clear(&d);
    if (msgs)
        *msgs = corral_buf_take(&b);
    else
        corral_buf_free(&b);
    if (rc == 0)
        cr_assert_not_null(c);
    else
        cr_assert_null(c);
    return c;
}

static corral_config_t *load_ok(const char *text)
{
    char *msgs = NULL;
    corral_config_t *c = load(text, &msgs);
    cr_assert_not_null(c, "expected the config to load, got:\n%s", msgs);
    free(msgs);
    return c;
}

/* The diagnostics of a config that must fail. */
static char *load_bad(const char *text)
{
    char *msgs = NULL;
    corral_config_t *c = load(text, &msgs);
    cr_assert_null(c, "expected the config to be refused");
    return msgs;
}

Test(config, parse_duration)
{
    uint32_t ms = 1;
    cr_assert_eq(corral_parse_duration_ms(NULL, &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("10x", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("-1s", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("1.5s", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("s", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("10 s", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("50d", &ms), -EINVAL);
    cr_assert_eq(corral_parse_duration_ms("5000h", &ms), -ERANGE);
    cr_assert_eq(corral_parse_duration_ms("99999999999999999999", &ms), -ERANGE);
    cr_assert_eq(ms, 1, "the out-parameter is written only on success");
    cr_assert_eq(corral_parse_duration_ms("500ms", &ms), 0);
    cr_assert_eq(ms, 500);
    cr_assert_eq(corral_parse_duration_ms("10s", &ms), 0);
    cr_assert_eq(ms, 10000);
    cr_assert_eq(corral_parse_duration_ms("10", &ms), 0);
    cr_assert_eq(ms, 10000);
    cr_assert_eq(corral_parse_duration_ms("5min", &ms), 0);
    cr_assert_eq(ms, 300000);
    cr_assert_eq(corral_parse_duration_ms("1h", &ms), 0);
    cr_assert_eq(ms, 3600000);
    cr_assert_eq(corral_parse_duration_ms("0", &ms), 0);
    cr_assert_eq(ms, 0);
    cr_assert_eq(corral_parse_duration_ms("1193h", &ms), 0);
    cr_assert_eq(ms, 1193u * 3600000u);
}

Test(config, parse_score)
{
    corral_score_t s = 7;
    cr_assert_eq(corral_parse_score(NULL, &s), -EINVAL);
    cr_assert_eq(corral_parse_score("", &s), -EINVAL);
    cr_assert_eq(corral_parse_score("+", &s), -EINVAL);
    cr_assert_eq(corral_parse_score("12a", &s), -EINVAL);
    cr_assert_eq(corral_parse_score("INFINITE", &s), -EINVAL);
    cr_assert_eq(corral_parse_score("1.0", &s), -EINVAL);
    cr_assert_eq(s, 7);
    cr_assert_eq(corral_parse_score("INFINITY", &s), 0);
    cr_assert_eq(s, CORRAL_INFINITY);
    cr_assert_eq(corral_parse_score("+INFINITY", &s), 0);
    cr_assert_eq(s, CORRAL_INFINITY);
    cr_assert_eq(corral_parse_score("-INFINITY", &s), 0);
    cr_assert_eq(s, -CORRAL_INFINITY);
    cr_assert_eq(corral_parse_score("infinity", &s), 0);
    cr_assert_eq(s, CORRAL_INFINITY);
    cr_assert_eq(corral_parse_score("-250", &s), 0);
    cr_assert_eq(s, -250);
    cr_assert_eq(corral_parse_score("+3", &s), 0);
    cr_assert_eq(s, 3);
    cr_assert_eq(corral_parse_score("2000000", &s), 0);
    cr_assert_eq(s, CORRAL_INFINITY, "scores clamp at INFINITY");
    cr_assert_eq(corral_parse_score("-99999999999999999999999", &s), 0);
    cr_assert_eq(s, -CORRAL_INFINITY, "scores clamp at -INFINITY, even past int64");
}

Test(config, parse_bool)
{
    bool b = false;
    cr_assert_eq(corral_parse_bool(NULL, &b), -EINVAL);
    cr_assert_eq(corral_parse_bool("maybe", &b), -EINVAL);
    cr_assert_eq(corral_parse_bool("", &b), -EINVAL);
    const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes"};
    const char *no[] = {"false", "no", "off", "0", "False", "OFF"};
    for (size_t i = 0; i < 6; i++) {
        b = false;
        cr_assert_eq(corral_parse_bool(yes[i], &b), 0, "%s", yes[i]);
        cr_assert(b, "%s", yes[i]);
        cr_assert_eq(corral_parse_bool(no[i], &b), 0, "%s", no[i]);
        cr_assert(!b, "%s", no[i]);
    }
}

Test(config, defaults)
{
    corral_config_t *c = load_ok("[node n1]\n"
                                 "[resource a]\nagent = dummy\nop.monitor = interval=10s\n"
                                 "[clone c]\nresource = a\n"
                                 "[order o]\nfirst = c\nthen = b\nkind = serialize\n"
                                 "[resource b]\nagent = dummy\n"
                                 "[fence f]\nagent = dummy\n");
    cr_assert_str_eq(c->cluster.name, "corral");
    cr_assert_eq(c->cluster.line, 0);
    cr_assert(c->cluster.stonith_enabled);
    cr_assert_eq(c->cluster.no_quorum_policy, CORRAL_NQ_STOP);
    cr_assert(c->cluster.symmetric);
    cr_assert(!c->cluster.default_stickiness_set);
    cr_assert_eq(c->cluster.default_migration_threshold, CORRAL_INFINITY);
    cr_assert(c->cluster.start_failure_is_fatal);
    cr_assert_eq(c->cluster.placement_strategy, CORRAL_PLACEMENT_DEFAULT);
    cr_assert(!c->cluster.fence_action_off);
    cr_assert_eq(c->cluster.fence_timeout_ms, 60000);
    cr_assert_eq(c->cluster.recheck_interval_ms, 900000);
    cr_assert_eq(c->cluster.startup_fencing_grace_ms, 20000);
    cr_assert_eq(c->cluster.two_node_fence_delay_ms, 5000);
    cr_assert(c->cluster.stop_removed_resources);
    cr_assert_eq(c->n_nodes, 1);
    cr_assert(!c->nodes[0].standby && !c->nodes[0].maintenance);
    const corral_resource_t *a = &c->resources[0];
    cr_assert_str_eq(a->agent, "dummy");
    cr_assert_eq(a->n_ops, 1);
    cr_assert_str_eq(a->ops[0].action, "monitor");
    cr_assert_eq(a->ops[0].interval_ms, 10000);
    cr_assert_eq(a->ops[0].timeout_ms, 20000, "an op without timeout= gets 20s");
    cr_assert_eq(a->ops[0].on_fail, CORRAL_ON_FAIL_DEFAULT);
    cr_assert_eq(a->ops[0].role, CORRAL_ROLE_ANY);
    cr_assert(a->meta.managed && !a->meta.managed_set);
    cr_assert(!a->meta.stickiness_set && !a->meta.priority_set);
    cr_assert_eq(a->meta.target_role, CORRAL_ROLE_ANY);
    cr_assert(!a->migration_threshold_set);
    cr_assert_eq(a->migration_threshold, CORRAL_INFINITY, "the cluster's default is filled in");
    cr_assert_eq(a->failure_timeout_ms, 0);
    cr_assert_eq(a->requires, CORRAL_REQUIRES_DEFAULT);
    cr_assert_eq(a->multiple_active, CORRAL_MULTIPLE_STOP_START);
    cr_assert_eq(a->group, -1);
    cr_assert_eq(a->clone, 0);
    const corral_clone_t *cl = &c->clones[0];
    cr_assert_eq(cl->max, -1);
    cr_assert_eq(cl->per_node, 1);
    cr_assert(!cl->unique && !cl->promotable && !cl->interleave && !cl->notify);
    cr_assert_eq(cl->promoted_max, 1);
    cr_assert_eq(cl->promoted_per_node, 1);
    cr_assert_eq(cl->child.kind, CORRAL_REF_PRIMITIVE);
    const corral_order_t *o = &c->orders[0];
    cr_assert_eq(o->kind, CORRAL_ORDER_SERIALIZE);
    cr_assert(!o->symmetrical, "serialize orders are not symmetrical");
    cr_assert_str_eq(o->first_action, "start");
    cr_assert_str_eq(o->then_action, "start");
    const corral_fence_device_t *f = &c->fence_devices[0];
    cr_assert_eq(f->level, 1);
    cr_assert_null(f->hosts);
    cr_assert_eq(f->delay_ms, 0);
    cr_assert_eq(f->delay_max_ms, 0);
    corral_config_free(c);
}

Test(config, every_key)
{
    corral_config_t *c = load_ok(
        "[cluster]\nname = web\nstonith-enabled = no\nno-quorum-policy = freeze\n"
        "symmetric = off\ndefault-stickiness = 5\ndefault-migration-threshold = 4\n"
        "start-failure-is-fatal = 0\nplacement-strategy = balanced\nfence-action = off\n"
        "fence-timeout = 90s\nrecheck-interval = 1h\nstartup-fencing-grace = 500ms\n"
        "stop-removed-resources = false\nplugin-path = /a:/b\nlua-path = /l\nocf-root = /o\n"
        "fence-agents-path = /f\n"
        "[node n1]\nstandby = yes\nmaintenance = on\nattr.rack = a\ncapacity.cpu = 8\n"
        "[node n2]\n"
        "[resource db]\nagent = ocf:pacemaker:Stateful\nparam.x = 1 2\n"
        "op.monitor.promoted = interval=9s timeout=30s on-fail=demote\n"
        "op.monitor.unpromoted = interval=10s\nop.stop = on-fail=block\n"
        "stickiness = -INFINITY\nmigration-threshold = 0\nfailure-timeout = 5min\npriority = 3\n"
        "target-role = promoted\nrequires = quorum\nmultiple-active = block\nuses.cpu = 2\n"
        "managed = false\n"
        "[clone dbc]\nresource = db\nmax = 2\nper-node = 1\nunique = true\npromotable = true\n"
        "promoted-max = 1\npromoted-per-node = 1\ninterleave = true\nnotify = true\n"
        "[location l]\nresource = dbc\nrule = attr.rack eq a or attr.ssd defined\n"
        "score = -INFINITY\nrole = promoted\n"
        "[colocation co]\nresource = dbc\nwith = dbc2\nscore = 10\nrole = promoted\n"
        "with-role = unpromoted\n"
        "[resource db2]\nagent = dummy\n[clone dbc2]\nresource = db2\npromotable = 1\n"
        "[order o]\nfirst = dbc\nthen = dbc2\nkind = optional\nfirst-action = promote\n"
        "then-action = start\nsymmetrical = false\n"
        "[fence f]\nagent = fence-agents:fence_ipmilan\nparam.ip = 198.18.0.1\nhosts = n2 n1\n"
        "host-map = n1:p1 n2:p2\nlevel = 2\ndelay = 1s\ndelay-max = 2s\n"
        "op.monitor = interval=60s\n");
    const corral_cluster_opts_t *o = &c->cluster;
    cr_assert_str_eq(o->name, "web");
    cr_assert(!o->stonith_enabled && !o->symmetric && !o->start_failure_is_fatal &&
              !o->stop_removed_resources && o->fence_action_off);
    cr_assert_eq(o->no_quorum_policy, CORRAL_NQ_FREEZE);
    cr_assert(o->default_stickiness_set);
    cr_assert_eq(o->default_stickiness, 5);
    cr_assert_eq(o->default_stickiness_line, 6);
    cr_assert_eq(o->default_migration_threshold, 4);
    cr_assert_eq(o->placement_strategy, CORRAL_PLACEMENT_BALANCED);
    cr_assert_eq(o->fence_timeout_ms, 90000);
    cr_assert_eq(o->recheck_interval_ms, 3600000);
    cr_assert_eq(o->startup_fencing_grace_ms, 500);
    cr_assert_str_eq(o->plugin_path, "/a:/b");
    cr_assert_str_eq(o->lua_path, "/l");
    cr_assert_str_eq(o->ocf_root, "/o");
    cr_assert_str_eq(o->fence_agents_path, "/f");
    const corral_node_t *n = &c->nodes[0];
    cr_assert(n->standby && n->maintenance);
    cr_assert_eq(n->attrs.n, 1);
    cr_assert_str_eq(n->attrs.items[0].key, "rack");
    cr_assert_str_eq(n->attrs.items[0].value, "a");
    cr_assert_eq(n->attrs.items[0].line, 22);
    cr_assert_str_eq(n->capacity.items[0].key, "cpu");
    cr_assert_str_eq(n->capacity.items[0].value, "8");
    const corral_resource_t *r = &c->resources[0];
    cr_assert_str_eq(r->params.items[0].value, "1 2");
    cr_assert_eq(r->n_ops, 3);
    cr_assert_eq(r->ops[0].role, CORRAL_ROLE_PROMOTED);
    cr_assert_eq(r->ops[0].on_fail, CORRAL_ON_FAIL_DEMOTE);
    cr_assert_eq(r->ops[0].timeout_ms, 30000);
    cr_assert_eq(r->ops[1].role, CORRAL_ROLE_UNPROMOTED);
    cr_assert_eq(r->ops[2].on_fail, CORRAL_ON_FAIL_BLOCK);
    cr_assert(r->meta.stickiness_set);
    cr_assert_eq(r->meta.stickiness, -CORRAL_INFINITY);
    cr_assert_eq(r->meta.stickiness_line, 31);
    cr_assert(r->migration_threshold_set);
    cr_assert_eq(r->migration_threshold, 0);
    cr_assert_eq(r->failure_timeout_ms, 300000);
    cr_assert_eq(r->meta.priority, 3);
    cr_assert_eq(r->meta.target_role, CORRAL_ROLE_PROMOTED);
    cr_assert_eq(r->requires, CORRAL_REQUIRES_QUORUM);
    cr_assert_eq(r->multiple_active, CORRAL_MULTIPLE_BLOCK);
    cr_assert_str_eq(r->uses.items[0].value, "2");
    cr_assert(!r->meta.managed && r->meta.managed_set);
    const corral_clone_t *cl = &c->clones[0];
    cr_assert_eq(cl->max, 2);
    cr_assert(cl->unique && cl->promotable && cl->interleave && cl->notify);
    const corral_location_t *l = &c->locations[0];
    cr_assert(l->has_rule);
    cr_assert_eq(l->node, -1);
    cr_assert(l->rule.any);
    cr_assert_eq(l->rule.n_exprs, 2);
    cr_assert_str_eq(l->rule.exprs[0].attr, "rack");
    cr_assert_eq(l->rule.exprs[0].op, CORRAL_RULE_EQ);
    cr_assert_str_eq(l->rule.exprs[0].value, "a");
    cr_assert_eq(l->rule.exprs[1].op, CORRAL_RULE_DEFINED);
    cr_assert_null(l->rule.exprs[1].value);
    cr_assert_eq(l->score, -CORRAL_INFINITY);
    cr_assert_eq(l->role, CORRAL_ROLE_PROMOTED);
    const corral_colocation_t *co = &c->colocations[0];
    cr_assert_eq(co->rsc.kind, CORRAL_REF_CLONE);
    cr_assert_eq(co->with.kind, CORRAL_REF_CLONE);
    cr_assert_eq(co->with.index, 1);
    cr_assert_eq(co->score, 10);
    cr_assert_eq(co->with_role, CORRAL_ROLE_UNPROMOTED);
    const corral_order_t *od = &c->orders[0];
    cr_assert_eq(od->kind, CORRAL_ORDER_OPTIONAL);
    cr_assert_str_eq(od->first_action, "promote");
    cr_assert_str_eq(od->then_action, "start");
    cr_assert(!od->symmetrical);
    const corral_fence_device_t *f = &c->fence_devices[0];
    cr_assert_eq(f->n_hosts, 2);
    cr_assert_str_eq(f->hosts[0], "n2");
    cr_assert_eq(f->host_map.n, 2);
    cr_assert_str_eq(f->host_map.items[1].key, "n2");
    cr_assert_str_eq(f->host_map.items[1].value, "p2");
    cr_assert_eq(f->level, 2);
    cr_assert_eq(f->delay_ms, 1000);
    cr_assert_eq(f->delay_max_ms, 2000);
    cr_assert_eq(f->n_ops, 1);
    cr_assert_eq(f->ops[0].interval_ms, 60000);
    corral_config_free(c);
}

Test(config, dialect_comments)
{
    /* libinih: ';' or '#' first on a line is a comment; ';' after whitespace ends a value;
     * '#' inside a value and ';' glued to text are part of the value. */
    corral_config_t *c = load_ok("# a comment\n"
                                 "; another\n"
                                 "   ; indented comment\n"
                                 "[resource a] ; trailing comment on a header\n"
                                 "agent = dummy ; inline\n"
                                 "param.x = v#1\n"
                                 "param.y = b;c\n"
                                 "param.z = q\t; tab before the comment\n"
                                 "param.w: colon form\n");
    const corral_kvlist_t *p = &c->resources[0].params;
    cr_assert_str_eq(c->resources[0].agent, "dummy");
    cr_assert_str_eq(p->items[0].value, "v#1");
    cr_assert_str_eq(p->items[1].value, "b;c");
    cr_assert_str_eq(p->items[2].value, "q");
    cr_assert_str_eq(p->items[3].key, "w");
    cr_assert_str_eq(p->items[3].value, "colon form");
    cr_assert_eq(p->items[3].line, 9);
    corral_config_free(c);
}

Test(config, dialect_continuation)
{
    corral_config_t *c = load_ok("[resource a]\nagent = dummy\n[resource b]\nagent = dummy\n"
                                 "[resource c]\nagent = dummy\n"
                                 "[group g]\n"
                                 "resources = a\n"
                                 "    b ; the second\n"
                                 "# a comment between does not end the value\n"
                                 "\tc\n"
                                 "priority = 4\n");
    const corral_group_t *g = &c->groups[0];
    cr_assert_eq(g->n_members, 3);
    cr_assert_str_eq(c->resources[g->members[2]].id, "c");
    cr_assert_eq(g->resources_line, 8, "a continued key keeps its first line");
    cr_assert_eq(g->meta.priority_line, 12);
    corral_config_free(c);
}

Test(config, dialect_keyless_sections_and_crlf)
{
    corral_config_t *c = load_ok("\xEF\xBB\xBF[node n1]\r\n[node n2]\r\n[node n3]\r\nstandby = "
                                 "true\r\n");
    cr_assert_eq(c->n_nodes, 3, "sections without keys exist too");
    cr_assert_eq(c->nodes[1].line, 2);
    cr_assert(c->nodes[2].standby);
    corral_config_free(c);
}

Test(config, dialect_long_line)
{
    char text[600];
    char big[260];
    memset(big, 'x', sizeof(big));
    big[200 - strlen("param.x = ")] = '\0'; /* a 200-byte line: one too many */
    snprintf(text, sizeof(text), "[resource a]\nagent = dummy\nparam.x = %s\nparam.y = 1\n", big);
    char *m = load_bad(text);
    cr_assert_str_eq(m, "3: the line is 200 bytes long; the most is 199 (continue a long value "
                        "on indented lines)\n");
    free(m);
    big[199 - strlen("param.x = ")] = '\0'; /* 199 bytes: fine */
    snprintf(text, sizeof(text), "[resource a]\nagent = dummy\nparam.x = %s\nparam.y = 1\n", big);
    corral_config_t *c = load_ok(text);
    cr_assert_eq(strlen(c->resources[0].params.items[0].value), 199 - strlen("param.x = "));
    cr_assert_str_eq(c->resources[0].params.items[1].value, "1");
    corral_config_free(c);
}

Test(config, long_list_on_continuation_lines)
{
    corral_buf_t b = {0};
    corral_buf_append(&b, "[group g]\nresources =");
    for (int i = 0; i < 100; i++) {
        if (i % 10 == 0) corral_buf_append(&b, "\n   ");
        corral_buf_printf(&b, " resource-number-%02d", i);
    }
    corral_buf_append(&b, "\n");
    for (int i = 0; i < 100; i++)
        corral_buf_printf(&b, "[resource resource-number-%02d]\nagent = dummy\n", i);
    corral_config_t *c = load_ok(b.s);
    cr_assert_eq(c->groups[0].n_members, 100);
    cr_assert_eq(c->groups[0].members[99], 99);
    /* The canonical form wraps it again and loads back. */
    char *canon = corral_config_canonical(c);
    corral_config_t *c2 = load_ok(canon);
    cr_assert_str_eq(c->digest, c2->digest);
    free(canon);
    corral_config_free(c2);
    corral_config_free(c);
    corral_buf_free(&b);
}

Test(config, errors_are_all_collected)
{
    char *m = load_bad("[cluster]\nstonith-enabled = maybe\n"
                       "[resource a]\nagent = dummy\nfailure-timeout = soon\n"
                       "[location l]\nresource = nope\nnode = n1\nscore = 1\n");
    cr_assert_str_eq(m, "2: cluster: stonith-enabled = 'maybe' is not a boolean (use true/false, "
                        "yes/no, on/off or 1/0)\n"
                        "5: resource a: failure-timeout = 'soon' is not a duration (use e.g. "
                        "500ms, 10s, 5min, 1h or a number of seconds)\n"
                        "7: location l: resource = 'nope' is not a configured resource, group or "
                        "clone\n"
                        "8: location l: node = 'n1' has no [node n1] section\n");
    free(m);
}

Test(config, top_in_file_order)
{
    corral_config_t *c = load_ok("[resource z]\nagent = dummy\n"
                                 "[clone cl]\nresource = g\n"
                                 "[resource a]\nagent = dummy\n"
                                 "[group g]\nresources = a b\n"
                                 "[resource b]\nagent = dummy\n"
                                 "[group h]\nresources = y\n"
                                 "[resource y]\nagent = dummy\n");
    cr_assert_eq(c->n_top, 3);
    cr_assert_eq(c->top[0].kind, CORRAL_REF_PRIMITIVE);
    cr_assert_str_eq(c->resources[c->top[0].index].id, "z");
    cr_assert_eq(c->top[1].kind, CORRAL_REF_CLONE);
    cr_assert_eq(c->top[2].kind, CORRAL_REF_GROUP);
    cr_assert_str_eq(c->groups[c->top[2].index].id, "h");
    /* group and clone indices of members */
    cr_assert_eq(c->resources[1].group, 0);
    cr_assert_eq(c->resources[1].clone, 0);
    cr_assert_eq(c->groups[0].clone, 0);
    cr_assert_eq(c->resources[3].group, 1);
    cr_assert_eq(c->resources[3].clone, -1);
    cr_assert_eq(corral_config_find(c, "g").kind, CORRAL_REF_GROUP);
    cr_assert_eq(corral_config_find(c, "cl").kind, CORRAL_REF_CLONE);
    cr_assert_eq(corral_config_find(c, "y").index, 3);
    cr_assert_eq(corral_config_find(c, "nope").kind, CORRAL_REF_NONE);
    corral_config_free(c);
}

static const char *digest_base =
    "[cluster]\nname = web\n\n[node n1]\nattr.rack = a\n[node n2]\n"
    "[resource vip]\nagent = ipaddr\nparam.ip = 198.18.0.1\nop.monitor = interval=10s\n"
    "[resource web]\nagent = dummy\n"
    "[group g]\nresources = vip web\n"
    "[location l]\nresource = g\nrule = attr.rack eq a\nscore = INFINITY\n"
    "[fence f]\nagent = dummy\nhosts = n1 n2\nhost-map = n1:a n2:b\n";

static const char *digest_same =
    "; the same, written differently\n"
    "[fence f]\nhost-map = n2:b n1:a\nhosts = n2    n1\nagent = dummy\n"
    "[location l]\nscore = +infinity   ; spelled another way\nresource = g\n"
    "rule = attr.rack   eq a\n"
    "[group g]\nresources = vip\n    web\n"
    "[resource web]\nagent = dummy\nrequires = fencing\nmigration-threshold = INFINITY\n"
    "[node n2]\nstandby = off\n"
    "[resource vip]\nop.monitor = timeout=20s interval=10000ms\nparam.ip=198.18.0.1\n"
    "agent=ipaddr\n"
    "[node n1]\nattr.rack=a\n"
    "[cluster]\nstonith-enabled = yes\nname = web\nfence-timeout = 1min\n";

Test(config, digest_ignores_form)
{
    corral_config_t *a = load_ok(digest_base), *b = load_ok(digest_same);
    cr_assert_eq(strlen(a->digest), 64);
    cr_assert_str_eq(a->digest, b->digest);
    char *ca = corral_config_canonical(a), *cb = corral_config_canonical(b);
    cr_assert_str_eq(ca, cb);
    /* The canonical text loads back to the same digest. */
    corral_config_t *r = load_ok(ca);
    cr_assert_str_eq(r->digest, a->digest);
    free(ca);
    free(cb);
    corral_config_free(r);
    corral_config_free(a);
    corral_config_free(b);
}

Test(config, digest_sees_changes)
{
    const char *changes[][2] = {
        {"param.ip = 198.18.0.1", "param.ip = 198.18.0.2"},
        {"interval=10s", "interval=11s"},
        {"resources = vip web", "resources = web vip"},
        {"score = INFINITY", "score = 100"},
        {"attr.rack = a", "attr.rack = b"},
        {"hosts = n1 n2", "hosts = n1"},
        {"name = web", "name = web2"},
    };
    corral_config_t *a = load_ok(digest_base);
    for (size_t i = 0; i < sizeof(changes) / sizeof(*changes); i++) {
        const char *at = strstr(digest_base, changes[i][0]);
        cr_assert_not_null(at, "%s", changes[i][0]);
        char *text = corral_xasprintf("%.*s%s%s", (int)(at - digest_base), digest_base,
                                      changes[i][1], at + strlen(changes[i][0]));
        corral_config_t *b = load_ok(text);
        cr_assert_str_neq(a->digest, b->digest, "changing '%s' to '%s'", changes[i][0],
                          changes[i][1]);
        corral_config_free(b);
        free(text);
    }
    corral_config_free(a);
}

Test(config, load_missing_file)
{
    corral_config_opts_t opts = {0};
    corral_config_t *c = (corral_config_t *)0x1;
    corral_diags_t d = {0};
    cr_assert_eq(corral_config_load("/nonexistent/cluster.ini", &opts, &c, &d), -ENOENT);
    cr_assert_eq(c, (corral_config_t *)0x1, "nothing written on failure");
    cr_assert_eq(d.n, 1);
    cr_assert_eq(d.items[0].line, 0);
    cr_assert_str_eq(d.items[0].message, "cannot read the file: No such file or directory");
    corral_diags_clear(&d);
}

Test(config, diags_print)
{
    corral_diags_t d = {0};
    corral_config_t *c = NULL;
    corral_config_opts_t opts = {0};
    corral_config_load_string("x.ini",
                              "[clone c]\nresource = a\npromoted-max = 2\n[resource a]\nagent = "
                              "dummy\nagent = dummy\n",
                              &opts, &c, &d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    corral_diags_print(&d, f);
    fclose(f);
    cr_assert_str_eq(buf, "x.ini:3: warning: clone c: promoted-max and promoted-per-node apply "
                          "only when promotable = true\n"
                          "x.ini:6: resource a: agent is set twice (first at line 5)\n");
    free(buf);
    corral_diags_clear(&d);
    cr_assert_null(c);
}

/* ---- agent checks, against descriptors registered in the test ---- */

static int ok_action(const corral_op_t *op)
{
    (void)op;
    return CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t cfgtest_params[] = {
    {.name = "ip", .type = CORRAL_PARAM_STRING, .required = 1, .unique = 1},
    {.name = "port", .type = CORRAL_PARAM_INTEGER},
    {.name = "wait", .type = CORRAL_PARAM_DURATION},
    {.name = NULL},
};

static const corral_resource_plugin_t cfgtest_resource = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "cfgtest",
    .version = "1",
    .description = "a resource agent for the config tests",
    .params = cfgtest_params,
    .start = ok_action,
    .stop = ok_action,
    .monitor = ok_action,
};

static const corral_fence_plugin_t cfgtest_fence = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_fence_plugin_t),
    .name = "cfgfence",
    .version = "1",
    .description = "a fence agent for the config tests",
    .off = ok_action,
    .status = ok_action,
};

static char *load_with_agents(const char *text, bool missing_is_warning, bool *ok_out)
{
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &cfgtest_resource, "test", NULL), 0);
    cr_assert_eq(corral_registry_add_fence(reg, &cfgtest_fence, "test", NULL), 0);
    corral_config_opts_t opts = {.registry = reg, .missing_agent_is_warning = missing_is_warning};
    corral_config_t *c = NULL;
    corral_diags_t d = {0};
    int rc = corral_config_load_string("t.ini", text, &opts, &c, &d);
    corral_buf_t b = {0};
    for (size_t i = 0; i < d.n; i++)
        corral_buf_printf(&b, "%d: %s%s\n", d.items[i].line, d.items[i].warning ? "warning: " : "",
                          d.items[i].message);
    corral_diags_clear(&d);
    *ok_out = rc == 0;
    corral_config_free(c);
    corral_registry_free(reg);
    return corral_buf_take(&b);
}

Test(config, agents_checked)
{
    bool ok = true;
    char *m = load_with_agents("[resource a]\nagent = cfgtest\nparam.ip = 1\nparam.prot = 80\n"
                               "param.wait = soon\nop.reload = timeout=5s\n"
                               "[resource b]\nagent = cfgtest\nparam.ip = 1\n"
                               "[resource c]\nagent = cfgtest\nparam.port = eighty\n"
                               "[resource d]\nagent = nosuchagent\n"
                               "[fence f]\nagent = cfgtest\n"
                               "[resource e]\nagent = cfgfence\n"
                               "[fence g]\nagent = cfgfence\nparam.x = 1\n",
                               false, &ok);
    cr_assert(!ok);
    cr_assert_str_eq(
        m, "4: resource a: unknown parameter 'prot' for agent cfgtest (did you mean 'port'?)\n"
           "5: resource a: parameter 'wait' must be a duration (500ms, 10s, 5min, 1h), not "
           "'soon'\n"
           "6: resource a: agent cfgtest has no reload action\n"
           "9: resource b: param.ip = '1' is already used by resource a (line 3); agent "
           "cfgtest needs a different value for each resource\n"
           "10: resource c: required parameter 'ip' of agent cfgtest is missing\n"
           "12: resource c: parameter 'port' must be an integer, not 'eighty'\n"
           "14: resource d: agent 'nosuchagent' not found\n"
           "16: fence f: agent 'cfgtest' not found (it is a resource agent; a [fence] section "
           "needs a fence agent)\n"
           "18: resource e: agent 'cfgfence' not found (it is a fence agent; a [resource] "
           "section needs a resource agent)\n"
           "21: fence g: unknown parameter 'x' for agent cfgfence\n");
    free(m);
}

Test(config, missing_agent_as_warning)
{
    bool ok = false;
    char *m = load_with_agents("[resource a]\nagent = cfgtest\nparam.ip = 1\n"
                               "[resource d]\nagent = lua:nosuchagent\n",
                               true, &ok);
    cr_assert(ok, "%s", m);
    cr_assert_str_eq(m, "5: warning: resource d: agent 'lua:nosuchagent' not found\n");
    free(m);
}

Test(config, canonical_form)
{
    corral_config_t *c = load_ok("[node n1]\n[resource a]\nagent = dummy\nop.monitor = "
                                 "interval=10s\nmanaged = yes\n[resource b]\nagent = dummy\n"
                                 "[group g]\nresources = a b\nstickiness = 7\n"
                                 "[location l]\nresource = g\nnode = n1\nscore = 5\n"
                                 "[cluster]\nstonith-enabled = off\n");
    char *s = corral_config_canonical(c);
    cr_assert_str_eq(s, "[cluster]\n"
                        "default-migration-threshold = INFINITY\n"
                        "fence-action = reboot\n"
                        "fence-timeout = 60000ms\n"
                        "name = corral\n"
                        "no-quorum-policy = stop\n"
                        "placement-strategy = default\n"
                        "recheck-interval = 900000ms\n"
                        "start-failure-is-fatal = true\n"
                        "startup-fencing-grace = 20000ms\n"
                        "stonith-enabled = false\n"
                        "stop-removed-resources = true\n"
                        "symmetric = true\n"
                        "\n"
                        "[node n1]\n"
                        "maintenance = false\n"
                        "standby = false\n"
                        "\n"
                        "[resource a]\n"
                        "agent = dummy\n"
                        "failure-timeout = 0ms\n"
                        "managed = true\n"
                        "migration-threshold = INFINITY\n"
                        "multiple-active = stop_start\n"
                        "op.monitor = interval=10000ms on-fail=restart timeout=20000ms\n"
                        "requires = quorum\n"
                        "\n"
                        "[resource b]\n"
                        "agent = dummy\n"
                        "failure-timeout = 0ms\n"
                        "migration-threshold = INFINITY\n"
                        "multiple-active = stop_start\n"
                        "requires = quorum\n"
                        "\n"
                        "[group g]\n"
                        "resources = a b\n"
                        "stickiness = 7\n"
                        "\n"
                        "[location l]\n"
                        "node = n1\n"
                        "resource = g\n"
                        "score = 5\n"
                        "\n");
    free(s);
    corral_config_free(c);
}

/* two-node-fence-delay: in the canonical form only when not the default (digests stay). */
Test(config, two_node_fence_delay)
{
    corral_config_t *c = load_ok("[cluster]\ntwo-node-fence-delay = 2s\n");
    cr_assert_eq(c->cluster.two_node_fence_delay_ms, 2000);
    char *s = corral_config_canonical(c);
    cr_assert_not_null(strstr(s, "two-node-fence-delay = 2000ms\n"), "%s", s);
    free(s);
    corral_config_free(c);
    c = load_ok("[cluster]\ntwo-node-fence-delay = 0\n");
    cr_assert_eq(c->cluster.two_node_fence_delay_ms, 0);
    corral_config_free(c);
    c = load_ok("[cluster]\ntwo-node-fence-delay = 5s\n");
    s = corral_config_canonical(c);
    cr_assert_null(strstr(s, "two-node-fence-delay"), "%s", s);
    free(s);
    corral_config_free(c);
    char *msgs = load_bad("[cluster]\ntwo-node-fence-delay = soon\n");
    cr_assert_not_null(strstr(msgs, "2: cluster: two-node-fence-delay = 'soon' is not a duration"),
                       "%s", msgs);
    free(msgs);
}

Test(config, canonical_round_trip)
{
    /* Everything a file can say comes back the same through the canonical form. */
    const char *text =
        "[cluster]\nname = rt\nstonith-enabled = no\nno-quorum-policy = demote\n"
        "default-stickiness = -3\nplacement-strategy = utilization\nfence-action = off\n"
        "plugin-path = /p\nlua-path = /l\nocf-root = /o\nfence-agents-path = /f\n"
        "[node n1]\nstandby = 1\nattr.x = 1\ncapacity.cpu = 4\n[node n2]\n"
        "[resource db]\nagent = dummy\nparam.fake = a b c\n"
        "op.monitor.promoted = interval=9s on-fail=demote\nop.monitor.unpromoted = interval=8s\n"
        "op.stop = timeout=1min\nuses.cpu = 1\nrequires = nothing\nmultiple-active = block\n"
        "[clone dbs]\nresource = db\npromotable = yes\npromoted-max = 2\nmax = 2\n"
        "target-role = promoted\npriority = 4\n"
        "[resource w1]\nagent = dummy\n[resource w2]\nagent = dummy\n"
        "[group w]\nresources = w2 w1\nmanaged = false\n"
        "[location l1]\nresource = dbs\nrule = attr.x gte 1 or attr.y not_defined\nscore = 3\n"
        "role = promoted\n"
        "[colocation c1]\nresource = w\nwith = dbs\nwith-role = promoted\nscore = INFINITY\n"
        "[order o1]\nfirst = dbs\nfirst-action = promote\nthen = w\nthen-action = start\n"
        "symmetrical = no\n"
        "[order o2]\nfirst = w1\nthen = dbs\nkind = serialize\n"
        "[fence f]\nagent = dummy\nhosts = n2 n1\nhost-map = n2:b n1:a\nlevel = 3\ndelay = 1s\n"
        "delay-max = 2s\nop.monitor = interval=1h\n";
    corral_config_t *a = load_ok(text);
    char *ca = corral_config_canonical(a);
    corral_config_t *b = load_ok(ca);
    char *cb = corral_config_canonical(b);
    cr_assert_str_eq(ca, cb);
    cr_assert_str_eq(a->digest, b->digest);
    cr_assert_eq(b->groups[0].meta.managed, false);
    cr_assert(!b->resources[1].meta.managed_set, "members still inherit from their group");
    cr_assert_str_eq(b->resources[b->groups[0].members[0]].id, "w2");
    free(ca);
    free(cb);
    corral_config_free(a);
    corral_config_free(b);
}

Test(config, promote_order_loop)
{
    /* app starts after db is promoted, and db is promoted after app starts: a loop
     * through the implied "start before promote" of db. */
    char *m = load_bad("[resource db]\nagent = dummy\n[clone dbs]\nresource = db\n"
                       "promotable = true\n"
                       "[resource app]\nagent = dummy\n"
                       "[order a]\nfirst = dbs\nfirst-action = promote\nthen = app\n"
                       "then-action = start\n"
                       "[order b]\nfirst = app\nthen = dbs\n");
    cr_assert_str_eq(m, "13: order b: makes an ordering loop: start app, then start db, then "
                        "promote db, then start app\n");
    free(m);
}

Test(config, optional_orders_and_soft_colocations_may_loop)
{
    corral_config_t *c = load_ok("[resource a]\nagent = dummy\n[resource b]\nagent = dummy\n"
                                 "[order ab]\nfirst = a\nthen = b\n"
                                 "[order ba]\nfirst = b\nthen = a\nkind = optional\n"
                                 "[colocation c1]\nresource = a\nwith = b\nscore = 100\n"
                                 "[colocation c2]\nresource = b\nwith = a\nscore = INFINITY\n"
                                 "[colocation c3]\nresource = a\nwith = b\nscore = -INFINITY\n");
    cr_assert_eq(c->n_orders, 2);
    cr_assert_eq(c->n_colocations, 3);
    corral_config_free(c);
}

Test(config, errors_before_any_section_and_empty_key)
{
    char *m = load_bad("x = 1\n= 2\n[node n1]\n= 3\n");
    cr_assert_str_eq(m, "1: 'x' comes before any [section] header\n"
                        "2: the key name before '=' is missing\n"
                        "4: the key name before '=' is missing\n");
    free(m);
}

Test(config, a_broken_line_silences_missing_key_echoes)
{
    /* The agent line is unreadable (too long): no "agent is required" on top of it. */
    char line[300];
    memset(line, 'a', sizeof(line));
    line[250] = '\0';
    char *text = corral_xasprintf("[resource r]\nagent = %s\n", line);
    char *m = load_bad(text);
    cr_assert_str_eq(m, "2: the line is 258 bytes long; the most is 199 (continue a long value "
                        "on indented lines)\n");
    free(m);
    free(text);
}
