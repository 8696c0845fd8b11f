/*
 * filesystem: a mount guarded by the cluster. start mounts `device` at
 * `directory` with mount(2): a block device, an image file (through a loop
 * device set up here, freed by the kernel at unmount), a directory with
 * fstype=bind, or a tmpfs. stop unmounts; when the mount is busy it sends
 * SIGTERM to the processes that hold it (open files, cwd, root, mapped
 * files), SIGKILL past `kill-grace`, and at last forces and detaches it.
 * monitor reads /proc/self/mountinfo and can write and read back a probe
 * file, so a hung or read-only-remounted filesystem is noticed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agentkit.h"

typedef enum fs_kind {
    FS_BLOCK, /* a block device */
    FS_IMAGE, /* a regular file, mounted through a loop device */
    FS_BIND,  /* a directory, fstype=bind */
    FS_TMPFS, /* device "tmpfs" or fstype tmpfs */
    FS_OTHER, /* anything mount(2) takes: "server:/export" for nfs, ... */
} fs_kind_t;

typedef struct fs_conf {
    const char *device;
    char directory[PATH_MAX];
    const char *fstype; /* NULL: probe (block devices and images only) */
    const char *options;
    fs_kind_t kind;
    unsigned long flags; /* MS_* from options */
    char *data;          /* the options mount(2) passes to the filesystem */
    bool create;
    bool probe;
    uint64_t kill_grace_ms;
} fs_conf_t;

/* mount(8)'s option words that are flags, not filesystem data. */
static const struct {
    const char *name;
    unsigned long flag;
    bool clear;
} flag_opts[] = {
    {"ro", MS_RDONLY, false},          {"rw", MS_RDONLY, true},
    {"nosuid", MS_NOSUID, false},      {"suid", MS_NOSUID, true},
    {"nodev", MS_NODEV, false},        {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},      {"exec", MS_NOEXEC, true},
    {"sync", MS_SYNCHRONOUS, false},   {"async", MS_SYNCHRONOUS, true},
    {"dirsync", MS_DIRSYNC, false},    {"noatime", MS_NOATIME, false},
    {"atime", MS_NOATIME, true},       {"nodiratime", MS_NODIRATIME, false},
    {"diratime", MS_NODIRATIME, true}, {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true}, {"strictatime", MS_STRICTATIME, false},
    {"lazytime", MS_LAZYTIME, false},  {"nolazytime", MS_LAZYTIME, true},
    {"mand", MS_MANDLOCK, false},      {"nomand", MS_MANDLOCK, true},
    {"silent", MS_SILENT, false},      {"loud", MS_SILENT, true},
    {"bind", MS_BIND, false},          {"rbind", MS_BIND | MS_REC, false},
};

/* fstab words with no meaning to mount(2). */
static const char *const ignored_opts[] = {"defaults", "auto",   "noauto", "nofail", "_netdev",
                                           "user",     "nouser", "users",  "owner",  "loop"};

static void parse_options(fs_conf_t *c)
{
    char *copy = strdup(c->options ? c->options : "");
    size_t cap = strlen(copy) + 1, len = 0;
    c->data = calloc(1, cap);
    if (!copy || !c->data) abort();
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]) && !known; i++) {
            if (!strcmp(w, flag_opts[i].name)) {
                known = true;
                if (flag_opts[i].clear)
                    c->flags &= ~flag_opts[i].flag;
                else
                    c->flags |= flag_opts[i].flag;
            }
        }
        for (size_t i = 0; i < sizeof(ignored_opts) / sizeof(ignored_opts[0]) && !known; i++)
            known = !strcmp(w, ignored_opts[i]);
        if (known) continue;
        len += (size_t)snprintf(c->data + len, cap - len, "%s%s", len ? "," : "", w);
    }
    free(copy);
}

static void conf_free(fs_conf_t *c)
{
    free(c->data);
    c->data = NULL;
}

/* 0, or an OCF code with the exit reason set. */
static int conf_load(const corral_op_t *op, fs_conf_t *c)
{
    memset(c, 0, sizeof(*c));
    c->device = agentkit_param(op, "device", NULL);
    const char *dir = agentkit_param(op, "directory", NULL);
    c->fstype = agentkit_param(op, "fstype", NULL);
    c->options = agentkit_param(op, "options", NULL);
    if (!c->device || !dir) {
        op->set_exit_reason(op, "parameters device and directory are required");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (dir[0] != '/') {
        op->set_exit_reason(op, "parameter directory: '%s' is not an absolute path", dir);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    /* mountinfo names mount points canonically; compare like with like. */
    if (!realpath(dir, c->directory)) snprintf(c->directory, sizeof(c->directory), "%s", dir);
    if (agentkit_param_bool(op, "create-mountpoint", false, &c->create) < 0 ||
        agentkit_param_bool(op, "probe-file", false, &c->probe) < 0 ||
        agentkit_param_duration(op, "kill-grace", 5000, &c->kill_grace_ms) < 0)
        return CORRAL_OCF_NOT_CONFIGURED;
    parse_options(c);
    struct stat st;
    if (c->fstype && !strcmp(c->fstype, "bind")) {
        c->kind = FS_BIND;
        c->flags |= MS_BIND;
    } else if ((c->fstype && !strcmp(c->fstype, "tmpfs")) || !strcmp(c->device, "tmpfs")) {
        c->kind = FS_TMPFS;
        c->fstype = "tmpfs";
    } else if (c->flags & MS_BIND) {
        c->kind = FS_BIND;
    } else if (c->device[0] == '/' && stat(c->device, &st) == 0 && S_ISBLK(st.st_mode)) {
        c->kind = FS_BLOCK;
    } else if (c->device[0] == '/' && stat(c->device, &st) == 0 && S_ISREG(st.st_mode)) {
        c->kind = FS_IMAGE;
    } else {
        c->kind = FS_OTHER;
    }
    return 0;
}

/* ---- /proc/self/mountinfo ---- */

typedef struct mount_entry {
    bool found;
    unsigned major, minor;
    char fstype[64];
    char source[PATH_MAX];
} mount_entry_t;

/* Undo mountinfo's octal escapes (\040 for a space, ...) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (r[0] == '\\' && isdigit((unsigned char)r[1]) && isdigit((unsigned char)r[2]) &&
            isdigit((unsigned char)r[3])) {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* The topmost mount at `dir` (the last listed wins: it covers the others). 0 or -errno. */
static int mount_lookup(const char *dir, mount_entry_t *e)
{
    char *data = NULL;
    memset(e, 0, sizeof(*e));
    int rc = agentkit_read_file("/proc/self/mountinfo", &data);
    if (rc < 0) return rc;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6] = {0};
        char *p = line;
        for (int i = 0; i < 6 && p; i++) {
            f[i] = p;
            p = strchr(p, ' ');
            if (p) *p++ = '\0';
        }
        if (!p || !f[4]) continue;
        unescape(f[4]);
        if (strcmp(f[4], dir)) continue;
        char *sep = strstr(p, "- ");
        if (sep != p && !(sep = strstr(p, " - "))) continue;
        sep += sep == p ? 2 : 3;
        char fstype[64] = "", source[PATH_MAX] = "";
        char *sp = strchr(sep, ' ');
        if (!sp) continue;
        snprintf(fstype, sizeof(fstype), "%.*s", (int)(sp - sep), sep);
        char *src = sp + 1, *end = strchr(src, ' ');
        snprintf(source, sizeof(source), "%.*s", (int)(end ? end - src : (long)strlen(src)), src);
        unescape(source);
        e->found = true;
        if (sscanf(f[2], "%u:%u", &e->major, &e->minor) != 2) e->major = e->minor = 0;
        snprintf(e->fstype, sizeof(e->fstype), "%s", fstype);
        snprintf(e->source, sizeof(e->source), "%s", source);
    }
    free(data);
    return 0;
}

/* The backing file of a loop device by its numbers, or "" . */
static void loop_backing(unsigned major, unsigned minor, char *out, size_t len)
{
    char path[128], *data = NULL;
    out[0] = '\0';
    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/loop/backing_file", major, minor);
    if (agentkit_read_file(path, &data) < 0) return;
    char *nl = strchr(data, '\n');
    if (nl) *nl = '\0';
    snprintf(out, len, "%s", data);
    free(data);
}

/*
 * Is our filesystem mounted at the directory? 1 yes, 0 no (or something
 * else is), -errno when mountinfo cannot be read. *other_out is set when
 * another filesystem is mounted there.
 */
static int is_mounted(const fs_conf_t *c, bool *other_out)
{
    mount_entry_t e;
    *other_out = false;
    int rc = mount_lookup(c->directory, &e);
    if (rc < 0) return rc;
    if (!e.found) return 0;
    struct stat st, dst;
    bool ours = false;
    switch (c->kind) {
    case FS_BIND:
        /* A bind mount shows the source directory itself at the mount point. */
        ours = stat(c->device, &st) == 0 && stat(c->directory, &dst) == 0 &&
               st.st_dev == dst.st_dev && st.st_ino == dst.st_ino;
        break;
    case FS_TMPFS:
        ours = !strcmp(e.fstype, "tmpfs");
        break;
    case FS_BLOCK:
        ours = stat(c->device, &st) == 0 && major(st.st_rdev) == e.major &&
               minor(st.st_rdev) == e.minor;
        break;
    case FS_IMAGE: {
        char backing[PATH_MAX], image[PATH_MAX];
        loop_backing(e.major, e.minor, backing, sizeof(backing));
        ours = realpath(c->device, image) && !strcmp(backing, image);
        break;
    }
    case FS_OTHER:
        ours = !strcmp(e.source, c->device) && (!c->fstype || !strcmp(e.fstype, c->fstype));
        break;
    }
    *other_out = !ours;
    return ours ? 1 : 0;
}

/* ---- loop devices ---- */

/* Attach an image to a free loop device that the kernel frees at unmount. Open fd or -errno. */
static int loop_attach(const char *image, bool ro, char *dev, size_t devlen)
{
    int imgfd = open(image, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (imgfd < 0) return -errno;
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        int e = errno;
        close(imgfd);
        return -e;
    }
    int rc = -EBUSY;
    /* Another process may take the free device between asking and configuring: retry. */
    for (int attempt = 0; attempt < 10 && rc == -EBUSY; attempt++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            rc = -errno;
            break;
        }
        snprintf(dev, devlen, "/dev/loop%d", n);
        int fd = open(dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        struct loop_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.fd = (unsigned)imgfd;
        cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0);
        snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", image);
        if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
            rc = fd;
            break;
        }
        rc = -errno;
        close(fd);
    }
    close(ctl);
    close(imgfd);
    return rc;
}

/* ---- holders ---- */

static bool path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1) /* "/" holds everything: never kill for it */
        return false;
    return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/' || path[n] == ' ');
}

static bool link_under(const char *link, const char *dir)
{
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0) return false;
    target[n] = '\0';
    return path_under(target, dir);
}

/* Does process `pid` use anything under dir? */
static bool holds(const char *pid, const char *dir)
{
    char path[PATH_MAX];
    static const char *const links[] = {"cwd", "root", "exe"};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(path, sizeof(path), "/proc/%s/%s", pid, links[i]);
        if (link_under(path, dir)) return true;
    }
    snprintf(path, sizeof(path), "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    bool found = false;
    if (d) {
        struct dirent *de;
        while (!found && (de = readdir(d))) {
            if (de->d_name[0] == '.') continue;
            snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, de->d_name);
            found = link_under(path, dir);
        }
        closedir(d);
    }
    if (found) return true;
    snprintf(path, sizeof(path), "/proc/%s/maps", pid);
    char *maps = NULL;
    if (agentkit_read_file(path, &maps) == 0) {
        char *save = NULL;
        for (char *l = strtok_r(maps, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
            char *file = strchr(l, '/');
            found = file && path_under(file, dir);
        }
        free(maps);
    }
    return found;
}

/* Send sig to every process that holds dir; the number signalled. */
static int kill_holders(const corral_op_t *op, const char *dir, int sig)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    /* Never this action, nor the host that runs it (corrald itself). */
    pid_t self = getpid(), host = getppid();
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0])) continue;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (pid == self || pid == host || pid <= 1 || !holds(de->d_name, dir)) continue;
        char comm[64] = "?", path[64], *data = NULL;
        snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
        if (agentkit_read_file(path, &data) == 0) {
            snprintf(comm, sizeof(comm), "%s", data);
            char *nl = strchr(comm, '\n');
            if (nl) *nl = '\0';
            free(data);
        }
        op->log(op, CORRAL_LOG_WARNING, "%s holds %s: sending %s to pid %ld", comm, dir,
                sig == SIGKILL ? "SIGKILL" : "SIGTERM", (long)pid);
        if (kill(pid, sig) == 0) count++;
    }
    closedir(d);
    return count;
}

/* ---- actions ---- */

static int try_umount(const char *dir, int flags)
{
    if (umount2(dir, flags) == 0) return 0;
    return -errno;
}

/* Retry a plain unmount until the deadline. 0 when it succeeded. */
static int umount_until(const char *dir, uint64_t deadline)
{
    int rc;
    while ((rc = try_umount(dir, 0)) == -EBUSY && agentkit_now_ms() < deadline)
        agentkit_sleep_ms(100);
    return rc;
}

static int fs_stop(const corral_op_t *op)
{
    fs_conf_t c;
    bool other;
    int rc = conf_load(op, &c);
    if (rc) {
        rc = rc == CORRAL_OCF_NOT_CONFIGURED ? CORRAL_OCF_SUCCESS : rc;
        goto done;
    }
    int m = is_mounted(&c, &other);
    if (m == 0) {
        rc = CORRAL_OCF_SUCCESS;
        goto done;
    }
    if (m < 0) {
        op->set_exit_reason(op, "cannot read /proc/self/mountinfo: %s", strerror(-m));
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    int err = try_umount(c.directory, 0);
    if (err == -EBUSY) {
        op->log(op, CORRAL_LOG_NOTICE, "%s is busy: stopping what holds it", c.directory);
        kill_holders(op, c.directory, SIGTERM);
        err = umount_until(c.directory, agentkit_now_ms() + c.kill_grace_ms);
    }
    if (err == -EBUSY) {
        kill_holders(op, c.directory, SIGKILL);
        err = umount_until(c.directory, agentkit_now_ms() + 1000);
    }
    if (err == -EBUSY) {
        op->log(op, CORRAL_LOG_WARNING, "%s still busy: forcing the unmount", c.directory);
        err = try_umount(c.directory, MNT_FORCE);
        if (err < 0) err = try_umount(c.directory, MNT_DETACH);
        if (err == 0)
            op->log(op, CORRAL_LOG_WARNING, "%s forced off (possibly lazily detached)",
                    c.directory);
    }
    if (err < 0 && err != -EINVAL) {
        op->set_exit_reason(op, "cannot unmount %s: %s", c.directory, strerror(-err));
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    op->log(op, CORRAL_LOG_INFO, "unmounted %s", c.directory);
    rc = CORRAL_OCF_SUCCESS;
done:
    conf_free(&c);
    return rc;
}

/* mount(2) with each filesystem type the kernel knows, as mount(8) does without -t. */
static int mount_probing(const char *source, const char *dir, unsigned long flags, const char *data,
                         char *used, size_t usedlen)
{
    char *list = NULL;
    int rc = agentkit_read_file("/proc/filesystems", &list);
    if (rc < 0) return rc;
    rc = -EINVAL;
    char *save = NULL;
    for (char *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(l, "nodev", 5)) continue;
        while (isspace((unsigned char)*l)) l++;
        if (mount(source, dir, l, flags, data) == 0) {
            snprintf(used, usedlen, "%s", l);
            rc = 0;
            break;
        }
        if (errno != EINVAL && errno != ENODEV && errno != ENOTBLK && errno != EBADMSG) {
            rc = -errno;
            break;
        }
    }
    free(list);
    return rc;
}

static int errno_to_ocf(int err)
{
    switch (err) {
    case EPERM:
    case EACCES:
        return CORRAL_OCF_ERR_PERM;
    case ENODEV:
    case ENOENT:
    case ENXIO:
        return CORRAL_OCF_NOT_INSTALLED;
    default:
        return CORRAL_OCF_ERR_GENERIC;
    }
}

static int fs_start(const corral_op_t *op)
{
    fs_conf_t c;
    bool other;
    int loopfd = -1;
    int rc = conf_load(op, &c);
    if (rc) goto done;
    struct stat st;
    if (stat(c.directory, &st) < 0) {
        if (c.create && errno == ENOENT) {
            char mp[PATH_MAX + 4];
            snprintf(mp, sizeof(mp), "%s/.", c.directory);
            int err = agentkit_mkdir_parent(mp);
            if (err < 0) {
                op->set_exit_reason(op, "cannot create %s: %s", c.directory, strerror(-err));
                rc = CORRAL_OCF_ERR_GENERIC;
                goto done;
            }
        } else {
            op->set_exit_reason(op, "mount point %s: %s", c.directory, strerror(errno));
            rc = CORRAL_OCF_NOT_INSTALLED;
            goto done;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        op->set_exit_reason(op, "mount point %s is not a directory", c.directory);
        rc = CORRAL_OCF_NOT_CONFIGURED;
        goto done;
    }
    int m = is_mounted(&c, &other);
    if (m == 1) {
        rc = CORRAL_OCF_SUCCESS;
        goto done;
    }
    if (other)
        op->log(op, CORRAL_LOG_WARNING, "another filesystem is mounted at %s: mounting over it",
                c.directory);
    if ((c.kind == FS_BLOCK || c.kind == FS_IMAGE || c.kind == FS_BIND) &&
        stat(c.device, &st) < 0) {
        op->set_exit_reason(op, "device %s: %s", c.device, strerror(errno));
        rc = CORRAL_OCF_NOT_INSTALLED;
        goto done;
    }
    const char *source = c.device;
    char loopdev[64] = "", used[64] = "";
    if (c.kind == FS_IMAGE) {
        loopfd = loop_attach(c.device, c.flags & MS_RDONLY, loopdev, sizeof(loopdev));
        if (loopfd < 0) {
            op->set_exit_reason(op, "cannot attach %s to a loop device: %s", c.device,
                                strerror(-loopfd));
            rc = errno_to_ocf(-loopfd);
            goto done;
        }
        source = loopdev;
    }
    int err = 0;
    if (c.kind == FS_BIND) {
        /* A bind ignores every flag but MS_REC; the others need a remount of the bind. */
        if (mount(source, c.directory, NULL, c.flags & (MS_BIND | MS_REC), NULL) < 0) err = -errno;
        unsigned long extra = c.flags & ~(MS_BIND | MS_REC);
        if (!err && extra &&
            mount(NULL, c.directory, NULL, MS_REMOUNT | MS_BIND | extra, NULL) < 0) {
            err = -errno;
            umount2(c.directory, MNT_DETACH);
        }
    } else if (!c.fstype && c.kind != FS_OTHER) {
        err = mount_probing(source, c.directory, c.flags, c.data[0] ? c.data : NULL, used,
                            sizeof(used));
    } else {
        if (mount(source, c.directory, c.fstype ? c.fstype : "", c.flags,
                  c.data[0] ? c.data : NULL) < 0)
            err = -errno;
    }
    if (err < 0) {
        op->set_exit_reason(op, "cannot mount %s on %s: %s", c.device, c.directory, strerror(-err));
        rc = errno_to_ocf(-err);
        goto done;
    }
    op->log(op, CORRAL_LOG_INFO, "mounted %s%s%s on %s (%s)", c.device, loopdev[0] ? " via " : "",
            loopdev, c.directory, c.kind == FS_BIND ? "bind" : (c.fstype ? c.fstype : used));
    rc = CORRAL_OCF_SUCCESS;
done:
    /* The mount holds the loop device now; with autoclear it goes when the mount does. */
    if (loopfd >= 0) close(loopfd);
    conf_free(&c);
    return rc;
}

/* Write, sync, read back and remove a small file: 0 or -errno. */
static int probe(const corral_op_t *op, const fs_conf_t *c)
{
    char path[PATH_MAX + 64], want[128], *got = NULL;
    snprintf(path, sizeof(path), "%s/.corral-probe-%s", c->directory,
             op->instance ? op->instance : "fs");
    snprintf(want, sizeof(want), "corral probe %ld %llu\n", (long)getpid(),
             (unsigned long long)agentkit_now_ms());
    int rc = agentkit_write_file(path, want, 0600);
    if (rc < 0) return rc;
    rc = agentkit_read_file(path, &got);
    if (rc == 0 && strcmp(got, want)) rc = -EIO;
    free(got);
    if (unlink(path) < 0 && rc == 0) rc = -errno;
    return rc;
}

static int fs_monitor(const corral_op_t *op)
{
    fs_conf_t c;
    bool other;
    int rc = conf_load(op, &c);
    if (rc) goto done;
    int m = is_mounted(&c, &other);
    if (m < 0) {
        op->set_exit_reason(op, "cannot read /proc/self/mountinfo: %s", strerror(-m));
        rc = CORRAL_OCF_ERR_GENERIC;
        goto done;
    }
    if (m == 0) {
        if (other) op->set_exit_reason(op, "another filesystem is mounted at %s", c.directory);
        rc = CORRAL_OCF_NOT_RUNNING;
        goto done;
    }
    if (c.probe && !(c.flags & MS_RDONLY)) {
        int err = probe(op, &c);
        if (err < 0) {
            op->set_exit_reason(op, "probe file in %s failed: %s", c.directory, strerror(-err));
            rc = CORRAL_OCF_ERR_GENERIC;
            goto done;
        }
    }
    rc = CORRAL_OCF_SUCCESS;
done:
    conf_free(&c);
    return rc;
}

static int fs_validate(const corral_op_t *op)
{
    fs_conf_t c;
    int rc = conf_load(op, &c);
    conf_free(&c);
    return rc ? CORRAL_OCF_NOT_CONFIGURED : CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t fs_params[] = {
    {.name = "device",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .description =
         "What to mount: a block device, an image file (attached to a loop device), "
         "a directory (with fstype=bind), \"tmpfs\", or a source such as server:/export"},
    {.name = "directory",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .unique = 1,
     .description = "The mount point (absolute path)"},
    {.name = "fstype",
     .type = CORRAL_PARAM_STRING,
     .description = "Filesystem type (ext4, xfs, tmpfs, nfs, bind, ...). Default: probed from "
                    "/proc/filesystems for devices and images"},
    {.name = "options",
     .type = CORRAL_PARAM_STRING,
     .description = "Mount options as mount -o takes them (ro, noatime, size=64m, ...)"},
    {.name = "create-mountpoint",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "Create the mount point (and its parents) when missing"},
    {.name = "kill-grace",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "5s",
     .description = "When stop finds the mount busy: time between SIGTERM and SIGKILL of the "
                    "processes that hold it, before the unmount is forced"},
    {.name = "probe-file",
     .type = CORRAL_PARAM_BOOLEAN,
     .default_value = "false",
     .description = "monitor writes, reads back and removes a file on the filesystem"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "filesystem",
    .version = "1.0",
    .description = "Mounts a filesystem (block device, image file, bind, tmpfs, network) and "
                   "unmounts it, killing what holds it when it must",
    .params = fs_params,
    .start = fs_start,
    .stop = fs_stop,
    .monitor = fs_monitor,
    .validate = fs_validate,
};
