/*
 * The `agent` table of a Lua agent: read, checked and turned into a
 * corral_agent_info_t; and the meta-data XML made from it. Errors point at
 * the line of the offending field, found in the script's text between the
 * `agent =` line and the end of that statement (Lua keeps no line numbers
 * for table fields).
 */
#include "lua_int.h"

#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"string", "integer", "boolean", "duration", NULL};

static const struct {
    const char *name;
    unsigned bit;
    int kind; /* 0: both kinds */
} actions[] = {
    {"start", CORRAL_ACT_START, CORRAL_AGENT_RESOURCE},
    {"stop", CORRAL_ACT_STOP, CORRAL_AGENT_RESOURCE},
    {"monitor", CORRAL_ACT_MONITOR, 0},
    {"validate", CORRAL_ACT_VALIDATE, CORRAL_AGENT_RESOURCE},
    {"promote", CORRAL_ACT_PROMOTE, CORRAL_AGENT_RESOURCE},
    {"demote", CORRAL_ACT_DEMOTE, CORRAL_AGENT_RESOURCE},
    {"reload", CORRAL_ACT_RELOAD, CORRAL_AGENT_RESOURCE},
    {"notify", CORRAL_ACT_NOTIFY, CORRAL_AGENT_RESOURCE},
    {"migrate_to", CORRAL_ACT_MIGRATE_TO, CORRAL_AGENT_RESOURCE},
    {"migrate_from", CORRAL_ACT_MIGRATE_FROM, CORRAL_AGENT_RESOURCE},
    {"off", CORRAL_ACT_OFF, CORRAL_AGENT_FENCE},
    {"on", CORRAL_ACT_ON, CORRAL_AGENT_FENCE},
    {"reboot", CORRAL_ACT_REBOOT, CORRAL_AGENT_FENCE},
    {"status", CORRAL_ACT_STATUS, CORRAL_AGENT_FENCE},
    {"list", CORRAL_ACT_LIST, CORRAL_AGENT_FENCE},
};

static const char *const required_resource[] = {"start", "stop", "monitor", NULL};
static const char *const required_fence[] = {"off", "status", NULL};

/* ---- value checks ---- */

static bool is_integer(const char *v)
{
    if (*v == '+' || *v == '-') v++;
    if (!*v) return false;
    for (; *v; v++)
        if (!isdigit((unsigned char)*v)) return false;
    return true;
}

static bool is_boolean(const char *v)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "1", "0", NULL};
    for (int i = 0; words[i]; i++)
        if (strcasecmp(v, words[i]) == 0) return true;
    return false;
}

static bool is_duration(const char *v)
{
    const char *p = v;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
    return !*p || !strcmp(p, "ms") || !strcmp(p, "s") || !strcmp(p, "min") || !strcmp(p, "h");
}

const char *corral__lua_check_type(corral_param_type_t type, const char *value)
{
    switch (type) {
    case CORRAL_PARAM_INTEGER:
        return is_integer(value) ? NULL : "not an integer";
    case CORRAL_PARAM_BOOLEAN:
        return is_boolean(value) ? NULL : "not a boolean (true/false/yes/no/on/off/1/0)";
    case CORRAL_PARAM_DURATION:
        return is_duration(value) ? NULL : "not a duration (500ms, 10s, 5min, 1h, or seconds)";
    case CORRAL_PARAM_STRING:
        break;
    }
    return NULL;
}

/* ---- line finding in the source text ---- */

typedef struct reader {
    const char *file;
    const char *src;
    int start; /* first line of the agent statement */
    int end;   /* its last line */
    corral_agent_info_t *info;
    char *error;
} reader_t;

/* Line n (1-based) of src: its start and length; false past the end. */
static bool line_of(const char *src, int n, const char **s_out, size_t *len_out)
{
    const char *p = src;
    for (int i = 1; i < n; i++) {
        p = strchr(p, '\n');
        if (!p) return false;
        p++;
    }
    const char *nl = strchr(p, '\n');
    *s_out = p;
    *len_out = nl ? (size_t)(nl - p) : strlen(p);
    return true;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Does the line assign `key` (`key =` or `["key"] =`, or `function key(`)? */
static bool line_has_key(const char *s, size_t len, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen <= len; i++) {
        if (memcmp(s + i, key, klen) != 0) continue;
        size_t j = i + klen;
        bool quoted = i >= 2 && s[i - 1] == '"' && s[i - 2] == '[' && j + 1 < len && s[j] == '"' &&
                      s[j + 1] == ']';
        if (quoted)
            j += 2;
        else if ((i > 0 && ident_char(s[i - 1])) || (j < len && ident_char(s[j])))
            continue;
        while (j < len && (s[j] == ' ' || s[j] == '\t')) j++;
        if (j < len && s[j] == '=' && (j + 1 >= len || s[j + 1] != '=')) return true;
        if (j < len && s[j] == '(' && i >= 9 && !quoted) {
            size_t k = i;
            while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) k--;
            if (k >= 8 && memcmp(s + k - 8, "function", 8) == 0) return true;
        }
    }
    return false;
}

/* First line in [from, to] (to <= 0: the end) that assigns key; 0 if none. */
static int find_key(const char *src, int from, int to, const char *key)
{
    const char *s;
    size_t len;
    for (int n = from > 0 ? from : 1; (to <= 0 || n <= to) && line_of(src, n, &s, &len); n++)
        if (line_has_key(s, len, key)) return n;
    return 0;
}

/* The line of agent field `key` (inside param `param` when not NULL). */
static int field_line(const reader_t *r, const char *param, const char *key)
{
    int from = r->start;
    if (param) {
        int pl = find_key(r->src, r->start, r->end, "params");
        int l = find_key(r->src, pl ? pl : r->start, r->end, param);
        if (!l) return r->start;
        if (!key) return l;
        from = l;
    }
    int l = key ? find_key(r->src, from, r->end, key) : 0;
    return l ? l : (param ? from : r->start);
}

static int fail(reader_t *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(reader_t *r, int line, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (!r->error && asprintf(&r->error, "%s:%d: %s", r->file, line > 0 ? line : 1,
                              msg ? msg : "bad metadata") < 0)
        r->error = NULL;
    free(msg);
    return -EINVAL;
}

/* ---- reading the table (inside lua_pcall: pushes may raise on memory) ---- */

static char *xdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort(); /* as corral_xstrdup: no sane recovery */
    return d;
}

/* A scalar as a string (strings, numbers, booleans); NULL otherwise. */
static char *scalar_string(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return xdup(lua_tostring(L, idx));
    case LUA_TBOOLEAN:
        return xdup(lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TNUMBER: {
        lua_pushvalue(L, idx); /* tostring converts in place: work on a copy */
        char *s = xdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        return s;
    }
    default:
        return NULL;
    }
}

static int read_bool(reader_t *r, lua_State *L, int idx, const char *param, const char *key,
                     int *out)
{
    if (lua_isnil(L, idx)) return 0;
    if (!lua_isboolean(L, idx))
        return fail(r, field_line(r, param, key),
                    "parameter '%s': %s must be true or false, not %s", param, key,
                    luaL_typename(L, idx));
    *out = lua_toboolean(L, idx);
    return 0;
}

static int read_param(reader_t *r, lua_State *L, corral_param_spec_t *spec)
{
    static const char *const known[] = {"type",   "required",   "default", "description",
                                        "unique", "reloadable", NULL};
    const char *pname = spec->name;
    int t = lua_gettop(L);

    if (!lua_istable(L, t))
        return fail(r, field_line(r, pname, NULL),
                    "parameter '%s' must be a table {type=, required=, default=, description=}",
                    pname);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; known[i]; i++) ok |= strcmp(lua_tostring(L, -1), known[i]) == 0;
        if (!ok) {
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            int line = field_line(r, pname, k);
            return fail(r, line,
                        "parameter '%s': unknown field '%s' (known: type, required, default, "
                        "description, unique, reloadable)",
                        pname, k);
        }
    }

    lua_getfield(L, t, "type");
    if (!lua_isnil(L, -1)) {
        const char *ty = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int found = -1;
        for (int i = 0; ty && type_names[i]; i++)
            if (strcmp(ty, type_names[i]) == 0) found = i;
        if (found < 0)
            return fail(r, field_line(r, pname, "type"),
                        "parameter '%s': type must be one of string, integer, boolean, duration",
                        pname);
        spec->type = (corral_param_type_t)found;
    }
    lua_pop(L, 1);

    lua_getfield(L, t, "required");
    int rc = read_bool(r, L, -1, pname, "required", &spec->required);
    lua_pop(L, 1);
    if (rc) return rc;
    lua_getfield(L, t, "unique");
    rc = read_bool(r, L, -1, pname, "unique", &spec->unique);
    lua_pop(L, 1);
    if (rc) return rc;
    lua_getfield(L, t, "reloadable");
    rc = read_bool(r, L, -1, pname, "reloadable", &spec->reloadable);
    lua_pop(L, 1);
    if (rc) return rc;

    lua_getfield(L, t, "description");
    if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
        return fail(r, field_line(r, pname, "description"),
                    "parameter '%s': description must be a string", pname);
    spec->description = xdup(lua_tostring(L, -1));
    lua_pop(L, 1);

    lua_getfield(L, t, "default");
    if (!lua_isnil(L, -1)) {
        char *def = scalar_string(L, -1);
        if (!def)
            return fail(r, field_line(r, pname, "default"),
                        "parameter '%s': default must be a string, number or boolean", pname);
        spec->default_value = def;
        const char *why = corral__lua_check_type(spec->type, def);
        if (why)
            return fail(r, field_line(r, pname, "default"), "parameter '%s': default '%s' is %s",
                        pname, def, why);
    }
    lua_pop(L, 1);
    return 0;
}

static bool param_name_ok(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_') return false;
    for (; *s; s++)
        if (!ident_char(*s) && *s != '-') return false;
    return true;
}

static int cmp_params(const void *a, const void *b)
{
    return strcmp(((const corral_param_spec_t *)a)->name, ((const corral_param_spec_t *)b)->name);
}

static int read_params(reader_t *r, lua_State *L, int t)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        n++;
    }
    corral_param_spec_t *params = calloc(n + 1, sizeof(*params));
    if (!params) abort();
    r->info->params = params; /* owned by info from here: freed with it on failure */

    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -2) != LUA_TSTRING || !param_name_ok(lua_tostring(L, -2))) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            return fail(r, field_line(r, NULL, "params"),
                        "params: '%s' is not a parameter name (a letter or _, then letters, "
                        "digits, _ or -)",
                        k ? k : luaL_typename(L, -2));
        }
        params[i].name = xdup(lua_tostring(L, -2));
        params[i].type = CORRAL_PARAM_STRING;
        int rc = read_param(r, L, &params[i]);
        i++;
        if (rc) return rc;
        lua_pop(L, 1);
    }
    if (i > 1) qsort(params, i, sizeof(*params), cmp_params);
    return 0;
}

static int read_string_field(reader_t *r, lua_State *L, int t, const char *key, char **out,
                             const char *dflt)
{
    lua_getfield(L, t, key);
    char *v = NULL;
    if (lua_type(L, -1) == LUA_TSTRING ||
        (lua_type(L, -1) == LUA_TNUMBER && !strcmp(key, "version")))
        v = scalar_string(L, -1);
    else if (!lua_isnil(L, -1))
        return fail(r, field_line(r, NULL, key), "agent.%s must be a string, not %s", key,
                    luaL_typename(L, -1));
    lua_pop(L, 1);
    *out = v ? v : xdup(dflt);
    return 0;
}

/* The agent's name from its file: /dir/ping.lua -> ping. */
static char *base_name(const char *file)
{
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    size_t len = strlen(b);
    if (len > 4 && strcmp(b + len - 4, ".lua") == 0) len -= 4;
    char *s = strndup(b, len);
    if (!s) abort();
    return s;
}

static int read_agent_protected(lua_State *L)
{
    reader_t *r = lua_touserdata(L, 1);
    static const char *const known[] = {"name", "version", "description", "kind", "params", NULL};
    char *base = base_name(r->file);
    int rc = 0;

    corral_agent_info_t *info = calloc(1, sizeof(*info));
    if (!info) abort();
    r->info = info;
    if (asprintf(&info->name, "lua:%s", base) < 0) abort();
    info->source = xdup(r->file);

    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    if ((lua_pushliteral(L, "agent"), lua_rawget(L, g)) != LUA_TTABLE) {
        rc = lua_isnil(L, -1)
                 ? fail(r, 1,
                        "no `agent` table: a Lua agent declares agent = "
                        "{ name=, version=, description=, kind=, params= }")
                 : fail(r, r->start, "`agent` must be a table, not %s", luaL_typename(L, -1));
        goto done;
    }
    int t = lua_gettop(L);

    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; known[i]; i++) ok |= strcmp(lua_tostring(L, -1), known[i]) == 0;
        if (!ok) {
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            rc = fail(r, field_line(r, NULL, k),
                      "agent: unknown field '%s' (known: name, version, description, kind, "
                      "params)",
                      k);
            goto done;
        }
    }

    lua_getfield(L, t, "name");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), base) != 0) {
            rc = fail(r, field_line(r, NULL, "name"),
                      "agent.name must be \"%s\", the file's name (config names it lua:%s)", base,
                      base);
            goto done;
        }
    }
    lua_pop(L, 1);
    if ((rc = read_string_field(r, L, t, "version", &info->version, "0")) ||
        (rc = read_string_field(r, L, t, "description", &info->description, "")))
        goto done;

    lua_getfield(L, t, "kind");
    const char *kind = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (kind && strcmp(kind, "resource") == 0) {
        info->kind = CORRAL_AGENT_RESOURCE;
    } else if (kind && strcmp(kind, "fence") == 0) {
        info->kind = CORRAL_AGENT_FENCE;
    } else {
        rc = fail(r, lua_isnil(L, -1) ? r->start : field_line(r, NULL, "kind"),
                  "agent.kind must be \"resource\" or \"fence\"");
        goto done;
    }
    lua_pop(L, 1);

    if (lua_getfield(L, t, "params") == LUA_TNIL) {
        info->params = calloc(1, sizeof(*info->params));
        if (!info->params) abort();
    } else if (!lua_istable(L, -1)) {
        rc = fail(r, field_line(r, NULL, "params"),
                  "agent.params must be a table of NAME = { type=, required=, default=, "
                  "description= }");
        goto done;
    } else if ((rc = read_params(r, L, lua_gettop(L)))) {
        goto done;
    }
    lua_pop(L, 1);

    /* The action functions. */
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (actions[i].kind && actions[i].kind != (int)info->kind) continue;
        lua_pushstring(L, actions[i].name);
        int ty = lua_rawget(L, g);
        if (ty == LUA_TFUNCTION) {
            info->actions |= actions[i].bit;
        } else if (ty != LUA_TNIL) {
            int line = find_key(r->src, 1, 0, actions[i].name);
            rc = fail(r, line, "%s must be a function, not %s", actions[i].name,
                      lua_typename(L, ty));
            goto done;
        }
        lua_pop(L, 1);
    }
    const char *const *req = info->kind == CORRAL_AGENT_FENCE ? required_fence : required_resource;
    for (int i = 0; req[i]; i++) {
        lua_pushstring(L, req[i]);
        if (lua_rawget(L, g) != LUA_TFUNCTION) {
            rc = fail(r, r->start, "%s agent '%s' defines no function %s() (required: %s)",
                      info->kind == CORRAL_AGENT_FENCE ? "fence" : "resource", base, req[i],
                      info->kind == CORRAL_AGENT_FENCE ? "off, status" : "start, stop, monitor");
            goto done;
        }
        lua_pop(L, 1);
    }
    /* Answered by the host when the script has no function for them. */
    if (info->kind == CORRAL_AGENT_FENCE)
        info->actions |= CORRAL_ACT_REBOOT | CORRAL_ACT_MONITOR;
    else
        info->actions |= CORRAL_ACT_VALIDATE;
done:
    free(base);
    lua_pushinteger(L, rc);
    return 1;
}

/* The first line of the statement that ended at line `end` and assigns agent. */
static int statement_start(const char *src, int end)
{
    const char *s;
    size_t len;
    for (int n = end; n >= 1; n--) {
        if (!line_of(src, n, &s, &len)) continue;
        size_t i = 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
        if (len - i >= 5 && memcmp(s + i, "agent", 5) == 0 && line_has_key(s + i, len - i, "agent"))
            return n;
    }
    return end;
}

int corral__lua_read_agent(lua_State *L, const char *file, const char *src,
                           corral_agent_info_t **info_out, char **error_out)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    reader_t r = {.file = file, .src = src};
    r.end = ctx->agent_line;
    r.start = r.end ? statement_start(src, r.end) : 1;
    if (!r.end) r.end = r.start;

    lua_pushcfunction(L, read_agent_protected);
    lua_pushlightuserdata(L, &r);
    int st = lua_pcall(L, 1, 1, 0);
    int rc = st == LUA_OK ? (int)lua_tointeger(L, -1) : -EINVAL;
    /* A raise inside: memory, the deadline, or a metamethod of the table. */
    if (st != LUA_OK && !r.error) {
        const char *msg = st == LUA_ERRMEM ? NULL : lua_tostring(L, -1);
        if (asprintf(&r.error, "%s:%d: reading the agent table: %s", file, r.start,
                     msg ? msg : "out of memory") < 0)
            r.error = NULL;
    }
    lua_pop(L, 1);
    if (rc == 0) {
        *info_out = r.info;
        return 0;
    }
    corral__lua_info_free(r.info);
    *error_out = r.error;
    return -EINVAL;
}

void corral__lua_info_free(corral_agent_info_t *info)
{
    if (!info) return;
    for (corral_param_spec_t *p = info->params; p && p->name; p++) {
        free((char *)p->name);
        free((char *)p->default_value);
        free((char *)p->description);
    }
    free(info->params);
    free(info->name);
    free(info->version);
    free(info->description);
    free(info->source);
    free(info);
}

/* ---- meta-data ---- */

static void xml_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 7 < cap; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            out[o++] = *s;
            continue;
        }
        size_t rl = strlen(rep);
        memcpy(out + o, rep, rl);
        o += rl;
    }
    out[o] = '\0';
}

static void emit(const corral_op_t *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(const corral_op_t *op, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    op->output(op, line);
}

void corral__lua_emit_metadata(const corral_op_t *op, const corral_agent_info_t *info)
{
    char a[1024], b[1024], c[1024];
    char first[1024];
    const char *desc = info->description ? info->description : "";
    size_t fl = strcspn(desc, "\n");
    snprintf(first, sizeof(first), "%.*s", (int)fl, desc);

    emit(op, "<?xml version=\"1.0\"?>");
    xml_escape(a, sizeof(a), info->name);
    xml_escape(b, sizeof(b), info->version);
    emit(op, "<%s name=\"%s\" version=\"%s\">",
         info->kind == CORRAL_AGENT_FENCE ? "resource-agent class=\"fence\"" : "resource-agent", a,
         b);
    emit(op, "  <version>1.1</version>");
    xml_escape(a, sizeof(a), desc);
    xml_escape(b, sizeof(b), first);
    emit(op, "  <longdesc lang=\"en\">%s</longdesc>", a);
    emit(op, "  <shortdesc lang=\"en\">%s</shortdesc>", b);
    emit(op, "  <parameters>");
    for (const corral_param_spec_t *p = info->params; p && p->name; p++) {
        xml_escape(a, sizeof(a), p->name);
        emit(op, "    <parameter name=\"%s\" required=\"%d\" unique=\"%d\" reloadable=\"%d\">", a,
             p->required ? 1 : 0, p->unique ? 1 : 0, p->reloadable ? 1 : 0);
        xml_escape(b, sizeof(b), p->description);
        emit(op, "      <longdesc lang=\"en\">%s</longdesc>", b);
        emit(op, "      <shortdesc lang=\"en\">%s</shortdesc>", b);
        xml_escape(c, sizeof(c), p->default_value);
        if (p->default_value)
            emit(op, "      <content type=\"%s\" default=\"%s\"/>", type_names[p->type], c);
        else
            emit(op, "      <content type=\"%s\"/>", type_names[p->type]);
        emit(op, "    </parameter>");
    }
    emit(op, "  </parameters>");
    emit(op, "  <actions>");
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (info->actions & actions[i].bit)
            emit(op, "    <action name=\"%s\" timeout=\"20s\"/>", actions[i].name);
    emit(op, "    <action name=\"meta-data\" timeout=\"5s\"/>");
    emit(op, "  </actions>");
    emit(op, "</resource-agent>");
}
