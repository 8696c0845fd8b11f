/*
 * bench_forkfloor N: N times fork(), the child _exit(0)s at once, waitpid();
 * prints the CPU time this costs (this process and its reaped children, in
 * ms per fork) on one line. Built static where the toolchain allows (the
 * smallest process that can fork: no shared library mapped), and once more
 * dynamic (libc only), so that bench_executor can print, in its own run,
 * what a process per action costs on this machine at the very least.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static double cpu_ms(void)
{
    struct rusage s, c;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &c);
    return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) *
               1e3 +
           (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
                    c.ru_stime.tv_usec) /
               1e3;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (n <= 0) n = 200;
    double c0 = cpu_ms();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    printf("%.4f\n", (cpu_ms() - c0) / n);
    return 0;
}
