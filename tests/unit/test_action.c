/* Agent actions end to end: registry + runner + the op context, with the broken fixtures. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "proc_check.h"
#include "util.h"

static corral_registry_t *fixture_registry(void)
{
    const char *b = getenv("CORRAL_BUILD_DIR");
    cr_assert_not_null(b, "CORRAL_BUILD_DIR is set by ctest");
    char *dir = corral_xasprintf("%s/tests/fixtures", b);
    corral_registry_settings_t s = {.plugin_path = dir, .state_dir = "/tmp"};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    free(dir);
    return reg;
}

/* SIGKILL is asynchronous: give the kernel a moment (bounded) to finish. */
static bool group_gone_eventually(pid_t pgid)
{
    for (int i = 0; i < 200; i++) {
        if (!group_alive(pgid)) return true;
        usleep(25000);
    }
    return false;
}

static void assert_no_children(void)
{
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    cr_assert(p == -1 && errno == ECHILD, "a child is left behind (waitpid: %d)", (int)p);
}

/* Run one action to its end. The job is returned for the caller to inspect and free. */
static corral_job_t *run(corral_registry_t *reg, corral_action_req_t *req)
{
    corral_job_t *job = NULL;
    char *err = NULL;
    int rc = corral_action_start(reg, req, &job, &err);
    cr_assert_eq(rc, 0, "%s %s: %d %s", req->agent, req->action, rc, err ? err : "");
    corral_job_wait(job);
    return job;
}

Test(action, invalid_arguments)
{
    corral_registry_t *reg = fixture_registry();
    corral_job_t *job = NULL;
    corral_action_req_t req = {.agent = "garbage", .kind = CORRAL_AGENT_RESOURCE};
    cr_assert_eq(corral_action_start(NULL, &req, &job, NULL), -EINVAL);
    cr_assert_eq(corral_action_start(reg, NULL, &job, NULL), -EINVAL);
    cr_assert_eq(corral_action_start(reg, &req, &job, NULL), -EINVAL, "no action");
    req.action = "start";
    cr_assert_eq(corral_action_start(reg, &req, NULL, NULL), -EINVAL);
    req.kind = 0;
    cr_assert_eq(corral_action_start(reg, &req, &job, NULL), -EINVAL);
    cr_assert_null(job);
    corral_registry_free(reg);
}

Test(action, unknown_agent_says_so)
{
    corral_registry_t *reg = fixture_registry();
    corral_job_t *job = NULL;
    char *err = NULL;
    corral_action_req_t req = {
        .agent = "no_such_agent", .kind = CORRAL_AGENT_RESOURCE, .action = "start"};
    cr_assert_eq(corral_action_start(reg, &req, &job, &err), -ENOENT);
    cr_assert_not_null(err);
    cr_assert(corral_str_has_prefix(err, "resource agent 'no_such_agent' is not installed"), "%s",
              err);
    free(err);
    cr_assert_null(job);
    corral_registry_free(reg);
}

Test(action, refused_plugin_fails_to_start_with_its_reason)
{
    corral_registry_t *reg = fixture_registry();
    corral_job_t *job = NULL;
    char *err = NULL;
    corral_action_req_t req = {
        .agent = "bad_abi", .kind = CORRAL_AGENT_RESOURCE, .action = "start"};
    cr_assert_eq(corral_action_start(reg, &req, &job, &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, "bad_abi.so: refused: ABI major 2"), "%s", err);
    free(err);
    corral_registry_free(reg);
}

Test(action, crash_costs_one_failed_op)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {
        .agent = "crasher", .kind = CORRAL_AGENT_RESOURCE, .instance = "c1", .action = "start"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->status, CORRAL_JOB_SIGNALED, "status %d", r->status);
    cr_assert_eq(r->ocf_rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_str_eq(r->exit_reason, "killed by signal 11 (Segmentation fault)");
    /* What it logged before it died arrived. */
    cr_assert_eq(r->n_logs, 1);
    cr_assert_str_eq(r->logs[0].msg, "about to crash");
    corral_job_free(job);
    corral_registry_free(reg);
    assert_no_children();
}

Test(action, hang_past_the_timeout_is_killed_with_its_group)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {
        .agent = "hanger", .kind = CORRAL_AGENT_RESOURCE, .action = "monitor", .timeout_ms = 300};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    pid_t pgid = corral_job_pid(job);
    cr_assert_eq(r->status, CORRAL_JOB_TIMED_OUT);
    cr_assert_eq(r->ocf_rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_str_eq(r->exit_reason, "timed out after 300ms");
    cr_assert_eq(r->n_lines, 1, "the hanger reports its child");
    pid_t child = 0;
    cr_assert_eq(sscanf(r->lines[0], "child %d", &child), 1);
    cr_assert(group_gone_eventually(pgid), "something of group %d survived", (int)pgid);
    cr_assert(!proc_alive(child, 0), "the hanger's child %d survived", (int)child);
    corral_job_free(job);
    corral_registry_free(reg);
    assert_no_children();
}

Test(action, exit_call_gives_its_code)
{
    corral_registry_t *reg = fixture_registry();
    corral_kv_t kv[] = {{.key = "code", .value = "4"}};
    corral_kvlist_t params = {kv, 1};
    corral_action_req_t req = {
        .agent = "exiter", .kind = CORRAL_AGENT_RESOURCE, .action = "start", .params = &params};
    corral_job_t *job = run(reg, &req);
    cr_assert_eq(corral_job_result(job)->status, CORRAL_JOB_EXITED);
    cr_assert_eq(corral_job_result(job)->ocf_rc, 4);
    corral_job_free(job);
    /* Without the parameter, the spec's default (3) is what op->param() gives. */
    req.params = NULL;
    job = run(reg, &req);
    cr_assert_eq(corral_job_result(job)->ocf_rc, 3);
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, garbage_code_is_a_generic_error)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {.agent = "garbage", .kind = CORRAL_AGENT_RESOURCE, .action = "stop"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->exit_code, 42);
    cr_assert_eq(r->ocf_rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_str_eq(r->exit_reason, "returned an invalid code 42");
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, flood_is_drained_and_dropped_past_the_cap)
{
    corral_registry_t *reg = fixture_registry();
    corral_kv_t kv[] = {{.key = "mb", .value = "4"}};
    corral_kvlist_t params = {kv, 1};
    corral_action_req_t req = {
        .agent = "flooder", .kind = CORRAL_AGENT_RESOURCE, .action = "start", .params = &params};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_eq(strlen(r->out), 64 * 1024, "stdout capped at the default 64 KiB");
    cr_assert_eq(strlen(r->err), 64 * 1024);
    cr_assert_eq(r->n_lines, 1);
    cr_assert_str_eq(r->lines[0], "flooded");
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, grandchild_holding_the_pipes_is_not_waited_for)
{
    corral_registry_t *reg = fixture_registry();
    corral_kv_t kv[] = {{.key = "seconds", .value = "120"}};
    corral_kvlist_t params = {kv, 1};
    corral_action_req_t req = {.agent = "forker",
                               .kind = CORRAL_AGENT_RESOURCE,
                               .action = "start",
                               .params = &params,
                               .timeout_ms = 60000};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_eq(r->n_lines, 1);
    pid_t grandchild = 0;
    cr_assert_eq(sscanf(r->lines[0], "grandchild %d", &grandchild), 1);
    pid_t pgid = corral_job_pid(job);
    /* The op returned while the grandchild sleeps on (it would for 2 minutes): not waited for. */
    cr_assert(proc_alive(grandchild, pgid), "the grandchild was killed or waited for");
    corral_job_free(job);
    cr_assert(proc_alive(grandchild, pgid), "freeing the finished job killed the grandchild");
    kill(-pgid, SIGKILL);
    cr_assert(group_gone_eventually(pgid));
    corral_registry_free(reg);
    assert_no_children();
}

Test(action, fence_reboot_without_its_own_is_off_then_on)
{
    corral_registry_t *reg = fixture_registry();
    char path[] = "/tmp/corral-offon-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    corral_kv_t kv[] = {{.key = "log", .value = path}};
    corral_kvlist_t params = {kv, 1};
    corral_action_req_t req = {.agent = "offon",
                               .kind = CORRAL_AGENT_FENCE,
                               .instance = "pdu",
                               .action = "reboot",
                               .target = "n2",
                               .params = &params};
    corral_job_t *job = run(reg, &req);
    cr_assert_eq(corral_job_result(job)->ocf_rc, 0);
    corral_job_free(job);
    char *data = NULL;
    cr_assert_eq(corral_read_file(path, &data, NULL), 0);
    cr_assert_str_eq(data, "off n2\non n2\n");
    free(data);
    unlink(path);
    corral_registry_free(reg);
}

Test(action, validate_checks_parameters_against_the_specs)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {.agent = "offon", .kind = CORRAL_AGENT_FENCE, .action = "validate"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->ocf_rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_assert_str_eq(r->exit_reason, "required parameter 'log' of agent offon is missing");
    corral_job_free(job);

    corral_kv_t kv[] = {{.key = "code", .value = "x"}};
    corral_kvlist_t params = {kv, 1};
    corral_action_req_t req2 = {
        .agent = "exiter", .kind = CORRAL_AGENT_RESOURCE, .action = "validate", .params = &params};
    job = run(reg, &req2);
    cr_assert_eq(corral_job_result(job)->ocf_rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_assert_str_eq(corral_job_result(job)->exit_reason,
                     "parameter 'code' must be an integer, not 'x'");
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, meta_data_comes_from_the_descriptor)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {
        .agent = "exiter", .kind = CORRAL_AGENT_RESOURCE, .action = "meta-data"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->ocf_rc, 0);
    corral_buf_t xml = {0};
    for (size_t i = 0; i < r->n_lines; i++) {
        corral_buf_append(&xml, r->lines[i]);
        corral_buf_append(&xml, "\n");
    }
    cr_assert_not_null(strstr(xml.s, "<resource-agent name=\"exiter\" version=\"1.0\">"));
    cr_assert_not_null(strstr(xml.s, "<parameter name=\"code\" required=\"0\""));
    cr_assert_not_null(strstr(xml.s, "<content type=\"integer\" default=\"3\"/>"));
    cr_assert_not_null(strstr(xml.s, "<action name=\"monitor\""));
    cr_assert_not_null(strstr(xml.s, "</resource-agent>"));
    corral_buf_free(&xml);
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, unimplemented_action_is_rc_3)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {
        .agent = "garbage", .kind = CORRAL_AGENT_RESOURCE, .action = "promote"};
    corral_job_t *job = run(reg, &req);
    cr_assert_eq(corral_job_result(job)->ocf_rc, CORRAL_OCF_UNIMPLEMENTED);
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, rc_words)
{
    cr_assert_str_eq(corral_ocf_rc_str(0), "ok");
    cr_assert_str_eq(corral_ocf_rc_str(1), "generic error");
    cr_assert_str_eq(corral_ocf_rc_str(7), "not running");
    cr_assert_str_eq(corral_ocf_rc_str(8), "running promoted");
    cr_assert_str_eq(corral_ocf_rc_str(42), "unknown result");
    cr_assert_str_eq(corral_ocf_rc_str(-1), "unknown result");
}

Test(action, the_caller_survives_everything_without_leaks)
{
    corral_registry_t *reg = fixture_registry();
    /* Load everything once so the loaded plugins' fds (none) and caches are in place. */
    const corral_agent_info_t *info = NULL;
    const char *agents[] = {"crasher", "garbage", "exiter", "flooder"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(corral_registry_describe(reg, agents[i], CORRAL_AGENT_RESOURCE, &info, NULL),
                     0);
    int before = count_fds();
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < 4; i++) {
            corral_action_req_t req = {
                .agent = agents[i], .kind = CORRAL_AGENT_RESOURCE, .action = "monitor"};
            corral_job_free(run(reg, &req));
        }
    cr_assert_eq(count_fds(), before, "fds leaked");
    assert_no_children();
    corral_registry_free(reg);
}

/* A built-in agent that reports what its op context holds. */
static int probe(const corral_op_t *op)
{
    char line[512];
    snprintf(line, sizeof(line), "agent=%s instance=%s node=%s action=%s interval=%u timeout=%u",
             op->agent, op->instance, op->node, op->action, op->interval_ms, op->timeout_ms);
    op->output(op, line);
    const char *name, *value;
    for (size_t i = 0; op->param_at(op, i, &name, &value) == 0; i++) {
        snprintf(line, sizeof(line), "param %s=%s", name, value);
        op->output(op, line);
    }
    snprintf(line, sizeof(line), "default=%s missing=%s", op->param(op, "color"),
             op->param(op, "nope") ? "set" : "null");
    op->output(op, line);
    snprintf(line, sizeof(line), "meta clone_max=%s", op->meta(op, "clone_max"));
    op->output(op, line);
    snprintf(line, sizeof(line), "attr=%s other=%s", op->get_attr(op, "rack", NULL),
             op->get_attr(op, "rack", "n9"));
    op->output(op, line);
    snprintf(line, sizeof(line), "ocf-root=%s state=%s", op->setting(op, "ocf-root"),
             op->state_dir);
    op->output(op, line);
    /* No cr_assert here: this runs in the action's child. */
    if (op->set_attr(op, "probed", "yes") != 0 || op->set_attr(op, "old", NULL) != 0)
        return CORRAL_OCF_ERR_GENERIC;
    op->log(op, CORRAL_LOG_WARNING, "warned %d", 1);
    op->set_exit_reason(op, "all %s", "fine");
    return CORRAL_OCF_RUNNING_PROMOTED;
}

static const corral_param_spec_t probe_params[] = {
    {.name = "color", .type = CORRAL_PARAM_STRING, .default_value = "red"},
    {.name = "size", .type = CORRAL_PARAM_INTEGER},
    {.name = NULL},
};

static const corral_resource_plugin_t probe_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "probe",
    .version = "1",
    .description = "reports its op context",
    .params = probe_params,
    .start = probe,
    .stop = probe,
    .monitor = probe,
};

static const char *attr_cb(void *ud, const char *node, const char *name)
{
    cr_assert_str_eq(ud, "ud");
    if (!strcmp(name, "rack")) return !strcmp(node, "n1") ? "a" : "b";
    return NULL;
}

Test(action, op_context_reaches_the_agent)
{
    corral_registry_t *reg = fixture_registry();
    cr_assert_eq(corral_registry_add_resource(reg, &probe_plugin, NULL, NULL), 0);
    corral_kv_t kv[] = {{.key = "size", .value = "3"}};
    corral_kvlist_t params = {kv, 1};
    corral_kv_t mkv[] = {{.key = "clone_max", .value = "2"}};
    corral_kvlist_t meta = {mkv, 1};
    corral_action_req_t req = {.agent = "probe",
                               .kind = CORRAL_AGENT_RESOURCE,
                               .instance = "p1",
                               .node = "n1",
                               .action = "monitor",
                               .interval_ms = 10000,
                               .params = &params,
                               .meta = &meta,
                               .get_attr = attr_cb,
                               .attr_ud = "ud"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->status, CORRAL_JOB_EXITED, "the probe failed: %s", r->err);
    cr_assert_eq(r->ocf_rc, CORRAL_OCF_RUNNING_PROMOTED);
    cr_assert_str_eq(r->exit_reason, "all fine");
    cr_assert_eq(r->n_lines, 6);
    cr_assert_str_eq(r->lines[0],
                     "agent=probe instance=p1 node=n1 action=monitor interval=10000 timeout=20000");
    cr_assert_str_eq(r->lines[1], "param size=3");
    cr_assert_str_eq(r->lines[2], "default=red missing=null");
    cr_assert_str_eq(r->lines[3], "meta clone_max=2");
    cr_assert_str_eq(r->lines[4], "attr=a other=b");
    cr_assert(corral_str_has_prefix(r->lines[5], "ocf-root=/"), "%s", r->lines[5]);
    cr_assert_not_null(strstr(r->lines[5], "state=/tmp"));
    cr_assert_eq(r->n_attrs, 2);
    cr_assert_str_eq(r->attrs[0].name, "probed");
    cr_assert_str_eq(r->attrs[0].value, "yes");
    cr_assert_null(r->attrs[1].value);
    cr_assert_eq(r->n_logs, 1);
    cr_assert_eq(r->logs[0].level, CORRAL_LOG_WARNING);
    cr_assert_str_eq(r->logs[0].msg, "warned 1");
    corral_job_free(job);
    corral_registry_free(reg);
}

Test(action, bridged_agents_run_through_their_bridge)
{
    corral_registry_t *reg = fixture_registry();
    corral_action_req_t req = {
        .agent = "fixbridge:echo", .kind = CORRAL_AGENT_RESOURCE, .action = "start"};
    corral_job_t *job = run(reg, &req);
    const corral_job_result_t *r = corral_job_result(job);
    cr_assert_eq(r->ocf_rc, 0);
    cr_assert_eq(r->n_lines, 1);
    cr_assert_str_eq(r->lines[0], "hello", "the description's default reached the bridge");
    corral_job_free(job);

    req.action = "meta-data";
    job = run(reg, &req);
    r = corral_job_result(job);
    cr_assert_eq(r->ocf_rc, 0, "the host answers meta-data the bridge left to it");
    cr_assert_gt(r->n_lines, 3);
    cr_assert_str_eq(r->lines[2], "<resource-agent name=\"fixbridge:echo\" version=\"0.1\">");
    corral_job_free(job);

    corral_job_t *none = NULL;
    char *err = NULL;
    req.agent = "fixbridge:broken";
    cr_assert_eq(corral_action_start(reg, &req, &none, &err), -EINVAL);
    cr_assert_str_eq(err, "broken.fix:3: syntax error");
    free(err);
    corral_registry_free(reg);
}

Test(action, instance_defaults_to_the_agents_type)
{
    corral_registry_t *reg = fixture_registry();
    cr_assert_eq(corral_registry_add_resource(reg, &probe_plugin, NULL, NULL), 0);
    corral_action_req_t req = {.agent = "probe", .kind = CORRAL_AGENT_RESOURCE, .action = "start"};
    corral_job_t *job = run(reg, &req);
    cr_assert(
        corral_str_has_prefix(corral_job_result(job)->lines[0], "agent=probe instance=probe "),
        "%s", corral_job_result(job)->lines[0]);
    corral_job_free(job);
    corral_registry_free(reg);
}
