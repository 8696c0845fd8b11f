/*
 * The `fence-agents` bridge: `fence-agents:fence_xxx` is the program
 * fence_xxx found on the fence-agents path (default /usr/sbin), driven by
 * the stdin protocol of the fence-agents project: `key=value` lines with
 * action=, plug= (or port=), nodename= and the device's parameters.
 *
 * Every run first reads the agent's own meta-data (`-o metadata`): it says
 * whether the agent takes a plug at all and under which name, which actions
 * it has, and which parameters are durations in seconds. That costs one
 * more start of the program per action, which is cheap next to a fence
 * action and keeps the bridge stateless.
 */
#include "../ocf/ocf_common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FENCE_DEFAULT_PATH    "/usr/sbin"
#define FENCE_META_TIMEOUT_MS 30000u
#define FENCE_PREFIX          "fence-agents:"

/* fencing.py's status answer for "off". */
#define FENCE_STATUS_OFF 2

extern char **environ;

#define REASON(op, ...)                                                                            \
    do {                                                                                           \
        if ((op)->set_exit_reason) (op)->set_exit_reason((op), __VA_ARGS__);                       \
    } while (0)

/* The program name of a config name, or NULL when it is not ours. */
static const char *program_of(const char *agent)
{
    size_t pl = strlen(FENCE_PREFIX);
    if (!agent || strncmp(agent, FENCE_PREFIX, pl) != 0) return NULL;
    const char *prog = agent + pl;
    if (strncmp(prog, "fence_", 6) != 0 || !prog[6] || strchr(prog, '/')) return NULL;
    return prog;
}

/* The first executable `prog` on the colon-separated path, or NULL (malloc'd). */
static char *find_program(const char *search, const char *prog)
{
    const char *p = search && *search ? search : FENCE_DEFAULT_PATH;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            char *path = corral__ocf_xasprintf("%.*s/%s", (int)len, p, prog);
            if (corral__ocf_is_executable(path)) return path;
            free(path);
        }
        if (!end) break;
        p = end + 1;
    }
    return NULL;
}

static void base_env(corral__ocf_strv_t *env)
{
    for (char **e = environ; e && *e; e++) corral__ocf_strv_push(env, *e);
}

/* ---- list ---------------------------------------------------------------- */

static int fence_prefix(const struct dirent *d)
{
    /* fence_ack_manual ships beside the agents but is an administrator's
     * tool (it takes a node name, not the stdin protocol or -o metadata). */
    return strncmp(d->d_name, "fence_", 6) == 0 && d->d_name[6] &&
           strcmp(d->d_name, "fence_ack_manual") != 0;
}

static int fa_list(const corral_bridge_host_t *h,
                   void (*found)(void *ud, const char *agent, corral_agent_kind_t kind), void *ud)
{
    const char *search = h->setting ? h->setting(h, "fence-agents-path") : NULL;
    char *copy = corral__ocf_xstrdup(search && *search ? search : FENCE_DEFAULT_PATH);
    /* Names already reported: the first directory on the path wins. */
    corral__ocf_strv_t seen = {0};
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        struct dirent **ents = NULL;
        int n = scandir(dir, &ents, fence_prefix, alphasort);
        for (int i = 0; i < n; i++) {
            const char *name = ents[i]->d_name;
            char *path = corral__ocf_xasprintf("%s/%s", dir, name);
            bool dup = false;
            for (size_t k = 0; k < seen.n && !dup; k++) dup = strcmp(seen.v[k], name) == 0;
            if (!dup && corral__ocf_is_executable(path)) {
                char *full = corral__ocf_xasprintf(FENCE_PREFIX "%s", name);
                found(ud, full, CORRAL_AGENT_FENCE);
                free(full);
                corral__ocf_strv_push(&seen, name);
            }
            free(path);
            free(ents[i]);
        }
        free(ents);
    }
    corral__ocf_strv_free(&seen);
    free(copy);
    return 0;
}

/* ---- describe ------------------------------------------------------------ */

static int fa_describe(const corral_bridge_host_t *h, const char *agent, corral_agent_kind_t kind,
                       corral_agent_info_t **info_out, char **error_out)
{
    int rc = 0;
    char *path = NULL, *out = NULL;
    corral__ocf_strv_t env = {0};
    const char *prog = program_of(agent);

    if (kind != CORRAL_AGENT_FENCE || !prog) return -ENOENT;
    path = find_program(h->setting ? h->setting(h, "fence-agents-path") : NULL, prog);
    if (!path) return -ENOENT;
    base_env(&env);
    char *argv[] = {path, "-o", "metadata", NULL};
    int x = h->exec(h, argv, env.v, NULL, FENCE_META_TIMEOUT_MS, &out);
    if (x != 0) {
        rc = x < 0 ? x : -EIO;
        if (error_out) {
            if (x == -ETIMEDOUT)
                *error_out = corral__ocf_xasprintf("%s: -o metadata timed out after %us", path,
                                                   FENCE_META_TIMEOUT_MS / 1000);
            else if (x < 0)
                *error_out =
                    corral__ocf_xasprintf("%s: cannot run -o metadata: %s", path, strerror(-x));
            else
                *error_out = corral__ocf_xasprintf("%s: -o metadata exited with code %d", path, x);
        }
        goto done;
    }
    rc = corral__ocf_meta_parse(out ? out : "", out ? strlen(out) : 0, CORRAL__OCF_FLAVOR_FENCE,
                                agent, CORRAL_AGENT_FENCE, path, info_out, error_out);
done:
    corral__ocf_strv_free(&env);
    free(out);
    free(path);
    return rc;
}

static void fa_free_info(corral_agent_info_t *info)
{
    corral__ocf_info_free(info);
}

/* ---- run ----------------------------------------------------------------- */

/* corral's action names -> the agent's, and the bit it must advertise (0: always there). */
static const struct {
    const char *corral;
    const char *agent;
    unsigned bit;
} action_map[] = {
    {"off", "off", CORRAL_ACT_OFF},
    {"on", "on", CORRAL_ACT_ON},
    {"reboot", "reboot", CORRAL_ACT_REBOOT},
    {"status", "status", CORRAL_ACT_STATUS},
    {"list", "list", CORRAL_ACT_LIST},
    {"monitor", "monitor", CORRAL_ACT_MONITOR},
    {"validate", "validate-all", CORRAL_ACT_VALIDATE},
    {"validate-all", "validate-all", CORRAL_ACT_VALIDATE},
    {"meta-data", "metadata", 0},
};

/* fencing.py's exit codes, for exit reasons. */
static const char *fence_ec_str(int ec)
{
    switch (ec) {
    case 1:
        return "generic error";
    case 2:
        return "bad arguments";
    case 3:
        return "login denied";
    case 4:
        return "connection lost";
    case 5:
        return "timed out";
    case 6:
        return "timed out waiting to power on";
    case 7:
        return "timed out waiting to power off";
    case 8:
        return "status failed";
    case 9:
        return "status failed";
    case 10:
        return "password missing";
    case 11:
        return "invalid privileges";
    case 12:
        return "cannot fetch VM UUID";
    default:
        return "failed";
    }
}

/* A corral duration ("500ms", "10s", "5min", "1h", "7") as whole seconds for fencing.py. */
static char *duration_to_seconds(const char *v)
{
    char *end = NULL;
    double x = strtod(v, &end);
    if (end == v) return NULL;
    while (*end == ' ') end++;
    double mult;
    if (!*end || strcmp(end, "s") == 0 || strcmp(end, "sec") == 0)
        mult = 1;
    else if (strcmp(end, "ms") == 0 || strcmp(end, "msec") == 0)
        mult = 0.001;
    else if (strcmp(end, "min") == 0 || strcmp(end, "m") == 0)
        mult = 60;
    else if (strcmp(end, "h") == 0 || strcmp(end, "hr") == 0)
        mult = 3600;
    else
        return NULL;
    /* fencing.py reads these with int(): whole seconds, rounded up. */
    double secs = x * mult;
    long long whole = (long long)secs;
    if ((double)whole < secs) whole++;
    return corral__ocf_xasprintf("%lld", whole);
}

typedef struct fa_ctx {
    const corral_op_t *op;
    char *last_error; /* the agent's last error line on stderr */
} fa_ctx_t;

static void on_stderr(void *ud, const char *line)
{
    fa_ctx_t *ctx = ud;
    /* fencing.py prints "... ERROR: Failed: why" (and the same via logging). */
    const char *why = strstr(line, "ERROR:");
    if (why) {
        why += 6;
        while (*why == ' ') why++;
        /* Python's logging module's own "ERROR:root:" form. */
        if (strncmp(why, "root:", 5) == 0) why += 5;
        if (*why && strstr(why, "Please use '-h'") == NULL) {
            free(ctx->last_error);
            ctx->last_error = corral__ocf_xstrdup(why);
        }
    }
    corral__ocf_log_agent_line(ctx->op, line);
}

static bool has_newline(const char *s)
{
    return s && (strchr(s, '\n') || strchr(s, '\r'));
}

/* The stdin the agent is fed; NULL with a reason set when a value cannot be sent. */
static char *build_stdin(const corral_op_t *op, const corral_agent_info_t *info,
                         const char *plug_key, const char *agent_action, bool with_target)
{
    char *text = corral__ocf_xasprintf("action=%s\n", agent_action);
    char *next = NULL;
    const char *plug = op->plug && *op->plug ? op->plug : op->target;
    if (with_target && plug && *plug) {
        if (has_newline(plug)) goto bad_target;
        if (plug_key) {
            next = corral__ocf_xasprintf("%s%s=%s\n", text, plug_key, plug);
            free(text);
            text = next;
        }
    }
    if (with_target && op->target && *op->target) {
        if (has_newline(op->target)) goto bad_target;
        next = corral__ocf_xasprintf("%snodename=%s\n", text, op->target);
        free(text);
        text = next;
    }
    for (size_t i = 0;; i++) {
        const char *n = NULL, *v = NULL;
        if (!op->param_at || op->param_at(op, i, &n, &v) != 0) break;
        if (!n || !*n) continue;
        if (strcmp(n, "action") == 0 || strcmp(n, "plug") == 0 || strcmp(n, "port") == 0 ||
            strcmp(n, "nodename") == 0) {
            if (op->log)
                op->log(op, CORRAL_LOG_WARNING,
                        "%s: parameter %s is set by corral itself; the configured value is ignored",
                        op->agent, n);
            continue;
        }
        if (strchr(n, '=') || has_newline(n) || has_newline(v)) {
            REASON(op, "%s: parameter %s: a value sent on stdin cannot hold a newline", op->agent,
                   n);
            free(text);
            return NULL;
        }
        const corral_param_spec_t *spec = corral__ocf_info_param(info, n);
        char *conv = NULL;
        if (spec && spec->type == CORRAL_PARAM_DURATION && v) conv = duration_to_seconds(v);
        next = corral__ocf_xasprintf("%s%s=%s\n", text, n, conv ? conv : (v ? v : ""));
        free(conv);
        free(text);
        text = next;
    }
    return text;

bad_target:
    REASON(op, "%s: the target name cannot hold a newline", op->agent);
    free(text);
    return NULL;
}

/* fencing.py's list: one "plug,alias" (or "plug") line per outlet. */
static void emit_list(const corral_op_t *op, char *out)
{
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *t = line;
        while (*t == ' ' || *t == '\t') t++;
        size_t len = strcspn(t, ",\r");
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t')) len--;
        if (!len) continue;
        t[len] = '\0';
        if (op->output) op->output(op, t);
    }
}

static int fa_run(const corral_op_t *op)
{
    int rc = CORRAL_OCF_ERR_GENERIC;
    char *path = NULL, *stdin_text = NULL;
    corral__ocf_strv_t env = {0};
    corral__ocf_spawn_result_t meta = {0}, res = {0};
    corral_agent_info_t *info = NULL;
    char *meta_err = NULL;
    fa_ctx_t ctx = {.op = op};
    const char *prog = program_of(op->agent);
    const char *action = op->action ? op->action : "";

    if (!prog) {
        REASON(op, "%s is not a fence-agents name (fence-agents:fence_xxx)",
               op->agent ? op->agent : "(null)");
        rc = CORRAL_OCF_NOT_INSTALLED;
        goto done;
    }
    path = find_program(op->setting ? op->setting(op, "fence-agents-path") : NULL, prog);
    if (!path) {
        const char *search = op->setting ? op->setting(op, "fence-agents-path") : NULL;
        REASON(op, "%s: not installed (no executable %s on %s)", op->agent, prog,
               search && *search ? search : FENCE_DEFAULT_PATH);
        rc = CORRAL_OCF_NOT_INSTALLED;
        goto done;
    }

    size_t ai = 0, na = sizeof(action_map) / sizeof(action_map[0]);
    while (ai < na && strcmp(action_map[ai].corral, action) != 0) ai++;
    if (ai == na) {
        REASON(op, "%s: no fence action %s (off on reboot status list monitor meta-data)",
               op->agent, action);
        rc = CORRAL_OCF_UNIMPLEMENTED;
        goto done;
    }
    const char *agent_action = action_map[ai].agent;
    base_env(&env);

    char *meta_argv[] = {path, "-o", "metadata", NULL};
    corral__ocf_spawn_t msp = {.argv = meta_argv, .envp = env.v, .capture_stdout = true};
    int src = corral__ocf_spawn_run(&msp, &meta);
    if (src != 0 || !meta.exited || meta.exit_code != 0) {
        REASON(op, "%s: -o metadata failed (%s)", op->agent,
               src ? strerror(-src) : "the agent did not answer it");
        goto done;
    }
    if (action_map[ai].bit == 0) {
        /* meta-data: hand the agent's own XML back as the action's output. */
        fputs(meta.out, stdout);
        fflush(stdout);
        rc = CORRAL_OCF_SUCCESS;
        goto done;
    }
    if (corral__ocf_meta_parse(meta.out, strlen(meta.out), CORRAL__OCF_FLAVOR_FENCE, op->agent,
                               CORRAL_AGENT_FENCE, path, &info, &meta_err) != 0) {
        REASON(op, "%s", meta_err);
        goto done;
    }
    /* fencing.py always knows monitor; off/on/reboot/status come with any power agent. */
    if (!(info->actions & action_map[ai].bit)) {
        REASON(op, "%s does not support the %s action", prog, agent_action);
        rc = CORRAL_OCF_UNIMPLEMENTED;
        goto done;
    }

    bool with_target = strcmp(action, "list") != 0 && strcmp(action, "monitor") != 0 &&
                       strncmp(action, "validate", 8) != 0;
    if (with_target && !(op->target && *op->target) && !(op->plug && *op->plug)) {
        REASON(op, "%s %s: no target node given", op->agent, agent_action);
        rc = CORRAL_OCF_ERR_ARGS;
        goto done;
    }
    /* Modern agents call it plug, a few old ones port; none (fence_dummy): the
     * device itself is the target, and fencing.py would reject an unknown key. */
    const char *plug_key = NULL;
    if (corral__ocf_meta_has_param(meta.out, strlen(meta.out), "plug"))
        plug_key = "plug";
    else if (corral__ocf_meta_has_param(meta.out, strlen(meta.out), "port"))
        plug_key = "port";
    stdin_text = build_stdin(op, info, plug_key, agent_action, with_target);
    if (!stdin_text) {
        rc = CORRAL_OCF_ERR_ARGS;
        goto done;
    }

    char *argv[] = {path, NULL};
    corral__ocf_spawn_t sp = {.argv = argv,
                              .envp = env.v,
                              .stdin_data = stdin_text,
                              .capture_stdout = true,
                              .stderr_line = on_stderr,
                              .ud = &ctx};
    src = corral__ocf_spawn_run(&sp, &res);
    if (src != 0) {
        REASON(op, "%s: cannot run %s: %s", op->agent, path, strerror(-src));
        goto done;
    }
    /* What it said on stdout is still worth seeing (status lines, list). */
    fputs(res.out, stdout);
    fflush(stdout);
    if (!res.exited) {
        REASON(op, "%s %s: killed by signal %d (%s)", prog, agent_action, res.signo,
               strsignal(res.signo));
        goto done;
    }

    int ec = res.exit_code;
    if (ec == 0) {
        rc = CORRAL_OCF_SUCCESS;
        if (strcmp(action, "list") == 0) emit_list(op, res.out);
    } else if (strcmp(action, "status") == 0 && ec == FENCE_STATUS_OFF) {
        rc = CORRAL_OCF_NOT_RUNNING;
    } else {
        if (ctx.last_error)
            REASON(op, "%s %s failed (exit %d, %s): %s", prog, agent_action, ec, fence_ec_str(ec),
                   ctx.last_error);
        else
            REASON(op, "%s %s failed (exit %d, %s)", prog, agent_action, ec, fence_ec_str(ec));
        rc = ec == 2 ? CORRAL_OCF_ERR_ARGS : CORRAL_OCF_ERR_GENERIC;
    }

done:
    free(ctx.last_error);
    free(meta_err);
    corral__ocf_info_free(info);
    free(stdin_text);
    free(meta.out);
    free(res.out);
    corral__ocf_strv_free(&env);
    free(path);
    return rc;
}

const corral_bridge_plugin_t corral_bridge_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_bridge_plugin_t),
    .name = "fence-agents",
    .version = "1.0",
    .description = "fence_* programs of the fence-agents project (stdin key=value protocol)",
    .list = fa_list,
    .describe = fa_describe,
    .free_info = fa_free_info,
    .run = fa_run,
};
