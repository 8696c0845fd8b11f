/*
 * The Lua bridge, driven through the real path: corral_registry_describe()
 * and corral_action_start() on the built lua.so, each action in a child
 * process under the runner. Covers the sandbox, the deadline and memory
 * cap, FILE:LINE errors, the host API and every shipped agent.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "registry.h"
#include "runner.h"
#include "util.h"

/* ---- fixtures ----------------------------------------------------------- */

static char tmpdir[256];
static corral_registry_t *reg;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/corral-test-lua-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    char *agents = corral_xasprintf("%s/agents", tmpdir);
    char *state = corral_xasprintf("%s/state", tmpdir);
    cr_assert_eq(mkdir(agents, 0755), 0);
    cr_assert_eq(mkdir(state, 0755), 0);
    corral_registry_settings_t s = {.lua_path = agents, .state_dir = state};
    cr_assert_eq(corral_registry_new(&s, &reg), 0);
    free(agents);
    free(state);
}

static void teardown(void)
{
    corral_registry_free(reg);
    reg = NULL;
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(lua, .init = setup, .fini = teardown, .timeout = 120);

static char *path_in(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_in(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *rel = NULL;
    cr_assert_geq(vasprintf(&rel, fmt, ap), 0);
    va_end(ap);
    char *p = corral_xasprintf("%s/%s", tmpdir, rel);
    free(rel);
    return p;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static char *read_text(const char *path)
{
    char *data = NULL;
    if (corral_read_file(path, &data, NULL) < 0) return NULL;
    return data;
}

/* Write agents/NAME.lua; returns its path (caller frees). */
static char *agent_file(const char *name, const char *text)
{
    char *p = path_in("agents/%s.lua", name);
    write_text(p, text, 0644);
    return p;
}

/* ---- running actions ---------------------------------------------------- */

typedef struct res {
    corral_job_status_t status;
    int rc;
    char *reason; /* "" when none */
    char *lines;  /* op->output lines, each ending in \n */
    char *attrs;  /* "name=value\n" or "name=<deleted>\n" per set_attr */
} res_t;

static const char *test_attr_value;

static const char *test_get_attr(void *ud, const char *node, const char *name)
{
    (void)ud;
    if (!strcmp(name, "rack") && !strcmp(node, "n2")) return "b";
    if (!strcmp(name, "pingd")) return test_attr_value;
    return NULL;
}

typedef struct opts {
    const char *node;
    const char *target;
    const char *plug;
    uint32_t timeout_ms;
} opts_t;

/* Run agent/action with params {k, v, ..., NULL}; the result is copied. */
static res_t run_opts(const char *agent, corral_agent_kind_t kind, const char *action,
                      const opts_t *o, const char *const *params)
{
    corral_kvlist_t kv = {0};
    size_t n = 0;
    while (params && params[2 * n]) n++;
    kv.items = corral_xcalloc(n + 1, sizeof(*kv.items));
    for (size_t i = 0; i < n; i++) {
        kv.items[i].key = (char *)params[2 * i];
        kv.items[i].value = (char *)params[2 * i + 1];
    }
    kv.n = n;
    corral_action_req_t req = {
        .agent = agent,
        .kind = kind,
        .instance = "r1",
        .node = o && o->node ? o->node : "n1",
        .action = action,
        .timeout_ms = o && o->timeout_ms ? o->timeout_ms : 20000,
        .params = &kv,
        .target = o ? o->target : NULL,
        .plug = o ? o->plug : NULL,
        .get_attr = test_get_attr,
    };
    corral_job_t *job = NULL;
    char *err = NULL;
    int rc = corral_action_start(reg, &req, &job, &err);
    cr_assert_eq(rc, 0, "%s %s: cannot start: %s", agent, action, err ? err : strerror(-rc));
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    res_t out = {.status = r->status, .rc = r->ocf_rc};
    out.reason = corral_xstrdup(r->exit_reason ? r->exit_reason : "");
    corral_buf_t b = {0};
    for (size_t i = 0; i < r->n_lines; i++) corral_buf_printf(&b, "%s\n", r->lines[i]);
    out.lines = corral_buf_take(&b);
    for (size_t i = 0; i < r->n_attrs; i++)
        corral_buf_printf(&b, "%s=%s\n", r->attrs[i].name,
                          r->attrs[i].value ? r->attrs[i].value : "<deleted>");
    out.attrs = corral_buf_take(&b);
    corral_job_free(job);
    free(kv.items);
    return out;
}

static res_t run(const char *agent, const char *action, const char *const *params)
{
    return run_opts(agent, CORRAL_AGENT_RESOURCE, action, NULL, params);
}

static void res_free(res_t *r)
{
    free(r->reason);
    free(r->lines);
    free(r->attrs);
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Describe; returns the rc and the error text (caller frees) in *err. */
static int describe(const char *agent, corral_agent_kind_t kind, char **err)
{
    const corral_agent_info_t *info = NULL;
    *err = NULL;
    return corral_registry_describe(reg, agent, kind, &info, err);
}

/* ---- a probe agent for the sandbox ---------------------------------------- */

static const char probe_src[] =
    "agent = { name = 't_probe', version = '1', description = 'sandbox probe',\n"
    "          kind = 'resource', params = { what = { type = 'string', required = true } } }\n"
    "local checks = {\n"
    "  io = function() return io == nil end,\n"
    "  os_execute = function() return os.execute == nil and os.remove == nil and os.exit == nil "
    "end,\n"
    "  os_kept = function() return type(os.time) == 'function' and type(os.date) == 'function'\n"
    "                        and type(os.getenv) == 'function' and type(os.clock) == 'function' "
    "end,\n"
    "  dump = function() return string.dump == nil and ('x').dump == nil end,\n"
    "  files = function() return dofile == nil and loadfile == nil end,\n"
    "  debug = function() return debug == nil and package == nil end,\n"
    "  text_load = function() return load('return 41 + 1')() == 42 end,\n"
    "  binary_load = function() return load('\\27Lua\\84\\0') end,\n"
    "  binary_reader = function() local s = '\\27Lua\\84\\0'; local done\n"
    "     return load(function() if done then return nil end done = true return s end) end,\n"
    "  binary_mode = function() return load('\\27Lua\\84\\0', 'x', 'b') end,\n"
    "  require_outside = function() return require('os') end,\n"
    "  require_path = function() return require('../etc/passwd') end,\n"
    "  require_inside = function() return require('t_helpers.util').answer == 42 end,\n"
    "  gc_stop = function() collectgarbage('stop') return true end,\n"
    "  gc_count = function() return collectgarbage('count') > 0 end,\n"
    "}\n"
    "function start(p) return corral.OK end\n"
    "function stop(p) return corral.OK end\n"
    "function monitor(p)\n"
    "  return checks[p.what]() and corral.OK or corral.ERR_GENERIC\n"
    "end\n";

static res_t probe(const char *what)
{
    free(agent_file("t_probe", probe_src));
    return run("lua:t_probe", "monitor", P("what", what));
}

Test(lua, sandbox_has_no_io_exec_dump_or_file_loading)
{
    const char *ok[] = {"io",    "os_execute", "os_kept",   "dump",
                        "files", "debug",      "text_load", "gc_count"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        res_t r = probe(ok[i]);
        cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "check %s: rc %d (%s)", ok[i], r.rc, r.reason);
        res_free(&r);
    }
}

Test(lua, sandbox_load_refuses_binary_chunks)
{
    const char *cases[] = {"binary_load", "binary_reader", "binary_mode"};
    for (size_t i = 0; i < 3; i++) {
        res_t r = probe(cases[i]);
        cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "%s: rc %d", cases[i], r.rc);
        cr_expect(strstr(r.reason, "binary chunks are not allowed"), "%s: reason '%s'", cases[i],
                  r.reason);
        res_free(&r);
    }
}

Test(lua, sandbox_require_only_from_the_agent_path)
{
    char *dir = path_in("agents/t_helpers");
    cr_assert_eq(mkdir(dir, 0755), 0);
    free(dir);
    char *mod = path_in("agents/t_helpers/util.lua");
    write_text(mod, "return { answer = 42 }\n", 0644);
    free(mod);

    res_t r = probe("require_inside");
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "require inside: %s", r.reason);
    res_free(&r);

    r = probe("require_outside");
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "module 'os' not found on the Lua agent path"), "%s", r.reason);
    res_free(&r);

    r = probe("require_path");
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "bad module name"), "%s", r.reason);
    res_free(&r);
}

Test(lua, sandbox_collectgarbage_stop_is_refused)
{
    res_t r = probe("gc_stop");
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "option 'stop' is not allowed"), "%s", r.reason);
    res_free(&r);
}

Test(lua, a_metatable_the_script_sets_on_globals_stays)
{
    /* A strict-globals script: reading an undefined global raises. */
    free(agent_file("t_strict", "agent = { kind = 'resource' }\n"
                                "function start() return 0 end\n"
                                "function stop() return 0 end\n"
                                "function monitor(p)\n"
                                "  local ok, err = pcall(function() return undefined_thing end)\n"
                                "  return (not ok and err:find('undefined global')) and 0 or 1\n"
                                "end\n"
                                "setmetatable(_G, { __index = function(_, k)\n"
                                "  error('undefined global ' .. tostring(k), 2)\n"
                                "end })\n"));
    res_t r = run("lua:t_strict", "monitor", NULL);
    cr_expect_eq(r.rc, 0, "%s", r.reason);
    res_free(&r);
}

Test(lua, runaway_loop_is_stopped_at_the_timeout)
{
    char *file =
        agent_file("t_loop", "agent = { kind = 'resource' }\n"
                             "function start() return 0 end\n"
                             "function stop() return 0 end\n"
                             "function monitor(p)\n"
                             "  local n = 0\n"
                             "  while true do n = n + 1 end\n"
                             "end\n"
                             "function promote(p)\n"
                             "  while true do pcall(function() while true do end end) end\n"
                             "end\n");
    opts_t o = {.timeout_ms = 2000};
    res_t r = run_opts("lua:t_loop", CORRAL_AGENT_RESOURCE, "monitor", &o, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "timed out"), "%s", r.reason);
    /* The hook stops it a little before the host would kill the process
     * group, and says where it was; on a starved machine the host's kill
     * may still come first, which is as good a stop. */
    cr_expect(r.status == CORRAL_JOB_EXITED || r.status == CORRAL_JOB_TIMED_OUT);
    if (r.status == CORRAL_JOB_EXITED) {
        char *where = corral_xasprintf("%s:6: timed out", file);
        cr_expect(strstr(r.reason, where), "reason '%s' lacks '%s'", r.reason, where);
        free(where);
    }
    res_free(&r);

    /* A pcall does not swallow the deadline. */
    r = run_opts("lua:t_loop", CORRAL_AGENT_RESOURCE, "promote", &o, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "timed out"), "%s", r.reason);
    res_free(&r);
    free(file);
}

Test(lua, memory_cap_stops_a_hog)
{
    free(agent_file("t_hog", "agent = { kind = 'resource' }\n"
                             "function start() return 0 end\n"
                             "function stop() return 0 end\n"
                             "function monitor(p)\n"
                             "  local t = {}\n"
                             "  for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end\n"
                             "end\n"));
    res_t r = run("lua:t_hog", "monitor", NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect_eq(r.status, CORRAL_JOB_EXITED, "the host stopped it, not a signal or the timeout");
    cr_expect(strstr(r.reason, "ran out of memory (the cap is 64 MiB)"), "%s", r.reason);
    res_free(&r);
}

/* ---- FILE:LINE errors at describe time ------------------------------------ */

static void expect_describe_error(const char *name, const char *src, int line, const char *what)
{
    char *file = agent_file(name, src);
    char *agent = corral_xasprintf("lua:%s", name);
    char *err = NULL;
    int rc = describe(agent, CORRAL_AGENT_RESOURCE, &err);
    cr_expect_eq(rc, -EINVAL, "%s: rc %d", name, rc);
    char *prefix = corral_xasprintf("%s:%d: ", file, line);
    cr_expect(err && !strncmp(err, prefix, strlen(prefix)), "%s: error '%s' does not start '%s'",
              name, err ? err : "(none)", prefix);
    cr_expect(err && strstr(err, what), "%s: error '%s' lacks '%s'", name, err ? err : "", what);
    free(prefix);
    free(err);
    free(agent);
    free(file);
}

Test(lua, syntax_error_is_reported_with_file_and_line)
{
    expect_describe_error("t_syntax",
                          "agent = { kind = 'resource' }\n"
                          "function start() return 0 end\n"
                          "function stop( return 0 end\n",
                          3, "expected");
}

Test(lua, error_while_loading_is_reported_with_file_and_line)
{
    expect_describe_error("t_raise",
                          "agent = { kind = 'resource' }\n"
                          "\n"
                          "error('refusing to load')\n",
                          3, "refusing to load");
}

Test(lua, missing_function_points_at_the_agent_table)
{
    expect_describe_error("t_nomon",
                          "-- an agent without monitor\n"
                          "\n"
                          "agent = {\n"
                          "  kind = 'resource',\n"
                          "  description = 'x',\n"
                          "}\n"
                          "function start() return 0 end\n"
                          "function stop() return 0 end\n",
                          3, "defines no function monitor()");
    expect_describe_error("t_nostatus",
                          "agent = { kind = 'fence' }\n"
                          "function off(t, p) return 0 end\n",
                          1, "defines no function status()");
}

Test(lua, bad_metadata_points_at_its_line)
{
    const char *tail = "function start() return 0 end\n"
                       "function stop() return 0 end\n"
                       "function monitor() return 0 end\n";
    char *src;

    src = corral_xasprintf("agent = {\n  kind = 'resourc',\n}\n%s", tail);
    expect_describe_error("t_kind", src, 2, "agent.kind must be");
    free(src);

    src = corral_xasprintf("agent = {\n  kind = 'resource',\n  params = {\n"
                           "    a = { type = 'string' },\n    b = {\n      type = 'int',\n"
                           "    },\n  },\n}\n%s",
                           tail);
    expect_describe_error("t_ptype", src, 6, "parameter 'b': type must be one of");
    free(src);

    src = corral_xasprintf("agent = {\n  kind = 'resource',\n  params = {\n"
                           "    port = { type = 'integer', default = 'http' },\n  },\n}\n%s",
                           tail);
    expect_describe_error("t_pdefault", src, 4, "default 'http' is not an integer");
    free(src);

    src = corral_xasprintf("local x = 1\nagent = {\n  kind = 'resource',\n  parms = {},\n}\n%s",
                           tail);
    expect_describe_error("t_unknown", src, 4, "unknown field 'parms'");
    free(src);

    src = corral_xasprintf("agent = {\n  kind = 'resource',\n  name = 'other',\n}\n%s", tail);
    expect_describe_error("t_name", src, 3, "agent.name must be \"t_name\"");
    free(src);

    src = corral_xasprintf(
        "agent = {\n  kind = 'resource',\n  params = { x = { required = 'yes' } },\n}\n%s", tail);
    expect_describe_error("t_req", src, 3, "required must be true or false");
    free(src);

    expect_describe_error("t_noagent", "local M = {}\nreturn M\n", 1, "no `agent` table");
    expect_describe_error("t_startnum",
                          "agent = { kind = 'resource' }\nstart = 5\n"
                          "function stop() return 0 end\nfunction monitor() return 0 end\n",
                          2, "start must be a function");
}

Test(lua, runaway_while_loading_is_stopped)
{
    char *file = agent_file("t_hang", "agent = { kind = 'resource' }\nwhile true do end\n");
    char *err = NULL;
    int rc = describe("lua:t_hang", CORRAL_AGENT_RESOURCE, &err);
    cr_expect_eq(rc, -ETIMEDOUT);
    char *want = corral_xasprintf("%s:2: timed out", file);
    cr_expect(err && strstr(err, want), "'%s'", err ? err : "");
    free(want);
    free(err);
    free(file);
}

Test(lua, describe_reads_the_agent_table)
{
    free(agent_file("t_desc",
                    "agent = {\n"
                    "  name = 't_desc', version = '2.1', description = 'A test agent',\n"
                    "  kind = 'resource',\n"
                    "  params = {\n"
                    "    zeta = { type = 'duration', default = '10s' },\n"
                    "    alpha = { type = 'integer', required = true, unique = true,\n"
                    "              description = 'the first' },\n"
                    "    flag = { type = 'boolean', default = false, reloadable = true },\n"
                    "  },\n"
                    "}\n"
                    "function start() return 0 end\n"
                    "function stop() return 0 end\n"
                    "function monitor() return 0 end\n"
                    "function promote() return 0 end\n"));
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    cr_assert_eq(corral_registry_describe(reg, "lua:t_desc", CORRAL_AGENT_RESOURCE, &info, &err), 0,
                 "%s", err ? err : "");
    cr_expect_str_eq(info->name, "lua:t_desc");
    cr_expect_str_eq(info->version, "2.1");
    cr_expect_str_eq(info->description, "A test agent");
    cr_expect_eq(info->kind, CORRAL_AGENT_RESOURCE);
    cr_expect(info->actions & CORRAL_ACT_PROMOTE);
    cr_expect(!(info->actions & CORRAL_ACT_DEMOTE));
    /* Sorted by name. */
    cr_assert_str_eq(info->params[0].name, "alpha");
    cr_expect_eq(info->params[0].type, CORRAL_PARAM_INTEGER);
    cr_expect(info->params[0].required && info->params[0].unique);
    cr_expect_str_eq(info->params[0].description, "the first");
    cr_assert_str_eq(info->params[1].name, "flag");
    cr_expect_str_eq(info->params[1].default_value, "false");
    cr_expect(info->params[1].reloadable);
    cr_assert_str_eq(info->params[2].name, "zeta");
    cr_expect_eq(info->params[2].type, CORRAL_PARAM_DURATION);
    cr_expect_str_eq(info->params[2].default_value, "10s");
    cr_expect_null(info->params[3].name);

    /* The wrong kind is not found; a missing script neither. */
    cr_expect_eq(corral_registry_describe(reg, "lua:t_desc", CORRAL_AGENT_FENCE, &info, &err),
                 -ENOENT);
    cr_expect_eq(corral_registry_describe(reg, "lua:t_none", CORRAL_AGENT_RESOURCE, &info, &err),
                 -ENOENT);
}

/* ---- the run path and the host API ----------------------------------------- */

static const char api_src[] =
    "agent = { kind = 'resource', params = { path = { type = 'string' },\n"
    "                                         mode = { type = 'string', default = 'plain' } } }\n"
    "function start(p) return true end\n"
    "function stop(p) return false end\n"
    "function monitor(p) return corral.NOT_RUNNING, 'it is not here' end\n"
    "function promote(p) end\n"
    "function demote(p) error('demote failed on purpose') end\n"
    "function reload(p) return 300 end\n"
    "function notify(p)\n"
    "  assert(p.mode == 'plain', 'default param')\n"
    "  assert(corral.node() == 'n1' and corral.resource() == 'r1' and corral.action() == "
    "'notify')\n"
    "  assert(corral.get_attr('rack', 'n2') == 'b' and corral.get_attr('rack') == nil)\n"
    "  assert(corral.set_attr('lua_test', 7))\n"
    "  assert(corral.set_attr('gone', nil))\n"
    "  local f = p.path\n"
    "  assert(corral.file_exists(f) == false)\n"
    "  assert(corral.write_file(f, 'one\\n') == true)\n"
    "  assert(corral.read_file(f) == 'one\\n')\n"
    "  local ok, err = corral.write_file(f, 'two', { exclusive = true })\n"
    "  assert(ok == false and err:find('exists'), 'exclusive')\n"
    "  assert(corral.write_file(f .. '.x', 'two', { exclusive = true }) == true)\n"
    "  assert(corral.remove_file(f .. '.x') == true and corral.remove_file(f .. '.x') == false)\n"
    "  local no, why = corral.read_file(f .. '.missing')\n"
    "  assert(no == nil and why:find('No such file'))\n"
    "  assert(corral.mkdir(f .. '.d/a/b') and corral.file_exists(f .. '.d/a/b'))\n"
    "  local rc, out, errout = corral.exec({ 'sh', '-c', 'echo out; echo err >&2; exit 3' })\n"
    "  assert(rc == 3 and out == 'out\\n' and errout == 'err\\n', 'exec')\n"
    "  rc, out = corral.exec({ 'echo', 'a;', 'echo', '$HOME' })\n"
    "  assert(out == 'a; echo $HOME\\n', 'no shell by default: ' .. out)\n"
    "  rc, out = corral.exec('echo $T_VAR | tr a-z A-Z', { shell = true, env = { T_VAR = 'hi' } "
    "})\n"
    "  assert(out == 'HI\\n', 'shell and env')\n"
    "  rc, out = corral.exec({ 'cat' }, { stdin = 'fed\\n' })\n"
    "  assert(out == 'fed\\n', 'stdin')\n"
    "  rc = corral.exec({ 'cat' }, { env = { PATH = '/nonexistent' } })\n"
    "  assert(rc == 127, 'the PATH of opts.env is searched')\n"
    "  rc, out = corral.exec({ 'printenv', 'HOME' }, { env = { HOME = false } })\n"
    "  assert(rc == 1 and out == '', 'env = false unsets')\n"
    "  rc, out, errout = corral.exec({ 'sleep', '30' }, { timeout = 200 })\n"
    "  assert(rc == 124 and errout:find('timed out'), 'exec timeout')\n"
    "  rc, out, errout = corral.exec({ '/nonexistent/prog' })\n"
    "  assert(rc == 127 and errout:find('cannot run'), 'missing program')\n"
    "  rc = corral.exec({ 'sh', '-c', 'sleep 3 & exit 0' })\n"
    "  assert(rc == 0, 'a background grandchild is not waited for')\n"
    "  assert(corral.write_file(f .. '.m', 'x', { mode = '0600' }))\n"
    "  assert(not pcall(corral.write_file, f .. '.m', 'x', { mode = '0699' }), 'bad mode')\n"
    "  corral.log('notice', 'notify ran')\n"
    "  corral.exit_reason('all good')\n"
    "  return corral.ERR_ARGS\n"
    "end\n";

Test(lua, action_results_map_to_ocf_codes)
{
    free(agent_file("t_api", api_src));
    struct {
        const char *action;
        int rc;
        const char *reason;
    } cases[] = {
        {"start", 0, ""},
        {"stop", 1, "stop() returned false"},
        {"monitor", 7, "it is not here"},
        {"promote", 1, "promote() returned nothing, not an OCF code"},
        {"demote", 1, "demote failed on purpose"},
        {"reload", 1, "returned 300, not an OCF code"},
        {"migrate_to", 3, "defines no migrate_to()"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        res_t r = run("lua:t_api", cases[i].action, NULL);
        cr_expect_eq(r.rc, cases[i].rc, "%s: rc %d, want %d (%s)", cases[i].action, r.rc,
                     cases[i].rc, r.reason);
        cr_expect(strstr(r.reason, cases[i].reason), "%s: reason '%s' lacks '%s'", cases[i].action,
                  r.reason, cases[i].reason);
        res_free(&r);
    }
    /* A Lua error's reason carries FILE:LINE. */
    res_t r = run("lua:t_api", "demote", NULL);
    char *where = path_in("agents/t_api.lua:7: demote failed on purpose");
    cr_expect_str_eq(r.reason, where);
    free(where);
    res_free(&r);
}

Test(lua, host_api_works_in_an_action)
{
    free(agent_file("t_api", api_src));
    char *f = path_in("data");
    res_t r = run("lua:t_api", "notify", P("path", f));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_ARGS, "rc %d: %s", r.rc, r.reason);
    cr_expect_str_eq(r.reason, "all good");
    cr_expect_str_eq(r.attrs, "lua_test=7\ngone=<deleted>\n");
    res_free(&r);
    char *m = corral_xasprintf("%s.m", f);
    struct stat st;
    cr_expect_eq(stat(m, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", (unsigned)(st.st_mode & 07777));
    free(m);
    free(f);
}

Test(lua, validate_without_a_function_checks_the_metadata)
{
    free(agent_file("t_val", "agent = { kind = 'resource', params = {\n"
                             "  need = { required = true }, n = { type = 'integer' } } }\n"
                             "function start() return 0 end\n"
                             "function stop() return 0 end\n"
                             "function monitor() return 0 end\n"));
    res_t r = run("lua:t_val", "validate", P("need", "x"));
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    res_free(&r);
    r = run("lua:t_val", "validate", P("n", "3"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect(strstr(r.reason, "'need' is required"), "%s", r.reason);
    res_free(&r);
}

Test(lua, meta_data_is_answered_from_the_agent_table)
{
    res_t r = run("lua:ping", "meta-data", NULL);
    cr_expect_eq(r.rc, 0, "%s", r.reason);
    cr_expect(strstr(r.lines, "<resource-agent name=\"lua:ping\" version=\"1.0\">"), "%s", r.lines);
    cr_expect(strstr(r.lines, "<parameter name=\"host_list\" required=\"1\""), "%s", r.lines);
    cr_expect(strstr(r.lines, "<content type=\"integer\" default=\"1\"/>"), "%s", r.lines);
    cr_expect(strstr(r.lines, "<action name=\"monitor\""), "%s", r.lines);
    res_free(&r);
}

static void found_agent(void *ud, const char *agent, corral_agent_kind_t kind)
{
    corral_buf_printf(ud, "%s %s\n", agent, kind == CORRAL_AGENT_FENCE ? "fence" : "resource");
}

Test(lua, list_names_every_agent_with_its_kind)
{
    free(agent_file("t_listed", "agent = { kind = 'fence' }\n"
                                "function off() return 0 end\nfunction status() return 0 end\n"));
    free(agent_file("t_module", "return {}\n"));
    corral_buf_t b = {0};
    cr_assert_eq(corral_registry_list(reg, found_agent, &b), 0);
    char *all = corral_buf_take(&b);
    const char *want[] = {"lua:ping resource\n",       "lua:systemd resource\n",
                          "lua:http resource\n",       "lua:file-lock resource\n",
                          "lua:fence_command fence\n", "lua:t_listed fence\n"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_expect(strstr(all, want[i]), "'%s' not in:\n%s", want[i], all);
    cr_expect(!strstr(all, "t_module"), "a module is not an agent:\n%s", all);
    free(all);

    /* An empty directory and a missing one on the path are fine. */
    char *empty = path_in("empty");
    cr_assert_eq(mkdir(empty, 0755), 0);
    char *lua_path = corral_xasprintf("%s:%s/missing", empty, tmpdir);
    corral_registry_settings_t s = {.lua_path = lua_path};
    corral_registry_t *other = NULL;
    cr_assert_eq(corral_registry_new(&s, &other), 0);
    cr_expect_eq(corral_registry_list(other, found_agent, &b), 0);
    free(corral_buf_take(&b));
    corral_registry_free(other);
    free(lua_path);
    free(empty);
}

/* ---- shipped agents ------------------------------------------------------- */

Test(lua, shipped_agents_describe_cleanly)
{
    const char *res[] = {"lua:ping", "lua:systemd", "lua:http", "lua:file-lock", "lua:daemon"};
    char *err = NULL;
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        cr_expect_eq(describe(res[i], CORRAL_AGENT_RESOURCE, &err), 0, "%s: %s", res[i],
                     err ? err : "");
        free(err);
    }
    cr_expect_eq(describe("lua:fence_command", CORRAL_AGENT_FENCE, &err), 0, "%s", err ? err : "");
    free(err);
}

Test(lua, ping_sets_the_attribute_from_reachable_hosts)
{
    /* A fresh network namespace: only loopback, and 198.18.0.1 has no route. */
    if (unshare(CLONE_NEWNET) < 0)
        cr_skip_test("ping test needs a new network namespace (root or CAP_SYS_ADMIN): %s",
                     strerror(errno));
    cr_assert_eq(system("ip link set lo up"), 0);

    const char *const *params = P("host_list", "127.0.0.1 198.18.0.1", "multiplier", "100",
                                  "timeout", "1s", "attempts", "1");
    res_t r = run("lua:ping", "monitor", params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "probe before start: %s", r.reason);
    res_free(&r);

    r = run("lua:ping", "start", params);
    cr_expect_eq(r.rc, 0, "start: %s", r.reason);
    cr_expect_str_eq(r.attrs, "pingd=100\n");
    res_free(&r);

    r = run("lua:ping", "monitor",
            P("host_list", "127.0.0.1 127.0.0.2", "multiplier", "10", "name", "net"));
    cr_expect_eq(r.rc, 0, "monitor: %s", r.reason);
    cr_expect_str_eq(r.attrs, "net=20\n");
    res_free(&r);

    r = run("lua:ping", "monitor",
            P("host_list", "198.18.0.1", "failure_score", "1", "timeout", "1s", "attempts", "1"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "nothing reachable, below failure_score");
    cr_expect_str_eq(r.attrs, "pingd=0\n");
    cr_expect(strstr(r.reason, "below failure_score 1"), "%s", r.reason);
    res_free(&r);

    r = run("lua:ping", "stop", params);
    cr_expect_eq(r.rc, 0);
    cr_expect_str_eq(r.attrs, "pingd=<deleted>\n");
    res_free(&r);

    r = run("lua:ping", "validate", P("host_list", " "));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    res_free(&r);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(s);
    return ok;
}

Test(lua, http_checks_status_and_body)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0)
        cr_skip_test("http test needs python3 for a local HTTP server");
    char *www = path_in("www");
    cr_assert_eq(mkdir(www, 0755), 0);
    char *health = path_in("www/health");
    write_text(health, "service ready\n", 0644);
    int port = free_port();
    pid_t server = fork();
    cr_assert_geq(server, 0);
    if (server == 0) {
        char portstr[16];
        snprintf(portstr, sizeof(portstr), "%d", port);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", www,
               portstr, (char *)NULL);
        _exit(127);
    }
    /* A bounded wait for the server to listen (not a timing assertion). */
    for (int i = 0; i < 300 && !port_open(port); i++) usleep(50000);
    cr_assert(port_open(port), "python3 http.server did not start on port %d", port);

    char *url = corral_xasprintf("http://127.0.0.1:%d/health", port);
    char *missing = corral_xasprintf("http://127.0.0.1:%d/missing", port);

    res_t r = run("lua:http", "monitor", P("url", url));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "not started yet: %s", r.reason);
    res_free(&r);

    r = run("lua:http", "start", P("url", url, "expect_body", "ready"));
    cr_expect_eq(r.rc, 0, "start: %s", r.reason);
    res_free(&r);
    r = run("lua:http", "monitor", P("url", url, "expect_body", "ready"));
    cr_expect_eq(r.rc, 0, "monitor: %s", r.reason);
    res_free(&r);

    r = run("lua:http", "monitor", P("url", url, "expect_body", "degraded"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "does not contain \"degraded\""), "%s", r.reason);
    res_free(&r);

    r = run("lua:http", "monitor", P("url", missing));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "status 404, expected 200"), "%s", r.reason);
    res_free(&r);

    r = run("lua:http", "monitor", P("url", missing, "expect_status", "404"));
    cr_expect_eq(r.rc, 0, "%s", r.reason);
    res_free(&r);

    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    r = run("lua:http", "monitor", P("url", url));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "server gone");
    cr_expect(strstr(r.reason, url), "%s", r.reason);
    res_free(&r);

    r = run("lua:http", "stop", P("url", url));
    cr_expect_eq(r.rc, 0);
    res_free(&r);
    r = run("lua:http", "monitor", P("url", url));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING);
    res_free(&r);

    r = run("lua:http", "validate", P("url", "ftp://x"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    res_free(&r);
    free(url);
    free(missing);
    free(health);
    free(www);
}

/* A stand-in for systemctl: units are files in $STANDIN/units (content
 * "fail" makes start fail), states in $STANDIN/state. */
static const char systemctl_standin[] =
    "#!/bin/sh\n"
    "# Stand-in for systemctl in tests: these machines do not run systemd.\n"
    "cmd=$1; shift\n"
    "case $cmd in show) unit=$4 ;; *) unit=$1 ;; esac\n"
    "u=$STANDIN/units/$unit; s=$STANDIN/state/$unit\n"
    "echo \"$cmd $unit\" >> $STANDIN/calls\n"
    "case $cmd in\n"
    "show) if [ -f $u ]; then echo loaded; else echo not-found; fi ;;\n"
    "is-active) st=$(cat $s 2>/dev/null || echo inactive); echo $st;\n"
    "   [ $st = active ] && exit 0 || exit 3 ;;\n"
    "start) [ -f $u ] || { echo \"Unit $unit not found.\" >&2; exit 5; }\n"
    "   if grep -q fail $u; then echo failed > $s; echo \"Job for $unit failed.\" >&2; exit 1; fi\n"
    "   echo active > $s ;;\n"
    "stop) [ -f $u ] || { echo \"Unit $unit not loaded.\" >&2; exit 5; }\n"
    "   echo inactive > $s ;;\n"
    "*) echo \"unknown command $cmd\" >&2; exit 1 ;;\n"
    "esac\n";

Test(lua, systemd_manages_a_unit_through_systemctl)
{
    char *bin = path_in("bin"), *standin = path_in("standin");
    char *units = path_in("standin/units"), *state = path_in("standin/state");
    cr_assert_eq(mkdir(bin, 0755) | mkdir(standin, 0755) | mkdir(units, 0755) | mkdir(state, 0755),
                 0);
    char *sc = path_in("bin/systemctl");
    write_text(sc, systemctl_standin, 0755);
    char *web = path_in("standin/units/web.service"), *bad = path_in("standin/units/bad.service");
    write_text(web, "ok\n", 0644);
    write_text(bad, "fail\n", 0644);
    char *path = corral_xasprintf("%s:%s", bin, getenv("PATH"));
    setenv("PATH", path, 1); /* inherited by the action's child and its commands */
    setenv("STANDIN", standin, 1);

    res_t r = run("lua:systemd", "monitor", P("unit", "web"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "%s", r.reason);
    res_free(&r);
    r = run("lua:systemd", "start", P("unit", "web", "poll", "100ms"));
    cr_expect_eq(r.rc, 0, "start: %s", r.reason);
    res_free(&r);
    char *st = path_in("standin/state/web.service");
    char *s = read_text(st);
    cr_expect_str_eq(s ? s : "", "active\n");
    free(s);
    r = run("lua:systemd", "monitor", P("unit", "web.service"));
    cr_expect_eq(r.rc, 0, "monitor: %s", r.reason);
    res_free(&r);
    r = run("lua:systemd", "stop", P("unit", "web"));
    cr_expect_eq(r.rc, 0, "stop: %s", r.reason);
    res_free(&r);
    s = read_text(st);
    cr_expect_str_eq(s ? s : "", "inactive\n");
    free(s);
    r = run("lua:systemd", "monitor", P("unit", "web"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING);
    res_free(&r);

    r = run("lua:systemd", "start", P("unit", "nosuch"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED, "%s", r.reason);
    cr_expect(strstr(r.reason, "nosuch.service is not installed"), "%s", r.reason);
    res_free(&r);
    r = run("lua:systemd", "stop", P("unit", "nosuch"));
    cr_expect_eq(r.rc, 0, "stopping a unit that is not installed succeeds");
    res_free(&r);

    r = run("lua:systemd", "start", P("unit", "bad"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "Job for bad.service failed"), "%s", r.reason);
    res_free(&r);
    r = run("lua:systemd", "monitor", P("unit", "bad"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect(strstr(r.reason, "bad.service failed"), "%s", r.reason);
    res_free(&r);

    char *calls_path = path_in("standin/calls");
    char *calls = read_text(calls_path);
    cr_expect(calls && strstr(calls, "start web.service\n") && strstr(calls, "stop web.service\n"),
              "%s", calls ? calls : "");
    free(calls);
    free(calls_path);
    free(st);
    free(path);
    free(web);
    free(bad);
    free(sc);
    free(bin);
    free(standin);
    free(units);
    free(state);
}

Test(lua, file_lock_lets_one_node_hold_the_lease)
{
    char *shared = path_in("shared");
    cr_assert_eq(mkdir(shared, 0755), 0);
    char *lock = path_in("shared/lock");
    const char *const *params = P("path", lock, "lease", "60s");
    opts_t n1 = {.node = "n1"}, n2 = {.node = "n2"};

    res_t r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "start", &n1, params);
    cr_expect_eq(r.rc, 0, "n1 start: %s", r.reason);
    res_free(&r);
    char *content = read_text(lock);
    cr_expect(content && strstr(content, "owner=n1\n"), "%s", content ? content : "");
    free(content);

    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "start", &n2, params);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "n2 must not take a fresh lease");
    cr_expect(strstr(r.reason, "is held by n1"), "%s", r.reason);
    res_free(&r);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "monitor", &n2, params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "n2 probe: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "monitor", &n1, params);
    cr_expect_eq(r.rc, 0, "n1 monitor renews: %s", r.reason);
    res_free(&r);

    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "stop", &n1, params);
    cr_expect_eq(r.rc, 0, "n1 stop: %s", r.reason);
    res_free(&r);
    cr_expect(access(lock, F_OK) < 0, "the lock is released");
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "start", &n2, params);
    cr_expect_eq(r.rc, 0, "n2 start after release: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "monitor", &n1, params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "n1 probe: %s", r.reason);
    res_free(&r);

    /* n2 dies; its lease goes stale; n1 takes over; n2's monitor then fails. */
    char *stale =
        corral_xasprintf("owner=n2\nrenewed=%lld\nresource=r1\n", (long long)time(NULL) - 3600);
    write_text(lock, stale, 0644);
    free(stale);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "start", &n1, params);
    cr_expect_eq(r.rc, 0, "n1 takes over a stale lease: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "monitor", &n2, params);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "n2 lost its lock");
    cr_expect(strstr(r.reason, "taken over by n1"), "%s", r.reason);
    res_free(&r);

    /* A guard left by a live change makes start wait, then give up. */
    char *guard = corral_xasprintf("%s.guard", lock);
    char *g = corral_xasprintf("n2 %lld\n", (long long)time(NULL) + 60);
    write_text(guard, g, 0644);
    r = run_opts("lua:file-lock", CORRAL_AGENT_RESOURCE, "monitor", &n1,
                 P("path", lock, "guard_timeout", "300ms"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "is held by n2"), "%s", r.reason);
    res_free(&r);
    unlink(guard);
    free(g);
    free(guard);
    free(lock);
    free(shared);
}

static const char power_script[] =
    "#!/bin/sh\n"
    "# power ACTION PLUG: a pretend power switch keeping its outlets in files\n"
    "d=$(dirname \"$0\")/outlets\n"
    "case $1 in\n"
    "off|on) [ -f \"$d/$2\" ] || { echo \"no outlet $2\" >&2; exit 1; }; echo $1 > \"$d/$2\" ;;\n"
    "status) [ -f \"$d/$2\" ] || { echo \"no outlet $2\" >&2; exit 1; }\n"
    "   [ \"$(cat \"$d/$2\")\" = on ] && exit 0 || exit 2 ;;\n"
    "list) ls \"$d\" ;;\n"
    "*) exit 1 ;;\n"
    "esac\n";

Test(lua, fence_command_powers_targets_off_and_on)
{
    char *dir = path_in("power"), *outlets = path_in("power/outlets");
    cr_assert_eq(mkdir(dir, 0755) | mkdir(outlets, 0755), 0);
    char *script = path_in("power/power");
    write_text(script, power_script, 0755);
    char *o1 = path_in("power/outlets/plug1"), *o2 = path_in("power/outlets/n2");
    write_text(o1, "on\n", 0644);
    write_text(o2, "on\n", 0644);

    char *off = corral_xasprintf("%s off %%p", script), *on = corral_xasprintf("%s on %%p", script);
    char *status = corral_xasprintf("%s status %%p", script);
    char *list = corral_xasprintf("%s list", script);
    const char *const *params = P("off_command", off, "on_command", on, "status_command", status,
                                  "list_command", list, "power_wait", "2s");
    opts_t t1 = {.target = "n1", .plug = "plug1"}, t2 = {.target = "n2"};

    res_t r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "status", &t1, params);
    cr_expect_eq(r.rc, 0, "n1 is on: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "off", &t1, params);
    cr_expect_eq(r.rc, 0, "off: %s", r.reason);
    res_free(&r);
    char *s = read_text(o1);
    cr_expect_str_eq(s ? s : "", "off\n");
    free(s);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "status", &t1, params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "n1 is off: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "on", &t1, params);
    cr_expect_eq(r.rc, 0, "on: %s", r.reason);
    res_free(&r);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "reboot", &t2, params);
    cr_expect_eq(r.rc, 0, "reboot: %s", r.reason);
    res_free(&r);
    s = read_text(o2);
    cr_expect_str_eq(s ? s : "", "on\n", "reboot ends with the target on");
    free(s);

    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "list", NULL, params);
    cr_expect_eq(r.rc, 0, "list: %s", r.reason);
    cr_expect_str_eq(r.lines, "n2\nplug1\n");
    res_free(&r);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "monitor", NULL, params);
    cr_expect_eq(r.rc, 0, "monitor: %s", r.reason);
    res_free(&r);

    opts_t t3 = {.target = "n3"};
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "off", &t3, params);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "off of n3 failed (exit 1): no outlet n3"), "%s", r.reason);
    res_free(&r);

    /* An off command that reports success but leaves the power on is caught. */
    char *liar = corral_xasprintf("%s on %%p", script);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "off", &t2,
                 P("off_command", liar, "status_command", status, "power_wait", "1s"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "n2 is still on"), "%s", r.reason);
    res_free(&r);

    /* Shell mode quotes the values it substitutes. */
    char *shell_off = corral_xasprintf("%s off %%p && echo done", script);
    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "off", &t2,
                 P("off_command", shell_off, "shell", "true"));
    cr_expect_eq(r.rc, 0, "shell off: %s", r.reason);
    res_free(&r);
    s = read_text(o2);
    cr_expect_str_eq(s ? s : "", "off\n");
    free(s);

    r = run_opts("lua:fence_command", CORRAL_AGENT_FENCE, "status", &t2, P("off_command", off));
    cr_expect_eq(r.rc, CORRAL_OCF_UNIMPLEMENTED, "no status command");
    res_free(&r);

    free(shell_off);
    free(liar);
    free(off);
    free(on);
    free(status);
    free(list);
    free(o1);
    free(o2);
    free(script);
    free(dir);
    free(outlets);
}

/* Alive and not a zombie (this machine's PID 1 may not reap orphans). */
static bool pid_alive(long pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    char *stat = read_text(path);
    if (!stat) return false;
    char *rp = strrchr(stat, ')');
    bool alive = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
    free(stat);
    return alive;
}

Test(lua, daemon_runs_a_program_as_a_resource)
{
    const char *const *params = P("command", "/bin/sleep 300", "stop_grace", "2s");
    res_t r = run("lua:daemon", "monitor", params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING, "probe: %s", r.reason);
    res_free(&r);
    r = run("lua:daemon", "start", params);
    cr_expect_eq(r.rc, 0, "start: %s", r.reason);
    res_free(&r);
    char *pidfile = path_in("state/lua-agents/daemon-r1@n1.pid");
    char *pidtext = read_text(pidfile);
    cr_assert_not_null(pidtext, "no pid file %s", pidfile);
    long pid = atol(pidtext);
    free(pidtext);
    cr_expect(pid > 1 && pid_alive(pid));
    r = run("lua:daemon", "monitor", params);
    cr_expect_eq(r.rc, 0, "monitor: %s", r.reason);
    res_free(&r);
    r = run("lua:daemon", "start", params);
    cr_expect_eq(r.rc, 0, "a second start is a no-op: %s", r.reason);
    res_free(&r);

    r = run("lua:daemon", "stop", params);
    cr_expect_eq(r.rc, 0, "stop: %s", r.reason);
    res_free(&r);
    cr_expect(!pid_alive(pid), "the daemon was stopped");
    r = run("lua:daemon", "monitor", params);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_RUNNING);
    res_free(&r);

    /* Killed behind the cluster's back: a failure, not "not running". */
    r = run("lua:daemon", "start", params);
    cr_expect_eq(r.rc, 0, "start again: %s", r.reason);
    res_free(&r);
    pidtext = read_text(pidfile);
    cr_assert_not_null(pidtext);
    pid = atol(pidtext);
    free(pidtext);
    cr_assert_eq(kill((pid_t)pid, SIGKILL), 0);
    for (int i = 0; i < 200 && pid_alive(pid); i++) usleep(10000);
    r = run("lua:daemon", "monitor", params);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "/bin/sleep 300 died"), "%s", r.reason);
    res_free(&r);
    r = run("lua:daemon", "stop", params);
    cr_expect_eq(r.rc, 0);
    res_free(&r);

    r = run("lua:daemon", "start", P("command", "/bin/sleep not-a-number", "start_wait", "2s"));
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "exited right after it started"), "%s", r.reason);
    res_free(&r);
    r = run("lua:daemon", "validate", P("command", "sleep 1"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    res_free(&r);
    r = run("lua:daemon", "start", P("command", "/nonexistent/prog"));
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED);
    res_free(&r);
    free(pidfile);
}

Test(lua, the_guide_shows_the_shipped_example_verbatim)
{
    const char *src = getenv("CORRAL_SOURCE_DIR");
    cr_assert_not_null(src, "CORRAL_SOURCE_DIR is not set");
    char *doc_path = corral_xasprintf("%s/docs/lua-agents.md", src);
    char *agent_path = corral_xasprintf("%s/lua-agents/daemon.lua", src);
    char *doc = read_text(doc_path), *agent = read_text(agent_path);
    cr_assert_not_null(doc, "%s", doc_path);
    cr_assert_not_null(agent, "%s", agent_path);
    const char *marker = "<!-- example:daemon.lua -->\n```lua\n";
    char *start = strstr(doc, marker);
    cr_assert_not_null(start, "the guide has no example block");
    start += strlen(marker);
    char *end = strstr(start, "\n```\n");
    cr_assert_not_null(end);
    end[1] = '\0';
    cr_expect_str_eq(start, agent,
                     "docs/lua-agents.md's example differs from lua-agents/daemon.lua");
    free(doc);
    free(agent);
    free(doc_path);
    free(agent_path);
}
