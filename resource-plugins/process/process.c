/*
 * process: runs a long-lived command as a service. start daemonises it in
 * a session of its own (fork, setsid, fork), records its pid in a pid file
 * and its kernel start time beside it (so a recycled pid is never taken
 * for the service), and waits until it is alive (and healthy, when a
 * health command is set). monitor checks the pid and runs the health
 * command; stop sends SIGTERM to its process group, waits up to the stop
 * timeout, then SIGKILL.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentkit.h"

/* How often waits poll the process. */
#define POLL_MS 50

/* Everything the params say, parsed once per action. */
typedef struct proc_conf {
    char **argv;      /* the command, split or wrapped in sh -c */
    char **health;    /* NULL: none */
    char **env;       /* K=V entries */
    const char *cwd;  /* "/" when unset */
    const char *user; /* NULL: stay root */
    const char *log;  /* stdout/stderr of the service */
    char *pidfile;
    char *startfile; /* "<pidfile>.starttime" */
    uint64_t start_wait_ms;
    uint64_t stop_timeout_ms;
} proc_conf_t;

static void conf_free(proc_conf_t *c)
{
    agentkit_strv_free(c->argv);
    agentkit_strv_free(c->health);
    agentkit_strv_free(c->env);
    free(c->pidfile);
    free(c->startfile);
    memset(c, 0, sizeof(*c));
}

static char **shell_argv(const char *cmd)
{
    char **v = calloc(4, sizeof(*v));
    if (!v) abort();
    v[0] = strdup("/bin/sh");
    v[1] = strdup("-c");
    v[2] = strdup(cmd);
    if (!v[0] || !v[1] || !v[2]) abort();
    return v;
}

/* The default stop timeout: the op's timeout less a margin for the SIGKILL stage. */
static uint64_t default_stop_timeout(const corral_op_t *op)
{
    uint64_t t = agentkit_timeout_ms(op);
    uint64_t margin = t > 8000 ? 3000 : t / 3;
    return t - margin;
}

/*
 * 0, or an OCF code with the exit reason set. The pid files come first, so
 * that stop can still find a service when the rest of the configuration
 * went bad (c->pidfile is set unless the state directory is unusable).
 */
static int conf_load(const corral_op_t *op, proc_conf_t *c)
{
    bool shell = false;
    memset(c, 0, sizeof(*c));
    const char *pf = agentkit_param(op, "pidfile", NULL);
    c->pidfile = pf ? strdup(pf) : agentkit_state_path(op, "process", ".pid");
    if (!c->pidfile) {
        op->set_exit_reason(op, "no usable state directory for the pid file");
        return CORRAL_OCF_ERR_GENERIC;
    }
    if (asprintf(&c->startfile, "%s.starttime", c->pidfile) < 0) abort();
    c->stop_timeout_ms = default_stop_timeout(op);
    const char *cmd = agentkit_param(op, "command", NULL);
    if (!cmd) {
        op->set_exit_reason(op, "parameter command is required");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (agentkit_param_bool(op, "shell", false, &shell) < 0 ||
        agentkit_param_duration(op, "start-wait", 1000, &c->start_wait_ms) < 0 ||
        agentkit_param_duration(op, "stop-timeout", default_stop_timeout(op), &c->stop_timeout_ms) <
            0)
        return CORRAL_OCF_NOT_CONFIGURED;
    size_t n = 0;
    c->argv = shell ? shell_argv(cmd) : agentkit_split(cmd, &n);
    if (!shell && n == 0) {
        op->set_exit_reason(op, "parameter command is empty");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    const char *health = agentkit_param(op, "health", NULL);
    if (health) c->health = shell ? shell_argv(health) : agentkit_split(health, NULL);
    c->env = agentkit_split(agentkit_param(op, "env", ""), NULL);
    for (char **e = c->env; *e; e++) {
        if (!strchr(*e, '=') || **e == '=') {
            op->set_exit_reason(op, "parameter env: '%s' is not NAME=VALUE", *e);
            return CORRAL_OCF_NOT_CONFIGURED;
        }
    }
    c->cwd = agentkit_param(op, "cwd", "/");
    c->user = agentkit_param(op, "user", NULL);
    c->log = agentkit_param(op, "log", "/dev/null");
    return 0;
}

/* Is argv[0] an executable, directly or on PATH? */
static bool executable_found(const char *prog)
{
    if (strchr(prog, '/')) return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char full[PATH_MAX];
        if (snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", prog) < (int)sizeof(full))
            found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Checks shared by validate and start: 0 or an OCF code with the reason set. */
static int conf_check(const corral_op_t *op, const proc_conf_t *c)
{
    struct stat st;
    if (stat(c->cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
        op->set_exit_reason(op, "parameter cwd: %s is not a directory", c->cwd);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (c->user && !getpwnam(c->user)) {
        op->set_exit_reason(op, "parameter user: no such user '%s'", c->user);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (!executable_found(c->argv[0])) {
        op->set_exit_reason(op, "command %s: not found or not executable", c->argv[0]);
        return CORRAL_OCF_NOT_INSTALLED;
    }
    return 0;
}

/*
 * The kernel's start time of pid (clock ticks since boot), and whether it
 * is still a live process (not a zombie). 0, or -ESRCH when it is gone.
 */
static int proc_stat(pid_t pid, unsigned long long *start_out, bool *alive_out)
{
    char path[64], *data = NULL;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if (agentkit_read_file(path, &data) < 0) return -ESRCH;
    /* comm may hold spaces and parentheses: the fields start after the last ')'. */
    char *p = strrchr(data, ')');
    int rc = -ESRCH;
    if (!p || !p[1]) goto done;
    p += 2;
    char state = *p;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    if (!p) goto done;
    *start_out = strtoull(p, NULL, 10);
    *alive_out = state != 'Z' && state != 'X' && state != 'x';
    rc = 0;
done:
    free(data);
    return rc;
}

/* Does process group pgid have a live (not zombie) member? */
static bool group_alive(pid_t pgid)
{
    if (kill(-pgid, 0) < 0) return false;
    DIR *d = opendir("/proc");
    if (!d) return true;
    bool alive = false;
    struct dirent *e;
    while (!alive && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        char path[300], *data = NULL;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if (agentkit_read_file(path, &data) < 0) continue;
        char *p = strrchr(data, ')');
        char state = 0;
        long pgrp = 0;
        if (p && sscanf(p + 1, " %c %*d %ld", &state, &pgrp) == 2)
            alive = pgrp == (long)pgid && state != 'Z' && state != 'X' && state != 'x';
        free(data);
    }
    closedir(d);
    return alive;
}

/* This boot's id (the kernel's random boot_id). 0 or -errno. */
static int boot_id(char *out, size_t len)
{
    char *data = NULL;
    int rc = agentkit_read_file("/proc/sys/kernel/random/boot_id", &data);
    if (rc < 0) return rc;
    data[strcspn(data, "\n")] = '\0';
    snprintf(out, len, "%s", data);
    free(data);
    return 0;
}

static char *skip_space(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    return s;
}

/* The pid the pid file names, when that process is still the one we started; else 0. */
static pid_t service_pid(const proc_conf_t *c)
{
    char *data = NULL;
    long long pid = 0;
    if (agentkit_read_file(c->pidfile, &data) < 0) return 0;
    char *nl = strchr(data, '\n');
    if (nl) *nl = '\0';
    if (agentkit_parse_int(data, &pid) < 0 || pid <= 1 || pid > INT_MAX) pid = 0;
    free(data);
    if (pid == 0) return 0;
    unsigned long long start = 0;
    bool alive = false;
    if (proc_stat((pid_t)pid, &start, &alive) < 0 || !alive) return 0;
    if (agentkit_read_file(c->startfile, &data) == 0) {
        char *end = NULL, boot[64];
        unsigned long long want = strtoull(data, &end, 10);
        char *recorded_boot = end ? skip_space(end) : NULL;
        bool same_boot = true;
        if (recorded_boot && *recorded_boot && boot_id(boot, sizeof(boot)) == 0)
            same_boot = !strncmp(recorded_boot, boot, strlen(boot));
        free(data);
        /* Another process got the pid: in this boot (its start time differs) or in an
         * earlier one (start times count from boot, so the boot id must match too). */
        if (want != start || !same_boot) return 0;
    }
    return (pid_t)pid;
}

static bool pid_alive(pid_t pid)
{
    unsigned long long start;
    bool alive = false;
    return proc_stat(pid, &start, &alive) == 0 && alive;
}

static void remove_pidfiles(const proc_conf_t *c)
{
    unlink(c->pidfile);
    unlink(c->startfile);
}

/* A record from the daemonising children to the agent. */
typedef struct launch_msg {
    char tag; /* 'P': the service's pid; 'E': exec (or set-up) failed with errno */
    int value;
} launch_msg_t;

static void send_msg(int fd, char tag, int value)
{
    launch_msg_t m = {.tag = tag, .value = value};
    ssize_t n;
    do n = write(fd, &m, sizeof(m));
    while (n < 0 && errno == EINTR);
}

/* Runs in the service's own process: set it up, exec. Never returns. */
static void service_exec(const proc_conf_t *c, int logfd, int msgfd)
{
    /* Its own process group (inside the new session, without leading it, so it can never get a
     * controlling terminal): stop signals the whole group, children of the service included. */
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
        dup2(logfd, STDERR_FILENO) < 0)
        goto fail;
    /* Keep 0-2 and the message pipe (close-on-exec): nothing of the host leaks into the service. */
    if (msgfd > 3) syscall(SYS_close_range, 3, msgfd - 1, 0);
    syscall(SYS_close_range, msgfd + 1, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    for (char **e = c->env; *e; e++) {
        char *eq = strchr(*e, '=');
        *eq = '\0';
        int rc = setenv(*e, eq + 1, 1);
        *eq = '=';
        if (rc < 0) goto fail;
    }
    if (c->user) {
        struct passwd *pw = getpwnam(c->user);
        if (!pw) {
            errno = ESRCH;
            goto fail;
        }
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
            setuid(pw->pw_uid) < 0)
            goto fail;
        setenv("HOME", pw->pw_dir, 1);
        setenv("USER", pw->pw_name, 1);
        setenv("LOGNAME", pw->pw_name, 1);
    }
    if (chdir(c->cwd) < 0) goto fail;
    umask(022);
    execvp(c->argv[0], c->argv);
fail:
    send_msg(msgfd, 'E', errno);
    _exit(127);
}

/*
 * Move fd above stdio (a host that started us with a standard stream closed
 * would otherwise see it clobbered by the dup2()s of service_exec). The fd
 * or -1; fd is closed either way.
 */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > STDERR_FILENO) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    close(fd);
    return moved;
}

/* Daemonise the service. 0 and *pid_out, or an OCF code with the reason set. */
static int launch(const corral_op_t *op, const proc_conf_t *c, pid_t *pid_out)
{
    int logfd = above_stdio(open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (logfd < 0) {
        op->set_exit_reason(op, "cannot open log %s: %s", c->log, strerror(errno));
        return CORRAL_OCF_ERR_GENERIC;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0 || (p[0] = above_stdio(p[0])) < 0 ||
        (p[1] = above_stdio(p[1])) < 0) {
        op->set_exit_reason(op, "pipe: %s", strerror(errno));
        close(logfd);
        return CORRAL_OCF_ERR_GENERIC;
    }
    pid_t child = fork();
    if (child < 0) {
        op->set_exit_reason(op, "fork: %s", strerror(errno));
        close(logfd);
        close(p[0]);
        close(p[1]);
        return CORRAL_OCF_ERR_GENERIC;
    }
    if (child == 0) {
        /* A new session: no controlling terminal, and out of the host's process group, so the
         * host's cleanup of this action never reaches the service. */
        close(p[0]);
        if (setsid() < 0) {
            send_msg(p[1], 'E', errno);
            _exit(1);
        }
        pid_t svc = fork();
        if (svc < 0) {
            send_msg(p[1], 'E', errno);
            _exit(1);
        }
        if (svc == 0) service_exec(c, logfd, p[1]);
        send_msg(p[1], 'P', (int)svc);
        _exit(0);
    }
    close(p[1]);
    close(logfd);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    pid_t svc = 0;
    int err = 0;
    launch_msg_t m;
    ssize_t n;
    /* EOF comes when both children are done with the pipe: the service closes it by exec. */
    while ((n = read(p[0], &m, sizeof(m))) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof(m)) break;
        if (m.tag == 'P')
            svc = m.value;
        else if (m.tag == 'E')
            err = m.value;
    }
    close(p[0]);
    if (err) {
        op->set_exit_reason(op, "cannot run %s: %s", c->argv[0], strerror(err));
        if (err == ENOENT) return CORRAL_OCF_NOT_INSTALLED;
        if (err == EACCES || err == EPERM) return CORRAL_OCF_ERR_PERM;
        return CORRAL_OCF_ERR_GENERIC;
    }
    if (svc <= 0) {
        op->set_exit_reason(op, "cannot run %s: the launcher died", c->argv[0]);
        return CORRAL_OCF_ERR_GENERIC;
    }
    *pid_out = svc;
    return 0;
}

static int write_pidfiles(const corral_op_t *op, const proc_conf_t *c, pid_t pid)
{
    char buf[128];
    unsigned long long start = 0;
    bool alive = false;
    snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
    int rc = agentkit_write_file(c->pidfile, buf, 0644);
    if (rc == 0 && proc_stat(pid, &start, &alive) == 0) {
        char boot[64] = "";
        boot_id(boot, sizeof(boot));
        snprintf(buf, sizeof(buf), "%llu %s\n", start, boot);
        rc = agentkit_write_file(c->startfile, buf, 0644);
    }
    if (rc < 0) {
        op->set_exit_reason(op, "cannot write pid file %s: %s", c->pidfile, strerror(-rc));
        return CORRAL_OCF_ERR_GENERIC;
    }
    return 0;
}

/* Run the health command: its exit code. */
static int health_check(const corral_op_t *op, const proc_conf_t *c)
{
    int rc = agentkit_run(c->health, NULL);
    if (rc < 0)
        op->log(op, CORRAL_LOG_WARNING, "health command %s: %s", c->health[0], strerror(-rc));
    return rc < 0 ? 127 : rc;
}

/* Signal the service's process group (it leads one: it called setsid), or just it. */
static void signal_service(pid_t pid, int sig)
{
    if (getpgid(pid) == pid)
        kill(-pid, sig);
    else
        kill(pid, sig);
}

/* Wait until pid is gone or the monotonic deadline passes: true when gone. */
static bool wait_gone(pid_t pid, uint64_t deadline)
{
    while (pid_alive(pid)) {
        if (agentkit_now_ms() >= deadline) return false;
        agentkit_sleep_ms(POLL_MS);
    }
    return true;
}

static int stop_service(const corral_op_t *op, const proc_conf_t *c, pid_t pid)
{
    uint64_t start = agentkit_now_ms();
    op->log(op, CORRAL_LOG_INFO, "stopping pid %ld (SIGTERM, SIGKILL after %llu ms)", (long)pid,
            (unsigned long long)c->stop_timeout_ms);
    signal_service(pid, SIGTERM);
    bool gone = wait_gone(pid, start + c->stop_timeout_ms);
    if (!gone) {
        op->log(op, CORRAL_LOG_WARNING, "pid %ld ignored SIGTERM for %llu ms: SIGKILL", (long)pid,
                (unsigned long long)c->stop_timeout_ms);
        signal_service(pid, SIGKILL);
        gone = wait_gone(pid, agentkit_now_ms() + 5000);
    }
    /* Leave nothing of the service's group behind, whatever its main process did. */
    if (kill(-pid, 0) == 0) kill(-pid, SIGKILL);
    if (!gone) {
        op->set_exit_reason(op, "pid %ld survived SIGKILL", (long)pid);
        return CORRAL_OCF_ERR_GENERIC;
    }
    remove_pidfiles(c);
    return CORRAL_OCF_SUCCESS;
}

static int process_start(const corral_op_t *op)
{
    proc_conf_t c;
    pid_t pid = 0;
    int rc = conf_load(op, &c);
    if (rc) goto done;
    if (service_pid(&c) > 0) {
        rc = CORRAL_OCF_SUCCESS; /* already running: OCF start is idempotent */
        goto done;
    }
    rc = conf_check(op, &c);
    if (rc) goto done;
    uint64_t t0 = agentkit_now_ms();
    uint64_t budget = agentkit_timeout_ms(op);
    /* Keep a little of the op's timeout to stop what failed to come up. */
    uint64_t deadline = t0 + (budget > 4000 ? budget - 2000 : budget / 2);
    rc = launch(op, &c, &pid);
    if (rc) goto done;
    rc = write_pidfiles(op, &c, pid);
    if (rc) goto done;
    uint64_t wait_until = t0 + c.start_wait_ms;
    if (wait_until > deadline) wait_until = deadline;
    while (agentkit_now_ms() < wait_until && pid_alive(pid)) agentkit_sleep_ms(POLL_MS);
    if (!pid_alive(pid)) {
        op->set_exit_reason(op, "%s exited during start-up (see %s)", c.argv[0], c.log);
        remove_pidfiles(&c);
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    if (c.health) {
        int h;
        while ((h = health_check(op, &c)) != 0) {
            if (agentkit_now_ms() + 500 >= deadline || !pid_alive(pid)) {
                op->set_exit_reason(op, "%s never became healthy (health exit %d)", c.argv[0], h);
                stop_service(op, &c, pid);
                rc = CORRAL_OCF_ERR_GENERIC;
                goto done;
            }
            agentkit_sleep_ms(500);
        }
    }
    op->log(op, CORRAL_LOG_INFO, "started %s as pid %ld", c.argv[0], (long)pid);
    rc = CORRAL_OCF_SUCCESS;
done:
    conf_free(&c);
    return rc;
}

/*
 * The main process is gone, but what it started may live on in its process
 * group (a shell's child, a daemon's workers): stop that group too, or a
 * restart would find the port or the files still held. The group's id is the
 * recorded pid, and Linux does not hand out a pid that is still a group's id,
 * so in the same boot the group can only be the service's.
 */
static int stop_leftovers(const corral_op_t *op, const proc_conf_t *c)
{
    char *data = NULL, boot[64];
    long long pid = 0;
    if (agentkit_read_file(c->pidfile, &data) < 0) return CORRAL_OCF_SUCCESS;
    data[strcspn(data, "\n")] = '\0';
    if (agentkit_parse_int(data, &pid) < 0 || pid <= 1 || pid > INT_MAX) pid = 0;
    free(data);
    data = NULL;
    if (!pid || agentkit_read_file(c->startfile, &data) < 0) return CORRAL_OCF_SUCCESS;
    char *end = NULL;
    (void)strtoull(data, &end, 10);
    bool same_boot =
        end && boot_id(boot, sizeof(boot)) == 0 && !strncmp(skip_space(end), boot, strlen(boot));
    free(data);
    if (!same_boot || !group_alive((pid_t)pid)) return CORRAL_OCF_SUCCESS;
    op->log(op, CORRAL_LOG_WARNING,
            "pid %lld is gone but its process group lives on: stopping it (SIGTERM, then SIGKILL)",
            pid);
    kill(-(pid_t)pid, SIGTERM);
    uint64_t deadline = agentkit_now_ms() + c->stop_timeout_ms;
    while (group_alive((pid_t)pid) && agentkit_now_ms() < deadline) agentkit_sleep_ms(POLL_MS);
    if (group_alive((pid_t)pid)) {
        kill(-(pid_t)pid, SIGKILL);
        deadline = agentkit_now_ms() + 5000;
        while (group_alive((pid_t)pid) && agentkit_now_ms() < deadline) agentkit_sleep_ms(POLL_MS);
    }
    if (group_alive((pid_t)pid)) {
        op->set_exit_reason(op, "process group %lld survived SIGKILL", pid);
        return CORRAL_OCF_ERR_GENERIC;
    }
    return CORRAL_OCF_SUCCESS;
}

static int process_stop(const corral_op_t *op)
{
    proc_conf_t c;
    int rc = conf_load(op, &c);
    if (rc && !c.pidfile) {
        rc = CORRAL_OCF_SUCCESS; /* nothing could have started without a pid file */
        goto done;
    }
    if (rc) {
        /* A configuration gone bad must not keep a service started from a good one alive. */
        op->log(op, CORRAL_LOG_WARNING, "stopping by pid file %s despite the configuration error",
                c.pidfile);
        c.stop_timeout_ms = default_stop_timeout(op);
    }
    pid_t pid = service_pid(&c);
    if (pid <= 0) {
        rc = stop_leftovers(op, &c);
        if (rc == CORRAL_OCF_SUCCESS) remove_pidfiles(&c);
        goto done;
    }
    rc = stop_service(op, &c, pid);
done:
    conf_free(&c);
    return rc;
}

static int process_monitor(const corral_op_t *op)
{
    proc_conf_t c;
    int rc = conf_load(op, &c);
    if (rc) goto done;
    pid_t pid = service_pid(&c);
    if (pid <= 0) {
        rc = CORRAL_OCF_NOT_RUNNING;
        goto done;
    }
    if (c.health) {
        int h = health_check(op, &c);
        if (h != 0) {
            op->set_exit_reason(op, "health command failed (exit %d)", h);
            rc = CORRAL_OCF_ERR_GENERIC;
            goto done;
        }
    }
    rc = CORRAL_OCF_SUCCESS;
done:
    conf_free(&c);
    return rc;
}

static int process_validate(const corral_op_t *op)
{
    proc_conf_t c;
    int rc = conf_load(op, &c);
    if (rc == 0) rc = conf_check(op, &c);
    conf_free(&c);
    return rc;
}

static const corral_param_spec_t process_params[] = {
    {.name = "command",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .description = "The service's command line, split on whitespace and run without a shell "
                    "(unless shell=true); it must stay in the foreground"},
    {.name = "shell",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Run command (and health) through /bin/sh -c"},
    {.name = "pidfile",
     .type = CORRAL_PARAM_STRING,
     .description = "Where the service's pid is kept. Default: <state-dir>/process-<id>.pid",
     .unique = 1},
    {.name = "env",
     .type = CORRAL_PARAM_STRING,
     .description = "Extra environment: space-separated NAME=VALUE entries"},
    {.name = "cwd",
     .type = CORRAL_PARAM_STRING,
     .default_value = "/",
     .description = "Working directory of the service"},
    {.name = "user",
     .type = CORRAL_PARAM_STRING,
     .description = "Run as this user (with its group and supplementary groups)"},
    {.name = "log",
     .type = CORRAL_PARAM_STRING,
     .default_value = "/dev/null",
     .description = "File that receives the service's stdout and stderr (appended)"},
    {.name = "health",
     .type = CORRAL_PARAM_STRING,
     .description = "A command that monitor runs (and start waits for): exit 0 means healthy"},
    {.name = "start-wait",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "1s",
     .description = "How long start watches the new process before calling it started"},
    {.name = "stop-timeout",
     .type = CORRAL_PARAM_DURATION,
     .description = "How long stop waits after SIGTERM before SIGKILL. Default: the stop "
                    "timeout less 3s (a third of it when shorter than 9s)"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "process",
    .version = "1.0",
    .description = "Runs a long-lived command as a service: daemonised in its own session, "
                   "watched by pid (and an optional health command), stopped with SIGTERM "
                   "then SIGKILL",
    .params = process_params,
    .start = process_start,
    .stop = process_stop,
    .monitor = process_monitor,
    .validate = process_validate,
};
