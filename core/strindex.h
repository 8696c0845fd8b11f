/**
 * @file strindex.h
 * @brief A string -> index table (open addressing, FNV-1a hash), for
 *        finding a name among thousands (ids, node names) without sorting
 *        or scanning. Internal to corral's core.
 *
 * Keys are borrowed: the caller keeps them alive and unchanged for as long
 * as the table is used. Values are non-negative ints (array indices).
 */
#ifndef CORRAL_STRINDEX_H
#define CORRAL_STRINDEX_H

#include <stddef.h>

typedef struct corral__strindex {
    const char **keys; /**< NULL: an empty slot */
    int *vals;
    size_t mask; /**< slots - 1 (slots is a power of two) */
    size_t n;
} corral__strindex_t;

/** An empty table with room for about `expected` keys (it grows as needed). */
void corral__strindex_init(corral__strindex_t *ix, size_t expected);

/** Free the table's own storage (not the keys). */
void corral__strindex_free(corral__strindex_t *ix);

/**
 * Add key -> val (val >= 0) unless key is there. Returns -1 when added, or
 * the value already stored for key (which is kept: the first one wins).
 */
int corral__strindex_add(corral__strindex_t *ix, const char *key, int val);

/** The value stored for key, or -1. */
int corral__strindex_get(const corral__strindex_t *ix, const char *key);

#endif /* CORRAL_STRINDEX_H */
