/* The string -> index table; see strindex.h. */
#include "strindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void alloc_slots(corral__strindex_t *ix, size_t slots)
{
    ix->keys = corral_xcalloc(slots, sizeof(*ix->keys));
    ix->vals = corral_xcalloc(slots, sizeof(*ix->vals));
    ix->mask = slots - 1;
}

void corral__strindex_init(corral__strindex_t *ix, size_t expected)
{
    /* At most half full: probe sequences stay short. */
    size_t slots = 16;
    while (slots < 2 * expected) slots *= 2;
    ix->n = 0;
    alloc_slots(ix, slots);
}

void corral__strindex_free(corral__strindex_t *ix)
{
    free(ix->keys);
    free(ix->vals);
    *ix = (corral__strindex_t){0};
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const corral__strindex_t *ix, const char *key)
{
    size_t i = (size_t)hash(key) & ix->mask;
    while (ix->keys[i] && strcmp(ix->keys[i], key)) i = (i + 1) & ix->mask;
    return i;
}

static void grow(corral__strindex_t *ix)
{
    corral__strindex_t old = *ix;
    alloc_slots(ix, 2 * (old.mask + 1));
    for (size_t i = 0; i <= old.mask; i++) {
        if (!old.keys[i]) continue;
        size_t j = find(ix, old.keys[i]);
        ix->keys[j] = old.keys[i];
        ix->vals[j] = old.vals[i];
    }
    free(old.keys);
    free(old.vals);
}

int corral__strindex_add(corral__strindex_t *ix, const char *key, int val)
{
    size_t i = find(ix, key);
    if (ix->keys[i]) return ix->vals[i];
    if (2 * (ix->n + 1) > ix->mask + 1) {
        grow(ix);
        i = find(ix, key);
    }
    ix->keys[i] = key;
    ix->vals[i] = val;
    ix->n++;
    return -1;
}

int corral__strindex_get(const corral__strindex_t *ix, const char *key)
{
    if (!ix->keys) return -1;
    size_t i = find(ix, key);
    return ix->keys[i] ? ix->vals[i] : -1;
}
