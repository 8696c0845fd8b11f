/* corral: the command-line tool. Dispatches to one function per subcommand. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("corral %s\n", CORRAL_VERSION);
    return CORRAL_EXIT_OK;
}

static const struct {
    const char *name;
    corral_cmd_fn fn;
    const char *summary;
} commands[] = {
    /* One line per subcommand, in the order --help lists them. */
    {"agent", corral_cmd_agent, "list agents, show their parameters, run one action"},
    {"config", corral_cmd_config, "verify, push, show, diff, history, rollback the configuration"},
    {"simulate", corral_cmd_simulate, "run the scheduler alone, print the transition"},
    {"status", corral_cmd_status, "the live cluster: nodes, resources, failures, fencing"},
    {"resource", corral_cmd_resource, "start, stop, move, ban, clear, cleanup a resource; why"},
    {"node", corral_cmd_node, "put a node in standby or back online"},
    {"wait", corral_cmd_wait, "block until the cluster has no pending actions"},
    {"version", cmd_version, "print the version"},
};

void corral_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("corral: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: corral COMMAND [ARGS...]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`corral COMMAND --help` describes each one.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CORRAL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CORRAL_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("corral %s\n", CORRAL_VERSION);
        return CORRAL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    corral_cli_error("unknown command '%s' (see corral --help).", argv[1]);
    return CORRAL_EXIT_USAGE;
}
