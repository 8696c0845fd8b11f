/*
 * The fence-agents bridge through the real host path (registry + action
 * runner), with Debian's real /usr/sbin/fence_dummy and a small recording
 * fence agent under tests/fixtures/ocf/fence-agents (fence_dummy has neither
 * a plug nor a list action).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "registry.h"
#include "util.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/corral-test-fa-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    unsetenv("CORRAL_FENCE_AGENTS_PATH");
}

static void teardown(void)
{
    char *cmd = corral_xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    (void)rc;
    free(cmd);
}

static char *fixture_dir(void)
{
    const char *src = getenv("CORRAL_SOURCE_DIR");
    cr_assert_not_null(src, "CORRAL_SOURCE_DIR is not set (run through ctest)");
    return corral_xasprintf("%s/tests/fixtures/ocf/fence-agents", src);
}

static corral_registry_t *new_registry(const char *path)
{
    corral_registry_settings_t s = {.fence_agents_path = path, .state_dir = tmpdir};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    return reg;
}

typedef struct kvs {
    corral_kv_t items[16];
    corral_kvlist_t list;
} kvs_t;

static void kvs_add(kvs_t *k, const char *key, const char *value)
{
    cr_assert_lt(k->list.n, 16);
    k->items[k->list.n] = (corral_kv_t){.key = (char *)key, .value = (char *)value};
    k->list.items = k->items;
    k->list.n++;
}

typedef struct outcome {
    int rc;
    char *reason;
    char *out;
    char *lines; /* op->output() lines joined with '\n' */
} outcome_t;

static void outcome_free(outcome_t *o)
{
    free(o->reason);
    free(o->out);
    free(o->lines);
}

static outcome_t fence(corral_registry_t *reg, const char *agent, const char *action,
                       const char *target, const char *plug, const kvs_t *params)
{
    corral_action_req_t req = {
        .agent = agent,
        .kind = CORRAL_AGENT_FENCE,
        .instance = "fencer",
        .node = "n0",
        .action = action,
        .timeout_ms = 60000,
        .params = params ? &params->list : NULL,
        .target = target,
        .plug = plug,
    };
    corral_job_t *job = NULL;
    char *err = NULL;
    int rc = corral_action_start(reg, &req, &job, &err);
    cr_assert_eq(rc, 0, "%s %s: cannot start: %d %s", agent, action, rc, err ? err : "");
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    outcome_t o = {.rc = r->ocf_rc};
    o.reason = r->exit_reason ? corral_xstrdup(r->exit_reason) : NULL;
    o.out = corral_xstrdup(r->out ? r->out : "");
    corral_buf_t b = {0};
    corral_buf_append(&b, "");
    for (size_t i = 0; i < r->n_lines; i++) corral_buf_printf(&b, "%s\n", r->lines[i]);
    o.lines = corral_buf_take(&b);
    corral_job_free(job);
    return o;
}

static int fence_rc(corral_registry_t *reg, const char *agent, const char *action,
                    const char *target, const kvs_t *params)
{
    outcome_t o = fence(reg, agent, action, target, NULL, params);
    int rc = o.rc;
    outcome_free(&o);
    return rc;
}

static const corral_param_spec_t *spec_of(const corral_agent_info_t *info, const char *name)
{
    for (const corral_param_spec_t *p = info->params; p && p->name; p++)
        if (!strcmp(p->name, name)) return p;
    return NULL;
}

static void collect(void *ud, const char *agent, corral_agent_kind_t kind)
{
    corral_buf_t *b = ud;
    corral_buf_printf(b, "%s %d\n", agent, (int)kind);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char *path = corral_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    free(path);
}

static char *read_text(const char *dir, const char *name)
{
    char *path = corral_xasprintf("%s/%s", dir, name);
    char *data = NULL;
    cr_assert_eq(corral_read_file(path, &data, NULL), 0, "cannot read %s", path);
    free(path);
    return data;
}

/* ---- list and describe ---------------------------------------------------- */

Test(fence_agents, list_finds_fence_programs, .init = setup, .fini = teardown)
{
    char *fixtures = fixture_dir();
    char *path = corral_xasprintf("%s:/usr/sbin", fixtures);
    corral_registry_t *reg = new_registry(path);
    corral_buf_t b = {0};
    corral_buf_append(&b, "");
    cr_assert_eq(corral_registry_list(reg, collect, &b), 0);
    char *dummy = corral_xasprintf("fence-agents:fence_dummy %d\n", (int)CORRAL_AGENT_FENCE);
    char *test = corral_xasprintf("fence-agents:fence_corraltest %d\n", (int)CORRAL_AGENT_FENCE);
    cr_expect_not_null(strstr(b.s, dummy), "%s", b.s);
    cr_expect_not_null(strstr(b.s, test), "%s", b.s);
    /* Only fence_* programs: nothing else from /usr/sbin. */
    cr_expect_null(strstr(b.s, "fence-agents:ip\n"));
    cr_expect_null(strstr(b.s, "fence-agents:crm_"));
    /* An administrator's tool, not an agent. */
    cr_expect_null(strstr(b.s, "fence-agents:fence_ack_manual"));
    free(dummy);
    free(test);
    corral_buf_free(&b);
    corral_registry_free(reg);
    free(path);
    free(fixtures);
}

Test(fence_agents, describe_fence_dummy, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(NULL); /* the default: /usr/sbin */
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(
        corral_registry_describe(reg, "fence-agents:fence_dummy", CORRAL_AGENT_FENCE, &info, &err),
        0, "%s", err ? err : "");
    cr_expect_str_eq(info->source, "/usr/sbin/fence_dummy");
    cr_expect_str_eq(info->description, "Dummy fence agent");
    cr_expect_eq(info->kind, CORRAL_AGENT_FENCE);
    unsigned want = CORRAL_ACT_OFF | CORRAL_ACT_ON | CORRAL_ACT_REBOOT | CORRAL_ACT_STATUS |
                    CORRAL_ACT_MONITOR | CORRAL_ACT_VALIDATE;
    cr_expect_eq(info->actions, want, "actions %#x", info->actions);
    const corral_param_spec_t *sf = spec_of(info, "status_file");
    cr_assert_not_null(sf);
    cr_expect_str_eq(sf->default_value, "/tmp/fence_dummy.status");
    cr_expect_eq(spec_of(info, "delay")->type, CORRAL_PARAM_DURATION);
    cr_expect_eq(spec_of(info, "retry_on")->type, CORRAL_PARAM_INTEGER);
    cr_expect_eq(spec_of(info, "verbose")->type, CORRAL_PARAM_BOOLEAN);
    /* What the bridge fills in itself is no device parameter. */
    cr_expect_null(spec_of(info, "action"));
    cr_expect_null(spec_of(info, "plug"));
    cr_expect_null(spec_of(info, "port"));
    cr_expect_null(spec_of(info, "help"));
    cr_expect_null(spec_of(info, "version"));

    cr_expect_eq(corral_registry_describe(reg, "fence-agents:fence_dummy", CORRAL_AGENT_RESOURCE,
                                          &info, &err),
                 -ENOENT);
    cr_expect_eq(
        corral_registry_describe(reg, "fence-agents:fence_nosuch", CORRAL_AGENT_FENCE, &info, &err),
        -ENOENT);
    cr_expect_eq(corral_registry_describe(reg, "fence-agents:ip", CORRAL_AGENT_FENCE, &info, &err),
                 -ENOENT);
    cr_expect_eq(corral_registry_describe(reg, "fence-agents:fence_../fence_dummy",
                                          CORRAL_AGENT_FENCE, &info, &err),
                 -ENOENT);
    corral_registry_free(reg);
}

Test(fence_agents, describe_real_agents, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(NULL);
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(corral_registry_describe(reg, "fence-agents:fence_ipmilan", CORRAL_AGENT_FENCE,
                                          &info, &err),
                 0, "%s", err ? err : "");
    cr_expect_not_null(spec_of(info, "ip"));
    cr_expect_not_null(spec_of(info, "username"));
    cr_expect_eq(spec_of(info, "lanplus")->type, CORRAL_PARAM_BOOLEAN);
    cr_expect_eq(spec_of(info, "power_wait")->type, CORRAL_PARAM_DURATION);
    cr_expect_null(spec_of(info, "plug"));
    cr_expect_eq(info->actions & CORRAL_ACT_OFF, CORRAL_ACT_OFF);
    cr_assert_eq(
        corral_registry_describe(reg, "fence-agents:fence_apc", CORRAL_AGENT_FENCE, &info, &err), 0,
        "%s", err ? err : "");
    cr_expect_eq(info->actions & CORRAL_ACT_LIST, CORRAL_ACT_LIST);
    /* An old alias is optional; its current name stays required. */
    cr_expect(spec_of(info, "ip")->required);
    cr_expect_not(spec_of(info, "ipaddr")->required);
    cr_expect(spec_of(info, "username")->required);
    cr_expect_not(spec_of(info, "login")->required);
    corral_registry_free(reg);
}

/* ---- fence_dummy ----------------------------------------------------------- */

Test(fence_agents, fence_dummy_power_cycle, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(NULL);
    char *status_file = corral_xasprintf("%s/dummy.status", tmpdir);
    kvs_t p = {0};
    kvs_add(&p, "status_file", status_file);
    kvs_add(&p, "delay", "0s"); /* a duration: fed to the agent as whole seconds */
    const char *a = "fence-agents:fence_dummy";
    /* No status file yet: fence_dummy says off. */
    cr_expect_eq(fence_rc(reg, a, "status", "n1", &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(fence_rc(reg, a, "on", "n1", &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(fence_rc(reg, a, "status", "n1", &p), CORRAL_OCF_SUCCESS);
    outcome_t o = fence(reg, a, "off", "n1", NULL, &p);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS, "%s", o.reason ? o.reason : "");
    cr_expect_not_null(strstr(o.out, "Success"), "stdout: %s", o.out);
    outcome_free(&o);
    char *st = read_text(tmpdir, "dummy.status");
    cr_expect_str_eq(st, "off");
    free(st);
    cr_expect_eq(fence_rc(reg, a, "status", "n1", &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(fence_rc(reg, a, "reboot", "n1", &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(fence_rc(reg, a, "monitor", NULL, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(fence_rc(reg, a, "validate", NULL, &p), CORRAL_OCF_SUCCESS);

    /* fence_dummy has no list action: unimplemented, with a reason. */
    o = fence(reg, a, "list", NULL, NULL, &p);
    cr_expect_eq(o.rc, CORRAL_OCF_UNIMPLEMENTED);
    cr_expect_str_eq(o.reason ? o.reason : "(none)",
                     "fence_dummy does not support the list action");
    outcome_free(&o);

    /* meta-data: the agent's XML. */
    o = fence(reg, a, "meta-data", NULL, NULL, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS);
    cr_expect_not_null(strstr(o.out, "<resource-agent name=\"fence_dummy\""), "%s", o.out);
    outcome_free(&o);
    free(status_file);
    corral_registry_free(reg);
}

Test(fence_agents, fence_dummy_failure_has_reason, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(NULL);
    kvs_t p = {0};
    kvs_add(&p, "type", "fail");
    kvs_add(&p, "power_timeout", "1s");
    /* type=fail never powers anything off: off times out (after power_timeout). */
    outcome_t o = fence(reg, "fence-agents:fence_dummy", "off", "n1", NULL, &p);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_not_null(o.reason);
    cr_expect_str_eq(o.reason,
                     "fence_dummy off failed (exit 1, generic error): Failed: Timed out waiting "
                     "to power OFF");
    outcome_free(&o);

    /* An action fence agents do not have. */
    o = fence(reg, "fence-agents:fence_dummy", "promote", "n1", NULL, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_UNIMPLEMENTED);
    outcome_free(&o);
    corral_registry_free(reg);
}

/* ---- the protocol, through the recording agent ----------------------------- */

Test(fence_agents, plug_from_host_map_and_params, .init = setup, .fini = teardown)
{
    char *fixtures = fixture_dir();
    corral_registry_t *reg = new_registry(fixtures);
    write_text(tmpdir, "plug-pa", "on\n");
    write_text(tmpdir, "plug-pb", "on\n");
    kvs_t p = {0};
    kvs_add(&p, "state_dir", tmpdir);
    kvs_add(&p, "wait", "2min");
    const char *a = "fence-agents:fence_corraltest";

    /* Target n1 is plug "pa" on this device (host-map). */
    outcome_t o = fence(reg, a, "status", "n1", "pa", &p);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS, "%s", o.reason ? o.reason : "");
    outcome_free(&o);
    o = fence(reg, a, "off", "n1", "pa", &p);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS, "%s", o.reason ? o.reason : "");
    outcome_free(&o);
    char *st = read_text(tmpdir, "plug-pa");
    cr_expect_str_eq(st, "off\n");
    free(st);
    o = fence(reg, a, "status", "n1", "pa", &p);
    cr_expect_eq(o.rc, CORRAL_OCF_NOT_RUNNING);
    outcome_free(&o);
    /* Without a host-map the plug is the target's name. */
    write_text(tmpdir, "plug-n2", "on\n");
    cr_expect_eq(fence_rc(reg, a, "status", "n2", &p), CORRAL_OCF_SUCCESS);

    char *req = read_text(tmpdir, "requests");
    /* What was fed on stdin, one request per line; the duration as whole seconds. */
    cr_expect_not_null(strstr(req, "action=off;plug=pa;nodename=n1;state_dir=" /* ... */), "%s",
                       req);
    cr_expect_not_null(strstr(req, ";wait=120;"), "%s", req);
    cr_expect_not_null(strstr(req, "action=status;plug=n2;nodename=n2;"), "%s", req);
    free(req);

    /* list: "plug,alias" lines become one target line each. */
    o = fence(reg, a, "list", NULL, NULL, &p);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS, "%s", o.reason ? o.reason : "");
    cr_expect_str_eq(o.lines, "n2\npa\npb\n");
    outcome_free(&o);

    /* An unknown plug: the agent's error line is the reason. */
    o = fence(reg, a, "off", "n9", NULL, &p);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect_not_null(strstr(o.reason ? o.reason : "", "plug is not available"), "%s",
                       o.reason ? o.reason : "(none)");
    outcome_free(&o);
    corral_registry_free(reg);
    free(fixtures);
}

Test(fence_agents, values_cannot_inject_lines, .init = setup, .fini = teardown)
{
    char *fixtures = fixture_dir();
    corral_registry_t *reg = new_registry(fixtures);
    write_text(tmpdir, "plug-pa", "on\n");
    kvs_t p = {0};
    kvs_add(&p, "state_dir", tmpdir);
    kvs_add(&p, "wait", "1\naction=on");
    outcome_t o = fence(reg, "fence-agents:fence_corraltest", "off", "n1", "pa", &p);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_ARGS);
    cr_expect_not_null(o.reason);
    outcome_free(&o);
    /* Nothing reached the agent. */
    char *path = corral_xasprintf("%s/requests", tmpdir);
    cr_expect_neq(access(path, F_OK), 0);
    free(path);

    /* A fence action with no target at all. */
    kvs_t q = {0};
    kvs_add(&q, "state_dir", tmpdir);
    o = fence(reg, "fence-agents:fence_corraltest", "off", NULL, NULL, &q);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_ARGS);
    outcome_free(&o);
    corral_registry_free(reg);
    free(fixtures);
}
