/* Shared helpers in util.c: the heap hint `corral simulate` gives before a large run. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* The VmFlags line of the mapping in /proc/self/smaps that holds `p`; "" if none. */
static void vm_flags_of(const void *p, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    bool inside = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        } else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(out, outlen, "%s", line + 8);
            break;
        }
    }
    fclose(f);
}

static bool has_flag(const char *flags, const char *flag)
{
    char padded[520];
    snprintf(padded, sizeof padded, " %s", flags);
    char want[8];
    snprintf(want, sizeof want, " %s ", flag);
    return strstr(padded, want) != NULL;
}

Test(heap_expect, a_small_hint_changes_nothing)
{
    void *before = sbrk(0);
    corral_heap_expect(1u << 20);
    cr_assert_eq(sbrk(0), before, "a 1 MB hint must not grow the heap");
}

Test(heap_expect, a_large_hint_grows_the_heap_once_and_marks_it_for_huge_pages)
{
    uintptr_t before = (uintptr_t)sbrk(0);
    corral_heap_expect(64u << 20);
    uintptr_t after = (uintptr_t)sbrk(0);
    if (UNDER_ASAN) {
        /* The sanitizer's allocator does not use the brk heap: the hint must leave it alone. */
        cr_assert_eq(after, before);
        return;
    }
    cr_assert_geq(after - before, 64u << 20, "the heap grows by the whole hint at once");

    /* What the run allocates next comes from that heap, needs no further growth, and works. */
    size_t n = 16u << 20;
    unsigned char *p = malloc(n);
    cr_assert_not_null(p);
    /* It may begin in what was left of the old heap, below the first 2 MB boundary. */
    cr_assert((uintptr_t)p + (2u << 20) >= before && (uintptr_t)p + n <= after,
              "allocated inside the grown heap: %p not in %#lx-%#lx", (void *)p,
              (unsigned long)before, (unsigned long)after);
    cr_assert_eq((uintptr_t)sbrk(0), after);
    memset(p, 0xa5, n);
    cr_assert_eq(p[0], 0xa5);
    cr_assert_eq(p[n - 1], 0xa5);

    char flags[512];
    vm_flags_of(p + n / 2, flags, sizeof flags);
    cr_assert_neq(flags[0], '\0', "no mapping found for the allocation");
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0) {
        cr_log_warn("this kernel has no transparent huge pages: only the heap growth is checked");
        free(p);
        return;
    }
    cr_assert(has_flag(flags, "hg"), "the grown heap is not marked MADV_HUGEPAGE: %s", flags);
    free(p);
}
