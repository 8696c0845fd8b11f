/* The op history store: records, derived state, the file format. */
#include "ophistory.h"
#include "util.h"

#include <corral/plugin.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t call;

static corral_op_record_t rec(const char *action, uint32_t interval, int rc, bool failed,
                              uint64_t started)
{
    return (corral_op_record_t){.action = (char *)action,
                                .interval_ms = interval,
                                .rc = rc,
                                .status = CORRAL_OP_DONE,
                                .failed = failed,
                                .exit_reason = "",
                                .call_id = ++call,
                                .started_ms = started,
                                .duration_ms = 5};
}

static void put(corral_ophistory_t *h, const char *rsc, const char *action, uint32_t interval,
                int rc, bool failed)
{
    corral_op_record_t r = rec(action, interval, rc, failed, 1000 * call);
    corral_ophistory_record(h, rsc, "dummy", &r);
}

static corral_rsc_state_t state_of(corral_ophistory_t *h, const char *rsc)
{
    corral_rsc_state_t s;
    corral_rsc_history_state(corral_ophistory_get(h, rsc), &s);
    return s;
}

Test(ophistory, parse_rejects_what_is_not_a_history)
{
    corral_ophistory_t *h = NULL;
    char *err = NULL;
    cr_assert_eq(corral_ophistory_parse("", &h, &err), -EINVAL);
    cr_assert_str_eq(err, "line 1: not an op history");
    free(err);
    err = NULL;
    cr_assert_eq(corral_ophistory_parse("corral-ophistory 9\n", &h, &err), -EINVAL);
    cr_assert(strstr(err, "version 9"));
    free(err);
    err = NULL;
    cr_assert_eq(corral_ophistory_parse("corral-ophistory 1\nnode n1\n\nop r start interval=x rc=0 "
                                        "status=done failed=0 call=1 started=1 duration=1 "
                                        "rc-change=1 reason=\n",
                                        &h, &err),
                 -EINVAL);
    cr_assert_str_eq(err, "line 4: bad op line");
    free(err);
    err = NULL;
    cr_assert_eq(corral_ophistory_parse("corral-ophistory 1\nbogus\n", &h, &err), -EINVAL);
    cr_assert_str_eq(err, "line 2: unknown record");
    free(err);
    cr_assert_null(h);
    cr_assert_eq(corral_ophistory_load("/nonexistent/dir/file", &h, NULL), -ENOENT);
}

Test(ophistory, record_keeps_the_last_of_each_action_and_interval)
{
    corral_ophistory_t *h = corral_ophistory_new("n1");
    put(h, "r", "start", 0, 0, false);
    put(h, "r", "monitor", 10000, 0, false);
    put(h, "r", "monitor", 10000, 0, false);
    put(h, "r", "monitor", 0, 7, false);
    const corral_rsc_history_t *rh = corral_ophistory_get(h, "r");
    cr_assert_eq(rh->n_ops, 3);
    for (size_t i = 1; i < rh->n_ops; i++) cr_assert_gt(rh->ops[i].call_id, rh->ops[i - 1].call_id);
    cr_assert_str_eq(rh->agent, "dummy");
    cr_assert_null(corral_rsc_history_find(rh, "stop", 0));
    cr_assert_eq(corral_ophistory_count(h), 1);
    corral_ophistory_free(h);
}

Test(ophistory, rc_change_time_and_significance)
{
    corral_ophistory_t *h = corral_ophistory_new("n1");
    corral_op_record_t a = rec("monitor", 5000, 0, false, 100);
    cr_assert(corral_ophistory_record(h, "r", "dummy", &a));
    corral_op_record_t b = rec("monitor", 5000, 0, false, 200);
    cr_assert_not(corral_ophistory_record(h, "r", "dummy", &b), "same result: times only");
    const corral_op_record_t *m =
        corral_rsc_history_find(corral_ophistory_get(h, "r"), "monitor", 5000);
    cr_assert_eq(m->started_ms, 200);
    cr_assert_eq(m->rc_change_ms, 100);
    corral_op_record_t c = rec("monitor", 5000, 7, true, 300);
    c.exit_reason = "gone\nreally";
    cr_assert(corral_ophistory_record(h, "r", "dummy", &c));
    m = corral_rsc_history_find(corral_ophistory_get(h, "r"), "monitor", 5000);
    cr_assert_eq(m->rc_change_ms, 300);
    cr_assert_str_eq(m->exit_reason, "gone really", "one line");
    cr_assert_not_null(corral_ophistory_get(h, "r")->last_failure);
    cr_assert_eq(corral_ophistory_get(h, "r")->last_failure->started_ms, 300);
    /* One-shot results always count. */
    corral_op_record_t d = rec("start", 0, 0, false, 400);
    cr_assert(corral_ophistory_record(h, "r", "dummy", &d));
    corral_op_record_t e = rec("start", 0, 0, false, 500);
    cr_assert(corral_ophistory_record(h, "r", "dummy", &e));
    corral_ophistory_free(h);
}

Test(ophistory, state_follows_the_ops_in_call_order)
{
    corral_ophistory_t *h = corral_ophistory_new("n1");
    cr_assert_not(state_of(h, "none").known);

    put(h, "a", "monitor", 0, CORRAL_OCF_NOT_RUNNING, false);
    corral_rsc_state_t s = state_of(h, "a");
    cr_assert(s.known && !s.active && !s.failed);

    put(h, "a", "start", 0, 0, false);
    s = state_of(h, "a");
    cr_assert(s.active && !s.failed && !s.promoted);

    put(h, "a", "monitor", 10000, CORRAL_OCF_NOT_RUNNING, true);
    s = state_of(h, "a");
    cr_assert(s.active && s.failed, "a recurring monitor's 7 must be recovered");

    put(h, "a", "stop", 0, 0, false);
    s = state_of(h, "a");
    cr_assert(!s.active && !s.failed);

    put(h, "a", "start", 0, 0, false);
    put(h, "a", "promote", 0, 0, false);
    s = state_of(h, "a");
    cr_assert(s.active && s.promoted);
    put(h, "a", "monitor", 5000, CORRAL_OCF_RUNNING_PROMOTED, false);
    s = state_of(h, "a");
    cr_assert(s.active && s.promoted && !s.failed);
    put(h, "a", "demote", 0, 0, false);
    s = state_of(h, "a");
    cr_assert(s.active && !s.promoted);

    put(h, "b", "start", 0, 0, false);
    put(h, "b", "stop", 0, CORRAL_OCF_ERR_GENERIC, true);
    s = state_of(h, "b");
    cr_assert(s.active && s.failed && s.stop_failed);
    /* A later probe saying it runs does not clear a failed stop. */
    put(h, "b", "monitor", 0, 0, false);
    s = state_of(h, "b");
    cr_assert(s.stop_failed);
    put(h, "b", "stop", 0, 0, false);
    s = state_of(h, "b");
    cr_assert(!s.active && !s.stop_failed);

    put(h, "c", "monitor", 0, CORRAL_OCF_NOT_INSTALLED, true);
    s = state_of(h, "c");
    cr_assert(!s.active, "a probe's 'not installed' means it does not run here");
    put(h, "d", "monitor", 0, CORRAL_OCF_ERR_GENERIC, true);
    s = state_of(h, "d");
    cr_assert(s.active && s.failed, "unknown state: recovery must stop it");
    corral_ophistory_free(h);
}

Test(ophistory, forget_and_unverified)
{
    corral_ophistory_t *h = corral_ophistory_new("n1");
    put(h, "a", "start", 0, 0, false);
    put(h, "a", "monitor", 1000, 0, false);
    put(h, "b", "start", 0, 0, false);
    cr_assert(corral_ophistory_forget_op(h, "a", "monitor", 1000));
    cr_assert_not(corral_ophistory_forget_op(h, "a", "monitor", 1000));
    cr_assert_eq(corral_ophistory_get(h, "a")->n_ops, 1);
    cr_assert(corral_ophistory_forget(h, "b"));
    cr_assert_null(corral_ophistory_get(h, "b"));
    cr_assert_not(corral_ophistory_get(h, "a")->unverified);
    corral_ophistory_mark_unverified(h, "a");
    cr_assert(corral_ophistory_get(h, "a")->unverified);
    put(h, "a", "monitor", 0, 0, false);
    cr_assert_not(corral_ophistory_get(h, "a")->unverified, "a probe verifies");
    corral_ophistory_clear(h);
    cr_assert_eq(corral_ophistory_count(h), 0);
    corral_ophistory_free(h);
}

static void count_cb(void *ud, const corral_rsc_history_t *rh)
{
    char *s = ud;
    strcat(s, rh->id);
    strcat(s, ",");
}

Test(ophistory, file_round_trip)
{
    char dir[] = "/tmp/corral-test-ophistory-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/ophistory-n1.hist", dir);

    corral_ophistory_t *h = corral_ophistory_new("n1");
    put(h, "web", "start", 0, 0, false);
    put(h, "db", "start", 0, 0, false);
    corral_op_record_t r = rec("monitor", 10000, 7, true, 4242);
    r.status = CORRAL_OP_TIMED_OUT;
    r.exit_reason = "timed out after 20s reason= with = signs ; and semicolons";
    corral_ophistory_record(h, "web", "ocf:heartbeat:IPaddr2", &r);
    uint64_t next = corral_ophistory_next_call(h);
    cr_assert_eq(corral_ophistory_save(h, path), 0);

    corral_ophistory_t *g = NULL;
    char *err = NULL;
    cr_assert_eq(corral_ophistory_load(path, &g, &err), 0, "%s", err ? err : "");
    cr_assert_str_eq(corral_ophistory_node(g), "n1");
    cr_assert_gt(corral_ophistory_next_call(g), next);
    char order[64] = "";
    corral_ophistory_foreach(g, count_cb, order);
    cr_assert_str_eq(order, "db,web,", "sorted by id");
    const corral_rsc_history_t *w = corral_ophistory_get(g, "web");
    cr_assert(w->unverified);
    cr_assert_str_eq(w->agent, "ocf:heartbeat:IPaddr2");
    cr_assert_eq(w->n_ops, 2);
    const corral_op_record_t *m = corral_rsc_history_find(w, "monitor", 10000);
    cr_assert_not_null(m);
    cr_assert_eq(m->rc, 7);
    cr_assert_eq(m->status, CORRAL_OP_TIMED_OUT);
    cr_assert(m->failed);
    cr_assert_eq(m->started_ms, 4242);
    cr_assert_str_eq(m->exit_reason, r.exit_reason);
    cr_assert_not_null(w->last_failure);
    cr_assert_str_eq(w->last_failure->action, "monitor");

    /* The same text again: the format is stable. */
    char *t1 = corral_ophistory_format(h);
    corral_ophistory_mark_unverified(h, NULL);
    char *t2 = corral_ophistory_format(g);
    /* next-call differs (g handed one out); everything after that line is equal. */
    cr_assert_str_eq(strstr(t1, "resource "), strstr(t2, "resource "));
    free(t1);
    free(t2);
    corral_ophistory_free(g);
    corral_ophistory_free(h);
    unlink(path);
    rmdir(dir);
}
