/*
 * The sandboxed Lua state: an allow-list of standard libraries, a memory cap
 * through the allocator, a deadline through an instruction-count hook, and
 * guarded versions of the few base functions that could leave the sandbox
 * (load of binary chunks, require outside the agent path) or defeat the
 * deadline (a pcall that swallows it).
 */
#include "lua_int.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOADED_KEY  "corral.loaded"
#define TRACKER_KEY "corral.tracker"

uint64_t corral__lua_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

corral__lua_ctx_t *corral__lua_ctx(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

void corral__lua_set_budget(corral__lua_ctx_t *ctx, uint32_t ms)
{
    ctx->budget_ms = ms;
    ctx->deadline_ms = ms ? corral__lua_now_ms() + ms : 0;
    ctx->timed_out = false;
}

/* Every allocation of the state goes through here: growth past the cap
 * fails, and Lua turns that into a "not enough memory" error. */
static void *cap_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    corral__lua_ctx_t *ctx = ud;
    size_t old = ptr ? osize : 0;

    if (nsize == 0) {
        free(ptr);
        ctx->mem_used -= old;
        return NULL;
    }
    if (nsize > old && ctx->mem_used - old + nsize > ctx->mem_cap) return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    ctx->mem_used = ctx->mem_used - old + nsize;
    return p;
}

/* Push "FILE:LINE: timed out ..." for the function running at level 0. */
static void push_timeout(lua_State *L, corral__lua_ctx_t *ctx)
{
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
    else
        lua_pushliteral(L, "");
    lua_pushfstring(L, "timed out after %dms (the script was stopped)", (int)ctx->budget_ms);
    lua_concat(L, 2);
}

static void deadline_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    if (!ctx->deadline_ms || corral__lua_now_ms() < ctx->deadline_ms) return;
    ctx->timed_out = true;
    push_timeout(L, ctx);
    lua_error(L);
}

/* pcall/xpcall: as the standard ones, except that they do not stop a
 * timeout from ending the script. Upvalue 1: the standard function. */
static int guarded_pcall(lua_State *L)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET); /* may raise */
    if (ctx->timed_out) {
        if (lua_gettop(L) >= 2 && lua_type(L, 2) == LUA_TSTRING) {
            lua_pushvalue(L, 2);
        } else {
            push_timeout(L, ctx);
        }
        return lua_error(L);
    }
    return lua_gettop(L);
}

/* load: text chunks only; a binary chunk raises. Upvalue 1: the standard load. */
static int guarded_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (lua_type(L, 1) == LUA_TSTRING) {
        const char *s = lua_tostring(L, 1);
        if (s[0] == LUA_SIGNATURE[0])
            return luaL_error(L, "load: binary chunks are not allowed in corral's Lua host");
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    if (n >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    int nargs = 3;
    if (n >= 4) {
        lua_pushvalue(L, 4);
        nargs = 4;
    }
    lua_call(L, nargs, 2); /* may raise */
    if (lua_isnil(L, -2) && lua_type(L, -1) == LUA_TSTRING &&
        strstr(lua_tostring(L, -1), "binary chunk"))
        return luaL_error(L, "load: binary chunks are not allowed in corral's Lua host");
    return 2;
}

static int guarded_collectgarbage(lua_State *L)
{
    static const char *const allowed[] = {"collect", "count", "step", "isrunning", NULL};
    const char *opt = luaL_optstring(L, 1, "collect");
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(opt, allowed[i]) == 0) {
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_insert(L, 1);
            lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
            return lua_gettop(L);
        }
    }
    return luaL_error(L, "collectgarbage: option '%s' is not allowed in corral's Lua host", opt);
}

/* print: to the log at info level, as agents' stdout would be lost. */
static int sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    const char *msg = lua_tostring(L, -1);
    if (ctx->op)
        ctx->op->log(ctx->op, CORRAL_LOG_INFO, "%s", msg);
    else if (ctx->host)
        ctx->host->log(ctx->host, CORRAL_LOG_DEBUG, "%s: %s", ctx->file ? ctx->file : "lua", msg);
    return 0;
}

int corral__lua_read_all(const char *path, char **data_out, size_t *len_out)
{
    int rc = 0;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = -ENOMEM;
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            goto done;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    *data_out = buf;
    if (len_out) *len_out = len;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

/* Compile a text chunk; a first line starting with '#' (a shebang) is
 * blanked, keeping the line count. Does not raise: returns lua_load's status
 * with the function or the message on the stack. */
static int compile_text(lua_State *L, const char *file, char *src, size_t len)
{
    if (len > 0 && src[0] == '#') {
        for (size_t i = 0; i < len && src[i] != '\n'; i++) src[i] = ' ';
    }
    lua_pushfstring(L, "@%s", file);
    const char *chunkname = lua_tostring(L, -1);
    int st = luaL_loadbufferx(L, src, len, chunkname, "t");
    lua_remove(L, -2);
    return st;
}

static bool module_name_ok(const char *name)
{
    if (!*name || *name == '.') return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok || (c == '.' && (p[1] == '.' || p[1] == '\0'))) return false;
    }
    return true;
}

/* Find NAME (dots become slashes) as DIR/NAME.lua on the agent path.
 * Pushes the path found, or returns false with nothing pushed. */
static bool find_module(lua_State *L, const char *path, const char *name)
{
    const char *p = path;
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        if (dlen > 0) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            luaL_addlstring(&b, p, dlen);
            luaL_addchar(&b, '/');
            for (const char *q = name; *q; q++) luaL_addchar(&b, *q == '.' ? '/' : *q);
            luaL_addstring(&b, ".lua");
            luaL_pushresult(&b);
            struct stat st;
            if (stat(lua_tostring(L, -1), &st) == 0 && S_ISREG(st.st_mode)) return true;
            lua_pop(L, 1);
        }
        p = colon ? colon + 1 : NULL;
    }
    return false;
}

/* require(name): Lua modules from the agent path only, loaded once per
 * state, text chunks only; no C modules. May raise. */
static int sandbox_require(lua_State *L)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY); /* 2 */
    if (lua_getfield(L, 2, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    if (!module_name_ok(name))
        return luaL_error(L, "require: bad module name '%s' (letters, digits, _ - and dots)", name);
    if (!ctx->lua_path || !find_module(L, ctx->lua_path, name))
        return luaL_error(L, "require: module '%s' not found on the Lua agent path (%s)", name,
                          ctx->lua_path ? ctx->lua_path : "unset");
    const char *file = lua_tostring(L, 3);

    char *src = NULL;
    size_t len = 0;
    int rc = corral__lua_read_all(file, &src, &len);
    if (rc < 0) return luaL_error(L, "require: %s: %s", file, strerror(-rc));
    int st = compile_text(L, file, src, len);
    free(src); /* nothing held across the raise below */
    if (st != LUA_OK) return lua_error(L);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 1); /* may raise */
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

/* The globals the sandbox keeps: the base library's safe functions (load,
 * pcall, xpcall and collectgarbage as guarded wrappers) and the libraries. */
static const char *const base_keep[] = {
    "_G",     "_VERSION", "assert",       "collectgarbage", "error",    "getmetatable", "ipairs",
    "load",   "next",     "pairs",        "pcall",          "rawequal", "rawget",       "rawlen",
    "rawset", "select",   "setmetatable", "tonumber",       "tostring", "type",         "xpcall",
    "string", "table",    "math",         "utf8",           "os",       NULL,
};

static void keep_only(lua_State *L, int t, const char *const keep[])
{
    lua_newtable(L); /* the names to drop, collected first: no edits while iterating */
    int drop = lua_gettop(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        bool kept = false;
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            for (int i = 0; keep[i]; i++) kept |= strcmp(k, keep[i]) == 0;
        }
        if (!kept) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, drop, ++n);
        }
    }
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, drop, i);
        lua_pushnil(L);
        lua_rawset(L, t);
    }
    lua_pop(L, 1);
}

/* Replace global `name` by fn with the original as its upvalue. */
static void wrap_global(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, name);
    lua_pushcclosure(L, fn, 1);
    lua_setglobal(L, name);
}

/* Remembers the line where `agent` (or any global) is first assigned, so
 * metadata errors can point at it. */
static int track_globals(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "agent") == 0) {
        lua_Debug ar;
        if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
            corral__lua_ctx(L)->agent_line = ar.currentline;
    }
    lua_rawset(L, 1);
    return 0;
}

static int open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_OSLIBNAME, luaopen_os},
        {NULL, NULL},
    };
    static const char *const os_keep[] = {"time", "clock", "date", "getenv", NULL};

    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }

    /* Wrap before trimming: the wrappers hold the originals as upvalues. */
    wrap_global(L, "load", guarded_load);
    wrap_global(L, "pcall", guarded_pcall);
    wrap_global(L, "xpcall", guarded_pcall);
    wrap_global(L, "collectgarbage", guarded_collectgarbage);
    lua_pushglobaltable(L);
    keep_only(L, lua_gettop(L), base_keep); /* drops dofile, loadfile, print, require, ... */
    lua_pop(L, 1);
    lua_register(L, "print", sandbox_print);
    lua_register(L, "require", sandbox_require);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);

    lua_getglobal(L, LUA_OSLIBNAME);
    keep_only(L, lua_gettop(L), os_keep);
    lua_pop(L, 1);
    lua_getglobal(L, LUA_STRLIBNAME); /* also the strings' metatable __index */
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    corral__lua_open_api(L);

    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushcfunction(L, track_globals);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, TRACKER_KEY);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return 0;
}

static int panic(lua_State *L)
{
    (void)L;
    /* Only reached by a bug of ours (an unprotected raise): no way back. */
    abort();
}

lua_State *corral__lua_state_new(corral__lua_ctx_t *ctx)
{
    if (!ctx->mem_cap) ctx->mem_cap = CORRAL_LUA_MEMORY_CAP;
    lua_State *L = lua_newstate(cap_alloc, ctx);
    if (!L) return NULL;
    lua_atpanic(L, panic);
    lua_pushcfunction(L, open_sandbox);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_close(L);
        return NULL;
    }
    lua_sethook(L, deadline_hook, LUA_MASKCOUNT, CORRAL_LUA_HOOK_COUNT);
    return L;
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int corral__lua_pcall(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return st;
}

/* Lua shortens long chunk names to "...TAIL"; put the whole file name back
 * and make sure the message starts with FILE:LINE. Returns malloc'd text. */
static char *where_message(const char *file, const char *msg)
{
    const char *nl = strchr(msg, '\n');
    size_t mlen = nl ? (size_t)(nl - msg) : strlen(msg);
    size_t flen = strlen(file);
    char *out = NULL;

    if (strncmp(msg, "...", 3) == 0) {
        const char *colon = memchr(msg + 3, ':', mlen - 3);
        size_t tail = colon ? (size_t)(colon - msg - 3) : 0;
        if (colon && tail <= flen && memcmp(file + flen - tail, msg + 3, tail) == 0) {
            msg = colon + 1;
            mlen -= 3 + tail + 1;
            if (asprintf(&out, "%s:%.*s", file, (int)mlen, msg) < 0) out = NULL;
            return out;
        }
    }
    bool has_where = strncmp(msg, file, flen) == 0 && msg[flen] == ':';
    const char *lua_where = strstr(msg, ".lua:"); /* another script's FILE:LINE */
    if (lua_where && lua_where < msg + mlen && lua_where[5] >= '0' && lua_where[5] <= '9')
        has_where = true;
    if (has_where) {
        if (asprintf(&out, "%.*s", (int)mlen, msg) < 0) out = NULL;
    } else {
        if (asprintf(&out, "%s:1: %.*s", file, (int)mlen, msg) < 0) out = NULL;
    }
    return out;
}

int corral__lua_load_script(lua_State *L, const char *file, const char *src, size_t len,
                            char **error_out)
{
    corral__lua_ctx_t *ctx = corral__lua_ctx(L);
    int rc = 0;
    char *copy = malloc(len + 1);
    if (!copy) return -ENOMEM;
    memcpy(copy, src, len + 1);
    int st = compile_text(L, file, copy, len);
    free(copy);
    if (st == LUA_OK) st = corral__lua_pcall(L, 0, 0);
    if (st == LUA_OK) goto done;

    if (st == LUA_ERRMEM) {
        rc = -ENOMEM;
        if (asprintf(error_out, "%s:1: out of memory (the cap is %zu MiB)", file,
                     ctx->mem_cap >> 20) < 0)
            *error_out = NULL;
    } else {
        rc = ctx->timed_out ? -ETIMEDOUT : -EINVAL;
        const char *msg = lua_tostring(L, -1);
        *error_out = where_message(file, msg ? msg : "error object is not a string");
    }
    lua_pop(L, 1);
done:
    /* From here on globals are plain: the tracking was only for loading.
     * A metatable the script set on _G itself (strict mode) stays. */
    lua_pushglobaltable(L);
    if (lua_getmetatable(L, -1)) {
        lua_getfield(L, LUA_REGISTRYINDEX, TRACKER_KEY);
        bool ours = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (ours) {
            lua_pushnil(L);
            lua_setmetatable(L, -2);
        }
    }
    lua_pop(L, 1);
    return rc;
}
