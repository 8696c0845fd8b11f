/*
 * The Lua bridge: agents named `lua:NAME` are scripts NAME.lua on the Lua
 * agent path. Listing and describing load a script in a fresh sandboxed
 * state under a short deadline (in the host process); running an action
 * loads it again in the action's child process, under the op's timeout.
 */
#include "lua_int.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PREFIX "lua:"

static const char *agent_path(const char *setting)
{
    if (setting && *setting) return setting;
    const char *env = getenv("CORRAL_LUA_PATH");
    return env ? env : "";
}

/* Call fn(dir) for each non-empty entry of a colon-separated path; stops
 * at the first non-zero return and returns it. */
static int each_dir(const char *path, int (*fn)(void *ud, const char *dir), void *ud)
{
    const char *p = path;
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0) {
            char *dir = strndup(p, len);
            if (!dir) return -ENOMEM;
            int rc = fn(ud, dir);
            free(dir);
            if (rc) return rc;
        }
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

static bool agent_name_ok(const char *name)
{
    if (!*name || *name == '.') return false;
    for (const char *p = name; *p; p++)
        if (*p == '/') return false;
    return true;
}

/*
 * Load `file` in a fresh state and read its agent table. 0 and *info_out
 * (and the state in *L_out when wanted, else closed); -errno and
 * *error_out otherwise.
 */
static int load_agent(corral__lua_ctx_t *ctx, const char *file, lua_State **L_out,
                      corral_agent_info_t **info_out, char **error_out)
{
    char *src = NULL;
    size_t len = 0;
    lua_State *L = NULL;
    int rc = corral__lua_read_all(file, &src, &len);
    if (rc < 0) {
        if (asprintf(error_out, "%s: %s", file, strerror(-rc)) < 0) *error_out = NULL;
        goto done;
    }
    ctx->file = file;
    L = corral__lua_state_new(ctx);
    if (!L) {
        rc = -ENOMEM;
        if (asprintf(error_out, "%s: cannot create a Lua state", file) < 0) *error_out = NULL;
        goto done;
    }
    rc = corral__lua_load_script(L, file, src, len, error_out);
    if (rc == 0) rc = corral__lua_read_agent(L, file, src, info_out, error_out);
done:
    free(src);
    if (rc == 0 && L_out)
        *L_out = L;
    else if (L)
        lua_close(L);
    return rc;
}

/* ---- list ---- */

typedef struct list_ctx {
    const corral_bridge_host_t *h;
    const char *path;
    void (*found)(void *ud, const char *agent, corral_agent_kind_t kind);
    void *ud;
    char **seen; /* "KIND:name" already reported: the first of each wins */
    size_t n_seen;
} list_ctx_t;

static bool seen_add(list_ctx_t *lc, corral_agent_kind_t kind, const char *name)
{
    char *key = NULL;
    if (asprintf(&key, "%d:%s", (int)kind, name) < 0) return false;
    for (size_t i = 0; i < lc->n_seen; i++)
        if (strcmp(lc->seen[i], key) == 0) {
            free(key);
            return false;
        }
    char **ns = realloc(lc->seen, (lc->n_seen + 1) * sizeof(*ns));
    if (!ns) {
        free(key);
        return false;
    }
    lc->seen = ns;
    lc->seen[lc->n_seen++] = key;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(void *ud, const char *dir)
{
    list_ctx_t *lc = ud;
    DIR *d = opendir(dir);
    if (!d) return 0;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= 4 || strcmp(de->d_name + len - 4, ".lua") != 0) continue;
        char **nn = realloc(names, (n + 1) * sizeof(*nn));
        if (!nn) break;
        names = nn;
        names[n] = strdup(de->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof(*names), cmp_str);

    for (size_t i = 0; i < n; i++) {
        char *file = NULL;
        struct stat st;
        if (asprintf(&file, "%s/%s", dir, names[i]) < 0) continue;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            corral__lua_ctx_t ctx = {.host = lc->h, .lua_path = lc->path};
            corral__lua_set_budget(&ctx, CORRAL_LUA_DESCRIBE_MS);
            corral_agent_info_t *info = NULL;
            char *err = NULL;
            if (load_agent(&ctx, file, NULL, &info, &err) == 0) {
                if (seen_add(lc, info->kind, info->name)) lc->found(lc->ud, info->name, info->kind);
                corral__lua_info_free(info);
            } else if (lc->h && lc->h->log) {
                /* A helper module has no agent table: not an agent, not news. */
                bool module = err && strstr(err, "no `agent` table");
                lc->h->log(lc->h, module ? CORRAL_LOG_DEBUG : CORRAL_LOG_WARNING,
                           "lua agent %s: not listed: %s", file, err ? err : "cannot load");
            }
            free(err);
        }
        free(file);
        free(names[i]);
    }
    free(names);
    return 0;
}

static int lua_list(const corral_bridge_host_t *h,
                    void (*found)(void *ud, const char *agent, corral_agent_kind_t kind), void *ud)
{
    list_ctx_t lc = {.h = h, .found = found, .ud = ud};
    lc.path = agent_path(h && h->setting ? h->setting(h, "lua-path") : NULL);
    int rc = each_dir(lc.path, list_dir, &lc);
    for (size_t i = 0; i < lc.n_seen; i++) free(lc.seen[i]);
    free(lc.seen);
    return rc;
}

/* ---- finding one agent ---- */

typedef struct find_ctx {
    const char *name;         /* without the prefix */
    const char *path;         /* the whole agent path */
    corral_agent_kind_t kind; /* 0: any */
    const corral_bridge_host_t *h;
    const corral_op_t *op; /* run: the op; describe: NULL */
    uint32_t budget_ms;
    /* results */
    lua_State *L;
    corral_agent_info_t *info;
    char *file;
    char *error;
    int rc;
    corral__lua_ctx_t *ctx;
} find_ctx_t;

static int find_in_dir(void *ud, const char *dir)
{
    find_ctx_t *fc = ud;
    char *file = NULL;
    struct stat st;
    if (asprintf(&file, "%s/%s.lua", dir, fc->name) < 0) return -ENOMEM;
    if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
        free(file);
        return 0;
    }
    /* ctx must outlive the state: it is the allocator's user data. */
    corral__lua_ctx_t *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        free(file);
        return -ENOMEM;
    }
    ctx->host = fc->h;
    ctx->op = fc->op;
    ctx->lua_path = fc->path;
    corral__lua_set_budget(ctx, fc->budget_ms);

    lua_State *L = NULL;
    corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = load_agent(ctx, file, fc->op ? &L : NULL, &info, &err);
    if (rc == 0 && fc->kind && info->kind != fc->kind) {
        /* The first of the right kind wins: keep looking. */
        corral__lua_info_free(info);
        if (L) lua_close(L);
        free(ctx);
        free(file);
        return 0;
    }
    fc->rc = rc;
    fc->file = file;
    fc->error = err;
    fc->info = info;
    fc->L = L;
    if (L)
        fc->ctx = ctx;
    else
        free(ctx);
    return 1;
}

/* 0 (found: fc->rc says whether it loaded), or -ENOENT. */
static int find_agent(find_ctx_t *fc, const char *agent)
{
    if (strncmp(agent, PREFIX, strlen(PREFIX)) != 0) return -ENOENT;
    fc->name = agent + strlen(PREFIX);
    if (!agent_name_ok(fc->name)) return -ENOENT;
    int rc = each_dir(fc->path, find_in_dir, fc);
    if (rc < 0) return rc;
    return rc == 1 ? 0 : -ENOENT;
}

static int lua_describe(const corral_bridge_host_t *h, const char *agent, corral_agent_kind_t kind,
                        corral_agent_info_t **info_out, char **error_out)
{
    find_ctx_t fc = {.kind = kind, .h = h, .budget_ms = CORRAL_LUA_DESCRIBE_MS};
    fc.path = agent_path(h && h->setting ? h->setting(h, "lua-path") : NULL);
    int rc = find_agent(&fc, agent);
    if (rc < 0) return rc;
    free(fc.file);
    if (fc.rc < 0) {
        *error_out = fc.error;
        return fc.rc == -ENOENT ? -EIO : fc.rc; /* the file exists: broken, not missing */
    }
    *info_out = fc.info;
    return 0;
}

static void lua_free_info(corral_agent_info_t *info)
{
    corral__lua_info_free(info);
}

/* ---- run ---- */

/* What an action name tells of the agent's kind (0: either). */
static corral_agent_kind_t kind_of_action(const char *action)
{
    static const char *const fence[] = {"off", "on", "reboot", "status", "list", NULL};
    static const char *const resource[] = {"start",    "stop",         "promote",    "demote",
                                           "reload",   "notify",       "migrate_to", "migrate_from",
                                           "validate", "validate-all", NULL};
    for (int i = 0; fence[i]; i++)
        if (strcmp(action, fence[i]) == 0) return CORRAL_AGENT_FENCE;
    for (int i = 0; resource[i]; i++)
        if (strcmp(action, resource[i]) == 0) return CORRAL_AGENT_RESOURCE;
    return 0;
}

/* The params table: configured values, then the declared defaults. May raise. */
static void push_params(lua_State *L, const corral_op_t *op, const corral_agent_info_t *info)
{
    lua_newtable(L);
    const char *k, *v;
    for (size_t i = 0; op->param_at && op->param_at(op, i, &k, &v) == 0; i++) {
        if (!k || !v) continue;
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
    for (const corral_param_spec_t *p = info->params; p && p->name; p++) {
        if (lua_getfield(L, -1, p->name) != LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 1);
        const char *val = op->param ? op->param(op, p->name) : NULL;
        if (!val) val = p->default_value;
        if (!val) continue;
        lua_pushstring(L, val);
        lua_setfield(L, -2, p->name);
    }
}

/* An action's first result as an OCF code; a second string result is the
 * exit reason. */
static int result_code(lua_State *L, const corral_op_t *op, const char *fn, int base)
{
    int nres = lua_gettop(L) - base;
    int rc;
    int isnum = 0;
    lua_Integer v = nres >= 1 ? lua_tointegerx(L, base + 1, &isnum) : 0;
    if (nres >= 1 && lua_type(L, base + 1) == LUA_TNUMBER && isnum) {
        if (v < 0 || v > 255) {
            op->set_exit_reason(op, "%s() returned %lld, not an OCF code", fn, (long long)v);
            rc = CORRAL_OCF_ERR_GENERIC;
        } else {
            rc = (int)v;
        }
    } else if (nres >= 1 && lua_isboolean(L, base + 1)) {
        rc = lua_toboolean(L, base + 1) ? CORRAL_OCF_SUCCESS : CORRAL_OCF_ERR_GENERIC;
        if (rc) op->set_exit_reason(op, "%s() returned false", fn);
    } else {
        op->set_exit_reason(op, "%s() returned %s, not an OCF code (return corral.OK, ...)", fn,
                            nres >= 1 ? luaL_typename(L, base + 1) : "nothing");
        rc = CORRAL_OCF_ERR_GENERIC;
    }
    /* A second string result explains a failure; success needs no reason. */
    if (rc != CORRAL_OCF_SUCCESS && nres >= 2 && lua_type(L, base + 2) == LUA_TSTRING)
        op->set_exit_reason(op, "%s", lua_tostring(L, base + 2));
    lua_settop(L, base);
    return rc;
}

/* The first line of a Lua error (the traceback goes to the log). */
static void report_error(lua_State *L, const corral_op_t *op, const char *fn, int st,
                         const corral__lua_ctx_t *ctx, const char *file)
{
    if (st == LUA_ERRMEM) {
        op->set_exit_reason(op, "%s: %s() ran out of memory (the cap is %zu MiB)", file, fn,
                            ctx->mem_cap >> 20);
        op->log(op, CORRAL_LOG_ERROR, "%s() ran out of memory (cap %zu MiB)", fn,
                ctx->mem_cap >> 20);
        return;
    }
    const char *msg = lua_tostring(L, -1);
    if (!msg) msg = "error object is not a string";
    size_t first = strcspn(msg, "\n");
    op->set_exit_reason(op, "%.*s", (int)first, msg);
    op->log(op, CORRAL_LOG_ERROR, "%s() failed: %s", fn, msg);
}

/* Push the action's function by name, or return false. */
static bool get_action(lua_State *L, const char *name)
{
    /* Raw: a script's own metatable on _G (strict mode) must not raise here. */
    lua_pushglobaltable(L);
    lua_pushstring(L, name);
    int ty = lua_rawget(L, -2);
    lua_remove(L, -2);
    if (ty == LUA_TFUNCTION) return true;
    lua_pop(L, 1);
    return false;
}

/* Call f(args...) left on the stack by the caller; returns the OCF code. */
static int call_action(lua_State *L, const corral_op_t *op, const corral__lua_ctx_t *ctx,
                       const char *file, const char *fn, int nargs)
{
    int base = lua_gettop(L) - nargs - 1;
    int st = corral__lua_pcall(L, nargs, LUA_MULTRET);
    if (st != LUA_OK) {
        report_error(L, op, fn, st, ctx, file);
        lua_settop(L, base);
        return CORRAL_OCF_ERR_GENERIC;
    }
    return result_code(L, op, fn, base);
}

/* Split a string of targets on whitespace and commas into op->output lines. */
static void output_words(const corral_op_t *op, const char *s)
{
    while (*s) {
        size_t skip = strspn(s, " \t\r\n,");
        s += skip;
        size_t len = strcspn(s, " \t\r\n,");
        if (!len) break;
        char *w = strndup(s, len);
        if (w) op->output(op, w);
        free(w);
        s += len;
    }
}

/* fence list(p): a table of targets, or a string of them; an optional OCF code second. */
static int run_list(lua_State *L, const corral_op_t *op, const corral__lua_ctx_t *ctx,
                    const char *file)
{
    int base = lua_gettop(L) - 2;
    int st = corral__lua_pcall(L, 1, LUA_MULTRET);
    if (st != LUA_OK) {
        report_error(L, op, "list", st, ctx, file);
        lua_settop(L, base);
        return CORRAL_OCF_ERR_GENERIC;
    }
    int nres = lua_gettop(L) - base;
    if (nres >= 1 && (lua_istable(L, base + 1) || lua_type(L, base + 1) == LUA_TSTRING)) {
        if (lua_istable(L, base + 1)) {
            lua_Integer n = (lua_Integer)lua_rawlen(L, base + 1);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, base + 1, i);
                const char *t = lua_tostring(L, -1);
                if (t) output_words(op, t);
                lua_pop(L, 1);
            }
        } else {
            output_words(op, lua_tostring(L, base + 1));
        }
        int rc = CORRAL_OCF_SUCCESS;
        if (nres >= 2 && lua_isinteger(L, base + 2)) rc = (int)lua_tointeger(L, base + 2);
        lua_settop(L, base);
        return rc;
    }
    return result_code(L, op, "list", base);
}

static int missing_action(const corral_op_t *op, const corral_agent_info_t *info, const char *fn)
{
    op->set_exit_reason(op, "%s defines no %s() action", info->name, fn);
    return CORRAL_OCF_UNIMPLEMENTED;
}

static int run_action(lua_State *L, const corral_op_t *op, const corral__lua_ctx_t *ctx,
                      const char *file, const corral_agent_info_t *info)
{
    const char *action = op->action;
    const char *fn = strcmp(action, "validate-all") == 0 ? "validate" : action;
    bool fence = info->kind == CORRAL_AGENT_FENCE;
    const char *victim = op->plug ? op->plug : op->target;

    if (strcmp(action, "meta-data") == 0) {
        corral__lua_emit_metadata(op, info);
        return CORRAL_OCF_SUCCESS;
    }
    if (!kind_of_action(action) && strcmp(action, "monitor") != 0)
        return missing_action(op, info, action);
    if (kind_of_action(action) && kind_of_action(action) != info->kind)
        return missing_action(op, info, action);

    if (fence && (!strcmp(fn, "off") || !strcmp(fn, "on") || !strcmp(fn, "reboot") ||
                  !strcmp(fn, "status"))) {
        if (!victim) {
            op->set_exit_reason(op, "%s: %s needs a target node", info->name, fn);
            return CORRAL_OCF_ERR_ARGS;
        }
        if (!get_action(L, fn)) {
            if (strcmp(fn, "reboot") != 0) return missing_action(op, info, fn);
            /* reboot without its own function: off, then on when there is one. */
            get_action(L, "off");
            lua_pushstring(L, victim);
            push_params(L, op, info);
            int rc = call_action(L, op, ctx, file, "off", 2);
            if (rc != CORRAL_OCF_SUCCESS || !get_action(L, "on")) return rc;
            lua_pushstring(L, victim);
            push_params(L, op, info);
            int on = call_action(L, op, ctx, file, "on", 2);
            if (on != CORRAL_OCF_SUCCESS)
                op->log(op, CORRAL_LOG_WARNING, "reboot of %s: off done, on failed (rc=%d)", victim,
                        on);
            return CORRAL_OCF_SUCCESS; /* the target was fenced: it went off */
        }
        lua_pushstring(L, victim);
        push_params(L, op, info);
        return call_action(L, op, ctx, file, fn, 2);
    }
    if (fence && !strcmp(fn, "list")) {
        if (!get_action(L, "list")) return missing_action(op, info, "list");
        push_params(L, op, info);
        return run_list(L, op, ctx, file);
    }
    if (!get_action(L, fn)) {
        if (!strcmp(fn, "monitor") && fence) return CORRAL_OCF_SUCCESS; /* nothing to check */
        if (!strcmp(fn, "validate")) {
            /* No validate(): check what the metadata can. */
            for (const corral_param_spec_t *p = info->params; p && p->name; p++) {
                const char *v = op->param ? op->param(op, p->name) : NULL;
                if (p->required && !v) {
                    op->set_exit_reason(op, "parameter '%s' is required", p->name);
                    return CORRAL_OCF_NOT_CONFIGURED;
                }
                const char *why = v ? corral__lua_check_type(p->type, v) : NULL;
                if (why) {
                    op->set_exit_reason(op, "parameter '%s': '%s' is %s", p->name, v, why);
                    return CORRAL_OCF_ERR_ARGS;
                }
            }
            return CORRAL_OCF_SUCCESS;
        }
        return missing_action(op, info, fn);
    }
    push_params(L, op, info);
    return call_action(L, op, ctx, file, fn, 1);
}

/* Everything that may raise runs under lua_pcall: this is its body. */
typedef struct run_args {
    const corral_op_t *op;
    const corral__lua_ctx_t *ctx;
    const char *file;
    const corral_agent_info_t *info;
    int rc;
} run_args_t;

static int run_protected(lua_State *L)
{
    run_args_t *ra = lua_touserdata(L, 1);
    lua_settop(L, 0);
    ra->rc = run_action(L, ra->op, ra->ctx, ra->file, ra->info);
    return 0;
}

static int lua_run(const corral_op_t *op)
{
    uint32_t timeout = op->timeout_ms ? op->timeout_ms : 20000;
    /* Stop a runaway script a little before the host kills the whole
     * process group, so that the exit reason can say where it was. */
    uint32_t margin = timeout / 10 < 1000 ? timeout / 10 : 1000;
    find_ctx_t fc = {.h = NULL, .op = op, .budget_ms = timeout - margin};
    fc.path = agent_path(op->setting ? op->setting(op, "lua-path") : NULL);
    fc.kind = kind_of_action(op->action);

    int rc = find_agent(&fc, op->agent);
    if (rc < 0) {
        op->set_exit_reason(op, "%s: no %s.lua on the Lua agent path (%s)", op->agent,
                            fc.name ? fc.name : op->agent, *fc.path ? fc.path : "empty");
        return CORRAL_OCF_NOT_INSTALLED;
    }
    if (fc.rc < 0) {
        op->set_exit_reason(op, "%s", fc.error ? fc.error : "cannot load the script");
        op->log(op, CORRAL_LOG_ERROR, "%s", fc.error ? fc.error : "cannot load the script");
        free(fc.error);
        free(fc.file);
        return CORRAL_OCF_ERR_GENERIC;
    }

    run_args_t ra = {
        .op = op, .ctx = fc.ctx, .file = fc.file, .info = fc.info, .rc = CORRAL_OCF_ERR_GENERIC};
    lua_pushcfunction(fc.L, run_protected);
    lua_pushlightuserdata(fc.L, &ra);
    int st = lua_pcall(fc.L, 1, 0, 0);
    if (st != LUA_OK) {
        report_error(fc.L, op, op->action, st, fc.ctx, fc.file);
        ra.rc = CORRAL_OCF_ERR_GENERIC;
    }
    lua_close(fc.L);
    corral__lua_info_free(fc.info);
    free(fc.ctx);
    free(fc.file);
    return ra.rc;
}

const corral_bridge_plugin_t corral_bridge_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_bridge_plugin_t),
    .name = "lua",
    .version = "1.0",
    .description = "Lua 5.4 agents (lua:NAME), run in a sandboxed state per action",
    .list = lua_list,
    .describe = lua_describe,
    .free_info = lua_free_info,
    .run = lua_run,
};
