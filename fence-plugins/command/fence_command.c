/*
 * fence command: fences by running a command template, without a shell.
 * The template is split on whitespace, then in each word %n becomes the
 * target node, %p the target as the device calls it (host-map; the node
 * name otherwise), %a the action and %% a percent sign. Exit 0 is
 * success; for status, 0 means on and 7 off; any other code fails the
 * action, with the code in the exit reason. For list, each line the command
 * prints is one target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentkit.h"

/* One word of the template with its escapes expanded; NULL for a bad escape (reason set). */
static char *expand(const corral_op_t *op, const char *word)
{
    const char *target = op->target ? op->target : "";
    const char *plug = op->plug && *op->plug ? op->plug : target;
    size_t cap = strlen(word) + 1, len = 0;
    char *out = malloc(cap);
    if (!out) abort();
    for (const char *p = word; *p; p++) {
        const char *add = NULL;
        char ch[2] = {*p, '\0'};
        if (*p != '%') {
            add = ch;
        } else {
            switch (p[1]) {
            case 'n':
                add = target;
                break;
            case 'p':
                add = plug;
                break;
            case 'a':
                add = op->action ? op->action : "";
                break;
            case '%':
                add = "%";
                break;
            default:
                op->set_exit_reason(op, "parameter command: unknown escape '%%%c' in '%s'",
                                    p[1] ? p[1] : ' ', word);
                free(out);
                return NULL;
            }
            p++;
        }
        size_t n = strlen(add);
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *no = realloc(out, cap);
            if (!no) abort();
            out = no;
        }
        memcpy(out + len, add, n);
        len += n;
    }
    out[len] = '\0';
    return out;
}

/* The argv for this op; NULL with the reason set. */
static char **build_argv(const corral_op_t *op)
{
    const char *tmpl = agentkit_param(op, "command", NULL);
    if (!tmpl) {
        op->set_exit_reason(op, "parameter command is required");
        return NULL;
    }
    size_t n = 0;
    char **argv = agentkit_split(tmpl, &n);
    if (n == 0) {
        op->set_exit_reason(op, "parameter command is empty");
        agentkit_strv_free(argv);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char *x = expand(op, argv[i]);
        if (!x) {
            agentkit_strv_free(argv);
            return NULL;
        }
        free(argv[i]);
        argv[i] = x;
    }
    return argv;
}

/* Run the template for op->action; `status` lets 7 through. */
static int run(const corral_op_t *op, bool status, bool list)
{
    char **argv = build_argv(op);
    char *out = NULL;
    if (!argv) return CORRAL_OCF_NOT_CONFIGURED;
    int rc = agentkit_run(argv, list ? &out : NULL);
    int result;
    if (rc < 0) {
        op->set_exit_reason(op, "cannot run %s: %s", argv[0], strerror(-rc));
        result = CORRAL_OCF_ERR_GENERIC;
    } else if (rc == 127) {
        op->set_exit_reason(op, "%s %s failed: exit code 127 (command not found?)", argv[0],
                            op->action);
        result = CORRAL_OCF_ERR_GENERIC;
    } else if (rc == 0) {
        result = CORRAL_OCF_SUCCESS;
    } else if (status && rc == CORRAL_OCF_NOT_RUNNING) {
        result = CORRAL_OCF_NOT_RUNNING;
    } else {
        op->set_exit_reason(op, "%s %s failed: exit code %d", argv[0], op->action, rc);
        result = CORRAL_OCF_ERR_GENERIC;
    }
    if (result == CORRAL_OCF_SUCCESS && list && out) {
        char *save = NULL;
        for (char *l = strtok_r(out, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
            char **w = agentkit_split(l, NULL);
            if (w[0]) op->output(op, w[0]);
            agentkit_strv_free(w);
        }
    }
    free(out);
    agentkit_strv_free(argv);
    return result;
}

static int fc_off(const corral_op_t *op)
{
    return run(op, false, false);
}

static int fc_on(const corral_op_t *op)
{
    return run(op, false, false);
}

static int fc_reboot(const corral_op_t *op)
{
    return run(op, false, false);
}

static int fc_status(const corral_op_t *op)
{
    return run(op, true, false);
}

static int fc_list(const corral_op_t *op)
{
    return run(op, false, true);
}

static int fc_monitor(const corral_op_t *op)
{
    return run(op, false, false);
}

static const corral_param_spec_t fc_params[] = {
    {.name = "command",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .description = "Command template run without a shell, split on whitespace: %n the target "
                    "node, %p the target as the device names it (host-map), %a the action "
                    "(off, on, reboot, status, list, monitor), %% a percent sign. Exit 0: "
                    "success; status: 0 on, 7 off; list: one target per output line"},
    {.name = NULL},
};

const corral_fence_plugin_t corral_fence_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_fence_plugin_t),
    .name = "command",
    .version = "1.0",
    .description = "Fences by running a command template with the target and the action; "
                   "its exit code is the result",
    .params = fc_params,
    .off = fc_off,
    .status = fc_status,
    .on = fc_on,
    .reboot = fc_reboot,
    .list = fc_list,
    .monitor = fc_monitor,
};
