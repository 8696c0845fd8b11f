/* `corral simulate`: run the scheduler alone on a config and a status file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "ipc.h"
#include "scheduler.h"
#include "status.h"
#include "util.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: corral simulate --config C [--state S] [--json] [--scores] [--dot F]\n"
            "                       [--save-state OUT]\n"
            "       corral simulate --live [--config C] [--json] [--scores] [--dot F]\n"
            "                       [--save-state OUT]\n"
            "\n"
            "Run the scheduler alone, without a daemon: print the transition (fencing, stops,\n"
            "starts, moves, recoveries, promotions, demotions) and the resulting placement.\n"
            "With --live, on the running cluster's status as the local corrald sees it, and\n"
            "its config, or C as a what-if; nothing is changed.\n"
            "\n"
            "  --config C        the cluster configuration (INI)\n"
            "  --state S         the cluster status (INI); default: every node online, nothing\n"
            "                    running, quorate, the clock at the current time\n"
            "  --live            take the status (and config) from the running corrald\n"
            "  --json            print the transition as one JSON object\n"
            "  --scores          print each resource's score on each node and its parts\n"
            "  --dot F           write the transition graph to F (Graphviz)\n"
            "  --save-state OUT  write the status after the transition succeeds to OUT\n");
}

static int write_text(const char *path, const char *text)
{
    int rc = corral_write_file_atomic(path, text, strlen(text), 0644);
    if (rc < 0) corral_cli_error("cannot write %s: %s.", path, strerror(-rc));
    return rc;
}

static void print_removed(void *ud, const char *kind, const char *name,
                          const corral_namelist_t *active_on)
{
    FILE *out = ud;
    if (!strcmp(kind, "node")) {
        fprintf(out, "Node %s is not in this configuration: left out.\n", name);
        return;
    }
    if (!active_on || !active_on->n) return;
    fprintf(out, "Resource %s is not in this configuration: corrald would stop it on", name);
    for (size_t i = 0; i < active_on->n; i++) fprintf(out, " %s", active_on->names[i]);
    fputs(".\n", out);
}

/* Size of the input: the file at `path`, else the string `text`; 0 when neither. */
static size_t input_size(const char *path, const char *text)
{
    struct stat st;
    if (path) return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
    return text ? strlen(text) : 0;
}

int corral_cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"state", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"scores", no_argument, NULL, 'S'},
                                             {"dot", required_argument, NULL, 'd'},
                                             {"save-state", required_argument, NULL, 'o'},
                                             {"live", no_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0}};
    const char *config_path = NULL, *state_path = NULL, *dot_path = NULL, *save_path = NULL;
    bool json = false, scores = false, live = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+c:s:jSd:o:lh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config_path = optarg;
            break;
        case 's':
            state_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'S':
            scores = true;
            break;
        case 'd':
            dot_path = optarg;
            break;
        case 'o':
            save_path = optarg;
            break;
        case 'l':
            live = true;
            break;
        case 'h':
            usage(stdout);
            return CORRAL_EXIT_OK;
        default:
            usage(stderr);
            return CORRAL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        corral_cli_error("simulate takes no arguments besides its options ('%s').", argv[optind]);
        return CORRAL_EXIT_USAGE;
    }
    if (live && state_path) {
        corral_cli_error("--live takes the status from corrald: it does not go with --state.");
        return CORRAL_EXIT_USAGE;
    }
    if (!config_path && !live) {
        corral_cli_error("simulate needs --config FILE or --live (see corral simulate --help).");
        return CORRAL_EXIT_USAGE;
    }

    int ret = CORRAL_EXIT_USAGE;
    char *live_status = NULL, *live_config = NULL;
    corral_config_t *config = NULL;
    corral_status_t *status = NULL, *after = NULL;
    corral_transition_t *tr = NULL;
    corral_explanation_t *ex = NULL;
    corral_diags_t diags = {0};
    corral_buf_t out = {0};

    int rc;
    if (live) {
        /* One request, one snapshot: the status in `out`, the config it goes with in `err`. */
        const char *req[] = {"status-ini"};
        int drc = 0;
        rc = corral_ipc_call(1, req, NULL, 0, 10000, &drc, &live_status, &live_config);
        if (rc < 0) {
            corral_cli_ipc_error(rc);
            ret = CORRAL_EXIT_FAIL;
            goto done;
        }
        if (drc != 0) {
            fputs(live_config ? live_config : "", stderr);
            ret = drc;
            goto done;
        }
    }

    /* The model, status and plan take 15 to 50 bytes of memory per byte of input (more with
     * more nodes) and live to the end: size the heap for them up front. Only what is touched
     * becomes memory, so the hint errs high. A no-op for small clusters. */
    corral_heap_expect(
        64 * (input_size(config_path, live_config) + input_size(state_path, live_status)));

    /* An agent not installed here is only a warning: simulate plans, it runs nothing. */
    corral_config_opts_t opts = {
        .check_agents = true, .missing_agent_is_warning = true, .no_digest = true};
    if (config_path)
        rc = corral_config_load(config_path, &opts, &config, &diags);
    else
        rc = corral_config_load_string("corrald's config", live_config, &opts, &config, &diags);
    if (rc < 0) {
        corral_diags_print(&diags, stderr);
        goto done;
    }
    if (state_path || live) {
        if (live)
            rc = corral_status_load_string("corrald's status", live_status, &status, &diags);
        else
            rc = corral_status_load(state_path, &status, &diags);
        if (rc < 0) {
            corral_diags_print(&diags, stderr);
            goto done;
        }
        /* A what-if config may drop nodes or resources the cluster has: corrald stops a
         * removed resource outside the scheduler, so say so and plan without it. */
        if (live && config_path)
            corral_status_forget_unknown(status, config, print_removed, json ? stderr : stdout);
        if (corral_status_check(status, config, &diags) > 0) {
            corral_diags_print(&diags, stderr);
            goto done;
        }
        /* The scheduler has no clock of its own: a status without `now` means now. */
        if (!status->now_set) {
            status->now = (int64_t)(corral_wall_ms() / 1000);
            status->now_set = true;
        }
    } else {
        status = corral_status_new_fresh(config, (int64_t)(corral_wall_ms() / 1000));
    }
    corral_diags_print(&diags, stderr); /* warnings */

    rc = corral_schedule(config, status, &tr, scores ? &ex : NULL);
    if (rc < 0) {
        corral_cli_error("the scheduler failed: %s.", strerror(-rc));
        ret = CORRAL_EXIT_FAIL;
        goto done;
    }
    if (json)
        corral_transition_format_json(tr, &out);
    else
        corral_transition_format_text(tr, &out);
    if (scores) {
        /* Scores first, as crm_simulate -s does; with --json they go to stderr. */
        corral_buf_t sc = {0};
        if (!json) corral_buf_append(&sc, "Allocation scores:\n");
        corral_explanation_format(ex, NULL, NULL, &sc);
        if (!json) corral_buf_append(&sc, "\n");
        fputs(sc.s ? sc.s : "", json ? stderr : stdout);
        corral_buf_free(&sc);
    }
    fputs(out.s ? out.s : "", stdout);
    ret = CORRAL_EXIT_OK;
    if (dot_path) {
        corral_buf_t dot = {0};
        corral_transition_format_dot(tr, &dot);
        if (write_text(dot_path, dot.s ? dot.s : "") < 0) ret = CORRAL_EXIT_FAIL;
        corral_buf_free(&dot);
    }
    if (save_path) {
        after = corral_transition_apply(tr, status);
        rc = corral_status_write(save_path, after);
        if (rc < 0) {
            corral_cli_error("cannot write %s: %s.", save_path, strerror(-rc));
            ret = CORRAL_EXIT_FAIL;
        }
    }

done:
    free(live_status);
    free(live_config);
    corral_buf_free(&out);
    corral_diags_clear(&diags);
    corral_explanation_free(ex);
    corral_transition_free(tr);
    corral_status_free(after);
    corral_status_free(status);
    corral_config_free(config);
    return ret;
}
