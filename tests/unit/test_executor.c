/*
 * The executor on a real libqb loop, with real child processes: the broken
 * fixture plugins of tests/fixtures (crasher, hanger, flooder, forker,
 * garbage, exiter) and a few compiled-in agents registered through the
 * registry's own validation path (corral_registry_add_resource).
 *
 * No assertion depends on how fast the machine is: every wait is "until this
 * happens", bounded by a generous guard that fails the test rather than hang.
 */
#include "executor.h"
#include "log.h"
#include "registry.h"
#include "runner.h"
#include "util.h"

#include <corral/plugin.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- compiled-in agents ---- */

static int sleep_ms_param(const corral_op_t *op)
{
    const char *ms = op->param(op, "ms");
    if (ms && atoi(ms) > 0) usleep((useconds_t)atoi(ms) * 1000);
    return 0;
}

/*
 * "probe": every action sleeps `ms`; with `dir`, it proves no other action
 * of the same resource runs meanwhile (mkdir is atomic) and reports how many
 * actions run at this moment across resources ("running N").
 */
static int probe_action(const corral_op_t *op)
{
    const char *dir = op->param(op, "dir");
    char busy[512], mine[512];
    int rc = CORRAL_OCF_SUCCESS;
    if (dir) {
        snprintf(busy, sizeof(busy), "%s/busy-%s", dir, op->instance);
        if (mkdir(busy, 0700) != 0) {
            op->set_exit_reason(op, "another action of %s is running", op->instance);
            return CORRAL_OCF_ERR_GENERIC;
        }
        snprintf(mine, sizeof(mine), "%s/run-%s", dir, op->instance);
        int fd = open(mine, O_CREAT | O_WRONLY, 0600);
        if (fd >= 0) close(fd);
        int n = 0;
        DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) n += strncmp(e->d_name, "run-", 4) == 0;
        if (d) closedir(d);
        char line[64];
        snprintf(line, sizeof(line), "running %d", n);
        op->output(op, line);
    }
    sleep_ms_param(op);
    const char *rcs = op->param(op, "rc");
    if (rcs) rc = atoi(rcs);
    if (dir) {
        unlink(mine);
        rmdir(busy);
    }
    return rc;
}

static const corral_param_spec_t probe_params[] = {
    {.name = "ms", .type = CORRAL_PARAM_INTEGER, .description = "sleep"},
    {.name = "dir", .type = CORRAL_PARAM_STRING, .description = "overlap detection dir"},
    {.name = "rc", .type = CORRAL_PARAM_INTEGER, .description = "return code"},
    {.name = NULL},
};

static const corral_resource_plugin_t probe_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "t-probe",
    .version = "1",
    .description = "test agent",
    .params = probe_params,
    .start = probe_action,
    .stop = probe_action,
    .monitor = probe_action,
};

/* "state": a file-backed resource: start creates `file`, stop removes it, monitor checks it. */
static int state_start(const corral_op_t *op)
{
    int fd = open(op->param(op, "file"), O_CREAT | O_WRONLY, 0600);
    if (fd < 0) return CORRAL_OCF_ERR_GENERIC;
    close(fd);
    op->set_attr(op, "t-state", "started");
    return CORRAL_OCF_SUCCESS;
}

static int state_stop(const corral_op_t *op)
{
    unlink(op->param(op, "file"));
    op->set_attr(op, "t-state", NULL);
    return CORRAL_OCF_SUCCESS;
}

static int state_monitor(const corral_op_t *op)
{
    op->log(op, CORRAL_LOG_INFO, "checking %s", op->param(op, "file"));
    return access(op->param(op, "file"), F_OK) == 0 ? CORRAL_OCF_SUCCESS : CORRAL_OCF_NOT_RUNNING;
}

static const corral_param_spec_t state_params[] = {
    {.name = "file", .type = CORRAL_PARAM_STRING, .required = 1, .description = "state file"},
    {.name = NULL},
};

static const corral_resource_plugin_t state_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "t-state",
    .version = "1",
    .description = "test agent",
    .params = state_params,
    .start = state_start,
    .stop = state_stop,
    .monitor = state_monitor,
};

/* "sleeper": hangs, but dies of SIGTERM like a well-behaved agent. */
static int sleeper_action(const corral_op_t *op)
{
    for (;;) pause();
    return 0;
}

static const corral_resource_plugin_t sleeper_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "t-sleeper",
    .version = "1",
    .description = "test agent",
    .start = sleeper_action,
    .stop = sleeper_action,
    .monitor = sleeper_action,
};

/* "where": which process forked it, and the node attribute "rack" as the daemon says. */
static int where_action(const corral_op_t *op)
{
    char line[128];
    const char *rack = op->get_attr(op, "rack", NULL);
    snprintf(line, sizeof(line), "ppid %d rack %s", (int)getppid(), rack ? rack : "(none)");
    op->output(op, line);
    return sleep_ms_param(op);
}

static const corral_param_spec_t where_params[] = {
    {.name = "ms", .type = CORRAL_PARAM_INTEGER, .description = "sleep"},
    {.name = NULL},
};

static const corral_resource_plugin_t where_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "t-where",
    .version = "1",
    .description = "test agent",
    .params = where_params,
    .start = where_action,
    .stop = where_action,
    .monitor = where_action,
};

/* The same, registered only after the executor (and its fork server) started. */
static const corral_resource_plugin_t late_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "t-late",
    .version = "1",
    .description = "test agent",
    .params = where_params,
    .start = where_action,
    .stop = where_action,
    .monitor = where_action,
};

/* ---- fixture ---- */

typedef struct ev {
    char rsc[64];
    char action[32];
    uint32_t interval_ms;
    int rc;
    corral_op_status_t status;
    char reason[256];
    bool expected, probe, rc_changed;
    uint64_t started_ms;
    uint32_t duration_ms;
    uint64_t op_id, call_id;
    char lines[4][64];
    size_t n_lines;
} ev_t;

#define MAX_EVS 512

static qb_loop_t *loop;
static corral_registry_t *reg;
static corral_executor_t *ex;
static char tmp[256];
static ev_t evs[MAX_EVS];
static size_t n_evs;
static char attr_seen[128];
static int fds_before;
static unsigned max_running_seen;

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n - 1; /* the DIR itself */
}

static void on_result(void *ud, const corral_exec_event_t *e)
{
    cr_assert_lt(n_evs, MAX_EVS);
    ev_t *v = &evs[n_evs++];
    memset(v, 0, sizeof(*v));
    snprintf(v->rsc, sizeof(v->rsc), "%s", e->rsc);
    snprintf(v->action, sizeof(v->action), "%s", e->action);
    snprintf(v->reason, sizeof(v->reason), "%s", e->exit_reason);
    v->interval_ms = e->interval_ms;
    v->rc = e->rc;
    v->status = e->status;
    v->expected = e->expected;
    v->probe = e->probe;
    v->rc_changed = e->rc_changed;
    v->started_ms = e->started_ms;
    v->duration_ms = e->duration_ms;
    v->op_id = e->op_id;
    v->call_id = e->call_id;
    for (size_t i = 0; i < e->n_lines && i < 4; i++)
        snprintf(v->lines[i], sizeof(v->lines[i]), "%s", e->lines[i]);
    v->n_lines = e->n_lines;
    unsigned r = corral_executor_running_count(ex);
    if (r > max_running_seen) max_running_seen = r;
}

static void on_attr(void *ud, const char *rsc, const char *name, const char *value)
{
    snprintf(attr_seen, sizeof(attr_seen), "%s %s=%s", rsc, name, value ? value : "(deleted)");
}

static const corral_executor_callbacks_t callbacks = {.result = on_result, .attr = on_attr};

static const char *node_attr(void *ud, const char *node, const char *name)
{
    return node && !strcmp(node, "n1") && !strcmp(name, "rack") ? "r1" : NULL;
}

static bool no_forkserver;

static void make_executor(unsigned limit, bool every)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/state", tmp);
    corral_executor_opts_t o = {.node = "n1",
                                .state_dir = dir,
                                .max_concurrent = limit,
                                .report_every_monitor = every,
                                .get_attr = node_attr,
                                .no_forkserver = no_forkserver};
    cr_assert_eq(corral_executor_new(loop, reg, &o, &callbacks, &ex), 0);
}

static void setup(void)
{
    /* CORRAL_TEST_LOG=debug shows the executor's and libqb's own log lines. */
    const char *lv = getenv("CORRAL_TEST_LOG");
    if (lv)
        corral_log_init("test_executor", CORRAL_LOG_STDERR,
                        strcmp(lv, "debug") ? LOG_INFO : LOG_DEBUG, NULL);
    snprintf(tmp, sizeof(tmp), "/tmp/corral-test-executor-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    n_evs = 0;
    max_running_seen = 0;
    attr_seen[0] = '\0';
    fds_before = count_fds();
    loop = qb_loop_create();
    cr_assert_not_null(loop);
    const char *build = getenv("CORRAL_BUILD_DIR");
    char fixtures[512];
    snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures", build ? build : "build");
    corral_registry_settings_t s = {.plugin_path = fixtures, .state_dir = tmp};
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &probe_agent, "test", NULL), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &state_agent, "test", NULL), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &sleeper_agent, "test", NULL), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &where_agent, "test", NULL), 0);
    no_forkserver = false;
    make_executor(0, false);
}

static void rm_rf(const char *path)
{
    char *cmd = corral_xasprintf("rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", path);
    free(cmd);
}

static void teardown(void)
{
    corral_executor_free(ex);
    ex = NULL;
    corral_registry_free(reg);
    qb_loop_destroy(loop);
    rm_rf(tmp);
}

TestSuite(executor, .init = setup, .fini = teardown, .timeout = 60);

/* Run the loop until cond() holds; a guard of `guard_ms` fails the test instead of hanging. */
typedef bool (*cond_fn)(void *arg);
static cond_fn w_cond;
static void *w_arg;
static uint64_t w_deadline;
static bool w_met;

static void poll_cond(void *data)
{
    if (w_cond(w_arg)) {
        w_met = true;
        qb_loop_stop(loop);
        return;
    }
    if (corral_mono_ms() > w_deadline) {
        qb_loop_stop(loop);
        return;
    }
    qb_loop_timer_handle h;
    qb_loop_timer_add(loop, QB_LOOP_LOW, 5 * 1000000ull, NULL, poll_cond, &h);
}

static bool run_until(cond_fn cond, void *arg, unsigned guard_ms)
{
    w_cond = cond;
    w_arg = arg;
    w_met = false;
    w_deadline = corral_mono_ms() + guard_ms;
    qb_loop_timer_handle h;
    qb_loop_timer_add(loop, QB_LOOP_LOW, 0, NULL, poll_cond, &h);
    qb_loop_run(loop);
    return w_met;
}

static bool n_events_at_least(void *arg)
{
    return n_evs >= (size_t)(uintptr_t)arg;
}

static bool idle(void *arg)
{
    return corral_executor_pending_count(ex) == 0 && corral_executor_running_count(ex) == 0;
}

static bool wall_passed(void *arg)
{
    return corral_mono_ms() >= *(uint64_t *)arg;
}

static bool file_exists(void *arg)
{
    return access(arg, R_OK) == 0;
}

static void run_for(unsigned ms)
{
    uint64_t until = corral_mono_ms() + ms;
    run_until(wall_passed, &until, ms + 1000);
}

static const ev_t *find_ev(const char *rsc, const char *action)
{
    for (size_t i = 0; i < n_evs; i++)
        if (strcmp(evs[i].rsc, rsc) == 0 && strcmp(evs[i].action, action) == 0) return &evs[i];
    return NULL;
}

static size_t ev_index(const char *rsc, const char *action)
{
    for (size_t i = 0; i < n_evs; i++)
        if (strcmp(evs[i].rsc, rsc) == 0 && strcmp(evs[i].action, action) == 0) return i;
    return SIZE_MAX;
}

/* A request with up to three params given as "k=v" strings. */
typedef struct {
    corral_kv_t kv[3];
    corral_kvlist_t list;
    corral_exec_req_t req;
} reqbuf_t;

static corral_exec_req_t *mkreq(reqbuf_t *b, const char *rsc, const char *agent, const char *action,
                                uint32_t interval_ms, uint32_t timeout_ms, const char *p1,
                                const char *p2, const char *p3)
{
    memset(b, 0, sizeof(*b));
    const char *ps[3] = {p1, p2, p3};
    size_t n = 0;
    static char store[16][256];
    static int si;
    for (int i = 0; i < 3; i++) {
        if (!ps[i]) continue;
        char *s = store[si++ % 16];
        snprintf(s, 256, "%s", ps[i]);
        char *eq = strchr(s, '=');
        *eq = '\0';
        b->kv[n].key = s;
        b->kv[n].value = eq + 1;
        n++;
    }
    b->list.items = b->kv;
    b->list.n = n;
    b->req = (corral_exec_req_t){.rsc = rsc,
                                 .agent = agent,
                                 .action = action,
                                 .interval_ms = interval_ms,
                                 .timeout_ms = timeout_ms,
                                 .params = &b->list};
    return &b->req;
}

static void exec_ok(const char *rsc, const char *agent, const char *action, uint32_t interval_ms,
                    uint32_t timeout_ms, const char *p1, const char *p2, const char *p3)
{
    reqbuf_t b;
    cr_assert_eq(corral_executor_exec(
                     ex, mkreq(&b, rsc, agent, action, interval_ms, timeout_ms, p1, p2, p3), NULL),
                 0);
}

static void assert_no_leaks(void)
{
    corral_executor_free(ex);
    ex = NULL;
    int st;
    pid_t z = waitpid(-1, &st, WNOHANG);
    cr_assert(z <= 0, "an unreaped child was found: %d", (int)z);
    corral_registry_free(reg);
    reg = NULL;
    qb_loop_destroy(loop);
    loop = NULL;
    cr_assert_eq(count_fds(), fds_before, "fds before %d, after %d", fds_before, count_fds());
    /* teardown() copes with what is already gone */
    loop = qb_loop_create();
    corral_registry_settings_t s = {0};
    corral_registry_new(&s, &reg);
}

/* ---- invalid arguments ---- */

Test(executor, new_rejects_bad_arguments)
{
    corral_executor_t *x = NULL;
    corral_executor_opts_t o = {.node = "n1"};
    cr_assert_eq(corral_executor_new(NULL, reg, &o, NULL, &x), -EINVAL);
    cr_assert_eq(corral_executor_new(loop, NULL, &o, NULL, &x), -EINVAL);
    cr_assert_eq(corral_executor_new(loop, reg, NULL, NULL, &x), -EINVAL);
    corral_executor_opts_t nonode = {0};
    cr_assert_eq(corral_executor_new(loop, reg, &nonode, NULL, &x), -EINVAL);
    corral_executor_opts_t slash = {.node = "a/b"};
    cr_assert_eq(corral_executor_new(loop, reg, &slash, NULL, &x), -EINVAL);
    cr_assert_null(x);
}

Test(executor, exec_rejects_bad_requests)
{
    reqbuf_t b;
    cr_assert_eq(corral_executor_exec(ex, NULL, NULL), -EINVAL);
    cr_assert_eq(corral_executor_exec(
                     NULL, mkreq(&b, "r", "t-probe", "start", 0, 0, NULL, NULL, NULL), NULL),
                 -EINVAL);
    cr_assert_eq(
        corral_executor_exec(ex, mkreq(&b, NULL, "t-probe", "start", 0, 0, NULL, NULL, NULL), NULL),
        -EINVAL);
    cr_assert_eq(
        corral_executor_exec(ex, mkreq(&b, "r", NULL, "start", 0, 0, NULL, NULL, NULL), NULL),
        -EINVAL);
    cr_assert_eq(
        corral_executor_exec(ex, mkreq(&b, "r", "t-probe", NULL, 0, 0, NULL, NULL, NULL), NULL),
        -EINVAL);
    /* Only monitors recur. */
    cr_assert_eq(corral_executor_exec(
                     ex, mkreq(&b, "r", "t-probe", "start", 1000, 0, NULL, NULL, NULL), NULL),
                 -EINVAL);
    mkreq(&b, "r", "t-probe", "monitor", 0, 0, NULL, NULL, NULL);
    b.req.expected_rc = 42;
    cr_assert_eq(corral_executor_exec(ex, &b.req, NULL), -EINVAL);
    cr_assert_eq(corral_executor_pending_count(ex), 0);
    cr_assert_eq(corral_executor_cancel(ex, NULL, "monitor", 0), -EINVAL);
    cr_assert_eq(corral_executor_cancel_all(ex, NULL), -EINVAL);
    cr_assert_eq(corral_executor_cancel_op(ex, 12345), -ENOENT);
    cr_assert_null(corral_executor_history(ex, "nothing"));
}

/* ---- the happy path ---- */

Test(executor, runs_an_action_and_records_it)
{
    char file[300];
    snprintf(file, sizeof(file), "file=%s/state-a", tmp);
    uint64_t id = 0;
    reqbuf_t b;
    cr_assert_eq(
        corral_executor_exec(ex, mkreq(&b, "a", "t-state", "start", 0, 0, file, NULL, NULL), &id),
        0);
    cr_assert_gt(id, 0);
    cr_assert_eq(corral_executor_pending_count(ex), 1);
    /* Nothing is reported from inside exec(): results come from the loop. */
    cr_assert_eq(n_evs, 0);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    const ev_t *e = &evs[0];
    cr_assert_str_eq(e->rsc, "a");
    cr_assert_str_eq(e->action, "start");
    cr_assert_eq(e->rc, 0);
    cr_assert_eq(e->status, CORRAL_OP_DONE);
    cr_assert(e->expected);
    cr_assert(e->rc_changed);
    cr_assert_eq(e->op_id, id);
    cr_assert_gt(e->started_ms, 0);
    cr_assert_str_eq(attr_seen, "a t-state=started");
    cr_assert_eq(corral_executor_pending_count(ex), 0);

    const corral_rsc_history_t *h = corral_executor_history(ex, "a");
    cr_assert_not_null(h);
    cr_assert_str_eq(h->agent, "t-state");
    cr_assert_eq(h->n_ops, 1);
    cr_assert_str_eq(h->ops[0].action, "start");
    cr_assert_eq(h->ops[0].call_id, e->call_id);
    cr_assert_null(h->last_failure);
    corral_rsc_state_t st;
    corral_rsc_history_state(h, &st);
    cr_assert(st.active && !st.failed);
}

Test(executor, probe_results_are_expected_whatever_runs)
{
    char file[300];
    snprintf(file, sizeof(file), "file=%s/none", tmp);
    exec_ok("p", "t-state", "monitor", 0, 0, file, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert(evs[0].probe);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_NOT_RUNNING);
    cr_assert(evs[0].expected);
    corral_rsc_state_t st;
    corral_rsc_history_state(corral_executor_history(ex, "p"), &st);
    cr_assert(st.known && !st.active && !st.failed);
}

Test(executor, unknown_agent_is_a_failed_op_not_an_error_of_exec)
{
    exec_ok("u", "no-such-agent", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].status, CORRAL_OP_ERROR);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_NOT_INSTALLED);
    cr_assert_not(evs[0].expected);
    cr_assert(strstr(evs[0].reason, "no-such-agent"), "reason: %s", evs[0].reason);
    cr_assert_not_null(corral_executor_history(ex, "u")->last_failure);
}

/* ---- isolation and robustness ---- */

Test(executor, crashing_agent_is_a_failed_op)
{
    exec_ok("c", "crasher", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].status, CORRAL_OP_CRASHED);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_not(evs[0].expected);
    cr_assert(strstr(evs[0].reason, "signal"), "reason: %s", evs[0].reason);
    const corral_rsc_history_t *h = corral_executor_history(ex, "c");
    cr_assert_not_null(h->last_failure);
    corral_rsc_state_t st;
    corral_rsc_history_state(h, &st);
    cr_assert(st.active && st.failed);
    assert_no_leaks();
}

Test(executor, garbage_code_is_a_failed_op)
{
    exec_ok("g", "garbage", "monitor", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].status, CORRAL_OP_INVALID);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert_not(evs[0].expected);
    cr_assert(strstr(evs[0].reason, "42"), "reason: %s", evs[0].reason);
}

Test(executor, exiting_agent_gets_its_exit_code)
{
    exec_ok("x", "exiter", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    /* exit(3) in the middle of an action: the agent's code, not a crash. */
    cr_assert_eq(evs[0].status, CORRAL_OP_DONE);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_UNIMPLEMENTED);
    cr_assert_not(evs[0].expected);
}

Test(executor, hang_past_timeout_is_killed_and_reported)
{
    exec_ok("h", "t-sleeper", "start", 0, 300, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].status, CORRAL_OP_TIMED_OUT);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert(strstr(evs[0].reason, "timed out"), "reason: %s", evs[0].reason);
    assert_no_leaks();
}

Test(executor, sigterm_ignoring_agent_is_killed_and_others_are_served)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "dir=%s", tmp);
    /* hanger ignores SIGTERM (and so does its child): only the SIGKILL after the grace ends it. */
    exec_ok("stubborn", "hanger", "start", 0, 300, NULL, NULL, NULL);
    for (int i = 0; i < 5; i++) {
        char rsc[16];
        snprintf(rsc, sizeof(rsc), "ok%d", i);
        exec_ok(rsc, "t-probe", "start", 0, 0, NULL, NULL, NULL);
    }
    cr_assert(run_until(n_events_at_least, (void *)6, 30000));
    size_t hi = ev_index("stubborn", "start");
    cr_assert_eq(hi, 5, "the others finished first while the stubborn one was dying");
    cr_assert_eq(evs[hi].status, CORRAL_OP_TIMED_OUT);
    cr_assert(strstr(evs[hi].reason, "timed out"), "reason: %s", evs[hi].reason);
    assert_no_leaks();
}

Test(executor, flooding_agent_gets_its_exit_code)
{
    exec_ok("f", "flooder", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].status, CORRAL_OP_DONE);
    cr_assert_eq(evs[0].rc, 0);
    assert_no_leaks();
}

Test(executor, grandchild_holding_the_pipe_is_not_waited_for)
{
    /* The grandchild sleeps 60 s; the op's timeout is 20 s: waiting for it would time out. */
    exec_ok("fk", "forker", "start", 0, 20000, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 30000));
    cr_assert_eq(evs[0].status, CORRAL_OP_DONE);
    cr_assert_eq(evs[0].rc, 0);
    int gc = 0;
    cr_assert_eq(sscanf(evs[0].lines[0], "grandchild %d", &gc), 1);
    cr_assert_gt(gc, 1);
    kill(gc, SIGKILL);
    assert_no_leaks();
}

/* ---- the fork server ---- */

static int where_ppid(const ev_t *e)
{
    int ppid = 0;
    cr_assert_eq(e->n_lines, 1);
    cr_assert_eq(sscanf(e->lines[0], "ppid %d", &ppid), 1, "line: %s", e->lines[0]);
    return ppid;
}

Test(executor, actions_are_forked_by_the_fork_server_and_ask_this_process)
{
    pid_t fs = corral_executor_forkserver_pid(ex);
    cr_assert_gt(fs, 0);
    cr_assert_neq(fs, getpid());
    exec_ok("w", "t-where", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].rc, 0);
    cr_assert_eq(where_ppid(&evs[0]), fs);
    /* The attribute is asked of the daemon while the action runs. */
    cr_assert(strstr(evs[0].lines[0], "rack r1"), "line: %s", evs[0].lines[0]);
    assert_no_leaks();
}

Test(executor, killed_fork_server_fails_only_the_op_in_flight_and_is_restarted)
{
    pid_t fs = corral_executor_forkserver_pid(ex);
    char dir[300], run_file[320];
    snprintf(dir, sizeof(dir), "dir=%s", tmp);
    snprintf(run_file, sizeof(run_file), "%s/run-slow", tmp);
    exec_ok("slow", "t-probe", "start", 0, 60000, "ms=60000", dir, NULL);
    cr_assert(run_until(file_exists, run_file, 20000), "the action did not start");
    cr_assert_eq(kill(fs, SIGKILL), 0);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_str_eq(evs[0].rsc, "slow");
    cr_assert_eq(evs[0].status, CORRAL_OP_ERROR);
    cr_assert_eq(evs[0].rc, CORRAL_OCF_ERR_GENERIC);
    cr_assert(strstr(evs[0].reason, "fork server died"), "reason: %s", evs[0].reason);

    /* The next action restarts the server and runs as usual. */
    exec_ok("w", "t-where", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)2, 20000));
    cr_assert_eq(evs[1].rc, 0);
    pid_t again = corral_executor_forkserver_pid(ex);
    cr_assert_gt(again, 0);
    cr_assert_neq(again, fs);
    cr_assert_eq(where_ppid(&evs[1]), again);
    assert_no_leaks();
}

Test(executor, agent_registered_after_the_fork_server_is_forked_here)
{
    cr_assert_eq(corral_registry_add_resource(reg, &late_agent, "test", NULL), 0);
    exec_ok("l", "t-late", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].rc, 0, "reason: %s", evs[0].reason);
    cr_assert_eq(where_ppid(&evs[0]), getpid());
    assert_no_leaks();
}

Test(executor, without_the_fork_server_actions_are_forked_here)
{
    corral_executor_free(ex);
    no_forkserver = true;
    make_executor(0, false);
    cr_assert_eq(corral_executor_forkserver_pid(ex), -1);
    exec_ok("w", "t-where", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].rc, 0);
    cr_assert_eq(where_ppid(&evs[0]), getpid());
    cr_assert(strstr(evs[0].lines[0], "rack r1"), "line: %s", evs[0].lines[0]);
    assert_no_leaks();
}

/* ---- the fork server program (no agent compiled in) ---- */

/* An executor over a registry of loaded agents only (the fixtures and the build tree's plugins). */
static void make_program_server_executor(void)
{
    corral_executor_free(ex);
    corral_registry_free(reg);
    const char *build = getenv("CORRAL_BUILD_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/fixtures:%s/lib/corral", build ? build : "build",
             build ? build : "build");
    corral_registry_settings_t s = {.plugin_path = path, .state_dir = tmp};
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    make_executor(0, false);
}

static bool is_forksrv_program(pid_t pid)
{
    char link[64], exe[1024];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(link, exe, sizeof(exe) - 1);
    if (n <= 0) return false;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    return base && strcmp(base + 1, "corral-forksrv") == 0;
}

Test(executor, without_compiled_in_agents_the_fork_server_is_its_own_program)
{
    make_program_server_executor();
    pid_t fs = corral_executor_forkserver_pid(ex);
    cr_assert_gt(fs, 0);
    cr_assert(is_forksrv_program(fs), "the fork server %d is not corral-forksrv", (int)fs);
    char state[320];
    snprintf(state, sizeof(state), "state=%s/d.state", tmp);
    exec_ok("d", "dummy", "start", 0, 0, state, NULL, NULL);
    exec_ok("d", "dummy", "monitor", 0, 0, state, NULL, NULL);
    exec_ok("c", "crasher", "start", 0, 0, NULL, NULL, NULL);
    exec_ok("g", "garbage", "monitor", 0, 0, NULL, NULL, NULL);
    exec_ok("f", "flooder", "start", 0, 0, NULL, NULL, NULL);
    exec_ok("stubborn", "hanger", "start", 0, 300, NULL, NULL, NULL);
    exec_ok("fk", "forker", "start", 0, 20000, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)7, 30000));
    const ev_t *e = find_ev("d", "start");
    cr_assert(e && e->status == CORRAL_OP_DONE && e->rc == 0, "reason: %s", e ? e->reason : "");
    e = find_ev("d", "monitor");
    cr_assert(e && e->status == CORRAL_OP_DONE && e->rc == 0, "reason: %s", e ? e->reason : "");
    e = find_ev("c", "start");
    cr_assert(e && e->status == CORRAL_OP_CRASHED && strstr(e->reason, "signal"));
    e = find_ev("g", "monitor");
    cr_assert(e && e->status == CORRAL_OP_INVALID && strstr(e->reason, "42"));
    e = find_ev("f", "start");
    cr_assert(e && e->status == CORRAL_OP_DONE && e->rc == 0);
    e = find_ev("stubborn", "start");
    cr_assert(e && e->status == CORRAL_OP_TIMED_OUT && strstr(e->reason, "timed out"));
    e = find_ev("fk", "start");
    cr_assert(e && e->status == CORRAL_OP_DONE && e->rc == 0);
    int gc = 0;
    cr_assert_eq(sscanf(e->lines[0], "grandchild %d", &gc), 1);
    cr_assert_gt(gc, 1);
    kill(gc, SIGKILL);
    cr_assert_eq(corral_executor_forkserver_pid(ex), fs);
    assert_no_leaks();
}

Test(executor, a_killed_fork_server_program_is_started_again)
{
    make_program_server_executor();
    pid_t fs = corral_executor_forkserver_pid(ex);
    cr_assert(is_forksrv_program(fs));
    cr_assert_eq(kill(fs, SIGKILL), 0);
    char state[320];
    snprintf(state, sizeof(state), "state=%s/d.state", tmp);
    exec_ok("d", "dummy", "start", 0, 0, state, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].rc, 0, "reason: %s", evs[0].reason);
    pid_t again = corral_executor_forkserver_pid(ex);
    cr_assert_gt(again, 0);
    cr_assert_neq(again, fs);
    cr_assert(is_forksrv_program(again));
    assert_no_leaks();
}

Test(executor, with_corral_forksrv_set_empty_the_fork_server_is_a_fork_of_this_process)
{
    cr_assert_eq(setenv("CORRAL_FORKSRV", "", 1), 0);
    make_program_server_executor();
    unsetenv("CORRAL_FORKSRV");
    pid_t fs = corral_executor_forkserver_pid(ex);
    cr_assert_gt(fs, 0);
    cr_assert_not(is_forksrv_program(fs));
    char state[320];
    snprintf(state, sizeof(state), "state=%s/d.state", tmp);
    exec_ok("d", "dummy", "start", 0, 0, state, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(evs[0].rc, 0, "reason: %s", evs[0].reason);
    assert_no_leaks();
}

/* ---- ordering ---- */

Test(executor, one_action_at_a_time_per_resource_in_order)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "dir=%s", tmp);
    const char *actions[] = {"start", "monitor", "stop", "start", "stop"};
    for (int i = 0; i < 5; i++) exec_ok("s", "t-probe", actions[i], 0, 0, dir, "ms=30", NULL);
    cr_assert(run_until(n_events_at_least, (void *)5, 30000));
    for (int i = 0; i < 5; i++) {
        cr_assert_str_eq(evs[i].action, actions[i]);
        cr_assert_eq(evs[i].rc, 0, "overlap: %s", evs[i].reason);
        cr_assert_str_eq(evs[i].lines[0], "running 1");
        if (i) cr_assert_gt(evs[i].call_id, evs[i - 1].call_id);
    }
}

Test(executor, concurrency_limit_is_honoured)
{
    corral_executor_free(ex);
    make_executor(3, false);
    char dir[300];
    snprintf(dir, sizeof(dir), "dir=%s", tmp);
    for (int i = 0; i < 12; i++) {
        char rsc[16];
        snprintf(rsc, sizeof(rsc), "r%d", i);
        exec_ok(rsc, "t-probe", "start", 0, 0, dir, "ms=80", NULL);
    }
    cr_assert_eq(corral_executor_pending_count(ex), 12);
    cr_assert(run_until(n_events_at_least, (void *)12, 30000));
    int max = 0;
    for (int i = 0; i < 12; i++) {
        int n = 0;
        cr_assert_eq(sscanf(evs[i].lines[0], "running %d", &n), 1);
        if (n > max) max = n;
    }
    cr_assert_leq(max, 3, "an agent saw %d actions running at once", max);
    cr_assert_leq(max_running_seen, 3);
    /* FIFO across resources: the oldest request starts first (start times are ordered). */
    for (int i = 1; i < 12; i++) {
        char rsc[16];
        snprintf(rsc, sizeof(rsc), "r%d", i);
        cr_assert_eq(find_ev(rsc, "start")->call_id > find_ev("r0", "start")->call_id, true);
    }
}

Test(executor, requests_run_before_due_monitors)
{
    corral_executor_free(ex);
    make_executor(1, false);
    exec_ok("busy", "t-probe", "start", 0, 0, "ms=200", NULL, NULL);
    exec_ok("m", "t-probe", "monitor", 50, 0, NULL, NULL, NULL);
    exec_ok("late", "t-probe", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)3, 20000));
    cr_assert_str_eq(evs[0].rsc, "busy");
    cr_assert_str_eq(evs[1].rsc, "m");
    cr_assert_str_eq(evs[2].rsc, "late");
}

/* ---- recurring monitors ---- */

Test(executor, recurring_monitor_repeats_and_reports_changes)
{
    char file[320], path[300];
    snprintf(path, sizeof(path), "%s/state-m", tmp);
    snprintf(file, sizeof(file), "file=%s", path);
    exec_ok("m", "t-state", "start", 0, 0, file, NULL, NULL);
    exec_ok("m", "t-state", "monitor", 100, 0, file, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)2, 20000));
    cr_assert_str_eq(evs[1].action, "monitor");
    cr_assert_eq(evs[1].rc, 0);
    cr_assert_eq(corral_executor_pending_count(ex), 0, "re-runs are not pending");
    /* Unchanged results are not reported again... */
    run_for(500);
    cr_assert_eq(n_evs, 2);
    /* ...a change is, as a failure. */
    unlink(path);
    cr_assert(run_until(n_events_at_least, (void *)3, 20000));
    cr_assert_eq(evs[2].rc, CORRAL_OCF_NOT_RUNNING);
    cr_assert_not(evs[2].expected);
    cr_assert(evs[2].rc_changed);
    corral_rsc_state_t st;
    corral_rsc_history_state(corral_executor_history(ex, "m"), &st);
    cr_assert(st.active && st.failed, "a recurring monitor's 7 is a failure to recover");
    cr_assert_eq(corral_executor_cancel_all(ex, "m"), 1);
}

Test(executor, slow_monitor_does_not_pile_up)
{
    corral_executor_free(ex);
    make_executor(0, true);
    char dir[300];
    snprintf(dir, sizeof(dir), "dir=%s", tmp);
    /* Each run takes 250 ms, four times the interval. */
    exec_ok("slow", "t-probe", "monitor", 60, 0, dir, "ms=250", NULL);
    uint64_t t0 = corral_wall_ms();
    /* Until three runs ended, however long a loaded machine takes (not a fixed time). */
    cr_assert(run_until(n_events_at_least, (void *)3, 30000));
    uint64_t t1 = corral_wall_ms();
    for (size_t i = 0; i < n_evs; i++) {
        cr_assert_eq(evs[i].rc, 0, "run %zu overlapped: %s", i, evs[i].reason);
        if (i) {
            /*
             * Each run starts after the previous one ended. The start is a
             * wall-clock time and the duration a monotonic one, each cut to
             * whole milliseconds: their sum may be 1 ms past the true end,
             * and the next grid point may be less than 1 ms after it.
             */
            cr_assert_geq(evs[i].started_ms + 1, evs[i - 1].started_ms + evs[i - 1].duration_ms);
        }
    }
    /* Skipped ticks are not run late in a burst: never more runs than fit. */
    cr_assert_leq(n_evs, (t1 - t0) / 250 + 1);
    cr_assert_leq(corral_executor_running_count(ex), 1);
}

Test(executor, recurring_monitor_replaced_by_same_key)
{
    corral_executor_free(ex);
    make_executor(0, true);
    exec_ok("rp", "t-probe", "monitor", 100, 0, "rc=0", NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    exec_ok("rp", "t-probe", "monitor", 100, 0, "rc=7", NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)4, 20000));
    /* After the replacement, only the new definition runs. */
    for (size_t i = 1; i < n_evs; i++) cr_assert_eq(evs[i].rc, 7);
}

/* ---- cancellation ---- */

Test(executor, cancel_in_flight_monitor_is_not_reported)
{
    exec_ok("cx", "t-sleeper", "monitor", 1000, 0, NULL, NULL, NULL);
    /* Let it start. */
    while (corral_executor_running_count(ex) == 0) run_for(10);
    cr_assert_eq(corral_executor_cancel(ex, "cx", "monitor", 1000), 1);
    cr_assert_eq(corral_executor_pending_count(ex), 0);
    cr_assert(run_until(idle, NULL, 20000));
    run_for(100);
    cr_assert_eq(n_evs, 0, "a cancelled monitor is not a failure");
    cr_assert_null(corral_executor_history(ex, "cx"));
    assert_no_leaks();
}

Test(executor, stop_cancels_recurring_monitor)
{
    corral_executor_free(ex);
    make_executor(0, true);
    char file[300];
    snprintf(file, sizeof(file), "file=%s/state-sc", tmp);
    exec_ok("sc", "t-state", "start", 0, 0, file, NULL, NULL);
    exec_ok("sc", "t-state", "monitor", 50, 0, file, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)3, 20000));
    exec_ok("sc", "t-state", "stop", 0, 0, file, NULL, NULL);
    cr_assert(run_until(idle, NULL, 20000));
    size_t stop_at = ev_index("sc", "stop");
    cr_assert_neq(stop_at, SIZE_MAX);
    run_for(300);
    cr_assert_eq(n_evs, stop_at + 1, "no monitor after the stop");
    const corral_rsc_history_t *h = corral_executor_history(ex, "sc");
    cr_assert_null(corral_rsc_history_find(h, "monitor", 50));
    corral_rsc_state_t st;
    corral_rsc_history_state(h, &st);
    cr_assert(!st.active && !st.failed);
}

Test(executor, cancel_queued_ops)
{
    corral_executor_free(ex);
    make_executor(1, false);
    exec_ok("q1", "t-probe", "start", 0, 0, "ms=100", NULL, NULL);
    uint64_t id = 0;
    reqbuf_t b;
    cr_assert_eq(
        corral_executor_exec(ex, mkreq(&b, "q2", "t-probe", "start", 0, 0, NULL, NULL, NULL), &id),
        0);
    exec_ok("q3", "t-probe", "start", 0, 0, NULL, NULL, NULL);
    cr_assert_eq(corral_executor_pending_count(ex), 3);
    cr_assert_eq(corral_executor_cancel_op(ex, id), 0);
    cr_assert_eq(corral_executor_cancel_op(ex, id), -ENOENT);
    cr_assert_eq(corral_executor_pending_count(ex), 2);
    cr_assert(run_until(idle, NULL, 20000));
    cr_assert_eq(n_evs, 2);
    cr_assert_null(find_ev("q2", "start"));
}

Test(executor, cancel_from_the_result_callback)
{
    /* The owner reacts to a failed monitor by stopping: cancel from inside the callback. */
    corral_executor_free(ex);
    corral_executor_callbacks_t cb = {.result = on_result};
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/state", tmp);
    corral_executor_opts_t o = {.node = "n1", .state_dir = dir, .report_every_monitor = true};
    cr_assert_eq(corral_executor_new(loop, reg, &o, &cb, &ex), 0);
    exec_ok("cb", "t-probe", "monitor", 30, 0, "rc=7", NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)1, 20000));
    cr_assert_eq(corral_executor_cancel_all(ex, "cb"), 1);
    size_t n = n_evs;
    run_for(200);
    cr_assert_eq(n_evs, n);
    cr_assert(run_until(idle, NULL, 20000));
}

/* ---- history ---- */

Test(executor, history_survives_a_new_executor)
{
    char file[300];
    snprintf(file, sizeof(file), "file=%s/state-d", tmp);
    exec_ok("d", "t-state", "start", 0, 0, file, NULL, NULL);
    exec_ok("bad", "crasher", "start", 0, 0, NULL, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)2, 20000));
    uint64_t last_call = evs[0].call_id > evs[1].call_id ? evs[0].call_id : evs[1].call_id;
    /* Written by the loop soon after, without waiting for free(). */
    char path[400];
    snprintf(path, sizeof(path), "%s/state/ophistory-n1.hist", tmp);
    cr_assert(run_until(file_exists, path, 20000));
    corral_executor_free(ex);
    make_executor(0, false);

    const corral_rsc_history_t *h = corral_executor_history(ex, "d");
    cr_assert_not_null(h);
    cr_assert(h->unverified);
    cr_assert_str_eq(h->agent, "t-state");
    cr_assert_not_null(corral_rsc_history_find(h, "start", 0));
    const corral_rsc_history_t *hb = corral_executor_history(ex, "bad");
    cr_assert_not_null(hb->last_failure);
    cr_assert_eq(hb->last_failure->status, CORRAL_OP_CRASHED);
    cr_assert(strstr(hb->last_failure->exit_reason, "signal"));

    /* Call ids go on growing after a restart; a probe verifies the resource. */
    exec_ok("d", "t-state", "monitor", 0, 0, file, NULL, NULL);
    cr_assert(run_until(n_events_at_least, (void *)3, 20000));
    cr_assert_gt(evs[2].call_id, last_call);
    h = corral_executor_history(ex, "d");
    cr_assert_not(h->unverified);
    corral_rsc_state_t st;
    corral_rsc_history_state(h, &st);
    cr_assert(st.active && !st.failed);

    cr_assert(corral_executor_forget(ex, "bad"));
    cr_assert_not(corral_executor_forget(ex, "bad"));
    corral_executor_mark_unverified(ex, NULL);
    cr_assert(corral_executor_history(ex, "d")->unverified);
}

Test(executor, damaged_history_is_set_aside)
{
    corral_executor_free(ex);
    ex = NULL;
    char dir[300], path[400], bad[420];
    snprintf(dir, sizeof(dir), "%s/state", tmp);
    snprintf(path, sizeof(path), "%s/ophistory-n1.hist", dir);
    snprintf(bad, sizeof(bad), "%s.bad", path);
    cr_assert_eq(corral_write_file_atomic(path, "garbage\n", 8, 0600), 0);
    make_executor(0, false);
    cr_assert_eq(corral_ophistory_count(corral_executor_ophistory(ex)), 0);
    cr_assert_eq(access(bad, R_OK), 0);
}

typedef struct {
    int n;
    char what[4][32];
    bool running[4];
} seen_t;

static void collect_pending(void *ud, const corral_exec_pending_t *p)
{
    seen_t *s = ud;
    if (s->n >= 4) return;
    snprintf(s->what[s->n], sizeof(s->what[0]), "%s %s", p->rsc, p->action);
    s->running[s->n] = p->running;
    s->n++;
}

Test(executor, pending_list_names_running_and_queued)
{
    corral_executor_free(ex);
    make_executor(1, false);
    exec_ok("p1", "t-probe", "start", 0, 0, "ms=100", NULL, NULL);
    exec_ok("p2", "t-probe", "stop", 0, 0, NULL, NULL, NULL);
    while (corral_executor_running_count(ex) == 0) run_for(5);
    seen_t seen = {0};
    corral_executor_foreach_pending(ex, collect_pending, &seen);
    cr_assert_eq(seen.n, 2);
    cr_assert_str_eq(seen.what[0], "p1 start");
    cr_assert(seen.running[0]);
    cr_assert_str_eq(seen.what[1], "p2 stop");
    cr_assert_not(seen.running[1]);
    cr_assert(run_until(idle, NULL, 20000));
}
