/* corrald: the daemon. Arguments, logging and signals; the controller does the rest. */
#include <errno.h>
#include <getopt.h>
#include <qb/qbloop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "controller.h"
#include "log.h"
#include "util.h"

struct daemon {
    qb_loop_t *loop;
    corral_controller_t *ctl;
    int signals;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: corrald [--config FILE] [--state-dir DIR] [--standalone [--node NAME]]\n"
            "               [--foreground] [--log-file FILE] [--verbose]\n\n"
            "The corral cluster daemon.\n\n"
            "  --config FILE     seed an empty state directory with FILE (default %s);\n"
            "                    SIGHUP pushes FILE as `corral config push` would\n"
            "  --state-dir DIR   where configs and op history live (default %s)\n"
            "  --standalone      a cluster of one without Corosync, always quorate\n"
            "  --node NAME       the standalone node's name (default: uname -n)\n"
            "  --foreground      stay in the foreground and log to stderr\n"
            "  --log-file FILE   log to FILE (default: syslog when in the background)\n"
            "  --verbose         log info messages too\n",
            CORRAL_CONFIG_FILE, CORRAL_STATE_DIR);
}

static void stopped(void *ud)
{
    struct daemon *d = ud;
    qb_loop_stop(d->loop);
}

static int32_t on_term(int32_t sig, void *data)
{
    struct daemon *d = data;
    corral_notice("corrald: received signal %d: stopping", sig);
    corral_controller_shutdown(d->ctl, stopped, d);
    return 0;
}

static int32_t on_hup(int32_t sig, void *data)
{
    (void)sig;
    struct daemon *d = data;
    corral_notice("corrald: SIGHUP: pushing the config file");
    corral_controller_reload(d->ctl);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"state-dir", required_argument, NULL, 's'},
        {"standalone", no_argument, NULL, 'S'},
        {"node", required_argument, NULL, 'n'},
        {"foreground", no_argument, NULL, 'f'},
        {"log-file", required_argument, NULL, 'l'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *state_dir = CORRAL_STATE_DIR, *node = NULL, *log_file = NULL;
    bool standalone = false, foreground = false, verbose = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:s:Sn:fl:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'S':
            standalone = true;
            break;
        case 'n':
            node = optarg;
            break;
        case 'f':
            foreground = true;
            break;
        case 'l':
            log_file = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "corrald: unexpected argument '%s'.\n", argv[optind]);
        return 2;
    }
    if (node && !standalone) {
        fprintf(stderr, "corrald: --node applies to --standalone only (a cluster node's name "
                        "comes from corosync).\n");
        return 2;
    }
    if (!config && access(CORRAL_CONFIG_FILE, R_OK) == 0) config = CORRAL_CONFIG_FILE;
    struct utsname un;
    if (standalone && !node) node = uname(&un) == 0 ? un.nodename : "localhost";

    corral_log_target_t target = log_file     ? CORRAL_LOG_FILE
                                 : foreground ? CORRAL_LOG_STDERR
                                              : CORRAL_LOG_SYSLOG;
    corral_log_init("corrald", target, verbose ? LOG_INFO : LOG_NOTICE, log_file);
    if (!foreground && daemon(0, 0) < 0) {
        fprintf(stderr, "corrald: cannot go to the background: %s.\n", strerror(errno));
        return 1;
    }
    /* Agents' children must not inherit a closed stdin/stdout surprise; SIGPIPE is ours to ignore.
     */
    signal(SIGPIPE, SIG_IGN);

    struct daemon d = {0};
    d.loop = qb_loop_create();
    corral_controller_opts_t o = {
        .node_name = node, .state_dir = state_dir, .config_file = config, .standalone = standalone};
    char *err = NULL;
    int rc = corral_controller_new(d.loop, &o, &d.ctl, &err);
    if (rc < 0) {
        corral_crit("corrald: cannot start: %s", err ? err : strerror(-rc));
        if (!foreground || log_file)
            fprintf(stderr, "corrald: cannot start: %s\n", err ? err : strerror(-rc));
        free(err);
        qb_loop_destroy(d.loop);
        corral_log_fini();
        return 1;
    }
    qb_loop_signal_handle h;
    qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGTERM, &d, on_term, &h);
    qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGINT, &d, on_term, &h);
    qb_loop_signal_add(d.loop, QB_LOOP_HIGH, SIGHUP, &d, on_hup, &h);
    qb_loop_run(d.loop);
    corral_controller_free(d.ctl);
    qb_loop_destroy(d.loop);
    corral_notice("corrald: stopped");
    corral_log_fini();
    return 0;
}
