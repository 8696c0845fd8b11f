/*
 * The command fence agent through the real host path: a template run
 * without a shell, its exit code as the result.
 */
#include <criterion/criterion.h>

#include "agent_harness.h"

static char *dir;
static char *script; /* records its argv, answers per files in dir */
static corral_registry_t *reg;

static void setup(void)
{
    dir = ah_tmpdir("fcmd");
    script = corral_xasprintf("%s/power.sh", dir);
    char *body = corral_xasprintf("#!/bin/sh\n"
                                  "echo \"$*\" >> '%s/calls'\n"
                                  "case \"$1\" in\n"
                                  "  list) echo node1; echo 'node2 extra words'; exit 0;;\n"
                                  "  status) exit $(cat '%s/status' 2>/dev/null || echo 0);;\n"
                                  "esac\n"
                                  "exit $(cat '%s/rc' 2>/dev/null || echo 0)\n",
                                  dir, dir, dir);
    cr_assert_eq(corral_write_file_atomic(script, body, strlen(body), 0755), 0);
    free(body);
    reg = ah_registry(dir);
}

static void teardown(void)
{
    corral_registry_free(reg);
    ah_sh("rm -rf '%s'", dir);
    free(script);
    free(dir);
}

TestSuite(plugin_command, .init = setup, .fini = teardown);

static void put(const char *name, const char *value)
{
    char *path = corral_xasprintf("%s/%s", dir, name);
    cr_assert_eq(corral_write_file_atomic(path, value, strlen(value), 0644), 0);
    free(path);
}

Test(plugin_command, unknown_escape_is_a_configuration_error)
{
    char *cmd = corral_xasprintf("command=%s %%x", script);
    const char *kv[] = {cmd, NULL};
    ah_result_t r = ah_fence(reg, "command", "off", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect(strstr(r.reason, "%x") != NULL, "reason: %s", r.reason);
    char *calls = corral_xasprintf("%s/calls", dir);
    char *data = ah_slurp(calls);
    cr_expect_str_empty(data, "nothing was run: %s", data);
    free(data);
    free(calls);
    free(cmd);
}

Test(plugin_command, off_expands_the_template_without_a_shell)
{
    char *cmd = corral_xasprintf("command=%s %%a %%n 100%%%% $HOME;x", script);
    const char *kv[] = {cmd, NULL};
    ah_result_t r = ah_fence(reg, "command", "off", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *calls = corral_xasprintf("%s/calls", dir);
    char *data = ah_slurp(calls);
    cr_expect_str_eq(data, "off node2 100% $HOME;x\n");
    free(data);
    free(calls);
    free(cmd);
}

Test(plugin_command, status_passes_on_and_off_through)
{
    char *cmd = corral_xasprintf("command=%s %%a %%n", script);
    const char *kv[] = {cmd, NULL};
    put("status", "0\n");
    cr_expect_eq(ah_fence(reg, "command", "status", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    put("status", "7\n");
    cr_expect_eq(ah_fence(reg, "command", "status", "node2", kv).rc, CORRAL_OCF_NOT_RUNNING);
    put("status", "3\n");
    ah_result_t r = ah_fence(reg, "command", "status", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "exit code 3") != NULL, "reason: %s", r.reason);
    free(cmd);
}

Test(plugin_command, a_failing_action_reports_its_exit_code)
{
    char *cmd = corral_xasprintf("command=%s %%a %%n", script);
    const char *kv[] = {cmd, NULL};
    put("rc", "7\n");
    ah_result_t r = ah_fence(reg, "command", "off", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC, "only status passes 7 through");
    cr_expect(strstr(r.reason, "exit code 7") != NULL, "reason: %s", r.reason);
    put("rc", "4\n");
    r = ah_fence(reg, "command", "reboot", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "exit code 4") != NULL, "reason: %s", r.reason);
    put("rc", "0\n");
    cr_expect_eq(ah_fence(reg, "command", "on", "node2", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_fence(reg, "command", "monitor", NULL, kv).rc, CORRAL_OCF_SUCCESS);
    free(cmd);
}

Test(plugin_command, a_missing_program_fails)
{
    const char *kv[] = {"command=/nonexistent/fence-me %n", NULL};
    ah_result_t r = ah_fence(reg, "command", "off", "node2", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "127") != NULL, "reason: %s", r.reason);
}

Test(plugin_command, list_prints_one_target_per_line)
{
    char *cmd = corral_xasprintf("command=%s %%a", script);
    const char *kv[] = {cmd, NULL};
    ah_result_t r = ah_fence(reg, "command", "list", NULL, kv);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    cr_expect_str_eq(r.lines, "node1\nnode2\n");
    free(cmd);
}

Test(plugin_command, plug_is_the_host_mapped_name)
{
    char *cmd = corral_xasprintf("command=%s %%a %%p %%n", script);
    const char *kv[] = {cmd, NULL};
    ah_result_t r = ah_run_plug(reg, CORRAL_AGENT_FENCE, "command", "fence1", "off", "node2",
                                "outlet7", 20000, kv, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *calls = corral_xasprintf("%s/calls", dir);
    char *data = ah_slurp(calls);
    cr_expect_str_eq(data, "off outlet7 node2\n");
    free(data);
    free(calls);
    free(cmd);
}
