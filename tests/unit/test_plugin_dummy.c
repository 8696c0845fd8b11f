/*
 * The dummy resource agent and the dummy fence agent, driven through the
 * real host path (registry + action + runner: each action in a child).
 */
#include <criterion/criterion.h>
#include <sys/stat.h>

#include "agent_harness.h"

static char *dir;
static char *state;
static corral_registry_t *reg;

static void setup(void)
{
    dir = ah_tmpdir("dummy");
    state = corral_xasprintf("%s/x.state", dir);
    reg = ah_registry(dir);
}

static void teardown(void)
{
    corral_registry_free(reg);
    ah_sh("rm -rf '%s'", dir);
    free(state);
    free(dir);
}

TestSuite(plugin_dummy, .init = setup, .fini = teardown);

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

Test(plugin_dummy, bad_delay_is_refused)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, "start-delay=soon", NULL};
    ah_result_t r = ah_rsc(reg, "dummy", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect(strstr(r.reason, "start-delay") != NULL, "reason: %s", r.reason);
    cr_expect(!exists(state));
    r = ah_rsc(reg, "dummy", "validate", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *kv2[] = {p, "fail-monitor-rc=300", NULL};
    r = ah_rsc(reg, "dummy", "validate", kv2);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    free(p);
}

/* The done criterion: monitor|start|monitor|stop|monitor gives 7/0/0/0/7. */
Test(plugin_dummy, lifecycle_7_0_0_0_7)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(exists(state));
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!exists(state));
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(p);
}

Test(plugin_dummy, start_and_stop_are_idempotent)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    free(p);
}

Test(plugin_dummy, default_state_file_is_in_the_state_dir_by_instance)
{
    char *def = corral_xasprintf("%s/dummy-rsc1.state", dir);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", NULL).rc, CORRAL_OCF_SUCCESS);
    cr_expect(exists(def), "%s", def);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", NULL).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", NULL).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!exists(def));
    free(def);
}

Test(plugin_dummy, promote_and_demote)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, NULL};
    ah_result_t r = ah_rsc(reg, "dummy", "promote", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "promote of a stopped resource: %d", r.rc);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "promote", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_RUNNING_PROMOTED);
    char *data = ah_slurp(state);
    cr_expect(strstr(data, "role=promoted") != NULL, "state: %s", data);
    free(data);
    cr_expect_eq(ah_rsc(reg, "dummy", "demote", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    data = ah_slurp(state);
    cr_expect(strstr(data, "role=started") != NULL, "state: %s", data);
    free(data);
    /* A promoted instance stops like any other. */
    cr_expect_eq(ah_rsc(reg, "dummy", "promote", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(p);
}

Test(plugin_dummy, fail_start_leaves_it_stopped)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, "fail-start=true", NULL};
    ah_result_t r = ah_rsc(reg, "dummy", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "fail-start") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(p);
}

Test(plugin_dummy, fail_stop_leaves_it_running)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, NULL};
    const char *failing[] = {p, "fail-stop=yes", NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_rsc(reg, "dummy", "stop", failing);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "fail-stop") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    free(p);
}

Test(plugin_dummy, fail_monitor_after_n_calls_until_restarted)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, "fail-monitor-after=2", "fail-monitor-rc=7", NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_rsc(reg, "dummy", "monitor", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect(strstr(r.reason, "fail-monitor-after") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    /* A stop and a start (the recovery) reset the count. */
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    const char *generic[] = {p, "fail-monitor-after=0", NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", generic).rc, CORRAL_OCF_ERR_GENERIC);
    free(p);
}

Test(plugin_dummy, a_slow_start_past_its_timeout_is_a_failed_op)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, "start-delay=60s", NULL};
    ah_result_t r =
        ah_run_full(reg, CORRAL_AGENT_RESOURCE, "dummy", "rsc1", "start", NULL, 300, kv, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "timed out") != NULL, "reason: %s", r.reason);
    cr_expect(!exists(state));
    free(p);
}

Test(plugin_dummy, reload_records_the_new_value)
{
    char *p = corral_xasprintf("state=%s", state);
    const char *kv[] = {p, "fake=one", NULL};
    const char *kv2[] = {p, "fake=two", NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "reload", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv).rc, CORRAL_OCF_SUCCESS);
    char *data = ah_slurp(state);
    cr_expect(strstr(data, "fake=one\n") != NULL, "state: %s", data);
    free(data);
    cr_expect_eq(ah_rsc(reg, "dummy", "reload", kv2).rc, CORRAL_OCF_SUCCESS);
    data = ah_slurp(state);
    cr_expect(strstr(data, "fake=two\n") != NULL, "state: %s", data);
    cr_expect(strstr(data, "reloads=1\n") != NULL, "state: %s", data);
    free(data);
    free(p);
}

Test(plugin_dummy, notify_is_recorded)
{
    char *p = corral_xasprintf("state=%s", state);
    char *log = corral_xasprintf("%s.notify", state);
    const char *kv[] = {p, NULL};
    const char *meta[] = {"notify_type=pre", "notify_operation=start",
                          "notify_start_uname=node2 node3", NULL};
    ah_result_t r =
        ah_run_full(reg, CORRAL_AGENT_RESOURCE, "dummy", "rsc1", "notify", NULL, 20000, kv, meta);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *data = ah_slurp(log);
    cr_expect(strstr(data, " pre-start start=[node2 node3]") != NULL, "notify log: %s", data);
    free(data);
    free(log);
    free(p);
}

Test(plugin_dummy, migrate_to_and_from)
{
    char *src = corral_xasprintf("state=%s/src.state", dir);
    char *dst = corral_xasprintf("state=%s/dst.state", dir);
    const char *kv_src[] = {src, NULL};
    const char *kv_dst[] = {dst, NULL};
    const char *meta[] = {"migrate_source=node1", "migrate_target=node2", NULL};
    cr_expect_eq(ah_rsc(reg, "dummy", "start", kv_src).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_run_full(reg, CORRAL_AGENT_RESOURCE, "dummy", "rsc1", "migrate_to", NULL,
                                20000, kv_src, meta);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    r = ah_run_full(reg, CORRAL_AGENT_RESOURCE, "dummy", "rsc1", "migrate_from", NULL, 20000,
                    kv_dst, meta);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    cr_expect_eq(ah_rsc(reg, "dummy", "monitor", kv_dst).rc, CORRAL_OCF_SUCCESS);
    char *data = ah_slurp(src + 6);
    cr_expect(strstr(data, "migrated-to=node2") != NULL, "source state: %s", data);
    free(data);
    data = ah_slurp(dst + 6);
    cr_expect(strstr(data, "migrated-from=node1") != NULL, "target state: %s", data);
    free(data);
    cr_expect_eq(ah_rsc(reg, "dummy", "stop", kv_src).rc, CORRAL_OCF_SUCCESS);
    free(src);
    free(dst);
}

Test(plugin_dummy, meta_data_comes_from_the_descriptor)
{
    ah_result_t r = ah_rsc(reg, "dummy", "meta-data", NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS);
    cr_expect(strstr(r.lines, "fail-monitor-after") != NULL, "meta-data: %s", r.lines);
    cr_expect(strstr(r.lines, "promote") != NULL, "meta-data: %s", r.lines);
}

/* ---- the dummy fence agent ---- */

Test(plugin_dummy, fence_off_on_status_and_log)
{
    char *log = corral_xasprintf("log=%s/fence.log", dir);
    const char *kv[] = {log, NULL};
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node2", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node3", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "on", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node3", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "reboot", "node3", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node3", kv).rc, CORRAL_OCF_SUCCESS,
                 "a reboot leaves the target on");
    char *data = ah_slurp(log + 4);
    cr_expect(strstr(data, " off node2 ok\n") != NULL, "log: %s", data);
    cr_expect(strstr(data, " status node2 off\n") != NULL, "log: %s", data);
    cr_expect(strstr(data, " on node2 ok\n") != NULL, "log: %s", data);
    cr_expect(strstr(data, " reboot node3 ok\n") != NULL, "log: %s", data);
    size_t lines = 0;
    for (const char *c = data; *c; c++) lines += *c == '\n';
    cr_expect_eq(lines, 9, "every action is one line: %s", data);
    free(data);
    free(log);
}

Test(plugin_dummy, fence_default_log_is_in_the_state_dir)
{
    char *log = corral_xasprintf("%s/fence-dummy-fence1.log", dir);
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node2", NULL).rc, CORRAL_OCF_SUCCESS);
    char *data = ah_slurp(log);
    cr_expect(strstr(data, " off node2 ok\n") != NULL, "log %s: %s", log, data);
    free(data);
    free(log);
}

Test(plugin_dummy, fence_failures_on_purpose)
{
    char *log = corral_xasprintf("log=%s/fence.log", dir);
    const char *all[] = {log, "fail=true", NULL};
    const char *some[] = {log, "fail-targets=node3, node4", NULL};
    ah_result_t r = ah_fence(reg, "dummy", "off", "node2", all);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "on purpose") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_fence(reg, "dummy", "status", "node2", some).rc, CORRAL_OCF_SUCCESS,
                 "the failed off switched nothing off");
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node2", some).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node3", some).rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect_eq(ah_fence(reg, "dummy", "off", "node4", some).rc, CORRAL_OCF_ERR_GENERIC);
    char *data = ah_slurp(log + 4);
    cr_expect(strstr(data, " off node2 failed\n") != NULL, "log: %s", data);
    cr_expect(strstr(data, " off node3 failed\n") != NULL, "log: %s", data);
    free(data);
    free(log);
}

Test(plugin_dummy, fence_slow_past_the_timeout)
{
    const char *kv[] = {"delay=60s", NULL};
    ah_result_t r =
        ah_run_full(reg, CORRAL_AGENT_FENCE, "dummy", "fence1", "off", "node2", 300, kv, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "timed out") != NULL, "reason: %s", r.reason);
}

Test(plugin_dummy, fence_list_answers_the_hosts)
{
    const char *kv[] = {"hosts=node1 node2,node3", NULL};
    ah_result_t r = ah_fence(reg, "dummy", "list", NULL, kv);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    cr_expect_str_eq(r.lines, "node1\nnode2\nnode3\n");
    cr_expect_eq(ah_fence(reg, "dummy", "monitor", NULL, kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_dummy, fence_acts_on_the_plug_name)
{
    char *log = corral_xasprintf("log=%s/fence.log", dir);
    const char *kv[] = {log, NULL};
    ah_result_t r = ah_run_plug(reg, CORRAL_AGENT_FENCE, "dummy", "fence1", "off", "node2",
                                "outlet2", 20000, kv, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *data = ah_slurp(log + 4);
    cr_expect(strstr(data, " off outlet2 ok\n") != NULL, "log: %s", data);
    free(data);
    free(log);
}
