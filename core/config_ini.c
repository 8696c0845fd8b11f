/*
 * The INI line reader: feeds Debian's libinih (r55) one physical line at a
 * time through ini_parse_stream(), so that the loader knows what libinih
 * does not tell it: the line of every key, sections without keys, lines
 * too long for libinih's 200-byte buffer, and continuation lines.
 *
 * libinih itself handles comments, inline comments, `key = value` and
 * `key: value`, and calls the handler once more with the same key for each
 * indented continuation line (its "multiline" mode; the reader cuts inline
 * comments off those lines, which Debian's r55 would keep in the value). The handler joins
 * those to the key's value, space-separated, so one entry carries the whole
 * value and its first line. (Joining in the reader instead would hand
 * libinih logical lines longer than its buffer.) The reader mirrors
 * libinih's classification of each line to know which call is which.
 */
#include "config_int.h"

#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum line_kind {
    LINE_OTHER, /* blank, comment, header, refused */
    LINE_KEY,
    LINE_CONT,
};

typedef struct reader {
    const char *file;
    const char *p;
    const char *end;
    int line;
    enum line_kind kind;
    /* libinih's own state, mirrored: whether its `prev_name` is non-empty. */
    bool have_prev_name;
    /* The section keys go to: an index, -1 before any header, -2 after a bad header. */
    long cur;
    bool has_pending;
    size_t pending;
    int errors;
    int first_syntax_error; /* the first line libinih itself will call an error */
    corral__ini_doc_t *doc;
    corral_diags_t *diags;
} reader_t;

void corral__diag_add(corral_diags_t *diags, const char *file, int line, bool warning,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (!msg) msg = corral_xstrdup(fmt);
    diags->items = corral_xrealloc(diags->items, (diags->n + 1) * sizeof(*diags->items));
    diags->items[diags->n++] = (corral_diag_t){
        .file = corral_xstrdup(file), .line = line, .warning = warning, .message = msg};
}

static void error(reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void error(reader_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    corral__diag_add(r->diags, r->file, r->line, false, "%s", msg ? msg : fmt);
    free(msg);
    r->errors++;
    if (r->cur >= 0) r->doc->sections[r->cur].broken = true;
}

/* ---- the document's string storage ---- */

struct corral__ini_chunk {
    corral__ini_chunk_t *next;
    size_t used, size;
    char data[];
};

/* n bytes of the document's storage. */
static char *doc_alloc(corral__ini_doc_t *d, size_t n)
{
    corral__ini_chunk_t *c = d->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > 65536 ? n : 65536;
        c = corral_xmalloc(sizeof(*c) + size);
        c->used = 0;
        c->size = size;
        c->next = d->chunks;
        d->chunks = c;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

/* A copy of s[0..n) with a NUL, in the document's storage. */
static char *doc_strndup(corral__ini_doc_t *d, const char *s, size_t n)
{
    char *p = doc_alloc(d, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/*
 * isspace() in the C locale, as libinih's own scans see it (corral never
 * sets a locale), without a call per character.
 */
static inline bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* libinih's scan: stop at one of `chars`, or at an inline ';' that follows whitespace. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    bool was_space = false;
    for (; *s; s++) {
        for (const char *c = chars; c && *c; c++)
            if (*s == *c) return s;
        if (was_space && *s == ';') return s;
        was_space = is_space(*s);
    }
    return s;
}

static void push_section(reader_t *r, const char *header, size_t len)
{
    corral__ini_doc_t *d = r->doc;
    corral_grow((void **)&d->sections, &d->cap_sections, d->n_sections + 1, sizeof(*d->sections));
    d->sections[d->n_sections] = (corral__ini_section_t){
        .header = doc_strndup(d, header, len), .line = r->line, .first = d->n_entries};
    r->cur = (long)d->n_sections++;
}

static void classify(reader_t *r, char *buf)
{
    const char *t = buf;
    while (*t && is_space(*t)) t++;
    r->kind = LINE_OTHER;
    if (!*t || strchr(ini_start_comment_prefixes, *t)) return;
    if (r->have_prev_name && t > buf) {
        r->kind = LINE_CONT;
        /* Debian's r55 keeps an inline comment on a continuation line as part of the
         * value; cut it here so that `;` after whitespace ends a value everywhere. */
        *(char *)find_chars_or_comment(t, NULL) = '\0';
        /* "    priority = 5" under a key is a continuation, not a key: say so. */
        const char *w = t;
        while (*w && !is_space(*w) && *w != '=') w++;
        const char *eq = w;
        while (*eq && is_space(*eq)) eq++;
        if (r->has_pending && w > t && eq > w && *eq == '=') {
            char *copy = corral_trim(corral_xstrdup(t));
            corral__diag_add(r->diags, r->file, r->line, true,
                             "'%s' is indented, so it continues the value of %s above (write a "
                             "key at the start of its line)",
                             copy, r->doc->entries[r->pending].key);
            free(copy);
        }
        return;
    }
    if (*t == '[') {
        const char *e = find_chars_or_comment(t + 1, "]");
        r->has_pending = false;
        if (*e != ']') {
            /* libinih keeps the previous section: drop what follows instead. */
            r->cur = -2;
            if (!r->first_syntax_error) r->first_syntax_error = r->line;
            error(r, "the section header has no closing ']'");
            return;
        }
        push_section(r, t + 1, (size_t)(e - t - 1));
        r->have_prev_name = false;
        const char *rest = e + 1;
        while (*rest && is_space(*rest)) rest++;
        if (*rest && *rest != ';' && *rest != '#')
            error(r, "unexpected text '%s' after the section header", rest);
        return;
    }
    const char *e = find_chars_or_comment(t, "=:");
    if (*e != '=' && *e != ':') {
        if (!r->first_syntax_error) r->first_syntax_error = r->line;
        char *copy = corral_trim(corral_xstrdup(t));
        error(r, "'%s' is neither a 'key = value' setting, a [section] header nor a comment", copy);
        free(copy);
        r->has_pending = false;
        return;
    }
    const char *ne = e;
    while (ne > t && is_space(ne[-1])) ne--;
    r->have_prev_name = ne > t;
    r->kind = LINE_KEY;
}

static char *reader(char *str, int num, void *stream)
{
    reader_t *r = stream;
    if (r->p >= r->end) return NULL;
    const char *start = r->p;
    const char *nl = memchr(start, '\n', (size_t)(r->end - start));
    size_t len = nl ? (size_t)(nl - start) : (size_t)(r->end - start);
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    if (len && start[len - 1] == '\r') len--;
    if (r->line == 1 && len >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) {
        start += 3;
        len -= 3;
    }
    if (len > CORRAL__INI_MAX_LINE || len + 1 > (size_t)num) {
        /* Hand libinih a blank line: it would split this one silently. */
        r->kind = LINE_OTHER;
        r->has_pending = false;
        error(
            r,
            "the line is %zu bytes long; the most is %d (continue a long value on indented lines)",
            len, CORRAL__INI_MAX_LINE);
        str[0] = '\0';
        return str;
    }
    memcpy(str, start, len);
    str[len] = '\0';
    classify(r, str);
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    reader_t *r = user;
    (void)section; /* the reader's own record knows keyless sections and long headers too */
    if (r->kind == LINE_CONT) {
        if (!r->has_pending) return 1;
        corral__ini_entry_t *e = &r->doc->entries[r->pending];
        if (*value) {
            /* The joined value is a new string; the old one stays unused in the storage. */
            size_t a = strlen(e->value), sep = a ? 1 : 0, b = strlen(value);
            char *joined = doc_alloc(r->doc, a + sep + b + 1);
            memcpy(joined, e->value, a);
            if (sep) joined[a] = ' ';
            memcpy(joined + a + sep, value, b + 1);
            e->value = joined;
        }
        return 1;
    }
    if (r->kind != LINE_KEY) {
        error(r, "libinih read this line differently from corral's reader");
        return 1;
    }
    r->has_pending = false;
    if (r->cur == -2) return 1;
    if (!*name) {
        error(r, "the key name before '=' is missing");
        return 1;
    }
    if (r->cur == -1) {
        error(r, "'%s' comes before any [section] header", name);
        return 1;
    }
    corral__ini_doc_t *d = r->doc;
    corral_grow((void **)&d->entries, &d->cap_entries, d->n_entries + 1, sizeof(*d->entries));
    d->entries[d->n_entries] = (corral__ini_entry_t){.key = doc_strndup(d, name, strlen(name)),
                                                     .value = doc_strndup(d, value, strlen(value)),
                                                     .line = r->line};
    d->sections[r->cur].n_entries++; /* a section's entries are the ones read under it */
    r->pending = d->n_entries++;
    r->has_pending = true;
    return 1;
}

int corral__ini_read(const char *file, const char *text, corral__ini_doc_t *doc,
                     corral_diags_t *diags)
{
    reader_t r = {
        .file = file,
        .p = text,
        .end = text + strlen(text),
        .cur = -1,
        .doc = doc,
        .diags = diags,
    };
    int rc = ini_parse_stream(reader, &r, handler, &r);
    if (rc > 0 && rc != r.first_syntax_error) {
        /* libinih saw an error the reader did not predict: report it rather than lose it. */
        r.line = rc;
        error(&r, "libinih cannot read this line");
    } else if (rc < 0) {
        r.line = 0;
        error(&r, "libinih failed (%d)", rc);
    }
    /* The entries array no longer moves: point each section at its own. */
    for (size_t i = 0; i < doc->n_sections; i++)
        doc->sections[i].entries = doc->entries + doc->sections[i].first;
    return r.errors;
}

void corral__ini_doc_free(corral__ini_doc_t *doc)
{
    while (doc->chunks) {
        corral__ini_chunk_t *next = doc->chunks->next;
        free(doc->chunks);
        doc->chunks = next;
    }
    free(doc->sections);
    free(doc->entries);
    *doc = (corral__ini_doc_t){0};
}
