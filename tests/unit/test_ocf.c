/*
 * The ocf bridge through the real host path (registry + action runner),
 * with real OCF agents from Debian's resource-agents and pacemaker packages
 * and a small recording agent under tests/fixtures/ocf.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "registry.h"
#include "util.h"

#define SYS_OCF_ROOT "/usr/lib/ocf"

static char tmpdir[256];

/* Every test: a private directory for state, HA_RSCTMP and HA_VARRUN, and
 * no OCF_ROOT from the caller's environment (it would beat the settings). */
static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/corral-test-ocf-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    char *d = corral_xasprintf("%s/rsctmp", tmpdir);
    cr_assert_eq(mkdir(d, 0755), 0);
    setenv("HA_RSCTMP", d, 1);
    free(d);
    d = corral_xasprintf("%s/varrun", tmpdir);
    cr_assert_eq(mkdir(d, 0755), 0);
    setenv("HA_VARRUN", d, 1);
    free(d);
    unsetenv("OCF_ROOT");
}

static void teardown(void)
{
    char *cmd = corral_xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    (void)rc;
    free(cmd);
}

static char *fixture_root(void)
{
    const char *src = getenv("CORRAL_SOURCE_DIR");
    cr_assert_not_null(src, "CORRAL_SOURCE_DIR is not set (run through ctest)");
    return corral_xasprintf("%s/tests/fixtures/ocf", src);
}

static corral_registry_t *new_registry(const char *ocf_root)
{
    corral_registry_settings_t s = {.ocf_root = ocf_root, .state_dir = tmpdir};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    return reg;
}

/* The EnvDump fixture agent's tests: a registry on the fixture root, the
 * file it dumps its environment to, and its state file. */
static struct {
    char *root;
    corral_registry_t *reg;
    char *envfile;
    char *state;
} ed;

static void setup_envdump(void)
{
    setup();
    ed.root = fixture_root();
    ed.reg = new_registry(ed.root);
    ed.envfile = corral_xasprintf("%s/env.txt", tmpdir);
    ed.state = corral_xasprintf("%s/envdump.state", tmpdir);
}

static void teardown_envdump(void)
{
    corral_registry_free(ed.reg);
    free(ed.root);
    free(ed.envfile);
    free(ed.state);
    teardown();
}

/* A key=value list for a request (strings are not copied: literals only). */
typedef struct kvs {
    corral_kv_t items[32];
    corral_kvlist_t list;
} kvs_t;

static void kvs_add(kvs_t *k, const char *key, const char *value)
{
    cr_assert_lt(k->list.n, 32);
    k->items[k->list.n] = (corral_kv_t){.key = (char *)key, .value = (char *)value};
    k->list.items = k->items;
    k->list.n++;
}

/* The outcome of one action, copied out of the job. */
typedef struct outcome {
    int rc;
    char *reason;
    char *out;
    char *err;
    char *attrs; /* "name=value;" (value "(deleted)" for a delete) */
} outcome_t;

static void outcome_free(outcome_t *o)
{
    free(o->reason);
    free(o->out);
    free(o->err);
    free(o->attrs);
    memset(o, 0, sizeof(*o));
}

static outcome_t run_full(corral_registry_t *reg, const char *agent, const char *instance,
                          const char *action, uint32_t interval_ms, const kvs_t *params,
                          const kvs_t *meta)
{
    corral_action_req_t req = {
        .agent = agent,
        .kind = CORRAL_AGENT_RESOURCE,
        .instance = instance,
        .node = "n1",
        .action = action,
        .interval_ms = interval_ms,
        .timeout_ms = 30000,
        .params = params ? &params->list : NULL,
        .meta = meta ? &meta->list : NULL,
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
    o.err = corral_xstrdup(r->err ? r->err : "");
    corral_buf_t b = {0};
    corral_buf_append(&b, "");
    for (size_t i = 0; i < r->n_attrs; i++)
        corral_buf_printf(&b, "%s=%s;", r->attrs[i].name,
                          r->attrs[i].value ? r->attrs[i].value : "(deleted)");
    o.attrs = corral_buf_take(&b);
    corral_job_free(job);
    return o;
}

static int run_rc(corral_registry_t *reg, const char *agent, const char *instance,
                  const char *action, uint32_t interval_ms, const kvs_t *params)
{
    outcome_t o = run_full(reg, agent, instance, action, interval_ms, params, NULL);
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

static char *read_text(const char *path)
{
    char *data = NULL;
    cr_assert_eq(corral_read_file(path, &data, NULL), 0, "cannot read %s", path);
    return data;
}

/* The block of the env dump that follows "### ACTION", up to the next block. */
static char *dump_block(const char *dump, const char *action)
{
    char *head = corral_xasprintf("### %s ", action);
    const char *start = strstr(dump, head);
    free(head);
    cr_assert_not_null(start, "no dump for %s in:\n%s", action, dump);
    const char *end = strstr(start + 4, "### ");
    return end ? corral_xstrndup(start, (size_t)(end - start)) : corral_xstrdup(start);
}

static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += len)
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0')) return true;
    return false;
}

/* ---- names, list, describe ----------------------------------------------- */

Test(ocf, describe_refuses_bad_names, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    const char *bad[] = {"ocf:pacemaker",
                         "ocf::Dummy",
                         "ocf:pacemaker:",
                         "ocf:pacemaker:../heartbeat/Dummy",
                         "ocf:..:Dummy",
                         "ocf:heartbeat:.ocf-shellfuncs",
                         "ocf:pacemaker:NoSuchAgent"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = corral_registry_describe(reg, bad[i], CORRAL_AGENT_RESOURCE, &info, &err);
        cr_expect_eq(rc, -ENOENT, "%s: %d", bad[i], rc);
        free(err);
        err = NULL;
    }
    /* OCF agents are resource agents only. */
    cr_expect_eq(
        corral_registry_describe(reg, "ocf:pacemaker:Dummy", CORRAL_AGENT_FENCE, &info, &err),
        -ENOENT);
    free(err);
    corral_registry_free(reg);
}

static void collect(void *ud, const char *agent, corral_agent_kind_t kind)
{
    corral_buf_t *b = ud;
    corral_buf_printf(b, "%s %d\n", agent, (int)kind);
}

Test(ocf, list_shows_installed_agents, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    corral_buf_t b = {0};
    corral_buf_append(&b, "");
    cr_assert_eq(corral_registry_list(reg, collect, &b), 0);
    char kind[8];
    snprintf(kind, sizeof(kind), " %d", (int)CORRAL_AGENT_RESOURCE);
    const char *want[] = {"ocf:pacemaker:Dummy", "ocf:pacemaker:Stateful", "ocf:heartbeat:Dummy",
                          "ocf:heartbeat:IPaddr2", "ocf:heartbeat:Filesystem"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *line = corral_xasprintf("%s%s", want[i], kind);
        cr_expect(has_line(b.s, line), "list lacks %s", line);
        free(line);
    }
    /* The shell libraries beside the agents are not agents. */
    cr_expect_null(strstr(b.s, "ocf:heartbeat:.ocf"));
    corral_buf_free(&b);
    corral_registry_free(reg);
}

Test(ocf, describe_pacemaker_dummy, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(
        corral_registry_describe(reg, "ocf:pacemaker:Dummy", CORRAL_AGENT_RESOURCE, &info, &err), 0,
        "%s", err ? err : "");
    cr_expect_str_eq(info->name, "ocf:pacemaker:Dummy");
    cr_expect_str_eq(info->source, SYS_OCF_ROOT "/resource.d/pacemaker/Dummy");
    cr_expect_eq(info->kind, CORRAL_AGENT_RESOURCE);
    unsigned want = CORRAL_ACT_START | CORRAL_ACT_STOP | CORRAL_ACT_MONITOR | CORRAL_ACT_VALIDATE |
                    CORRAL_ACT_RELOAD | CORRAL_ACT_MIGRATE_TO | CORRAL_ACT_MIGRATE_FROM;
    cr_expect_eq(info->actions & want, want, "actions %#x", info->actions);
    cr_expect_eq(info->actions & CORRAL_ACT_PROMOTE, 0u);
    const corral_param_spec_t *fake = spec_of(info, "fake");
    cr_assert_not_null(fake);
    cr_expect_eq(fake->type, CORRAL_PARAM_STRING);
    cr_expect_str_eq(fake->default_value, "dummy");
    cr_expect(fake->reloadable);
    cr_expect_not(fake->required);
    cr_assert_not_null(spec_of(info, "state"));
    cr_assert_not_null(spec_of(info, "op_sleep"));
    /* An empty default is no default. */
    cr_expect_null(spec_of(info, "passwd")->default_value);
    corral_registry_free(reg);
}

Test(ocf, describe_real_agents, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    const corral_agent_info_t *info = NULL;
    char *err = NULL;

    cr_assert_eq(
        corral_registry_describe(reg, "ocf:heartbeat:IPaddr2", CORRAL_AGENT_RESOURCE, &info, &err),
        0, "%s", err ? err : "");
    const corral_param_spec_t *ip = spec_of(info, "ip");
    cr_assert_not_null(ip);
    cr_expect(ip->required);
    cr_expect(ip->unique);
    cr_expect_neq(strlen(ip->description), 0);
    cr_assert_not_null(spec_of(info, "cidr_netmask"));
    cr_assert_not_null(spec_of(info, "nic"));
    cr_expect_eq(info->actions & CORRAL_ACT_MONITOR, CORRAL_ACT_MONITOR);

    cr_assert_eq(
        corral_registry_describe(reg, "ocf:pacemaker:Stateful", CORRAL_AGENT_RESOURCE, &info, &err),
        0, "%s", err ? err : "");
    unsigned want = CORRAL_ACT_PROMOTE | CORRAL_ACT_DEMOTE | CORRAL_ACT_NOTIFY | CORRAL_ACT_RELOAD;
    cr_expect_eq(info->actions & want, want, "actions %#x", info->actions);
    cr_expect_str_eq(info->version, "1.2");

    cr_assert_eq(corral_registry_describe(reg, "ocf:heartbeat:Filesystem", CORRAL_AGENT_RESOURCE,
                                          &info, &err),
                 0, "%s", err ? err : "");
    cr_expect(spec_of(info, "device")->required);
    cr_expect(spec_of(info, "directory")->required);
    cr_expect(spec_of(info, "fstype")->required);

    /* A boolean and an integer in a real agent's meta-data. */
    cr_assert_eq(
        corral_registry_describe(reg, "ocf:pacemaker:ping", CORRAL_AGENT_RESOURCE, &info, &err), 0,
        "%s", err ? err : "");
    cr_expect_eq(spec_of(info, "multiplier")->type, CORRAL_PARAM_INTEGER);
    cr_expect_eq(spec_of(info, "use_fping")->type, CORRAL_PARAM_BOOLEAN);
    cr_expect_str_eq(spec_of(info, "name")->default_value, "pingd");
    corral_registry_free(reg);
}

Test(ocf, describe_maps_types_and_flags, .init = setup_envdump, .fini = teardown_envdump)
{
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(corral_registry_describe(ed.reg, "ocf:corral-test:EnvDump", CORRAL_AGENT_RESOURCE,
                                          &info, &err),
                 0, "%s", err ? err : "");
    cr_expect_str_eq(info->version, "0.3");
    cr_expect_str_eq(info->description,
                     "Environment recorder. Records the OCF environment of every action, for "
                     "corral's tests.");
    const corral_param_spec_t *p = spec_of(info, "envfile");
    cr_expect(p->required);
    cr_expect(p->unique);
    cr_expect_str_eq(p->description, "Dump file. File the environment is appended to.");
    cr_expect(spec_of(info, "state")->reloadable);
    cr_expect_eq(spec_of(info, "count")->type, CORRAL_PARAM_INTEGER);
    cr_expect_eq(spec_of(info, "enabled")->type, CORRAL_PARAM_BOOLEAN);
    cr_expect_eq(spec_of(info, "wait")->type, CORRAL_PARAM_DURATION);
    cr_expect_str_eq(spec_of(info, "wait")->default_value, "10s");
    cr_expect_eq(spec_of(info, "mode")->type, CORRAL_PARAM_STRING);
    cr_expect_str_eq(spec_of(info, "mode")->description, "A choice (one of: fast, slow)");
    unsigned want = CORRAL_ACT_START | CORRAL_ACT_STOP | CORRAL_ACT_MONITOR | CORRAL_ACT_NOTIFY |
                    CORRAL_ACT_RELOAD | CORRAL_ACT_VALIDATE;
    cr_expect_eq(info->actions, want, "actions %#x", info->actions);

    /* Broken meta-data: an error naming the agent's file and the line. */
    free(err);
    err = NULL;
    int rc = corral_registry_describe(ed.reg, "ocf:corral-test:BadMeta", CORRAL_AGENT_RESOURCE,
                                      &info, &err);
    cr_expect(rc < 0 && rc != -ENOENT, "rc %d", rc);
    cr_assert_not_null(err);
    cr_expect_not_null(strstr(err, "/resource.d/corral-test/BadMeta: meta-data line "), "%s", err);
    free(err);
}

/* ---- running real agents -------------------------------------------------- */

Test(ocf, pacemaker_dummy_lifecycle, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    char *state = corral_xasprintf("%s/dummy.state", tmpdir);
    kvs_t p = {0};
    kvs_add(&p, "state", state);
    const char *agent = "ocf:pacemaker:Dummy";
    cr_expect_eq(run_rc(reg, agent, "d1", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(run_rc(reg, agent, "d1", "start", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(access(state, F_OK), 0, "start did not create the state file");
    cr_expect_eq(run_rc(reg, agent, "d1", "monitor", 10000, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "d1", "validate", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "d1", "stop", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "d1", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(run_rc(reg, agent, "d1", "stop", 0, &p), CORRAL_OCF_SUCCESS, "stop is idempotent");

    /* Its own failure knob (compared with uname -n): a start that fails with rc 1. */
    char host[256] = "";
    cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
    kvs_add(&p, "fail_start_on", host);
    cr_expect_eq(run_rc(reg, agent, "d1", "start", 0, &p), CORRAL_OCF_ERR_GENERIC);
    free(state);
    corral_registry_free(reg);
}

Test(ocf, heartbeat_dummy_lifecycle, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    char *state = corral_xasprintf("%s/hb.state", tmpdir);
    kvs_t p = {0};
    kvs_add(&p, "state", state);
    const char *agent = "ocf:heartbeat:Dummy";
    cr_expect_eq(run_rc(reg, agent, "h1", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(run_rc(reg, agent, "h1", "start", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "h1", "monitor", 5000, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "h1", "stop", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "h1", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);
    /* Without a state parameter it keeps its state in HA_RSCTMP, named by the instance. */
    cr_expect_eq(run_rc(reg, agent, "h2", "start", 0, NULL), CORRAL_OCF_SUCCESS);
    char *implicit = corral_xasprintf("%s/rsctmp/Dummy-h2.state", tmpdir);
    cr_expect_eq(access(implicit, F_OK), 0, "no %s", implicit);
    cr_expect_eq(run_rc(reg, agent, "h2", "stop", 0, NULL), CORRAL_OCF_SUCCESS);
    free(implicit);
    free(state);
    corral_registry_free(reg);
}

Test(ocf, stateful_promote_demote, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    char *state = corral_xasprintf("%s/stateful.state", tmpdir);
    kvs_t p = {0};
    kvs_add(&p, "state", state);
    kvs_t m = {0};
    kvs_add(&m, "clone_max", "2");
    kvs_add(&m, "clone_node_max", "1");
    kvs_add(&m, "promoted_max", "1");
    kvs_add(&m, "promoted_node_max", "1");
    kvs_add(&m, "promotable", "true");
    kvs_add(&m, "globally_unique", "false");
    const char *agent = "ocf:pacemaker:Stateful";
    struct {
        const char *action;
        uint32_t interval;
        int rc;
        const char *attrs; /* the promotion score it sets (crm_attribute --promotion) */
    } steps[] = {
        {"monitor", 0, CORRAL_OCF_NOT_RUNNING, ""},
        {"start", 0, CORRAL_OCF_SUCCESS, "master-db=5;"},
        {"monitor", 11000, CORRAL_OCF_SUCCESS, ""},
        {"promote", 0, CORRAL_OCF_SUCCESS, "master-db=10;"},
        {"monitor", 10000, CORRAL_OCF_RUNNING_PROMOTED, ""},
        {"monitor", 0, CORRAL_OCF_RUNNING_PROMOTED, "master-db=10;"}, /* a probe restores it */
        {"demote", 0, CORRAL_OCF_SUCCESS, "master-db=5;"},
        {"monitor", 11000, CORRAL_OCF_SUCCESS, ""},
        {"stop", 0, CORRAL_OCF_SUCCESS, "master-db=(deleted);"},
        {"monitor", 0, CORRAL_OCF_NOT_RUNNING, ""},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        outcome_t o = run_full(reg, agent, "db:0", steps[i].action, steps[i].interval, &p, &m);
        cr_expect_eq(o.rc, steps[i].rc, "step %zu %s: rc %d, want %d (%s)", i, steps[i].action,
                     o.rc, steps[i].rc, o.reason ? o.reason : "");
        cr_expect_str_eq(o.attrs, steps[i].attrs, "step %zu %s", i, steps[i].action);
        outcome_free(&o);
    }
    free(state);
    corral_registry_free(reg);
}

/* ocf:pacemaker:ping really pings (loopback only) and reports through
 * attrd_updater, which the bridge turns into node attributes. */
Test(ocf, ping_sets_connectivity_attribute, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    kvs_t p = {0};
    kvs_add(&p, "host_list", "127.0.0.1");
    kvs_add(&p, "multiplier", "100");
    kvs_add(&p, "dampen", "0s");
    kvs_add(&p, "attempts", "1");
    const char *agent = "ocf:pacemaker:ping";
    struct {
        const char *action;
        uint32_t interval;
        int rc;
        const char *attrs;
    } steps[] = {
        {"monitor", 0, CORRAL_OCF_NOT_RUNNING, ""},
        {"start", 0, CORRAL_OCF_SUCCESS, "pingd=100;"},
        {"monitor", 10000, CORRAL_OCF_SUCCESS, "pingd=100;"},
        {"stop", 0, CORRAL_OCF_SUCCESS, "pingd=(deleted);"},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        outcome_t o =
            run_full(reg, agent, "connected:0", steps[i].action, steps[i].interval, &p, NULL);
        cr_expect_eq(o.rc, steps[i].rc, "step %zu %s: rc %d (%s) stderr: %s", i, steps[i].action,
                     o.rc, o.reason ? o.reason : "", o.err);
        cr_expect_str_eq(o.attrs, steps[i].attrs, "step %zu %s", i, steps[i].action);
        outcome_free(&o);
    }
    corral_registry_free(reg);
}

/* IPaddr2 adds and removes a real address, on a veth in a network
 * namespace of this test process only (Criterion runs each test in its own
 * process), with addresses from 198.18.0.0/15. */
Test(ocf, ipaddr2_in_network_namespace, .init = setup, .fini = teardown)
{
    if (geteuid() != 0) {
        cr_skip_test("ocf:heartbeat:IPaddr2 needs root (to create a network namespace)");
    }
    if (unshare(CLONE_NEWNET) != 0) {
        cr_skip_test("ocf:heartbeat:IPaddr2: cannot create a network namespace: %s",
                     strerror(errno));
    }
    cr_assert_eq(system("ip link set lo up && ip link add corral0 type veth peer name corral1 && "
                        "ip link set corral0 up && ip link set corral1 up && "
                        "ip addr add 198.18.0.1/24 dev corral0"),
                 0, "cannot set up the test interface");
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    kvs_t p = {0};
    kvs_add(&p, "ip", "198.18.0.100");
    kvs_add(&p, "cidr_netmask", "24");
    kvs_add(&p, "nic", "corral0");
    const char *agent = "ocf:heartbeat:IPaddr2";
    const char *has_addr = "ip -o addr show dev corral0 | grep -q 'inet 198.18.0.100/24'";
    cr_expect_eq(run_rc(reg, agent, "vip", "validate", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "vip", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);
    cr_expect_neq(system(has_addr), 0);
    cr_expect_eq(run_rc(reg, agent, "vip", "start", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(system(has_addr), 0, "start did not add 198.18.0.100/24 to corral0");
    cr_expect_eq(run_rc(reg, agent, "vip", "monitor", 10000, &p), CORRAL_OCF_SUCCESS);
    cr_expect_eq(run_rc(reg, agent, "vip", "stop", 0, &p), CORRAL_OCF_SUCCESS);
    cr_expect_neq(system(has_addr), 0, "stop left the address");
    cr_expect_eq(run_rc(reg, agent, "vip", "monitor", 0, &p), CORRAL_OCF_NOT_RUNNING);

    /* A configuration it rejects: the agent's own reason reaches the result. */
    kvs_t bad = {0};
    kvs_add(&bad, "ip", "198.18.0.101");
    kvs_add(&bad, "cidr_netmask", "24");
    kvs_add(&bad, "nic", "nosuchnic9");
    outcome_t o = run_full(reg, agent, "vip2", "start", 0, &bad, NULL);
    cr_expect_neq(o.rc, CORRAL_OCF_SUCCESS);
    cr_expect_not_null(o.reason, "no exit reason for a missing nic");
    outcome_free(&o);
    corral_registry_free(reg);
}

/* ---- the environment, exit reasons, action names -------------------------- */

Test(ocf, environment_reaches_the_agent, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "state", ed.state);
    kvs_add(&p, "mode", "slow with spaces");
    kvs_t m = {0};
    kvs_add(&m, "clone_max", "3");
    kvs_add(&m, "clone_node_max", "1");
    kvs_add(&m, "notify", "true");
    kvs_add(&m, "globally_unique", "false");
    kvs_add(&m, "promoted_max", "1");
    kvs_add(&m, "notify_type", "pre");
    kvs_add(&m, "notify_operation", "start");
    kvs_add(&m, "notify_start_uname", "n2 n3");
    kvs_add(&m, "notify_start_resource", "web:1 web:2");
    kvs_add(&m, "notify_active_uname", "n1");
    kvs_add(&m, "notify_promoted_uname", "n1");
    kvs_add(&m, "notify_unpromoted_uname", "n2 n3");

    outcome_t o = run_full(ed.reg, "ocf:corral-test:EnvDump", "web:0", "notify", 0, &p, &m);
    cr_expect_eq(o.rc, CORRAL_OCF_SUCCESS, "%s", o.reason ? o.reason : "");
    outcome_free(&o);
    kvs_t depth = {0};
    kvs_add(&depth, "depth", "10");
    o = run_full(ed.reg, "ocf:corral-test:EnvDump", "web:0", "monitor", 15000, &p, &depth);
    cr_expect_eq(o.rc, CORRAL_OCF_NOT_RUNNING);
    outcome_free(&o);

    char *dump = read_text(ed.envfile);
    char *n = dump_block(dump, "notify");
    char *want_root = corral_xasprintf("OCF_ROOT=%s", ed.root);
    char *want_env = corral_xasprintf("OCF_RESKEY_envfile=%s", ed.envfile);
    char *want_rsctmp = corral_xasprintf("HA_RSCTMP=%s/rsctmp", tmpdir);
    const char *want[] = {
        "### notify argc=1",
        want_root,
        "OCF_RA_VERSION_MAJOR=1",
        "OCF_RA_VERSION_MINOR=1",
        "OCF_RESOURCE_INSTANCE=web:0",
        "OCF_RESOURCE_TYPE=EnvDump",
        "OCF_RESOURCE_PROVIDER=corral-test",
        want_env,
        "OCF_RESKEY_mode=slow with spaces",
        "OCF_RESKEY_CRM_meta_interval=0",
        "OCF_RESKEY_CRM_meta_timeout=30000",
        "OCF_RESKEY_CRM_meta_on_node=n1",
        "OCF_RESKEY_CRM_meta_clone_max=3",
        "OCF_RESKEY_CRM_meta_clone_node_max=1",
        "OCF_RESKEY_CRM_meta_notify=true",
        "OCF_RESKEY_CRM_meta_globally_unique=false",
        "OCF_RESKEY_CRM_meta_promoted_max=1",
        "OCF_RESKEY_CRM_meta_master_max=1",
        "OCF_RESKEY_CRM_meta_notify_type=pre",
        "OCF_RESKEY_CRM_meta_notify_operation=start",
        "OCF_RESKEY_CRM_meta_notify_start_uname=n2 n3",
        "OCF_RESKEY_CRM_meta_notify_start_resource=web:1 web:2",
        "OCF_RESKEY_CRM_meta_notify_active_uname=n1",
        "OCF_RESKEY_CRM_meta_notify_promoted_uname=n1",
        "OCF_RESKEY_CRM_meta_notify_master_uname=n1",
        "OCF_RESKEY_CRM_meta_notify_unpromoted_uname=n2 n3",
        "OCF_RESKEY_CRM_meta_notify_slave_uname=n2 n3",
        want_rsctmp,
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_expect(has_line(n, want[i]), "notify env lacks '%s':\n%s", want[i], n);
    /* Parameters that are not configured are not exported (the agent applies its defaults). */
    cr_expect_null(strstr(n, "OCF_RESKEY_count="));

    char *mon = dump_block(dump, "monitor");
    cr_expect(has_line(mon, "OCF_RESKEY_CRM_meta_interval=15000"), "%s", mon);
    cr_expect(has_line(mon, "OCF_CHECK_LEVEL=10"), "%s", mon);
    /* Nothing of one action's meta leaks into the next. */
    cr_expect_null(strstr(mon, "notify_type"), "%s", mon);
    free(mon);
    free(want_root);
    free(want_env);
    free(want_rsctmp);
    free(n);
    free(dump);
}

Test(ocf, exit_reason_and_codes, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "fail_action", "start");
    kvs_add(&p, "fail_rc", "6");
    kvs_add(&p, "fail_reason", "disk on fire: /dev/sdz");
    outcome_t o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "start", 0, &p, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect_str_eq(o.reason ? o.reason : "(none)", "disk on fire: /dev/sdz");
    /* The agent's stderr is still captured as it was. */
    cr_expect_not_null(strstr(o.err, "ocf-exit-reason:disk on fire"), "stderr: %s", o.err);
    outcome_free(&o);

    /* An exit code outside OCF's is a generic error. */
    kvs_t q = {0};
    kvs_add(&q, "envfile", ed.envfile);
    kvs_add(&q, "fail_action", "monitor");
    kvs_add(&q, "fail_rc", "42");
    o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "monitor", 0, &q, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect_str_eq(o.reason ? o.reason : "(none)", "asked to fail");
    outcome_free(&o);

    /* A required parameter missing: the agent says so itself. */
    o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "start", 0, NULL, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect_str_eq(o.reason ? o.reason : "(none)", "envfile is not set");
    outcome_free(&o);
}

Test(ocf, crash_is_a_failure_with_reason, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "fail_action", "monitor");
    kvs_add(&p, "fail_signal", "SEGV");
    outcome_t o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "monitor", 0, &p, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect_not_null(strstr(o.reason ? o.reason : "", "killed by signal 11"), "reason: %s",
                       o.reason ? o.reason : "(none)");
    outcome_free(&o);
}

/* An agent that leaves a child holding its stdout and stderr (a daemon
 * started without closing them) still has its result when it exits: the
 * bridge does not wait for the pipe. If it did, the op would time out. */
Test(ocf, lingering_child_is_not_waited_for, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "state", ed.state);
    kvs_add(&p, "linger", "60");
    corral_action_req_t req = {.agent = "ocf:corral-test:EnvDump",
                               .kind = CORRAL_AGENT_RESOURCE,
                               .instance = "r",
                               .node = "n1",
                               .action = "start",
                               .timeout_ms = 20000,
                               .params = &p.list};
    corral_job_t *job = NULL;
    char *err = NULL;
    cr_assert_eq(corral_action_start(ed.reg, &req, &job, &err), 0, "%s", err ? err : "");
    pid_t pgid = corral_job_pid(job);
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    cr_expect_eq(r->status, CORRAL_JOB_EXITED, "status %d (%s)", (int)r->status,
                 r->exit_reason ? r->exit_reason : "");
    cr_expect_eq(r->ocf_rc, CORRAL_OCF_SUCCESS);
    /* The lingering sleep is still in the action's process group: end it. */
    kill(-pgid, SIGKILL);
    corral_job_free(job);
}

Test(ocf, action_names_are_mapped, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    cr_expect_eq(run_rc(ed.reg, "ocf:corral-test:EnvDump", "r", "validate", 0, &p), 0);
    cr_expect_eq(run_rc(ed.reg, "ocf:corral-test:EnvDump", "r", "reload", 0, &p), 0);
    char *dump = read_text(ed.envfile);
    /* validate is OCF's validate-all; reload is reload-agent when the agent has it. */
    cr_expect_not_null(strstr(dump, "### validate-all argc=1\n"), "%s", dump);
    cr_expect_not_null(strstr(dump, "### reload-agent argc=1\n"), "%s", dump);
    free(dump);

    /* meta-data through run: the agent's XML on stdout. */
    outcome_t o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "meta-data", 0, NULL, NULL);
    cr_expect_eq(o.rc, 0);
    cr_expect_not_null(strstr(o.out, "<resource-agent name=\"EnvDump\""), "%s", o.out);
    outcome_free(&o);
}

Test(ocf, attribute_tools_reach_the_host, .init = setup_envdump, .fini = teardown_envdump)
{
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "state", ed.state);
    kvs_add(&p, "attr_name", "site-ok");
    kvs_add(&p, "attr_value", "yes please");
    outcome_t o = run_full(ed.reg, "ocf:corral-test:EnvDump", "r", "start", 0, &p, NULL);
    cr_expect_eq(o.rc, 0, "%s", o.reason ? o.reason : "");
    cr_expect_str_eq(o.attrs, "site-ok=yes please;");
    outcome_free(&o);
}

/* A copy of the bridge whose ocf-tools directory anyone may write: the
 * bridge does not let agents run those tools, so the update never reaches
 * the host (the real crm_attribute fails without a cluster). */
Test(ocf, unsafe_tools_are_not_used, .init = setup_envdump, .fini = teardown_envdump)
{
    const char *build = getenv("CORRAL_BUILD_DIR");
    cr_assert_not_null(build);
    char *cmd = corral_xasprintf("mkdir -p '%s/plug/bridges' && cp '%s/lib/corral/bridges/ocf.so' "
                                 "'%s/plug/bridges/' && cp -r '%s/lib/corral/bridges/ocf-tools' "
                                 "'%s/plug/bridges/' && chmod 0777 '%s/plug/bridges/ocf-tools'",
                                 tmpdir, build, tmpdir, build, tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(cmd);
    char *plugdir = corral_xasprintf("%s/plug", tmpdir);
    setenv("CORRAL_PLUGIN_PATH", plugdir, 1);
    /* A registry of its own: the fixture's was made before the path changed. */
    corral_registry_t *reg = new_registry(ed.root);
    kvs_t p = {0};
    kvs_add(&p, "envfile", ed.envfile);
    kvs_add(&p, "state", ed.state);
    kvs_add(&p, "attr_name", "site-ok");
    kvs_add(&p, "attr_value", "1");
    outcome_t o = run_full(reg, "ocf:corral-test:EnvDump", "r", "start", 0, &p, NULL);
    cr_expect_eq(o.rc, CORRAL_OCF_ERR_GENERIC, "the real crm_attribute should have failed");
    cr_expect_str_eq(o.attrs, "");
    outcome_free(&o);
    char *dump = read_text(ed.envfile);
    cr_expect_null(strstr(dump, "ocf-tools"), "%s", dump);
    free(dump);
    free(plugdir);
    corral_registry_free(reg);
}

Test(ocf, missing_agent_is_not_installed, .init = setup, .fini = teardown)
{
    corral_registry_t *reg = new_registry(SYS_OCF_ROOT);
    corral_action_req_t req = {.agent = "ocf:pacemaker:NoSuchAgent",
                               .kind = CORRAL_AGENT_RESOURCE,
                               .instance = "x",
                               .node = "n1",
                               .action = "start"};
    corral_job_t *job = NULL;
    char *err = NULL;
    cr_expect_eq(corral_action_start(reg, &req, &job, &err), -ENOENT);
    cr_expect_not_null(err);
    free(err);
    corral_registry_free(reg);
}

/* `corral agent list` shows both bridges' agents (the build tree's bridges
 * come from CORRAL_PLUGIN_PATH, which ctest sets). */
Test(ocf, corral_agent_list_shows_bridged_agents, .init = setup, .fini = teardown)
{
    const char *bin = getenv("CORRAL_BIN");
    cr_assert_not_null(bin, "CORRAL_BIN is not set (run through ctest)");
    char *cmd = corral_xasprintf("'%s/corral' agent list", bin);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    corral_buf_t b = {0};
    corral_buf_append(&b, "");
    char line[512];
    while (fgets(line, sizeof(line), p)) corral_buf_append(&b, line);
    cr_expect_eq(pclose(p), 0);
    const char *want[] = {"ocf:pacemaker:Dummy", "ocf:pacemaker:Stateful", "ocf:heartbeat:IPaddr2",
                          "fence-agents:fence_dummy"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *needle = corral_xasprintf("\n%s\t", want[i]);
        cr_expect_not_null(strstr(b.s, needle), "corral agent list lacks %s:\n%.2000s", want[i],
                           b.s);
        free(needle);
    }
    corral_buf_free(&b);
    free(cmd);
}
