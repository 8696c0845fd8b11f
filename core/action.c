/* One agent action through the runner; see action.h. */
#include "action.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "log.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS 20000

/* What the child needs; it lives in corral_action_start's frame, which the child inherits. */
struct action_ctx {
    corral_registry_t *reg;
    const corral_action_req_t *req;
    const corral_agent_info_t *info;
    int result_fd;
};

static const struct action_ctx *ctx_of(const corral_op_t *op)
{
    return op->host;
}

static const char *kv_get(const corral_kvlist_t *l, const char *name)
{
    if (!l || !name) return NULL;
    /* The last setting of a key wins, as in the INI. */
    for (size_t i = l->n; i > 0; i--)
        if (l->items[i - 1].key && !strcmp(l->items[i - 1].key, name)) return l->items[i - 1].value;
    return NULL;
}

static int kv_at(const corral_kvlist_t *l, size_t i, const char **name_out, const char **value_out)
{
    if (!l || i >= l->n) return -1;
    if (name_out) *name_out = l->items[i].key;
    if (value_out) *value_out = l->items[i].value;
    return 0;
}

static const char *op_param(const corral_op_t *op, const char *name)
{
    const struct action_ctx *c = ctx_of(op);
    const char *v = kv_get(c->req->params, name);
    if (v || !name) return v;
    for (size_t i = 0; c->info && c->info->params && c->info->params[i].name; i++)
        if (!strcmp(c->info->params[i].name, name)) return c->info->params[i].default_value;
    return NULL;
}

static int op_param_at(const corral_op_t *op, size_t i, const char **name_out,
                       const char **value_out)
{
    return kv_at(ctx_of(op)->req->params, i, name_out, value_out);
}

static const char *op_meta(const corral_op_t *op, const char *name)
{
    return kv_get(ctx_of(op)->req->meta, name);
}

static int op_meta_at(const corral_op_t *op, size_t i, const char **name_out,
                      const char **value_out)
{
    return kv_at(ctx_of(op)->req->meta, i, name_out, value_out);
}

static void op_log(const corral_op_t *op, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void op_log(const corral_op_t *op, int level, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (!msg) return;
    corral_job_send_log(ctx_of(op)->result_fd, level, msg);
    free(msg);
}

static void op_set_exit_reason(const corral_op_t *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void op_set_exit_reason(const corral_op_t *op, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (!msg) return;
    corral_job_send_reason(ctx_of(op)->result_fd, msg);
    free(msg);
}

static int op_set_attr(const corral_op_t *op, const char *name, const char *value)
{
    if (!name || !name[0]) return -EINVAL;
    corral_job_send_attr(ctx_of(op)->result_fd, name, value);
    return 0;
}

static const char *op_get_attr(const corral_op_t *op, const char *name, const char *node)
{
    const corral_action_req_t *req = ctx_of(op)->req;
    if (!name || !req->get_attr) return NULL;
    return req->get_attr(req->attr_ud, node ? node : op->node, name);
}

static void op_output(const corral_op_t *op, const char *line)
{
    corral_job_send_line(ctx_of(op)->result_fd, line);
}

static const char *op_setting(const corral_op_t *op, const char *key)
{
    return corral_registry_setting(ctx_of(op)->reg, key);
}

/* An instance id by default: the agent's type, as `corral agent run` documents
 * ("ocf:heartbeat:IPaddr2" -> "IPaddr2"). */
static const char *default_instance(const corral_action_req_t *req)
{
    if (req->instance) return req->instance;
    const char *colon = strrchr(req->agent, ':');
    return colon && colon[1] ? colon + 1 : req->agent;
}

static int action_child(void *arg, int result_fd)
{
    struct action_ctx *c = arg;
    const corral_action_req_t *req = c->req;
    c->result_fd = result_fd;
    struct utsname u;
    const char *node = req->node;
    if (!node) node = uname(&u) == 0 ? u.nodename : "localhost";
    corral_op_t op = {
        .size = sizeof(op),
        .agent = req->agent,
        .instance = default_instance(req),
        .node = node,
        .action = req->action,
        .interval_ms = req->interval_ms,
        .timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS,
        .state_dir = corral_registry_setting(c->reg, "state-dir"),
        .target = req->target,
        .plug = req->plug ? req->plug : req->target,
        .param = op_param,
        .param_at = op_param_at,
        .meta = op_meta,
        .meta_at = op_meta_at,
        .log = op_log,
        .set_exit_reason = op_set_exit_reason,
        .set_attr = op_set_attr,
        .get_attr = op_get_attr,
        .output = op_output,
        .setting = op_setting,
        .host = c,
    };
    return corral_registry_invoke(c->reg, req->agent, req->kind, &op);
}

int corral_action_start(corral_registry_t *reg, const corral_action_req_t *req,
                        corral_job_t **job_out, char **error_out)
{
    if (!reg || !req || !req->agent || !req->action || !job_out ||
        (req->kind != CORRAL_AGENT_RESOURCE && req->kind != CORRAL_AGENT_FENCE))
        return -EINVAL;
    const char *kind_word = req->kind == CORRAL_AGENT_FENCE ? "fence" : "resource";
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = corral_registry_describe(reg, req->agent, req->kind, &info, &err);
    if (rc < 0) {
        if (rc == -ENOENT) {
            free(err);
            err = corral_xasprintf("%s agent '%s' is not installed (plugin path %s)", kind_word,
                                   req->agent, corral_registry_setting(reg, "plugin-path"));
        } else if (!err) {
            err = corral_xasprintf("%s agent '%s' cannot be used: %s", kind_word, req->agent,
                                   strerror(-rc));
        }
        if (error_out)
            *error_out = err;
        else
            free(err);
        return rc;
    }
    const char *instance = default_instance(req);
    char *tag = corral_xasprintf("%s %s", kind_word, instance);
    struct action_ctx ctx = {.reg = reg, .req = req, .info = info, .result_fd = -1};
    corral_job_spec_t spec = {
        .child = action_child,
        .arg = &ctx,
        .timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS,
        .log_tag = tag,
    };
    corral_job_t *job = NULL;
    rc = corral_job_start(&spec, &job);
    free(tag);
    if (rc < 0) {
        if (error_out)
            *error_out = corral_xasprintf("%s %s: cannot start %s: %s", kind_word, instance,
                                          req->action, strerror(-rc));
        return rc;
    }
    *job_out = job;
    return 0;
}

const char *corral_ocf_rc_str(int rc)
{
    static const char *const words[] = {
        "ok",
        "generic error",
        "invalid argument",
        "unimplemented",
        "insufficient privileges",
        "not installed",
        "not configured",
        "not running",
        "running promoted",
        "failed promoted",
    };
    if (rc < 0 || rc >= (int)(sizeof(words) / sizeof(words[0]))) return "unknown result";
    return words[rc];
}
