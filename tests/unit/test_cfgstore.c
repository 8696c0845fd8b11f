/* The local store of config versions. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgstore.h"
#include "util.h"

static char dir[] = "/tmp/corral-cfgstore-XXXXXX";

static void setup(void)
{
    strcpy(dir, "/tmp/corral-cfgstore-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char *cmd = corral_xasprintf("rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
}

static corral_cfg_version_t ver(uint64_t epoch)
{
    corral_cfg_version_t v = {.epoch = epoch, .time_ms = 1000 * epoch};
    snprintf(v.digest, sizeof(v.digest), "%064llu", (unsigned long long)epoch);
    snprintf(v.origin, sizeof(v.origin), "n1");
    return v;
}

Test(cfgstore, open_refuses_an_unwritable_place)
{
    corral_cfgstore_t *s = NULL;
    cr_assert_lt(corral_cfgstore_open("/proc/corral-nope", &s), 0);
    cr_assert_null(s);
}

Test(cfgstore, empty_store_has_no_latest, .init = setup, .fini = teardown)
{
    corral_cfgstore_t *s;
    cr_assert_eq(corral_cfgstore_open(dir, &s), 0);
    corral_cfg_version_t v;
    char *text = NULL;
    cr_assert_eq(corral_cfgstore_latest(s, &v, &text), -ENOENT);
    cr_assert_null(text);
    corral_cfgstore_free(s);
}

Test(cfgstore, newest_epoch_wins_and_text_round_trips, .init = setup, .fini = teardown)
{
    corral_cfgstore_t *s;
    cr_assert_eq(corral_cfgstore_open(dir, &s), 0);
    corral_cfg_version_t v1 = ver(1), v2 = ver(2);
    cr_assert_eq(corral_cfgstore_save(s, &v1, "[cluster]\nname = a\n"), 0);
    cr_assert_eq(corral_cfgstore_save(s, &v2, "[cluster]\nname = b\n"), 0);
    corral_cfg_version_t got;
    char *text;
    cr_assert_eq(corral_cfgstore_latest(s, &got, &text), 0);
    cr_assert_eq(got.epoch, 2);
    cr_assert_str_eq(text, "[cluster]\nname = b\n");
    cr_assert_str_eq(got.digest, v2.digest);
    cr_assert_str_eq(got.origin, "n1");
    free(text);
    cr_assert_eq(corral_cfgstore_get(s, 1, &got, &text), 0);
    cr_assert_str_eq(text, "[cluster]\nname = a\n");
    free(text);
    corral_cfgstore_free(s);
}

Test(cfgstore, equal_or_older_epochs_are_refused, .init = setup, .fini = teardown)
{
    corral_cfgstore_t *s;
    cr_assert_eq(corral_cfgstore_open(dir, &s), 0);
    corral_cfg_version_t v5 = ver(5), v3 = ver(3);
    cr_assert_eq(corral_cfgstore_save(s, &v5, "x\n"), 0);
    cr_assert_eq(corral_cfgstore_save(s, &v5, "y\n"), -EEXIST);
    cr_assert_eq(corral_cfgstore_save(s, &v3, "z\n"), -ESTALE);
    corral_cfgstore_free(s);
}

Test(cfgstore, keeps_the_last_twenty, .init = setup, .fini = teardown)
{
    corral_cfgstore_t *s;
    cr_assert_eq(corral_cfgstore_open(dir, &s), 0);
    for (uint64_t e = 1; e <= 25; e++) {
        corral_cfg_version_t v = ver(e);
        cr_assert_eq(corral_cfgstore_save(s, &v, "[cluster]\n"), 0);
    }
    corral_cfg_version_t *h;
    size_t n;
    cr_assert_eq(corral_cfgstore_history(s, &h, &n), 0);
    cr_assert_eq(n, CORRAL_CFGSTORE_KEEP);
    cr_assert_eq(h[0].epoch, 6);
    cr_assert_eq(h[n - 1].epoch, 25);
    free(h);
    corral_cfgstore_free(s);
}

Test(cfgstore, a_damaged_newest_file_falls_back, .init = setup, .fini = teardown)
{
    corral_cfgstore_t *s;
    cr_assert_eq(corral_cfgstore_open(dir, &s), 0);
    corral_cfg_version_t v1 = ver(1);
    cr_assert_eq(corral_cfgstore_save(s, &v1, "good\n"), 0);
    char *bad = corral_xasprintf("%s/configs/cluster-0000000002.ini", dir);
    cr_assert_eq(corral_write_file_atomic(bad, "garbage\n", 8, 0640), 0);
    free(bad);
    corral_cfg_version_t got;
    char *text;
    cr_assert_eq(corral_cfgstore_latest(s, &got, &text), 0);
    cr_assert_eq(got.epoch, 1);
    free(text);
    corral_cfgstore_free(s);
}
