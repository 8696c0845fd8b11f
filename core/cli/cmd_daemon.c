/* The `corral` commands that talk to the local corrald over IPC: status,
 * resource, node, wait, and config push/show/diff/history/rollback. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "ipc.h"
#include "util.h"

/* Send argv to corrald, print its answer, return its exit code. */
void corral_cli_ipc_error(int r)
{
    if (r == -ECONNREFUSED || r == -ENOENT || r == -ENOTCONN)
        corral_cli_error("cannot reach corrald (IPC service '%s'): is it running?",
                         corral_ipc_name());
    else if (r == -ETIMEDOUT)
        corral_cli_error("corrald did not answer in time.");
    else
        corral_cli_error("talking to corrald failed: %s.", strerror(-r));
}

int corral_cli_call(int argc, const char *const argv[], const char *body, int timeout_ms,
                    char **out_keep)
{
    int rc = 0;
    char *out = NULL, *err = NULL;
    int r = corral_ipc_call(argc, argv, body, body ? strlen(body) : 0, timeout_ms, &rc, &out, &err);
    if (r < 0) {
        corral_cli_ipc_error(r);
        return CORRAL_EXIT_FAIL;
    }
    if (out_keep)
        *out_keep = out;
    else
        fputs(out, stdout);
    fputs(err, stderr);
    if (!out_keep) free(out);
    free(err);
    return rc;
}

int corral_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"watch", no_argument, NULL, 'w'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "text";
    bool watch = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jwo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            format = "json";
            break;
        case 'w':
            watch = true;
            break;
        case 'o':
            if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "html")) {
                corral_cli_error("--output takes text, json or html, not '%s'.", optarg);
                return CORRAL_EXIT_USAGE;
            }
            format = optarg;
            break;
        case 'h':
            printf("Usage: corral status [--json] [--watch] [--output text|json|html]\n\n"
                   "The live cluster: nodes, quorum, DC, resources and where they run,\n"
                   "failures, fencing history, config epoch, pending actions.\n"
                   "--watch redraws every second until interrupted.\n");
            return CORRAL_EXIT_OK;
        default:
            return CORRAL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        corral_cli_error("status takes no arguments.");
        return CORRAL_EXIT_USAGE;
    }
    bool color = !strcmp(format, "text") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    const char *args[] = {"status", format, color ? "color" : "plain"};
    if (!watch) return corral_cli_call(3, args, NULL, 10000, NULL);
    for (;;) {
        char *out = NULL;
        int rc = corral_cli_call(3, args, NULL, 10000, &out);
        if (rc != 0) return rc;
        if (isatty(STDOUT_FILENO)) fputs("\033[H\033[2J", stdout);
        time_t now = time(NULL);
        char when[64];
        strftime(when, sizeof(when), "%F %T", localtime(&now));
        printf("%s   (every 1s, Ctrl-C to stop)\n\n%s", when, out);
        fflush(stdout);
        free(out);
        sleep(1);
    }
}

int corral_cmd_resource(int argc, char **argv)
{
    static const char *verbs[] = {"start", "stop",    "restart", "move", "ban",
                                  "clear", "cleanup", "why",     NULL};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fprintf(o, "Usage: corral resource start|stop|restart|move|ban|clear|cleanup|why RESOURCE "
                   "[NODE]\n\n"
                   "  start, stop   set the resource's target-role (a config push)\n"
                   "  restart       stop it where it runs, then let it start again\n"
                   "  move R [N]    prefer node N (a cli-prefer- location), or leave the\n"
                   "                current node (a cli-ban- location) when N is not given\n"
                   "  ban R [N]     keep it off node N (default: where it runs now)\n"
                   "  clear R       remove the move and ban constraints of R\n"
                   "  cleanup R [N] forget its failures (on N) and probe it again\n"
                   "  why R [N]     each node's score for R and what gave it, with FILE:LINE\n");
        return argc < 2 ? CORRAL_EXIT_USAGE : CORRAL_EXIT_OK;
    }
    bool known = false;
    for (const char **v = verbs; *v; v++) known |= !strcmp(*v, argv[1]);
    if (!known) {
        corral_cli_error("unknown resource command '%s' (see corral resource --help).", argv[1]);
        return CORRAL_EXIT_USAGE;
    }
    if (argc < 3 || argc > 4) {
        corral_cli_error("resource %s needs a resource and at most one node.", argv[1]);
        return CORRAL_EXIT_USAGE;
    }
    const char *args[] = {"resource", argv[1], argv[2], argc > 3 ? argv[3] : NULL};
    return corral_cli_call(argc, args, NULL, 30000, NULL);
}

int corral_cmd_node(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fprintf(o, "Usage: corral node standby|online|fence|confirm-down NODE [--force]\n\n"
                   "  standby NODE       move every resource off NODE and keep them off\n"
                   "  online NODE        let NODE run resources again\n"
                   "  fence NODE         fence NODE now with its devices (asks first on a\n"
                   "                     terminal unless --force)\n"
                   "  confirm-down NODE  swear NODE is off when no device can fence it: its\n"
                   "                     resources may then start elsewhere (recorded in the\n"
                   "                     fencing history)\n");
        return argc < 2 ? CORRAL_EXIT_USAGE : CORRAL_EXIT_OK;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "standby") && strcmp(verb, "online") && strcmp(verb, "fence") &&
        strcmp(verb, "confirm-down")) {
        corral_cli_error("unknown node command '%s' (see corral node --help).", verb);
        return CORRAL_EXIT_USAGE;
    }
    bool force = false;
    const char *node = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = true;
        else if (!node)
            node = argv[i];
        else
            node = "";
    }
    if (!node || !*node) {
        corral_cli_error("node %s needs exactly one node name.", verb);
        return CORRAL_EXIT_USAGE;
    }
    if ((!strcmp(verb, "fence") || !strcmp(verb, "confirm-down")) && !force &&
        isatty(STDIN_FILENO)) {
        fprintf(stderr, "%s node %s? This %s. Type yes to go on: ", verb, node,
                !strcmp(verb, "fence") ? "cuts its power or reboots it"
                                       : "lets its resources start elsewhere at once");
        char answer[16] = "";
        if (!fgets(answer, sizeof(answer), stdin) || strncmp(answer, "yes", 3)) {
            corral_cli_error("not confirmed: nothing done.");
            return CORRAL_EXIT_FAIL;
        }
    }
    const char *args[] = {"node", verb, node};
    return corral_cli_call(3, args, NULL, 30000, NULL);
}

int corral_cmd_wait(int argc, char **argv)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint32_t timeout_ms = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (corral_parse_duration_ms(optarg, &timeout_ms) < 0) {
                corral_cli_error("--timeout takes a duration (e.g. 30s, 2min), not '%s'.", optarg);
                return CORRAL_EXIT_USAGE;
            }
            break;
        case 'h':
            printf("Usage: corral wait [--timeout T]\n\nBlock until the cluster has no pending "
                   "actions, showing progress.\n");
            return CORRAL_EXIT_OK;
        default:
            return CORRAL_EXIT_USAGE;
        }
    }
    uint64_t deadline = timeout_ms ? corral_mono_ms() + timeout_ms : 0;
    bool tty = isatty(STDERR_FILENO);
    for (;;) {
        const char *args[] = {"pending"};
        char *out = NULL;
        int rc = corral_cli_call(1, args, NULL, 10000, &out);
        if (rc != 0) return CORRAL_EXIT_FAIL;
        bool idle = corral_str_has_prefix(out, "idle");
        if (idle) {
            if (tty) fputs("\r\033[K", stderr);
            free(out);
            printf("the cluster is idle\n");
            return CORRAL_EXIT_OK;
        }
        /* Progress: the first line's counts and the first action in flight. */
        char *nl = strchr(out, '\n');
        const char *first = nl && nl[1] ? nl + 1 : "";
        char *end = strchr(first, '\n');
        if (end) *end = '\0';
        unsigned queued = 0, in_flight = 0;
        sscanf(out, "%*s %u %u", &queued, &in_flight);
        if (tty)
            fprintf(stderr, "\r\033[Kwaiting: %u local ops, %u transition actions in flight %s%s",
                    queued, in_flight, *first ? "— " : "", first);
        else
            fprintf(stderr, "waiting: %u local ops, %u transition actions in flight %s%s\n", queued,
                    in_flight, *first ? "- " : "", first);
        free(out);
        if (deadline && corral_mono_ms() >= deadline) {
            if (tty) fputc('\n', stderr);
            corral_cli_error("timed out with actions still pending.");
            return CORRAL_EXIT_FAIL;
        }
        poll(NULL, 0, 200);
    }
}

/* `corral config push|show|diff|history|rollback`: the daemon's part of `config`. */
int corral_cli_config_daemon(int argc, char **argv)
{
    const char *verb = argv[1];
    if (!strcmp(verb, "push") || !strcmp(verb, "diff")) {
        const char *file = argc > 2 ? argv[2] : CORRAL_CONFIG_FILE;
        char *text = NULL;
        int r = corral_read_file(file, &text, NULL);
        if (r < 0) {
            corral_cli_error("cannot read %s: %s.", file, strerror(-r));
            return CORRAL_EXIT_USAGE;
        }
        const char *args[] = {"config", verb, file};
        int rc = corral_cli_call(3, args, text, 30000, NULL);
        free(text);
        return rc;
    }
    if (!strcmp(verb, "show") || !strcmp(verb, "history")) {
        const char *args[] = {"config", verb, argc > 2 ? argv[2] : NULL};
        return corral_cli_call(argc > 2 ? 3 : 2, args, NULL, 10000, NULL);
    }
    if (!strcmp(verb, "rollback")) {
        if (argc != 3) {
            corral_cli_error(
                "config rollback needs the epoch to restore (see corral config history).");
            return CORRAL_EXIT_USAGE;
        }
        const char *args[] = {"config", verb, argv[2]};
        return corral_cli_call(3, args, NULL, 30000, NULL);
    }
    corral_cli_error("unknown config command '%s'.", verb);
    return CORRAL_EXIT_USAGE;
}
