/*
 * The ipaddr resource agent through the real host path, inside a network
 * namespace of the test's own (a veth pair; addresses from 198.18.0.0/15
 * only). Needs root and network namespaces: skipped, with the reason,
 * otherwise.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include "agent_harness.h"

static char *dir;
static corral_registry_t *reg;

/* A private network namespace with v0 (198.18.0.1/24) and its peer v1, both up. */
static void setup(void)
{
    if (geteuid() != 0)
        cr_skip_test("plugin_ipaddr needs root (network namespaces, addresses); skipped");
    if (unshare(CLONE_NEWNET) < 0)
        cr_skip_test("plugin_ipaddr: cannot create a network namespace (%s); skipped",
                     strerror(errno));
    if (ah_sh("ip link add v0 type veth peer name v1 >/dev/null 2>&1") != 0)
        cr_skip_test("plugin_ipaddr: cannot create a veth pair in the namespace; skipped");
    cr_assert_eq(ah_sh("ip link set lo up && ip link set v0 up && ip link set v1 up && "
                       "ip addr add 198.18.0.1/24 dev v0"),
                 0);
    dir = ah_tmpdir("ip");
    reg = ah_registry(dir);
}

static void teardown(void)
{
    if (reg) corral_registry_free(reg);
    if (dir) ah_sh("rm -rf '%s'", dir);
    free(dir);
}

TestSuite(plugin_ipaddr, .init = setup, .fini = teardown);

/* `ip -o addr show dev NIC` */
static char *addrs(const char *nic)
{
    char *path = corral_xasprintf("%s/addrs", dir);
    ah_sh("ip -o addr show dev %s > '%s'", nic, path);
    char *data = ah_slurp(path);
    free(path);
    return data;
}

Test(plugin_ipaddr, bad_parameters)
{
    const char *bad_ip[] = {"ip=198.18.0.300", NULL};
    ah_result_t r = ah_rsc(reg, "ipaddr", "start", bad_ip);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect(strstr(r.reason, "198.18.0.300") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "validate", bad_ip).rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *bad_cidr[] = {"ip=198.18.0.10", "cidr=33", NULL};
    cr_expect_eq(ah_rsc(reg, "ipaddr", "start", bad_cidr).rc, CORRAL_OCF_NOT_CONFIGURED);
    const char *long_label[] = {"ip=198.18.0.10", "nic=v0", "label=far-too-long-a-label", NULL};
    r = ah_rsc(reg, "ipaddr", "start", long_label);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_CONFIGURED);
    cr_expect(strstr(r.reason, "label") != NULL, "reason: %s", r.reason);
}

Test(plugin_ipaddr, start_monitor_stop_on_the_routed_interface)
{
    const char *kv[] = {"ip=198.18.0.10", "label=vip", NULL};
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    ah_result_t r = ah_rsc(reg, "ipaddr", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *a = addrs("v0");
    /* The route's prefix, a broadcast address, and the label as NIC:LABEL. */
    cr_expect(strstr(a, "inet 198.18.0.10/24 brd 198.18.0.255") != NULL, "v0: %s", a);
    cr_expect(strstr(a, "v0:vip") != NULL, "v0: %s", a);
    free(a);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "start", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    a = addrs("v0");
    cr_expect(strstr(a, "198.18.0.10") == NULL, "v0: %s", a);
    cr_expect(strstr(a, "198.18.0.1/24") != NULL, "the interface's own address stays: %s", a);
    free(a);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_ipaddr, without_a_route_nic_is_required)
{
    const char *no_nic[] = {"ip=198.19.0.5", NULL};
    ah_result_t r = ah_rsc(reg, "ipaddr", "start", no_nic);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED);
    cr_expect(strstr(r.reason, "nic") != NULL, "reason: %s", r.reason);
    const char *kv[] = {"ip=198.19.0.5", "nic=v1", "cidr=32", NULL};
    r = ah_rsc(reg, "ipaddr", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    char *a = addrs("v1");
    cr_expect(strstr(a, "inet 198.19.0.5/32") != NULL, "v1: %s", a);
    free(a);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_SUCCESS);
    /* Asked about another interface, the address is not running there. */
    const char *other[] = {"ip=198.19.0.5", "nic=v0", NULL};
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", other).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
}

Test(plugin_ipaddr, a_missing_interface)
{
    const char *kv[] = {"ip=198.18.0.10", "nic=nosuch0", NULL};
    ah_result_t r = ah_rsc(reg, "ipaddr", "start", kv);
    cr_expect_eq(r.rc, CORRAL_OCF_NOT_INSTALLED);
    cr_expect(strstr(r.reason, "nosuch0") != NULL, "reason: %s", r.reason);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "monitor", kv).rc, CORRAL_OCF_NOT_RUNNING);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}

Test(plugin_ipaddr, start_announces_with_gratuitous_arp)
{
    /* Listen on the peer end for ARP before the address comes up. */
    int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
    cr_assert_geq(fd, 0, "packet socket: %s", strerror(errno));
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_protocol = htons(ETH_P_ARP),
                              .sll_ifindex = (int)if_nametoindex("v1")};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
    const char *kv[] = {"ip=198.18.0.20", "arp-count=2", "arp-interval=10ms", NULL};
    ah_result_t r = ah_rsc(reg, "ipaddr", "start", kv);
    cr_assert_eq(r.rc, CORRAL_OCF_SUCCESS, "%s", r.reason);
    struct in_addr want;
    inet_pton(AF_INET, "198.18.0.20", &want);
    int seen = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    /* The packets were sent before start returned; the wait only bounds a broken test. */
    while (seen < 2 && poll(&pfd, 1, 5000) > 0) {
        struct ether_arp arp;
        ssize_t n = recv(fd, &arp, sizeof(arp), 0);
        if (n == (ssize_t)sizeof(arp) && ntohs(arp.arp_op) == ARPOP_REQUEST &&
            !memcmp(arp.arp_spa, &want, 4) && !memcmp(arp.arp_tpa, &want, 4))
            seen++;
    }
    close(fd);
    cr_expect_eq(seen, 2, "gratuitous ARPs seen on the peer: %d", seen);
    cr_expect_eq(ah_rsc(reg, "ipaddr", "stop", kv).rc, CORRAL_OCF_SUCCESS);
}
