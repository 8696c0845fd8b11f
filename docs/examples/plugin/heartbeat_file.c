/*
 * heartbeat_file: a corral resource plugin, built out of tree.
 *
 * A lease on shared storage. The resource "runs" on the node whose name is
 * in the lease file, and monitor keeps refreshing the file. start refuses
 * to take a lease that another node refreshed less than `stale-after` ago,
 * so a service grouped after it (a filesystem, a database) only starts
 * where the lease could be taken, even if the cluster's view of that other
 * node is wrong. Put the file on the storage the service uses.
 *
 * Build against the installed header and drop it into a plugin directory:
 *
 *   cc -shared -fPIC $(pkg-config --cflags corral-plugin) heartbeat_file.c -o heartbeat_file.so
 *   install -m 0755 heartbeat_file.so /usr/local/lib/corral/resource-plugins/
 *
 * then in the INI:
 *
 *   [resource lease]
 *   agent = heartbeat_file
 *   param.path = /srv/shared/lease
 *   param.stale-after = 30s
 *   op.monitor = interval=10s timeout=20s
 */
#include <corral/plugin.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "500ms", "10s", "5min", "1h" or bare seconds, as the host's DURATION type. */
static int parse_duration(const char *s, unsigned long long *ms_out)
{
    char *end = NULL;
    if (!s || !isdigit((unsigned char)*s)) return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*end || !strcmp(end, "s"))
        *ms_out = v * 1000;
    else if (!strcmp(end, "ms"))
        *ms_out = v;
    else if (!strcmp(end, "min") || !strcmp(end, "m"))
        *ms_out = v * 60000;
    else if (!strcmp(end, "h"))
        *ms_out = v * 3600000;
    else
        return -1;
    return 0;
}

/* The lease: who holds it and how long ago it was refreshed. 0, -ENOENT, or -errno. */
static int lease_read(const char *path, char *holder, size_t len, double *age_s_out)
{
    struct stat st;
    FILE *f = fopen(path, "re");
    if (!f) return -errno;
    if (fstat(fileno(f), &st) < 0 || !fgets(holder, (int)len, f)) {
        int err = ferror(f) ? -EIO : -ENOENT;
        fclose(f);
        return err;
    }
    fclose(f);
    holder[strcspn(holder, "\n")] = '\0';
    *age_s_out = difftime(time(NULL), st.st_mtime);
    return 0;
}

/*
 * Write the lease atomically: a reader sees the old holder or the new one,
 * never half a name. 0 or -errno.
 */
static int lease_write(const char *path, const char *node)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    size_t n = strlen(node);
    int rc = 0;
    if (write(fd, node, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
        rc = errno ? -errno : -EIO;
    if (close(fd) < 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0) rc = -errno;
    if (rc < 0) unlink(tmp);
    return rc;
}

/* Parameters every action needs. 0, or an OCF code with the exit reason set. */
static int get_params(const corral_op_t *op, const char **path_out, unsigned long long *stale_ms)
{
    /* The host applies the spec's defaults and has checked the types already. */
    const char *path = op->param(op, "path");
    if (!path || !*path) {
        op->set_exit_reason(op, "parameter path is required");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (parse_duration(op->param(op, "stale-after"), stale_ms) < 0) {
        op->set_exit_reason(op, "parameter stale-after is not a duration");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    *path_out = path;
    return 0;
}

static int hb_start(const corral_op_t *op)
{
    const char *path;
    unsigned long long stale_ms;
    char holder[256];
    double age;
    int rc = get_params(op, &path, &stale_ms);
    if (rc) return rc;
    if (lease_read(path, holder, sizeof(holder), &age) == 0 && strcmp(holder, op->node) &&
        age * 1000 < (double)stale_ms) {
        op->set_exit_reason(op, "lease %s is held by %s (refreshed %.0fs ago)", path, holder, age);
        return CORRAL_OCF_ERR_GENERIC;
    }
    int err = lease_write(path, op->node);
    if (err < 0) {
        op->set_exit_reason(op, "cannot write lease %s: %s", path, strerror(-err));
        return err == -EACCES ? CORRAL_OCF_ERR_PERM : CORRAL_OCF_ERR_GENERIC;
    }
    op->log(op, CORRAL_LOG_NOTICE, "took lease %s", path);
    return CORRAL_OCF_SUCCESS;
}

static int hb_monitor(const corral_op_t *op)
{
    const char *path;
    unsigned long long stale_ms;
    char holder[256];
    double age;
    int rc = get_params(op, &path, &stale_ms);
    if (rc) return rc;
    int err = lease_read(path, holder, sizeof(holder), &age);
    if (err == -ENOENT) return CORRAL_OCF_NOT_RUNNING;
    if (err < 0) {
        op->set_exit_reason(op, "cannot read lease %s: %s", path, strerror(-err));
        return CORRAL_OCF_ERR_GENERIC;
    }
    if (strcmp(holder, op->node)) {
        /* A probe on a node that does not hold it: simply not running here. */
        if (op->interval_ms == 0) return CORRAL_OCF_NOT_RUNNING;
        op->set_exit_reason(op, "lease %s was taken by %s", path, holder);
        return CORRAL_OCF_ERR_GENERIC;
    }
    err = lease_write(path, op->node);
    if (err < 0) {
        op->set_exit_reason(op, "cannot refresh lease %s: %s", path, strerror(-err));
        return CORRAL_OCF_ERR_GENERIC;
    }
    return CORRAL_OCF_SUCCESS;
}

static int hb_stop(const corral_op_t *op)
{
    const char *path;
    unsigned long long stale_ms;
    char holder[256];
    double age;
    /* A stop must succeed whenever the resource is not running: even when misconfigured. */
    if (get_params(op, &path, &stale_ms)) return CORRAL_OCF_SUCCESS;
    if (lease_read(path, holder, sizeof(holder), &age) == 0 && !strcmp(holder, op->node) &&
        unlink(path) < 0 && errno != ENOENT) {
        op->set_exit_reason(op, "cannot release lease %s: %s", path, strerror(errno));
        return CORRAL_OCF_ERR_GENERIC;
    }
    return CORRAL_OCF_SUCCESS;
}

static int hb_validate(const corral_op_t *op)
{
    const char *path;
    unsigned long long stale_ms;
    return get_params(op, &path, &stale_ms) ? CORRAL_OCF_ERR_ARGS : CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t hb_params[] = {
    {.name = "path",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .unique = 1,
     .description = "The lease file, on the shared storage it guards"},
    {.name = "stale-after",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "30s",
     .description = "A lease not refreshed for this long may be taken over"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "heartbeat_file",
    .version = "1.0",
    .description = "A lease file on shared storage, held by the node that runs the resource",
    .params = hb_params,
    .start = hb_start,
    .stop = hb_stop,
    .monitor = hb_monitor,
    .validate = hb_validate,
};
