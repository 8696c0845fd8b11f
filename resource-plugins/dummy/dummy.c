/*
 * dummy: a resource that runs nothing and keeps its state in a file. The
 * test bed of the scheduler, the executor and the cluster: it can be told
 * to be slow or to fail, and it plays the promotable-clone roles.
 *
 * State file (atomic rewrites, one key=value a line): absent = stopped;
 * "role" is started or promoted; "monitors" counts monitors since start
 * when fail-monitor-after is set; "reloads", "fake", "migrated-to" and
 * "migrated-from" record what reload and migration did. Notifications are
 * appended, one line each, to "<state>.notify".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentkit.h"

#define ROLE_STARTED  "started"
#define ROLE_PROMOTED "promoted"

typedef struct dummy_state {
    bool running;
    bool promoted;
    long long monitors;
    long long reloads;
    char fake[256];
    char migrated_to[256];
    char migrated_from[256];
} dummy_state_t;

static char *state_path(const corral_op_t *op)
{
    const char *p = agentkit_param(op, "state", NULL);
    if (p) return strdup(p);
    return agentkit_state_path(op, "dummy", ".state");
}

static void copy_value(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* 0 (st filled; running=false when there is no file) or -errno. */
static int state_load(const char *path, dummy_state_t *st)
{
    memset(st, 0, sizeof(*st));
    char *data = NULL;
    int rc = agentkit_read_file(path, &data);
    if (rc == -ENOENT) return 0;
    if (rc < 0) return rc;
    st->running = true;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(line, "role"))
            st->promoted = !strcmp(v, ROLE_PROMOTED);
        else if (!strcmp(line, "monitors"))
            st->monitors = strtoll(v, NULL, 10);
        else if (!strcmp(line, "reloads"))
            st->reloads = strtoll(v, NULL, 10);
        else if (!strcmp(line, "fake"))
            copy_value(st->fake, sizeof(st->fake), v);
        else if (!strcmp(line, "migrated-to"))
            copy_value(st->migrated_to, sizeof(st->migrated_to), v);
        else if (!strcmp(line, "migrated-from"))
            copy_value(st->migrated_from, sizeof(st->migrated_from), v);
    }
    free(data);
    return 0;
}

static int state_save(const char *path, const dummy_state_t *st)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "role=%s\nmonitors=%lld\nreloads=%lld\nfake=%s\nmigrated-to=%s\nmigrated-from=%s\n",
             st->promoted ? ROLE_PROMOTED : ROLE_STARTED, st->monitors, st->reloads, st->fake,
             st->migrated_to, st->migrated_from);
    return agentkit_write_file(path, buf, 0644);
}

/* Load the state for an action: 0, or -1 with the exit reason set. */
static int load_or_fail(const corral_op_t *op, const char *path, dummy_state_t *st)
{
    int rc = state_load(path, st);
    if (rc < 0) {
        op->set_exit_reason(op, "cannot read state file %s: %s", path, strerror(-rc));
        return -1;
    }
    return 0;
}

static int save_or_fail(const corral_op_t *op, const char *path, const dummy_state_t *st)
{
    int rc = state_save(path, st);
    if (rc < 0) {
        op->set_exit_reason(op, "cannot write state file %s: %s", path, strerror(-rc));
        return CORRAL_OCF_ERR_GENERIC;
    }
    return CORRAL_OCF_SUCCESS;
}

/* Sleep for a delay parameter. 0, or -1 for a bad value (exit reason set). */
static int action_delay(const corral_op_t *op, const char *param)
{
    uint64_t ms = 0;
    if (agentkit_param_duration(op, param, 0, &ms) < 0) return -1;
    if (ms > 0) {
        op->log(op, CORRAL_LOG_DEBUG, "%s: sleeping %llu ms", param, (unsigned long long)ms);
        agentkit_sleep_ms(ms);
    }
    return 0;
}

/* An injected failure: the parameter is true. */
static bool injected(const corral_op_t *op, const char *param)
{
    bool on = false;
    return agentkit_param_bool(op, param, false, &on) == 0 && on;
}

/*
 * Common prologue: the state path, the delay, the state itself. Returns -1
 * and *rc_out when the action must end now.
 */
static int prologue(const corral_op_t *op, const char *delay_param, char **path_out,
                    dummy_state_t *st, int *rc_out)
{
    char *path = state_path(op);
    if (!path) {
        op->set_exit_reason(op, "no usable state directory");
        *rc_out = CORRAL_OCF_ERR_GENERIC;
        return -1;
    }
    if (delay_param && action_delay(op, delay_param) < 0) {
        free(path);
        *rc_out = CORRAL_OCF_NOT_CONFIGURED;
        return -1;
    }
    if (load_or_fail(op, path, st) < 0) {
        free(path);
        *rc_out = CORRAL_OCF_ERR_GENERIC;
        return -1;
    }
    *path_out = path;
    return 0;
}

static int dummy_start(const corral_op_t *op)
{
    char *path = NULL;
    dummy_state_t st;
    int rc;
    if (prologue(op, "start-delay", &path, &st, &rc) < 0) return rc;
    if (injected(op, "fail-start")) {
        op->set_exit_reason(op, "start failed on purpose (fail-start)");
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    if (st.running) {
        /* Starting a started resource succeeds and changes nothing (OCF). */
        rc = CORRAL_OCF_SUCCESS;
        goto done;
    }
    memset(&st, 0, sizeof(st));
    st.running = true;
    copy_value(st.fake, sizeof(st.fake), agentkit_param(op, "fake", ""));
    rc = save_or_fail(op, path, &st);
    if (rc == CORRAL_OCF_SUCCESS) op->log(op, CORRAL_LOG_INFO, "started (state file %s)", path);
done:
    free(path);
    return rc;
}

static int dummy_stop(const corral_op_t *op)
{
    char *path = NULL;
    dummy_state_t st;
    int rc;
    if (prologue(op, "stop-delay", &path, &st, &rc) < 0) return rc;
    if (injected(op, "fail-stop")) {
        op->set_exit_reason(op, "stop failed on purpose (fail-stop)");
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    rc = CORRAL_OCF_SUCCESS;
    if (unlink(path) < 0 && errno != ENOENT) {
        op->set_exit_reason(op, "cannot remove state file %s: %s", path, strerror(errno));
        rc = CORRAL_OCF_ERR_GENERIC;
    }
done:
    free(path);
    return rc;
}

static int dummy_monitor(const corral_op_t *op)
{
    char *path = NULL;
    dummy_state_t st;
    int rc;
    long long after = -1, fail_rc = CORRAL_OCF_ERR_GENERIC;
    if (prologue(op, "monitor-delay", &path, &st, &rc) < 0) return rc;
    if (agentkit_param_int(op, "fail-monitor-after", -1, &after) < 0 ||
        agentkit_param_int(op, "fail-monitor-rc", CORRAL_OCF_ERR_GENERIC, &fail_rc) < 0) {
        rc = CORRAL_OCF_NOT_CONFIGURED;
        goto done;
    }
    if (!st.running) {
        rc = CORRAL_OCF_NOT_RUNNING;
        goto done;
    }
    /* Count only when a failure is to be injected: a plain monitor writes nothing, so it
     * stays as cheap as the executor's benchmarks need it to be. */
    if (after >= 0) {
        st.monitors++;
        rc = save_or_fail(op, path, &st);
        if (rc != CORRAL_OCF_SUCCESS) goto done;
    }
    if (after >= 0 && st.monitors > after) {
        op->set_exit_reason(
            op, "monitor failed on purpose after %lld monitor(s) (fail-monitor-after)", after);
        rc = (int)fail_rc;
        goto done;
    }
    rc = st.promoted ? CORRAL_OCF_RUNNING_PROMOTED : CORRAL_OCF_SUCCESS;
done:
    free(path);
    return rc;
}

static int dummy_validate(const corral_op_t *op)
{
    static const char *const durations[] = {"start-delay", "stop-delay", "monitor-delay",
                                            "promote-delay", "demote-delay"};
    static const char *const bools[] = {"fail-start", "fail-stop", "fail-promote", "fail-demote"};
    uint64_t ms;
    bool b;
    long long n;
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
        if (agentkit_param_duration(op, durations[i], 0, &ms) < 0) return CORRAL_OCF_NOT_CONFIGURED;
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
        if (agentkit_param_bool(op, bools[i], false, &b) < 0) return CORRAL_OCF_NOT_CONFIGURED;
    if (agentkit_param_int(op, "fail-monitor-after", -1, &n) < 0 ||
        agentkit_param_int(op, "fail-monitor-rc", 1, &n) < 0)
        return CORRAL_OCF_NOT_CONFIGURED;
    if (n < 0 || n > 255) {
        op->set_exit_reason(op, "parameter fail-monitor-rc: %lld is not an exit code", n);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    return CORRAL_OCF_SUCCESS;
}

/* promote and demote share all but the role they set. */
static int set_role(const corral_op_t *op, bool promoted)
{
    const char *action = promoted ? "promote" : "demote";
    char *path = NULL;
    dummy_state_t st;
    int rc;
    if (prologue(op, promoted ? "promote-delay" : "demote-delay", &path, &st, &rc) < 0) return rc;
    if (injected(op, promoted ? "fail-promote" : "fail-demote")) {
        op->set_exit_reason(op, "%s failed on purpose (fail-%s)", action, action);
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    if (!st.running) {
        op->set_exit_reason(op, "cannot %s: not running", action);
        rc = CORRAL_OCF_NOT_RUNNING;
        goto done;
    }
    st.promoted = promoted;
    rc = save_or_fail(op, path, &st);
done:
    free(path);
    return rc;
}

static int dummy_promote(const corral_op_t *op)
{
    return set_role(op, true);
}

static int dummy_demote(const corral_op_t *op)
{
    return set_role(op, false);
}

static int dummy_reload(const corral_op_t *op)
{
    char *path = NULL;
    dummy_state_t st;
    int rc;
    if (prologue(op, NULL, &path, &st, &rc) < 0) return rc;
    if (!st.running) {
        rc = CORRAL_OCF_NOT_RUNNING;
        goto done;
    }
    st.reloads++;
    copy_value(st.fake, sizeof(st.fake), agentkit_param(op, "fake", ""));
    rc = save_or_fail(op, path, &st);
done:
    free(path);
    return rc;
}

static const char *meta_or(const corral_op_t *op, const char *name, const char *dflt)
{
    const char *v = op->meta ? op->meta(op, name) : NULL;
    return (v && *v) ? v : dflt;
}

static int dummy_notify(const corral_op_t *op)
{
    char *path = state_path(op);
    char *log = NULL, *line = NULL;
    int rc = CORRAL_OCF_ERR_GENERIC;
    if (!path) {
        op->set_exit_reason(op, "no usable state directory");
        return rc;
    }
    char ts[40];
    agentkit_timestamp(ts, sizeof(ts));
    if (asprintf(&log, "%s.notify", path) < 0 ||
        asprintf(&line, "%s %s-%s start=[%s] stop=[%s] promote=[%s] demote=[%s]", ts,
                 meta_or(op, "notify_type", "?"), meta_or(op, "notify_operation", "?"),
                 meta_or(op, "notify_start_uname", ""), meta_or(op, "notify_stop_uname", ""),
                 meta_or(op, "notify_promote_uname", ""),
                 meta_or(op, "notify_demote_uname", "")) < 0)
        goto done;
    int err = agentkit_append_line(log, line);
    if (err < 0) {
        op->set_exit_reason(op, "cannot record notification in %s: %s", log, strerror(-err));
        goto done;
    }
    rc = CORRAL_OCF_SUCCESS;
done:
    free(line);
    free(log);
    free(path);
    return rc;
}

/* migrate_to runs on the source and migrate_from on the target; both record the peer. */
static int migrate(const corral_op_t *op, bool to)
{
    char *path = NULL;
    dummy_state_t st;
    int rc;
    if (prologue(op, NULL, &path, &st, &rc) < 0) return rc;
    if (to) {
        if (!st.running) {
            op->set_exit_reason(op, "cannot migrate: not running here");
            rc = CORRAL_OCF_NOT_RUNNING;
            goto done;
        }
        copy_value(st.migrated_to, sizeof(st.migrated_to), meta_or(op, "migrate_target", "?"));
    } else {
        /* The target takes the resource over: it runs here from now on. */
        bool was = st.running;
        if (!was) {
            memset(&st, 0, sizeof(st));
            st.running = true;
            copy_value(st.fake, sizeof(st.fake), agentkit_param(op, "fake", ""));
        }
        copy_value(st.migrated_from, sizeof(st.migrated_from), meta_or(op, "migrate_source", "?"));
    }
    rc = save_or_fail(op, path, &st);
done:
    free(path);
    return rc;
}

static int dummy_migrate_to(const corral_op_t *op)
{
    return migrate(op, true);
}

static int dummy_migrate_from(const corral_op_t *op)
{
    return migrate(op, false);
}

static const corral_param_spec_t dummy_params[] = {
    {.name = "state",
     .type = CORRAL_PARAM_STRING,
     .description = "State file; absent means stopped. Default: <state-dir>/dummy-<id>.state",
     .unique = 1},
    {.name = "fake",
     .type = CORRAL_PARAM_STRING,
     .default_value = "dummy",
     .description = "A value with no effect, recorded in the state file; change it and reload",
     .reloadable = 1},
    {.name = "start-delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in start"},
    {.name = "stop-delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in stop"},
    {.name = "monitor-delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in monitor"},
    {.name = "promote-delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in promote"},
    {.name = "demote-delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in demote"},
    {.name = "fail-start",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Make start fail (rc 1) without starting"},
    {.name = "fail-stop",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Make stop fail (rc 1), leaving the resource running"},
    {.name = "fail-promote",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Make promote fail (rc 1)"},
    {.name = "fail-demote",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Make demote fail (rc 1)"},
    {.name = "fail-monitor-after",
     .type = CORRAL_PARAM_INTEGER,
     .description = "Monitors of a running resource succeed this many times after each start, "
                    "then fail with fail-monitor-rc"},
    {.name = "fail-monitor-rc",
     .type = CORRAL_PARAM_INTEGER,
     .default_value = "1",
     .description = "The code a failing monitor returns (1 generic error, 7 not running, "
                    "9 failed promoted, ...)"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "dummy",
    .version = "1.0",
    .description = "A resource that runs nothing and keeps its state in a file; it can be made "
                   "slow or failing on purpose and plays promotable roles (for tests and demos)",
    .params = dummy_params,
    .start = dummy_start,
    .stop = dummy_stop,
    .monitor = dummy_monitor,
    .validate = dummy_validate,
    .promote = dummy_promote,
    .demote = dummy_demote,
    .reload = dummy_reload,
    .notify = dummy_notify,
    .migrate_to = dummy_migrate_to,
    .migrate_from = dummy_migrate_from,
};
