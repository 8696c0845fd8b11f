/* `corral agent list|meta|run`: agents on this machine, run through the daemon's runner. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "registry.h"
#include "util.h"

static void usage_main(FILE *out)
{
    fprintf(out, "Usage: corral agent list\n"
                 "       corral agent meta [--fence] AGENT\n"
                 "       corral agent run [--fence] [--timeout T] [--id ID] AGENT ACTION "
                 "[key=value...]\n\n"
                 "List the agents found on the plugin, Lua, OCF and fence-agents paths, show an\n"
                 "agent's parameters, or run one action locally as the daemon would.\n"
                 "`corral agent SUBCOMMAND --help` describes each one.\n");
}

static void usage_list(FILE *out)
{
    fprintf(out, "Usage: corral agent list\n\n"
                 "Print every agent found on the plugin, Lua, OCF and fence-agents paths, one per\n"
                 "line: its name as the config writes it, then `resource` or `fence`.\n");
}

static void usage_meta(FILE *out)
{
    fprintf(out, "Usage: corral agent meta [--fence] AGENT\n\n"
                 "Describe AGENT and its parameters (type, required, default, description).\n\n"
                 "  --fence    the fence agent of that name (default: the resource agent)\n");
}

static void usage_run(FILE *out)
{
    fprintf(out,
            "Usage: corral agent run [OPTIONS] AGENT ACTION [key=value...]\n\n"
            "Run ACTION of AGENT once, in a child process under a timeout, as the daemon\n"
            "does; print the result in words and exit with its OCF code (a timeout exits 1).\n\n"
            "  --fence          the fence agent of that name (default: the resource agent)\n"
            "  --timeout T      the action's timeout (500ms, 10s, 5min; default 20s)\n"
            "  --id ID          the resource or device id (default: the agent's type)\n"
            "  --node NAME      the local node name (default: uname -n)\n"
            "  --target NODE    fence actions: the node to act on\n"
            "  --plug PLUG      fence actions: the target as the device calls it\n"
            "  --interval T     the recurring interval to report to the agent (default 0)\n"
            "  -v, --verbose    show the agent's informational log lines\n");
}

static int open_registry(corral_registry_t **reg_out)
{
    int rc = corral_registry_new(NULL, reg_out);
    if (rc < 0) corral_cli_error("cannot set up the agent registry: %s.", strerror(-rc));
    return rc;
}

struct listing {
    char **names;
    size_t n, cap;
};

static void list_found(void *ud, const char *agent, corral_agent_kind_t kind)
{
    struct listing *l = ud;
    char *line =
        corral_xasprintf("%s\t%s", agent, kind == CORRAL_AGENT_FENCE ? "fence" : "resource");
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], line)) {
            free(line);
            return;
        }
    CORRAL_PUSH(l->names, l->n, l->cap, line);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_list(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage_list(stdout);
        return CORRAL_EXIT_OK;
    }
    if (argc > 1) {
        corral_cli_error("agent list takes no arguments (see corral agent list --help).");
        return CORRAL_EXIT_USAGE;
    }
    corral_registry_t *reg = NULL;
    if (open_registry(&reg) < 0) return CORRAL_EXIT_FAIL;
    struct listing l = {0};
    int rc = corral_registry_list(reg, list_found, &l);
    if (rc < 0) corral_cli_error("cannot list agents: %s.", strerror(-rc));
    if (l.n) qsort(l.names, l.n, sizeof(*l.names), cmp_str);
    for (size_t i = 0; i < l.n; i++) {
        puts(l.names[i]);
        free(l.names[i]);
    }
    free(l.names);
    corral_registry_free(reg);
    return rc < 0 ? CORRAL_EXIT_FAIL : CORRAL_EXIT_OK;
}

static const char *type_word(corral_param_type_t t)
{
    switch (t) {
    case CORRAL_PARAM_INTEGER:
        return "integer";
    case CORRAL_PARAM_BOOLEAN:
        return "boolean";
    case CORRAL_PARAM_DURATION:
        return "duration";
    default:
        return "string";
    }
}

static void print_actions(unsigned actions)
{
    fputs("actions:", stdout);
    for (unsigned bit = 1; bit && corral_action_name(bit); bit <<= 1)
        if (actions & bit) printf(" %s", corral_action_name(bit));
    puts(" meta-data");
}

/* Report a describe failure; returns the exit code. */
static int describe_failed(const char *agent, corral_agent_kind_t kind, int rc, char *err)
{
    const char *kw = kind == CORRAL_AGENT_FENCE ? "fence" : "resource";
    if (rc == -ENOENT) {
        corral_cli_error(
            "no %s agent '%s' is installed on the agent paths (see corral agent list).", kw, agent);
        free(err);
        return CORRAL_EXIT_USAGE;
    }
    corral_cli_error("%s agent '%s' cannot be used: %s.", kw, agent, err ? err : strerror(-rc));
    free(err);
    return CORRAL_EXIT_FAIL;
}

static int cmd_meta(int argc, char **argv)
{
    static const struct option opts[] = {
        {"fence", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    corral_agent_kind_t kind = CORRAL_AGENT_RESOURCE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            kind = CORRAL_AGENT_FENCE;
            break;
        case 'h':
            usage_meta(stdout);
            return CORRAL_EXIT_OK;
        default:
            usage_meta(stderr);
            return CORRAL_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        corral_cli_error("agent meta takes exactly one AGENT (see corral agent meta --help).");
        return CORRAL_EXIT_USAGE;
    }
    const char *agent = argv[optind];
    corral_registry_t *reg = NULL;
    if (open_registry(&reg) < 0) return CORRAL_EXIT_FAIL;
    const corral_agent_info_t *info = NULL;
    char *err = NULL;
    int rc = corral_registry_describe(reg, agent, kind, &info, &err);
    if (rc < 0) {
        int ex = describe_failed(agent, kind, rc, err);
        corral_registry_free(reg);
        return ex;
    }
    printf("%s (%s agent)", info->name, kind == CORRAL_AGENT_FENCE ? "fence" : "resource");
    if (info->version && info->version[0]) printf(", version %s", info->version);
    putchar('\n');
    if (info->description && info->description[0]) printf("%s\n", info->description);
    if (info->source) printf("source: %s\n", info->source);
    print_actions(info->actions);
    size_t n = 0;
    while (info->params && info->params[n].name) n++;
    if (!n) {
        puts("\nNo parameters.");
    } else {
        puts("\nParameters:");
        for (size_t i = 0; i < n; i++) {
            const corral_param_spec_t *p = &info->params[i];
            printf("  %s (%s, %s", p->name, type_word(p->type),
                   p->required ? "required" : "optional");
            if (p->default_value) printf(", default \"%s\"", p->default_value);
            if (p->unique) fputs(", unique", stdout);
            if (p->reloadable) fputs(", reloadable", stdout);
            puts(")");
            if (p->description && p->description[0]) printf("      %s\n", p->description);
        }
    }
    corral_registry_free(reg);
    return CORRAL_EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
    enum { OPT_NODE = 256, OPT_TARGET, OPT_PLUG, OPT_INTERVAL };
    static const struct option opts[] = {
        {"fence", no_argument, NULL, 'f'},
        {"timeout", required_argument, NULL, 't'},
        {"id", required_argument, NULL, 'i'},
        {"node", required_argument, NULL, OPT_NODE},
        {"target", required_argument, NULL, OPT_TARGET},
        {"plug", required_argument, NULL, OPT_PLUG},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    corral_action_req_t req = {.kind = CORRAL_AGENT_RESOURCE};
    uint32_t timeout_ms = 20000;
    bool verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ft:i:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            req.kind = CORRAL_AGENT_FENCE;
            break;
        case 't':
            if (corral_parse_duration_ms(optarg, &timeout_ms) < 0 || timeout_ms == 0) {
                corral_cli_error(
                    "--timeout '%s' is not a positive duration (e.g. 500ms, 10s, 5min).", optarg);
                return CORRAL_EXIT_USAGE;
            }
            break;
        case OPT_INTERVAL:
            if (corral_parse_duration_ms(optarg, &req.interval_ms) < 0) {
                corral_cli_error("--interval '%s' is not a duration (e.g. 10s).", optarg);
                return CORRAL_EXIT_USAGE;
            }
            break;
        case 'i':
            req.instance = optarg;
            break;
        case OPT_NODE:
            req.node = optarg;
            break;
        case OPT_TARGET:
            req.target = optarg;
            break;
        case OPT_PLUG:
            req.plug = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage_run(stdout);
            return CORRAL_EXIT_OK;
        default:
            usage_run(stderr);
            return CORRAL_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        corral_cli_error("agent run needs an AGENT and an ACTION (see corral agent run --help).");
        return CORRAL_EXIT_USAGE;
    }
    req.agent = argv[optind];
    req.action = argv[optind + 1];
    req.timeout_ms = timeout_ms;
    size_t n = (size_t)(argc - optind - 2);
    corral_kv_t *items = corral_xcalloc(n ? n : 1, sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        char *arg = argv[optind + 2 + i];
        char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            corral_cli_error("'%s' is not a key=value parameter.", arg);
            free(items);
            return CORRAL_EXIT_USAGE;
        }
        *eq = '\0';
        items[i].key = arg;
        items[i].value = eq + 1;
    }
    corral_kvlist_t params = {items, n};
    req.params = &params;
    if (verbose) corral_log_init("corral", CORRAL_LOG_STDERR, LOG_INFO, NULL);

    int ex = CORRAL_EXIT_FAIL;
    corral_registry_t *reg = NULL;
    corral_job_t *job = NULL;
    char *err = NULL;
    if (open_registry(&reg) < 0) goto done;
    int rc = corral_action_start(reg, &req, &job, &err);
    if (rc < 0) {
        ex = describe_failed(req.agent, req.kind, rc, err);
        err = NULL;
        goto done;
    }
    corral_job_wait(job);
    const corral_job_result_t *r = corral_job_result(job);
    if (r->out && r->out[0]) fputs(r->out, stdout);
    if (r->err && r->err[0]) fputs(r->err, stderr);
    if (r->status == CORRAL_JOB_TIMED_OUT) {
        printf("%s %s: timed out after %s\n", req.agent, req.action,
               r->exit_reason ? r->exit_reason + strlen("timed out after ") : "?");
        ex = CORRAL_EXIT_FAIL;
    } else {
        printf("%s %s: %s (rc=%d)", req.agent, req.action, corral_ocf_rc_str(r->ocf_rc), r->ocf_rc);
        if (r->exit_reason && r->exit_reason[0]) printf(": %s", r->exit_reason);
        putchar('\n');
        ex = r->ocf_rc;
    }
    for (size_t i = 0; i < r->n_lines; i++) puts(r->lines[i]);
    for (size_t i = 0; i < r->n_attrs; i++)
        printf("attribute %s %s%s\n", r->attrs[i].name, r->attrs[i].value ? "= " : "deleted",
               r->attrs[i].value ? r->attrs[i].value : "");

done:
    free(err);
    corral_job_free(job);
    corral_registry_free(reg);
    free(items);
    return ex;
}

int corral_cmd_agent(int argc, char **argv)
{
    corral_log_init("corral", CORRAL_LOG_STDERR, LOG_NOTICE, NULL);
    int ex;
    if (argc < 2) {
        usage_main(stderr);
        ex = CORRAL_EXIT_USAGE;
    } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage_main(stdout);
        ex = CORRAL_EXIT_OK;
    } else if (!strcmp(argv[1], "list")) {
        ex = cmd_list(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "meta")) {
        ex = cmd_meta(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "run")) {
        ex = cmd_run(argc - 1, argv + 1);
    } else {
        corral_cli_error("unknown agent subcommand '%s' (see corral agent --help).", argv[1]);
        ex = CORRAL_EXIT_USAGE;
    }
    corral_log_fini();
    return ex;
}
