/* `corral config verify FILE`: check a configuration file. The daemon's
 * verbs (push, show, diff, history, rollback) live in cmd_daemon.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: corral config verify FILE\n"
                 "\n"
                 "  verify FILE   check FILE as the cluster would load it: every section, key,\n"
                 "                reference and agent. Prints a one-line summary and exits 0;\n"
                 "                or prints every problem as FILE:LINE: message and exits 2.\n"
                 "                Warnings go to stderr and do not fail the check.\n"
                 "       corral config push [FILE]     verify, raise the epoch, replicate, apply\n"
                 "       corral config show [EPOCH]    print the active (or a kept) config\n"
                 "       corral config diff FILE       the text difference and what a push would\n"
                 "                                     start, stop or restart\n"
                 "       corral config history         the kept versions\n"
                 "       corral config rollback EPOCH  push a kept version again\n");
}

static int verify(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return CORRAL_EXIT_OK;
        }
        usage(stderr);
        return CORRAL_EXIT_USAGE;
    }
    if (argc - optind != 1) {
        corral_cli_error("config verify takes one FILE (see corral config --help).");
        return CORRAL_EXIT_USAGE;
    }
    const char *file = argv[optind];
    /* Show why a plugin was refused (permissions, ABI) next to "agent not found". */
    corral_log_init("corral", CORRAL_LOG_STDERR, LOG_WARNING, NULL);
    corral_config_opts_t opts = {.check_agents = true};
    corral_config_t *c = NULL;
    corral_diags_t diags = {0};
    int rc = corral_config_load(file, &opts, &c, &diags);
    corral_diags_print(&diags, stderr);
    corral_diags_clear(&diags);
    if (rc < 0) return CORRAL_EXIT_USAGE;
    size_t constraints = c->n_locations + c->n_colocations + c->n_orders;
    /* The contract's fixed form (SPEC 7): always "N nodes, N resources, ...". */
    printf("%zu nodes, %zu resources, %zu groups, %zu clones, %zu constraints, %zu fence devices\n",
           c->n_nodes, c->n_resources, c->n_groups, c->n_clones, constraints, c->n_fence_devices);
    corral_config_free(c);
    return CORRAL_EXIT_OK;
}

int corral_cmd_config(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CORRAL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CORRAL_EXIT_OK;
    }
    if (!strcmp(argv[1], "verify")) return verify(argc - 1, argv + 1);
    if (!strcmp(argv[1], "push") || !strcmp(argv[1], "show") || !strcmp(argv[1], "diff") ||
        !strcmp(argv[1], "history") || !strcmp(argv[1], "rollback"))
        return corral_cli_config_daemon(argc, argv);
    corral_cli_error("unknown config command '%s' (see corral config --help).", argv[1]);
    return CORRAL_EXIT_USAGE;
}
