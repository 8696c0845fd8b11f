/* Unit tests of the scheduler: score arithmetic, rules, tie-breaks, explanations, status I/O. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "config.h"
#include "scheduler.h"
#include "status.h"

static corral_config_t *load_config(const char *text)
{
    corral_config_t *c = NULL;
    corral_diags_t d = {0};
    corral_config_opts_t opts = {0};
    int rc = corral_config_load_string("test.ini", text, &opts, &c, &d);
    if (rc < 0) corral_diags_print(&d, stderr);
    corral_diags_clear(&d);
    cr_assert_eq(rc, 0);
    return c;
}

static corral_status_t *load_status(const char *text)
{
    corral_status_t *s = NULL;
    corral_diags_t d = {0};
    int rc = corral_status_load_string("status.ini", text, &s, &d);
    if (rc < 0) corral_diags_print(&d, stderr);
    corral_diags_clear(&d);
    cr_assert_eq(rc, 0);
    return s;
}

/* Where a primitive runs after scheduling ("" when stopped; several nodes space-joined). */
static void placement_of(const corral_transition_t *t, const char *rsc, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < t->n_placement; i++) {
        if (strcmp(t->placement[i].resource, rsc)) continue;
        for (size_t j = 0; j < t->placement[i].n_nodes; j++) {
            if (j) strncat(out, " ", n - strlen(out) - 1);
            strncat(out, t->placement[i].nodes[j], n - strlen(out) - 1);
        }
    }
}

#define HEAD "[cluster]\nname = t\nstonith-enabled = false\n[node n1]\n[node n2]\n[node n3]\n"

Test(scheduler, invalid_arguments)
{
    corral_transition_t *t = NULL;
    cr_assert_eq(corral_schedule(NULL, NULL, &t, NULL), -EINVAL);
    cr_assert_null(t);
}

Test(scheduler, score_add_saturates_and_minus_infinity_dominates)
{
    cr_assert_eq(corral_score_add(CORRAL_INFINITY, -CORRAL_INFINITY), -CORRAL_INFINITY);
    cr_assert_eq(corral_score_add(-CORRAL_INFINITY, CORRAL_INFINITY), -CORRAL_INFINITY);
    cr_assert_eq(corral_score_add(CORRAL_INFINITY, 5), CORRAL_INFINITY);
    cr_assert_eq(corral_score_add(999999, 5), CORRAL_INFINITY);
    cr_assert_eq(corral_score_add(-999999, -5), -CORRAL_INFINITY);
    cr_assert_eq(corral_score_add(100, -30), 70);
}

Test(scheduler, tie_break_fewest_then_name)
{
    corral_config_t *c =
        load_config(HEAD "[resource a]\nagent = dummy\n[resource b]\nagent = dummy\n"
                         "[resource d]\nagent = dummy\n[resource e]\nagent = dummy\n");
    corral_status_t *s = corral_status_new_fresh(c, 0);
    corral_transition_t *t = NULL;
    cr_assert_eq(corral_schedule(c, s, &t, NULL), 0);
    char p[64];
    placement_of(t, "a", p, sizeof(p));
    cr_assert_str_eq(p, "n1");
    placement_of(t, "b", p, sizeof(p));
    cr_assert_str_eq(p, "n2");
    placement_of(t, "d", p, sizeof(p));
    cr_assert_str_eq(p, "n3");
    placement_of(t, "e", p, sizeof(p));
    cr_assert_str_eq(p, "n1");
    corral_transition_free(t);
    corral_status_free(s);
    corral_config_free(c);
}

Test(scheduler, rule_numeric_and_transient_override)
{
    corral_config_t *c = load_config(
        "[cluster]\nname = t\nstonith-enabled = false\n"
        "[node n1]\nattr.cores = 10\n[node n2]\nattr.cores = 9\n[node n3]\nattr.cores = 8\n"
        "[resource a]\nagent = dummy\n"
        "[location big]\nresource = a\nrule = attr.cores gt 9\nscore = 100\n");
    corral_status_t *s = load_status("[node n1]\n[node n2]\n[node n3]\nattr.cores = 12\n");
    corral_transition_t *t = NULL;
    corral_explanation_t *e = NULL;
    cr_assert_eq(corral_schedule(c, s, &t, &e), 0);
    char p[64];
    placement_of(t, "a", p, sizeof(p));
    /* n1 (10) and n3 (12, transient over 8) both match: equal score, name decides. */
    cr_assert_str_eq(p, "n1");
    long i = corral_explanation_find(e, "a");
    cr_assert_geq(i, 0);
    cr_assert_eq(corral_explanation_score(e, (size_t)i, 2), 100);
    cr_assert_eq(corral_explanation_score(e, (size_t)i, 1), 0);
    corral_score_part_t parts[4];
    size_t np = corral_explanation_parts(e, (size_t)i, 2, parts, 4);
    cr_assert_eq(np, 1);
    cr_assert_str_eq(parts[0].what, "rule");
    cr_assert_str_eq(parts[0].id, "big");
    cr_assert_str_eq(parts[0].file, "test.ini");
    cr_assert_gt(parts[0].line, 0);
    corral_explanation_free(e);
    corral_transition_free(t);
    corral_status_free(s);
    corral_config_free(c);
}

Test(scheduler, stickiness_keeps_on_tie_and_explains)
{
    corral_config_t *c = load_config(HEAD "[resource a]\nagent = dummy\nstickiness = 100\n"
                                          "[location l]\nresource = a\nnode = n1\nscore = 100\n");
    corral_status_t *s = load_status("[resource a]\nactive-on = n2\n");
    corral_transition_t *t = NULL;
    corral_explanation_t *e = NULL;
    cr_assert_eq(corral_schedule(c, s, &t, &e), 0);
    char p[64];
    placement_of(t, "a", p, sizeof(p));
    cr_assert_str_eq(p, "n2");
    cr_assert_eq(t->n_actions, 0);
    corral_buf_t b = {0};
    corral_explanation_format(e, "a", "n2", &b);
    cr_assert(strstr(b.s, "stickiness"), "%s", b.s);
    corral_buf_free(&b);
    corral_explanation_free(e);
    corral_transition_free(t);
    corral_status_free(s);
    corral_config_free(c);
}

Test(scheduler, failcount_ban_and_expiry)
{
    corral_config_t *c = load_config(HEAD "[resource a]\nagent = dummy\nmigration-threshold = 2\n"
                                          "failure-timeout = 60s\n");
    corral_status_t *s = load_status("[quorum]\nnow = 2026-11-25T10:00:00Z\n"
                                     "[resource a]\nactive-on = n1\nfailcount.n1 = 2\n"
                                     "last-failure.n1 = 2026-11-25T09:59:30Z\n");
    corral_transition_t *t = NULL;
    cr_assert_eq(corral_schedule(c, s, &t, NULL), 0);
    char p[64];
    placement_of(t, "a", p, sizeof(p));
    cr_assert_str_neq(p, "n1");
    corral_transition_free(t);
    /* A minute later the failure has expired: it may stay. */
    s->now += 60;
    cr_assert_eq(corral_schedule(c, s, &t, NULL), 0);
    placement_of(t, "a", p, sizeof(p));
    cr_assert_str_eq(p, "n1");
    corral_transition_free(t);
    corral_status_free(s);
    corral_config_free(c);
}

Test(scheduler, status_round_trip_and_check)
{
    const char *text = "[quorum]\nquorate = false\nnow = 2026-11-25T10:00:00Z\n"
                       "[node n1]\nstate = unclean\nattr.ping = 3\n"
                       "[resource a]\nactive-on = n1 n2\nfailed-on = n2\nfailcount.n2 = INFINITY\n";
    corral_status_t *s = load_status(text);
    cr_assert_not(s->quorate);
    cr_assert_eq(corral_status_node(s, "n1")->state, CORRAL_NODE_UNCLEAN);
    char *out = corral_status_format(s);
    corral_status_t *s2 = load_status(out);
    char *out2 = corral_status_format(s2);
    cr_assert_str_eq(out, out2);
    free(out);
    free(out2);
    corral_config_t *c = load_config(HEAD "[resource b]\nagent = dummy\n");
    corral_diags_t d = {0};
    /* resource a is not in this config */
    cr_assert_eq(corral_status_check(s2, c, &d), 1);
    cr_assert(strstr(d.items[0].message, "resource a"));
    corral_diags_clear(&d);
    corral_config_free(c);
    corral_status_free(s2);
    corral_status_free(s);
}

Test(scheduler, status_refuses_failed_not_active)
{
    corral_status_t *s = NULL;
    corral_diags_t d = {0};
    cr_assert_eq(corral_status_load_string("st", "[resource a]\nfailed-on = n1\n", &s, &d),
                 -EINVAL);
    cr_assert_eq(d.n, 1);
    cr_assert_eq(d.items[0].line, 2);
    corral_diags_clear(&d);
}

Test(scheduler, apply_gives_the_status_after)
{
    corral_config_t *c = load_config("[cluster]\nname = t\nstonith-enabled = true\n"
                                     "[node n1]\n[node n2]\n[resource a]\nagent = dummy\n"
                                     "[fence f]\nagent = dummy\n");
    corral_status_t *s = load_status("[node n1]\nstate = unclean\n[resource a]\nactive-on = n1\n");
    corral_transition_t *t = NULL;
    cr_assert_eq(corral_schedule(c, s, &t, NULL), 0);
    cr_assert_eq(corral_transition_n_fences(t), 1);
    long start = corral_transition_find(t, "a_start_n2");
    cr_assert_geq(start, 0);
    cr_assert_eq(t->actions[start].n_after, 1);
    cr_assert_str_eq(t->actions[t->actions[start].after[0]].id, "n1_fence");
    corral_status_t *after = corral_transition_apply(t, s);
    cr_assert_eq(corral_status_node(after, "n1")->state, CORRAL_NODE_OFFLINE);
    corral_status_resource_t *r = corral_status_resource(after, "a");
    cr_assert_eq(r->active_on.n, 1);
    cr_assert_str_eq(r->active_on.names[0], "n2");
    corral_status_free(after);
    corral_transition_free(t);
    corral_status_free(s);
    corral_config_free(c);
}

static void note_removed(void *ud, const char *kind, const char *name,
                         const corral_namelist_t *active_on)
{
    corral_buf_t *b = ud;
    corral_buf_printf(b, "%s %s %zu;", kind, name, active_on ? active_on->n : 0);
}

Test(scheduler, status_forget_unknown_drops_what_a_what_if_config_lacks)
{
    /* n9 and resource gone are not in the config: simulate --live --config C. */
    corral_status_t *s = load_status("[node n1]\n[node n9]\n"
                                     "[resource a]\nactive-on = n1 n9\nfailcount.n9 = 2\n"
                                     "[resource gone]\nactive-on = n1\n");
    corral_config_t *c = load_config(HEAD "[resource a]\nagent = dummy\n");
    corral_buf_t b = {0};
    cr_assert_eq(corral_status_forget_unknown(s, c, note_removed, &b), 2);
    cr_expect_str_eq(b.s, "node n9 0;resource gone 1;");
    corral_diags_t d = {0};
    cr_expect_eq(corral_status_check(s, c, &d), 0, "what is left checks against the config");
    const corral_status_resource_t *a = corral_status_resource(s, "a");
    cr_assert_not_null(a);
    cr_expect_eq(a->active_on.n, 1);
    cr_expect_eq(a->n_failures, 0);
    corral_diags_clear(&d);
    corral_buf_free(&b);
    corral_config_free(c);
    corral_status_free(s);
}
