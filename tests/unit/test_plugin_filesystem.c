/*
 * The filesystem resource agent through the real host path, inside a
 * private mount namespace of the test's own: tmpfs, bind, busy mounts, and
 * an ext4 image on a loop device where the machine has loop devices and
 * mkfs.ext4. Needs root and mount namespaces: skipped, with the reason,
 * otherwise.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "agent_harness.h"

static char *dir;
static char *mnt; /* the mount point: <dir>/mnt/point */
static char *dir_kv;
static corral_registry_t *reg;

static void setup(void)
{
    if (geteuid() != 0)
        cr_skip_test("plugin_filesystem needs root (mount namespaces, mounts); skipped");
    if (unshare(CLONE_NEWNS) < 0)
        cr_skip_test("plugin_filesystem: cannot create a mount namespace (%s); skipped",
                     strerror(errno));
    /* Nothing mounted here may reach the machine's namespace. */
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    dir = ah_tmpdir("fs");
    mnt = corral_xasprintf("%s/mnt/point", dir);
    dir_kv = corral_xasprintf("directory=%s", mnt);
    reg = ah_registry(dir);
}

static void teardown(void)
{
    if (reg) corral_registry_free(reg);
    if (mnt) umount2(mnt, MNT_DETACH);
    if (dir) ah_sh("rm -rf '%s'", dir);
    free(dir_kv);
    free(mnt);
    free(dir);
}

TestSuite(plugin_filesystem, .init = setup, .fini = teardown);

/* The mountinfo line of the mount point, or "". */
static char *mountinfo_line(void)
{
    char *data = ah_slurp("/proc/self/mountinfo");
    char *needle = corral_xasprintf(" %s ", mnt);
    char *hit = strstr(data, needle), *line;
    if (!hit) {
        line = corral_xstrdup("");
    } else {
        char *start = hit;
        while (start > data && start[-1] != '\n') start--;
        char *end = strchr(hit, '\n');
        line = corral_xstrndup(start, end ? (size_t)(end - start) : strlen(start));
    }
    free(needle);
    free(data);
    return line;
}

Test(plugin_filesystem, missing_parameters_and_mount_point)
{
    const char *no_dir[] = {"device=tmpfs", NULL};
    cr_expect_eq(ah_rsc(reg, "filesystem", "start", no_dir).rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *relative[] = {"device=tmpfs", "directory=mnt", NULL};
    cr_expect_eq(ah_rsc(reg, "filesystem", "validate", relative).rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *kv[] = {"device=tmpfs", dir_kv, NULL};
    ah_result_t r = ah_rsc(reg, "filesystem", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED, "no mount point, none created");
    cr_expect(strstr(r.reason, mnt) != NULL, "reason: %s", r.reason);
}

Test(plugin_filesystem, tmpfs_start_monitor_stop)
{
    const char *kv[] = {"device=tmpfs",           dir_kv,
                        "create-mountpoint=true", "options=size=2m,noexec",
                        "probe-file=true",        NULL};
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_rsc(reg, "filesystem", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *line = mountinfo_line();
    cr_expect(strstr(line, " - tmpfs ") != NULL, "mountinfo: %s", line);
    cr_expect(strstr(line, "noexec") != NULL, "mountinfo: %s", line);
    cr_expect(strstr(line, "size=2048k") != NULL, "mountinfo: %s", line);
    free(line);
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    line = mountinfo_line();
    cr_expect_str_empty(line, "still mounted: %s", line);
    free(line);
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_filesystem, probe_file_notices_a_filesystem_gone_read_only)
{
    const char *kv[] = {"device=tmpfs", dir_kv, "create-mountpoint=true", "probe-file=true", NULL};
    cr_assert_eq(ah_rsc(reg, "filesystem", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_assert_eq(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "remount: %s",
                 strerror(errno));
    ah_result_t r = ah_rsc(reg, "filesystem", "monitor", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_ERR_GENERIC);
    cr_expect(strstr(r.reason, "probe file") != NULL, "reason: %s", r.reason);
    /* Without the probe, mounted is all monitor asks. */
    const char *plain[] = {"device=tmpfs", dir_kv, NULL};
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", plain).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_filesystem, read_only_bind_mount)
{
    char *src = corral_xasprintf("%s/src", dir);
    char *file = corral_xasprintf("%s/src/data", dir);
    char *dev = corral_xasprintf("device=%s", src);
    cr_assert_eq(corral_mkdir_p(src, 0755), 0);
    cr_assert_eq(corral_write_file_atomic(file, "kept\n", 5, 0644), 0);
    const char *kv[] = {dev, dir_kv, "fstype=bind", "options=ro", "create-mountpoint=yes", NULL};
    ah_result_t r = ah_rsc(reg, "filesystem", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *seen = corral_xasprintf("%s/data", mnt);
    char *data = ah_slurp(seen);
    cr_expect_str_eq(data, "kept\n");
    free(data);
    cr_expect_lt(open(seen, O_WRONLY | O_APPEND), 0, "a read-only bind is not writable");
    cr_expect_eq(errno, EROFS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    /* Something else at the mount point is not this resource. */
    const char *tmpfs_kv[] = {"device=tmpfs", dir_kv, NULL};
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", tmpfs_kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    free(seen);
    free(dev);
    free(file);
    free(src);
}

/* A child that keeps its cwd in the mount; ignore_term: it survives SIGTERM. */
static pid_t holder(bool ignore_term)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (ignore_term) signal(SIGTERM, SIG_IGN);
        if (chdir(mnt) < 0) _exit(1);
        /* Tell the parent it holds the mount now, then wait to be killed. */
        if (write(p[1], "x", 1) != 1) _exit(1);
        for (;;) pause();
    }
    char c;
    close(p[1]);
    cr_assert_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

Test(plugin_filesystem, a_busy_mount_is_freed_by_killing_its_holders)
{
    const char *kv[] = {"device=tmpfs", dir_kv, "create-mountpoint=1", "kill-grace=5s", NULL};
    cr_assert_eq(ah_rsc(reg, "filesystem", "start", kv).rc, CORRAL_OCF_SUCCESS);
    /* The grace is long enough for the polite holder to die of its SIGTERM on a busy machine;
     * the stubborn one costs the test that long. */
    pid_t polite = holder(false), stubborn = holder(true);
    ah_result_t r = ah_rsc(reg, "filesystem", "stop", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    int status = 0;
    cr_assert_eq(waitpid(polite, &status, 0), polite);
    cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %#x", status);
    cr_assert_eq(waitpid(stubborn, &status, 0), stubborn);
    cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
    char *line = mountinfo_line();
    cr_expect_str_empty(line, "still mounted: %s", line);
    free(line);
}

/* Is the image still attached to a loop device? */
static bool image_attached(const char *image)
{
    glob_t g;
    bool found = false;
    if (glob("/sys/block/loop*/loop/backing_file", 0, NULL, &g) != 0) return false;
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        char *data = ah_slurp(g.gl_pathv[i]);
        found = !strncmp(data, image, strlen(image));
        free(data);
    }
    globfree(&g);
    return found;
}

Test(plugin_filesystem, ext4_image_on_a_loop_device)
{
    struct stat st;
    if (stat("/dev/loop-control", &st) < 0)
        cr_skip_test("plugin_filesystem: no /dev/loop-control on this machine; skipped");
    if (ah_sh("command -v mkfs.ext4 >/dev/null 2>&1") != 0)
        cr_skip_test("plugin_filesystem: mkfs.ext4 is not installed; skipped");
    char *image = corral_xasprintf("%s/disk.img", dir);
    cr_assert_eq(
        ah_sh("truncate -s 16M '%s' && mkfs.ext4 -q -F '%s' >/dev/null 2>&1", image, image), 0);
    char *dev = corral_xasprintf("device=%s", image);
    const char *kv[] = {dev, dir_kv, "fstype=ext4", "create-mountpoint=true", "probe-file=yes",
                        NULL};
    ah_result_t r = ah_rsc(reg, "filesystem", "start", kv);
    if (r.rc != CORRAL_OCF_SUCCESS && strstr(r.reason, "loop device"))
        cr_skip_test("plugin_filesystem: loop devices unusable here (%s); skipped", r.reason);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *line = mountinfo_line();
    cr_expect(strstr(line, " - ext4 /dev/loop") != NULL, "mountinfo: %s", line);
    free(line);
    cr_expect(image_attached(image));
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    char *file = corral_xasprintf("%s/persisted", mnt);
    cr_assert_eq(corral_write_file_atomic(file, "yes\n", 4, 0644), 0);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!image_attached(image), "the loop device went with the mount");
    cr_expect_eq(ah_rsc(reg, "filesystem", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    /* Without fstype the type is probed; the data survived the unmount. */
    const char *probed[] = {dev, dir_kv, NULL};
    r = ah_rsc(reg, "filesystem", "start", probed);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *data = ah_slurp(file);
    cr_expect_str_eq(data, "yes\n");
    free(data);
    cr_expect_eq(ah_rsc(reg, "filesystem", "stop", probed).rc, CORRAL_OCF_SUCCESS);
    cr_expect(!image_attached(image));
    free(file);
    free(dev);
    free(image);
}
