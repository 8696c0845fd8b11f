/* The op history of one node; see ophistory.h and docs/executor.md. */
#include "ophistory.h"

#include "log.h"
#include "util.h"

#include <corral/plugin.h>

#include <errno.h>
#include <inttypes.h>
#include <qb/qbmap.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_MAGIC   "corral-ophistory"
#define FORMAT_VERSION 1
/* Exit reasons are one line shown in `corral status`: keep them short. */
#define REASON_MAX 512

typedef struct entry {
    corral_rsc_history_t pub; /* points into the fields below */
    char *id;
    char *agent;
    corral_op_record_t *ops; /* sorted by call_id */
    size_t n_ops;
    size_t cap_ops;
    corral_op_record_t failure;
    bool has_failure;
    bool unverified;
} entry_t;

struct corral_ophistory {
    char *node;
    uint64_t next_call;
    qb_map_t *rscs; /* id -> entry_t*, sorted (a skiplist) so the file is stable */
};

const char *corral_op_status_str(corral_op_status_t status)
{
    switch (status) {
    case CORRAL_OP_DONE:
        return "done";
    case CORRAL_OP_INVALID:
        return "invalid";
    case CORRAL_OP_CRASHED:
        return "crashed";
    case CORRAL_OP_TIMED_OUT:
        return "timed out";
    case CORRAL_OP_ERROR:
        return "error";
    case CORRAL_OP_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

/* The file's spelling of a status: one word. */
static const char *status_word(corral_op_status_t status)
{
    switch (status) {
    case CORRAL_OP_DONE:
        return "done";
    case CORRAL_OP_INVALID:
        return "invalid";
    case CORRAL_OP_CRASHED:
        return "crashed";
    case CORRAL_OP_TIMED_OUT:
        return "timeout";
    case CORRAL_OP_ERROR:
        return "error";
    case CORRAL_OP_CANCELLED:
        return "cancelled";
    }
    return "error";
}

static int status_from_word(const char *w, corral_op_status_t *out)
{
    static const corral_op_status_t all[] = {CORRAL_OP_DONE,    CORRAL_OP_INVALID,
                                             CORRAL_OP_CRASHED, CORRAL_OP_TIMED_OUT,
                                             CORRAL_OP_ERROR,   CORRAL_OP_CANCELLED};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(w, status_word(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -EINVAL;
}

/* One line, no control characters, bounded: the file is line-based. */
static char *clean_reason(const char *s)
{
    if (!s) return corral_xstrdup("");
    size_t n = strlen(s);
    if (n > REASON_MAX) n = REASON_MAX;
    char *r = corral_xstrndup(s, n);
    for (char *p = r; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    char *t = corral_trim(r);
    if (t != r) memmove(r, t, strlen(t) + 1);
    return r;
}

static void record_copy(corral_op_record_t *dst, const corral_op_record_t *src)
{
    *dst = *src;
    dst->action = corral_xstrdup(src->action);
    dst->exit_reason = clean_reason(src->exit_reason);
}

static void record_clear(corral_op_record_t *r)
{
    free(r->action);
    free(r->exit_reason);
    memset(r, 0, sizeof(*r));
}

static void entry_sync(entry_t *e)
{
    e->pub.id = e->id;
    e->pub.agent = e->agent ? e->agent : "";
    e->pub.ops = e->ops;
    e->pub.n_ops = e->n_ops;
    e->pub.last_failure = e->has_failure ? &e->failure : NULL;
    e->pub.unverified = e->unverified;
}

static void entry_free(entry_t *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n_ops; i++) record_clear(&e->ops[i]);
    free(e->ops);
    if (e->has_failure) record_clear(&e->failure);
    free(e->id);
    free(e->agent);
    free(e);
}

static entry_t *entry_get(const corral_ophistory_t *h, const char *rsc)
{
    return qb_map_get(h->rscs, rsc);
}

static entry_t *entry_get_or_add(corral_ophistory_t *h, const char *rsc)
{
    entry_t *e = entry_get(h, rsc);
    if (e) return e;
    e = corral_xcalloc(1, sizeof(*e));
    e->id = corral_xstrdup(rsc);
    entry_sync(e);
    qb_map_put(h->rscs, e->id, e);
    return e;
}

static void entry_remove(corral_ophistory_t *h, entry_t *e)
{
    qb_map_rm(h->rscs, e->id);
    entry_free(e);
}

static ssize_t entry_find(const entry_t *e, const char *action, uint32_t interval_ms)
{
    for (size_t i = 0; i < e->n_ops; i++)
        if (e->ops[i].interval_ms == interval_ms && strcmp(e->ops[i].action, action) == 0)
            return (ssize_t)i;
    return -1;
}

/* Insert keeping the call order (results from other nodes may arrive late). */
static void entry_insert(entry_t *e, const corral_op_record_t *rec)
{
    corral_grow((void **)&e->ops, &e->cap_ops, e->n_ops + 1, sizeof(*e->ops));
    size_t at = e->n_ops;
    while (at > 0 && e->ops[at - 1].call_id > rec->call_id) at--;
    memmove(&e->ops[at + 1], &e->ops[at], (e->n_ops - at) * sizeof(*e->ops));
    record_copy(&e->ops[at], rec);
    e->n_ops++;
}

static void entry_delete_at(entry_t *e, size_t i)
{
    record_clear(&e->ops[i]);
    memmove(&e->ops[i], &e->ops[i + 1], (e->n_ops - i - 1) * sizeof(*e->ops));
    e->n_ops--;
}

corral_ophistory_t *corral_ophistory_new(const char *node)
{
    corral_ophistory_t *h = corral_xcalloc(1, sizeof(*h));
    h->node = corral_xstrdup(node ? node : "");
    h->next_call = 1;
    h->rscs = qb_skiplist_create();
    if (!h->rscs) {
        corral_crit("op history: cannot create a map");
        abort();
    }
    return h;
}

void corral_ophistory_clear(corral_ophistory_t *h)
{
    qb_map_iter_t *it = qb_map_iter_create(h->rscs);
    entry_t **all = NULL;
    size_t n = 0, cap = 0;
    void *v = NULL;
    while (qb_map_iter_next(it, &v)) CORRAL_PUSH(all, n, cap, (entry_t *)v);
    qb_map_iter_free(it);
    for (size_t i = 0; i < n; i++) entry_remove(h, all[i]);
    free(all);
}

void corral_ophistory_free(corral_ophistory_t *h)
{
    if (!h) return;
    corral_ophistory_clear(h);
    qb_map_destroy(h->rscs);
    free(h->node);
    free(h);
}

const char *corral_ophistory_node(const corral_ophistory_t *h)
{
    return h->node;
}

uint64_t corral_ophistory_next_call(corral_ophistory_t *h)
{
    return h->next_call++;
}

static bool is_probe(const corral_op_record_t *r)
{
    return r->interval_ms == 0 && strcmp(r->action, "monitor") == 0;
}

bool corral_ophistory_record(corral_ophistory_t *h, const char *rsc, const char *agent,
                             const corral_op_record_t *rec)
{
    entry_t *e = entry_get_or_add(h, rsc);
    bool significant = true;
    corral_op_record_t r = *rec;

    if (rec->call_id >= h->next_call) h->next_call = rec->call_id + 1;
    if (agent && (!e->agent || strcmp(e->agent, agent) != 0)) {
        free(e->agent);
        e->agent = corral_xstrdup(agent);
    }

    r.rc_change_ms = rec->started_ms;
    ssize_t i = entry_find(e, rec->action, rec->interval_ms);
    if (i >= 0) {
        const corral_op_record_t *old = &e->ops[i];
        if (old->rc == rec->rc) r.rc_change_ms = old->rc_change_ms;
        /* A recurring monitor saying the same thing again changes only times. */
        char *reason = clean_reason(rec->exit_reason);
        significant = !(rec->interval_ms > 0 && old->rc == rec->rc && old->status == rec->status &&
                        old->failed == rec->failed && strcmp(old->exit_reason, reason) == 0);
        free(reason);
        entry_delete_at(e, (size_t)i);
    }
    entry_insert(e, &r);

    if (rec->failed) {
        if (e->has_failure) record_clear(&e->failure);
        record_copy(&e->failure, &r);
        e->has_failure = true;
        significant = true;
    }
    if (is_probe(rec) && e->unverified) {
        e->unverified = false;
        significant = true;
    }
    entry_sync(e);
    return significant;
}

bool corral_ophistory_forget_op(corral_ophistory_t *h, const char *rsc, const char *action,
                                uint32_t interval_ms)
{
    entry_t *e = entry_get(h, rsc);
    if (!e) return false;
    ssize_t i = entry_find(e, action, interval_ms);
    if (i < 0) return false;
    entry_delete_at(e, (size_t)i);
    entry_sync(e);
    return true;
}

bool corral_ophistory_forget(corral_ophistory_t *h, const char *rsc)
{
    entry_t *e = entry_get(h, rsc);
    if (!e) return false;
    entry_remove(h, e);
    return true;
}

void corral_ophistory_mark_unverified(corral_ophistory_t *h, const char *rsc)
{
    if (rsc) {
        entry_t *e = entry_get(h, rsc);
        if (e) {
            e->unverified = true;
            entry_sync(e);
        }
        return;
    }
    qb_map_iter_t *it = qb_map_iter_create(h->rscs);
    void *v = NULL;
    while (qb_map_iter_next(it, &v)) {
        entry_t *e = v;
        e->unverified = true;
        entry_sync(e);
    }
    qb_map_iter_free(it);
}

const corral_rsc_history_t *corral_ophistory_get(const corral_ophistory_t *h, const char *rsc)
{
    entry_t *e = entry_get(h, rsc);
    return e ? &e->pub : NULL;
}

size_t corral_ophistory_count(const corral_ophistory_t *h)
{
    return qb_map_count_get(h->rscs);
}

void corral_ophistory_foreach(const corral_ophistory_t *h,
                              void (*fn)(void *ud, const corral_rsc_history_t *rh), void *ud)
{
    qb_map_iter_t *it = qb_map_iter_create(h->rscs);
    void *v = NULL;
    while (qb_map_iter_next(it, &v)) fn(ud, &((entry_t *)v)->pub);
    qb_map_iter_free(it);
}

const corral_op_record_t *corral_rsc_history_find(const corral_rsc_history_t *rh,
                                                  const char *action, uint32_t interval_ms)
{
    for (size_t i = 0; i < rh->n_ops; i++)
        if (rh->ops[i].interval_ms == interval_ms && strcmp(rh->ops[i].action, action) == 0)
            return &rh->ops[i];
    return NULL;
}

/* A failed op leaves the resource in an unknown state: count it as active and failed. */
static void set_failed(corral_rsc_state_t *s)
{
    s->active = true;
    s->failed = true;
}

void corral_rsc_history_state(const corral_rsc_history_t *rh, corral_rsc_state_t *state_out)
{
    corral_rsc_state_t s = {0};
    for (size_t i = 0; rh && i < rh->n_ops; i++) {
        const corral_op_record_t *r = &rh->ops[i];
        const char *a = r->action;
        bool ok = !r->failed;
        s.known = true;
        if (strcmp(a, "start") == 0 || strcmp(a, "migrate_from") == 0) {
            s = (corral_rsc_state_t){.known = true, .active = true};
            if (!ok) set_failed(&s);
        } else if (strcmp(a, "stop") == 0) {
            s = (corral_rsc_state_t){.known = true};
            if (!ok) {
                set_failed(&s);
                s.stop_failed = true;
            }
        } else if (strcmp(a, "promote") == 0) {
            s = (corral_rsc_state_t){.known = true, .active = true, .promoted = true};
            if (!ok) set_failed(&s);
        } else if (strcmp(a, "demote") == 0) {
            s = (corral_rsc_state_t){.known = true, .active = true, .promoted = !ok};
            if (!ok) set_failed(&s);
        } else if (strcmp(a, "monitor") == 0) {
            bool probe = r->interval_ms == 0;
            bool stop_failed = s.stop_failed;
            s = (corral_rsc_state_t){.known = true};
            if (r->rc == CORRAL_OCF_NOT_RUNNING || (probe && r->rc == CORRAL_OCF_NOT_INSTALLED)) {
                /* A probe finding it stopped (or not even installed) is news,
                 * a recurring monitor finding it stopped is a failure. */
                if (!probe) set_failed(&s);
            } else if (r->rc == CORRAL_OCF_SUCCESS || r->rc == CORRAL_OCF_RUNNING_PROMOTED) {
                s.active = true;
                s.promoted = r->rc == CORRAL_OCF_RUNNING_PROMOTED;
                if (!ok) s.failed = true;
            } else {
                s.promoted = r->rc == CORRAL_OCF_FAILED_PROMOTED;
                set_failed(&s);
            }
            /* Only a successful stop clears a failed stop: the resource may still hold things. */
            if (stop_failed && s.active) s.stop_failed = true;
        } else if (strcmp(a, "reload") == 0) {
            if (!ok) set_failed(&s);
        }
        /* notify, migrate_to, validate, meta-data say nothing of where it runs. */
    }
    *state_out = s;
}

static void format_record(corral_buf_t *b, const char *kind, const char *rsc,
                          const corral_op_record_t *r)
{
    corral_buf_printf(b,
                      "%s %s %s interval=%" PRIu32 " rc=%d status=%s failed=%d call=%" PRIu64
                      " started=%" PRIu64 " duration=%" PRIu32 " rc-change=%" PRIu64 " reason=%s\n",
                      kind, rsc, r->action, r->interval_ms, r->rc, status_word(r->status),
                      r->failed ? 1 : 0, r->call_id, r->started_ms, r->duration_ms, r->rc_change_ms,
                      r->exit_reason);
}

char *corral_ophistory_format(const corral_ophistory_t *h)
{
    corral_buf_t b = {0};
    corral_buf_printf(&b, "%s %d\n", FORMAT_MAGIC, FORMAT_VERSION);
    corral_buf_append(&b, "# The op history of this node, written by corrald. Do not edit.\n");
    corral_buf_printf(&b, "node %s\n", h->node);
    corral_buf_printf(&b, "next-call %" PRIu64 "\n", h->next_call);
    qb_map_iter_t *it = qb_map_iter_create(h->rscs);
    void *v = NULL;
    while (qb_map_iter_next(it, &v)) {
        const entry_t *e = v;
        corral_buf_printf(&b, "resource %s agent=%s\n", e->id, e->agent ? e->agent : "");
        for (size_t i = 0; i < e->n_ops; i++) format_record(&b, "op", e->id, &e->ops[i]);
        if (e->has_failure) format_record(&b, "failure", e->id, &e->failure);
    }
    qb_map_iter_free(it);
    return corral_buf_take(&b);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s) return -EINVAL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || *s == '-') return -EINVAL;
    *out = v;
    return 0;
}

/* "key=value" -> value when the key matches. */
static const char *kv(const char *tok, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(tok, key, n) == 0 && tok[n] == '=') return tok + n + 1;
    return NULL;
}

/* `op RSC ACTION k=v ... reason=REST`: split at " reason=", the free text. */
static int parse_record(char *line, char **rsc_out, corral_op_record_t *r)
{
    char *reason = strstr(line, " reason=");
    if (!reason) return -EINVAL;
    *reason = '\0';
    reason += strlen(" reason=");
    size_t n = 0;
    char **w = corral_split_words(line, &n);
    int rc = -EINVAL;
    uint64_t v = 0;
    unsigned seen = 0;
    memset(r, 0, sizeof(*r));
    if (n != 11) goto done;
    for (size_t i = 3; i < n; i++) {
        const char *val;
        if ((val = kv(w[i], "interval"))) {
            if (parse_u64(val, &v) || v > UINT32_MAX) goto done;
            r->interval_ms = (uint32_t)v;
            seen |= 1;
        } else if ((val = kv(w[i], "rc"))) {
            if (parse_u64(val, &v) || v > 255) goto done;
            r->rc = (int)v;
            seen |= 2;
        } else if ((val = kv(w[i], "status"))) {
            if (status_from_word(val, &r->status)) goto done;
            seen |= 4;
        } else if ((val = kv(w[i], "failed"))) {
            if (strcmp(val, "0") && strcmp(val, "1")) goto done;
            r->failed = val[0] == '1';
            seen |= 8;
        } else if ((val = kv(w[i], "call"))) {
            if (parse_u64(val, &r->call_id)) goto done;
            seen |= 16;
        } else if ((val = kv(w[i], "started"))) {
            if (parse_u64(val, &r->started_ms)) goto done;
            seen |= 32;
        } else if ((val = kv(w[i], "duration"))) {
            if (parse_u64(val, &v) || v > UINT32_MAX) goto done;
            r->duration_ms = (uint32_t)v;
            seen |= 64;
        } else if ((val = kv(w[i], "rc-change"))) {
            if (parse_u64(val, &r->rc_change_ms)) goto done;
            seen |= 128;
        } else {
            goto done;
        }
    }
    if (seen != 255) goto done;
    r->action = corral_xstrdup(w[2]);
    r->exit_reason = clean_reason(reason);
    *rsc_out = corral_xstrdup(w[1]);
    rc = 0;
done:
    corral_strv_free(w);
    return rc;
}

int corral_ophistory_parse(const char *text, corral_ophistory_t **h_out, char **error_out)
{
    corral_ophistory_t *h = NULL;
    char *copy = corral_xstrdup(text ? text : "");
    char *err = NULL;
    int rc = -EINVAL;
    int lineno = 0;
    bool header = false;
    char *next = NULL;

    h = corral_ophistory_new("");
    for (char *line = copy; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (line[0] == '#' || corral_trim(line)[0] == '\0') continue;
        if (!header) {
            char magic[32];
            int version = 0;
            if (sscanf(line, "%31s %d", magic, &version) != 2 || strcmp(magic, FORMAT_MAGIC) != 0) {
                err = corral_xasprintf("line %d: not an op history", lineno);
                goto done;
            }
            if (version != FORMAT_VERSION) {
                err = corral_xasprintf("line %d: unknown format version %d", lineno, version);
                goto done;
            }
            header = true;
        } else if (corral_str_has_prefix(line, "node ")) {
            free(h->node);
            h->node = corral_xstrdup(corral_trim(line + 5));
        } else if (corral_str_has_prefix(line, "next-call ")) {
            if (parse_u64(corral_trim(line + 10), &h->next_call) || h->next_call == 0) {
                err = corral_xasprintf("line %d: bad next-call", lineno);
                goto done;
            }
        } else if (corral_str_has_prefix(line, "resource ")) {
            size_t n = 0;
            char **w = corral_split_words(line, &n);
            const char *agent = n == 3 ? kv(w[2], "agent") : NULL;
            if (!agent) {
                corral_strv_free(w);
                err = corral_xasprintf("line %d: bad resource line", lineno);
                goto done;
            }
            entry_t *e = entry_get_or_add(h, w[1]);
            free(e->agent);
            e->agent = corral_xstrdup(agent);
            entry_sync(e);
            corral_strv_free(w);
        } else if (corral_str_has_prefix(line, "op ") || corral_str_has_prefix(line, "failure ")) {
            bool failure = line[0] == 'f';
            char *rsc = NULL;
            corral_op_record_t r;
            if (parse_record(line, &rsc, &r) != 0) {
                err = corral_xasprintf("line %d: bad %s line", lineno, failure ? "failure" : "op");
                goto done;
            }
            entry_t *e = entry_get_or_add(h, rsc);
            if (failure) {
                if (e->has_failure) record_clear(&e->failure);
                e->failure = r;
                e->has_failure = true;
            } else {
                ssize_t i = entry_find(e, r.action, r.interval_ms);
                if (i >= 0) entry_delete_at(e, (size_t)i);
                entry_insert(e, &r);
                record_clear(&r);
            }
            if (r.call_id >= h->next_call) h->next_call = r.call_id + 1;
            entry_sync(e);
            free(rsc);
        } else {
            err = corral_xasprintf("line %d: unknown record", lineno);
            goto done;
        }
    }
    if (!header) {
        err = corral_xstrdup("line 1: not an op history");
        goto done;
    }
    corral_ophistory_mark_unverified(h, NULL);
    *h_out = h;
    h = NULL;
    rc = 0;
done:
    if (rc != 0 && error_out)
        *error_out = err;
    else
        free(err);
    corral_ophistory_free(h);
    free(copy);
    return rc;
}

int corral_ophistory_save(const corral_ophistory_t *h, const char *path)
{
    char *text = corral_ophistory_format(h);
    int rc = corral_write_file_atomic(path, text, strlen(text), 0600);
    free(text);
    return rc;
}

int corral_ophistory_load(const char *path, corral_ophistory_t **h_out, char **error_out)
{
    char *text = NULL;
    int rc = corral_read_file(path, &text, NULL);
    if (rc != 0) return rc;
    char *err = NULL;
    rc = corral_ophistory_parse(text, h_out, &err);
    if (rc != 0 && error_out) *error_out = corral_xasprintf("%s: %s", path, err ? err : "damaged");
    free(err);
    free(text);
    return rc;
}
