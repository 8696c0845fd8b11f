/*
 * fence dummy: a fence device that powers nothing. It records every
 * action (time, action, target) in a log file, keeps the set of targets it
 * has switched off in a state file (status answers from it: 0 on, 7 off),
 * and can be told to fail or to be slow, so the fencer and the scheduler's
 * fencing paths can be tested without hardware.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "agentkit.h"

static char *path_param(const corral_op_t *op, const char *name, const char *suffix)
{
    const char *p = agentkit_param(op, name, NULL);
    return p ? strdup(p) : agentkit_state_path(op, "fence-dummy", suffix);
}

/* The target as this device calls it. */
static const char *victim(const corral_op_t *op)
{
    if (op->plug && *op->plug) return op->plug;
    return op->target && *op->target ? op->target : NULL;
}

/* Record the action; 0, or an OCF code with the reason set. */
static int record(const corral_op_t *op, const char *result)
{
    char *log = path_param(op, "log", ".log");
    if (!log) {
        op->set_exit_reason(op, "no usable state directory for the log");
        return CORRAL_OCF_ERR_GENERIC;
    }
    char ts[40], line[1024];
    agentkit_timestamp(ts, sizeof(ts));
    const char *t = victim(op);
    snprintf(line, sizeof(line), "%s %s %s %s", ts, op->action ? op->action : "?", t ? t : "-",
             result);
    int rc = agentkit_append_line(log, line);
    if (rc < 0) {
        op->set_exit_reason(op, "cannot write %s: %s", log, strerror(-rc));
        free(log);
        return CORRAL_OCF_ERR_GENERIC;
    }
    free(log);
    return 0;
}

/*
 * Prologue of every action: the delay, then the injected failure. Returns
 * -1 with *rc_out when the action ends here (it has been recorded).
 */
static int prologue(const corral_op_t *op, bool needs_target, int *rc_out)
{
    uint64_t delay = 0;
    bool fail = false;
    if (agentkit_param_duration(op, "delay", 0, &delay) < 0 ||
        agentkit_param_bool(op, "fail", false, &fail) < 0) {
        *rc_out = CORRAL_OCF_NOT_CONFIGURED;
        return -1;
    }
    if (needs_target && !victim(op)) {
        op->set_exit_reason(op, "%s needs a target", op->action);
        *rc_out = CORRAL_OCF_ERR_ARGS;
        return -1;
    }
    if (delay) agentkit_sleep_ms(delay);
    const char *targets = agentkit_param(op, "fail-targets", NULL);
    const char *t = victim(op);
    if (fail || (t && targets && agentkit_list_has(targets, t))) {
        op->set_exit_reason(op, "%s of %s failed on purpose", op->action, t ? t : "the device");
        int rc = record(op, "failed");
        *rc_out = rc ? rc : CORRAL_OCF_ERR_GENERIC;
        return -1;
    }
    return 0;
}

/*
 * Change the powered-off set under an exclusive lock (several fence
 * actions may run at once): off adds the target, on removes it.
 */
static int set_power(const corral_op_t *op, bool off)
{
    char *path = path_param(op, "state", ".off"), *lock = NULL, *data = NULL;
    int rc = CORRAL_OCF_ERR_GENERIC, lockfd = -1;
    const char *t = victim(op);
    if (!path || asprintf(&lock, "%s.lock", path) < 0) {
        op->set_exit_reason(op, "no usable state directory");
        goto done;
    }
    if (agentkit_mkdir_parent(lock) < 0 ||
        (lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
        flock(lockfd, LOCK_EX) < 0) {
        op->set_exit_reason(op, "cannot lock %s: %s", lock, strerror(errno));
        goto done;
    }
    int err = agentkit_read_file(path, &data);
    if (err < 0 && err != -ENOENT) {
        op->set_exit_reason(op, "cannot read %s: %s", path, strerror(-err));
        goto done;
    }
    size_t n = 0;
    char **names = agentkit_split(data ? data : "", &n);
    size_t cap = (data ? strlen(data) : 0) + strlen(t) + 4, len = 0;
    char *out = calloc(1, cap);
    if (!out) abort();
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], t)) len += (size_t)snprintf(out + len, cap - len, "%s\n", names[i]);
    if (off) snprintf(out + len, cap - len, "%s\n", t);
    agentkit_strv_free(names);
    err = agentkit_write_file(path, out, 0644);
    free(out);
    if (err < 0) {
        op->set_exit_reason(op, "cannot write %s: %s", path, strerror(-err));
        goto done;
    }
    rc = CORRAL_OCF_SUCCESS;
done:
    if (lockfd >= 0) close(lockfd);
    free(data);
    free(lock);
    free(path);
    return rc;
}

static bool is_off(const corral_op_t *op)
{
    char *path = path_param(op, "state", ".off"), *data = NULL;
    bool off = false;
    if (path && agentkit_read_file(path, &data) == 0) {
        off = agentkit_list_has(data, victim(op));
        free(data);
    }
    free(path);
    return off;
}

static int power_action(const corral_op_t *op, bool off)
{
    int rc;
    if (prologue(op, true, &rc) < 0) return rc;
    rc = set_power(op, off);
    if (rc == CORRAL_OCF_SUCCESS) rc = record(op, "ok");
    if (rc == CORRAL_OCF_SUCCESS)
        op->log(op, CORRAL_LOG_NOTICE, "%s: %s (dummy: nothing was powered)", victim(op),
                op->action);
    return rc;
}

static int fd_off(const corral_op_t *op)
{
    return power_action(op, true);
}

static int fd_on(const corral_op_t *op)
{
    return power_action(op, false);
}

/* A reboot leaves the target on. */
static int fd_reboot(const corral_op_t *op)
{
    return power_action(op, false);
}

static int fd_status(const corral_op_t *op)
{
    int rc;
    if (prologue(op, true, &rc) < 0) return rc;
    bool off = is_off(op);
    rc = record(op, off ? "off" : "on");
    if (rc) return rc;
    return off ? CORRAL_OCF_NOT_RUNNING : CORRAL_OCF_SUCCESS;
}

static int fd_list(const corral_op_t *op)
{
    int rc;
    if (prologue(op, false, &rc) < 0) return rc;
    char **hosts = agentkit_split(agentkit_param(op, "hosts", ""), NULL);
    for (char **h = hosts; *h; h++) {
        /* hosts may be comma-separated too. */
        char *save = NULL;
        for (char *w = strtok_r(*h, ",", &save); w; w = strtok_r(NULL, ",", &save))
            op->output(op, w);
    }
    agentkit_strv_free(hosts);
    return record(op, "ok");
}

static int fd_monitor(const corral_op_t *op)
{
    int rc;
    if (prologue(op, false, &rc) < 0) return rc;
    return record(op, "ok");
}

static const corral_param_spec_t fd_params[] = {
    {.name = "log",
     .type = CORRAL_PARAM_STRING,
     .description = "File where every action is recorded as 'TIME ACTION TARGET RESULT'. "
                    "Default: <state-dir>/fence-dummy-<id>.log"},
    {.name = "state",
     .type = CORRAL_PARAM_STRING,
     .description = "File listing the targets this device has switched off (status reads it). "
                    "Default: <state-dir>/fence-dummy-<id>.off"},
    {.name = "hosts",
     .type = CORRAL_PARAM_STRING,
     .description = "What list answers: the targets, separated by spaces or commas"},
    {.name = "fail",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Make every action fail (rc 1)"},
    {.name = "fail-targets",
     .type = CORRAL_PARAM_STRING,
     .description = "Make actions on these targets fail (spaces or commas between them)"},
    {.name = "delay",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "0",
     .description = "Sleep this long in every action"},
    {.name = NULL},
};

const corral_fence_plugin_t corral_fence_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_fence_plugin_t),
    .name = "dummy",
    .version = "1.0",
    .description = "A fence device that powers nothing: it records each action to a file, "
                   "remembers whom it switched off, and can fail or be slow on purpose",
    .params = fd_params,
    .off = fd_off,
    .status = fd_status,
    .on = fd_on,
    .reboot = fd_reboot,
    .list = fd_list,
    .monitor = fd_monitor,
};
