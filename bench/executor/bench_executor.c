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
 *                       [--only native|lua|ocf|monitors] [--no-forkserver] [--forked-server]
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

static qb_loop_t *loop;
static corral_registry_t *reg;
static char tmpdir[256];
static unsigned long results, failures;
/* The minimal process's floor (ms CPU per fork + exit + wait) of the last fork_floor(). */
static double floor_minimal = -1;

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
 * The executor's fork server's /proc/PID/stat fields 10-17 (minflt, cminflt,
 * majflt, cmajflt, utime, stime, cutime, cstime): its reaped children are
 * the actions' processes. All 0 without a server.
 */
static void fs_stat(const corral_executor_t *ex, unsigned long long t[8])
{
    memset(t, 0, 8 * sizeof(*t));
    pid_t pid = corral_executor_forkserver_pid(ex);
    if (pid <= 0) return;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p) return;
    /* After the command: state is field 3. */
    int field = 2;
    for (const char *q = p + 1; *q && field < 17; q++) {
        if (*q != ' ') continue;
        field++;
        if (field >= 10) t[field - 10] = strtoull(q + 1, NULL, 10);
    }
}

/* CPU seconds of the fork server itself, or of its reaped children (`kids`). */
static double fs_cpu_part(const corral_executor_t *ex, bool kids)
{
    unsigned long long t[8];
    fs_stat(ex, t);
    return (double)(kids ? t[6] + t[7] : t[4] + t[5]) / (double)sysconf(_SC_CLK_TCK);
}

/* Minor page faults: [0] this process, [1] the fork server, [2] the actions' processes. */
static void faults(const corral_executor_t *ex, double out[3])
{
    unsigned long long t[8];
    fs_stat(ex, t);
    struct rusage s, c;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &c);
    out[0] = (double)s.ru_minflt;
    out[1] = (double)t[0];
    out[2] = (double)c.ru_minflt + (double)t[1];
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
/* --forked-server, or its comparison lines: the fork server is a fork of this process, not the
 * corral-forksrv program. */
static bool forked_server;
/* What forked the last executor's actions, for the figures' labels. */
static char server_kind[64];

static void note_server(const corral_executor_t *ex)
{
    pid_t pid = corral_executor_forkserver_pid(ex);
    char path[64], exe[512];
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    ssize_t n = pid > 0 ? readlink(path, exe, sizeof(exe) - 1) : -1;
    if (pid <= 0)
        snprintf(server_kind, sizeof(server_kind), "this process forks");
    else if (n > 0 && (exe[n] = '\0', strstr(exe, "corral-forksrv")))
        snprintf(server_kind, sizeof(server_kind), "server: corral-forksrv");
    else
        snprintf(server_kind, sizeof(server_kind), "server: a fork of this process");
}

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
    /* Set but empty: no corral-forksrv program (action.h). */
    char *saved = getenv("CORRAL_FORKSRV") ? corral_xstrdup(getenv("CORRAL_FORKSRV")) : NULL;
    if (forked_server) setenv("CORRAL_FORKSRV", "", 1);
    int rc = corral_executor_new(loop, reg, &o, &callbacks, &ex);
    if (saved)
        setenv("CORRAL_FORKSRV", saved, 1);
    else
        unsetenv("CORRAL_FORKSRV");
    free(saved);
    if (rc != 0) {
        fprintf(stderr, "bench: cannot create the executor\n");
        exit(1);
    }
    note_server(ex);
    return ex;
}

/* The last run_cycles' CPU seconds and minor faults: executor process, fork server, action
 * processes. */
static double split[3], split_faults[3];

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
    double f0[3];
    faults(ex, f0);
    run_until_idle(ex, true);
    double t = now_s() - t0;
    if (cpu_out) *cpu_out = all_cpu_s(ex) - c0;
    split[0] = self_cpu_s() - p0[0];
    split[1] = fs_cpu_part(ex, false) - p0[1];
    split[2] = cpu_s() - self_cpu_s() + fs_cpu_part(ex, true) - p0[2];
    faults(ex, split_faults);
    for (int i = 0; i < 3; i++) split_faults[i] -= f0[i];
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
           "", server_kind, split[0] * 1000 / total, split[1] * 1000 / total,
           split[2] * 1000 / total);
    printf("  %-8s %-22s (minor page faults per action: %.1f, %.1f, %.1f)\n", "", "",
           split_faults[0] / total, split_faults[1] / total, split_faults[2] / total);
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
    printf("  %-10s %u resources monitored every %u ms, %.0f s (%s): %lu monitor runs "
           "(%.1f/s), CPU %.2f s = %.2f%% of one core (executor process alone %.2f%%), %.2f ms "
           "CPU/run%s\n",
           agent, n, interval_ms, wall, server_kind, runs, runs / wall, cpu, 100 * cpu / wall,
           100 * self / wall, runs ? cpu * 1000 / runs : 0.0, failures ? " (SOME FAILED)" : "");
    if (floor_minimal >= 0)
        printf("  %-10s the floor for as many runs (a minimal process's fork + exit + wait, "
               "%.3f ms): %.2f%% of one core\n",
               "", floor_minimal, floor_minimal * (runs / wall) / 10);
    corral_executor_free(ex);
    free(r);
}

/* ---- the floor ---- */

#define FLOOR_REPEATS 5
#define FLOOR_FORKS   200

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median CPU ms of one fork + exit + wait by `prog` (a bench_forkfloor), over the repeats. */
static double run_floor_prog(const char *prog, double each[FLOOR_REPEATS])
{
    for (int r = 0; r < FLOOR_REPEATS; r++) {
        char *cmd = corral_xasprintf("'%s' %d", prog, FLOOR_FORKS);
        FILE *p = popen(cmd, "r");
        free(cmd);
        each[r] = -1;
        if (!p) return -1;
        if (fscanf(p, "%lf", &each[r]) != 1) each[r] = -1;
        if (pclose(p) != 0 || each[r] < 0) return -1;
    }
    double sorted[FLOOR_REPEATS];
    memcpy(sorted, each, sizeof(sorted));
    qsort(sorted, FLOOR_REPEATS, sizeof(double), cmp_double);
    return sorted[FLOOR_REPEATS / 2];
}

/* The same, by this process (13 shared libraries, small heap: as the fork server is). */
static double floor_self(double each[FLOOR_REPEATS])
{
    for (int r = 0; r < FLOOR_REPEATS; r++) {
        double c0 = cpu_s();
        for (int i = 0; i < FLOOR_FORKS; i++) {
            pid_t pid = fork();
            if (pid == 0) _exit(0);
            if (pid < 0) return -1;
            waitpid(pid, NULL, 0);
        }
        each[r] = (cpu_s() - c0) * 1000 / FLOOR_FORKS;
    }
    double sorted[FLOOR_REPEATS];
    memcpy(sorted, each, sizeof(sorted));
    qsort(sorted, FLOOR_REPEATS, sizeof(double), cmp_double);
    return sorted[FLOOR_REPEATS / 2];
}

static void print_floor_line(const char *what, double median, const double each[FLOOR_REPEATS])
{
    if (median < 0) {
        printf("  %-34s could not be measured\n", what);
        return;
    }
    printf("  %-34s %.3f ms CPU per fork (median of", what, median);
    for (int r = 0; r < FLOOR_REPEATS; r++) printf(" %.3f", each[r]);
    printf("); 100 forks/s: %.1f%% of one core\n", median * 10);
}

static void print_uptime(const char *when)
{
    FILE *p = popen("uptime", "r");
    char line[256] = "";
    if (p) {
        if (!fgets(line, sizeof(line), p)) line[0] = '\0';
        pclose(p);
    }
    line[strcspn(line, "\n")] = '\0';
    printf("uptime %s: %s\n", when, line[0] ? line : "(unavailable)");
}

/*
 * The floor on this machine: CPU per fork()+_exit()+waitpid() of a minimal
 * process (static where it could be built so, and dynamic against libc
 * alone) and of this process, FLOOR_REPEATS runs of FLOOR_FORKS each. No
 * action that runs in its own process can cost less; 100 monitor runs per
 * second (1,000 resources every 10 s) cost at least 100 of these.
 */
static void fork_floor(const char *when)
{
    double each[FLOOR_REPEATS];
    printf("floor (%s; %d runs of %d forks):\n", when, FLOOR_REPEATS, FLOOR_FORKS);
    double m = run_floor_prog(BENCH_BIN_DIR "/bench_forkfloor", each);
    print_floor_line(BENCH_FLOOR_STATIC ? "minimal static process:" : "minimal process:", m, each);
    if (m >= 0) floor_minimal = m;
    m = run_floor_prog(BENCH_BIN_DIR "/bench_forkfloor_dyn", each);
    print_floor_line("minimal dynamic process (libc):", m, each);
    if (floor_minimal < 0) floor_minimal = m;
    m = floor_self(each);
    print_floor_line("this process (the benchmark):", m, each);
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
        } else if (strcmp(argv[i], "--forked-server") == 0) {
            forked_server = true;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_executor [--quick] [--seconds S] [--resources N] "
                            "[--interval MS] [--only native|lua|ocf|monitors] [--no-forkserver] "
                            "[--forked-server]\n");
            return 2;
        }
    }
    if (quick) seconds = seconds < 10 ? seconds : 10;

    /* Uninstalled: the build tree's plugins and bench-null's, and this directory for
     * benchdummy.lua. */
    setenv("CORRAL_PLUGIN_PATH", BENCH_PLUGIN_DIR ":" BENCH_NULL_DIR, 0);
    setenv("CORRAL_LUA_PATH", BENCH_LUA_DIR, 0);
    corral_log_init("bench_executor", CORRAL_LOG_STDERR, LOG_WARNING, NULL);

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/corral-bench-executor-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    print_uptime("at start");
    fork_floor("at start");
    loop = qb_loop_create();
    corral_registry_settings_t s = {.state_dir = tmpdir};
    if (corral_registry_new(&s, &reg) != 0) {
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
        if (!no_fs && !forked_server) {
            /* The same with the fork server forked from this process (as before corral-forksrv),
             * then with every action forked from this process (as before the fork server). */
            forked_server = true;
            throughput("native", "bench-null", quick ? 800 : 4000);
            forked_server = false;
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
        if (!no_fs && !forked_server) {
            forked_server = true;
            monitors("bench-null", nres, interval, seconds);
            forked_server = false;
        }
        monitors("dummy", nres, interval, seconds);
    }

    fork_floor("at the end");
    print_uptime("at the end");
    corral_registry_free(reg);
    qb_loop_destroy(loop);
    char *cmd = corral_xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "bench: cannot remove %s\n", tmpdir);
    free(cmd);
    corral_log_fini();
    return 0;
}
