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
#include <stdlib.h>
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

/* One process of /proc: its pid, state letter, parent and group. */
typedef struct proc_info {
    pid_t pid;
    char state;
    pid_t ppid, pgrp;
} proc_info_t;

/* Read /proc/NAME/stat into *pi. false when NAME is not a process (or is gone). */
static inline bool proc_read(const char *name, proc_info_t *pi)
{
    if (name[0] < '0' || name[0] > '9') return false;
    char path[300], buf[512];
    snprintf(path, sizeof(path), "/proc/%s/stat", name);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    int ppid, pgrp;
    if (!rp || sscanf(rp + 2, "%c %d %d", &pi->state, &ppid, &pgrp) != 3) return false;
    pi->pid = (pid_t)atoi(name);
    pi->ppid = ppid;
    pi->pgrp = pgrp;
    return true;
}

/* Is pid a live (not zombie) process, and in group pgid when pgid > 0? */
static inline bool proc_alive(pid_t pid, pid_t pgid)
{
    char name[24];
    snprintf(name, sizeof(name), "%d", (int)pid);
    proc_info_t pi;
    return proc_read(name, &pi) && pi.state != 'Z' && pi.state != 'X' &&
           (pgid <= 0 || pi.pgrp == pgid);
}

/* Is any live (not zombie) process in group pgid? */
static inline bool group_alive(pid_t pgid)
{
    bool alive = false;
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    struct dirent *e;
    proc_info_t pi;
    while (!alive && (e = readdir(d)))
        if (proc_read(e->d_name, &pi) && pi.pgrp == pgid && pi.state != 'Z' && pi.state != 'X')
            alive = true;
    closedir(d);
    return alive;
}

#endif
