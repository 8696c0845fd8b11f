/*
 * The `ocf` bridge: OCF resource agents, `ocf:PROVIDER:TYPE`, the program
 * $OCF_ROOT/resource.d/PROVIDER/TYPE run with the OCF environment and the
 * action as its first argument.
 *
 * The agent runs as a sub-child of the action's child process (not exec'd
 * in place) so that this bridge reads its stderr: `ocf-exit-reason:` lines
 * become the op's exit reason through op->set_exit_reason, other lines go to
 * the daemon's log through op->log, and the raw bytes are copied to our own
 * stderr so the host's capture still has them.
 */
#include "ocf_common.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCF_DEFAULT_ROOT    "/usr/lib/ocf"
#define OCF_META_TIMEOUT_MS 30000u
#define OCF_REASON_PREFIX   "ocf-exit-reason:"
/* OCF 1.1's "degraded" codes: running, but not as well as it should. */
#define OCF_DEGRADED          190
#define OCF_DEGRADED_PROMOTED 191

extern char **environ;

/* "ocf:PROVIDER:TYPE" into its two parts; false if it is no valid OCF name. */
static bool split_name(const char *agent, char **provider_out, char **type_out)
{
    if (!agent || strncmp(agent, "ocf:", 4) != 0) return false;
    const char *prov = agent + 4;
    const char *colon = strchr(prov, ':');
    if (!colon || colon == prov) return false;
    const char *type = colon + 1;
    size_t pl = (size_t)(colon - prov);
    /* Names become path components: no separators, no dot entries. */
    if (!*type || strchr(type, '/') || strchr(type, ':') || memchr(prov, '/', pl)) return false;
    if (strcmp(type, ".") == 0 || strcmp(type, "..") == 0 || type[0] == '.') return false;
    if (prov[0] == '.') return false;
    char *p = corral__ocf_xmalloc(pl + 1);
    memcpy(p, prov, pl);
    p[pl] = '\0';
    *provider_out = p;
    *type_out = corral__ocf_xstrdup(type);
    return true;
}

static const char *root_of(const char *setting)
{
    return setting && *setting ? setting : OCF_DEFAULT_ROOT;
}

/* Environment for any run of an agent (meta-data included). */
static void base_env(corral__ocf_strv_t *env, const char *root, const char *provider,
                     const char *type)
{
    for (char **e = environ; e && *e; e++) corral__ocf_strv_push(env, *e);
    /* Nothing of another agent's or of the daemon's own OCF variables leaks in. */
    corral__ocf_strv_unsetenv_prefix(env, "OCF_RESKEY_");
    corral__ocf_strv_unsetenv_prefix(env, "OCF_RESOURCE_");
    corral__ocf_strv_unsetenv_prefix(env, "__OCF_");
    corral__ocf_strv_setenv(env, "OCF_ROOT", root);
    corral__ocf_strv_setenv(env, "OCF_RA_VERSION_MAJOR", "1");
    corral__ocf_strv_setenv(env, "OCF_RA_VERSION_MINOR", "1");
    corral__ocf_strv_setenv(env, "OCF_RESOURCE_PROVIDER", provider);
    corral__ocf_strv_setenv(env, "OCF_RESOURCE_TYPE", type);
    corral__ocf_strv_setenv(env, "OCF_EXIT_REASON_PREFIX", OCF_REASON_PREFIX);
}

/* ---- list ---------------------------------------------------------------- */

static int skip_dot(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static int ocf_list(const corral_bridge_host_t *h,
                    void (*found)(void *ud, const char *agent, corral_agent_kind_t kind), void *ud)
{
    const char *root = root_of(h->setting ? h->setting(h, "ocf-root") : NULL);
    char *rd = corral__ocf_xasprintf("%s/resource.d", root);
    struct dirent **prov = NULL;
    int np = scandir(rd, &prov, skip_dot, alphasort);
    if (np < 0) {
        int e = errno;
        /* No OCF agents installed is an empty list, not a failure. */
        if (e != ENOENT && e != ENOTDIR && h->log)
            h->log(h, CORRAL_LOG_WARNING, "ocf bridge: cannot read %s: %s", rd, strerror(e));
        free(rd);
        return e == ENOENT || e == ENOTDIR ? 0 : -e;
    }
    for (int i = 0; i < np; i++) {
        char *pd = corral__ocf_xasprintf("%s/%s", rd, prov[i]->d_name);
        struct dirent **ag = NULL;
        int na = scandir(pd, &ag, skip_dot, alphasort);
        for (int j = 0; j < na; j++) {
            char *path = corral__ocf_xasprintf("%s/%s", pd, ag[j]->d_name);
            if (corral__ocf_is_executable(path)) {
                char *name = corral__ocf_xasprintf("ocf:%s:%s", prov[i]->d_name, ag[j]->d_name);
                found(ud, name, CORRAL_AGENT_RESOURCE);
                free(name);
            }
            free(path);
            free(ag[j]);
        }
        free(ag);
        free(pd);
        free(prov[i]);
    }
    free(prov);
    free(rd);
    return 0;
}

/* ---- describe ------------------------------------------------------------ */

static int ocf_describe(const corral_bridge_host_t *h, const char *agent, corral_agent_kind_t kind,
                        corral_agent_info_t **info_out, char **error_out)
{
    int rc = 0;
    char *provider = NULL, *type = NULL, *path = NULL, *out = NULL;
    corral__ocf_strv_t env = {0};

    if (kind != CORRAL_AGENT_RESOURCE || !split_name(agent, &provider, &type)) return -ENOENT;
    const char *root = root_of(h->setting ? h->setting(h, "ocf-root") : NULL);
    path = corral__ocf_xasprintf("%s/resource.d/%s/%s", root, provider, type);
    if (!corral__ocf_is_executable(path)) {
        rc = -ENOENT;
        goto done;
    }
    base_env(&env, root, provider, type);
    char *argv[] = {path, "meta-data", NULL};
    int x = h->exec(h, argv, env.v, NULL, OCF_META_TIMEOUT_MS, &out);
    if (x != 0) {
        rc = x < 0 ? x : -EIO;
        if (error_out) {
            if (x == -ETIMEDOUT)
                *error_out = corral__ocf_xasprintf("%s: meta-data timed out after %us", path,
                                                   OCF_META_TIMEOUT_MS / 1000);
            else if (x < 0)
                *error_out =
                    corral__ocf_xasprintf("%s: cannot run meta-data: %s", path, strerror(-x));
            else
                *error_out = corral__ocf_xasprintf("%s: meta-data exited with code %d", path, x);
        }
        goto done;
    }
    rc = corral__ocf_meta_parse(out ? out : "", out ? strlen(out) : 0, CORRAL__OCF_FLAVOR_OCF,
                                agent, CORRAL_AGENT_RESOURCE, path, info_out, error_out);
done:
    corral__ocf_strv_free(&env);
    free(out);
    free(path);
    free(provider);
    free(type);
    return rc;
}

static void ocf_free_info(corral_agent_info_t *info)
{
    corral__ocf_info_free(info);
}

/* ---- run ----------------------------------------------------------------- */

/* Pacemaker 2.1 gives agents both its new and its old names for some meta
 * variables; older agents read only the old ones. */
static const struct {
    const char *from;
    const char *to;
} meta_aliases[] = {
    {"promoted_max", "master_max"},
    {"promoted_node_max", "master_node_max"},
    {"notify_promoted_", "notify_master_"},
    {"notify_unpromoted_", "notify_slave_"},
};

static void set_meta(corral__ocf_strv_t *env, const char *name, const char *value)
{
    char *n = corral__ocf_xasprintf("OCF_RESKEY_CRM_meta_%s", name);
    for (char *c = n; *c; c++)
        if (*c == '-') *c = '_';
    if (!strchr(n, '=')) corral__ocf_strv_setenv(env, n, value);
    free(n);
}

static void add_meta(corral__ocf_strv_t *env, const char *name, const char *value)
{
    set_meta(env, name, value);
    for (size_t i = 0; i < sizeof(meta_aliases) / sizeof(meta_aliases[0]); i++) {
        size_t fl = strlen(meta_aliases[i].from);
        if (strncmp(name, meta_aliases[i].from, fl) != 0) continue;
        /* An exact name, or a prefix when the table entry ends in '_'. */
        if (name[fl] && meta_aliases[i].from[fl - 1] != '_') continue;
        char *alias = corral__ocf_xasprintf("%s%s", meta_aliases[i].to, name + fl);
        char *full = corral__ocf_xasprintf("OCF_RESKEY_CRM_meta_%s", alias);
        /* An alias never overrides what the host set under that name. */
        if (!corral__ocf_strv_getenv(env, full)) set_meta(env, alias, value);
        free(full);
        free(alias);
    }
}

/* A directory the agent may write its state into: `preferred` when it is
 * usable, else a directory under the host's state dir. */
static char *writable_dir(const char *preferred, const corral_op_t *op, const char *sub)
{
    mkdir(preferred, 0755);
    if (access(preferred, W_OK | X_OK) == 0) return corral__ocf_xstrdup(preferred);
    if (op->state_dir && *op->state_dir) {
        char *d = corral__ocf_xasprintf("%s/%s", op->state_dir, sub);
        mkdir(op->state_dir, 0755);
        mkdir(d, 0755);
        if (access(d, W_OK | X_OK) == 0) return d;
        free(d);
    }
    return corral__ocf_xstrdup(preferred);
}

typedef struct run_ctx {
    const corral_op_t *op;
    char *reason; /* the last ocf-exit-reason line */
} run_ctx_t;

static void on_stderr(void *ud, const char *line)
{
    run_ctx_t *ctx = ud;
    size_t pl = strlen(OCF_REASON_PREFIX);
    if (strncmp(line, OCF_REASON_PREFIX, pl) == 0) {
        free(ctx->reason);
        ctx->reason = corral__ocf_xstrdup(line + pl);
        return;
    }
    corral__ocf_log_agent_line(ctx->op, line);
}

/* ---- attribute tools ------------------------------------------------------
 * Agents set node attributes (a promotable clone's promotion score, ping's
 * connectivity count) with Pacemaker's crm_attribute, crm_master and
 * attrd_updater. ocf-tools/ beside this .so holds stand-ins for them; they
 * write each update to a file that is turned into op->set_attr() calls once
 * the agent has exited. */

extern const corral_bridge_plugin_t corral_bridge_plugin;

static bool safe_owner(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return false;
    if (st.st_uid != 0 && st.st_uid != geteuid()) return false;
    return (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* ocf-tools/ beside the loaded ocf.so, or NULL when it is not there or unsafe. */
static char *tools_dir(void)
{
    Dl_info dl;
    if (!dladdr(&corral_bridge_plugin, &dl) || !dl.dli_fname) return NULL;
    const char *slash = strrchr(dl.dli_fname, '/');
    char *dir =
        slash ? corral__ocf_xasprintf("%.*s/ocf-tools", (int)(slash - dl.dli_fname), dl.dli_fname)
              : corral__ocf_xstrdup("ocf-tools");
    /* Agents run as root and will execute these: the same rule as for
     * plugins, nothing in there writable by anyone but root or us. */
    static const char *const tools[] = {"crm_attribute", "crm_master", "attrd_updater", "crm_node",
                                        "crm_mon",       "cibadmin",   "crm_resource",  NULL};
    bool ok = safe_owner(dir);
    for (size_t i = 0; ok && tools[i]; i++) {
        char *t = corral__ocf_xasprintf("%s/%s", dir, tools[i]);
        ok = corral__ocf_is_executable(t) && safe_owner(t);
        free(t);
    }
    if (ok) return dir;
    free(dir);
    return NULL;
}

/* Point the agent at the stand-ins; *attr_file_out: where updates will be written. */
static void setup_tools(const corral_op_t *op, corral__ocf_strv_t *env, const char *tmpdir,
                        char **attr_file_out)
{
    char *dir = tools_dir();
    if (!dir) {
        if (op->log)
            op->log(op, CORRAL_LOG_DEBUG,
                    "ocf bridge: no usable ocf-tools directory beside ocf.so (missing, or "
                    "writable by others); agents' attribute updates go to the real Pacemaker "
                    "tools");
        return;
    }
    char *file = corral__ocf_xasprintf("%s/corral-attrs-XXXXXX", tmpdir);
    int fd = mkostemp(file, O_CLOEXEC);
    if (fd < 0) {
        if (op->log)
            op->log(op, CORRAL_LOG_WARNING, "ocf bridge: cannot create %s: %s", file,
                    strerror(errno));
        free(file);
        free(dir);
        return;
    }
    close(fd);
    const char *sbin = corral__ocf_strv_getenv(env, "HA_SBIN_DIR");
    corral__ocf_strv_setenv(env, "CORRAL_OCF_SBIN", sbin && *sbin ? sbin : "/usr/sbin");
    corral__ocf_strv_setenv(env, "HA_SBIN_DIR", dir);
    const char *path = corral__ocf_strv_getenv(env, "PATH");
    char *newpath =
        corral__ocf_xasprintf("%s:%s", dir, path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    corral__ocf_strv_setenv(env, "PATH", newpath);
    free(newpath);
    corral__ocf_strv_setenv(env, "CORRAL_OCF_ATTR_FILE", file);
    corral__ocf_strv_setenv(env, "CORRAL_OCF_NODE", op->node ? op->node : "");
    *attr_file_out = file;
    free(dir);
}

/* Hand the updates the agent made to the host, then drop the file. */
static void apply_attrs(const corral_op_t *op, char *file)
{
    FILE *f = fopen(file, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (f && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') line[n - 1] = '\0';
        char *name = strchr(line, '\t');
        if (!name) continue;
        *name++ = '\0';
        char *value = strchr(name, '\t');
        if (value) *value++ = '\0';
        if (!*name) continue;
        bool set = strcmp(line, "set") == 0;
        if (!set && strcmp(line, "del") != 0) continue;
        int rc = op->set_attr ? op->set_attr(op, name, set ? (value ? value : "") : NULL) : -ENOSYS;
        if (rc != 0 && op->log)
            op->log(op, CORRAL_LOG_WARNING, "ocf bridge: attribute %s: cannot %s it: %s", name,
                    set ? "set" : "delete", strerror(-rc));
        else if (op->log)
            op->log(op, CORRAL_LOG_DEBUG, "ocf bridge: agent %s attribute %s%s%s",
                    set ? "set" : "deleted", name, set ? "=" : "", set && value ? value : "");
    }
    free(line);
    if (f) fclose(f);
    unlink(file);
}

/* The agent's meta-data, captured (for choosing between reload actions). */
static char *capture_meta(char *path, char *const envp[])
{
    char *argv[] = {path, "meta-data", NULL};
    corral__ocf_spawn_t sp = {.argv = argv, .envp = envp, .capture_stdout = true};
    corral__ocf_spawn_result_t res = {0};
    if (corral__ocf_spawn_run(&sp, &res) != 0) return NULL;
    if (!res.exited || res.exit_code != 0) {
        free(res.out);
        return NULL;
    }
    return res.out;
}

/* The host always provides set_exit_reason; a bare test harness may not. */
#define REASON(op, ...)                                                                            \
    do {                                                                                           \
        if ((op)->set_exit_reason) (op)->set_exit_reason((op), __VA_ARGS__);                       \
    } while (0)

static int ocf_run(const corral_op_t *op)
{
    int rc = CORRAL_OCF_ERR_GENERIC;
    char *provider = NULL, *type = NULL, *path = NULL, *rsctmp = NULL, *varrun = NULL;
    char *attr_file = NULL;
    corral__ocf_strv_t env = {0};
    run_ctx_t ctx = {.op = op};
    char buf[32];

    if (!split_name(op->agent, &provider, &type)) {
        REASON(op, "%s is not an OCF agent name (ocf:PROVIDER:TYPE)",
               op->agent ? op->agent : "(null)");
        rc = CORRAL_OCF_NOT_INSTALLED;
        goto done;
    }
    const char *root = root_of(op->setting ? op->setting(op, "ocf-root") : NULL);
    path = corral__ocf_xasprintf("%s/resource.d/%s/%s", root, provider, type);
    if (!corral__ocf_is_executable(path)) {
        REASON(op, "%s: not installed (%s is not an executable file)", op->agent, path);
        rc = CORRAL_OCF_NOT_INSTALLED;
        goto done;
    }

    base_env(&env, root, provider, type);
    corral__ocf_strv_setenv(&env, "OCF_RESOURCE_INSTANCE", op->instance ? op->instance : "");
    for (size_t i = 0;; i++) {
        const char *n = NULL, *v = NULL;
        if (!op->param_at || op->param_at(op, i, &n, &v) != 0) break;
        if (!n || !*n || strchr(n, '=')) continue;
        char *key = corral__ocf_xasprintf("OCF_RESKEY_%s", n);
        corral__ocf_strv_setenv(&env, key, v ? v : "");
        free(key);
    }
    if (op->node) set_meta(&env, "on_node", op->node);
    for (size_t i = 0;; i++) {
        const char *n = NULL, *v = NULL;
        if (!op->meta_at || op->meta_at(op, i, &n, &v) != 0) break;
        if (!n || !*n) continue;
        add_meta(&env, n, v ? v : "");
        /* A monitor's depth is the agent's check level (OCF). */
        if (strcmp(n, "depth") == 0) corral__ocf_strv_setenv(&env, "OCF_CHECK_LEVEL", v ? v : "0");
    }
    /* The host's interval and timeout are the truth: set them last. */
    snprintf(buf, sizeof(buf), "%u", op->interval_ms);
    set_meta(&env, "interval", buf);
    snprintf(buf, sizeof(buf), "%u", op->timeout_ms);
    set_meta(&env, "timeout", buf);

    /* State directories the resource-agents library uses; an admin's (or a
     * test's) own choice in the environment is kept. */
    const char *e = corral__ocf_strv_getenv(&env, "HA_RSCTMP");
    rsctmp = writable_dir(e && *e ? e : "/run/resource-agents", op, "ocf-rsctmp");
    corral__ocf_strv_setenv(&env, "HA_RSCTMP", rsctmp);
    e = corral__ocf_strv_getenv(&env, "HA_VARRUN");
    varrun = writable_dir(e && *e ? e : "/var/run", op, "ocf-varrun");
    corral__ocf_strv_setenv(&env, "HA_VARRUN", varrun);
    setup_tools(op, &env, rsctmp, &attr_file);

    const char *action = op->action ? op->action : "";
    if (strcmp(action, "validate") == 0) {
        action = "validate-all";
    } else if (strcmp(action, "reload") == 0) {
        /* OCF 1.1 splits "reload" (of the service) from "reload-agent" (of
         * reloadable parameters), which is what corral's reload means. */
        char *meta = capture_meta(path, env.v);
        if (meta && corral__ocf_meta_has_action(meta, strlen(meta), "reload-agent"))
            action = "reload-agent";
        free(meta);
    }

    char *argv[] = {path, (char *)action, NULL};
    corral__ocf_spawn_t sp = {.argv = argv, .envp = env.v, .stderr_line = on_stderr, .ud = &ctx};
    corral__ocf_spawn_result_t res = {0};
    int src = corral__ocf_spawn_run(&sp, &res);
    if (attr_file) apply_attrs(op, attr_file);
    if (src != 0) {
        REASON(op, "%s: cannot run the agent: %s", op->agent, strerror(-src));
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    if (!res.exited) {
        REASON(op, "%s %s: agent killed by signal %d (%s)", op->agent, action, res.signo,
               strsignal(res.signo));
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    rc = res.exit_code;
    if (rc == OCF_DEGRADED || rc == OCF_DEGRADED_PROMOTED) {
        if (op->log)
            op->log(op, CORRAL_LOG_WARNING, "%s %s: the agent reports degraded (rc=%d)", op->agent,
                    action, rc);
        rc = rc == OCF_DEGRADED ? CORRAL_OCF_SUCCESS : CORRAL_OCF_RUNNING_PROMOTED;
    } else if (rc > CORRAL_OCF_FAILED_PROMOTED) {
        if (!ctx.reason)
            ctx.reason = corral__ocf_xasprintf("%s %s: exit code %d is not an OCF code", op->agent,
                                               action, rc);
        rc = CORRAL_OCF_ERR_GENERIC;
    }
    if (ctx.reason) REASON(op, "%s", ctx.reason);

done:
    free(attr_file);
    free(ctx.reason);
    corral__ocf_strv_free(&env);
    free(rsctmp);
    free(varrun);
    free(path);
    free(provider);
    free(type);
    return rc;
}

const corral_bridge_plugin_t corral_bridge_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_bridge_plugin_t),
    .name = "ocf",
    .version = "1.0",
    .description = "OCF resource agents (ocf:PROVIDER:TYPE) from $OCF_ROOT/resource.d",
    .list = ocf_list,
    .describe = ocf_describe,
    .free_info = ocf_free_info,
    .run = ocf_run,
};
