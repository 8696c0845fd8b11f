/* The agent registry: search paths, loading, refusals, parameter checks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "util.h"

static char *fixture_dir(void)
{
    const char *b = getenv("CORRAL_BUILD_DIR");
    cr_assert_not_null(b, "CORRAL_BUILD_DIR is set by ctest");
    return corral_xasprintf("%s/tests/fixtures", b);
}

static corral_registry_t *fixture_registry(void)
{
    char *dir = fixture_dir();
    corral_registry_settings_t s = {.plugin_path = dir};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    free(dir);
    return reg;
}

static int ok_action(const corral_op_t *op)
{
    (void)op;
    return CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t specs[] = {
    {.name = "state", .type = CORRAL_PARAM_STRING, .default_value = "/tmp/s", .description = "d"},
    {.name = "count", .type = CORRAL_PARAM_INTEGER},
    {.name = "enabled", .type = CORRAL_PARAM_BOOLEAN},
    {.name = "delay", .type = CORRAL_PARAM_DURATION},
    {.name = "ip", .type = CORRAL_PARAM_STRING, .required = 1},
    {.name = NULL},
};

static const corral_resource_plugin_t good = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "builtin_good",
    .version = "2.0",
    .description = "a built-in test agent",
    .params = specs,
    .start = ok_action,
    .stop = ok_action,
    .monitor = ok_action,
    .promote = ok_action,
};

/* ---- arguments and settings ------------------------------------------- */

Test(registry, invalid_arguments)
{
    corral_registry_t *reg = NULL;
    const corral_agent_info_t *info = NULL;
    cr_assert_eq(corral_registry_new(NULL, NULL), -EINVAL);
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    cr_assert_eq(corral_registry_describe(NULL, "dummy", CORRAL_AGENT_RESOURCE, &info, NULL),
                 -EINVAL);
    cr_assert_eq(corral_registry_describe(reg, NULL, CORRAL_AGENT_RESOURCE, &info, NULL), -EINVAL);
    cr_assert_eq(corral_registry_describe(reg, "dummy", 0, &info, NULL), -EINVAL);
    cr_assert_eq(corral_registry_describe(reg, "dummy", CORRAL_AGENT_RESOURCE, NULL, NULL),
                 -EINVAL);
    cr_assert_eq(corral_registry_list(reg, NULL, NULL), -EINVAL);
    cr_assert_eq(corral_registry_check_params(NULL, 0, NULL, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(corral_registry_add_resource(reg, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(corral_registry_add_fence(NULL, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(corral_registry_add_bridge(reg, NULL, NULL, NULL), -EINVAL);
    cr_assert_null(corral_registry_setting(reg, "no-such-key"));
    cr_assert_null(corral_registry_setting(NULL, "plugin-path"));
    cr_assert_eq(corral_registry_invoke(reg, NULL, CORRAL_AGENT_RESOURCE, NULL),
                 CORRAL_OCF_ERR_ARGS);
    cr_assert_null(info);
    corral_registry_free(reg);
    corral_registry_free(NULL);
}

Test(registry, search_paths_environment_then_settings_then_defaults)
{
    setenv("CORRAL_PLUGIN_PATH", "/env/a:/env/b", 1);
    setenv("CORRAL_LUA_PATH", "/env/lua", 1);
    setenv("OCF_ROOT", "/env/ocf", 1);
    unsetenv("CORRAL_FENCE_AGENTS_PATH");
    corral_registry_settings_t s = {.plugin_path = "/set/p",
                                    .lua_path = "/set/lua",
                                    .ocf_root = "/set/ocf",
                                    .fence_agents_path = "/set/fa",
                                    .state_dir = "/set/state"};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    const char *pp = corral_registry_setting(reg, "plugin-path");
    cr_assert(corral_str_has_prefix(pp, "/env/a:/env/b:/set/p:"), "plugin-path %s", pp);
    cr_assert_not_null(strstr(pp, "/set/p:/") && strstr(pp, "/resource-plugins"),
                       "compiled-in default missing from %s", pp);
    const char *lp = corral_registry_setting(reg, "lua-path");
    cr_assert(corral_str_has_prefix(lp, "/env/lua:/set/lua:"), "lua-path %s", lp);
    cr_assert_str_eq(corral_registry_setting(reg, "ocf-root"), "/env/ocf", "the environment wins");
    cr_assert_str_eq(corral_registry_setting(reg, "fence-agents-path"), "/set/fa:/usr/sbin");
    cr_assert_str_eq(corral_registry_setting(reg, "state-dir"), "/set/state");
    corral_registry_free(reg);

    unsetenv("OCF_ROOT");
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    cr_assert_str_eq(corral_registry_setting(reg, "ocf-root"), "/set/ocf");
    corral_registry_free(reg);

    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    cr_assert_str_eq(corral_registry_setting(reg, "ocf-root"), "/usr/lib/ocf");
    cr_assert_str_eq(corral_registry_setting(reg, "fence-agents-path"), "/usr/sbin");
    corral_registry_free(reg);
}

/* ---- lookup and refusals ------------------------------------------------ */

Test(registry, unknown_agents_are_enoent)
{
    corral_registry_t *reg = fixture_registry();
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(corral_registry_describe(reg, "no_such_agent", CORRAL_AGENT_RESOURCE, &info, &err),
                 -ENOENT);
    cr_assert_eq(corral_registry_describe(reg, "", CORRAL_AGENT_RESOURCE, &info, &err), -ENOENT);
    cr_assert_eq(corral_registry_describe(reg, "../crasher", CORRAL_AGENT_RESOURCE, &info, &err),
                 -ENOENT, "a name is not a path");
    cr_assert_eq(corral_registry_describe(reg, "nobridge:x", CORRAL_AGENT_RESOURCE, &info, &err),
                 -ENOENT);
    cr_assert_null(err);
    cr_assert_null(info);
    corral_registry_free(reg);
}

Test(registry, native_lookup_by_name_and_kind)
{
    corral_registry_t *reg = fixture_registry();
    const corral_agent_info_t *info = NULL;
    cr_assert_eq(corral_registry_describe(reg, "crasher", CORRAL_AGENT_RESOURCE, &info, NULL), 0);
    cr_assert_str_eq(info->name, "crasher");
    cr_assert_eq(info->kind, CORRAL_AGENT_RESOURCE);
    cr_assert_not_null(strstr(info->source, "resource-plugins/crasher.so"));
    cr_assert(info->actions & CORRAL_ACT_MONITOR);
    /* The same name asked for as the other kind is another agent. */
    cr_assert_eq(corral_registry_describe(reg, "crasher", CORRAL_AGENT_FENCE, &info, NULL),
                 -ENOENT);
    cr_assert_eq(corral_registry_describe(reg, "offon", CORRAL_AGENT_FENCE, &info, NULL), 0);
    cr_assert_eq(info->kind, CORRAL_AGENT_FENCE);
    cr_assert(info->actions & CORRAL_ACT_REBOOT, "reboot is done as off + on");
    cr_assert_eq(corral_registry_describe(reg, "offon", CORRAL_AGENT_RESOURCE, &info, NULL),
                 -ENOENT);
    /* Cached: the same pointer again. */
    const corral_agent_info_t *again = NULL;
    cr_assert_eq(corral_registry_describe(reg, "offon", CORRAL_AGENT_FENCE, &again, NULL), 0);
    cr_assert_eq(info, again);
    corral_registry_free(reg);
}

static void expect_refused(const char *agent, const char *file_part, const char *why)
{
    corral_registry_t *reg = fixture_registry();
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = corral_registry_describe(reg, agent, CORRAL_AGENT_RESOURCE, &info, &err);
    cr_assert_eq(rc, -ENOEXEC, "%s: rc %d", agent, rc);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, file_part), "%s: error '%s' does not name the file", agent, err);
    cr_assert_not_null(strstr(err, why), "%s: error '%s' does not say '%s'", agent, err, why);
    free(err);
    /* The registry goes on: a good plugin in the same directory still loads. */
    cr_assert_eq(corral_registry_describe(reg, "garbage", CORRAL_AGENT_RESOURCE, &info, NULL), 0);
    /* A second lookup gives the same refusal (logged once). */
    err = NULL;
    cr_assert_eq(corral_registry_describe(reg, agent, CORRAL_AGENT_RESOURCE, &info, &err),
                 -ENOEXEC);
    cr_assert_not_null(strstr(err, why));
    free(err);
    corral_registry_free(reg);
}

Test(registry, refuses_wrong_abi_major)
{
    expect_refused("bad_abi", "resource-plugins/bad_abi.so", "ABI major 2, this host speaks 1");
}

Test(registry, refuses_missing_required_action)
{
    expect_refused("no_monitor", "resource-plugins/no_monitor.so",
                   "required action 'monitor' missing");
}

Test(registry, refuses_missing_symbol)
{
    expect_refused("nosym", "resource-plugins/nosym.so", "missing symbol");
}

/* Copy a fixture into a private directory of our own, as NAME.so. */
static char *private_copy(const char *fixture, const char *name, char **dir_out)
{
    char tmpl[] = "/tmp/corral-reg-XXXXXX";
    char *dir = mkdtemp(tmpl);
    cr_assert_not_null(dir);
    char *fdir = fixture_dir();
    char *src = corral_xasprintf("%s/resource-plugins/%s.so", fdir, fixture);
    char *dst = corral_xasprintf("%s/%s.so", dir, name);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(corral_read_file(src, &data, &len), 0);
    cr_assert_eq(corral_write_file_atomic(dst, data, len, 0755), 0);
    cr_assert_eq(chmod(dst, 0755), 0);
    free(data);
    free(src);
    free(fdir);
    *dir_out = corral_xstrdup(dir);
    return dst;
}

static int describe_in(const char *dir, const char *name, char **err)
{
    corral_registry_settings_t s = {.plugin_path = dir};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    const corral_agent_info_t *info = NULL;
    int rc = corral_registry_describe(reg, name, CORRAL_AGENT_RESOURCE, &info, err);
    corral_registry_free(reg);
    return rc;
}

static void remove_copy(char *file, char *dir)
{
    chmod(dir, 0700);
    unlink(file);
    rmdir(dir);
    free(file);
    free(dir);
}

Test(registry, refuses_files_writable_by_others)
{
    char *dir = NULL;
    char *file = private_copy("garbage", "ww", &dir);
    char *err = NULL;
    cr_assert_eq(describe_in(dir, "ww", &err), 0, "a private 0755 copy loads: %s", err);

    cr_assert_eq(chmod(file, 0757), 0);
    cr_assert_eq(describe_in(dir, "ww", &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, file), "error '%s' names the file", err);
    cr_assert_not_null(strstr(err, "writable by others"), "%s", err);
    free(err);
    err = NULL;

    cr_assert_eq(chmod(file, 0775), 0);
    cr_assert_eq(describe_in(dir, "ww", &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, "writable by its group"), "%s", err);
    free(err);
    err = NULL;

    cr_assert_eq(chmod(file, 0755), 0);
    cr_assert_eq(chmod(dir, 0777), 0);
    cr_assert_eq(describe_in(dir, "ww", &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, "its directory"), "%s", err);
    free(err);
    remove_copy(file, dir);
}

Test(registry, refuses_files_owned_by_someone_else)
{
    if (geteuid() != 0) {
        cr_skip_test("changing a file's owner needs root; this check runs in CI as root");
        return;
    }
    char *dir = NULL;
    char *file = private_copy("garbage", "owned", &dir);
    char *err = NULL;
    cr_assert_eq(chown(file, 12345, 12345), 0);
    cr_assert_eq(describe_in(dir, "owned", &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, "owned by uid 12345"), "%s", err);
    free(err);
    remove_copy(file, dir);
}

/* ---- one registration path ---------------------------------------------- */

Test(registry, builtin_registration_validates_like_loading)
{
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    char *err = NULL;
    cr_assert_eq(corral_registry_add_resource(reg, &good, NULL, &err), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &good, NULL, &err), -EEXIST);
    const corral_agent_info_t *info = NULL;
    cr_assert_eq(corral_registry_describe(reg, "builtin_good", CORRAL_AGENT_RESOURCE, &info, NULL),
                 0);
    cr_assert_str_eq(info->source, "built-in");
    cr_assert_str_eq(info->version, "2.0");
    cr_assert(info->actions & CORRAL_ACT_PROMOTE);
    cr_assert(!(info->actions & CORRAL_ACT_DEMOTE));

    corral_resource_plugin_t bad = good;
    bad.name = "b1";
    bad.abi_major = 7;
    cr_assert_eq(corral_registry_add_resource(reg, &bad, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "ABI major 7, this host speaks 1");
    free(err);

    bad = good;
    bad.name = "b2";
    bad.size = 8;
    cr_assert_eq(corral_registry_add_resource(reg, &bad, "test", &err), -ENOEXEC);
    cr_assert_not_null(strstr(err, "descriptor size 8 is smaller"), "%s", err);
    free(err);

    bad = good;
    bad.name = "b3";
    bad.stop = NULL;
    cr_assert_eq(corral_registry_add_resource(reg, &bad, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "required action 'stop' missing");
    free(err);

    bad = good;
    bad.name = NULL;
    cr_assert_eq(corral_registry_add_resource(reg, &bad, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "descriptor has no name");
    free(err);

    static const corral_param_spec_t weird[] = {{.name = "x", .type = 9}, {.name = NULL}};
    bad = good;
    bad.name = "b4";
    bad.params = weird;
    cr_assert_eq(corral_registry_add_resource(reg, &bad, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "parameter 'x' has an unknown type 9");
    free(err);

    corral_fence_plugin_t f = {.abi_major = CORRAL_ABI_MAJOR,
                               .size = sizeof(corral_fence_plugin_t),
                               .name = "fb",
                               .off = ok_action};
    cr_assert_eq(corral_registry_add_fence(reg, &f, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "required action 'status' missing");
    free(err);
    f.status = ok_action;
    cr_assert_eq(corral_registry_add_fence(reg, &f, "test", NULL), 0);
    cr_assert_eq(corral_registry_describe(reg, "fb", CORRAL_AGENT_FENCE, &info, NULL), 0);
    cr_assert(!(info->actions & CORRAL_ACT_REBOOT), "no reboot without on");

    corral_bridge_plugin_t b = {
        .abi_major = CORRAL_ABI_MAJOR, .size = sizeof(corral_bridge_plugin_t), .name = "bb"};
    cr_assert_eq(corral_registry_add_bridge(reg, &b, "test", &err), -ENOEXEC);
    cr_assert_str_eq(err, "required function 'list' missing");
    free(err);
    corral_registry_free(reg);
}

/* ---- list ---------------------------------------------------------------- */

/* Whatever else is installed on this machine may be listed too: only ours are checked. */
struct found {
    char *lines[4096];
    int n;
};

static void on_found(void *ud, const char *agent, corral_agent_kind_t kind)
{
    struct found *f = ud;
    cr_assert_lt(f->n, 4096);
    f->lines[f->n++] =
        corral_xasprintf("%s %s", agent, kind == CORRAL_AGENT_FENCE ? "fence" : "resource");
}

static bool has(const struct found *f, const char *line)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->lines[i], line)) return true;
    return false;
}

Test(registry, list_finds_good_plugins_and_skips_refused_ones)
{
    unsetenv("CORRAL_PLUGIN_PATH");
    corral_registry_t *reg = fixture_registry();
    cr_assert_eq(corral_registry_add_resource(reg, &good, NULL, NULL), 0);
    static struct found f;
    cr_assert_eq(corral_registry_list(reg, on_found, &f), 0);
    cr_assert(has(&f, "crasher resource"));
    cr_assert(has(&f, "garbage resource"));
    cr_assert(has(&f, "offon fence"));
    cr_assert(has(&f, "builtin_good resource"));
    cr_assert(!has(&f, "bad_abi resource"));
    cr_assert(!has(&f, "no_monitor resource"));
    cr_assert(!has(&f, "nosym resource"));
    for (int i = 0; i < f.n; i++)
        for (int j = i + 1; j < f.n; j++) cr_assert_str_neq(f.lines[i], f.lines[j], "listed twice");
    for (int i = 0; i < f.n; i++) free(f.lines[i]);
    corral_registry_free(reg);
}

/* ---- parameters ------------------------------------------------------------ */

struct problems {
    char *msgs[16];
    char *params[16];
    int n;
};

static void on_bad(void *ud, const char *param, const char *message)
{
    struct problems *p = ud;
    cr_assert_lt(p->n, 16);
    p->params[p->n] = corral_xstrdup(param);
    p->msgs[p->n++] = corral_xstrdup(message);
}

static void problems_free(struct problems *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->msgs[i]);
        free(p->params[i]);
    }
}

Test(registry, check_params_accepts_good_values)
{
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &good, NULL, NULL), 0);
    const corral_agent_info_t *info = NULL;
    cr_assert_eq(corral_registry_describe(reg, "builtin_good", CORRAL_AGENT_RESOURCE, &info, NULL),
                 0);
    const char *names[] = {"ip", "count", "enabled", "delay", "state"};
    const char *values[] = {"198.18.0.1", "-12", "Yes", "500ms", "/x"};
    struct problems p = {0};
    cr_assert_eq(corral_registry_check_params(info, 5, names, values, on_bad, &p), 0);
    const char *values2[] = {"198.18.0.1", "+3", "off", "5min", ""};
    cr_assert_eq(corral_registry_check_params(info, 5, names, values2, on_bad, &p), 0);
    const char *values3[] = {"x", "0", "1", "10", "y"};
    cr_assert_eq(corral_registry_check_params(info, 5, names, values3, on_bad, &p), 0);
    cr_assert_eq(p.n, 0);
    corral_registry_free(reg);
}

Test(registry, check_params_reports_every_problem)
{
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    cr_assert_eq(corral_registry_add_resource(reg, &good, NULL, NULL), 0);
    const corral_agent_info_t *info = NULL;
    cr_assert_eq(corral_registry_describe(reg, "builtin_good", CORRAL_AGENT_RESOURCE, &info, NULL),
                 0);
    const char *names[] = {"stat", "count", "enabled", "delay", "zzzzzz"};
    const char *values[] = {"/x", "12a", "maybe", "5 min", "1"};
    struct problems p = {0};
    cr_assert_eq(corral_registry_check_params(info, 5, names, values, on_bad, &p), 6);
    cr_assert_eq(p.n, 6);
    cr_assert_str_eq(p.params[0], "stat");
    cr_assert_str_eq(p.msgs[0],
                     "unknown parameter 'stat' for agent builtin_good (did you mean 'state'?)");
    cr_assert_str_eq(p.msgs[1], "parameter 'count' must be an integer, not '12a'");
    cr_assert_not_null(strstr(p.msgs[2], "parameter 'enabled' must be a boolean"));
    cr_assert_not_null(strstr(p.msgs[3], "parameter 'delay' must be a duration"));
    cr_assert_str_eq(p.msgs[4], "unknown parameter 'zzzzzz' for agent builtin_good");
    cr_assert_str_eq(p.params[5], "ip");
    cr_assert_str_eq(p.msgs[5], "required parameter 'ip' of agent builtin_good is missing");
    problems_free(&p);
    /* Without a callback the problems are still counted. */
    cr_assert_eq(corral_registry_check_params(info, 0, NULL, NULL, NULL, NULL), 1);
    corral_registry_free(reg);
}

/* ---- bridges ------------------------------------------------------------- */

Test(registry, bridged_agents_are_described_through_their_bridge)
{
    corral_registry_t *reg = fixture_registry();
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(
        corral_registry_describe(reg, "fixbridge:echo", CORRAL_AGENT_RESOURCE, &info, &err), 0);
    cr_assert_str_eq(info->name, "fixbridge:echo");
    cr_assert_str_eq(info->source, "/fixture/echo.fix");
    cr_assert_str_eq(info->params[0].name, "msg");
    const corral_agent_info_t *again = NULL;
    cr_assert_eq(
        corral_registry_describe(reg, "fixbridge:echo", CORRAL_AGENT_RESOURCE, &again, NULL), 0);
    cr_assert_eq(info, again, "descriptions are cached");
    cr_assert_eq(corral_registry_describe(reg, "fixbridge:echo", CORRAL_AGENT_FENCE, &info, NULL),
                 -ENOENT);
    cr_assert_eq(corral_registry_describe(reg, "fixbridge:fence", CORRAL_AGENT_FENCE, &info, NULL),
                 0);
    cr_assert_eq(
        corral_registry_describe(reg, "fixbridge:nothing", CORRAL_AGENT_RESOURCE, &info, &err),
        -ENOENT);
    cr_assert_null(err);
    cr_assert_eq(
        corral_registry_describe(reg, "fixbridge:broken", CORRAL_AGENT_RESOURCE, &info, &err),
        -EINVAL);
    cr_assert_str_eq(err, "broken.fix:3: syntax error");
    free(err);
    err = NULL;
    cr_assert_eq(
        corral_registry_describe(reg, "wrongname:echo", CORRAL_AGENT_RESOURCE, &info, &err),
        -ENOEXEC);
    cr_assert_not_null(
        strstr(err, "bridges/wrongname.so: refused: bridge calls itself 'fixbridge'"), "%s", err);
    free(err);
    corral_registry_free(reg);
}

Test(registry, list_includes_bridged_agents)
{
    unsetenv("CORRAL_PLUGIN_PATH");
    corral_registry_t *reg = fixture_registry();
    static struct found f;
    cr_assert_eq(corral_registry_list(reg, on_found, &f), 0);
    cr_assert(has(&f, "fixbridge:echo resource"));
    cr_assert(has(&f, "fixbridge:fence fence"));
    for (int i = 0; i < f.n; i++)
        cr_assert(!corral_str_has_prefix(f.lines[i], "wrongname"), "a refused bridge listed");
    for (int i = 0; i < f.n; i++) free(f.lines[i]);
    corral_registry_free(reg);
}

/* ---- the bridge host's exec ------------------------------------------------ */

Test(registry, host_exec_runs_programs_without_a_shell)
{
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(NULL, &reg), 0);
    const corral_bridge_host_t *h = corral_registry_host(reg);
    cr_assert_not_null(h);
    cr_assert_str_eq(h->setting(h, "ocf-root"), corral_registry_setting(reg, "ocf-root"));
    char *out = NULL;

    cr_assert_eq(h->exec(h, NULL, NULL, NULL, 1000, &out), -EINVAL);
    cr_assert_null(out);

    char *echo[] = {"echo", "a;", "$HOME", NULL};
    cr_assert_eq(h->exec(h, echo, NULL, NULL, 5000, &out), 0);
    cr_assert_str_eq(out, "a; $HOME\n", "no shell expands the arguments");
    free(out);

    char *cat[] = {"cat", NULL};
    cr_assert_eq(h->exec(h, cat, NULL, "action=off\nport=n1\n", 5000, &out), 0);
    cr_assert_str_eq(out, "action=off\nport=n1\n");
    free(out);

    char *env[] = {"sh", "-c", "echo $FOO; exit 3", NULL};
    char *envp[] = {"FOO=bar", "PATH=/usr/bin:/bin", NULL};
    cr_assert_eq(h->exec(h, env, envp, NULL, 5000, &out), 3);
    cr_assert_str_eq(out, "bar\n");
    free(out);

    char *missing[] = {"/nonexistent/program", NULL};
    cr_assert_eq(h->exec(h, missing, NULL, NULL, 5000, &out), 127);
    free(out);

    char *slow[] = {"sleep", "30", NULL};
    cr_assert_eq(h->exec(h, slow, NULL, NULL, 200, NULL), -ETIMEDOUT);

    h->log(h, CORRAL_LOG_INFO, "bridge host log %d", 1);
    corral_registry_free(reg);
}
