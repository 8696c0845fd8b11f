/* The status model and its INI form (SPEC section 6). */
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_int.h"
#include "status.h"
#include "strindex.h"
#include "util.h"

const char *corral_node_state_name(corral_node_state_t s)
{
    switch (s) {
    case CORRAL_NODE_ONLINE:
        return "online";
    case CORRAL_NODE_OFFLINE:
        return "offline";
    case CORRAL_NODE_UNCLEAN:
        return "unclean";
    case CORRAL_NODE_PENDING:
        return "pending";
    }
    return "unknown";
}

#define diag_add corral__diag_add

/* ---- name lists ---- */

bool corral_namelist_has(const corral_namelist_t *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name)) return true;
    return false;
}

void corral_namelist_add(corral_namelist_t *l, const char *name)
{
    if (corral_namelist_has(l, name)) return;
    l->names = corral_xrealloc(l->names, (l->n + 1) * sizeof(char *));
    l->names[l->n++] = corral_xstrdup(name);
}

void corral_namelist_remove(corral_namelist_t *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->names[i], name)) continue;
        free(l->names[i]);
        memmove(&l->names[i], &l->names[i + 1], (l->n - i - 1) * sizeof(char *));
        l->n--;
        return;
    }
}

void corral_namelist_clear(corral_namelist_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

static void namelist_copy(corral_namelist_t *dst, const corral_namelist_t *src)
{
    dst->names = NULL;
    dst->n = 0;
    dst->line = src->line;
    for (size_t i = 0; i < src->n; i++) corral_namelist_add(dst, src->names[i]);
}

/* ---- lookups ---- */

corral_status_node_t *corral_status_node(const corral_status_t *st, const char *name)
{
    for (size_t i = 0; i < st->n_nodes; i++)
        if (!strcmp(st->nodes[i].name, name)) return &st->nodes[i];
    return NULL;
}

corral_status_resource_t *corral_status_resource(const corral_status_t *st, const char *id)
{
    for (size_t i = 0; i < st->n_resources; i++)
        if (!strcmp(st->resources[i].id, id)) return &st->resources[i];
    return NULL;
}

corral_status_node_t *corral_status_node_get(corral_status_t *st, const char *name)
{
    corral_status_node_t *n = corral_status_node(st, name);
    if (n) return n;
    st->nodes = corral_xrealloc(st->nodes, (st->n_nodes + 1) * sizeof(*st->nodes));
    n = &st->nodes[st->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->name = corral_xstrdup(name);
    n->state = CORRAL_NODE_ONLINE;
    return n;
}

corral_status_resource_t *corral_status_resource_get(corral_status_t *st, const char *id)
{
    corral_status_resource_t *r = corral_status_resource(st, id);
    if (r) return r;
    st->resources = corral_xrealloc(st->resources, (st->n_resources + 1) * sizeof(*st->resources));
    r = &st->resources[st->n_resources++];
    memset(r, 0, sizeof(*r));
    r->id = corral_xstrdup(id);
    return r;
}

static corral_status_failure_t *failure_get(corral_status_resource_t *r, const char *node)
{
    for (size_t i = 0; i < r->n_failures; i++)
        if (!strcmp(r->failures[i].node, node)) return &r->failures[i];
    r->failures = corral_xrealloc(r->failures, (r->n_failures + 1) * sizeof(*r->failures));
    corral_status_failure_t *f = &r->failures[r->n_failures++];
    f->node = corral_xstrdup(node);
    f->count = 0;
    f->last_failure = -1;
    f->line = 0;
    return f;
}

/* ---- life cycle ---- */

static void kvlist_set(corral_kvlist_t *l, const char *key, const char *value, int line)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key)) continue;
        free(l->items[i].value);
        l->items[i].value = corral_xstrdup(value);
        l->items[i].line = line;
        return;
    }
    l->items = corral_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->items[l->n].key = corral_xstrdup(key);
    l->items[l->n].value = corral_xstrdup(value);
    l->items[l->n].line = line;
    l->n++;
}

static void resource_clear(corral_status_resource_t *r)
{
    free(r->id);
    corral_namelist_clear(&r->active_on);
    corral_namelist_clear(&r->promoted_on);
    corral_namelist_clear(&r->failed_on);
    corral_namelist_clear(&r->stop_failed_on);
    for (size_t j = 0; j < r->n_failures; j++) free(r->failures[j].node);
    free(r->failures);
}

void corral_status_free(corral_status_t *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->n_nodes; i++) {
        free(st->nodes[i].name);
        corral_kvlist_clear(&st->nodes[i].attrs);
    }
    free(st->nodes);
    for (size_t i = 0; i < st->n_resources; i++) resource_clear(&st->resources[i]);
    free(st->resources);
    free(st->file);
    free(st);
}

corral_status_t *corral_status_new_fresh(const corral_config_t *config, int64_t now)
{
    corral_status_t *st = corral_xcalloc(1, sizeof(*st));
    st->quorate = true;
    st->now = now;
    st->now_set = true;
    for (size_t i = 0; config && i < config->n_nodes; i++)
        corral_status_node_get(st, config->nodes[i].name);
    return st;
}

corral_status_t *corral_status_copy(const corral_status_t *src)
{
    corral_status_t *st = corral_xcalloc(1, sizeof(*st));
    st->file = src->file ? corral_xstrdup(src->file) : NULL;
    st->quorate = src->quorate;
    st->now = src->now;
    st->now_set = src->now_set;
    for (size_t i = 0; i < src->n_nodes; i++) {
        corral_status_node_t *n = corral_status_node_get(st, src->nodes[i].name);
        n->line = src->nodes[i].line;
        n->state = src->nodes[i].state;
        for (size_t j = 0; j < src->nodes[i].attrs.n; j++)
            kvlist_set(&n->attrs, src->nodes[i].attrs.items[j].key,
                       src->nodes[i].attrs.items[j].value, src->nodes[i].attrs.items[j].line);
    }
    for (size_t i = 0; i < src->n_resources; i++) {
        const corral_status_resource_t *s = &src->resources[i];
        corral_status_resource_t *r = corral_status_resource_get(st, s->id);
        r->line = s->line;
        namelist_copy(&r->active_on, &s->active_on);
        namelist_copy(&r->promoted_on, &s->promoted_on);
        namelist_copy(&r->failed_on, &s->failed_on);
        namelist_copy(&r->stop_failed_on, &s->stop_failed_on);
        for (size_t j = 0; j < s->n_failures; j++) {
            corral_status_failure_t *f = failure_get(r, s->failures[j].node);
            f->count = s->failures[j].count;
            f->last_failure = s->failures[j].last_failure;
            f->line = s->failures[j].line;
        }
    }
    return st;
}

/* ---- parsing helpers (local: the status reader must not depend on the config loader) ---- */

int corral_parse_time(const char *s, int64_t *t_out)
{
    if (!s || !*s) return -EINVAL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && end && *end == '\0' && v >= 0) {
        *t_out = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) return -EINVAL;
    if (*rest == 'Z' || *rest == 'z')
        rest++;
    else if (!strncmp(rest, "+00:00", 6))
        rest += 6;
    if (*rest != '\0') return -EINVAL;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return -EINVAL;
    *t_out = (int64_t)t;
    return 0;
}

void corral_format_time(int64_t t, char *out, size_t outlen)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int parse_bool(const char *s, bool *b)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *b = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *b = false;
            return 0;
        }
    }
    return -EINVAL;
}

static int parse_score(const char *s, corral_score_t *out)
{
    if (!strcasecmp(s, "INFINITY") || !strcasecmp(s, "+INFINITY")) {
        *out = CORRAL_INFINITY;
        return 0;
    }
    if (!strcasecmp(s, "-INFINITY")) {
        *out = -CORRAL_INFINITY;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || !end || end == s || *end) return -EINVAL;
    if (v > CORRAL_INFINITY) v = CORRAL_INFINITY;
    if (v < -CORRAL_INFINITY) v = -CORRAL_INFINITY;
    *out = (corral_score_t)v;
    return 0;
}

/* ---- the reader (the config module's line-tracking inih reader) ---- */

typedef struct reader {
    const char *name;
    corral_status_t *st;
    corral_diags_t *diags;
    int errors;
} reader_t;

/* Whitespace as corral_split_words() has it. */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The words of value as the list (duplicates once), read in place: one allocation per name. */
static void names_set(corral_namelist_t *l, const char *value, int line)
{
    corral_namelist_clear(l);
    l->line = line;
    size_t n = 0;
    for (const char *p = value; *p;) {
        while (is_blank(*p)) p++;
        if (!*p) break;
        n++;
        while (*p && !is_blank(*p)) p++;
    }
    if (!n) return;
    l->names = corral_xcalloc(n, sizeof(char *));
    for (const char *p = value; *p;) {
        while (is_blank(*p)) p++;
        if (!*p) break;
        const char *start = p;
        while (*p && !is_blank(*p)) p++;
        char *name = corral_xstrndup(start, (size_t)(p - start));
        if (corral_namelist_has(l, name))
            free(name);
        else
            l->names[l->n++] = name;
    }
}

/*
 * Split a section header into words in place (whitespace as isspace() in
 * the C locale, as sscanf's %s has it): the first three in w[], the count
 * returned.
 */
static size_t header_words(char *h, char *w[3])
{
    size_t n = 0;
    char *p = h;
    for (;;) {
        while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
        if (!*p) break;
        char *start = p;
        while (*p && !(*p == ' ' || (*p >= '\t' && *p <= '\r'))) p++;
        if (n < 3) w[n] = start;
        n++;
        if (*p) *p++ = '\0';
    }
    return n;
}

static void bad(reader_t *r, int line, const char *hdr, const char *what, const char *key,
                const char *value)
{
    if (value)
        diag_add(r->diags, r->name, line, false, "[%s]: bad value '%s' for %s", hdr, value, key);
    else
        diag_add(r->diags, r->name, line, false, "[%s]: unknown key '%s'%s", hdr, key, what);
    r->errors++;
}

static void read_entry(reader_t *r, const char *hdr, const char *kind, corral_status_node_t *n,
                       corral_status_resource_t *res, const corral__ini_entry_t *e)
{
    const char *name = e->key, *value = e->value;
    if (!strcmp(kind, "quorum")) {
        if (!strcmp(name, "quorate")) {
            if (parse_bool(value, &r->st->quorate) < 0) bad(r, e->line, hdr, "", name, value);
        } else if (!strcmp(name, "now")) {
            if (corral_parse_time(value, &r->st->now) < 0)
                bad(r, e->line, hdr, "", name, value);
            else
                r->st->now_set = true;
        } else {
            bad(r, e->line, hdr, " (expected quorate or now)", name, NULL);
        }
        return;
    }
    if (!strcmp(kind, "node")) {
        if (!strcmp(name, "state")) {
            if (!strcmp(value, "online"))
                n->state = CORRAL_NODE_ONLINE;
            else if (!strcmp(value, "offline"))
                n->state = CORRAL_NODE_OFFLINE;
            else if (!strcmp(value, "unclean"))
                n->state = CORRAL_NODE_UNCLEAN;
            else if (!strcmp(value, "pending"))
                n->state = CORRAL_NODE_PENDING;
            else
                bad(r, e->line, hdr, "", name, value);
        } else if (corral_str_has_prefix(name, "attr.") && name[5]) {
            kvlist_set(&n->attrs, name + 5, value, e->line);
        } else {
            bad(r, e->line, hdr, " (expected state or attr.NAME)", name, NULL);
        }
        return;
    }
    if (!strcmp(name, "active-on"))
        names_set(&res->active_on, value, e->line);
    else if (!strcmp(name, "promoted-on"))
        names_set(&res->promoted_on, value, e->line);
    else if (!strcmp(name, "failed-on"))
        names_set(&res->failed_on, value, e->line);
    else if (!strcmp(name, "stop-failed-on"))
        names_set(&res->stop_failed_on, value, e->line);
    else if (corral_str_has_prefix(name, "failcount.") && name[10]) {
        corral_score_t c;
        if (parse_score(value, &c) < 0 || c < 0) {
            bad(r, e->line, hdr, "", name, value);
            return;
        }
        corral_status_failure_t *f = failure_get(res, name + 10);
        f->count = c;
        f->line = e->line;
    } else if (corral_str_has_prefix(name, "last-failure.") && name[13]) {
        int64_t t;
        if (corral_parse_time(value, &t) < 0) {
            bad(r, e->line, hdr, "", name, value);
            return;
        }
        corral_status_failure_t *f = failure_get(res, name + 13);
        f->last_failure = t;
        if (!f->line) f->line = e->line;
    } else {
        bad(r, e->line, hdr,
            " (expected active-on, promoted-on, failed-on, stop-failed-on, failcount.NODE or "
            "last-failure.NODE)",
            name, NULL);
    }
}

typedef struct named {
    const char *name;
    int line;
} named_t;

static int cmp_named(const void *a, const void *b)
{
    const named_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->line - y->line;
}

/*
 * Report each name given again after its first section. The sections are
 * found through a hash table (big statuses); the few duplicates are then
 * reported in name order.
 */
static int report_dups(reader_t *r, const named_t *v, size_t n, const char *what)
{
    corral__strindex_t ix;
    corral__strindex_init(&ix, n);
    named_t *dups = NULL;
    size_t n_dups = 0, cap_dups = 0;
    for (size_t i = 0; i < n; i++)
        if (corral__strindex_add(&ix, v[i].name, (int)i) >= 0)
            CORRAL_PUSH(dups, n_dups, cap_dups, v[i]);
    corral__strindex_free(&ix);
    if (n_dups > 1) qsort(dups, n_dups, sizeof(*dups), cmp_named);
    for (size_t i = 0; i < n_dups; i++)
        diag_add(r->diags, r->name, dups[i].line, false, "%s %s: duplicate section", what,
                 dups[i].name);
    free(dups);
    return (int)n_dups;
}

static int find_duplicates(reader_t *r)
{
    int errors = 0;
    named_t *v = corral_xcalloc(r->st->n_nodes + r->st->n_resources + 1, sizeof(named_t));
    for (size_t i = 0; i < r->st->n_nodes; i++)
        v[i] = (named_t){r->st->nodes[i].name, r->st->nodes[i].line};
    errors += report_dups(r, v, r->st->n_nodes, "node");
    for (size_t i = 0; i < r->st->n_resources; i++)
        v[i] = (named_t){r->st->resources[i].id, r->st->resources[i].line};
    errors += report_dups(r, v, r->st->n_resources, "resource");
    free(v);
    return errors;
}

int corral_status_load_string(const char *name, const char *text, corral_status_t **status_out,
                              corral_diags_t *diags)
{
    reader_t r;
    memset(&r, 0, sizeof(r));
    r.name = name;
    r.diags = diags;
    r.st = corral_xcalloc(1, sizeof(*r.st));
    r.st->quorate = true;
    r.st->file = corral_xstrdup(name);
    corral__ini_doc_t doc;
    memset(&doc, 0, sizeof(doc));
    size_t cap_res = 0;
    r.errors += corral__ini_read(name, text, &doc, diags);
    /* Room for every section at once (at most that many resources): no copying as it grows. */
    if (doc.n_sections) {
        cap_res = doc.n_sections;
        r.st->resources = corral_xcalloc(cap_res, sizeof(*r.st->resources));
    }
    for (size_t i = 0; i < doc.n_sections; i++) {
        const corral__ini_section_t *sec = &doc.sections[i];
        if (!sec->header) {
            for (size_t j = 0; j < sec->n_entries; j++) {
                diag_add(diags, name, sec->entries[j].line, false, "key '%s' outside any section",
                         sec->entries[j].key);
                r.errors++;
            }
            continue;
        }
        /* The header's words, cut in a copy (a line holds 199 bytes: the stack will do). */
        char small[256];
        size_t hl = strlen(sec->header);
        char *copy = hl < sizeof(small) ? small : corral_xmalloc(hl + 1);
        memcpy(copy, sec->header, hl + 1);
        char *w[3] = {NULL, NULL, NULL};
        size_t nw = header_words(copy, w);
        const char *kind = nw > 0 ? w[0] : "", *id = nw > 1 ? w[1] : "";
        bool ok = (nw == 1 && !strcmp(kind, "quorum")) ||
                  (nw == 2 && (!strcmp(kind, "node") || !strcmp(kind, "resource")));
        if (!ok) {
            if (copy != small) free(copy);
            diag_add(diags, name, sec->line, false,
                     "unknown section [%s] (expected [quorum], [node NAME] or [resource ID])",
                     sec->header);
            r.errors++;
            continue;
        }
        /* Sections are appended as read; duplicates are found afterwards, sorted (big statuses). */
        corral_status_node_t *node = NULL;
        corral_status_resource_t *res = NULL;
        if (!strcmp(kind, "node")) {
            r.st->nodes = corral_xrealloc(r.st->nodes, (r.st->n_nodes + 1) * sizeof(*r.st->nodes));
            node = &r.st->nodes[r.st->n_nodes++];
            memset(node, 0, sizeof(*node));
            node->name = corral_xstrdup(id);
            node->line = sec->line;
        } else if (!strcmp(kind, "resource")) {
            if (r.st->n_resources == cap_res) {
                cap_res = cap_res ? cap_res * 2 : 16;
                r.st->resources =
                    corral_xrealloc(r.st->resources, cap_res * sizeof(*r.st->resources));
            }
            res = &r.st->resources[r.st->n_resources++];
            memset(res, 0, sizeof(*res));
            res->id = corral_xstrdup(id);
            res->line = sec->line;
        }
        for (size_t j = 0; j < sec->n_entries; j++)
            read_entry(&r, sec->header, kind, node, res, &sec->entries[j]);
        if (copy != small) free(copy);
    }
    r.errors += find_duplicates(&r);
    corral__ini_doc_free(&doc);
    /* Cross-field rules of SPEC section 6. */
    for (size_t i = 0; i < r.st->n_resources; i++) {
        corral_status_resource_t *res = &r.st->resources[i];
        for (size_t j = 0; j < res->failed_on.n; j++) {
            if (corral_namelist_has(&res->active_on, res->failed_on.names[j])) continue;
            diag_add(diags, name, res->failed_on.line, false,
                     "resource %s: failed-on %s is not in active-on", res->id,
                     res->failed_on.names[j]);
            r.errors++;
        }
        for (size_t j = 0; j < res->promoted_on.n; j++) {
            if (corral_namelist_has(&res->active_on, res->promoted_on.names[j])) continue;
            diag_add(diags, name, res->promoted_on.line, false,
                     "resource %s: promoted-on %s is not in active-on", res->id,
                     res->promoted_on.names[j]);
            r.errors++;
        }
    }
    if (r.errors) {
        corral_status_free(r.st);
        return -EINVAL;
    }
    *status_out = r.st;
    return 0;
}

int corral_status_load(const char *path, corral_status_t **status_out, corral_diags_t *diags)
{
    char *text = NULL;
    int rc = corral_read_file(path, &text, NULL);
    if (rc < 0) {
        diag_add(diags, path, 0, false, "cannot read the status file: %s", strerror(-rc));
        return rc;
    }
    rc = corral_status_load_string(path, text, status_out, diags);
    free(text);
    return rc;
}

int corral_status_check(const corral_status_t *st, const corral_config_t *c, corral_diags_t *diags)
{
    int errors = 0;
    const char *file = st->file ? st->file : "status";
    /* The config's names in hash tables: a big status asks about every resource. */
    corral__strindex_t nodes, rscs;
    corral__strindex_init(&nodes, c->n_nodes);
    corral__strindex_init(&rscs, c->n_resources);
    for (size_t j = 0; j < c->n_nodes; j++) corral__strindex_add(&nodes, c->nodes[j].name, (int)j);
    for (size_t j = 0; j < c->n_resources; j++)
        corral__strindex_add(&rscs, c->resources[j].id, (int)j);
    for (size_t i = 0; i < st->n_nodes; i++) {
        if (corral__strindex_get(&nodes, st->nodes[i].name) >= 0) continue;
        diag_add(diags, file, st->nodes[i].line, false, "node %s is not in the configuration",
                 st->nodes[i].name);
        errors++;
    }
    for (size_t i = 0; i < st->n_resources; i++) {
        const corral_status_resource_t *r = &st->resources[i];
        if (corral__strindex_get(&rscs, r->id) < 0) {
            diag_add(diags, file, r->line, false, "resource %s is not in the configuration", r->id);
            errors++;
        }
        const corral_namelist_t *lists[] = {&r->active_on, &r->promoted_on, &r->failed_on,
                                            &r->stop_failed_on};
        const char *what[] = {"active-on", "promoted-on", "failed-on", "stop-failed-on"};
        for (size_t l = 0; l < 4; l++)
            for (size_t k = 0; k < lists[l]->n; k++) {
                if (corral__strindex_get(&nodes, lists[l]->names[k]) >= 0) continue;
                diag_add(diags, file, lists[l]->line, false,
                         "resource %s: %s names unknown node %s", r->id, what[l],
                         lists[l]->names[k]);
                errors++;
            }
        for (size_t k = 0; k < r->n_failures; k++) {
            if (corral__strindex_get(&nodes, r->failures[k].node) >= 0) continue;
            diag_add(diags, file, r->failures[k].line, false,
                     "resource %s: failcount names unknown node %s", r->id, r->failures[k].node);
            errors++;
        }
    }
    corral__strindex_free(&nodes);
    corral__strindex_free(&rscs);
    return errors;
}

size_t corral_status_forget_unknown(corral_status_t *st, const corral_config_t *c,
                                    corral_status_visit_fn removed, void *ud)
{
    size_t n_removed = 0, kept = 0;
    /* The config's names in hash tables: a status may name 10,000 resources. */
    corral__strindex_t nodes, prims;
    corral__strindex_init(&nodes, c->n_nodes);
    corral__strindex_init(&prims, c->n_resources);
    for (size_t j = 0; j < c->n_nodes; j++) corral__strindex_add(&nodes, c->nodes[j].name, (int)j);
    for (size_t j = 0; j < c->n_resources; j++)
        corral__strindex_add(&prims, c->resources[j].id, (int)j);
    for (size_t i = 0; i < st->n_nodes; i++) {
        corral_status_node_t *n = &st->nodes[i];
        if (corral__strindex_get(&nodes, n->name) >= 0) {
            st->nodes[kept++] = *n;
            continue;
        }
        if (removed) removed(ud, "node", n->name, NULL);
        for (size_t k = 0; k < st->n_resources; k++) {
            corral_status_resource_t *r = &st->resources[k];
            corral_namelist_remove(&r->active_on, n->name);
            corral_namelist_remove(&r->promoted_on, n->name);
            corral_namelist_remove(&r->failed_on, n->name);
            corral_namelist_remove(&r->stop_failed_on, n->name);
            size_t kf = 0;
            for (size_t f = 0; f < r->n_failures; f++) {
                if (strcmp(r->failures[f].node, n->name))
                    r->failures[kf++] = r->failures[f];
                else
                    free(r->failures[f].node);
            }
            r->n_failures = kf;
        }
        free(n->name);
        corral_kvlist_clear(&n->attrs);
        n_removed++;
    }
    st->n_nodes = kept;
    kept = 0;
    for (size_t i = 0; i < st->n_resources; i++) {
        corral_status_resource_t *r = &st->resources[i];
        if (corral__strindex_get(&prims, r->id) >= 0) {
            st->resources[kept++] = *r;
            continue;
        }
        if (removed) removed(ud, "resource", r->id, &r->active_on);
        resource_clear(r);
        n_removed++;
    }
    st->n_resources = kept;
    corral__strindex_free(&nodes);
    corral__strindex_free(&prims);
    return n_removed;
}

/* ---- writer ---- */

static void write_names(corral_buf_t *b, const char *key, const corral_namelist_t *l)
{
    if (!l->n) return;
    corral_buf_printf(b, "%s =", key);
    for (size_t i = 0; i < l->n; i++) corral_buf_printf(b, " %s", l->names[i]);
    corral_buf_append(b, "\n");
}

char *corral_status_format(const corral_status_t *st)
{
    corral_buf_t b = {0};
    char t[32];
    corral_buf_printf(&b, "[quorum]\nquorate = %s\n", st->quorate ? "true" : "false");
    if (st->now_set) {
        corral_format_time(st->now, t, sizeof(t));
        corral_buf_printf(&b, "now = %s\n", t);
    }
    for (size_t i = 0; i < st->n_nodes; i++) {
        const corral_status_node_t *n = &st->nodes[i];
        corral_buf_printf(&b, "\n[node %s]\nstate = %s\n", n->name,
                          corral_node_state_name(n->state));
        for (size_t j = 0; j < n->attrs.n; j++)
            corral_buf_printf(&b, "attr.%s = %s\n", n->attrs.items[j].key, n->attrs.items[j].value);
    }
    for (size_t i = 0; i < st->n_resources; i++) {
        const corral_status_resource_t *r = &st->resources[i];
        corral_buf_printf(&b, "\n[resource %s]\n", r->id);
        write_names(&b, "active-on", &r->active_on);
        write_names(&b, "promoted-on", &r->promoted_on);
        write_names(&b, "failed-on", &r->failed_on);
        write_names(&b, "stop-failed-on", &r->stop_failed_on);
        for (size_t j = 0; j < r->n_failures; j++) {
            const corral_status_failure_t *f = &r->failures[j];
            char sc[32];
            corral_format_score(f->count, sc, sizeof(sc));
            corral_buf_printf(&b, "failcount.%s = %s\n", f->node, sc);
            if (f->last_failure >= 0) {
                corral_format_time(f->last_failure, t, sizeof(t));
                corral_buf_printf(&b, "last-failure.%s = %s\n", f->node, t);
            }
        }
    }
    return corral_buf_take(&b);
}

int corral_status_write(const char *path, const corral_status_t *st)
{
    char *text = corral_status_format(st);
    int rc = corral_write_file_atomic(path, text, strlen(text), 0644);
    free(text);
    return rc;
}
