/* One agent action through the runner; see action.h. */
#include "action.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS 20000

/* What the child needs: in corral_action_start's frame, which a child forked there inherits, or
 * decoded from the request by a fork server's child. */
struct action_ctx {
    corral_registry_t *reg;
    const corral_action_req_t *req;
    const corral_agent_info_t *info;
    int result_fd;
    char **answers; /* op->get_attr() values, alive until the action returns */
    size_t n_answers;
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

/* Asked of the parent when the agent asks, so the value is the current one. */
static const char *op_get_attr(const corral_op_t *op, const char *name, const char *node)
{
    struct action_ctx *c = (struct action_ctx *)ctx_of(op);
    if (!name) return NULL;
    char *v = corral_job_get_attr(c->result_fd, node ? node : op->node, name);
    if (!v) return NULL;
    c->answers = corral_xrealloc(c->answers, (c->n_answers + 1) * sizeof(*c->answers));
    c->answers[c->n_answers++] = v;
    return v;
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
    int rc = corral_registry_invoke(c->reg, req->agent, req->kind, &op);
    for (size_t i = 0; i < c->n_answers; i++) free(c->answers[i]);
    free(c->answers);
    c->answers = NULL;
    c->n_answers = 0;
    return rc;
}

/* ---- the request as bytes, for a fork server -------------------------------
 * A sequence of strings, each '+' and NUL-terminated text, or '-' for NULL:
 * agent, kind, instance, node, action, interval, timeout, target, plug, the
 * number of parameters and their names and values, then the same for meta. */

static void put_str(corral_buf_t *b, const char *s)
{
    if (!s) {
        corral_buf_append_n(b, "-", 1);
        return;
    }
    corral_buf_append_n(b, "+", 1);
    corral_buf_append_n(b, s, strlen(s) + 1);
}

static void put_kv(corral_buf_t *b, const corral_kvlist_t *l)
{
    char n[32];
    snprintf(n, sizeof(n), "%zu", l ? l->n : 0);
    put_str(b, n);
    for (size_t i = 0; l && i < l->n; i++) {
        put_str(b, l->items[i].key ? l->items[i].key : "");
        put_str(b, l->items[i].value ? l->items[i].value : "");
    }
}

static void encode_req(corral_buf_t *b, const corral_action_req_t *req, const char *node)
{
    char n[32];
    put_str(b, req->agent);
    put_str(b, req->kind == CORRAL_AGENT_FENCE ? "f" : "r");
    put_str(b, req->instance);
    put_str(b, node);
    put_str(b, req->action);
    snprintf(n, sizeof(n), "%u", (unsigned)req->interval_ms);
    put_str(b, n);
    snprintf(n, sizeof(n), "%u", (unsigned)req->timeout_ms);
    put_str(b, n);
    put_str(b, req->target);
    put_str(b, req->plug);
    put_kv(b, req->params);
    put_kv(b, req->meta);
}

typedef struct reader {
    const char *p, *end;
    bool bad;
} reader_t;

/* The next string (pointing into the message), or NULL. */
static const char *get_str(reader_t *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return NULL;
    }
    char tag = *r->p++;
    if (tag == '-') return NULL;
    const char *nul = tag == '+' ? memchr(r->p, '\0', (size_t)(r->end - r->p)) : NULL;
    if (!nul) {
        r->bad = true;
        return NULL;
    }
    const char *s = r->p;
    r->p = nul + 1;
    return s;
}

/* A decimal count or time from the message (digits only; what strtoul would give, without
 * touching libc's locale tables in the child). */
static unsigned long get_num(const char *s)
{
    unsigned long v = 0;
    while (s && *s >= '0' && *s <= '9' && v < ULONG_MAX / 16)
        v = v * 10 + (unsigned long)(*s++ - '0');
    return v;
}

/*
 * Up to this many parameters (and as many meta) are decoded into the
 * caller's arrays: the fork server's child then allocates nothing before
 * the agent runs (each heap page it wrote would be a copy-on-write fault).
 */
#define KV_LOCAL 32

typedef struct decoded {
    corral_action_req_t req;
    corral_kvlist_t params, meta;
    corral_kv_t local[2][KV_LOCAL];
} decoded_t;

static void get_kv(reader_t *r, corral_kvlist_t *l, corral_kv_t *local)
{
    const char *n = get_str(r);
    size_t count = n ? (size_t)get_num(n) : 0;
    l->items = NULL;
    l->n = 0;
    if (count > (size_t)(r->end - r->p)) r->bad = true;
    if (r->bad || count == 0) return;
    l->items = count <= KV_LOCAL ? local : corral_xcalloc(count, sizeof(*l->items));
    for (size_t i = 0; i < count && !r->bad; i++) {
        l->items[i].key = (char *)get_str(r);
        l->items[i].value = (char *)get_str(r);
        l->items[i].line = 0;
        l->n++;
    }
}

/* The request back from the bytes; the strings point into `msg`. false when malformed. */
static bool decode_req(const void *msg, size_t len, decoded_t *d)
{
    reader_t r = {.p = msg, .end = (const char *)msg + len};
    corral_action_req_t *req = &d->req;
    memset(req, 0, sizeof(*req));
    req->agent = get_str(&r);
    const char *kind = get_str(&r);
    req->kind = kind && *kind == 'f' ? CORRAL_AGENT_FENCE : CORRAL_AGENT_RESOURCE;
    req->instance = get_str(&r);
    req->node = get_str(&r);
    req->action = get_str(&r);
    const char *iv = get_str(&r), *to = get_str(&r);
    req->interval_ms = (uint32_t)get_num(iv);
    req->timeout_ms = (uint32_t)get_num(to);
    req->target = get_str(&r);
    req->plug = get_str(&r);
    get_kv(&r, &d->params, d->local[0]);
    get_kv(&r, &d->meta, d->local[1]);
    req->params = &d->params;
    req->meta = &d->meta;
    return !r.bad && req->agent && req->action;
}

static void decoded_free(decoded_t *d)
{
    if (d->params.items != d->local[0]) free(d->params.items);
    if (d->meta.items != d->local[1]) free(d->meta.items);
}

/* In the fork server, before the fork: load and describe the agent once, for every child. */
static int server_prepare(void *ctx, const void *msg, size_t len)
{
    corral_registry_t *reg = ctx;
    decoded_t d;
    if (!decode_req(msg, len, &d)) {
        decoded_free(&d);
        return -EPROTO;
    }
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = corral_registry_describe(reg, d.req.agent, d.req.kind, &info, &err);
    free(err);
    decoded_free(&d);
    return rc;
}

/* In the fork server's child. */
static int server_child(void *ctx, const void *msg, size_t len, int result_fd)
{
    corral_registry_t *reg = ctx;
    decoded_t d;
    if (!decode_req(msg, len, &d)) {
        corral_job_send_reason(result_fd, "the fork server got a malformed request");
        return CORRAL_OCF_ERR_GENERIC;
    }
    struct action_ctx c = {.reg = reg, .req = &d.req};
    char *err = NULL;
    if (corral_registry_describe(reg, d.req.agent, d.req.kind, &c.info, &err) < 0) c.info = NULL;
    free(err);
    int rc = action_child(&c, result_fd);
    decoded_free(&d);
    return rc;
}

/* The registry settings a fork server program gets as arguments, in this order. */
static const char *const setting_keys[] = {"plugin-path", "lua-path", "ocf-root",
                                           "fence-agents-path", "state-dir"};
#define N_SETTINGS (sizeof(setting_keys) / sizeof(setting_keys[0]))

/*
 * The fork server program: $CORRAL_FORKSRV (set but empty: none), else
 * corral-forksrv beside this program (the build tree), else the installed
 * one. NULL when there is none.
 */
static char *forksrv_path(void)
{
    const char *env = getenv("CORRAL_FORKSRV");
    if (env) return *env && access(env, X_OK) == 0 ? corral_xstrdup(env) : NULL;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            char *p = corral_xasprintf("%s/corral-forksrv", self);
            if (access(p, X_OK) == 0) return p;
            free(p);
        }
    }
    return access(CORRAL_FORKSRV_PATH, X_OK) == 0 ? corral_xstrdup(CORRAL_FORKSRV_PATH) : NULL;
}

int corral_action_forkserver_new(corral_registry_t *reg, corral_forkserver_t **fs_out)
{
    if (!reg || !fs_out) return -EINVAL;
    /* Agents compiled into this program exist only in a fork of it. */
    char *path = corral__registry_n_builtin(reg) == 0 ? forksrv_path() : NULL;
    if (path) {
        const char *args[2 + 2 * N_SETTINGS + 1];
        size_t n = 0;
        args[n++] = "--version";
        args[n++] = CORRAL_VERSION;
        for (size_t i = 0; i < N_SETTINGS; i++) {
            const char *v = corral_registry_setting(reg, setting_keys[i]);
            args[n++] = setting_keys[i];
            args[n++] = v ? v : "";
        }
        args[n] = NULL;
        int rc = corral_forkserver_exec(path, args, fs_out);
        if (rc == 0) {
            free(path);
            return 0;
        }
        corral_warn("fork server: cannot start %s: %s; forking the server from this process", path,
                    strerror(-rc));
        free(path);
    }
    return corral_forkserver_new(server_prepare, server_child, reg, fs_out);
}

int corral_action_forkserver_main(int argc, char **argv)
{
    const char *v[N_SETTINGS] = {NULL};
    bool version_ok = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--version")) version_ok = !strcmp(argv[i + 1], CORRAL_VERSION);
        for (size_t k = 0; k < N_SETTINGS; k++)
            if (!strcmp(argv[i], setting_keys[k])) v[k] = argv[i + 1];
    }
    corral_log_init("corral-forksrv", CORRAL_LOG_STDERR, LOG_WARNING, NULL);
    if (!version_ok) {
        /* The daemon that started us speaks another request format. */
        corral_err("fork server: started by a corral daemon of another version; exiting");
        return 2;
    }
    /* The settings are the daemon's effective values: the same search paths, in the same order. */
    corral_registry_settings_t s = {.plugin_path = v[0],
                                    .lua_path = v[1],
                                    .ocf_root = v[2],
                                    .fence_agents_path = v[3],
                                    .state_dir = v[4]};
    corral_registry_t *reg = NULL;
    if (corral_registry_new(&s, &reg) != 0) return 1;
    corral_forkserver_serve(3, server_prepare, server_child, reg);
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
        .get_attr = req->get_attr,
        .attr_ud = req->attr_ud,
    };
    corral_buf_t msg = {0};
    if (req->forkserver) {
        /* The node is settled here, as a child forked here would see it. */
        struct utsname u;
        const char *node = req->node;
        if (!node) node = uname(&u) == 0 ? u.nodename : "localhost";
        encode_req(&msg, req, node);
        spec.forkserver = req->forkserver;
        spec.msg = msg.s;
        spec.msg_len = msg.len;
    }
    corral_job_t *job = NULL;
    rc = corral_job_start(&spec, &job);
    corral_buf_free(&msg);
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
