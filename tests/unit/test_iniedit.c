/* Line-preserving INI edits. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "iniedit.h"

static const char *base = "; my cluster\n"
                          "[cluster]\n"
                          "name = web\n"
                          "\n"
                          "[resource vip]   ; the address\n"
                          "agent = ipaddr\n"
                          "param.ip = 198.18.0.1\n"
                          "op.monitor = interval=10s\n"
                          "    timeout=20s\n"
                          "\n"
                          "[node n1]\n";

Test(iniedit, set_replaces_a_key_and_its_continuations)
{
    char *t = corral_ini_set(base, "resource vip", "op.monitor", "interval=5s");
    cr_assert_str_eq(t, "; my cluster\n[cluster]\nname = web\n\n[resource vip]   ; the address\n"
                        "agent = ipaddr\nparam.ip = 198.18.0.1\nop.monitor = interval=5s\n\n"
                        "[node n1]\n");
    free(t);
}

Test(iniedit, set_adds_a_key_at_the_end_of_its_section)
{
    char *t = corral_ini_set(base, "resource  vip", "target-role", "stopped");
    cr_assert_str_eq(t, "; my cluster\n[cluster]\nname = web\n\n[resource vip]   ; the address\n"
                        "agent = ipaddr\nparam.ip = 198.18.0.1\nop.monitor = interval=10s\n"
                        "    timeout=20s\ntarget-role = stopped\n\n[node n1]\n");
    free(t);
    t = corral_ini_set(base, "node n1", "standby", "true");
    cr_assert_str_eq(t + strlen(base), "standby = true\n");
    free(t);
}

Test(iniedit, set_adds_a_missing_section)
{
    char *t = corral_ini_set(base, "location cli-ban-vip-n1", "resource", "vip");
    cr_assert_str_eq(t + strlen(base), "\n[location cli-ban-vip-n1]\nresource = vip\n");
    free(t);
}

Test(iniedit, null_value_removes_a_key)
{
    char *t = corral_ini_set(base, "cluster", "name", NULL);
    cr_assert_str_eq(t, "; my cluster\n[cluster]\n\n[resource vip]   ; the address\n"
                        "agent = ipaddr\nparam.ip = 198.18.0.1\nop.monitor = interval=10s\n"
                        "    timeout=20s\n\n[node n1]\n");
    free(t);
    /* Removing what is absent changes nothing. */
    t = corral_ini_set(base, "node n9", "standby", NULL);
    cr_assert_str_eq(t, base);
    free(t);
}

Test(iniedit, remove_sections)
{
    bool removed = false;
    char *t = corral_ini_remove_section(base, "resource vip", &removed);
    cr_assert(removed);
    cr_assert_str_eq(t, "; my cluster\n[cluster]\nname = web\n\n[node n1]\n");
    cr_assert_not(corral_ini_has_section(t, "resource vip"));
    cr_assert(corral_ini_has_section(t, "node n1"));
    free(t);
    char *a = corral_ini_set(base, "location cli-ban-vip-n1", "resource", "vip");
    char *b = corral_ini_set(a, "location cli-ban-vip-n2", "resource", "vip");
    int n = 0;
    char *c = corral_ini_remove_sections_prefixed(b, "location cli-ban-vip-", &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(c, base);
    free(a);
    free(b);
    free(c);
}
