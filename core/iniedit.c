/* Line-preserving edits of INI text; see iniedit.h. */
#include "iniedit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The text as lines (without their newlines). */
typedef struct lines {
    char **v;
    size_t n, cap;
} lines_t;

static void split(const char *text, lines_t *l)
{
    memset(l, 0, sizeof(*l));
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        CORRAL_PUSH(l->v, l->n, l->cap, corral_xstrndup(p, len));
        p += len + (nl ? 1 : 0);
    }
}

static char *join_free(lines_t *l)
{
    corral_buf_t b = {0};
    for (size_t i = 0; i < l->n; i++) {
        corral_buf_append(&b, l->v[i]);
        corral_buf_append(&b, "\n");
        free(l->v[i]);
    }
    free(l->v);
    return corral_buf_take(&b);
}

static void insert(lines_t *l, size_t at, char *line)
{
    corral_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(char *));
    memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof(char *));
    l->v[at] = line;
    l->n++;
}

static void erase(lines_t *l, size_t at)
{
    free(l->v[at]);
    memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof(char *));
    l->n--;
}

/* "[ kind  id ]" -> "kind id" normalised; NULL if not a header line. */
static char *header_of(const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p != '[') return NULL;
    const char *end = strchr(p, ']');
    if (!end) return NULL;
    char *inner = corral_xstrndup(p + 1, (size_t)(end - p - 1));
    char **w = corral_split_words(inner, NULL);
    free(inner);
    corral_buf_t b = {0};
    for (char **x = w; *x; x++) {
        if (x != w) corral_buf_append(&b, " ");
        corral_buf_append(&b, *x);
    }
    corral_strv_free(w);
    return corral_buf_take(&b);
}

static bool is_blank(const char *line)
{
    return line[strspn(line, " \t")] == '\0';
}

/* After removing the last section, drop the blank lines that separated it. */
static void trim_tail(lines_t *l, size_t s)
{
    if (s != l->n) return;
    while (l->n && is_blank(l->v[l->n - 1])) erase(l, l->n - 1);
}

static bool is_continuation(const char *line)
{
    return (line[0] == ' ' || line[0] == '\t') && line[strspn(line, " \t")] != '\0' &&
           line[strspn(line, " \t")] != ';' && line[strspn(line, " \t")] != '#';
}

/* Does `line` set `key`? */
static bool sets_key(const char *line, const char *key)
{
    if (line[0] == ' ' || line[0] == '\t') return false;
    size_t kl = strlen(key);
    if (strncmp(line, key, kl) != 0) return false;
    const char *p = line + kl;
    while (*p == ' ' || *p == '\t') p++;
    return *p == '=' || *p == ':';
}

/* [start, end) of section `header`'s lines (header line included); false if absent. */
static bool find_section(const lines_t *l, const char *header, size_t *start, size_t *end)
{
    char **want = corral_split_words(header, NULL);
    corral_buf_t b = {0};
    for (char **x = want; *x; x++) {
        if (x != want) corral_buf_append(&b, " ");
        corral_buf_append(&b, *x);
    }
    corral_strv_free(want);
    char *norm = corral_buf_take(&b);
    bool found = false;
    for (size_t i = 0; i < l->n && !found; i++) {
        char *h = header_of(l->v[i]);
        if (h && !strcmp(h, norm)) {
            *start = i;
            size_t j = i + 1;
            while (j < l->n) {
                char *h2 = header_of(l->v[j]);
                free(h2);
                if (h2) break;
                j++;
            }
            *end = j;
            found = true;
        }
        free(h);
    }
    free(norm);
    return found;
}

char *corral_ini_set(const char *text, const char *header, const char *key, const char *value)
{
    lines_t l;
    split(text, &l);
    size_t s, e;
    if (!find_section(&l, header, &s, &e)) {
        if (value) {
            if (l.n && l.v[l.n - 1][0] != '\0') CORRAL_PUSH(l.v, l.n, l.cap, corral_xstrdup(""));
            CORRAL_PUSH(l.v, l.n, l.cap, corral_xasprintf("[%s]", header));
            CORRAL_PUSH(l.v, l.n, l.cap, corral_xasprintf("%s = %s", key, value));
        }
        return join_free(&l);
    }
    for (size_t i = s + 1; i < e; i++) {
        if (!sets_key(l.v[i], key)) continue;
        /* Drop the continuation lines of the old value. */
        while (i + 1 < e && is_continuation(l.v[i + 1])) {
            erase(&l, i + 1);
            e--;
        }
        if (value) {
            free(l.v[i]);
            l.v[i] = corral_xasprintf("%s = %s", key, value);
        } else {
            erase(&l, i);
        }
        return join_free(&l);
    }
    if (value) {
        /* After the last non-blank line of the section. */
        size_t at = e;
        while (at > s + 1 && l.v[at - 1][strspn(l.v[at - 1], " \t")] == '\0') at--;
        insert(&l, at, corral_xasprintf("%s = %s", key, value));
    }
    return join_free(&l);
}

char *corral_ini_remove_section(const char *text, const char *header, bool *removed_out)
{
    lines_t l;
    split(text, &l);
    size_t s, e;
    bool found = find_section(&l, header, &s, &e);
    if (found) {
        for (size_t i = s; i < e; i++) erase(&l, s);
        trim_tail(&l, s);
    }
    if (removed_out) *removed_out = found;
    return join_free(&l);
}

bool corral_ini_has_section(const char *text, const char *header)
{
    lines_t l;
    split(text, &l);
    size_t s, e;
    bool found = find_section(&l, header, &s, &e);
    free(join_free(&l));
    return found;
}

char *corral_ini_remove_sections_prefixed(const char *text, const char *prefix, int *count_out)
{
    lines_t l;
    split(text, &l);
    int count = 0;
    for (size_t i = 0; i < l.n;) {
        char *h = header_of(l.v[i]);
        if (h && corral_str_has_prefix(h, prefix)) {
            size_t s, e;
            find_section(&l, h, &s, &e);
            for (size_t k = s; k < e; k++) erase(&l, s);
            trim_tail(&l, s);
            count++;
            free(h);
            continue;
        }
        free(h);
        i++;
    }
    if (count_out) *count_out = count;
    return join_free(&l);
}
