/* The string -> index table behind the loaders' and the scheduler's name lookups. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strindex.h"

Test(strindex, get_of_an_empty_or_zeroed_table_is_minus_one)
{
    corral__strindex_t zero = {0};
    cr_assert_eq(corral__strindex_get(&zero, "x"), -1);
    corral__strindex_t ix;
    corral__strindex_init(&ix, 0);
    cr_assert_eq(corral__strindex_get(&ix, "x"), -1);
    cr_assert_eq(corral__strindex_get(&ix, ""), -1);
    corral__strindex_free(&ix);
    corral__strindex_free(&ix); /* freeing twice is harmless: the table is zeroed */
}

Test(strindex, the_first_value_of_a_key_wins)
{
    corral__strindex_t ix;
    corral__strindex_init(&ix, 4);
    cr_assert_eq(corral__strindex_add(&ix, "vip", 3), -1);
    cr_assert_eq(corral__strindex_add(&ix, "web", 5), -1);
    cr_assert_eq(corral__strindex_add(&ix, "vip", 9), 3); /* already there: its value */
    cr_assert_eq(corral__strindex_get(&ix, "vip"), 3);
    cr_assert_eq(corral__strindex_get(&ix, "web"), 5);
    cr_assert_eq(corral__strindex_get(&ix, "vi"), -1);
    cr_assert_eq(corral__strindex_get(&ix, "vipp"), -1);
    cr_assert_eq(ix.n, 2);
    corral__strindex_free(&ix);
}

Test(strindex, grows_past_its_expected_size_and_keeps_every_key)
{
    enum { N = 20000 };
    char **keys = calloc(N, sizeof(char *));
    corral__strindex_t ix;
    corral__strindex_init(&ix, 8); /* far too small: it must grow many times */
    for (int i = 0; i < N; i++) {
        keys[i] = malloc(16);
        snprintf(keys[i], 16, "r%d", i);
        cr_assert_eq(corral__strindex_add(&ix, keys[i], i), -1);
    }
    cr_assert_eq(ix.n, N);
    cr_assert_leq(2 * ix.n, ix.mask + 1, "at most half full");
    for (int i = 0; i < N; i++) cr_assert_eq(corral__strindex_get(&ix, keys[i]), i);
    char probe[16];
    snprintf(probe, sizeof(probe), "r%d", N); /* a key that was never added */
    cr_assert_eq(corral__strindex_get(&ix, probe), -1);
    corral__strindex_free(&ix);
    for (int i = 0; i < N; i++) free(keys[i]);
    free(keys);
}

Test(strindex, keys_are_borrowed_not_copied)
{
    char key[] = "node1";
    corral__strindex_t ix;
    corral__strindex_init(&ix, 1);
    corral__strindex_add(&ix, key, 7);
    bool same_pointer = false;
    for (size_t i = 0; i <= ix.mask; i++) same_pointer |= ix.keys[i] == key;
    cr_assert(same_pointer, "the table holds the caller's string, not a copy");
    corral__strindex_free(&ix);
}
