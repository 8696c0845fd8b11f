/* Agent registry: names -> native plugins and bridges; see registry.h. */
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "loader.h"
#include "log.h"
#include "runner.h"
#include "util.h"

#define DEFAULT_OCF_ROOT          "/usr/lib/ocf"
#define DEFAULT_FENCE_AGENTS_PATH "/usr/sbin"
#define EXEC_OUTPUT_CAP           (1024 * 1024)

/* One shared object that was looked at: opened, or refused as a whole. */
struct plugin_file {
    char *path;
    corral__module_t *mod; /* NULL when refused */
    char *refused;         /* why, when refused (logged once) */
    char *refused_kind[3]; /* a descriptor of that kind refused: [0] resource, [1] fence, [2] bridge
                            */
};

/* One validated native agent. */
struct native {
    corral_agent_kind_t kind;
    const void *desc;               /* corral_resource_plugin_t or corral_fence_plugin_t */
    const struct plugin_file *file; /* NULL: built-in */
    corral_agent_info_t info;
};

struct bridge {
    const corral_bridge_plugin_t *desc;
    const struct plugin_file *file;
    char *source;
};

/* A bridged agent's description, cached. */
struct described {
    char *agent;
    corral_agent_kind_t kind;
    struct bridge *bridge;
    corral_agent_info_t *info;
};

struct corral_registry {
    char *plugin_path;
    char *lua_path;
    char *ocf_root;
    char *fence_agents_path;
    char *state_dir;
    char **plugin_dirs;
    struct plugin_file **files;
    size_t n_files, cap_files;
    struct native **natives;
    size_t n_natives, cap_natives;
    struct bridge **bridges;
    size_t n_bridges, cap_bridges;
    struct described **descs;
    size_t n_descs, cap_descs;
    corral_bridge_host_t host;
};

enum slot { SLOT_RESOURCE = 0, SLOT_FENCE = 1, SLOT_BRIDGE = 2 };

static const char *const kind_subdir[] = {"resource-plugins", "fence-plugins", "bridges"};
static const char *const kind_symbol[] = {CORRAL_RESOURCE_PLUGIN_SYMBOL, CORRAL_FENCE_PLUGIN_SYMBOL,
                                          CORRAL_BRIDGE_PLUGIN_SYMBOL};

static enum slot kind_slot(corral_agent_kind_t kind)
{
    return kind == CORRAL_AGENT_FENCE ? SLOT_FENCE : SLOT_RESOURCE;
}

static bool kind_valid(corral_agent_kind_t kind)
{
    return kind == CORRAL_AGENT_RESOURCE || kind == CORRAL_AGENT_FENCE;
}

/* ---- settings --------------------------------------------------------- */

static void path_add(corral_buf_t *b, const char *part)
{
    if (!part || !*part) return;
    if (b->len) corral_buf_append(b, ":");
    corral_buf_append(b, part);
}

static char *join_path(const char *env, const char *setting, const char *dflt)
{
    corral_buf_t b = {0};
    path_add(&b, env);
    path_add(&b, setting);
    path_add(&b, dflt);
    return corral_buf_take(&b);
}

static char **split_path(const char *path)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    const char *p = path;
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len) CORRAL_PUSH(v, n, cap, corral_xstrndup(p, len));
        p = colon ? colon + 1 : NULL;
    }
    CORRAL_PUSH(v, n, cap, NULL);
    return v;
}

static const char *host_setting(const corral_bridge_host_t *h, const char *key);
static void host_log(const corral_bridge_host_t *h, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int host_exec(const corral_bridge_host_t *h, char *const argv[], char *const envp[],
                     const char *stdin_data, uint32_t timeout_ms, char **stdout_out);

int corral_registry_new(const corral_registry_settings_t *settings, corral_registry_t **reg_out)
{
    if (!reg_out) return -EINVAL;
    corral_registry_settings_t none = {0};
    if (!settings) settings = &none;
    corral_registry_t *reg = corral_xcalloc(1, sizeof(*reg));
    reg->plugin_path =
        join_path(getenv("CORRAL_PLUGIN_PATH"), settings->plugin_path,
                  CORRAL_RESOURCE_PLUGIN_DIR ":" CORRAL_FENCE_PLUGIN_DIR ":" CORRAL_BRIDGE_DIR);
    reg->lua_path = join_path(getenv("CORRAL_LUA_PATH"), settings->lua_path, CORRAL_LUA_DIR);
    const char *env_ocf = getenv("OCF_ROOT");
    if (env_ocf && *env_ocf)
        reg->ocf_root = corral_xstrdup(env_ocf);
    else if (settings->ocf_root && *settings->ocf_root)
        reg->ocf_root = corral_xstrdup(settings->ocf_root);
    else
        reg->ocf_root = corral_xstrdup(DEFAULT_OCF_ROOT);
    reg->fence_agents_path = join_path(getenv("CORRAL_FENCE_AGENTS_PATH"),
                                       settings->fence_agents_path, DEFAULT_FENCE_AGENTS_PATH);
    reg->state_dir = corral_xstrdup(
        settings->state_dir && *settings->state_dir ? settings->state_dir : CORRAL_STATE_DIR);
    reg->plugin_dirs = split_path(reg->plugin_path);
    reg->host.size = sizeof(reg->host);
    reg->host.setting = host_setting;
    reg->host.log = host_log;
    reg->host.exec = host_exec;
    reg->host.host = reg;
    *reg_out = reg;
    return 0;
}

static void free_native(struct native *n)
{
    free(n->info.name);
    free(n->info.source);
    free(n->info.params);
    free(n);
}

void corral_registry_free(corral_registry_t *reg)
{
    if (!reg) return;
    for (size_t i = 0; i < reg->n_descs; i++) {
        struct described *d = reg->descs[i];
        d->bridge->desc->free_info(d->info);
        free(d->agent);
        free(d);
    }
    free(reg->descs);
    for (size_t i = 0; i < reg->n_natives; i++) free_native(reg->natives[i]);
    free(reg->natives);
    for (size_t i = 0; i < reg->n_bridges; i++) {
        free(reg->bridges[i]->source);
        free(reg->bridges[i]);
    }
    free(reg->bridges);
    for (size_t i = 0; i < reg->n_files; i++) {
        struct plugin_file *f = reg->files[i];
        corral__loader_close(f->mod);
        free(f->path);
        free(f->refused);
        for (int k = 0; k < 3; k++) free(f->refused_kind[k]);
        free(f);
    }
    free(reg->files);
    corral_strv_free(reg->plugin_dirs);
    free(reg->plugin_path);
    free(reg->lua_path);
    free(reg->ocf_root);
    free(reg->fence_agents_path);
    free(reg->state_dir);
    free(reg);
}

const char *corral_registry_setting(const corral_registry_t *reg, const char *key)
{
    if (!reg || !key) return NULL;
    if (!strcmp(key, "plugin-path")) return reg->plugin_path;
    if (!strcmp(key, "lua-path")) return reg->lua_path;
    if (!strcmp(key, "ocf-root")) return reg->ocf_root;
    if (!strcmp(key, "fence-agents-path")) return reg->fence_agents_path;
    if (!strcmp(key, "state-dir")) return reg->state_dir;
    return NULL;
}

const corral_bridge_host_t *corral_registry_host(corral_registry_t *reg)
{
    return reg ? &reg->host : NULL;
}

/* ---- descriptor validation: one path for built-in and loaded ----------- */

static char *check_params_specs(const corral_param_spec_t *params)
{
    for (size_t i = 0; params && params[i].name; i++) {
        if (!params[i].name[0]) return corral_xasprintf("parameter %zu has an empty name", i + 1);
        if ((int)params[i].type < CORRAL_PARAM_STRING || params[i].type > CORRAL_PARAM_DURATION)
            return corral_xasprintf("parameter '%s' has an unknown type %d", params[i].name,
                                    (int)params[i].type);
    }
    return NULL;
}

static char *check_header(uint16_t major, uint32_t size, size_t min_size, const char *name)
{
    if (major != CORRAL_ABI_MAJOR)
        return corral_xasprintf("ABI major %u, this host speaks %d", (unsigned)major,
                                CORRAL_ABI_MAJOR);
    if (size < min_size)
        return corral_xasprintf("descriptor size %u is smaller than ABI %d.0's %zu", (unsigned)size,
                                CORRAL_ABI_MAJOR, min_size);
    if (!name || !name[0]) return corral_xstrdup("descriptor has no name");
    return NULL;
}

static char *validate_resource(const corral_resource_plugin_t *d)
{
    char *why = check_header(d->abi_major, d->size, sizeof(corral_resource_plugin_t), d->name);
    if (why) return why;
    const char *missing = !d->start ? "start" : !d->stop ? "stop" : !d->monitor ? "monitor" : NULL;
    if (missing) return corral_xasprintf("required action '%s' missing", missing);
    return check_params_specs(d->params);
}

static char *validate_fence(const corral_fence_plugin_t *d)
{
    char *why = check_header(d->abi_major, d->size, sizeof(corral_fence_plugin_t), d->name);
    if (why) return why;
    const char *missing = !d->off ? "off" : !d->status ? "status" : NULL;
    if (missing) return corral_xasprintf("required action '%s' missing", missing);
    return check_params_specs(d->params);
}

static char *validate_bridge(const corral_bridge_plugin_t *d)
{
    char *why = check_header(d->abi_major, d->size, sizeof(corral_bridge_plugin_t), d->name);
    if (why) return why;
    const char *missing = !d->list        ? "list"
                          : !d->describe  ? "describe"
                          : !d->free_info ? "free_info"
                          : !d->run       ? "run"
                                          : NULL;
    if (missing) return corral_xasprintf("required function '%s' missing", missing);
    if (strchr(d->name, ':') || strchr(d->name, '/'))
        return corral_xasprintf("bridge name '%s' may not contain ':' or '/'", d->name);
    return NULL;
}

static corral_param_spec_t *copy_specs(const corral_param_spec_t *params)
{
    size_t n = 0;
    while (params && params[n].name) n++;
    corral_param_spec_t *c = corral_xcalloc(n + 1, sizeof(*c));
    if (n) memcpy(c, params, n * sizeof(*c));
    return c;
}

static struct native *find_native(corral_registry_t *reg, const char *name,
                                  corral_agent_kind_t kind)
{
    for (size_t i = 0; i < reg->n_natives; i++)
        if (reg->natives[i]->kind == kind && !strcmp(reg->natives[i]->info.name, name))
            return reg->natives[i];
    return NULL;
}

/*
 * The one registration path. Validates `desc` (of `kind`), and on success
 * adds it under `name`. `file` is the loaded file it comes from (NULL:
 * built-in, `source` says what). 0, or -ENOEXEC and *why_out.
 */
static int register_native(corral_registry_t *reg, corral_agent_kind_t kind, const void *desc,
                           const char *name, const struct plugin_file *file, const char *source,
                           struct native **native_out, char **why_out)
{
    char *why = kind == CORRAL_AGENT_FENCE ? validate_fence(desc) : validate_resource(desc);
    if (why) {
        *why_out = why;
        return -ENOEXEC;
    }
    struct native *n = corral_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->desc = desc;
    n->file = file;
    n->info.name = corral_xstrdup(name);
    n->info.kind = kind;
    n->info.source = corral_xstrdup(source ? source : "built-in");
    if (kind == CORRAL_AGENT_FENCE) {
        const corral_fence_plugin_t *d = desc;
        n->info.version = (char *)(d->version ? d->version : "");
        n->info.description = (char *)(d->description ? d->description : "");
        n->info.params = copy_specs(d->params);
        n->info.actions = CORRAL_ACT_OFF | CORRAL_ACT_STATUS | CORRAL_ACT_MONITOR;
        if (d->on) n->info.actions |= CORRAL_ACT_ON;
        if (d->reboot || d->on) n->info.actions |= CORRAL_ACT_REBOOT;
        if (d->list) n->info.actions |= CORRAL_ACT_LIST;
    } else {
        const corral_resource_plugin_t *d = desc;
        n->info.version = (char *)(d->version ? d->version : "");
        n->info.description = (char *)(d->description ? d->description : "");
        n->info.params = copy_specs(d->params);
        /* validate is always answered: the host checks parameters against the specs. */
        n->info.actions =
            CORRAL_ACT_START | CORRAL_ACT_STOP | CORRAL_ACT_MONITOR | CORRAL_ACT_VALIDATE;
        if (d->promote) n->info.actions |= CORRAL_ACT_PROMOTE;
        if (d->demote) n->info.actions |= CORRAL_ACT_DEMOTE;
        if (d->reload) n->info.actions |= CORRAL_ACT_RELOAD;
        if (d->notify) n->info.actions |= CORRAL_ACT_NOTIFY;
        if (d->migrate_to) n->info.actions |= CORRAL_ACT_MIGRATE_TO;
        if (d->migrate_from) n->info.actions |= CORRAL_ACT_MIGRATE_FROM;
    }
    CORRAL_PUSH(reg->natives, reg->n_natives, reg->cap_natives, n);
    if (native_out) *native_out = n;
    return 0;
}

static struct bridge *find_bridge_loaded(corral_registry_t *reg, const char *prefix)
{
    for (size_t i = 0; i < reg->n_bridges; i++)
        if (!strcmp(reg->bridges[i]->desc->name, prefix)) return reg->bridges[i];
    return NULL;
}

static int register_bridge(corral_registry_t *reg, const corral_bridge_plugin_t *desc,
                           const struct plugin_file *file, const char *source,
                           struct bridge **bridge_out, char **why_out)
{
    char *why = validate_bridge(desc);
    if (why) {
        *why_out = why;
        return -ENOEXEC;
    }
    struct bridge *b = corral_xcalloc(1, sizeof(*b));
    b->desc = desc;
    b->file = file;
    b->source = corral_xstrdup(source ? source : "built-in");
    CORRAL_PUSH(reg->bridges, reg->n_bridges, reg->cap_bridges, b);
    if (bridge_out) *bridge_out = b;
    return 0;
}

static int add_builtin(corral_registry_t *reg, corral_agent_kind_t kind, const void *desc,
                       const char *source, char **error_out)
{
    if (!reg || !desc) return -EINVAL;
    const char *name = kind == CORRAL_AGENT_FENCE ? ((const corral_fence_plugin_t *)desc)->name
                                                  : ((const corral_resource_plugin_t *)desc)->name;
    if (name && find_native(reg, name, kind)) return -EEXIST;
    char *why = NULL;
    int rc = register_native(reg, kind, desc, name, NULL, source, NULL, &why);
    if (rc < 0) {
        corral_err("plugin %s: refused: %s", source ? source : "built-in", why);
        if (error_out)
            *error_out = why;
        else
            free(why);
    }
    return rc;
}

int corral_registry_add_resource(corral_registry_t *reg, const corral_resource_plugin_t *desc,
                                 const char *source, char **error_out)
{
    return add_builtin(reg, CORRAL_AGENT_RESOURCE, desc, source, error_out);
}

int corral_registry_add_fence(corral_registry_t *reg, const corral_fence_plugin_t *desc,
                              const char *source, char **error_out)
{
    return add_builtin(reg, CORRAL_AGENT_FENCE, desc, source, error_out);
}

size_t corral__registry_n_builtin(const corral_registry_t *reg)
{
    size_t n = 0;
    for (size_t i = 0; reg && i < reg->n_natives; i++) n += reg->natives[i]->file == NULL;
    for (size_t i = 0; reg && i < reg->n_bridges; i++) n += reg->bridges[i]->file == NULL;
    return n;
}

int corral_registry_add_bridge(corral_registry_t *reg, const corral_bridge_plugin_t *desc,
                               const char *source, char **error_out)
{
    if (!reg || !desc) return -EINVAL;
    if (desc->name && find_bridge_loaded(reg, desc->name)) return -EEXIST;
    char *why = NULL;
    int rc = register_bridge(reg, desc, NULL, source, NULL, &why);
    if (rc < 0) {
        corral_err("plugin %s: refused: %s", source ? source : "built-in", why);
        if (error_out)
            *error_out = why;
        else
            free(why);
    }
    return rc;
}

/* ---- files ------------------------------------------------------------ */

static char *unsafe_reason(const char *path)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real)) return corral_xasprintf("cannot resolve: %s", strerror(errno));
    uid_t me = geteuid();
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", real);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    const char *what[2] = {real, dir};
    for (int i = 0; i < 2; i++) {
        if (stat(what[i], &st) < 0)
            return corral_xasprintf("cannot stat %s: %s", what[i], strerror(errno));
        const char *obj = i ? "its directory" : "the file";
        if (st.st_uid != 0 && st.st_uid != me)
            return corral_xasprintf("%s %s is owned by uid %u, neither root nor the current user",
                                    obj, what[i], (unsigned)st.st_uid);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
            return corral_xasprintf("%s %s is writable by %s (mode %04o)", obj, what[i],
                                    (st.st_mode & S_IWOTH) ? "others" : "its group",
                                    (unsigned)(st.st_mode & 07777));
        if (i == 0 && !S_ISREG(st.st_mode)) return corral_xstrdup("not a regular file");
    }
    return NULL;
}

/* The file record for path: opened once, refused (and logged) once. */
static struct plugin_file *get_file(corral_registry_t *reg, const char *path)
{
    for (size_t i = 0; i < reg->n_files; i++)
        if (!strcmp(reg->files[i]->path, path)) return reg->files[i];
    struct plugin_file *f = corral_xcalloc(1, sizeof(*f));
    f->path = corral_xstrdup(path);
    CORRAL_PUSH(reg->files, reg->n_files, reg->cap_files, f);
    char *why = unsafe_reason(path);
    if (!why) {
        char *err = NULL;
        if (corral__loader_open(path, &f->mod, &err) < 0) {
            why = corral_xasprintf("cannot load: %s", err ? err : "unknown error");
            free(err);
        }
    }
    if (!why && !corral__loader_sym(f->mod, CORRAL_RESOURCE_PLUGIN_SYMBOL) &&
        !corral__loader_sym(f->mod, CORRAL_FENCE_PLUGIN_SYMBOL) &&
        !corral__loader_sym(f->mod, CORRAL_BRIDGE_PLUGIN_SYMBOL))
        why = corral_xstrdup("missing symbol: exports none of " CORRAL_RESOURCE_PLUGIN_SYMBOL
                             ", " CORRAL_FENCE_PLUGIN_SYMBOL ", " CORRAL_BRIDGE_PLUGIN_SYMBOL);
    if (why) {
        corral_err("plugin %s: refused: %s", path, why);
        f->refused = why;
        corral__loader_close(f->mod);
        f->mod = NULL;
    }
    return f;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void remember_error(char **first, const char *path, const char *why)
{
    if (*first) return;
    *first = corral_xasprintf("%s: refused: %s", path, why);
}

/*
 * The native agent `name` of `kind` in file `path`, registering it on first
 * use. 0 and *native_out; -ENOENT when the file holds no such descriptor;
 * -ENOEXEC when refused (*first_error set if still NULL).
 */
static int native_at(corral_registry_t *reg, const char *path, const char *name,
                     corral_agent_kind_t kind, struct native **native_out, char **first_error)
{
    for (size_t i = 0; i < reg->n_natives; i++) {
        struct native *n = reg->natives[i];
        if (n->kind == kind && n->file && !strcmp(n->file->path, path)) {
            *native_out = n;
            return 0;
        }
    }
    struct plugin_file *f = get_file(reg, path);
    if (f->refused) {
        remember_error(first_error, path, f->refused);
        return -ENOEXEC;
    }
    enum slot s = kind_slot(kind);
    if (f->refused_kind[s]) {
        remember_error(first_error, path, f->refused_kind[s]);
        return -ENOEXEC;
    }
    const void *desc = corral__loader_sym(f->mod, kind_symbol[s]);
    if (!desc) return -ENOENT;
    char *why = NULL;
    int rc = register_native(reg, kind, desc, name, f, path, native_out, &why);
    if (rc < 0) {
        corral_err("plugin %s: refused: %s", path, why);
        f->refused_kind[s] = why;
        remember_error(first_error, path, why);
    }
    return rc;
}

static bool name_ok(const char *name)
{
    return name && name[0] && name[0] != '.' && !strchr(name, '/') && !strchr(name, ':');
}

/*
 * What a plugin directory search tries on each candidate file: 0 when it
 * loaded what was looked for, -ENOENT when the file does not have it, else
 * refused (with the reason kept in *first_error).
 */
typedef int (*try_file_fn)(corral_registry_t *reg, const char *path, void *ctx, char **first_error);

/*
 * Look for NAME.so in each plugin directory in turn, under each of subs[]
 * (a NULL sub: the directory itself), until try() loads one. 0; -ENOENT when
 * no file had it; -ENOEXEC with *error_out (the first refusal, when
 * error_out is not NULL) when every candidate was refused.
 */
static int search_plugin_dirs(corral_registry_t *reg, const char *name, const char *const *subs,
                              size_t n_subs, try_file_fn try, void *ctx, char **error_out)
{
    char *first_error = NULL;
    int ret = -ENOENT;
    for (size_t d = 0; reg->plugin_dirs[d] && ret == -ENOENT; d++) {
        for (size_t i = 0; i < n_subs; i++) {
            char *path = subs[i]
                             ? corral_xasprintf("%s/%s/%s.so", reg->plugin_dirs[d], subs[i], name)
                             : corral_xasprintf("%s/%s.so", reg->plugin_dirs[d], name);
            int rc = file_exists(path) ? try(reg, path, ctx, &first_error) : -ENOENT;
            free(path);
            if (rc == 0) {
                ret = 0;
                break;
            }
        }
    }
    if (ret == 0 || !first_error) {
        free(first_error);
        return ret;
    }
    if (error_out)
        *error_out = first_error;
    else
        free(first_error);
    return -ENOEXEC;
}

struct native_search {
    const char *name;
    corral_agent_kind_t kind;
    struct native *found;
};

static int try_native(corral_registry_t *reg, const char *path, void *ctx, char **first_error)
{
    struct native_search *q = ctx;
    return native_at(reg, path, q->name, q->kind, &q->found, first_error);
}

static int lookup_native(corral_registry_t *reg, const char *name, corral_agent_kind_t kind,
                         struct native **native_out, char **error_out)
{
    struct native *n = find_native(reg, name, kind);
    if (n) {
        *native_out = n;
        return 0;
    }
    if (!name_ok(name)) return -ENOENT;
    enum slot s = kind_slot(kind);
    /* As it is, then the kind's own subdirectory, then the other kind's. */
    const char *subs[3] = {NULL, kind_subdir[s], kind_subdir[s == SLOT_FENCE ? 0 : 1]};
    struct native_search q = {name, kind, NULL};
    int ret = search_plugin_dirs(reg, name, subs, 3, try_native, &q, error_out);
    if (ret == 0) *native_out = q.found;
    return ret;
}

static int bridge_at(corral_registry_t *reg, const char *path, const char *prefix,
                     struct bridge **bridge_out, char **first_error)
{
    for (size_t i = 0; i < reg->n_bridges; i++) {
        struct bridge *b = reg->bridges[i];
        if (b->file && !strcmp(b->file->path, path)) {
            *bridge_out = b;
            return 0;
        }
    }
    struct plugin_file *f = get_file(reg, path);
    if (f->refused) {
        remember_error(first_error, path, f->refused);
        return -ENOEXEC;
    }
    if (f->refused_kind[SLOT_BRIDGE]) {
        remember_error(first_error, path, f->refused_kind[SLOT_BRIDGE]);
        return -ENOEXEC;
    }
    const corral_bridge_plugin_t *desc = corral__loader_sym(f->mod, CORRAL_BRIDGE_PLUGIN_SYMBOL);
    if (!desc) return -ENOENT;
    char *why = validate_bridge(desc);
    if (!why && strcmp(desc->name, prefix))
        why = corral_xasprintf("bridge calls itself '%s', not '%s'", desc->name, prefix);
    int rc = -ENOEXEC;
    if (!why) rc = register_bridge(reg, desc, f, path, bridge_out, &why);
    if (rc < 0) {
        corral_err("plugin %s: refused: %s", path, why);
        f->refused_kind[SLOT_BRIDGE] = why;
        remember_error(first_error, path, why);
    }
    return rc;
}

struct bridge_search {
    const char *prefix;
    struct bridge *found;
};

static int try_bridge(corral_registry_t *reg, const char *path, void *ctx, char **first_error)
{
    struct bridge_search *q = ctx;
    return bridge_at(reg, path, q->prefix, &q->found, first_error);
}

static int lookup_bridge(corral_registry_t *reg, const char *prefix, struct bridge **bridge_out,
                         char **error_out)
{
    struct bridge *b = find_bridge_loaded(reg, prefix);
    if (b) {
        *bridge_out = b;
        return 0;
    }
    if (!name_ok(prefix)) return -ENOENT;
    const char *subs[2] = {kind_subdir[SLOT_BRIDGE], NULL};
    struct bridge_search q = {prefix, NULL};
    int ret = search_plugin_dirs(reg, prefix, subs, 2, try_bridge, &q, error_out);
    if (ret == 0) *bridge_out = q.found;
    return ret;
}

/* ---- action names ---------------------------------------------------- */

/* Indexed by the bit's position (plugin.h numbers them from 0 in this order). */
static const char *const action_names[] = {
    "start",      "stop",         "monitor", "validate", "promote", "demote", "reload", "notify",
    "migrate_to", "migrate_from", "off",     "on",       "reboot",  "status", "list",
};

const char *corral_action_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(*action_names); i++)
        if (bit == 1u << i) return action_names[i];
    return NULL;
}

unsigned corral_action_bit(const char *name)
{
    for (size_t i = 0; name && i < sizeof(action_names) / sizeof(*action_names); i++)
        if (!strcmp(action_names[i], name)) return 1u << i;
    return 0;
}

/* ---- describe / list -------------------------------------------------- */

static int describe_bridged(corral_registry_t *reg, const char *agent, corral_agent_kind_t kind,
                            const corral_agent_info_t **info_out, char **error_out)
{
    for (size_t i = 0; i < reg->n_descs; i++) {
        struct described *d = reg->descs[i];
        if (d->kind == kind && !strcmp(d->agent, agent)) {
            *info_out = d->info;
            return 0;
        }
    }
    const char *colon = strchr(agent, ':');
    char *prefix = corral_xstrndup(agent, (size_t)(colon - agent));
    struct bridge *b = NULL;
    int rc = lookup_bridge(reg, prefix, &b, error_out);
    free(prefix);
    if (rc < 0) return rc;
    corral_agent_info_t *info = NULL;
    char *err = NULL;
    rc = b->desc->describe(&reg->host, agent, kind, &info, &err);
    if (rc < 0) {
        if (rc != -ENOENT && error_out)
            *error_out = err ? err : corral_xasprintf("%s: %s", agent, strerror(-rc));
        else
            free(err);
        return rc;
    }
    if (!info) return -EIO;
    if (info->kind != kind) {
        b->desc->free_info(info);
        return -ENOENT;
    }
    char *bad = check_params_specs(info->params);
    if (bad) {
        corral_err("agent %s: bridge %s described it badly: %s", agent, b->source, bad);
        if (error_out) *error_out = corral_xasprintf("%s: %s", agent, bad);
        free(bad);
        b->desc->free_info(info);
        return -EPROTO;
    }
    struct described *d = corral_xcalloc(1, sizeof(*d));
    d->agent = corral_xstrdup(agent);
    d->kind = kind;
    d->bridge = b;
    d->info = info;
    CORRAL_PUSH(reg->descs, reg->n_descs, reg->cap_descs, d);
    *info_out = info;
    return 0;
}

int corral_registry_describe(corral_registry_t *reg, const char *agent, corral_agent_kind_t kind,
                             const corral_agent_info_t **info_out, char **error_out)
{
    if (!reg || !agent || !info_out || !kind_valid(kind)) return -EINVAL;
    if (!agent[0]) return -ENOENT;
    if (strchr(agent, ':')) return describe_bridged(reg, agent, kind, info_out, error_out);
    struct native *n = NULL;
    int rc = lookup_native(reg, agent, kind, &n, error_out);
    if (rc < 0) return rc;
    *info_out = &n->info;
    return 0;
}

struct seen {
    char **names;
    size_t n, cap;
};

static bool seen_has(const struct seen *s, const char *name, int kind)
{
    char *key = corral_xasprintf("%d:%s", kind, name);
    bool has = false;
    for (size_t i = 0; i < s->n && !has; i++) has = !strcmp(s->names[i], key);
    free(key);
    return has;
}

static bool seen_add(struct seen *s, const char *name, int kind)
{
    if (seen_has(s, name, kind)) return false;
    CORRAL_PUSH(s->names, s->n, s->cap, corral_xasprintf("%d:%s", kind, name));
    return true;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->names[i]);
    free(s->names);
}

/* Every NAME.so in dir, in name order (so that listings are stable). */
static char **so_files(const char *dir)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len > 3 && e->d_name[0] != '.' && !strcmp(e->d_name + len - 3, ".so"))
                CORRAL_PUSH(v, n, cap, corral_xstrndup(e->d_name, len - 3));
        }
        closedir(d);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    CORRAL_PUSH(v, n, cap, NULL);
    return v;
}

int corral_registry_list(corral_registry_t *reg,
                         void (*found)(void *ud, const char *agent, corral_agent_kind_t kind),
                         void *ud)
{
    if (!reg || !found) return -EINVAL;
    struct seen seen = {0};
    /* Built-in natives first: a lookup finds them first too. */
    for (size_t i = 0; i < reg->n_natives; i++)
        if (!reg->natives[i]->file &&
            seen_add(&seen, reg->natives[i]->info.name, reg->natives[i]->kind))
            found(ud, reg->natives[i]->info.name, reg->natives[i]->kind);
    for (size_t d = 0; reg->plugin_dirs[d]; d++) {
        const char *subs[3] = {NULL, kind_subdir[0], kind_subdir[1]};
        for (int i = 0; i < 3; i++) {
            char *dir = subs[i] ? corral_xasprintf("%s/%s", reg->plugin_dirs[d], subs[i])
                                : corral_xstrdup(reg->plugin_dirs[d]);
            char **names = so_files(dir);
            for (size_t k = 0; names[k]; k++) {
                char *path = corral_xasprintf("%s/%s.so", dir, names[k]);
                struct plugin_file *f = get_file(reg, path);
                for (int kind = CORRAL_AGENT_RESOURCE; !f->refused && kind <= CORRAL_AGENT_FENCE;
                     kind++) {
                    struct native *n = NULL;
                    char *err = NULL;
                    /* Only the first file of a name and kind counts, as in a lookup. */
                    if (seen_has(&seen, names[k], kind)) continue;
                    if (native_at(reg, path, names[k], kind, &n, &err) == 0 &&
                        seen_add(&seen, names[k], kind))
                        found(ud, names[k], kind);
                    free(err);
                }
                free(path);
            }
            corral_strv_free(names);
            free(dir);
        }
    }
    /* Bridges: the first of each name, then each lists its agents. */
    for (size_t d = 0; reg->plugin_dirs[d]; d++) {
        const char *subs[2] = {kind_subdir[SLOT_BRIDGE], NULL};
        for (int i = 0; i < 2; i++) {
            char *dir = subs[i] ? corral_xasprintf("%s/%s", reg->plugin_dirs[d], subs[i])
                                : corral_xstrdup(reg->plugin_dirs[d]);
            char **names = so_files(dir);
            for (size_t k = 0; names[k]; k++) {
                char *path = corral_xasprintf("%s/%s.so", dir, names[k]);
                struct plugin_file *f = get_file(reg, path);
                if (!f->refused && corral__loader_sym(f->mod, CORRAL_BRIDGE_PLUGIN_SYMBOL)) {
                    struct bridge *b = NULL;
                    char *err = NULL;
                    if (lookup_bridge(reg, names[k], &b, &err) == 0 && seen_add(&seen, names[k], 0))
                        b->desc->list(&reg->host, found, ud);
                    free(err);
                }
                free(path);
            }
            corral_strv_free(names);
            free(dir);
        }
    }
    seen_free(&seen);
    return 0;
}

/* ---- parameters ------------------------------------------------------- */

static bool is_integer(const char *v)
{
    if (*v == '+' || *v == '-') v++;
    if (!*v) return false;
    for (; *v; v++)
        if (!isdigit((unsigned char)*v)) return false;
    return true;
}

/* Booleans and durations are read as the INI reads them. */
static bool is_boolean(const char *v)
{
    bool b;
    return corral_parse_bool(v, &b) == 0;
}

static bool is_duration(const char *v)
{
    uint32_t ms;
    return corral_parse_duration_ms(v, &ms) == 0;
}

static const char *closest_param(const corral_param_spec_t *params, const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; params && params[i].name; i++) {
        size_t d = corral_edit_distance(name, params[i].name);
        if (d < best_d) {
            best_d = d;
            best = params[i].name;
        }
    }
    size_t len = strlen(name);
    size_t limit = len > 6 ? len / 3 : 2;
    return best && best_d <= limit ? best : NULL;
}

int corral_registry_check_params(const corral_agent_info_t *info, size_t n,
                                 const char *const names[], const char *const values[],
                                 void (*bad)(void *ud, const char *param, const char *message),
                                 void *ud)
{
    if (!info || (n && (!names || !values))) return -EINVAL;
    int problems = 0;
    const corral_param_spec_t *params = info->params;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        const corral_param_spec_t *spec = NULL;
        for (size_t k = 0; params && params[k].name; k++)
            if (!strcmp(params[k].name, names[i])) spec = &params[k];
        char *msg = NULL;
        const char *v = values[i] ? values[i] : "";
        if (!spec) {
            const char *near = closest_param(params, names[i]);
            if (near)
                msg = corral_xasprintf("unknown parameter '%s' for agent %s (did you mean '%s'?)",
                                       names[i], info->name, near);
            else
                msg = corral_xasprintf("unknown parameter '%s' for agent %s", names[i], info->name);
        } else if (spec->type == CORRAL_PARAM_INTEGER && !is_integer(v)) {
            msg = corral_xasprintf("parameter '%s' must be an integer, not '%s'", names[i], v);
        } else if (spec->type == CORRAL_PARAM_BOOLEAN && !is_boolean(v)) {
            msg =
                corral_xasprintf("parameter '%s' must be a boolean (true/false/yes/no/on/off/1/0),"
                                 " not '%s'",
                                 names[i], v);
        } else if (spec->type == CORRAL_PARAM_DURATION && !is_duration(v)) {
            msg = corral_xasprintf("parameter '%s' must be a duration (500ms, 10s, 5min, 1h), not"
                                   " '%s'",
                                   names[i], v);
        }
        if (msg) {
            problems++;
            if (bad) bad(ud, names[i], msg);
            free(msg);
        }
    }
    for (size_t k = 0; params && params[k].name; k++) {
        if (!params[k].required) continue;
        bool given = false;
        for (size_t i = 0; i < n && !given; i++)
            given = names[i] && !strcmp(names[i], params[k].name);
        if (given) continue;
        problems++;
        if (bad) {
            char *msg = corral_xasprintf("required parameter '%s' of agent %s is missing",
                                         params[k].name, info->name);
            bad(ud, params[k].name, msg);
            free(msg);
        }
    }
    return problems;
}

/* ---- invoke (in the action's child) ----------------------------------- */

static void emit(const corral_op_t *op, corral_buf_t *b)
{
    char *line = corral_buf_take(b);
    op->output(op, line);
    free(line);
}

static const char *const type_words[] = {"string", "integer", "boolean", "time"};

/* OCF-style meta-data of a native agent, one output line per XML line. */
static void emit_meta_data(const corral_op_t *op, const corral_agent_info_t *info)
{
    corral_buf_t b = {0};
    corral_buf_append(&b, "<?xml version=\"1.0\"?>");
    emit(op, &b);
    corral_buf_append(&b, "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">");
    emit(op, &b);
    corral_buf_append(&b, "<resource-agent name=\"");
    corral_buf_xml_escape(&b, info->name);
    corral_buf_append(&b, "\" version=\"");
    corral_buf_xml_escape(&b, info->version);
    corral_buf_append(&b, "\">");
    emit(op, &b);
    corral_buf_append(&b, "  <version>1.1</version>");
    emit(op, &b);
    const char *tags[2] = {"longdesc", "shortdesc"};
    for (int t = 0; t < 2; t++) {
        corral_buf_printf(&b, "  <%s lang=\"en\">", tags[t]);
        corral_buf_xml_escape(&b, info->description);
        corral_buf_printf(&b, "</%s>", tags[t]);
        emit(op, &b);
    }
    corral_buf_append(&b, "  <parameters>");
    emit(op, &b);
    for (size_t i = 0; info->params && info->params[i].name; i++) {
        const corral_param_spec_t *p = &info->params[i];
        corral_buf_append(&b, "    <parameter name=\"");
        corral_buf_xml_escape(&b, p->name);
        corral_buf_printf(&b, "\" required=\"%d\" unique=\"%d\" reloadable=\"%d\">",
                          p->required ? 1 : 0, p->unique ? 1 : 0, p->reloadable ? 1 : 0);
        emit(op, &b);
        for (int t = 0; t < 2; t++) {
            corral_buf_printf(&b, "      <%s lang=\"en\">", tags[t]);
            corral_buf_xml_escape(&b, p->description);
            corral_buf_printf(&b, "</%s>", tags[t]);
            emit(op, &b);
        }
        corral_buf_printf(&b, "      <content type=\"%s\"", type_words[p->type]);
        if (p->default_value) {
            corral_buf_append(&b, " default=\"");
            corral_buf_xml_escape(&b, p->default_value);
            corral_buf_append(&b, "\"");
        }
        corral_buf_append(&b, "/>");
        emit(op, &b);
        corral_buf_append(&b, "    </parameter>");
        emit(op, &b);
    }
    corral_buf_append(&b, "  </parameters>");
    emit(op, &b);
    corral_buf_append(&b, "  <actions>");
    emit(op, &b);
    for (unsigned bit = 1; bit && corral_action_name(bit); bit <<= 1) {
        if (!(info->actions & bit)) continue;
        /* OCF meta-data calls validate by its OCF name. */
        corral_buf_printf(&b, "    <action name=\"%s\" timeout=\"20s\"/>",
                          bit == CORRAL_ACT_VALIDATE ? "validate-all" : corral_action_name(bit));
        emit(op, &b);
    }
    corral_buf_append(&b, "    <action name=\"meta-data\" timeout=\"5s\"/>");
    emit(op, &b);
    corral_buf_append(&b, "  </actions>");
    emit(op, &b);
    corral_buf_append(&b, "</resource-agent>");
    emit(op, &b);
    corral_buf_free(&b);
}

struct check_ctx {
    const corral_op_t *op;
    int n;
};

static void validate_bad(void *ud, const char *param, const char *message)
{
    struct check_ctx *c = ud;
    c->op->log(c->op, CORRAL_LOG_ERROR, "%s", message);
    if (c->n++ == 0) c->op->set_exit_reason(c->op, "%s", message);
}

/* Parameters against the specs, before an agent's own validate. */
static int host_validate(const corral_op_t *op, const corral_agent_info_t *info)
{
    const char **names = NULL, **values = NULL;
    size_t n = 0, cap = 0, vcap = 0, vn = 0;
    const char *name, *value;
    for (size_t i = 0; op->param_at && op->param_at(op, i, &name, &value) == 0; i++) {
        CORRAL_PUSH(names, n, cap, name);
        CORRAL_PUSH(values, vn, vcap, value);
    }
    struct check_ctx c = {op, 0};
    int problems = corral_registry_check_params(info, n, names, values, validate_bad, &c);
    free(names);
    free(values);
    return problems > 0 ? CORRAL_OCF_NOT_CONFIGURED : CORRAL_OCF_SUCCESS;
}

static void discard_output(const corral_op_t *op, const char *line)
{
    (void)op;
    (void)line;
}

static int invoke_resource(const struct native *n, const corral_op_t *op)
{
    const corral_resource_plugin_t *d = n->desc;
    const char *a = op->action;
    if (!strcmp(a, "meta-data")) {
        emit_meta_data(op, &n->info);
        return CORRAL_OCF_SUCCESS;
    }
    if (!strcmp(a, "validate") || !strcmp(a, "validate-all")) {
        int rc = host_validate(op, &n->info);
        if (rc != CORRAL_OCF_SUCCESS || !d->validate) return rc;
        return d->validate(op);
    }
    static const struct {
        const char *name;
        size_t off;
    } acts[] = {
        {"start", offsetof(corral_resource_plugin_t, start)},
        {"stop", offsetof(corral_resource_plugin_t, stop)},
        {"monitor", offsetof(corral_resource_plugin_t, monitor)},
        {"promote", offsetof(corral_resource_plugin_t, promote)},
        {"demote", offsetof(corral_resource_plugin_t, demote)},
        {"reload", offsetof(corral_resource_plugin_t, reload)},
        {"notify", offsetof(corral_resource_plugin_t, notify)},
        {"migrate_to", offsetof(corral_resource_plugin_t, migrate_to)},
        {"migrate_from", offsetof(corral_resource_plugin_t, migrate_from)},
    };
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        if (strcmp(a, acts[i].name)) continue;
        corral_action_fn fn;
        memcpy(&fn, (const char *)d + acts[i].off, sizeof(fn));
        if (!fn) break;
        return fn(op);
    }
    op->set_exit_reason(op, "agent %s does not implement '%s'", op->agent, a);
    return CORRAL_OCF_UNIMPLEMENTED;
}

static int invoke_fence(const struct native *n, const corral_op_t *op)
{
    const corral_fence_plugin_t *d = n->desc;
    const char *a = op->action;
    if (!strcmp(a, "meta-data")) {
        emit_meta_data(op, &n->info);
        return CORRAL_OCF_SUCCESS;
    }
    if (!strcmp(a, "validate") || !strcmp(a, "validate-all")) return host_validate(op, &n->info);
    if (!strcmp(a, "off")) return d->off(op);
    if (!strcmp(a, "status")) return d->status(op);
    if (!strcmp(a, "on") && d->on) return d->on(op);
    if (!strcmp(a, "list") && d->list) return d->list(op);
    if (!strcmp(a, "reboot")) {
        if (d->reboot) return d->reboot(op);
        if (d->on) {
            /* No reboot of its own: power off, then on again. */
            int rc = d->off(op);
            if (rc != CORRAL_OCF_SUCCESS) return rc;
            return d->on(op);
        }
    }
    if (!strcmp(a, "monitor")) {
        if (d->monitor) return d->monitor(op);
        /* A device with a list answers monitor by listing (quietly); one without has nothing to
         * check. */
        if (!d->list) return CORRAL_OCF_SUCCESS;
        corral_op_t quiet = *op;
        quiet.output = discard_output;
        return d->list(&quiet);
    }
    op->set_exit_reason(op, "agent %s does not implement '%s'", op->agent, a);
    return CORRAL_OCF_UNIMPLEMENTED;
}

int corral_registry_invoke(corral_registry_t *reg, const char *agent, corral_agent_kind_t kind,
                           const corral_op_t *op)
{
    if (!reg || !agent || !op || !op->action || !kind_valid(kind)) return CORRAL_OCF_ERR_ARGS;
    if (strchr(agent, ':')) {
        const corral_agent_info_t *info = NULL;
        char *err = NULL;
        int rc = corral_registry_describe(reg, agent, kind, &info, &err);
        if (rc < 0) {
            op->set_exit_reason(op, "%s", err ? err : "agent not installed");
            free(err);
            return rc == -ENOENT ? CORRAL_OCF_NOT_INSTALLED : CORRAL_OCF_ERR_GENERIC;
        }
        struct described *d = NULL;
        for (size_t i = 0; i < reg->n_descs && !d; i++)
            if (reg->descs[i]->info == info) d = reg->descs[i];
        if (!d) return CORRAL_OCF_ERR_GENERIC;
        rc = d->bridge->desc->run(op);
        /* A bridge that leaves meta-data to the host gets it from the description. */
        if (rc == CORRAL_OCF_UNIMPLEMENTED && !strcmp(op->action, "meta-data")) {
            emit_meta_data(op, info);
            rc = CORRAL_OCF_SUCCESS;
        }
        return rc;
    }
    struct native *n = NULL;
    char *err = NULL;
    int rc = lookup_native(reg, agent, kind, &n, &err);
    if (rc < 0) {
        op->set_exit_reason(op, "%s", err ? err : "agent not installed");
        free(err);
        return rc == -ENOENT ? CORRAL_OCF_NOT_INSTALLED : CORRAL_OCF_ERR_GENERIC;
    }
    return kind == CORRAL_AGENT_FENCE ? invoke_fence(n, op) : invoke_resource(n, op);
}

/* ---- the bridge host -------------------------------------------------- */

static const char *host_setting(const corral_bridge_host_t *h, const char *key)
{
    return h ? corral_registry_setting(h->host, key) : NULL;
}

static void host_log(const corral_bridge_host_t *h, int level, const char *fmt, ...)
{
    (void)h;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (!msg) return;
    switch (level) {
    case CORRAL_LOG_ERROR:
        corral_err("%s", msg);
        break;
    case CORRAL_LOG_WARNING:
        corral_warn("%s", msg);
        break;
    case CORRAL_LOG_NOTICE:
        corral_notice("%s", msg);
        break;
    case CORRAL_LOG_INFO:
        corral_info("%s", msg);
        break;
    default:
        corral_debug("%s", msg);
        break;
    }
    free(msg);
}

struct exec_arg {
    char *const *argv;
    char *const *envp;
};

static int exec_child(void *arg, int result_fd)
{
    (void)result_fd;
    const struct exec_arg *e = arg;
    if (e->envp)
        execvpe(e->argv[0], e->argv, e->envp);
    else
        execvp(e->argv[0], e->argv);
    dprintf(2, "%s: %s\n", e->argv[0], strerror(errno));
    return 127;
}

static int host_exec(const corral_bridge_host_t *h, char *const argv[], char *const envp[],
                     const char *stdin_data, uint32_t timeout_ms, char **stdout_out)
{
    (void)h;
    if (!argv || !argv[0]) return -EINVAL;
    struct exec_arg e = {argv, envp};
    corral_job_spec_t spec = {
        .child = exec_child,
        .arg = &e,
        .timeout_ms = timeout_ms,
        .output_cap = EXEC_OUTPUT_CAP,
        .stdin_data = stdin_data,
    };
    corral_job_t *job = NULL;
    int rc = corral_job_start(&spec, &job);
    if (rc < 0) return rc;
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    if (r->err && r->err[0]) corral_debug("exec %s: stderr: %s", argv[0], r->err);
    switch (r->status) {
    case CORRAL_JOB_EXITED:
        rc = r->exit_code;
        break;
    case CORRAL_JOB_SIGNALED:
        rc = 128 + r->signo; /* as a shell reports it */
        break;
    case CORRAL_JOB_TIMED_OUT:
        rc = -ETIMEDOUT;
        break;
    default:
        rc = -ECANCELED;
        break;
    }
    if (stdout_out) *stdout_out = corral_xstrdup(r->out ? r->out : "");
    corral_job_free(job);
    return rc;
}
