/*
 * bench_executor: what the executor costs.
 *
 *  1. Throughput per agent kind (native `dummy`, Lua `lua:benchdummy`, OCF
 *     `ocf:pacemaker:Dummy`) at the default concurrency: cycles of
 *     start, monitor x3, stop over a set of resources, all queued at once.
 *  2. The OCF agent run by the executor one at a time against the same
 *     sequence run by a plain shell loop, in the same run: the overhead ratio.
 *  3. Many resources each monitored every interval: CPU time over a
 *     steady-state window.
 *
 * CPU time is this process's and its reaped children's (getrusage) plus the
 * executor's fork server's and its reaped children's (/proc/PID/stat): the
 * actions' processes are the fork server's children.
 *
 * usage: bench_executor [--quick] [--seconds S] [--resources N] [--interval MS]
 *                       [--only native|lua|ocf|monitors] [--no-forkserver]
 * Prints figures only; the goals are in README.md.
 */
#include "executor.h"
#include "log.h"
#include "registry.h"
#include "util.h"

#include <corral/plugin.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OCF_DUMMY "/usr/lib/ocf/resource.d/pacemaker/Dummy"

/*
 * "bench-null": the thinnest native agent (a stat of its state file for
 * monitor), registered in-process like a loaded plugin. The shipped `dummy`
 * rewrites and fsyncs its state file on every action, monitors included;
 * this one shows what the executor and the runner cost by themselves.
 */
static int null_start(const corral_op_t *op)
{
    return CORRAL_OCF_SUCCESS;
}

static int null_monitor(const corral_op_t *op)
{
    const char *p = op->param(op, "state");
    /* Look, as a monitor would; the answer is "running" either way. */
    if (p) (void)access(p, F_OK);
    return CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t null_params[] = {
    {.name = "state", .type = CORRAL_PARAM_STRING, .description = "a path it looks at"},
    {.name = NULL},
};

static const corral_resource_plugin_t null_agent = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "bench-null",
    .version = "1",
    .description = "executor benchmark: does nothing",
    .params = null_params,
    .start = null_start,
    .stop = null_start,
    .monitor = null_monitor,
};

static qb_loop_t *loop;
static corral_registry_t *reg;
static char tmpdir[256];
static unsigned long results, failures;

static void on_result(void *ud, const corral_exec_event_t *ev)
{
    results++;
    if (!ev->expected) {
        failures++;
        if (failures <= 5)
            fprintf(stderr, "  unexpected: %s %s rc=%d %s\n", ev->rsc, ev->action, ev->rc,
                    ev->exit_reason);
    }
}

static const corral_executor_callbacks_t callbacks = {.result = on_result};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process plus its reaped children. */
static double cpu_s(void)
{
    struct rusage s, c;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &c);
    return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) +
           (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
                    c.ru_stime.tv_usec) /
               1e6;
}

static double self_cpu_s(void)
{
    struct rusage s;
    getrusage(RUSAGE_SELF, &s);
    return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec) +
           (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec) / 1e6;
}

/*
 * CPU seconds of the executor's fork server and its reaped children (the
 * actions' processes are its children, not ours), from /proc; 0 without one.
 */
static double fs_cpu_part(const corral_executor_t *ex, bool kids)
{
    pid_t pid = corral_executor_forkserver_pid(ex);
    if (pid <= 0) return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p) return 0;
    /* After the command: state (field 3) ... utime, stime, cutime, cstime (fields 14-17). */
    unsigned long long t[4] = {0};
    int field = 2;
    for (const char *q = p + 1; *q && field < 17; q++) {
        if (*q != ' ') continue;
        field++;
        if (field >= 14) t[field - 14] = strtoull(q + 1, NULL, 10);
    }
    return (double)(kids ? t[2] + t[3] : t[0] + t[1]) / (double)sysconf(_SC_CLK_TCK);
}

static double fs_cpu_s(const corral_executor_t *ex)
{
    return fs_cpu_part(ex, false) + fs_cpu_part(ex, true);
}

/* Everything an executor costs: this process, its reaped children, its fork server's. */
static double all_cpu_s(const corral_executor_t *ex)
{
    return cpu_s() + fs_cpu_s(ex);
}

/* ---- running the loop until the executor is idle, or for a while ---- */

static corral_executor_t *cur;
static double stop_at;
static bool wait_running; /* idle also means nothing runs (recurring monitors always may) */

static void check_cb(void *data)
{
    bool done = stop_at > 0 ? now_s() >= stop_at
                            : corral_executor_pending_count(cur) == 0 &&
                                  (!wait_running || corral_executor_running_count(cur) == 0);
    if (done) {
        qb_loop_stop(loop);
        return;
    }
    /* Every 20 ms: often enough for the wall time; a 2 ms period showed in the executor process's
     * CPU, the more the longer the actions ran. */
    qb_loop_timer_handle h;
    qb_loop_timer_add(loop, QB_LOOP_LOW, 20 * 1000000ull, NULL, check_cb, &h);
}

static void run_until_idle(corral_executor_t *ex, bool running_too)
{
    cur = ex;
    stop_at = 0;
    wait_running = running_too;
    qb_loop_timer_handle h;
    qb_loop_timer_add(loop, QB_LOOP_LOW, 1000000ull, NULL, check_cb, &h);
    qb_loop_run(loop);
}

static void run_for(corral_executor_t *ex, double seconds)
{
    cur = ex;
    stop_at = now_s() + seconds;
    qb_loop_timer_handle h;
    qb_loop_timer_add(loop, QB_LOOP_LOW, 1000000ull, NULL, check_cb, &h);
    qb_loop_run(loop);
}

/* ---- requests ---- */

typedef struct {
    char id[32];
    char state[300];
    corral_kv_t kv;
    corral_kvlist_t params;
} brsc_t;

static brsc_t *make_rscs(unsigned n, const char *tag)
{
    brsc_t *r = corral_xcalloc(n, sizeof(*r));
    for (unsigned i = 0; i < n; i++) {
        snprintf(r[i].id, sizeof(r[i].id), "%s%u", tag, i);
        snprintf(r[i].state, sizeof(r[i].state), "%s/%s.state", tmpdir, r[i].id);
        r[i].kv = (corral_kv_t){.key = "state", .value = r[i].state};
        r[i].params = (corral_kvlist_t){.items = &r[i].kv, .n = 1};
    }
    return r;
}

static void exec_or_die(corral_executor_t *ex, const brsc_t *r, const char *agent,
                        const char *action, uint32_t interval_ms, int expected)
{
    corral_exec_req_t req = {.rsc = r->id,
                             .agent = agent,
                             .action = action,
                             .interval_ms = interval_ms,
                             .timeout_ms = 20000,
                             .params = &r->params,
                             .expected_rc = expected};
    if (corral_executor_exec(ex, &req, NULL) != 0) {
        fprintf(stderr, "bench: cannot queue %s %s\n", r->id, action);
        exit(1);
    }
}

/* --no-forkserver, or the "daemon forks" comparison line: every action forked from this process. */
static bool no_fs;

static corral_executor_t *new_executor(unsigned limit, bool every)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/state", tmpdir);
    corral_executor_opts_t o = {.node = "bench",
                                .state_dir = dir,
                                .max_concurrent = limit,
                                .report_every_monitor = every,
                                .no_forkserver = no_fs};
    corral_executor_t *ex = NULL;
    if (corral_executor_new(loop, reg, &o, &callbacks, &ex) != 0) {
        fprintf(stderr, "bench: cannot create the executor\n");
        exit(1);
    }
    return ex;
}

/* The last run_cycles' CPU seconds: executor process, fork server, action processes. */
static double split[3];

static const char *const cycle[] = {"start", "monitor", "monitor", "monitor", "stop"};
#define CYCLE_LEN 5

/* Queue `cycles` cycles on each of n resources, run them all; returns the wall time. */
static double run_cycles(const char *agent, unsigned n, unsigned cycles, unsigned limit,
                         double *cpu_out)
{
    brsc_t *r = make_rscs(n, "t");
    corral_executor_t *ex = new_executor(limit, false);
    results = failures = 0;
    for (unsigned c = 0; c < cycles; c++)
        for (unsigned i = 0; i < n; i++)
            for (int k = 0; k < CYCLE_LEN; k++) exec_or_die(ex, &r[i], agent, cycle[k], 0, 0);
    double c0 = all_cpu_s(ex), t0 = now_s();
    double p0[3] = {self_cpu_s(), fs_cpu_part(ex, false),
                    cpu_s() - self_cpu_s() + fs_cpu_part(ex, true)};
    run_until_idle(ex, true);
    double t = now_s() - t0;
    if (cpu_out) *cpu_out = all_cpu_s(ex) - c0;
    split[0] = self_cpu_s() - p0[0];
    split[1] = fs_cpu_part(ex, false) - p0[1];
    split[2] = cpu_s() - self_cpu_s() + fs_cpu_part(ex, true) - p0[2];
    corral_executor_free(ex);
    free(r);
    return t;
}

static bool agent_available(const char *agent)
{
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = corral_registry_describe(reg, agent, CORRAL_AGENT_RESOURCE, &info, &err);
    if (rc != 0) printf("  %-22s not available: %s\n", agent, err ? err : strerror(-rc));
    free(err);
    return rc == 0;
}

static void throughput(const char *label, const char *agent, unsigned actions)
{
    if (!agent_available(agent)) return;
    unsigned n = 16;
    unsigned cycles = actions / (n * CYCLE_LEN);
    if (cycles == 0) cycles = 1;
    double cpu = 0;
    double t = run_cycles(agent, n, cycles, 0, &cpu);
    unsigned total = n * cycles * CYCLE_LEN;
    printf("  %-8s %-22s %6u actions in %6.2f s: %7.1f actions/s, %.2f ms CPU/action%s\n", label,
           agent, total, t, total / t, cpu * 1000 / total, failures ? " (SOME FAILED)" : "");
    printf("  %-8s %-22s (executor process %.2f ms, fork server %.2f ms, action processes %.2f "
           "ms)\n",
           "", no_fs ? "(daemon forks)" : "", split[0] * 1000 / total, split[1] * 1000 / total,
           split[2] * 1000 / total);
}

/* The same sequence as run_cycles for one resource, by a shell loop calling the agent directly. */
static double shell_loop(unsigned cycles)
{
    char script[2048];
    snprintf(script, sizeof(script),
             "export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=sh0 OCF_RESOURCE_TYPE=Dummy "
             "OCF_RESOURCE_PROVIDER=pacemaker OCF_RESKEY_state=%s/sh0.state "
             "OCF_RESKEY_CRM_meta_timeout=20000\n"
             "A=%s; i=0\n"
             "while [ $i -lt %u ]; do\n"
             "  $A start; $A monitor; $A monitor; $A monitor; $A stop\n"
             "  i=$((i+1))\n"
             "done >/dev/null 2>&1\n",
             tmpdir, OCF_DUMMY, cycles);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    double t = now_s() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("  (the shell loop failed: status %d)\n", st);
    return t;
}

static void ocf_overhead(unsigned cycles)
{
    if (access(OCF_DUMMY, X_OK) != 0 || !agent_available("ocf:pacemaker:Dummy")) return;
    unsigned total = cycles * CYCLE_LEN;
    double te = run_cycles("ocf:pacemaker:Dummy", 1, cycles, 1, NULL);
    double ts = shell_loop(cycles);
    printf("  OCF Dummy, one at a time, %u actions: executor %.2f s (%.1f ms/action), "
           "shell loop %.2f s (%.1f ms/action): overhead ratio %.2f\n",
           total, te, te * 1000 / total, ts, ts * 1000 / total, te / ts);
}

static void monitors(const char *agent, unsigned n, unsigned interval_ms, double seconds)
{
    if (!agent_available(agent)) return;
    brsc_t *r = make_rscs(n, "m");
    corral_executor_t *ex = new_executor(0, true);
    results = failures = 0;
    for (unsigned i = 0; i < n; i++) exec_or_die(ex, &r[i], agent, "start", 0, 0);
    double t0 = now_s();
    run_until_idle(ex, true);
    printf("  %-10s started %u resources in %.2f s\n", agent, n, now_s() - t0);
    for (unsigned i = 0; i < n; i++) exec_or_die(ex, &r[i], agent, "monitor", interval_ms, 0);
    run_until_idle(ex, false); /* the first runs */
    /* One interval to settle on the grid, then measure. */
    run_for(ex, interval_ms / 1000.0);
    unsigned long before = results;
    double c0 = all_cpu_s(ex), s0 = self_cpu_s(), w0 = now_s();
    run_for(ex, seconds);
    double cpu = all_cpu_s(ex) - c0, self = self_cpu_s() - s0, wall = now_s() - w0;
    unsigned long runs = results - before;
    printf("  %-10s %u resources monitored every %u ms, %.0f s: %lu monitor runs (%.1f/s), "
           "CPU %.2f s = %.2f%% of one core (executor process alone %.2f%%), %.2f ms CPU/run%s\n",
           agent, n, interval_ms, wall, runs, runs / wall, cpu, 100 * cpu / wall, 100 * self / wall,
           runs ? cpu * 1000 / runs : 0.0, failures ? " (SOME FAILED)" : "");
    corral_executor_free(ex);
    free(r);
}

/*
 * The floor on this machine: CPU per fork()+_exit()+waitpid() of this
 * process while it is still small (as the fork server is). No action that
 * runs in its own process can cost less.
 */
static void fork_floor(void)
{
    const int n = 200;
    double c0 = cpu_s();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) return;
        waitpid(pid, NULL, 0);
    }
    printf("floor: fork + exit + wait of this process at start: %.2f ms CPU each\n",
           (cpu_s() - c0) * 1000 / n);
}

int main(int argc, char **argv)
{
    bool quick = false;
    double seconds = 30;
    unsigned nres = 1000, interval = 10000;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--resources") == 0 && i + 1 < argc) {
            nres = (unsigned)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            interval = (unsigned)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--no-forkserver") == 0) {
            no_fs = true;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_executor [--quick] [--seconds S] [--resources N] "
                            "[--interval MS] [--only native|lua|ocf|monitors] [--no-forkserver]\n");
            return 2;
        }
    }
    if (quick) seconds = seconds < 10 ? seconds : 10;

    /* Uninstalled: the build tree's plugins, and this directory for benchdummy.lua. */
    setenv("CORRAL_PLUGIN_PATH", BENCH_PLUGIN_DIR, 0);
    setenv("CORRAL_LUA_PATH", BENCH_LUA_DIR, 0);
    corral_log_init("bench_executor", CORRAL_LOG_STDERR, LOG_WARNING, NULL);

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/corral-bench-executor-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    fork_floor();
    loop = qb_loop_create();
    corral_registry_settings_t s = {.state_dir = tmpdir};
    if (corral_registry_new(&s, &reg) != 0 ||
        corral_registry_add_resource(reg, &null_agent, "bench_executor", NULL) != 0) {
        fprintf(stderr, "bench: cannot create the registry\n");
        return 1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double load[1] = {0};
    if (getloadavg(load, 1) < 1) load[0] = -1;
    printf("bench_executor: %ld CPUs, load average %.1f at start%s\n", cpus, load[0],
           quick ? " (quick)" : "");

    if (!only || strcmp(only, "native") == 0 || strcmp(only, "lua") == 0 ||
        strcmp(only, "ocf") == 0)
        printf("throughput (16 resources, cycles of start, monitor x3, stop; default "
               "concurrency):\n");
    if (!only || strcmp(only, "native") == 0) {
        throughput("native", "bench-null", quick ? 800 : 4000);
        if (!no_fs) {
            /* The same, every action forked from this process (as before the fork server). */
            no_fs = true;
            throughput("native", "bench-null", quick ? 800 : 4000);
            no_fs = false;
        }
        throughput("native", "dummy", quick ? 800 : 4000);
    }
    if (!only || strcmp(only, "lua") == 0) throughput("lua", "lua:benchdummy", quick ? 400 : 2000);
    if (!only || strcmp(only, "ocf") == 0) {
        throughput("ocf", "ocf:pacemaker:Dummy", quick ? 160 : 800);
        ocf_overhead(quick ? 10 : 40);
    }
    if (!only || strcmp(only, "monitors") == 0) {
        printf("recurring monitors:\n");
        monitors("bench-null", nres, interval, seconds);
        monitors("dummy", nres, interval, seconds);
    }

    corral_registry_free(reg);
    qb_loop_destroy(loop);
    char *cmd = corral_xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "bench: cannot remove %s\n", tmpdir);
    free(cmd);
    corral_log_fini();
    return 0;
}
