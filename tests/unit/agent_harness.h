/*
 * agent_harness.h: run one agent action through the real host path
 * (corral_registry_* + corral_action_start + the runner), as the executor,
 * the fencer and `corral agent run` do. Shared by the test_plugin_*.c tests;
 * everything is static inline so each test takes what it uses.
 */
#ifndef CORRAL_TEST_AGENT_HARNESS_H
#define CORRAL_TEST_AGENT_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "registry.h"
#include "runner.h"
#include "util.h"

typedef struct ah_result {
    int rc;            /* the OCF code */
    char reason[1024]; /* the exit reason, "" when none */
    char lines[4096];  /* op->output() lines, each ended by '\n' */
} ah_result_t;

/* A fresh state directory for one test (removed by the caller's rm -rf if wanted). */
static inline char *ah_tmpdir(const char *tag)
{
    char *dir = corral_xasprintf("/tmp/corral-test-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
    return dir;
}

static inline corral_registry_t *ah_registry(const char *state_dir)
{
    corral_registry_settings_t settings = {.state_dir = state_dir};
    corral_registry_t *reg = NULL;
    cr_assert_eq(corral_registry_new(&settings, &reg), 0, "corral_registry_new");
    return reg;
}

/*
 * Run agent/action with params given as "key=value" strings (NULL-ended
 * array, may be NULL). For fence ops `target` names the victim and `plug`
 * (NULL: the target) what the device calls it.
 */
static inline ah_result_t ah_run_plug(corral_registry_t *reg, corral_agent_kind_t kind,
                                      const char *agent, const char *instance, const char *action,
                                      const char *target, const char *plug, uint32_t timeout_ms,
                                      const char *const *kv, const char *const *meta)
{
    corral_kv_t items[32], metas[32];
    size_t n = 0, nm = 0;
    for (; kv && kv[n]; n++) {
        cr_assert_lt(n, 32);
        const char *eq = strchr(kv[n], '=');
        cr_assert_not_null(eq, "param %s has no '='", kv[n]);
        items[n].key = corral_xstrndup(kv[n], (size_t)(eq - kv[n]));
        items[n].value = corral_xstrdup(eq + 1);
        items[n].line = 0;
    }
    for (; meta && meta[nm]; nm++) {
        cr_assert_lt(nm, 32);
        const char *eq = strchr(meta[nm], '=');
        cr_assert_not_null(eq, "meta %s has no '='", meta[nm]);
        metas[nm].key = corral_xstrndup(meta[nm], (size_t)(eq - meta[nm]));
        metas[nm].value = corral_xstrdup(eq + 1);
        metas[nm].line = 0;
    }
    corral_kvlist_t params = {.items = items, .n = n};
    corral_kvlist_t metalist = {.items = metas, .n = nm};
    corral_action_req_t req = {
        .agent = agent,
        .kind = kind,
        .instance = instance,
        .node = "node1",
        .action = action,
        .timeout_ms = timeout_ms,
        .params = &params,
        .meta = &metalist,
        .target = target,
        .plug = plug,
    };
    corral_job_t *job = NULL;
    char *error = NULL;
    int rc = corral_action_start(reg, &req, &job, &error);
    cr_assert_eq(rc, 0, "%s %s: corral_action_start: %d (%s)", agent, action, rc,
                 error ? error : "-");
    corral_job_wait(job);
    const corral_job_result_t *res = corral_job_result(job);
    ah_result_t out;
    memset(&out, 0, sizeof(out));
    out.rc = res->ocf_rc;
    snprintf(out.reason, sizeof(out.reason), "%s", res->exit_reason ? res->exit_reason : "");
    size_t len = 0;
    for (size_t i = 0; i < res->n_lines && len < sizeof(out.lines); i++)
        len += (size_t)snprintf(out.lines + len, sizeof(out.lines) - len, "%s\n", res->lines[i]);
    corral_job_free(job);
    for (size_t i = 0; i < n; i++) {
        free(items[i].key);
        free(items[i].value);
    }
    for (size_t i = 0; i < nm; i++) {
        free(metas[i].key);
        free(metas[i].value);
    }
    return out;
}

/* The same without a host-mapped plug name. */
static inline ah_result_t ah_run_full(corral_registry_t *reg, corral_agent_kind_t kind,
                                      const char *agent, const char *instance, const char *action,
                                      const char *target, uint32_t timeout_ms,
                                      const char *const *kv, const char *const *meta)
{
    return ah_run_plug(reg, kind, agent, instance, action, target, NULL, timeout_ms, kv, meta);
}

/* A resource action, 20 s timeout. */
static inline ah_result_t ah_rsc(corral_registry_t *reg, const char *agent, const char *action,
                                 const char *const *kv)
{
    return ah_run_full(reg, CORRAL_AGENT_RESOURCE, agent, "rsc1", action, NULL, 20000, kv, NULL);
}

/* A fence action on target, 20 s timeout. */
static inline ah_result_t ah_fence(corral_registry_t *reg, const char *agent, const char *action,
                                   const char *target, const char *const *kv)
{
    return ah_run_full(reg, CORRAL_AGENT_FENCE, agent, "fence1", action, target, 20000, kv, NULL);
}

/* Run a shell command line for test set-up; its exit status. */
static inline int ah_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int ah_sh(const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

/* Read a whole file into a malloc'd string ("" when missing). */
static inline char *ah_slurp(const char *path)
{
    char *data = NULL;
    if (corral_read_file(path, &data, NULL) < 0) return corral_xstrdup("");
    return data;
}

#endif
