/* Small shared helpers; see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void oom(size_t n)
{
    corral_crit("out of memory allocating %zu bytes", n);
    abort();
}

void *corral_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *corral_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *corral_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *corral_xstrdup(const char *s)
{
    return corral_xstrndup(s, strlen(s));
}

char *corral_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = corral_xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *corral_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) oom(0);
    return s;
}

void corral_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 8;
    while (c < need) c *= 2;
    *arr = corral_xrealloc(*arr, c * size);
    *cap = c;
}

void corral_buf_append_n(corral_buf_t *b, const char *s, size_t n)
{
    corral_grow((void **)&b->s, &b->cap, b->len + n + 1, 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void corral_buf_append(corral_buf_t *b, const char *s)
{
    corral_buf_append_n(b, s, strlen(s));
}

void corral_buf_printf(corral_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    corral_grow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void corral_buf_json_string(corral_buf_t *b, const char *s)
{
    corral_buf_append_n(b, "\"", 1);
    /* Plain characters are copied in runs; only what JSON escapes is written one by one. */
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *esc;
        switch (*p) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if ((unsigned char)*p >= 0x20) continue;
            esc = NULL;
        }
        corral_buf_append_n(b, run, (size_t)(p - run));
        run = p + 1;
        if (esc)
            corral_buf_append(b, esc);
        else
            corral_buf_printf(b, "\\u%04x", (unsigned char)*p);
    }
    corral_buf_append_n(b, run, strlen(run));
    corral_buf_append_n(b, "\"", 1);
}

void corral_buf_xml_escape(corral_buf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            corral_buf_append(b, "&lt;");
            break;
        case '>':
            corral_buf_append(b, "&gt;");
            break;
        case '&':
            corral_buf_append(b, "&amp;");
            break;
        case '"':
            corral_buf_append(b, "&quot;");
            break;
        default:
            corral_buf_append_n(b, s, 1);
        }
    }
}

char *corral_buf_take(corral_buf_t *b)
{
    char *s = b->s ? b->s : corral_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void corral_buf_free(corral_buf_t *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int corral_read_file(const char *path, char **data_out, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    corral_buf_t b = {0};
    /* A regular file's size is known: one buffer of that size, read into directly. */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
        corral_grow((void **)&b.s, &b.cap, (size_t)sb.st_size + 1, 1);
    for (;;) {
        if (b.cap - b.len < 2) corral_grow((void **)&b.s, &b.cap, b.len + 8192, 1);
        ssize_t n = read(fd, b.s + b.len, b.cap - b.len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = -errno;
            close(fd);
            corral_buf_free(&b);
            return e;
        }
        if (n == 0) break;
        b.len += (size_t)n;
    }
    close(fd);
    if (!b.s) corral_grow((void **)&b.s, &b.cap, 1, 1);
    b.s[b.len] = '\0';
    if (len_out) *len_out = b.len;
    *data_out = corral_buf_take(&b);
    return 0;
}

int corral_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode)
{
    char *tmp = corral_xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = -errno;
        goto done;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            close(fd);
            unlink(tmp);
            goto done;
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        rc = -errno;
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) < 0) {
        rc = -errno;
        unlink(tmp);
        goto done;
    }
    /* Make the rename itself durable. */
    char *dir = corral_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    } else {
        strcpy(dir, ".");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
done:
    free(tmp);
    return rc;
}

int corral_mkdir_p(const char *path, unsigned mode)
{
    char *p = corral_xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            rc = -errno;
            goto done;
        }
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST) rc = -errno;
done:
    free(p);
    return rc;
}

char **corral_split_words(const char *s, size_t *n_out)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    const char *p = s;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
        CORRAL_PUSH(v, n, cap, corral_xstrndup(start, (size_t)(p - start)));
    }
    CORRAL_PUSH(v, n, cap, NULL);
    if (n_out) *n_out = n - 1;
    return v;
}

void corral_strv_free(char **v)
{
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

char *corral_trim(char *s)
{
    char *start = s;
    while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r') start++;
    size_t len = strlen(start);
    while (len && (start[len - 1] == ' ' || start[len - 1] == '\t' || start[len - 1] == '\n' ||
                   start[len - 1] == '\r'))
        len--;
    memmove(s, start, len);
    s[len] = '\0';
    return s;
}

bool corral_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t corral_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = corral_xcalloc(lb + 1, sizeof(size_t));
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

uint64_t corral_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t corral_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void corral_format_duration(uint32_t ms, char *out, size_t outlen)
{
    if (ms % 3600000u == 0 && ms)
        snprintf(out, outlen, "%uh", ms / 3600000u);
    else if (ms % 60000u == 0 && ms)
        snprintf(out, outlen, "%umin", ms / 60000u);
    else if (ms % 1000u == 0)
        snprintf(out, outlen, "%us", ms / 1000u);
    else
        snprintf(out, outlen, "%ums", ms);
}

void corral_format_score(int32_t score, char *out, size_t outlen)
{
    if (score >= 1000000)
        snprintf(out, outlen, "INFINITY");
    else if (score <= -1000000)
        snprintf(out, outlen, "-INFINITY");
    else
        snprintf(out, outlen, "%d", (int)score);
}

/* Below this a hint is not worth a 2 MB page: a few hundred small faults cost less. */
#define HEAP_HINT_MIN (4u << 20)
#define HUGE_PAGE     (2u << 20)

void corral_heap_expect(size_t bytes)
{
#ifdef __GLIBC__
    if (bytes < HEAP_HINT_MIN) return;
    if (bytes > (256u << 20)) bytes = 256u << 20;
    /* Keep every allocation of the run in the brk heap (glibc caps the mmap threshold at
     * 32 MB), never give memory back before exit, and grow by the whole hint at once. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, (int)(bytes * 2));
    mallopt(M_TOP_PAD, (int)bytes);
    /* One allocation makes the heap grow by `bytes` now; freed, it is the top chunk the run
     * allocates from. Only its header page is touched, so the rest can fault in as huge
     * pages once the range is marked. In a VM a page fault is expensive (about 10 us here):
     * the 14 MB of a 10,000-resource run took 3,700 faults and half of its time. */
    uintptr_t before = (uintptr_t)sbrk(0);
    char *probe = malloc(HUGE_PAGE);
    if (!probe) return;
    uintptr_t end = (uintptr_t)sbrk(0), at = (uintptr_t)probe;
    uintptr_t lo = (at + HUGE_PAGE) & ~(uintptr_t)(HUGE_PAGE - 1);
    free(probe);
    /* Only when the block came from the brk heap, which grew for it (not under a sanitizer's
     * allocator, or one that mmaps). */
    if (before == (uintptr_t)-1 || end <= before || at >= end || end <= lo + HUGE_PAGE) return;
    (void)madvise((void *)lo, end - lo, MADV_HUGEPAGE); /* best effort */
    /* Let the run's allocations start on the first huge page: the space below it is taken
     * by a block that is never touched (address space only, no memory) and never freed. */
    static void *heap_gap;
    if (lo - at > 64 && !heap_gap) heap_gap = malloc(lo - at - 64);
#else
    (void)bytes;
#endif
}
