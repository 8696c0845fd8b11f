/* Helpers shared by corral's native plugins; see agentkit.h. */
#include "agentkit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int agentkit_parse_duration(const char *s, uint64_t *ms_out)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"", 1000},   {"ms", 1},      {"s", 1000},    {"sec", 1000},
                 {"m", 60000}, {"min", 60000}, {"h", 3600000}, {"hr", 3600000}};
    if (!s) return -EINVAL;
    while (isspace((unsigned char)*s)) s++;
    if (!isdigit((unsigned char)*s)) return -EINVAL;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -EINVAL;
    size_t ulen = strlen(end);
    while (ulen > 0 && isspace((unsigned char)end[ulen - 1])) ulen--;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].unit) == ulen && !strncasecmp(end, units[i].unit, ulen)) {
            if (v > UINT64_MAX / units[i].ms) return -EINVAL;
            *ms_out = v * units[i].ms;
            return 0;
        }
    }
    return -EINVAL;
}

int agentkit_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "y"};
    static const char *const no[] = {"false", "no", "off", "0", "n"};
    if (!s) return -EINVAL;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

int agentkit_parse_int(const char *s, long long *out)
{
    if (!s || !*s) return -EINVAL;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return -EINVAL;
    *out = v;
    return 0;
}

const char *agentkit_param(const corral_op_t *op, const char *name, const char *dflt)
{
    const char *v = op->param ? op->param(op, name) : NULL;
    return (v && *v) ? v : dflt;
}

int agentkit_param_duration(const corral_op_t *op, const char *name, uint64_t dflt_ms,
                            uint64_t *ms_out)
{
    const char *v = agentkit_param(op, name, NULL);
    if (!v) {
        *ms_out = dflt_ms;
        return 0;
    }
    if (agentkit_parse_duration(v, ms_out) < 0) {
        op->set_exit_reason(op, "parameter %s: '%s' is not a duration", name, v);
        return -EINVAL;
    }
    return 0;
}

int agentkit_param_bool(const corral_op_t *op, const char *name, bool dflt, bool *out)
{
    const char *v = agentkit_param(op, name, NULL);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (agentkit_parse_bool(v, out) < 0) {
        op->set_exit_reason(op, "parameter %s: '%s' is not a boolean", name, v);
        return -EINVAL;
    }
    return 0;
}

int agentkit_param_int(const corral_op_t *op, const char *name, long long dflt, long long *out)
{
    const char *v = agentkit_param(op, name, NULL);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (agentkit_parse_int(v, out) < 0) {
        op->set_exit_reason(op, "parameter %s: '%s' is not an integer", name, v);
        return -EINVAL;
    }
    return 0;
}

uint64_t agentkit_timeout_ms(const corral_op_t *op)
{
    return op->timeout_ms ? op->timeout_ms : 20000;
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(buf)) return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
    return 0;
}

int agentkit_mkdir_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return -ENOMEM;
    int rc = mkdir_p(dir);
    free(dir);
    return rc;
}

char *agentkit_state_path(const corral_op_t *op, const char *prefix, const char *suffix)
{
    const char *dir = (op->state_dir && *op->state_dir) ? op->state_dir : "/var/lib/corral";
    const char *inst = (op->instance && *op->instance) ? op->instance : "default";
    char *path = NULL;
    if (asprintf(&path, "%s/%s-%s%s", dir, prefix, inst, suffix ? suffix : "") < 0) return NULL;
    if (mkdir_p(dir) < 0) {
        free(path);
        return NULL;
    }
    return path;
}

int agentkit_read_file(const char *path, char **data_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    if (!buf) {
        rc = -ENOMEM;
        goto done;
    }
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = -ENOMEM;
                goto done;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = -errno;
            goto done;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *data_out = buf;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int agentkit_write_file(const char *path, const char *data, unsigned mode)
{
    char *tmp = NULL;
    int rc = agentkit_mkdir_parent(path);
    if (rc < 0) return rc;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) return -ENOMEM;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = -errno;
        goto done;
    }
    rc = write_all(fd, data, strlen(data));
    if (rc == 0 && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0) rc = -errno;
    if (rc < 0) unlink(tmp);
done:
    free(tmp);
    return rc;
}

int agentkit_append_line(const char *path, const char *line)
{
    int rc = agentkit_mkdir_parent(path);
    if (rc < 0) return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    size_t len = strlen(line);
    char *buf = malloc(len + 2);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    memcpy(buf, line, len);
    buf[len] = '\n';
    /* One write, so concurrent appenders (several fence ops) never interleave. */
    rc = write_all(fd, buf, len + 1);
    free(buf);
    if (close(fd) < 0 && rc == 0) rc = -errno;
    return rc;
}

void agentkit_sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

uint64_t agentkit_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void agentkit_timestamp(char *out, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

char **agentkit_split(const char *s, size_t *n_out)
{
    size_t n = 0, cap = 4;
    char **v = calloc(cap, sizeof(*v));
    if (!v) abort();
    while (s && *s) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s) break;
        const char *start = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (n + 2 > cap) {
            cap *= 2;
            char **nv = realloc(v, cap * sizeof(*v));
            if (!nv) abort();
            v = nv;
        }
        v[n] = strndup(start, (size_t)(s - start));
        if (!v[n]) abort();
        n++;
    }
    v[n] = NULL;
    if (n_out) *n_out = n;
    return v;
}

void agentkit_strv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

bool agentkit_list_has(const char *list, const char *word)
{
    size_t wlen = strlen(word);
    const char *p = list;
    while (p && *p) {
        while (*p && (isspace((unsigned char)*p) || *p == ',')) p++;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',') p++;
        if ((size_t)(p - start) == wlen && wlen > 0 && !strncmp(start, word, wlen)) return true;
    }
    return false;
}

#define AGENTKIT_OUT_CAP (64 * 1024)

int agentkit_run(char *const argv[], char **out_out)
{
    int pfd[2] = {-1, -1};
    if (!argv || !argv[0]) return -EINVAL;
    if (out_out && pipe2(pfd, O_CLOEXEC) < 0) return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (out_out) {
            close(pfd[0]);
            close(pfd[1]);
        }
        return -e;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            close(devnull);
        }
        if (out_out) dup2(pfd[1], STDOUT_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        _exit(127);
    }
    char *buf = NULL;
    size_t len = 0;
    if (out_out) {
        close(pfd[1]);
        buf = malloc(AGENTKIT_OUT_CAP + 1);
        if (!buf) abort();
        char sink[4096];
        for (;;) {
            char *dst = len < AGENTKIT_OUT_CAP ? buf + len : sink;
            size_t room = len < AGENTKIT_OUT_CAP ? AGENTKIT_OUT_CAP - len : sizeof(sink);
            ssize_t n = read(pfd[0], dst, room);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            if (dst != sink) len += (size_t)n;
        }
        buf[len] = '\0';
        close(pfd[0]);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            free(buf);
            return -errno;
        }
    }
    if (out_out) *out_out = buf;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -EIO;
}
