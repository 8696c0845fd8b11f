/*
 * The process resource agent through the real host path: a long-lived
 * command daemonised in its own session, watched by pid and health, and
 * stopped with SIGTERM then SIGKILL.
 */
#include <criterion/criterion.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>

#include "agent_harness.h"
#include "proc_check.h"

static char *dir;
static char *pidfile_kv;
static corral_registry_t *reg;

static void setup(void)
{
    dir = ah_tmpdir("proc");
    pidfile_kv = corral_xasprintf("pidfile=%s/svc.pid", dir);
    reg = ah_registry(dir);
}

static void teardown(void)
{
    /* Whatever a failed test left running goes with its pid file. */
    char *data = ah_slurp(pidfile_kv + 8);
    pid_t pid = (pid_t)atoi(data);
    /* (Some tests put this very process in the pid file.) */
    if (pid > 1 && pid != getpid() && getpgid(pid) == pid) kill(-pid, SIGKILL);
    free(data);
    corral_registry_free(reg);
    ah_sh("rm -rf '%s'", dir);
    free(pidfile_kv);
    free(dir);
}

TestSuite(plugin_process, .init = setup, .fini = teardown);

static pid_t service_pid(void)
{
    char *data = ah_slurp(pidfile_kv + 8);
    pid_t pid = (pid_t)atoi(data);
    free(data);
    return pid;
}

/* Wait (bounded, generously) for a file to have content; returns it. */
static char *wait_for_file(const char *path)
{
    for (int i = 0; i < 200; i++) {
        char *data = ah_slurp(path);
        if (*data) return data;
        free(data);
        usleep(50000);
    }
    return ah_slurp(path);
}

Test(plugin_process, a_missing_program_is_not_installed)
{
    const char *kv[] = {pidfile_kv, "command=/nonexistent/daemon --flag", NULL};
    ah_result_t r = ah_rsc(reg, "process", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED);
    cr_expect(strstr(r.reason, "/nonexistent/daemon") != NULL, "reason: %s", r.reason);
    const char *bad_env[] = {pidfile_kv, "command=sleep 600", "env=NOEQUALS", NULL};
    r = ah_rsc(reg, "process", "start", bad_env);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *bad_cwd[] = {pidfile_kv, "command=sleep 600", "cwd=/nonexistent", NULL};
    cr_expect_eq(ah_rsc(reg, "process", "validate", bad_cwd).rc, CORRAL_OCF_NOT_CONFIGURED);
}

Test(plugin_process, start_monitor_stop)
{
    const char *kv[] = {pidfile_kv, "command=sleep 600", "start-wait=100ms", NULL};
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_rsc(reg, "process", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    pid_t pid = service_pid();
    cr_assert_gt(pid, 1);
    cr_expect(proc_alive(pid, 0));
    /* Daemonised: in a session and a process group of its own, not ours. */
    cr_expect_neq(getsid(pid), getsid(0));
    cr_expect_eq(getpgid(pid), pid);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "process", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(service_pid(), pid, "a second start starts nothing");
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!proc_alive(pid, 0));
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_process, stop_finds_the_service_even_when_the_config_went_bad)
{
    const char *kv[] = {pidfile_kv, "command=sleep 600", "start-wait=100ms", NULL};
    cr_assert_eq(ah_rsc(reg, "process", "start", kv).rc, CORRAL_OCF_SUCCESS);
    pid_t pid = service_pid();
    cr_expect(proc_alive(pid, 0));
    const char *broken[] = {pidfile_kv, "env=NOEQUALS", NULL};
    cr_expect_eq(ah_rsc(reg, "process", "monitor", broken).rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect_eq(ah_rsc(reg, "process", "stop", broken).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!proc_alive(pid, 0));
}

Test(plugin_process, a_command_that_exits_at_once_fails_to_start)
{
    const char *kv[] = {pidfile_kv, "command=false", NULL};
    ah_result_t r = ah_rsc(reg, "process", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "exited during start-up") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
}

Test(plugin_process, a_recycled_pid_is_not_the_service)
{
    const char *kv[] = {pidfile_kv, "command=sleep 600", NULL};
    /* The pid file names a live process (this test) that the agent did not start. */
    char *pid = corral_xasprintf("%ld\n", (long)getpid());
    char *start = corral_xasprintf("%s.starttime", pidfile_kv + 8);
    cr_assert_eq(corral_write_file_atomic(pidfile_kv + 8, pid, strlen(pid), 0644), 0);
    cr_assert_eq(corral_write_file_atomic(start, "1\n", 2, 0644), 0);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(proc_alive(getpid(), 0), "stop signalled nobody else");
    free(start);
    free(pid);
}

Test(plugin_process, a_pid_from_an_earlier_boot_is_not_the_service)
{
    const char *kv[] = {pidfile_kv, "command=sleep 600", NULL};
    /* This test's own pid and start time, recorded in a boot that is not this one. */
    char *stat = ah_slurp("/proc/self/stat");
    char *p = strrchr(stat, ')');
    cr_assert_not_null(p);
    unsigned long long start = 0;
    int field = 3;
    for (char *tok = strtok(p + 2, " "); tok; tok = strtok(NULL, " "), field++) {
        if (field == 22) {
            start = strtoull(tok, NULL, 10);
            break;
        }
    }
    cr_assert_gt(start, 0);
    char *pid = corral_xasprintf("%ld\n", (long)getpid());
    char *startfile = corral_xasprintf("%s.starttime", pidfile_kv + 8);
    char *same = corral_xasprintf("%llu\n", start);
    char *other = corral_xasprintf("%llu 00000000-0000-0000-0000-000000000000\n", start);
    cr_assert_eq(corral_write_file_atomic(pidfile_kv + 8, pid, strlen(pid), 0644), 0);
    /* Same start time and no boot id (an older pid file): taken as the service. */
    cr_assert_eq(corral_write_file_atomic(startfile, same, strlen(same), 0644), 0);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_assert_eq(corral_write_file_atomic(startfile, other, strlen(other), 0644), 0);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(other);
    free(same);
    free(startfile);
    free(pid);
    free(stat);
}

Test(plugin_process, sigterm_ignored_means_sigkill_at_the_stop_timeout)
{
    const char *kv[] = {pidfile_kv,         "command=trap '' TERM; sleep 600 & wait",
                        "shell=true",       "stop-timeout=300ms",
                        "start-wait=100ms", NULL};
    cr_assert_eq(ah_rsc(reg, "process", "start", kv).rc, CORRAL_OCF_SUCCESS);
    pid_t pid = service_pid();
    cr_expect(proc_alive(pid, 0));
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!proc_alive(pid, 0));
    /* Its child, in its process group, went with it. */
    cr_expect(!group_alive(pid), "group %ld still has live members", (long)pid);
}

Test(plugin_process, env_cwd_and_log)
{
    char *cwd = corral_xasprintf("cwd=%s", dir);
    char *log = corral_xasprintf("log=%s/svc.log", dir);
    /* Without a shell the command is split on whitespace: the script does the rest. */
    const char *kv2[] = {pidfile_kv, "command=sh ./svc.sh", "env=GREETING=hello OTHER=x", cwd, log,
                         NULL};
    char *script = corral_xasprintf("%s/svc.sh", dir);
    const char *body = "echo \"$GREETING $OTHER $(pwd)\"\nexec sleep 600\n";
    cr_assert_eq(corral_write_file_atomic(script, body, strlen(body), 0644), 0);
    ah_result_t r = ah_rsc(reg, "process", "start", kv2);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *out = wait_for_file(log + 4);
    char *want = corral_xasprintf("hello x %s\n", dir);
    cr_expect_str_eq(out, want);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv2).rc, CORRAL_OCF_SUCCESS);
    free(want);
    free(out);
    free(script);
    free(log);
    free(cwd);
}

Test(plugin_process, health_command)
{
    char *flag = corral_xasprintf("%s/healthy", dir);
    char *health = corral_xasprintf("health=test -e %s", flag);
    const char *kv[] = {pidfile_kv, "command=sleep 600", health, "start-wait=100ms", NULL};
    cr_assert_eq(corral_write_file_atomic(flag, "", 0, 0644), 0);
    cr_assert_eq(ah_rsc(reg, "process", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    unlink(flag);
    ah_result_t r = ah_rsc(reg, "process", "monitor", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "health") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    /* A service that never becomes healthy fails its start and is not left behind. */
    r = ah_run_full(reg, CORRAL_AGENT_RESOURCE, "process", "rsc1", "start", NULL, 6000, kv, NULL);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "healthy") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(health);
    free(flag);
}

Test(plugin_process, runs_as_the_user)
{
    if (geteuid() != 0)
        cr_skip_test("plugin_process.runs_as_the_user needs root to change user; skipped");
    struct passwd *pw = getpwnam("nobody");
    if (!pw) cr_skip_test("no user 'nobody' on this machine; skipped");
    const char *kv[] = {pidfile_kv, "command=sleep 600", "user=nobody", "start-wait=100ms", NULL};
    ah_result_t r = ah_rsc(reg, "process", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    pid_t pid = service_pid();
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_uid, pw->pw_uid);
    cr_expect_eq(ah_rsc(reg, "process", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    const char *bad[] = {pidfile_kv, "command=sleep 600", "user=no-such-user-here", NULL};
    cr_expect_eq(ah_rsc(reg, "process", "start", bad).rc, CORRAL_OCF_NOT_CONFIGURED);
}

Test(plugin_process, stop_after_the_main_process_died_stops_what_it_left_in_its_group)
{
    /* A shell that leaves a child behind when the main process dies (as a
     * `sh -c` wrapper around a server does when the shell is killed). */
    const char *kv[] = {pidfile_kv, "command=sleep 600 & exec sleep 700", "shell=true",
                        "start-wait=100ms", NULL};
    cr_assert_eq(ah_rsc(reg, "process", "start", kv).rc, CORRAL_OCF_SUCCESS);
    pid_t pid = service_pid();
    cr_assert_gt(pid, 1);
    kill(pid, SIGKILL);
    for (int i = 0; i < 100 && proc_alive(pid, 0); i++) usleep(20000);
    cr_expect_eq(ah_rsc(reg, "process", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect(group_alive(pid), "the shell's child lives on in the group");
    ah_result_t r = ah_rsc(reg, "process", "stop", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    cr_expect(!group_alive(pid), "stop took the leftovers of the group away");
}
