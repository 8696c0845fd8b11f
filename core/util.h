/**
 * @file util.h
 * @brief Small helpers every module uses: allocation that aborts on OOM,
 *        a growable string buffer, whole-file read and atomic write, word
 *        splitting. Use these rather than writing another.
 */
#ifndef CORRAL_UTIL_H
#define CORRAL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Allocation: abort with a log line when memory runs out (there is no sane recovery in a cluster
 * manager). */
void *corral_xmalloc(size_t n);
void *corral_xcalloc(size_t n, size_t size);
void *corral_xrealloc(void *p, size_t n);
char *corral_xstrdup(const char *s);
char *corral_xstrndup(const char *s, size_t n);
/** printf into a new string (caller frees). */
char *corral_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Grow an array: ensure room for *cap >= need elements of `size`. */
void corral_grow(void **arr, size_t *cap, size_t need, size_t size);
#define CORRAL_PUSH(arr, n, cap, value)                                                            \
    do {                                                                                           \
        corral_grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr)));                             \
        (arr)[(n)++] = (value);                                                                    \
    } while (0)

/** A growable NUL-terminated string. Zero-initialise, then append; free with corral_buf_free. */
typedef struct corral_buf {
    char *s;
    size_t len;
    size_t cap;
} corral_buf_t;

void corral_buf_append(corral_buf_t *b, const char *s);
void corral_buf_append_n(corral_buf_t *b, const char *s, size_t n);
void corral_buf_printf(corral_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Append s as a JSON string literal, quotes included. */
void corral_buf_json_string(corral_buf_t *b, const char *s);
/** Append s (NULL: nothing) with < > & " escaped for XML and HTML text and attributes. */
void corral_buf_xml_escape(corral_buf_t *b, const char *s);
/** Take the string (never NULL; caller frees) and reset the buffer. */
char *corral_buf_take(corral_buf_t *b);
void corral_buf_free(corral_buf_t *b);

/** Read a whole file. 0 and *data_out (NUL-terminated, caller frees), *len_out if non-NULL; or
 * -errno. */
int corral_read_file(const char *path, char **data_out, size_t *len_out);
/** Write atomically: temp file in the same directory, fsync, rename, fsync the directory. 0 or
 * -errno. */
int corral_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);
/** mkdir -p. 0 or -errno. */
int corral_mkdir_p(const char *path, unsigned mode);

/** Split on whitespace into a NULL-terminated array (caller frees with corral_strv_free); *n_out if
 * non-NULL. */
char **corral_split_words(const char *s, size_t *n_out);
void corral_strv_free(char **v);

/** Trim leading and trailing whitespace in place; returns s. */
char *corral_trim(char *s);
bool corral_str_has_prefix(const char *s, const char *prefix);

/** Levenshtein distance, for did-you-mean suggestions. */
size_t corral_edit_distance(const char *a, const char *b);

/** Wall clock in ms since the epoch; monotonic ms. */
uint64_t corral_wall_ms(void);
uint64_t corral_mono_ms(void);

/** Format a duration in ms the way the INI writes it: "500ms", "10s", "5min", "1h". */
void corral_format_duration(uint32_t ms, char *out, size_t outlen);
/** Format a score: "INFINITY", "-INFINITY" or the integer. */
void corral_format_score(int32_t score, char *out, size_t outlen);

/**
 * Tell the allocator that this one-shot process is about to allocate about `bytes` and keep
 * them to the end (`corral simulate` on a large cluster). The heap then grows in one step and
 * asks for transparent huge pages, so the first touch of that memory costs a few faults instead
 * of one per 4 KB page. A hint: a no-op below a few MB or where the allocator or the kernel
 * cannot do it. Not for long-running processes.
 */
void corral_heap_expect(size_t bytes);

#endif
