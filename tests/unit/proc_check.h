/*
 * Process checks shared by the unit tests that start children: open fds of
 * this process, and whether a process group still has a live member.
 */
#ifndef CORRAL_TEST_PROC_CHECK_H
#define CORRAL_TEST_PROC_CHECK_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

static inline int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

/* Is any live (not zombie) process in group pgid? */
static inline bool group_alive(pid_t pgid)
{
    bool alive = false;
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    struct dirent *e;
    while (!alive && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *rp = strrchr(buf, ')');
        if (!rp) continue;
        char state;
        int ppid, pgrp;
        if (sscanf(rp + 2, "%c %d %d", &state, &ppid, &pgrp) != 3) continue;
        if (pgrp == pgid && state != 'Z' && state != 'X') alive = true;
    }
    closedir(d);
    return alive;
}

#endif
