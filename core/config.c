/*
 * The configuration loader: the raw INI document (config_ini.c) -> the
 * model (model.h), with every problem collected as FILE:LINE: message.
 *
 * Three passes: (1) each section on its own: kind, id, keys, values;
 * (2) references between sections, membership, roles, loops, agents;
 * (3) the file-order list of top-level objects and the digest.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "config_int.h"
#include "strindex.h"
#include "util.h"

enum kind {
    K_CLUSTER,
    K_NODE,
    K_RESOURCE,
    K_GROUP,
    K_CLONE,
    K_LOCATION,
    K_COLOCATION,
    K_ORDER,
    K_FENCE,
    K__COUNT,
};

static const char *const kind_names[K__COUNT] = {
    "cluster", "node", "resource", "group", "clone", "location", "colocation", "order", "fence",
};

static const char *const role_names[] = {"", "stopped", "started", "unpromoted", "promoted"};
static const char *const on_fail_names[] = {"",        "ignore", "block",   "stop",
                                            "restart", "fence",  "standby", "demote"};

/* A name written in the file, resolved after every section is read. */
typedef struct name_ref {
    char *name;
    int line;
} name_ref_t;

/* What pass 2 needs that the model does not keep. */
typedef struct raw {
    name_ref_t a, b;  /* location/colocation: resource, with-or-node; order: first, then */
    name_ref_t *list; /* group: members */
    size_t n_list;
    int role_line;      /* location role, colocation role */
    int with_role_line; /* colocation with-role */
    int symmetrical_line;
    int then_action_line;   /* 0: then-action defaults to first-action */
    int promoted_keys_line; /* clone: the first promoted-* key */
    bool dup;               /* a duplicate id: skip in pass 2 */
    bool self;              /* a constraint of an object with itself: no loop check */
} raw_t;

/* An id in the shared namespace of resources, groups, clones, constraints and fence devices. */
typedef struct id_entry {
    const char *id;
    enum kind kind;
    int index;
    int line;
} id_entry_t;

typedef struct ctx {
    const char *file;
    corral_diags_t *diags;
    int errors;
    corral_config_t *c;
    size_t cap[K__COUNT];
    raw_t *raw[K__COUNT];
    size_t cap_raw[K__COUNT];
    id_entry_t *ids;
    size_t n_ids, cap_ids;
    id_entry_t *node_ids;
    size_t n_node_ids, cap_node_ids;
    corral__strindex_t id_index;   /* id -> its (first) entry in ids, once all are read */
    corral__strindex_t node_index; /* node name -> its (first) entry in node_ids */
    corral_ref_t *order; /* every object in file order, for top[] (kind in .kind as enum kind) */
    int *order_kind;
    size_t n_order, cap_order, cap_order_kind;
    bool cluster_seen;
    int cluster_line;
    const char *obj;   /* "resource vip": the prefix of every message about the current section */
    char obj_buf[256]; /* where set_obj() writes it (an id fits: a line holds 199 bytes) */
} ctx_t;

static void err(ctx_t *x, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(ctx_t *x, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    corral__diag_add(x->diags, x->file, line, false, "%s", msg ? msg : fmt);
    free(msg);
    x->errors++;
}

static void warn(ctx_t *x, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(ctx_t *x, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    corral__diag_add(x->diags, x->file, line, true, "%s", msg ? msg : fmt);
    free(msg);
}

/*
 * Make "KIND ID" (or "KIND") the prefix of the messages that follow, kept in
 * the context: one string per object checked, without an allocation each.
 */
static const char *set_obj(ctx_t *x, const char *kind, const char *id)
{
    size_t kl = strlen(kind), il = id ? strlen(id) : 0;
    if (kl > sizeof(x->obj_buf) - 1) kl = sizeof(x->obj_buf) - 1;
    if (il > sizeof(x->obj_buf) - 2 - kl) il = sizeof(x->obj_buf) - 2 - kl;
    memcpy(x->obj_buf, kind, kl);
    size_t n = kl;
    if (id) {
        x->obj_buf[n++] = ' ';
        memcpy(x->obj_buf + n, id, il);
        n += il;
    }
    x->obj_buf[n] = '\0';
    x->obj = x->obj_buf;
    return x->obj;
}

/* ---------------------------------------------------------------- value parsers */

int corral_parse_duration_ms(const char *s, uint32_t *ms_out)
{
    if (!s || !isdigit((unsigned char)*s)) return -EINVAL;
    uint64_t n = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        n = n * 10 + (uint64_t)(*p - '0');
        if (n > UINT32_MAX) return -ERANGE;
    }
    uint64_t mult;
    if (!*p || !strcmp(p, "s"))
        mult = 1000;
    else if (!strcmp(p, "ms"))
        mult = 1;
    else if (!strcmp(p, "min"))
        mult = 60000;
    else if (!strcmp(p, "h"))
        mult = 3600000;
    else
        return -EINVAL;
    if (n * mult > UINT32_MAX) return -ERANGE;
    *ms_out = (uint32_t)(n * mult);
    return 0;
}

int corral_parse_score(const char *s, corral_score_t *score_out)
{
    if (!s || !*s) return -EINVAL;
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!strcasecmp(p, "INFINITY")) {
        *score_out = neg ? -CORRAL_INFINITY : CORRAL_INFINITY;
        return 0;
    }
    if (!isdigit((unsigned char)*p)) return -EINVAL;
    int64_t n = 0;
    for (; isdigit((unsigned char)*p); p++)
        if (n < CORRAL_INFINITY) n = n * 10 + (*p - '0');
    if (*p) return -EINVAL;
    if (n > CORRAL_INFINITY) n = CORRAL_INFINITY;
    *score_out = (corral_score_t)(neg ? -n : n);
    return 0;
}

int corral_parse_bool(const char *s, bool *b_out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    if (!s) return -EINVAL;
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *b_out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *b_out = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* A whole number in [min, INT_MAX]; 0 or -EINVAL / -ERANGE. */
static int parse_int(const char *s, int min, int *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!isdigit((unsigned char)*p)) return -EINVAL;
    int64_t n = 0;
    for (; isdigit((unsigned char)*p); p++)
        if (n <= INT_MAX) n = n * 10 + (*p - '0');
    if (*p) return -EINVAL;
    if (neg) n = -n;
    if (n < min || n > INT_MAX) return -ERANGE;
    *out = (int)n;
    return 0;
}

/* ---------------------------------------------------------------- did you mean */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The closest candidate within a small edit distance, or NULL. */
static const char *closest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i]) continue;
        size_t d = corral_edit_distance(word, cands[i]);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

/* " (did you mean 'x'?)" or "" -- a static buffer is enough: one message at a time. */
static const char *dym(const char *s)
{
    static char buf[256];
    if (!s) return "";
    snprintf(buf, sizeof(buf), " (did you mean '%s'?)", s);
    return buf;
}

/* ---------------------------------------------------------------- typed keys */

typedef struct ent {
    const char *key;
    const char *value;
    int line;
} ent_t;

static bool get_bool(ctx_t *x, const ent_t *e, bool *out)
{
    if (corral_parse_bool(e->value, out) == 0) return true;
    err(x, e->line, "%s: %s = '%s' is not a boolean (use true/false, yes/no, on/off or 1/0)",
        x->obj, e->key, e->value);
    return false;
}

static bool get_duration(ctx_t *x, const ent_t *e, uint32_t *out)
{
    int rc = corral_parse_duration_ms(e->value, out);
    if (rc == 0) return true;
    if (rc == -ERANGE)
        err(x, e->line, "%s: %s = '%s' is too long (the most is 49 days)", x->obj, e->key,
            e->value);
    else
        err(x, e->line,
            "%s: %s = '%s' is not a duration (use e.g. 500ms, 10s, 5min, 1h or a number of "
            "seconds)",
            x->obj, e->key, e->value);
    return false;
}

static bool get_score(ctx_t *x, const ent_t *e, corral_score_t *out)
{
    if (corral_parse_score(e->value, out) == 0) return true;
    err(x, e->line, "%s: %s = '%s' is not a score (use an integer, INFINITY or -INFINITY)", x->obj,
        e->key, e->value);
    return false;
}

static bool get_int(ctx_t *x, const ent_t *e, int min, int *out)
{
    int rc = parse_int(e->value, min, out);
    if (rc == 0) return true;
    if (rc == -ERANGE)
        err(x, e->line, "%s: %s = '%s' is out of range (at least %d)", x->obj, e->key, e->value,
            min);
    else
        err(x, e->line, "%s: %s = '%s' is not a whole number", x->obj, e->key, e->value);
    return false;
}

static bool get_enum(ctx_t *x, const ent_t *e, const char *const *names, size_t n, int *out)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i] && *names[i] && !strcmp(e->value, names[i])) {
            *out = (int)i;
            return true;
        }
    }
    corral_buf_t b = {0};
    for (size_t i = 0, k = 0; i < n; i++) {
        if (!names[i] || !*names[i]) continue;
        corral_buf_printf(&b, "%s%s", k++ ? ", " : "", names[i]);
    }
    err(x, e->line, "%s: %s = '%s' is not one of: %s", x->obj, e->key, e->value, b.s);
    corral_buf_free(&b);
    return false;
}

static bool get_string(ctx_t *x, const ent_t *e, char **out)
{
    if (!*e->value) {
        err(x, e->line, "%s: %s is empty", x->obj, e->key);
        return false;
    }
    free(*out);
    *out = corral_xstrdup(e->value);
    return true;
}

/* A name written as the value: one word, resolved later. */
static bool get_name(ctx_t *x, const ent_t *e, name_ref_t *out)
{
    if (!*e->value) {
        err(x, e->line, "%s: %s is empty", x->obj, e->key);
        return false;
    }
    if (strpbrk(e->value, " \t")) {
        err(x, e->line, "%s: %s = '%s' must name one object", x->obj, e->key, e->value);
        return false;
    }
    free(out->name);
    out->name = corral_xstrdup(e->value);
    out->line = e->line;
    return true;
}

static void kv_add(corral_kvlist_t *l, const char *key, const char *value, int line)
{
    l->items = corral_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->items[l->n++] =
        (corral_kv_t){.key = corral_xstrdup(key), .value = corral_xstrdup(value), .line = line};
}

void corral_kvlist_clear(corral_kvlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    *l = (corral_kvlist_t){0};
}

/* `PREFIX.NAME`: the NAME, or NULL (with an error when the prefix matched but NAME is bad). */
static const char *prefixed(ctx_t *x, const ent_t *e, const char *prefix, bool *matched)
{
    size_t pl = strlen(prefix);
    if (strncmp(e->key, prefix, pl)) return NULL;
    *matched = true;
    const char *name = e->key + pl;
    if (!*name) {
        err(x, e->line, "%s: '%s' needs a name after the dot, as in %sNAME", x->obj, e->key,
            prefix);
        return NULL;
    }
    return name;
}

/* ---------------------------------------------------------------- meta keys */

static const char *const target_role_names[] = {"", "stopped", "started", "unpromoted", "promoted"};

/* priority, target-role, stickiness, managed: 1 handled, 0 not a meta key. */
static int meta_key(ctx_t *x, const ent_t *e, corral_meta_t *m)
{
    if (!strcmp(e->key, "priority")) {
        if (get_score(x, e, &m->priority)) {
            m->priority_set = true;
            m->priority_line = e->line;
        }
    } else if (!strcmp(e->key, "target-role")) {
        int v;
        if (get_enum(x, e, target_role_names, 5, &v)) {
            m->target_role = (corral_role_t)v;
            m->target_role_line = e->line;
        }
    } else if (!strcmp(e->key, "stickiness")) {
        if (get_score(x, e, &m->stickiness)) {
            m->stickiness_set = true;
            m->stickiness_line = e->line;
        }
    } else if (!strcmp(e->key, "managed")) {
        if (get_bool(x, e, &m->managed)) {
            m->managed_set = true;
            m->managed_line = e->line;
        }
    } else {
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- ops */

static const char *const resource_actions[] = {"start",   "stop",       "monitor",
                                               "promote", "demote",     "reload",
                                               "notify",  "migrate_to", "migrate_from"};
static const char *const fence_actions[] = {"monitor"};

/* `op.ACTION[.ROLE] = interval=.. timeout=.. on-fail=..` */
static void op_key(ctx_t *x, const ent_t *e, bool fence, corral_op_spec_t **ops, size_t *n_ops)
{
    const char *const *acts = fence ? fence_actions : resource_actions;
    size_t n_acts = fence ? 1 : sizeof(resource_actions) / sizeof(*resource_actions);
    const char *rest = e->key + 3;
    const char *dot = strchr(rest, '.');
    char *action = dot ? corral_xstrndup(rest, (size_t)(dot - rest)) : corral_xstrdup(rest);
    corral_op_spec_t op = {.timeout_ms = 20000, .line = e->line};
    bool ok = true;
    bool known = false;
    for (size_t i = 0; i < n_acts; i++) known |= !strcmp(action, acts[i]);
    if (!known) {
        const char *s = closest(action, acts, n_acts);
        if (fence)
            err(x, e->line,
                "%s: unknown key '%s' (a fence device takes op.monitor only; fencing itself is "
                "timed by [cluster] fence-timeout)",
                x->obj, e->key);
        else if (s)
            err(x, e->line, "%s: unknown key '%s' (did you mean 'op.%s'?)", x->obj, e->key, s);
        else
            err(x, e->line, "%s: unknown key '%s' (no such action)", x->obj, e->key);
        free(action);
        return;
    }
    if (dot) {
        const char *role = dot + 1;
        if (strcmp(action, "monitor") || fence) {
            err(x, e->line, "%s: %s: only a resource's monitor can be given a role", x->obj,
                e->key);
            ok = false;
        } else if (!strcmp(role, "promoted")) {
            op.role = CORRAL_ROLE_PROMOTED;
        } else if (!strcmp(role, "unpromoted")) {
            op.role = CORRAL_ROLE_UNPROMOTED;
        } else {
            err(x, e->line, "%s: %s: unknown role '%s' (use promoted or unpromoted)", x->obj,
                e->key, role);
            ok = false;
        }
    }
    op.action = action;
    size_t nw = 0;
    char **w = corral_split_words(e->value, &nw);
    bool seen_interval = false, seen_timeout = false, seen_on_fail = false;
    for (size_t i = 0; i < nw; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq) {
            err(x, e->line, "%s: %s: '%s' is not a NAME=VALUE setting (interval, timeout, on-fail)",
                x->obj, e->key, w[i]);
            ok = false;
            continue;
        }
        *eq = '\0';
        const char *name = w[i], *val = eq + 1;
        bool *seen = NULL;
        if (!strcmp(name, "interval")) {
            seen = &seen_interval;
        } else if (!strcmp(name, "timeout")) {
            seen = &seen_timeout;
        } else if (!strcmp(name, "on-fail")) {
            seen = &seen_on_fail;
        } else {
            static const char *const settings[] = {"interval", "timeout", "on-fail"};
            err(x, e->line, "%s: %s: unknown setting '%s'%s", x->obj, e->key, name,
                *dym(closest(name, settings, 3)) ? dym(closest(name, settings, 3))
                                                 : " (use interval, timeout or on-fail)");
            ok = false;
            continue;
        }
        if (*seen) {
            err(x, e->line, "%s: %s: %s is given twice", x->obj, e->key, name);
            ok = false;
            continue;
        }
        *seen = true;
        if (!strcmp(name, "interval") || !strcmp(name, "timeout")) {
            uint32_t ms;
            int rc = corral_parse_duration_ms(val, &ms);
            if (rc) {
                err(x, e->line,
                    rc == -ERANGE ? "%s: %s: %s '%s' is too long (the most is 49 days)"
                                  : "%s: %s: %s '%s' is not a duration (use e.g. 500ms, 10s, "
                                    "5min, 1h or a number of seconds)",
                    x->obj, e->key, name, val);
                ok = false;
            } else if (!strcmp(name, "interval")) {
                op.interval_ms = ms;
            } else if (ms == 0) {
                err(x, e->line, "%s: %s: timeout must be more than 0", x->obj, e->key);
                ok = false;
            } else {
                op.timeout_ms = ms;
            }
        } else {
            int v = -1;
            for (int k = 1; k < (int)(sizeof(on_fail_names) / sizeof(*on_fail_names)); k++)
                if (!strcmp(val, on_fail_names[k])) v = k;
            if (v < 0) {
                err(x, e->line,
                    "%s: %s: on-fail '%s' is not one of: ignore, block, stop, restart, fence, "
                    "standby, demote",
                    x->obj, e->key, val);
                ok = false;
            } else {
                op.on_fail = (corral_on_fail_t)v;
            }
        }
    }
    corral_strv_free(w);
    if (ok && op.interval_ms && strcmp(action, "monitor")) {
        err(x, e->line, "%s: %s: only a monitor can recur (leave interval out or set it to 0)",
            x->obj, e->key);
        ok = false;
    }
    if (ok && op.on_fail == CORRAL_ON_FAIL_DEMOTE && strcmp(action, "promote") &&
        !(op.role == CORRAL_ROLE_PROMOTED)) {
        err(x, e->line, "%s: %s: on-fail=demote applies only to op.promote and op.monitor.promoted",
            x->obj, e->key);
        ok = false;
    }
    if (ok && op.interval_ms) {
        for (size_t i = 0; i < *n_ops; i++) {
            const corral_op_spec_t *o = &(*ops)[i];
            if (!strcmp(o->action, action) && o->interval_ms == op.interval_ms) {
                err(x, e->line,
                    "%s: %s has the same interval as the monitor at line %d (monitors of one "
                    "resource need distinct intervals)",
                    x->obj, e->key, o->line);
                ok = false;
                break;
            }
        }
    }
    if (!ok) {
        free(action);
        return;
    }
    *ops = corral_xrealloc(*ops, (*n_ops + 1) * sizeof(**ops));
    (*ops)[(*n_ops)++] = op;
}

/* ---------------------------------------------------------------- rules */

static void rule_free(corral_rule_t *r)
{
    for (size_t i = 0; i < r->n_exprs; i++) {
        free(r->exprs[i].attr);
        free(r->exprs[i].value);
    }
    free(r->exprs);
    *r = (corral_rule_t){0};
}

static bool rule_parse(ctx_t *x, const ent_t *e, corral_rule_t *out)
{
    static const char *const ops[] = {"eq",  "ne",  "lt",      "gt",
                                      "lte", "gte", "defined", "not_defined"};
    size_t nw = 0;
    char **w = corral_split_words(e->value, &nw);
    corral_rule_t r = {0};
    bool ok = true, have_and = false, have_or = false;
    size_t i = 0;
    if (!nw) {
        err(x, e->line, "%s: rule is empty", x->obj);
        ok = false;
    }
    while (ok && i < nw) {
        if (strncmp(w[i], "attr.", 5) || !w[i][5]) {
            err(x, e->line, "%s: rule: expected attr.NAME, found '%s'", x->obj, w[i]);
            ok = false;
            break;
        }
        corral_rule_expr_t ex = {.attr = corral_xstrdup(w[i] + 5)};
        i++;
        if (i >= nw) {
            err(x, e->line,
                "%s: rule: '%s' needs an operator (eq, ne, lt, gt, lte, gte, defined "
                "or not_defined)",
                x->obj, w[i - 1]);
            free(ex.attr);
            ok = false;
            break;
        }
        int op = -1;
        for (int k = 0; k < 8; k++)
            if (!strcmp(w[i], ops[k])) op = k;
        if (op < 0) {
            err(x, e->line,
                "%s: rule: unknown operator '%s'%s (use eq, ne, lt, gt, lte, gte, defined or "
                "not_defined)",
                x->obj, w[i], dym(closest(w[i], ops, 8)));
            free(ex.attr);
            ok = false;
            break;
        }
        ex.op = (corral_rule_op_t)op;
        i++;
        if (op < CORRAL_RULE_DEFINED) {
            if (i >= nw || !strcmp(w[i], "and") || !strcmp(w[i], "or")) {
                err(x, e->line, "%s: rule: '%s' needs a value", x->obj, ops[op]);
                free(ex.attr);
                ok = false;
                break;
            }
            ex.value = corral_xstrdup(w[i++]);
        }
        r.exprs = corral_xrealloc(r.exprs, (r.n_exprs + 1) * sizeof(*r.exprs));
        r.exprs[r.n_exprs++] = ex;
        if (i >= nw) break;
        if (!strcmp(w[i], "and")) {
            have_and = true;
        } else if (!strcmp(w[i], "or")) {
            have_or = true;
        } else {
            err(x, e->line, "%s: rule: expected 'and' or 'or', found '%s'", x->obj, w[i]);
            ok = false;
            break;
        }
        if (have_and && have_or) {
            err(x, e->line,
                "%s: rule: mixes 'and' and 'or'; a rule joins its comparisons by one of them",
                x->obj);
            ok = false;
            break;
        }
        i++;
        if (i >= nw) {
            err(x, e->line, "%s: rule: ends with '%s'", x->obj, w[i - 1]);
            ok = false;
        }
    }
    corral_strv_free(w);
    if (!ok) {
        rule_free(&r);
        return false;
    }
    r.any = have_or;
    *out = r;
    return true;
}

/* ---------------------------------------------------------------- sections */

#define ARR_PUSH(x, kind, arr, n)                                                                  \
    (corral_grow((void **)&(arr), &(x)->cap[kind], (n) + 1, sizeof(*(arr))),                       \
     corral_grow((void **)&(x)->raw[kind], &(x)->cap_raw[kind], (n) + 1, sizeof(raw_t)),           \
     memset(&(arr)[n], 0, sizeof(*(arr))), memset(&(x)->raw[kind][n], 0, sizeof(raw_t)), (n)++)

static void unknown_key(ctx_t *x, const ent_t *e, const char *const *keys, size_t n)
{
    /* For PREFIX.NAME keys, suggest by the prefix and keep the name. */
    const char *dot = strchr(e->key, '.');
    if (dot) {
        char *pre = corral_xstrndup(e->key, (size_t)(dot - e->key + 1));
        const char *best = NULL;
        for (size_t i = 0; i < n; i++) {
            size_t kl = strlen(keys[i]);
            if (kl && keys[i][kl - 1] == '.' && corral_edit_distance(pre, keys[i]) <= 2) {
                best = keys[i];
                break;
            }
        }
        free(pre);
        if (best) {
            err(x, e->line, "%s: unknown key '%s' (did you mean '%s%s'?)", x->obj, e->key, best,
                dot + 1);
            return;
        }
    }
    err(x, e->line, "%s: unknown key '%s'%s", x->obj, e->key, dym(closest(e->key, keys, n)));
}

static const char *const cluster_keys[] = {"name",
                                           "stonith-enabled",
                                           "no-quorum-policy",
                                           "symmetric",
                                           "default-stickiness",
                                           "default-migration-threshold",
                                           "start-failure-is-fatal",
                                           "placement-strategy",
                                           "fence-action",
                                           "fence-timeout",
                                           "recheck-interval",
                                           "startup-fencing-grace",
                                           "two-node-fence-delay",
                                           "stop-removed-resources",
                                           "plugin-path",
                                           "lua-path",
                                           "ocf-root",
                                           "fence-agents-path"};

static void do_cluster(ctx_t *x, const ent_t *e)
{
    corral_cluster_opts_t *o = &x->c->cluster;
    const char *k = e->key;
    int v;
    if (!strcmp(k, "name")) {
        if (get_string(x, e, &o->name) && strpbrk(o->name, " \t")) {
            err(x, e->line, "%s: name = '%s' must be one word", x->obj, e->value);
        }
    } else if (!strcmp(k, "stonith-enabled")) {
        get_bool(x, e, &o->stonith_enabled);
    } else if (!strcmp(k, "no-quorum-policy")) {
        static const char *const n[] = {"stop", "freeze", "ignore", "demote", "fence"};
        if (get_enum(x, e, n, 5, &v)) o->no_quorum_policy = (corral_no_quorum_policy_t)v;
    } else if (!strcmp(k, "symmetric")) {
        if (get_bool(x, e, &o->symmetric)) o->symmetric_line = e->line;
    } else if (!strcmp(k, "default-stickiness")) {
        if (get_score(x, e, &o->default_stickiness)) {
            o->default_stickiness_set = true;
            o->default_stickiness_line = e->line;
        }
    } else if (!strcmp(k, "default-migration-threshold")) {
        corral_score_t s;
        if (get_score(x, e, &s)) {
            if (s < 0)
                err(x, e->line, "%s: %s = '%s' must not be negative", x->obj, k, e->value);
            else {
                o->default_migration_threshold = s;
                o->default_migration_threshold_line = e->line;
            }
        }
    } else if (!strcmp(k, "start-failure-is-fatal")) {
        if (get_bool(x, e, &o->start_failure_is_fatal)) o->start_failure_is_fatal_line = e->line;
    } else if (!strcmp(k, "placement-strategy")) {
        static const char *const n[] = {"default", "utilization", "balanced"};
        if (get_enum(x, e, n, 3, &v)) o->placement_strategy = (corral_placement_strategy_t)v;
    } else if (!strcmp(k, "fence-action")) {
        static const char *const n[] = {"reboot", "off"};
        if (get_enum(x, e, n, 2, &v)) o->fence_action_off = v == 1;
    } else if (!strcmp(k, "fence-timeout")) {
        uint32_t ms;
        if (get_duration(x, e, &ms)) {
            if (!ms)
                err(x, e->line, "%s: fence-timeout must be more than 0", x->obj);
            else
                o->fence_timeout_ms = ms;
        }
    } else if (!strcmp(k, "recheck-interval")) {
        get_duration(x, e, &o->recheck_interval_ms);
    } else if (!strcmp(k, "startup-fencing-grace")) {
        get_duration(x, e, &o->startup_fencing_grace_ms);
    } else if (!strcmp(k, "two-node-fence-delay")) {
        get_duration(x, e, &o->two_node_fence_delay_ms);
    } else if (!strcmp(k, "stop-removed-resources")) {
        get_bool(x, e, &o->stop_removed_resources);
    } else if (!strcmp(k, "plugin-path")) {
        get_string(x, e, &o->plugin_path);
    } else if (!strcmp(k, "lua-path")) {
        get_string(x, e, &o->lua_path);
    } else if (!strcmp(k, "ocf-root")) {
        get_string(x, e, &o->ocf_root);
    } else if (!strcmp(k, "fence-agents-path")) {
        get_string(x, e, &o->fence_agents_path);
    } else {
        unknown_key(x, e, cluster_keys, sizeof(cluster_keys) / sizeof(*cluster_keys));
    }
}

static const char *const node_keys[] = {"standby", "maintenance", "attr.", "capacity."};

static void do_node(ctx_t *x, corral_node_t *n, const ent_t *e)
{
    bool m = false;
    const char *name;
    if (!strcmp(e->key, "standby")) {
        if (get_bool(x, e, &n->standby)) n->standby_line = e->line;
    } else if (!strcmp(e->key, "maintenance")) {
        if (get_bool(x, e, &n->maintenance)) n->maintenance_line = e->line;
    } else if ((name = prefixed(x, e, "attr.", &m)) || m) {
        if (!name) return;
        if (!*e->value)
            err(x, e->line, "%s: %s is empty", x->obj, e->key);
        else if (strpbrk(e->value, " \t"))
            err(x, e->line, "%s: %s = '%s' must be one word (rules compare single words)", x->obj,
                e->key, e->value);
        else
            kv_add(&n->attrs, name, e->value, e->line);
    } else if ((name = prefixed(x, e, "capacity.", &m)) || m) {
        int v;
        if (name && get_int(x, e, 0, &v)) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%d", v);
            kv_add(&n->capacity, name, buf, e->line);
        }
    } else {
        unknown_key(x, e, node_keys, sizeof(node_keys) / sizeof(*node_keys));
    }
}

static const char *const resource_keys[] = {
    "agent",           "param.",   "op.",         "stickiness", "migration-threshold",
    "failure-timeout", "priority", "target-role", "requires",   "multiple-active",
    "uses.",           "managed"};

static void do_resource(ctx_t *x, corral_resource_t *r, const ent_t *e)
{
    bool m = false;
    const char *name;
    int v;
    if (!strcmp(e->key, "agent")) {
        if (get_string(x, e, &r->agent)) r->agent_line = e->line;
    } else if ((name = prefixed(x, e, "param.", &m)) || m) {
        if (name) kv_add(&r->params, name, e->value, e->line);
    } else if (!strncmp(e->key, "op.", 3)) {
        op_key(x, e, false, &r->ops, &r->n_ops);
    } else if (meta_key(x, e, &r->meta)) {
    } else if (!strcmp(e->key, "migration-threshold")) {
        corral_score_t s;
        if (get_score(x, e, &s)) {
            if (s < 0) {
                err(x, e->line, "%s: migration-threshold = '%s' must not be negative", x->obj,
                    e->value);
            } else {
                r->migration_threshold = s;
                r->migration_threshold_set = true;
                r->migration_threshold_line = e->line;
            }
        }
    } else if (!strcmp(e->key, "failure-timeout")) {
        if (get_duration(x, e, &r->failure_timeout_ms)) r->failure_timeout_line = e->line;
    } else if (!strcmp(e->key, "requires")) {
        static const char *const n[] = {"", "nothing", "quorum", "fencing"};
        if (get_enum(x, e, n, 4, &v)) {
            r->requires = (corral_requires_t)v;
            r->requires_line = e->line;
        }
    } else if (!strcmp(e->key, "multiple-active")) {
        static const char *const n[] = {"stop_start", "stop_only", "block"};
        if (get_enum(x, e, n, 3, &v)) r->multiple_active = (corral_multiple_active_t)v;
    } else if ((name = prefixed(x, e, "uses.", &m)) || m) {
        if (name && get_int(x, e, 0, &v)) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%d", v);
            kv_add(&r->uses, name, buf, e->line);
        }
    } else {
        unknown_key(x, e, resource_keys, sizeof(resource_keys) / sizeof(*resource_keys));
    }
}

static const char *const group_keys[] = {"resources", "priority", "target-role", "stickiness",
                                         "managed"};

static void do_group(ctx_t *x, corral_group_t *g, raw_t *raw, const ent_t *e)
{
    if (!strcmp(e->key, "resources")) {
        size_t nw = 0;
        char **w = corral_split_words(e->value, &nw);
        if (!nw) err(x, e->line, "%s: resources is empty", x->obj);
        for (size_t i = 0; i < nw; i++) {
            raw->list = corral_xrealloc(raw->list, (raw->n_list + 1) * sizeof(*raw->list));
            raw->list[raw->n_list++] = (name_ref_t){.name = w[i], .line = e->line};
        }
        free(w); /* the words now belong to raw->list */
        g->resources_line = e->line;
    } else if (!meta_key(x, e, &g->meta)) {
        unknown_key(x, e, group_keys, sizeof(group_keys) / sizeof(*group_keys));
    }
}

static const char *const clone_keys[] = {
    "resource",   "max",          "per-node",          "unique",
    "promotable", "promoted-max", "promoted-per-node", "interleave",
    "notify",     "priority",     "target-role",       "stickiness",
    "managed"};

static void do_clone(ctx_t *x, corral_clone_t *cl, raw_t *raw, const ent_t *e)
{
    const char *k = e->key;
    if (!strcmp(k, "resource")) {
        if (get_name(x, e, &raw->a)) cl->resource_line = e->line;
    } else if (!strcmp(k, "max")) {
        if (get_int(x, e, 0, &cl->max)) cl->max_line = e->line;
    } else if (!strcmp(k, "per-node")) {
        get_int(x, e, 1, &cl->per_node);
    } else if (!strcmp(k, "unique")) {
        get_bool(x, e, &cl->unique);
    } else if (!strcmp(k, "promotable")) {
        get_bool(x, e, &cl->promotable);
    } else if (!strcmp(k, "promoted-max")) {
        get_int(x, e, 0, &cl->promoted_max);
        if (!raw->promoted_keys_line) raw->promoted_keys_line = e->line;
    } else if (!strcmp(k, "promoted-per-node")) {
        get_int(x, e, 1, &cl->promoted_per_node);
        if (!raw->promoted_keys_line) raw->promoted_keys_line = e->line;
    } else if (!strcmp(k, "interleave")) {
        get_bool(x, e, &cl->interleave);
    } else if (!strcmp(k, "notify")) {
        get_bool(x, e, &cl->notify);
    } else if (!meta_key(x, e, &cl->meta)) {
        unknown_key(x, e, clone_keys, sizeof(clone_keys) / sizeof(*clone_keys));
    }
}

static const char *const constraint_role_names[] = {"", "", "started", "unpromoted", "promoted"};

static const char *const location_keys[] = {"resource", "node", "rule", "score", "role"};

static void do_location(ctx_t *x, corral_location_t *l, raw_t *raw, const ent_t *e)
{
    int v;
    if (!strcmp(e->key, "resource")) {
        if (get_name(x, e, &raw->a)) l->resource_line = e->line;
    } else if (!strcmp(e->key, "node")) {
        if (l->node_line)
            err(x, e->line, "%s: has both node and rule (line %d); use one of them", x->obj,
                l->node_line);
        else if (get_name(x, e, &raw->b))
            l->node_line = e->line;
    } else if (!strcmp(e->key, "rule")) {
        if (l->node_line)
            err(x, e->line, "%s: has both node (line %d) and rule; use one of them", x->obj,
                l->node_line);
        else if (rule_parse(x, e, &l->rule)) {
            l->has_rule = true;
            l->node_line = e->line;
        } else {
            l->node_line = e->line; /* bad, but present: node would be refused too */
        }
    } else if (!strcmp(e->key, "score")) {
        if (get_score(x, e, &l->score)) l->score_line = e->line;
    } else if (!strcmp(e->key, "role")) {
        if (get_enum(x, e, constraint_role_names, 5, &v)) {
            l->role = (corral_role_t)v;
            raw->role_line = e->line;
        }
    } else {
        unknown_key(x, e, location_keys, sizeof(location_keys) / sizeof(*location_keys));
    }
}

static const char *const colocation_keys[] = {"resource", "with", "score", "role", "with-role"};

static void do_colocation(ctx_t *x, corral_colocation_t *co, raw_t *raw, const ent_t *e)
{
    int v;
    if (!strcmp(e->key, "resource")) {
        if (get_name(x, e, &raw->a)) co->resource_line = e->line;
    } else if (!strcmp(e->key, "with")) {
        if (get_name(x, e, &raw->b)) co->with_line = e->line;
    } else if (!strcmp(e->key, "score")) {
        if (get_score(x, e, &co->score)) co->score_line = e->line;
    } else if (!strcmp(e->key, "role")) {
        if (get_enum(x, e, constraint_role_names, 5, &v)) {
            co->role = (corral_role_t)v;
            raw->role_line = e->line;
        }
    } else if (!strcmp(e->key, "with-role")) {
        if (get_enum(x, e, constraint_role_names, 5, &v)) {
            co->with_role = (corral_role_t)v;
            raw->with_role_line = e->line;
        }
    } else {
        unknown_key(x, e, colocation_keys, sizeof(colocation_keys) / sizeof(*colocation_keys));
    }
}

static const char *const order_keys[] = {"first",        "then",        "kind",
                                         "first-action", "then-action", "symmetrical"};
static const char *const order_actions[] = {"start", "stop", "promote", "demote"};

static void do_order(ctx_t *x, corral_order_t *o, raw_t *raw, const ent_t *e)
{
    int v;
    if (!strcmp(e->key, "first")) {
        if (get_name(x, e, &raw->a)) o->first_line = e->line;
    } else if (!strcmp(e->key, "then")) {
        if (get_name(x, e, &raw->b)) o->then_line = e->line;
    } else if (!strcmp(e->key, "kind")) {
        static const char *const n[] = {"mandatory", "optional", "serialize"};
        if (get_enum(x, e, n, 3, &v)) o->kind = (corral_order_kind_t)v;
    } else if (!strcmp(e->key, "first-action")) {
        if (get_enum(x, e, order_actions, 4, &v)) {
            free(o->first_action);
            o->first_action = corral_xstrdup(order_actions[v]);
        }
    } else if (!strcmp(e->key, "then-action")) {
        raw->then_action_line = e->line;
        if (get_enum(x, e, order_actions, 4, &v)) {
            free(o->then_action);
            o->then_action = corral_xstrdup(order_actions[v]);
        }
    } else if (!strcmp(e->key, "symmetrical")) {
        if (get_bool(x, e, &o->symmetrical)) raw->symmetrical_line = e->line;
    } else {
        unknown_key(x, e, order_keys, sizeof(order_keys) / sizeof(*order_keys));
    }
}

static const char *const fence_keys[] = {"agent", "param.", "hosts",     "host-map",
                                         "level", "delay",  "delay-max", "op."};

static void do_fence(ctx_t *x, corral_fence_device_t *f, const ent_t *e)
{
    bool m = false;
    const char *name;
    if (!strcmp(e->key, "agent")) {
        if (get_string(x, e, &f->agent)) f->agent_line = e->line;
    } else if ((name = prefixed(x, e, "param.", &m)) || m) {
        if (name) kv_add(&f->params, name, e->value, e->line);
    } else if (!strcmp(e->key, "hosts")) {
        size_t nw = 0;
        char **w = corral_split_words(e->value, &nw);
        if (!nw) {
            err(x, e->line, "%s: hosts is empty (leave it out to ask the agent)", x->obj);
            corral_strv_free(w);
            return;
        }
        f->hosts = w;
        f->n_hosts = nw;
        f->hosts_line = e->line;
        for (size_t i = 0; i < nw; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(w[i], w[j]))
                    err(x, e->line, "%s: hosts names '%s' twice", x->obj, w[i]);
    } else if (!strcmp(e->key, "host-map")) {
        size_t nw = 0;
        char **w = corral_split_words(e->value, &nw);
        if (!nw) err(x, e->line, "%s: host-map is empty", x->obj);
        for (size_t i = 0; i < nw; i++) {
            char *colon = strchr(w[i], ':');
            if (!colon || colon == w[i] || !colon[1]) {
                err(x, e->line, "%s: host-map entry '%s' is not NODE:PLUG", x->obj, w[i]);
                continue;
            }
            *colon = '\0';
            bool dup = false;
            for (size_t j = 0; j < f->host_map.n; j++)
                dup |= !strcmp(f->host_map.items[j].key, w[i]);
            if (dup)
                err(x, e->line, "%s: host-map maps '%s' twice", x->obj, w[i]);
            else
                kv_add(&f->host_map, w[i], colon + 1, e->line);
        }
        corral_strv_free(w);
    } else if (!strcmp(e->key, "level")) {
        if (get_int(x, e, 1, &f->level)) f->level_line = e->line;
    } else if (!strcmp(e->key, "delay")) {
        get_duration(x, e, &f->delay_ms);
    } else if (!strcmp(e->key, "delay-max")) {
        get_duration(x, e, &f->delay_max_ms);
    } else if (!strncmp(e->key, "op.", 3)) {
        op_key(x, e, true, &f->ops, &f->n_ops);
    } else {
        unknown_key(x, e, fence_keys, sizeof(fence_keys) / sizeof(*fence_keys));
    }
}

/* ---------------------------------------------------------------- pass 1 */

static bool valid_id(const char *s)
{
    if (!*s || !(isalnum((unsigned char)*s) || *s == '_')) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s)) return false;
    return true;
}

static void note_order(ctx_t *x, enum kind k, int index)
{
    corral_grow((void **)&x->order, &x->cap_order, x->n_order + 1, sizeof(*x->order));
    corral_grow((void **)&x->order_kind, &x->cap_order_kind, x->n_order + 1,
                sizeof(*x->order_kind));
    x->order[x->n_order] = (corral_ref_t){.index = index};
    x->order_kind[x->n_order++] = (int)k;
}

static void add_id(ctx_t *x, enum kind k, const char *id, int index, int line)
{
    if (k == K_NODE)
        CORRAL_PUSH(x->node_ids, x->n_node_ids, x->cap_node_ids,
                    ((id_entry_t){.id = id, .kind = k, .index = index, .line = line}));
    else
        CORRAL_PUSH(x->ids, x->n_ids, x->cap_ids,
                    ((id_entry_t){.id = id, .kind = k, .index = index, .line = line}));
}

static bool has_key(const corral__ini_section_t *s, const char *key)
{
    for (size_t i = 0; i < s->n_entries; i++)
        if (!strcmp(s->entries[i].key, key)) return true;
    return false;
}

/*
 * Split a section header into its words, in place (whitespace as
 * corral_split_words() has it): the first three in w[], the count in the
 * return value.
 */
static size_t header_words(char *h, char *w[3])
{
    size_t n = 0;
    char *p = h;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (!*p) break;
        char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
        if (n < 3) w[n] = start;
        n++;
        if (*p) *p++ = '\0';
    }
    return n;
}

/* Give one kind's model and raw arrays room for n objects, allocated once, at that size. */
static void presize_kind(ctx_t *x, enum kind k, void **arr, size_t size, size_t n)
{
    if (!n) return;
    *arr = corral_xcalloc(n, size);
    x->cap[k] = n;
    x->raw[k] = corral_xcalloc(n, sizeof(raw_t));
    x->cap_raw[k] = n;
}

/*
 * Count the sections of each kind before reading them, so that each kind's
 * arrays are allocated once at their size instead of being copied as they
 * double (10,000 resources: megabytes copied and touched for nothing).
 */
static void presize(ctx_t *x, const corral__ini_doc_t *doc)
{
    size_t n[K__COUNT] = {0};
    for (size_t i = 0; i < doc->n_sections; i++) {
        const char *h = doc->sections[i].header;
        if (!h) continue;
        while (*h == ' ' || *h == '\t' || *h == '\n' || *h == '\r') h++;
        size_t len = strcspn(h, " \t\n\r");
        for (int k = 0; k < K__COUNT; k++)
            if (!strncmp(h, kind_names[k], len) && !kind_names[k][len]) {
                n[k]++;
                break;
            }
    }
    corral_config_t *c = x->c;
    presize_kind(x, K_NODE, (void **)&c->nodes, sizeof(*c->nodes), n[K_NODE]);
    presize_kind(x, K_RESOURCE, (void **)&c->resources, sizeof(*c->resources), n[K_RESOURCE]);
    presize_kind(x, K_GROUP, (void **)&c->groups, sizeof(*c->groups), n[K_GROUP]);
    presize_kind(x, K_CLONE, (void **)&c->clones, sizeof(*c->clones), n[K_CLONE]);
    presize_kind(x, K_LOCATION, (void **)&c->locations, sizeof(*c->locations), n[K_LOCATION]);
    presize_kind(x, K_COLOCATION, (void **)&c->colocations, sizeof(*c->colocations),
                 n[K_COLOCATION]);
    presize_kind(x, K_ORDER, (void **)&c->orders, sizeof(*c->orders), n[K_ORDER]);
    presize_kind(x, K_FENCE, (void **)&c->fence_devices, sizeof(*c->fence_devices), n[K_FENCE]);
    size_t total = 0;
    for (int k = 0; k < K__COUNT; k++) total += n[k];
    if (total) { /* every object but the cluster's own section is in ids and the order */
        x->ids = corral_xcalloc(total, sizeof(*x->ids));
        x->cap_ids = total;
        x->order = corral_xcalloc(total, sizeof(*x->order));
        x->cap_order = total;
        x->order_kind = corral_xcalloc(total, sizeof(*x->order_kind));
        x->cap_order_kind = total;
    }
}

static void section(ctx_t *x, const corral__ini_section_t *s)
{
    corral_config_t *c = x->c;
    /* The header's words, cut in a copy (on the stack: a line holds 199 bytes). */
    char small[256];
    size_t hl = strlen(s->header);
    char *copy = hl < sizeof(small) ? memcpy(small, s->header, hl + 1) : corral_xstrdup(s->header);
    char *w[3] = {NULL, NULL, NULL};
    size_t nw = header_words(copy, w);
    const char *obj = NULL;
    bool small_skip[64];
    bool *skip = NULL;
    int kind = -1;
    if (!nw) {
        err(x, s->line, "the section header [] is empty (write [KIND ID])");
        goto done;
    }
    for (int k = 0; k < K__COUNT; k++)
        if (!strcmp(w[0], kind_names[k])) kind = k;
    if (kind < 0) {
        err(x, s->line, "unknown section kind '%s'%s", w[0],
            *dym(closest(w[0], kind_names, K__COUNT))
                ? dym(closest(w[0], kind_names, K__COUNT))
                : " (use cluster, node, resource, group, clone, location, colocation, order or "
                  "fence)");
        goto done;
    }
    if (kind == K_CLUSTER) {
        if (nw > 1) err(x, s->line, "cluster: the [cluster] section takes no id");
        if (x->cluster_seen) {
            err(x, s->line, "cluster: a second [cluster] section (the first is at line %d)",
                x->cluster_line);
            goto done;
        }
        x->cluster_seen = true;
        x->cluster_line = s->line;
        c->cluster.line = s->line;
        obj = set_obj(x, "cluster", NULL);
    } else {
        if (nw == 1) {
            err(x, s->line, "%s: the section header needs an id, as in [%s ID]", w[0], w[0]);
            goto done;
        }
        if (nw > 2) {
            err(x, s->line, "%s %s: a section header holds a kind and one id, not '%s'", w[0], w[1],
                s->header);
            goto done;
        }
        if (!valid_id(w[1])) {
            err(x, s->line,
                "%s '%s': an id holds letters, digits, '_', '.' and '-', and starts with a letter, "
                "a digit or '_'",
                w[0], w[1]);
            goto done;
        }
        obj = set_obj(x, w[0], w[1]);
    }

    /* A key given twice: report the later one, keep the first. */
    skip = s->n_entries <= 64 ? small_skip : corral_xcalloc(s->n_entries, sizeof(bool));
    memset(skip, 0, s->n_entries * sizeof(bool));
    for (size_t i = 0; i < s->n_entries; i++)
        for (size_t j = 0; j < i; j++)
            if (!skip[j] && !strcmp(s->entries[i].key, s->entries[j].key)) {
                err(x, s->entries[i].line, "%s: %s is set twice (first at line %d)", obj,
                    s->entries[i].key, s->entries[j].line);
                skip[i] = true;
                break;
            }

    int idx = 0;
    raw_t *raw = NULL;
    char *id = nw > 1 ? corral_xstrdup(w[1]) : NULL;
    switch ((enum kind)kind) {
    case K_CLUSTER:
        break;
    case K_NODE:
        idx = ARR_PUSH(x, K_NODE, c->nodes, c->n_nodes);
        c->nodes[idx].name = id;
        c->nodes[idx].line = s->line;
        break;
    case K_RESOURCE:
        idx = ARR_PUSH(x, K_RESOURCE, c->resources, c->n_resources);
        c->resources[idx].id = id;
        c->resources[idx].line = s->line;
        c->resources[idx].meta.managed = true;
        c->resources[idx].group = -1;
        c->resources[idx].clone = -1;
        break;
    case K_GROUP:
        idx = ARR_PUSH(x, K_GROUP, c->groups, c->n_groups);
        c->groups[idx].id = id;
        c->groups[idx].line = s->line;
        c->groups[idx].meta.managed = true;
        c->groups[idx].clone = -1;
        break;
    case K_CLONE:
        idx = ARR_PUSH(x, K_CLONE, c->clones, c->n_clones);
        c->clones[idx] = (corral_clone_t){.id = id,
                                          .line = s->line,
                                          .max = -1,
                                          .per_node = 1,
                                          .promoted_max = 1,
                                          .promoted_per_node = 1,
                                          .meta.managed = true};
        break;
    case K_LOCATION:
        idx = ARR_PUSH(x, K_LOCATION, c->locations, c->n_locations);
        c->locations[idx].id = id;
        c->locations[idx].line = s->line;
        c->locations[idx].node = -1;
        break;
    case K_COLOCATION:
        idx = ARR_PUSH(x, K_COLOCATION, c->colocations, c->n_colocations);
        c->colocations[idx].id = id;
        c->colocations[idx].line = s->line;
        break;
    case K_ORDER:
        idx = ARR_PUSH(x, K_ORDER, c->orders, c->n_orders);
        c->orders[idx].id = id;
        c->orders[idx].line = s->line;
        c->orders[idx].symmetrical = true;
        break;
    case K_FENCE:
        idx = ARR_PUSH(x, K_FENCE, c->fence_devices, c->n_fence_devices);
        c->fence_devices[idx].id = id;
        c->fence_devices[idx].line = s->line;
        c->fence_devices[idx].level = 1;
        break;
    case K__COUNT:
        break;
    }
    if (kind != K_CLUSTER) {
        raw = &x->raw[kind][idx];
        add_id(x, (enum kind)kind, id, idx, s->line);
        note_order(x, (enum kind)kind, idx);
    }

    for (size_t i = 0; i < s->n_entries; i++) {
        if (skip[i]) continue;
        const ent_t e = {s->entries[i].key, s->entries[i].value, s->entries[i].line};
        switch ((enum kind)kind) {
        case K_CLUSTER:
            do_cluster(x, &e);
            break;
        case K_NODE:
            do_node(x, &c->nodes[idx], &e);
            break;
        case K_RESOURCE:
            do_resource(x, &c->resources[idx], &e);
            break;
        case K_GROUP:
            do_group(x, &c->groups[idx], raw, &e);
            break;
        case K_CLONE:
            do_clone(x, &c->clones[idx], raw, &e);
            break;
        case K_LOCATION:
            do_location(x, &c->locations[idx], raw, &e);
            break;
        case K_COLOCATION:
            do_colocation(x, &c->colocations[idx], raw, &e);
            break;
        case K_ORDER:
            do_order(x, &c->orders[idx], raw, &e);
            break;
        case K_FENCE:
            do_fence(x, &c->fence_devices[idx], &e);
            break;
        case K__COUNT:
            break;
        }
    }

    /* Keys a section cannot do without, reported at its header. A key that is
     * present with a bad value has its own error already. */
    static const char *const required[K__COUNT][3] = {
        [K_RESOURCE] = {"agent"},
        [K_FENCE] = {"agent"},
        [K_GROUP] = {"resources"},
        [K_CLONE] = {"resource"},
        [K_LOCATION] = {"resource", "score"},
        [K_COLOCATION] = {"resource", "with", "score"},
        [K_ORDER] = {"first", "then"},
    };
    if (!s->broken) {
        for (int k = 0; k < 3 && required[kind][k]; k++)
            if (!has_key(s, required[kind][k]))
                err(x, s->line, "%s: %s is required", obj, required[kind][k]);
        if (kind == K_LOCATION && !has_key(s, "node") && !has_key(s, "rule"))
            err(x, s->line, "%s: needs either node or rule", obj);
    }
    if (kind == K_ORDER) {
        corral_order_t *o = &c->orders[idx];
        if (!o->first_action) o->first_action = corral_xstrdup("start");
        if (!o->then_action) o->then_action = corral_xstrdup(o->first_action);
        if (o->kind == CORRAL_ORDER_SERIALIZE) {
            if (raw->symmetrical_line && o->symmetrical)
                err(x, raw->symmetrical_line,
                    "%s: a serialize order cannot be symmetrical (it has no direction)", obj);
            o->symmetrical = false;
        }
    }
done:
    x->obj = NULL;
    if (skip != small_skip) free(skip);
    if (copy != small) free(copy);
}

/* ---------------------------------------------------------------- lookups */

/* The entry of an id (the first, when it is given twice), or NULL. */
static const id_entry_t *find_id(const ctx_t *x, const char *id)
{
    int i = corral__strindex_get(&x->id_index, id);
    return i < 0 ? NULL : &x->ids[i];
}

static const id_entry_t *find_node(const ctx_t *x, const char *name)
{
    int i = corral__strindex_get(&x->node_index, name);
    return i < 0 ? NULL : &x->node_ids[i];
}

/* Index the ids (the first of each wins) and report duplicates at their later occurrences. */
static void check_duplicates(ctx_t *x, const id_entry_t *ids, size_t n, corral__strindex_t *ix,
                             bool nodes)
{
    corral__strindex_init(ix, n);
    for (size_t i = 0; i < n; i++) {
        int first = corral__strindex_add(ix, ids[i].id, (int)i);
        if (first < 0) continue;
        const id_entry_t *f = &ids[first];
        if (nodes)
            err(x, ids[i].line, "node %s: a second [node %s] section (the first is at line %d)",
                ids[i].id, ids[i].id, f->line);
        else
            err(x, ids[i].line, "%s %s: the id '%s' is already used by [%s %s] at line %d",
                kind_names[ids[i].kind], ids[i].id, ids[i].id, kind_names[f->kind], f->id, f->line);
        x->raw[ids[i].kind][ids[i].index].dup = true;
    }
}

/* All names of a kind set, for did-you-mean (in name order: a tie goes to the first). */
static const char *closest_id(ctx_t *x, const char *name, bool nodes, bool rsc_only)
{
    const id_entry_t *ids = nodes ? x->node_ids : x->ids;
    size_t n = nodes ? x->n_node_ids : x->n_ids;
    const char **cands = corral_xcalloc(n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!rsc_only || ids[i].kind == K_RESOURCE || ids[i].kind == K_GROUP ||
            ids[i].kind == K_CLONE)
            cands[k++] = ids[i].id;
    qsort(cands, k, sizeof(*cands), str_cmp);
    const char *best = closest(name, cands, k);
    free(cands);
    return best;
}

static corral_ref_t resolve_rsc(ctx_t *x, const name_ref_t *nr, const char *what)
{
    corral_ref_t r = {CORRAL_REF_NONE, -1};
    if (!nr->name) return r;
    const id_entry_t *e = find_id(x, nr->name);
    if (e && e->kind == K_RESOURCE)
        r = (corral_ref_t){CORRAL_REF_PRIMITIVE, e->index};
    else if (e && e->kind == K_GROUP)
        r = (corral_ref_t){CORRAL_REF_GROUP, e->index};
    else if (e && e->kind == K_CLONE)
        r = (corral_ref_t){CORRAL_REF_CLONE, e->index};
    else if (e)
        err(x, nr->line, "%s: %s = '%s' is a %s, not a resource, group or clone", x->obj, what,
            nr->name, kind_names[e->kind]);
    else
        err(x, nr->line, "%s: %s = '%s' is not a configured resource, group or clone%s", x->obj,
            what, nr->name, dym(closest_id(x, nr->name, false, true)));
    return r;
}

int corral_config_node_index(const corral_config_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_nodes; i++)
        if (!strcmp(c->nodes[i].name, name)) return (int)i;
    return -1;
}

corral_ref_t corral_config_find(const corral_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->n_resources; i++)
        if (!strcmp(c->resources[i].id, id)) return (corral_ref_t){CORRAL_REF_PRIMITIVE, (int)i};
    for (size_t i = 0; i < c->n_groups; i++)
        if (!strcmp(c->groups[i].id, id)) return (corral_ref_t){CORRAL_REF_GROUP, (int)i};
    for (size_t i = 0; i < c->n_clones; i++)
        if (!strcmp(c->clones[i].id, id)) return (corral_ref_t){CORRAL_REF_CLONE, (int)i};
    return (corral_ref_t){CORRAL_REF_NONE, -1};
}

static const char *ref_id(const corral_config_t *c, corral_ref_t r)
{
    switch (r.kind) {
    case CORRAL_REF_PRIMITIVE:
        return c->resources[r.index].id;
    case CORRAL_REF_GROUP:
        return c->groups[r.index].id;
    case CORRAL_REF_CLONE:
        return c->clones[r.index].id;
    default:
        return "?";
    }
}

/* The primitives a reference stands for. */
static size_t ref_prims(const corral_config_t *c, corral_ref_t r, int **out)
{
    switch (r.kind) {
    case CORRAL_REF_PRIMITIVE:
        *out = corral_xmalloc(sizeof(int));
        (*out)[0] = r.index;
        return 1;
    case CORRAL_REF_GROUP: {
        const corral_group_t *g = &c->groups[r.index];
        *out = corral_xcalloc(g->n_members, sizeof(int));
        memcpy(*out, g->members, g->n_members * sizeof(int));
        return g->n_members;
    }
    case CORRAL_REF_CLONE:
        return ref_prims(c, c->clones[r.index].child, out);
    default:
        *out = NULL;
        return 0;
    }
}

/* The clone a reference lives in (for "name the clone instead"), or -1. */
static int ref_inner_clone(const corral_config_t *c, corral_ref_t r)
{
    if (r.kind == CORRAL_REF_PRIMITIVE) return c->resources[r.index].clone;
    if (r.kind == CORRAL_REF_GROUP) return c->groups[r.index].clone;
    return -1;
}

static bool ref_promotable(const corral_config_t *c, corral_ref_t r)
{
    return r.kind == CORRAL_REF_CLONE && c->clones[r.index].promotable;
}

/* ---------------------------------------------------------------- loops */

/*
 * The graphs the loop checks search. A graph has `width` nodes per
 * primitive (4 for actions: start, stop, promote, demote; 1 for
 * colocations), addressed from outside by key = primitive * width + k.
 * Only primitives an edge names get nodes (a slot), in the order they are
 * met: of 10,000 primitives a few hundred are ordered or colocated, and
 * nodes for all of them would be most of what checking costs.
 */
typedef struct gnode {
    int *adj; /* successors (node numbers) */
    uint32_t n_adj, cap_adj;
    unsigned seen; /* == the graph's stamp: reached by the current search */
    int prev;      /* the node it was reached from */
} gnode_t;

typedef struct graph {
    int width;
    /* width 4: every primitive's own start -> promote and demote -> stop, implied */
    bool actions;
    int *slot_of; /* primitive -> slot, or -1 */
    int *prim_of; /* slot -> primitive */
    size_t n_slots, cap_slots;
    gnode_t *nodes; /* slot * width + k */
    size_t cap_nodes;
    int *queue;
    size_t cap_queue;
    /* A search marks with a new stamp instead of clearing every mark. */
    unsigned stamp;
} graph_t;

static void graph_init(graph_t *g, size_t n_prims, int width, bool actions)
{
    *g = (graph_t){.width = width, .actions = actions};
    g->slot_of = corral_xmalloc((n_prims ? n_prims : 1) * sizeof(int));
    for (size_t i = 0; i < n_prims; i++) g->slot_of[i] = -1;
}

static void graph_free(graph_t *g)
{
    for (size_t i = 0; i < g->n_slots * (size_t)g->width; i++) free(g->nodes[i].adj);
    free(g->nodes);
    free(g->slot_of);
    free(g->prim_of);
    free(g->queue);
}

/* The node of a key, its primitive given a slot if it has none yet. */
static int graph_node(graph_t *g, int key)
{
    int prim = key / g->width;
    if (g->slot_of[prim] < 0) {
        size_t w = (size_t)g->width, n = g->n_slots * w;
        corral_grow((void **)&g->prim_of, &g->cap_slots, g->n_slots + 1, sizeof(int));
        corral_grow((void **)&g->nodes, &g->cap_nodes, n + w, sizeof(gnode_t));
        corral_grow((void **)&g->queue, &g->cap_queue, n + w, sizeof(int));
        memset(&g->nodes[n], 0, w * sizeof(gnode_t));
        g->prim_of[g->n_slots] = prim;
        g->slot_of[prim] = (int)g->n_slots++;
    }
    return g->slot_of[prim] * g->width + key % g->width;
}

static int graph_key(const graph_t *g, int node)
{
    return g->prim_of[node / g->width] * g->width + node % g->width;
}

static void graph_add(graph_t *g, int a_key, int b_key)
{
    int a = graph_node(g, a_key), b = graph_node(g, b_key);
    gnode_t *na = &g->nodes[a];
    for (uint32_t i = 0; i < na->n_adj; i++)
        if (na->adj[i] == b) return;
    if (na->n_adj == na->cap_adj) {
        na->cap_adj = na->cap_adj ? 2 * na->cap_adj : 4;
        na->adj = corral_xrealloc(na->adj, na->cap_adj * sizeof(int));
    }
    na->adj[na->n_adj++] = b;
}

/* The implied successor of node u in an action graph, or -1. */
static int implied_next(const graph_t *g, int u)
{
    if (!g->actions) return -1;
    if (u % 4 == 0) return u + 2; /* start before promote */
    if (u % 4 == 3) return u - 2; /* demote before stop */
    return -1;
}

/* A path of keys from `from` to `to` (inclusive) as a malloc'd array, or NULL. */
static int *graph_path(graph_t *g, int from_key, int to_key, size_t *len_out)
{
    int from = graph_node(g, from_key), to = graph_node(g, to_key);
    if (++g->stamp == 0) { /* wrapped: forget every old mark */
        for (size_t i = 0; i < g->n_slots * (size_t)g->width; i++) g->nodes[i].seen = 0;
        g->stamp = 1;
    }
    const unsigned stamp = g->stamp;
    size_t qh = 0, qt = 0;
    g->queue[qt++] = from;
    g->nodes[from].seen = stamp;
    g->nodes[from].prev = -1;
    bool found = from == to;
    while (!found && qh < qt) {
        int u = g->queue[qh++];
        int implied = implied_next(g, u);
        /* The implied edge first, as if it were the first of the stored ones. */
        for (uint32_t i = implied < 0 ? 1 : 0; i <= g->nodes[u].n_adj; i++) {
            int v = i == 0 ? implied : g->nodes[u].adj[i - 1];
            if (g->nodes[v].seen == stamp) continue;
            g->nodes[v].seen = stamp;
            g->nodes[v].prev = u;
            if (v == to) {
                found = true;
                break;
            }
            g->queue[qt++] = v;
        }
    }
    if (!found) return NULL;
    size_t len = 0;
    for (int v = to; v != -1; v = g->nodes[v].prev) len++;
    int *path = corral_xmalloc(len * sizeof(int));
    size_t i = len;
    for (int v = to; v != -1; v = g->nodes[v].prev) path[--i] = graph_key(g, v);
    *len_out = len;
    return path;
}

static const char *const loop_actions[] = {"start", "stop", "promote", "demote"};

static int action_index(const char *a)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(a, loop_actions[i])) return i;
    return 0;
}

/* start<->stop, promote<->demote: the reverse of a symmetrical order. */
static int action_inverse(int a)
{
    return a ^ 1;
}

/* Would a->b close a cycle? Then report it (naming the path b ... a) and leave it out. */
static bool loop_edge(ctx_t *x, graph_t *g, int a, int b, bool order, int line)
{
    size_t len = 0;
    int *path = graph_path(g, b, a, &len);
    if (!path) {
        graph_add(g, a, b);
        return true;
    }
    const corral_config_t *c = x->c;
    corral_buf_t m = {0};
    /* Print the cycle from a: a, b, ..., a. */
    if (order) {
        corral_buf_printf(&m, "%s %s", loop_actions[a % 4], c->resources[a / 4].id);
        for (size_t i = 0; i < len; i++)
            corral_buf_printf(&m, ", then %s %s", loop_actions[path[i] % 4],
                              c->resources[path[i] / 4].id);
        err(x, line, "%s: makes an ordering loop: %s", x->obj, m.s);
    } else {
        corral_buf_printf(&m, "%s with %s", c->resources[a].id, c->resources[path[0]].id);
        for (size_t i = 1; i < len; i++)
            corral_buf_printf(&m, ", %s with %s", c->resources[path[i - 1]].id,
                              c->resources[path[i]].id);
        err(x, line, "%s: makes a colocation loop: %s", x->obj, m.s);
    }
    corral_buf_free(&m);
    free(path);
    return false;
}

static void check_loops(ctx_t *x)
{
    corral_config_t *c = x->c;
    size_t np = c->n_resources;
    graph_t og, cg;
    graph_init(&og, np, 4, true);
    graph_init(&cg, np, 1, false);
    for (size_t gi = 0; gi < c->n_groups; gi++) {
        const corral_group_t *g = &c->groups[gi];
        for (size_t i = 1; i < g->n_members; i++) {
            int a = g->members[i - 1], b = g->members[i];
            graph_add(&og, a * 4 + 0, b * 4 + 0);
            graph_add(&og, b * 4 + 1, a * 4 + 1);
            graph_add(&cg, b, a);
        }
    }
    for (size_t i = 0; i < c->n_orders; i++) {
        corral_order_t *o = &c->orders[i];
        if (x->raw[K_ORDER][i].dup || x->raw[K_ORDER][i].self || o->kind != CORRAL_ORDER_MANDATORY)
            continue;
        if (o->first.kind == CORRAL_REF_NONE || o->then.kind == CORRAL_REF_NONE) continue;
        int *fp = NULL, *tp = NULL;
        size_t nf = ref_prims(c, o->first, &fp), nt = ref_prims(c, o->then, &tp);
        int fa = action_index(o->first_action), ta = action_index(o->then_action);
        set_obj(x, "order", o->id);
        bool ok = true;
        for (size_t a = 0; ok && a < nf; a++)
            for (size_t b = 0; ok && b < nt; b++) {
                ok = loop_edge(x, &og, fp[a] * 4 + fa, tp[b] * 4 + ta, true, o->line);
                if (ok && o->symmetrical)
                    ok = loop_edge(x, &og, tp[b] * 4 + action_inverse(ta),
                                   fp[a] * 4 + action_inverse(fa), true, o->line);
            }
        x->obj = NULL;
        free(fp);
        free(tp);
    }
    for (size_t i = 0; i < c->n_colocations; i++) {
        corral_colocation_t *co = &c->colocations[i];
        if (x->raw[K_COLOCATION][i].dup || x->raw[K_COLOCATION][i].self ||
            co->score < CORRAL_INFINITY)
            continue;
        if (co->rsc.kind == CORRAL_REF_NONE || co->with.kind == CORRAL_REF_NONE) continue;
        int *rp = NULL, *wp = NULL;
        size_t nr = ref_prims(c, co->rsc, &rp), nwp = ref_prims(c, co->with, &wp);
        set_obj(x, "colocation", co->id);
        bool ok = true;
        for (size_t a = 0; ok && a < nr; a++)
            for (size_t b = 0; ok && b < nwp; b++)
                ok = loop_edge(x, &cg, rp[a], wp[b], false, co->line);
        x->obj = NULL;
        free(rp);
        free(wp);
    }
    graph_free(&og);
    graph_free(&cg);
}

/* ---------------------------------------------------------------- pass 2 */

static void resolve_groups(ctx_t *x)
{
    corral_config_t *c = x->c;
    for (size_t gi = 0; gi < c->n_groups; gi++) {
        corral_group_t *g = &c->groups[gi];
        raw_t *raw = &x->raw[K_GROUP][gi];
        if (raw->dup) continue;
        const char *obj = set_obj(x, "group", g->id);
        g->members = corral_xcalloc(raw->n_list, sizeof(int));
        for (size_t i = 0; i < raw->n_list; i++) {
            const name_ref_t *nr = &raw->list[i];
            const id_entry_t *e = find_id(x, nr->name);
            if (!e) {
                err(x, nr->line, "%s: member '%s' is not a configured resource%s", obj, nr->name,
                    dym(closest_id(x, nr->name, false, true)));
                continue;
            }
            if (e->kind != K_RESOURCE) {
                err(x, nr->line, "%s: member '%s' is a %s; a group holds resources only", obj,
                    nr->name, kind_names[e->kind]);
                continue;
            }
            corral_resource_t *r = &c->resources[e->index];
            if (r->group == (int)gi) {
                err(x, nr->line, "%s: lists '%s' twice", obj, nr->name);
                continue;
            }
            if (r->group >= 0) {
                err(x, nr->line, "%s: resource '%s' is already in group %s (line %d)", obj,
                    nr->name, c->groups[r->group].id, c->groups[r->group].resources_line);
                continue;
            }
            r->group = (int)gi;
            g->members[g->n_members++] = e->index;
        }
        x->obj = NULL;
    }
}

static void resolve_clones(ctx_t *x)
{
    corral_config_t *c = x->c;
    for (size_t ci = 0; ci < c->n_clones; ci++) {
        corral_clone_t *cl = &c->clones[ci];
        raw_t *raw = &x->raw[K_CLONE][ci];
        if (raw->dup) continue;
        const char *obj = set_obj(x, "clone", cl->id);
        corral_ref_t r = resolve_rsc(x, &raw->a, "resource");
        if (r.kind == CORRAL_REF_CLONE) {
            err(x, raw->a.line, "%s: resource = '%s' is a clone; a clone cannot hold a clone", obj,
                raw->a.name);
        } else if (r.kind == CORRAL_REF_PRIMITIVE) {
            corral_resource_t *p = &c->resources[r.index];
            if (p->group >= 0) {
                const corral_group_t *g = &c->groups[p->group];
                if (raw->a.line > g->resources_line)
                    err(x, raw->a.line,
                        "%s: resource '%s' is a member of group %s; clone the group instead", obj,
                        raw->a.name, g->id);
                else
                    err(x, g->resources_line,
                        "group %s: member '%s' is cloned on its own by clone %s (line %d); clone "
                        "the group instead",
                        g->id, raw->a.name, cl->id, raw->a.line);
            } else if (p->clone >= 0) {
                err(x, raw->a.line, "%s: resource '%s' is already cloned by clone %s (line %d)",
                    obj, raw->a.name, c->clones[p->clone].id, c->clones[p->clone].resource_line);
            } else {
                p->clone = (int)ci;
                cl->child = r;
            }
        } else if (r.kind == CORRAL_REF_GROUP) {
            corral_group_t *g = &c->groups[r.index];
            if (g->clone >= 0) {
                err(x, raw->a.line, "%s: group '%s' is already cloned by clone %s (line %d)", obj,
                    raw->a.name, c->clones[g->clone].id, c->clones[g->clone].resource_line);
            } else {
                g->clone = (int)ci;
                cl->child = r;
                for (size_t i = 0; i < g->n_members; i++)
                    c->resources[g->members[i]].clone = (int)ci;
            }
        }
        if (!cl->promotable && raw->promoted_keys_line)
            warn(x, raw->promoted_keys_line,
                 "%s: promoted-max and promoted-per-node apply only when promotable = true", obj);
        x->obj = NULL;
    }
}

/* A constraint's resource reference: resolved, and not inside a clone. */
static corral_ref_t constraint_ref(ctx_t *x, const name_ref_t *nr, const char *what)
{
    corral_ref_t r = resolve_rsc(x, nr, what);
    int inner = r.kind == CORRAL_REF_NONE ? -1 : ref_inner_clone(x->c, r);
    if (inner >= 0) {
        err(x, nr->line, "%s: %s = '%s' is inside clone %s; name the clone instead", x->obj, what,
            nr->name, x->c->clones[inner].id);
        r = (corral_ref_t){CORRAL_REF_NONE, -1};
    }
    return r;
}

static void check_role(ctx_t *x, corral_role_t role, int line, corral_ref_t r, const char *key)
{
    if (role != CORRAL_ROLE_PROMOTED && role != CORRAL_ROLE_UNPROMOTED) return;
    if (r.kind == CORRAL_REF_NONE || ref_promotable(x->c, r)) return;
    err(x, line, "%s: %s = %s needs a promotable clone, and '%s' is not one", x->obj, key,
        role_names[role], ref_id(x->c, r));
}

static bool refs_overlap(const corral_config_t *c, corral_ref_t a, corral_ref_t b)
{
    int *pa = NULL, *pb = NULL;
    size_t na = ref_prims(c, a, &pa), nb = ref_prims(c, b, &pb);
    bool hit = false;
    for (size_t i = 0; i < na && !hit; i++)
        for (size_t j = 0; j < nb && !hit; j++) hit = pa[i] == pb[j];
    free(pa);
    free(pb);
    return hit;
}

static void resolve_constraints(ctx_t *x)
{
    corral_config_t *c = x->c;
    for (size_t i = 0; i < c->n_locations; i++) {
        corral_location_t *l = &c->locations[i];
        raw_t *raw = &x->raw[K_LOCATION][i];
        if (raw->dup) continue;
        const char *obj = set_obj(x, "location", l->id);
        l->rsc = constraint_ref(x, &raw->a, "resource");
        if (raw->b.name) {
            const id_entry_t *e = find_node(x, raw->b.name);
            if (e)
                l->node = e->index;
            else
                err(x, raw->b.line, "%s: node = '%s' has no [node %s] section%s", obj, raw->b.name,
                    raw->b.name, dym(closest_id(x, raw->b.name, true, false)));
        }
        check_role(x, l->role, raw->role_line, l->rsc, "role");
        x->obj = NULL;
    }
    for (size_t i = 0; i < c->n_colocations; i++) {
        corral_colocation_t *co = &c->colocations[i];
        raw_t *raw = &x->raw[K_COLOCATION][i];
        if (raw->dup) continue;
        const char *obj = set_obj(x, "colocation", co->id);
        co->rsc = constraint_ref(x, &raw->a, "resource");
        co->with = constraint_ref(x, &raw->b, "with");
        if (co->rsc.kind != CORRAL_REF_NONE && co->with.kind != CORRAL_REF_NONE) {
            raw->self = refs_overlap(c, co->rsc, co->with);
            if (co->rsc.kind == co->with.kind && co->rsc.index == co->with.index)
                err(x, raw->b.line, "%s: '%s' cannot be colocated with itself", obj, raw->b.name);
            else if (refs_overlap(c, co->rsc, co->with))
                err(x, raw->b.line,
                    "%s: '%s' and '%s' overlap (a group and its own member) and cannot be "
                    "colocated with each other",
                    obj, raw->a.name, raw->b.name);
        }
        check_role(x, co->role, raw->role_line, co->rsc, "role");
        check_role(x, co->with_role, raw->with_role_line, co->with, "with-role");
        x->obj = NULL;
    }
    for (size_t i = 0; i < c->n_orders; i++) {
        corral_order_t *o = &c->orders[i];
        raw_t *raw = &x->raw[K_ORDER][i];
        if (raw->dup) continue;
        const char *obj = set_obj(x, "order", o->id);
        o->first = constraint_ref(x, &raw->a, "first");
        o->then = constraint_ref(x, &raw->b, "then");
        if (o->first.kind != CORRAL_REF_NONE && o->then.kind != CORRAL_REF_NONE) {
            raw->self = refs_overlap(c, o->first, o->then);
            if (o->first.kind == o->then.kind && o->first.index == o->then.index)
                err(x, raw->b.line, "%s: '%s' cannot be ordered with itself", obj, raw->b.name);
            else if (refs_overlap(c, o->first, o->then))
                err(x, raw->b.line,
                    "%s: '%s' and '%s' overlap (a group and its own member) and cannot be "
                    "ordered with each other",
                    obj, raw->a.name, raw->b.name);
            else {
                const char *acts[] = {o->first_action, o->then_action};
                corral_ref_t refs[] = {o->first, o->then};
                for (int k = 0; k < 2; k++)
                    if ((!strcmp(acts[k], "promote") || !strcmp(acts[k], "demote")) &&
                        !ref_promotable(c, refs[k]))
                        err(x, o->line,
                            "%s: %s-action = %s%s needs a promotable clone, and '%s' "
                            "is not one",
                            obj, k ? "then" : "first", acts[k],
                            k && !raw->then_action_line ? " (taken from first-action)" : "",
                            ref_id(c, refs[k]));
            }
        }
        x->obj = NULL;
    }
}

static void check_resources(ctx_t *x)
{
    corral_config_t *c = x->c;
    for (size_t i = 0; i < c->n_resources; i++) {
        corral_resource_t *r = &c->resources[i];
        if (x->raw[K_RESOURCE][i].dup) continue;
        bool promotable = r->clone >= 0 && c->clones[r->clone].promotable;
        if (!promotable && (r->meta.target_role == CORRAL_ROLE_PROMOTED ||
                            r->meta.target_role == CORRAL_ROLE_UNPROMOTED))
            err(x, r->meta.target_role_line,
                "resource %s: target-role = %s applies only in a promotable clone", r->id,
                role_names[r->meta.target_role]);
        for (size_t k = 0; k < r->n_ops; k++) {
            const corral_op_spec_t *op = &r->ops[k];
            if (!promotable && (op->role != CORRAL_ROLE_ANY || !strcmp(op->action, "promote") ||
                                !strcmp(op->action, "demote")))
                err(x, op->line, "resource %s: op.%s%s%s applies only in a promotable clone", r->id,
                    op->action, op->role ? "." : "", op->role ? role_names[op->role] : "");
        }
        if (!r->migration_threshold_set)
            r->migration_threshold = c->cluster.default_migration_threshold;
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        corral_group_t *g = &c->groups[i];
        bool promotable = g->clone >= 0 && c->clones[g->clone].promotable;
        if (!promotable && (g->meta.target_role == CORRAL_ROLE_PROMOTED ||
                            g->meta.target_role == CORRAL_ROLE_UNPROMOTED))
            err(x, g->meta.target_role_line,
                "group %s: target-role = %s applies only in a promotable clone", g->id,
                role_names[g->meta.target_role]);
    }
    for (size_t i = 0; i < c->n_clones; i++) {
        corral_clone_t *cl = &c->clones[i];
        if (!cl->promotable && (cl->meta.target_role == CORRAL_ROLE_PROMOTED ||
                                cl->meta.target_role == CORRAL_ROLE_UNPROMOTED))
            err(x, cl->meta.target_role_line,
                "clone %s: target-role = %s applies only to a promotable clone", cl->id,
                role_names[cl->meta.target_role]);
    }
    for (size_t i = 0; i < c->n_fence_devices; i++) {
        corral_fence_device_t *f = &c->fence_devices[i];
        for (size_t k = 0; k < f->n_hosts; k++)
            if (!find_node(x, f->hosts[k]))
                warn(x, f->hosts_line, "fence %s: host '%s' has no [node %s] section", f->id,
                     f->hosts[k], f->hosts[k]);
        for (size_t k = 0; k < f->host_map.n; k++) {
            const corral_kv_t *kv = &f->host_map.items[k];
            if (!find_node(x, kv->key))
                warn(x, kv->line, "fence %s: host-map names '%s', which has no [node %s] section",
                     f->id, kv->key, kv->key);
            else if (f->hosts) {
                bool in = false;
                for (size_t h = 0; h < f->n_hosts; h++) in |= !strcmp(f->hosts[h], kv->key);
                if (!in)
                    warn(x, kv->line, "fence %s: host-map names '%s', which is not in hosts", f->id,
                         kv->key);
            }
        }
        if (f->delay_max_ms && f->delay_ms > f->delay_max_ms)
            warn(x, f->line, "fence %s: delay is longer than delay-max", f->id);
    }
}

static void build_top(ctx_t *x)
{
    corral_config_t *c = x->c;
    c->top = corral_xcalloc(x->n_order, sizeof(*c->top));
    for (size_t i = 0; i < x->n_order; i++) {
        int k = x->order_kind[i], idx = x->order[i].index;
        if (k == K_RESOURCE && c->resources[idx].group < 0 && c->resources[idx].clone < 0)
            c->top[c->n_top++] = (corral_ref_t){CORRAL_REF_PRIMITIVE, idx};
        else if (k == K_GROUP && c->groups[idx].clone < 0)
            c->top[c->n_top++] = (corral_ref_t){CORRAL_REF_GROUP, idx};
        else if (k == K_CLONE)
            c->top[c->n_top++] = (corral_ref_t){CORRAL_REF_CLONE, idx};
    }
}

/* ---------------------------------------------------------------- agents */

typedef struct param_ctx {
    ctx_t *x;
    const char *obj;
    const corral_kvlist_t *params;
    int header_line;
} param_ctx_t;

static void param_bad(void *ud, const char *param, const char *message)
{
    param_ctx_t *p = ud;
    int line = p->header_line; /* a missing parameter: the section's problem */
    for (size_t i = 0; param && i < p->params->n; i++)
        if (!strcmp(p->params->items[i].key, param)) line = p->params->items[i].line;
    err(p->x, line, "%s: %s", p->obj, message);
}

/*
 * Describe one agent; check its parameters and the actions the config asks
 * of it. Returns the description, or NULL when there is none to check against.
 */
static const corral_agent_info_t *check_agent(ctx_t *x, corral_registry_t *reg,
                                              const corral_config_opts_t *opts, const char *obj,
                                              const char *agent, int agent_line,
                                              corral_agent_kind_t kind,
                                              const corral_kvlist_t *params, int header_line)
{
    const corral_agent_info_t *info = NULL;
    char *why = NULL;
    int rc = corral_registry_describe(reg, agent, kind, &info, &why);
    if (rc == -ENOENT) {
        /* A [fence] naming a resource agent (or the reverse) is a common slip: say so. */
        corral_agent_kind_t other =
            kind == CORRAL_AGENT_FENCE ? CORRAL_AGENT_RESOURCE : CORRAL_AGENT_FENCE;
        const corral_agent_info_t *oi = NULL;
        char *owhy = NULL;
        bool exists_other = corral_registry_describe(reg, agent, other, &oi, &owhy) == 0;
        free(owhy);
        const char *hint = !exists_other                ? ""
                           : kind == CORRAL_AGENT_FENCE ? " (it is a resource agent; a [fence] "
                                                          "section needs a fence agent)"
                                                        : " (it is a fence agent; a [resource] "
                                                          "section needs a resource agent)";
        if (opts->missing_agent_is_warning && !exists_other)
            warn(x, agent_line, "%s: agent '%s' not found", obj, agent);
        else
            err(x, agent_line, "%s: agent '%s' not found%s", obj, agent, hint);
        return NULL;
    }
    if (rc < 0) {
        if (why)
            err(x, agent_line, "%s: agent '%s' cannot be used: %s", obj, agent, why);
        else
            err(x, agent_line, "%s: agent '%s' cannot be used: %s", obj, agent, strerror(-rc));
        free(why);
        return NULL;
    }
    /* Most resources set few parameters: small lists stay on the stack. */
    const char *small_names[16], *small_values[16];
    bool small = params->n <= 16;
    const char **names = small ? small_names : corral_xcalloc(params->n, sizeof(char *));
    const char **values = small ? small_values : corral_xcalloc(params->n, sizeof(char *));
    for (size_t i = 0; i < params->n; i++) {
        names[i] = params->items[i].key;
        values[i] = params->items[i].value;
    }
    param_ctx_t pc = {x, obj, params, header_line};
    corral_registry_check_params(info, params->n, names, values, param_bad, &pc);
    if (!small) {
        free(names);
        free(values);
    }
    return info;
}

static void check_agents(ctx_t *x, const corral_config_opts_t *opts)
{
    corral_config_t *c = x->c;
    corral_registry_t *reg = opts ? opts->registry : NULL;
    corral_registry_t *own = NULL;
    if (!reg && opts && opts->check_agents) {
        corral_registry_settings_t set = {
            .plugin_path = c->cluster.plugin_path,
            .lua_path = c->cluster.lua_path,
            .ocf_root = c->cluster.ocf_root,
            .fence_agents_path = c->cluster.fence_agents_path,
        };
        int rc = corral_registry_new(&set, &own);
        if (rc < 0) {
            err(x, c->cluster.line, "cluster: cannot set up the agent search paths: %s",
                strerror(-rc));
            return;
        }
        reg = own;
    }
    if (!reg) return;
    /* A unique parameter's values so far, per agent: (agent, param, value) -> line. */
    typedef struct seen {
        const char *agent, *param, *value, *owner;
        int line;
        char *key;     /* agent, param and value joined: the hash table's key */
        int next_same; /* the next entry with the same key, or -1 */
        int last_same; /* (first of a key) the last entry with it */
    } seen_t;
    seen_t *seen = NULL;
    size_t n_seen = 0, cap_seen = 0;
    /* Entries with the same key are chained from the first: no scan of every value so far. */
    corral__strindex_t seen_ix;
    corral__strindex_init(&seen_ix, 16);
    for (size_t i = 0; i < c->n_resources; i++) {
        corral_resource_t *r = &c->resources[i];
        if (!r->agent || x->raw[K_RESOURCE][i].dup) continue;
        const char *obj = set_obj(x, "resource", r->id);
        const corral_agent_info_t *info = check_agent(x, reg, opts, obj, r->agent, r->agent_line,
                                                      CORRAL_AGENT_RESOURCE, &r->params, r->line);
        if (info) {
            for (size_t k = 0; k < r->n_ops; k++) {
                unsigned bit = corral_action_bit(r->ops[k].action);
                if (bit && !(info->actions & bit))
                    err(x, r->ops[k].line, "%s: agent %s has no %s action", obj, r->agent,
                        r->ops[k].action);
            }
            bool promotable = r->clone >= 0 && c->clones[r->clone].promotable;
            if (promotable &&
                (!(info->actions & CORRAL_ACT_PROMOTE) || !(info->actions & CORRAL_ACT_DEMOTE)))
                err(x, r->agent_line,
                    "%s: agent %s cannot promote and demote, as clone %s (promotable) needs", obj,
                    r->agent, c->clones[r->clone].id);
            for (size_t k = 0; info->params && info->params[k].name; k++) {
                if (!info->params[k].unique) continue;
                for (size_t p = 0; p < r->params.n; p++) {
                    const corral_kv_t *kv = &r->params.items[p];
                    if (strcmp(kv->key, info->params[k].name)) continue;
                    char *key = corral_xasprintf("%s\x1f%s\x1f%s", r->agent, kv->key, kv->value);
                    int first = corral__strindex_get(&seen_ix, key);
                    /* The fields decide: a value holding the separator could share a key. */
                    for (int s = first; s >= 0; s = seen[s].next_same)
                        if (!strcmp(seen[s].agent, r->agent) && !strcmp(seen[s].param, kv->key) &&
                            !strcmp(seen[s].value, kv->value))
                            err(x, kv->line,
                                "%s: param.%s = '%s' is already used by resource %s (line %d); "
                                "agent %s needs a different value for each resource",
                                obj, kv->key, kv->value, seen[s].owner, seen[s].line, r->agent);
                    int me = (int)n_seen;
                    CORRAL_PUSH(
                        seen, n_seen, cap_seen,
                        ((seen_t){r->agent, kv->key, kv->value, r->id, kv->line, key, -1, me}));
                    if (first < 0) {
                        corral__strindex_add(&seen_ix, key, me);
                    } else {
                        seen[seen[first].last_same].next_same = me;
                        seen[first].last_same = me;
                    }
                }
            }
        }
    }
    x->obj = NULL;
    corral__strindex_free(&seen_ix);
    for (size_t i = 0; i < n_seen; i++) free(seen[i].key);
    free(seen);
    for (size_t i = 0; i < c->n_fence_devices; i++) {
        corral_fence_device_t *f = &c->fence_devices[i];
        if (!f->agent || x->raw[K_FENCE][i].dup) continue;
        const char *obj = set_obj(x, "fence", f->id);
        check_agent(x, reg, opts, obj, f->agent, f->agent_line, CORRAL_AGENT_FENCE, &f->params,
                    f->line);
    }
    x->obj = NULL;
    corral_registry_free(own);
}

/* ---------------------------------------------------------------- canonical form */

/*
 * One section's lines, "key = value" each, NUL-terminated one after the
 * other in a buffer that every section reuses: the canonical form of a big
 * config has tens of thousands of lines, and a string allocated for each
 * was most of what computing the digest cost.
 */
typedef struct lines {
    char *text; /* the lines, each with its NUL */
    size_t len, cap;
    size_t *off; /* where each line starts in text */
    size_t n, cap_off;
} lines_t;

static void line_put(lines_t *l, const char *prefix, const char *key, const char *value)
{
    size_t pl = strlen(prefix), kl = strlen(key), vl = strlen(value);
    CORRAL_PUSH(l->off, l->n, l->cap_off, l->len);
    corral_grow((void **)&l->text, &l->cap, l->len + pl + kl + 3 + vl + 1, 1);
    char *p = l->text + l->len;
    memcpy(p, prefix, pl);
    p += pl;
    memcpy(p, key, kl);
    p += kl;
    memcpy(p, " = ", 3);
    p += 3;
    memcpy(p, value, vl + 1);
    l->len += pl + kl + 3 + vl + 1;
}

static void line_add(lines_t *l, const char *key, const char *value)
{
    line_put(l, "", key, value);
}

static void line_addf(lines_t *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line_addf(lines_t *l, const char *key, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        line_put(l, "", key, "");
    } else if ((size_t)n < sizeof(small)) {
        line_put(l, "", key, small);
    } else {
        char *big = corral_xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        line_put(l, "", key, big);
        free(big);
    }
}

static void lines_free(lines_t *l)
{
    free(l->text);
    free(l->off);
    *l = (lines_t){0};
}

static int line_cmp(const void *a, const void *b, void *text)
{
    return strcmp((const char *)text + *(const size_t *)a, (const char *)text + *(const size_t *)b);
}

/* Write a value, wrapping long ones on indented continuation lines. */
static void put_value_line(corral_buf_t *b, const char *line)
{
    const size_t wrap = 120;
    size_t len = strlen(line);
    if (len <= wrap) {
        corral_buf_append_n(b, line, len);
        corral_buf_append_n(b, "\n", 1);
        return;
    }
    size_t col = 0;
    const char *p = line;
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t wl = sp ? (size_t)(sp - p) : strlen(p);
        if (col && col + 1 + wl > wrap) {
            corral_buf_append(b, "\n   ");
            col = 3;
        }
        if (col) corral_buf_append(b, " ");
        corral_buf_append_n(b, p, wl);
        col += wl + 1;
        p += wl;
        while (*p == ' ') p++;
    }
    corral_buf_append(b, "\n");
}

/* "[KIND ID]" (or "[KIND]" when id is NULL), the lines sorted, a blank line; l is emptied. */
/*
 * Where the canonical text goes: kept whole (corral_config_canonical), or,
 * for the digest, hashed section by section so that the text of a big
 * config is never held at once.
 */
typedef struct canon_out {
    corral_buf_t text;
    struct sha256_ctx *hash; /* NULL: keep the text */
} canon_out_t;

/* "[KIND ID]" (or "[KIND]" when id is NULL), the lines sorted, a blank line; l is emptied. */
static void flush_section(canon_out_t *out, const char *kind, const char *id, lines_t *l)
{
    corral_buf_t *b = &out->text;
    if (l->n > 16) {
        qsort_r(l->off, l->n, sizeof(*l->off), line_cmp, l->text);
    } else { /* a section has a handful of lines: an insertion sort costs less than qsort */
        for (size_t i = 1; i < l->n; i++) {
            size_t v = l->off[i], j = i;
            for (; j > 0 && strcmp(l->text + l->off[j - 1], l->text + v) > 0; j--)
                l->off[j] = l->off[j - 1];
            l->off[j] = v;
        }
    }
    corral_buf_append_n(b, "[", 1);
    corral_buf_append(b, kind);
    if (id) {
        corral_buf_append_n(b, " ", 1);
        corral_buf_append(b, id);
    }
    corral_buf_append_n(b, "]\n", 2);
    for (size_t i = 0; i < l->n; i++) put_value_line(b, l->text + l->off[i]);
    corral_buf_append_n(b, "\n", 1);
    l->n = 0;
    l->len = 0;
    if (out->hash) {
        sha256_update(out->hash, b->len, (const uint8_t *)b->s);
        b->len = 0; /* the buffer is reused for the next section */
    }
}

static void dur(char *out, size_t n, uint32_t ms)
{
    snprintf(out, n, "%ums", ms);
}

static const char *score_str(corral_score_t s, char *buf, size_t n)
{
    corral_format_score(s, buf, n);
    return buf;
}

static const char *bool_str(bool b)
{
    return b ? "true" : "false";
}

/* Only what is set: an unset meta key inherits from the group or clone around it. */
static void put_meta(lines_t *l, const corral_meta_t *m)
{
    char buf[32];
    if (m->priority_set) line_add(l, "priority", score_str(m->priority, buf, sizeof(buf)));
    if (m->target_role) line_add(l, "target-role", role_names[m->target_role]);
    if (m->stickiness_set) line_add(l, "stickiness", score_str(m->stickiness, buf, sizeof(buf)));
    if (m->managed_set) line_add(l, "managed", bool_str(m->managed));
}

static void put_kvs(lines_t *l, const char *prefix, const corral_kvlist_t *kv)
{
    for (size_t i = 0; i < kv->n; i++) line_put(l, prefix, kv->items[i].key, kv->items[i].value);
}

static void put_ops(lines_t *l, const corral_op_spec_t *ops, size_t n, bool stonith)
{
    for (size_t i = 0; i < n; i++) {
        const corral_op_spec_t *o = &ops[i];
        char *k = o->role ? corral_xasprintf("op.%s.%s", o->action, role_names[o->role])
                          : corral_xasprintf("op.%s", o->action);
        corral_on_fail_t of = o->on_fail;
        if (of == CORRAL_ON_FAIL_DEFAULT)
            of = !strcmp(o->action, "stop")
                     ? (stonith ? CORRAL_ON_FAIL_FENCE : CORRAL_ON_FAIL_BLOCK)
                     : CORRAL_ON_FAIL_RESTART;
        line_addf(l, k, "interval=%ums on-fail=%s timeout=%ums", o->interval_ms, on_fail_names[of],
                  o->timeout_ms);
        free(k);
    }
}

typedef struct sorted {
    const char *id;
    size_t index;
} sorted_t;

static int sorted_cmp(const void *a, const void *b)
{
    return strcmp(((const sorted_t *)a)->id, ((const sorted_t *)b)->id);
}

/* Indices of n objects of size `size` whose id (a char * at offset 0) sorts them. */
static sorted_t *sort_ids(const void *arr, size_t n, size_t size)
{
    sorted_t *s = corral_xcalloc(n ? n : 1, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        s[i].id = *(char *const *)((const char *)arr + i * size);
        s[i].index = i;
    }
    qsort(s, n, sizeof(*s), sorted_cmp);
    return s;
}

static void put_rule(lines_t *l, const corral_rule_t *r)
{
    static const char *const ops[] = {"eq",  "ne",  "lt",      "gt",
                                      "lte", "gte", "defined", "not_defined"};
    corral_buf_t b = {0};
    for (size_t i = 0; i < r->n_exprs; i++) {
        const corral_rule_expr_t *e = &r->exprs[i];
        if (i) corral_buf_append(&b, r->any ? " or " : " and ");
        corral_buf_printf(&b, "attr.%s %s", e->attr, ops[e->op]);
        if (e->value) corral_buf_printf(&b, " %s", e->value);
    }
    line_add(l, "rule", b.s ? b.s : "");
    corral_buf_free(&b);
}

/* The canonical form of c, section by section, into out. */
static void canonical_write(const corral_config_t *c, canon_out_t *out)
{
    static const char *const nq[] = {"stop", "freeze", "ignore", "demote", "fence"};
    static const char *const ps[] = {"default", "utilization", "balanced"};
    static const char *const req[] = {"", "nothing", "quorum", "fencing"};
    static const char *const ma[] = {"stop_start", "stop_only", "block"};
    static const char *const ok[] = {"mandatory", "optional", "serialize"};
    lines_t l = {0};
    char buf[32];
    const corral_cluster_opts_t *o = &c->cluster;

    line_add(&l, "name", o->name);
    line_add(&l, "stonith-enabled", bool_str(o->stonith_enabled));
    line_add(&l, "no-quorum-policy", nq[o->no_quorum_policy]);
    line_add(&l, "symmetric", bool_str(o->symmetric));
    if (o->default_stickiness_set)
        line_add(&l, "default-stickiness", score_str(o->default_stickiness, buf, sizeof(buf)));
    line_add(&l, "default-migration-threshold",
             score_str(o->default_migration_threshold, buf, sizeof(buf)));
    line_add(&l, "start-failure-is-fatal", bool_str(o->start_failure_is_fatal));
    line_add(&l, "placement-strategy", ps[o->placement_strategy]);
    line_add(&l, "fence-action", o->fence_action_off ? "off" : "reboot");
    dur(buf, sizeof(buf), o->fence_timeout_ms);
    line_add(&l, "fence-timeout", buf);
    dur(buf, sizeof(buf), o->recheck_interval_ms);
    line_add(&l, "recheck-interval", buf);
    dur(buf, sizeof(buf), o->startup_fencing_grace_ms);
    line_add(&l, "startup-fencing-grace", buf);
    /* Only when not the default: configs written before the key keep their digest. */
    if (o->two_node_fence_delay_ms != CORRAL_TWO_NODE_FENCE_DELAY_MS) {
        dur(buf, sizeof(buf), o->two_node_fence_delay_ms);
        line_add(&l, "two-node-fence-delay", buf);
    }
    line_add(&l, "stop-removed-resources", bool_str(o->stop_removed_resources));
    if (o->plugin_path) line_add(&l, "plugin-path", o->plugin_path);
    if (o->lua_path) line_add(&l, "lua-path", o->lua_path);
    if (o->ocf_root) line_add(&l, "ocf-root", o->ocf_root);
    if (o->fence_agents_path) line_add(&l, "fence-agents-path", o->fence_agents_path);
    flush_section(out, "cluster", NULL, &l);

    sorted_t *s = sort_ids(c->nodes, c->n_nodes, sizeof(*c->nodes));
    for (size_t i = 0; i < c->n_nodes; i++) {
        const corral_node_t *n = &c->nodes[s[i].index];
        line_add(&l, "standby", bool_str(n->standby));
        line_add(&l, "maintenance", bool_str(n->maintenance));
        put_kvs(&l, "attr.", &n->attrs);
        put_kvs(&l, "capacity.", &n->capacity);
        flush_section(out, "node", n->name, &l);
    }
    free(s);

    s = sort_ids(c->resources, c->n_resources, sizeof(*c->resources));
    for (size_t i = 0; i < c->n_resources; i++) {
        const corral_resource_t *r = &c->resources[s[i].index];
        line_add(&l, "agent", r->agent);
        put_kvs(&l, "param.", &r->params);
        put_ops(&l, r->ops, r->n_ops, o->stonith_enabled);
        put_meta(&l, &r->meta);
        line_add(&l, "migration-threshold", score_str(r->migration_threshold, buf, sizeof(buf)));
        dur(buf, sizeof(buf), r->failure_timeout_ms);
        line_add(&l, "failure-timeout", buf);
        corral_requires_t rq = r->requires;
        if (rq == CORRAL_REQUIRES_DEFAULT)
            rq = o->stonith_enabled ? CORRAL_REQUIRES_FENCING : CORRAL_REQUIRES_QUORUM;
        line_add(&l, "requires", req[rq]);
        line_add(&l, "multiple-active", ma[r->multiple_active]);
        put_kvs(&l, "uses.", &r->uses);
        flush_section(out, "resource", r->id, &l);
    }
    free(s);

    s = sort_ids(c->groups, c->n_groups, sizeof(*c->groups));
    for (size_t i = 0; i < c->n_groups; i++) {
        const corral_group_t *g = &c->groups[s[i].index];
        corral_buf_t m = {0};
        for (size_t k = 0; k < g->n_members; k++)
            corral_buf_printf(&m, "%s%s", k ? " " : "", c->resources[g->members[k]].id);
        line_add(&l, "resources", m.s ? m.s : "");
        corral_buf_free(&m);
        put_meta(&l, &g->meta);
        flush_section(out, "group", g->id, &l);
    }
    free(s);

    s = sort_ids(c->clones, c->n_clones, sizeof(*c->clones));
    for (size_t i = 0; i < c->n_clones; i++) {
        const corral_clone_t *cl = &c->clones[s[i].index];
        line_add(&l, "resource", ref_id(c, cl->child));
        if (cl->max >= 0) line_addf(&l, "max", "%d", cl->max);
        line_addf(&l, "per-node", "%d", cl->per_node);
        line_add(&l, "unique", bool_str(cl->unique));
        line_add(&l, "promotable", bool_str(cl->promotable));
        if (cl->promotable) {
            line_addf(&l, "promoted-max", "%d", cl->promoted_max);
            line_addf(&l, "promoted-per-node", "%d", cl->promoted_per_node);
        }
        line_add(&l, "interleave", bool_str(cl->interleave));
        line_add(&l, "notify", bool_str(cl->notify));
        put_meta(&l, &cl->meta);
        flush_section(out, "clone", cl->id, &l);
    }
    free(s);

    s = sort_ids(c->locations, c->n_locations, sizeof(*c->locations));
    for (size_t i = 0; i < c->n_locations; i++) {
        const corral_location_t *lo = &c->locations[s[i].index];
        line_add(&l, "resource", ref_id(c, lo->rsc));
        if (lo->has_rule)
            put_rule(&l, &lo->rule);
        else
            line_add(&l, "node", c->nodes[lo->node].name);
        line_add(&l, "score", score_str(lo->score, buf, sizeof(buf)));
        if (lo->role) line_add(&l, "role", role_names[lo->role]);
        flush_section(out, "location", lo->id, &l);
    }
    free(s);

    s = sort_ids(c->colocations, c->n_colocations, sizeof(*c->colocations));
    for (size_t i = 0; i < c->n_colocations; i++) {
        const corral_colocation_t *co = &c->colocations[s[i].index];
        line_add(&l, "resource", ref_id(c, co->rsc));
        line_add(&l, "with", ref_id(c, co->with));
        line_add(&l, "score", score_str(co->score, buf, sizeof(buf)));
        if (co->role) line_add(&l, "role", role_names[co->role]);
        if (co->with_role) line_add(&l, "with-role", role_names[co->with_role]);
        flush_section(out, "colocation", co->id, &l);
    }
    free(s);

    s = sort_ids(c->orders, c->n_orders, sizeof(*c->orders));
    for (size_t i = 0; i < c->n_orders; i++) {
        const corral_order_t *od = &c->orders[s[i].index];
        line_add(&l, "first", ref_id(c, od->first));
        line_add(&l, "then", ref_id(c, od->then));
        line_add(&l, "kind", ok[od->kind]);
        line_add(&l, "first-action", od->first_action);
        line_add(&l, "then-action", od->then_action);
        if (od->kind != CORRAL_ORDER_SERIALIZE)
            line_add(&l, "symmetrical", bool_str(od->symmetrical));
        flush_section(out, "order", od->id, &l);
    }
    free(s);

    s = sort_ids(c->fence_devices, c->n_fence_devices, sizeof(*c->fence_devices));
    for (size_t i = 0; i < c->n_fence_devices; i++) {
        const corral_fence_device_t *f = &c->fence_devices[s[i].index];
        line_add(&l, "agent", f->agent);
        put_kvs(&l, "param.", &f->params);
        if (f->hosts) {
            char **hs = corral_xcalloc(f->n_hosts, sizeof(char *));
            memcpy(hs, f->hosts, f->n_hosts * sizeof(char *));
            qsort(hs, f->n_hosts, sizeof(char *), str_cmp);
            corral_buf_t m = {0};
            for (size_t k = 0; k < f->n_hosts; k++)
                corral_buf_printf(&m, "%s%s", k ? " " : "", hs[k]);
            line_add(&l, "hosts", m.s);
            corral_buf_free(&m);
            free(hs);
        }
        if (f->host_map.n) {
            char **hs = corral_xcalloc(f->host_map.n, sizeof(char *));
            for (size_t k = 0; k < f->host_map.n; k++)
                hs[k] =
                    corral_xasprintf("%s:%s", f->host_map.items[k].key, f->host_map.items[k].value);
            qsort(hs, f->host_map.n, sizeof(char *), str_cmp);
            corral_buf_t m = {0};
            for (size_t k = 0; k < f->host_map.n; k++) {
                corral_buf_printf(&m, "%s%s", k ? " " : "", hs[k]);
                free(hs[k]);
            }
            line_add(&l, "host-map", m.s);
            corral_buf_free(&m);
            free(hs);
        }
        line_addf(&l, "level", "%d", f->level);
        dur(buf, sizeof(buf), f->delay_ms);
        line_add(&l, "delay", buf);
        dur(buf, sizeof(buf), f->delay_max_ms);
        line_add(&l, "delay-max", buf);
        put_ops(&l, f->ops, f->n_ops, o->stonith_enabled);
        flush_section(out, "fence", f->id, &l);
    }
    free(s);
    lines_free(&l);
}

char *corral_config_canonical(const corral_config_t *c)
{
    canon_out_t out = {0};
    canonical_write(c, &out);
    return corral_buf_take(&out.text);
}

static void compute_digest(corral_config_t *c)
{
    struct sha256_ctx h;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    canon_out_t out = {.hash = &h};
    canonical_write(c, &out);
    corral_buf_free(&out.text);
    sha256_digest(&h, sizeof(d), d);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof(d); i++) {
        c->digest[2 * i] = hex[d[i] >> 4];
        c->digest[2 * i + 1] = hex[d[i] & 15];
    }
    c->digest[2 * sizeof(d)] = '\0';
}

/* ---------------------------------------------------------------- load and free */

static void diags_sort(corral_diags_t *d, size_t from)
{
    /* Insertion sort by line: stable, and the lists are short. */
    for (size_t i = from + 1; i < d->n; i++) {
        corral_diag_t t = d->items[i];
        size_t j = i;
        while (j > from && d->items[j - 1].line > t.line) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = t;
    }
}

static void ctx_free(ctx_t *x)
{
    for (int k = 0; k < K__COUNT; k++) {
        size_t n = 0;
        switch ((enum kind)k) {
        case K_GROUP:
            n = x->c->n_groups;
            break;
        case K_CLONE:
            n = x->c->n_clones;
            break;
        case K_LOCATION:
            n = x->c->n_locations;
            break;
        case K_COLOCATION:
            n = x->c->n_colocations;
            break;
        case K_ORDER:
            n = x->c->n_orders;
            break;
        default:
            n = 0;
        }
        for (size_t i = 0; i < n; i++) {
            raw_t *r = &x->raw[k][i];
            free(r->a.name);
            free(r->b.name);
            for (size_t j = 0; j < r->n_list; j++) free(r->list[j].name);
            free(r->list);
        }
        free(x->raw[k]);
    }
    free(x->ids);
    free(x->node_ids);
    corral__strindex_free(&x->id_index);
    corral__strindex_free(&x->node_index);
    free(x->order);
    free(x->order_kind);
}

int corral_config_load_string(const char *name, const char *text, const corral_config_opts_t *opts,
                              corral_config_t **config_out, corral_diags_t *diags)
{
    corral_config_t *c = corral_xcalloc(1, sizeof(*c));
    c->file = corral_xstrdup(name);
    c->cluster = (corral_cluster_opts_t){
        .stonith_enabled = true,
        .symmetric = true,
        .default_migration_threshold = CORRAL_INFINITY,
        .start_failure_is_fatal = true,
        .fence_timeout_ms = 60000,
        .recheck_interval_ms = 15 * 60000,
        .startup_fencing_grace_ms = 20000,
        .two_node_fence_delay_ms = CORRAL_TWO_NODE_FENCE_DELAY_MS,
        .stop_removed_resources = true,
    };
    ctx_t x = {.file = name, .diags = diags, .c = c};
    size_t first_diag = diags->n;
    corral__ini_doc_t doc = {0};
    x.errors += corral__ini_read(name, text, &doc, diags);
    presize(&x, &doc);
    for (size_t i = 0; i < doc.n_sections; i++)
        if (doc.sections[i].header) section(&x, &doc.sections[i]);
    corral__ini_doc_free(&doc);
    if (!c->cluster.name) c->cluster.name = corral_xstrdup("corral");

    check_duplicates(&x, x.ids, x.n_ids, &x.id_index, false);
    check_duplicates(&x, x.node_ids, x.n_node_ids, &x.node_index, true);
    resolve_groups(&x);
    resolve_clones(&x);
    resolve_constraints(&x);
    check_resources(&x);
    check_loops(&x);
    check_agents(&x, opts);
    diags_sort(diags, first_diag);

    int rc = 0;
    if (x.errors) {
        rc = -EINVAL;
        ctx_free(&x);
        corral_config_free(c);
        return rc;
    }
    build_top(&x);
    ctx_free(&x);
    if (!opts || !opts->no_digest) compute_digest(c);
    *config_out = c;
    return 0;
}

int corral_config_load(const char *path, const corral_config_opts_t *opts,
                       corral_config_t **config_out, corral_diags_t *diags)
{
    char *data = NULL;
    size_t len = 0;
    int rc = corral_read_file(path, &data, &len);
    if (rc < 0) {
        corral__diag_add(diags, path, 0, false, "cannot read the file: %s", strerror(-rc));
        return rc;
    }
    if (strlen(data) != len) {
        int line = 1;
        for (const char *p = data; *p; p++) line += *p == '\n';
        corral__diag_add(diags, path, line, false,
                         "the line holds a NUL byte (the file is not text)");
        free(data);
        return -EINVAL;
    }
    rc = corral_config_load_string(path, data, opts, config_out, diags);
    free(data);
    return rc;
}

static void free_ops(corral_op_spec_t *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) free(ops[i].action);
    free(ops);
}

void corral_config_free(corral_config_t *c)
{
    if (!c) return;
    free(c->file);
    corral_cluster_opts_t *o = &c->cluster;
    free(o->name);
    free(o->plugin_path);
    free(o->lua_path);
    free(o->ocf_root);
    free(o->fence_agents_path);
    for (size_t i = 0; i < c->n_nodes; i++) {
        free(c->nodes[i].name);
        corral_kvlist_clear(&c->nodes[i].attrs);
        corral_kvlist_clear(&c->nodes[i].capacity);
    }
    free(c->nodes);
    for (size_t i = 0; i < c->n_resources; i++) {
        corral_resource_t *r = &c->resources[i];
        free(r->id);
        free(r->agent);
        corral_kvlist_clear(&r->params);
        corral_kvlist_clear(&r->uses);
        free_ops(r->ops, r->n_ops);
    }
    free(c->resources);
    for (size_t i = 0; i < c->n_groups; i++) {
        free(c->groups[i].id);
        free(c->groups[i].members);
    }
    free(c->groups);
    for (size_t i = 0; i < c->n_clones; i++) free(c->clones[i].id);
    free(c->clones);
    for (size_t i = 0; i < c->n_locations; i++) {
        free(c->locations[i].id);
        rule_free(&c->locations[i].rule);
    }
    free(c->locations);
    for (size_t i = 0; i < c->n_colocations; i++) free(c->colocations[i].id);
    free(c->colocations);
    for (size_t i = 0; i < c->n_orders; i++) {
        free(c->orders[i].id);
        free(c->orders[i].first_action);
        free(c->orders[i].then_action);
    }
    free(c->orders);
    for (size_t i = 0; i < c->n_fence_devices; i++) {
        corral_fence_device_t *f = &c->fence_devices[i];
        free(f->id);
        free(f->agent);
        corral_kvlist_clear(&f->params);
        corral_kvlist_clear(&f->host_map);
        corral_strv_free(f->hosts);
        free_ops(f->ops, f->n_ops);
    }
    free(c->fence_devices);
    free(c->top);
    free(c);
}

void corral_diags_print(const corral_diags_t *diags, FILE *out)
{
    for (size_t i = 0; i < diags->n; i++) {
        const corral_diag_t *d = &diags->items[i];
        if (d->line > 0)
            fprintf(out, "%s:%d: %s%s\n", d->file, d->line, d->warning ? "warning: " : "",
                    d->message);
        else
            fprintf(out, "%s: %s%s\n", d->file, d->warning ? "warning: " : "", d->message);
    }
}

void corral_diags_clear(corral_diags_t *diags)
{
    for (size_t i = 0; i < diags->n; i++) {
        free(diags->items[i].file);
        free(diags->items[i].message);
    }
    free(diags->items);
    diags->items = NULL;
    diags->n = 0;
}
