/*
 * Runs one scheduler regression case: `corral simulate --config
 * CASE/config.ini [--state CASE/status.ini] --json` and compares its
 * output with CASE/expected.json semantically (object keys in any order,
 * `actions` compared as a set keyed by id, each `after` as a set).
 * A case whose input is bad has CASE/expected.err instead: the run must
 * exit 2 and stderr must hold every line of that file.
 *
 * Usage: sched_runner CORRAL_BINARY CASE_DIR
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jkind_t;

typedef struct jval {
    jkind_t kind;
    char *str;           /* string, number text, or "true"/"false" */
    struct jval **items; /* array items / object values */
    char **keys;         /* object keys */
    size_t n;
} jval_t;

static const char *p;

static void skip(void)
{
    while (*p && isspace((unsigned char)*p)) p++;
}

static jval_t *parse(void);

static void jval_free(jval_t *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        jval_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static char *parse_string(void)
{
    if (*p != '"') return NULL;
    p++;
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
        }
        if (n + 2 > cap) s = realloc(s, cap *= 2);
        s[n++] = c;
    }
    if (*p != '"') {
        free(s);
        return NULL;
    }
    p++;
    s[n] = 0;
    return s;
}

/* The next JSON value at p, or NULL (nothing leaked) when the text is not JSON. */
static jval_t *parse(void)
{
    skip();
    jval_t *v = calloc(1, sizeof(*v));
    if (*p == '{' || *p == '[') {
        bool obj = *p == '{';
        v->kind = obj ? J_OBJ : J_ARR;
        p++;
        skip();
        if (*p == (obj ? '}' : ']')) {
            p++;
            return v;
        }
        for (;;) {
            skip();
            char *key = NULL;
            if (obj) {
                key = parse_string();
                skip();
                if (!key || *p != ':') {
                    free(key);
                    goto fail;
                }
                p++;
            }
            jval_t *item = parse();
            if (!item) {
                free(key);
                goto fail;
            }
            v->items = realloc(v->items, (v->n + 1) * sizeof(jval_t *));
            v->keys = realloc(v->keys, (v->n + 1) * sizeof(char *));
            v->items[v->n] = item;
            v->keys[v->n] = key;
            v->n++;
            skip();
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == (obj ? '}' : ']')) {
                p++;
                return v;
            }
            goto fail;
        }
    }
    if (*p == '"') {
        v->kind = J_STR;
        v->str = parse_string();
        if (!v->str) goto fail;
        return v;
    }
    const char *start = p;
    while (*p && (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.')) p++;
    if (p == start) goto fail;
    v->str = strndup(start, (size_t)(p - start));
    v->kind = !strcmp(v->str, "null") ? J_NULL : (isalpha((unsigned char)*start) ? J_BOOL : J_NUM);
    return v;
fail:
    jval_free(v);
    return NULL;
}

typedef struct buf {
    char *s;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->n + l + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

static char *canon(const jval_t *v, const char *key);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Canonical text: keys sorted; `after` and `actions` sorted (they are sets). */
static char *canon(const jval_t *v, const char *key)
{
    buf_t b = {0};
    put(&b, "");
    switch (v->kind) {
    case J_STR:
        put(&b, "\"");
        put(&b, v->str);
        put(&b, "\"");
        break;
    case J_NULL:
    case J_BOOL:
    case J_NUM:
        put(&b, v->str);
        break;
    case J_ARR: {
        char **parts = calloc(v->n + 1, sizeof(char *));
        for (size_t i = 0; i < v->n; i++) parts[i] = canon(v->items[i], NULL);
        bool set =
            key && (!strcmp(key, "after") || !strcmp(key, "actions") || !strcmp(key, "fence"));
        if (set) qsort(parts, v->n, sizeof(char *), cmp_str);
        put(&b, "[");
        for (size_t i = 0; i < v->n; i++) {
            if (i) put(&b, ",");
            put(&b, parts[i]);
            free(parts[i]);
        }
        put(&b, "]");
        free(parts);
        break;
    }
    case J_OBJ: {
        char **parts = calloc(v->n + 1, sizeof(char *));
        for (size_t i = 0; i < v->n; i++) {
            char *c = canon(v->items[i], v->keys[i]);
            size_t l = strlen(v->keys[i]) + strlen(c) + 8;
            parts[i] = malloc(l);
            snprintf(parts[i], l, "\"%s\":%s", v->keys[i], c);
            free(c);
        }
        qsort(parts, v->n, sizeof(char *), cmp_str);
        put(&b, "{");
        for (size_t i = 0; i < v->n; i++) {
            if (i) put(&b, ",");
            put(&b, parts[i]);
            free(parts[i]);
        }
        put(&b, "}");
        free(parts);
        break;
    }
    }
    return b.s;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    buf_t b = {0};
    put(&b, "");
    char line[4096];
    while (fgets(line, sizeof(line), f)) put(&b, line);
    fclose(f);
    return b.s;
}

static char *canon_text(const char *text, const char *what)
{
    p = text;
    jval_t *v = parse();
    skip();
    if (!v || *p) {
        fprintf(stderr, "%s: not valid JSON near: %.60s\n", what, p ? p : "");
        jval_free(v);
        return NULL;
    }
    char *c = canon(v, NULL);
    jval_free(v);
    return c;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sched_runner CORRAL CASE_DIR\n");
        return 2;
    }
    const char *corral = argv[1], *dir = argv[2];
    char cfg[4096], st[4096], exp[4096], err[4096], outf[4096], errf[4096];
    snprintf(cfg, sizeof(cfg), "%s/config.ini", dir);
    snprintf(st, sizeof(st), "%s/status.ini", dir);
    snprintf(exp, sizeof(exp), "%s/expected.json", dir);
    snprintf(err, sizeof(err), "%s/expected.err", dir);
    snprintf(outf, sizeof(outf), "/tmp/sched_runner.%d.out", (int)getpid());
    snprintf(errf, sizeof(errf), "/tmp/sched_runner.%d.err", (int)getpid());
    bool has_state = access(st, R_OK) == 0;
    bool want_error = access(err, R_OK) == 0;

    pid_t pid = fork();
    if (pid == 0) {
        FILE *o = freopen(outf, "w", stdout);
        FILE *e = freopen(errf, "w", stderr);
        (void)o;
        (void)e;
        if (has_state)
            execl(corral, corral, "simulate", "--config", cfg, "--state", st, "--json",
                  (char *)NULL);
        else
            execl(corral, corral, "simulate", "--config", cfg, "--json", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    char *out = slurp(outf), *errtext = slurp(errf);
    char *expect = NULL, *a = NULL, *b = NULL;
    int ret = 1;
    unlink(outf);
    unlink(errf);
    if (!out || !errtext) {
        fprintf(stderr, "cannot read the output of corral simulate\n");
        goto done;
    }

    if (want_error) {
        expect = slurp(err);
        if (rc != 2) {
            fprintf(stderr, "expected exit 2, got %d\nstdout:\n%s\nstderr:\n%s", rc, out, errtext);
            goto done;
        }
        int bad = 0;
        for (char *line = strtok(expect, "\n"); line; line = strtok(NULL, "\n")) {
            if (!*line) continue;
            if (!strstr(errtext, line)) {
                fprintf(stderr, "missing in stderr: %s\n", line);
                bad++;
            }
        }
        if (bad) fprintf(stderr, "stderr was:\n%s", errtext);
        ret = bad ? 1 : 0;
        goto done;
    }
    if (rc != 0) {
        fprintf(stderr, "corral simulate exited %d\nstderr:\n%s", rc, errtext);
        goto done;
    }
    expect = slurp(exp);
    if (!expect) {
        fprintf(stderr, "%s: missing (the output was:)\n%s", exp, out);
        goto done;
    }
    a = canon_text(out, "output");
    b = canon_text(expect, exp);
    if (!a || !b) {
        fprintf(stderr, "output:\n%s", out);
        goto done;
    }
    if (strcmp(a, b)) {
        fprintf(stderr, "MISMATCH\n--- expected (%s)\n%s--- got\n%s", exp, expect, out);
        goto done;
    }
    printf("ok %s\n", dir);
    ret = 0;
done:
    free(a);
    free(b);
    free(expect);
    free(out);
    free(errtext);
    return ret;
}
