/*
 * ipaddr: a floating IPv4 or IPv6 address. start adds it to an interface
 * over rtnetlink (no `ip` program needed) and announces an IPv4 address
 * with gratuitous ARP from a packet socket; stop removes it; monitor
 * checks that it is there.
 *
 * Without `nic`, the interface is the one whose (non-default) route in the
 * main table covers the address, with the longest prefix, and `cidr`
 * defaults to that route's prefix length, as IPaddr2's findif does.
 * IPv6 addresses are announced by the kernel itself (duplicate address
 * detection, then an unsolicited neighbour advertisement when the
 * interface's ndisc_notify sysctl is set).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agentkit.h"

typedef struct ipaddr_conf {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    size_t alen;
    int prefix;      /* -1: not given */
    const char *ip;  /* as configured */
    const char *nic; /* NULL: find by route */
    char label[IFNAMSIZ];
    long long arp_count;
    uint64_t arp_interval_ms;
} ipaddr_conf_t;

/* ---- rtnetlink ---- */

typedef struct nl_req {
    struct nlmsghdr nh;
    union {
        struct ifaddrmsg ifa;
        struct rtmsg rt;
    } u;
    char attrs[256];
} nl_req_t;

static int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void nl_add_attr(nl_req_t *r, unsigned short type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *)((char *)&r->nh + NLMSG_ALIGN(r->nh.nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int nl_send(int fd, nl_req_t *r)
{
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    r->nh.nlmsg_seq = 1;
    if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) return -errno;
    return 0;
}

/*
 * Receive until NLMSG_DONE (a dump) or an NLMSG_ERROR (an ack). Each other
 * message goes to cb. Returns 0, or the kernel's -errno.
 */
static int nl_recv(int fd, void (*cb)(struct nlmsghdr *nh, void *ud), void *ud)
{
    static char buf[32768];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) return -EIO;
        size_t len = (size_t)n;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
             nh = NLMSG_NEXT(nh, len)) {
            if (nh->nlmsg_type == NLMSG_DONE) return 0;
            if (nh->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(nh);
                return e->error;
            }
            if (cb) cb(nh, ud);
        }
    }
}

/* What an address dump looks for, and what it found. */
typedef struct addr_search {
    const ipaddr_conf_t *c;
    int ifindex; /* 0: any interface */
    int found_index;
    int found_prefix;
} addr_search_t;

static void addr_cb(struct nlmsghdr *nh, void *ud)
{
    addr_search_t *s = ud;
    if (nh->nlmsg_type != RTM_NEWADDR || s->found_index) return;
    struct ifaddrmsg *ifa = NLMSG_DATA(nh);
    if (ifa->ifa_family != s->c->family || (s->ifindex && (int)ifa->ifa_index != s->ifindex))
        return;
    int len = (int)IFA_PAYLOAD(nh);
    const void *local = NULL, *address = NULL;
    for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFA_LOCAL)
            local = RTA_DATA(rta);
        else if (rta->rta_type == IFA_ADDRESS)
            address = RTA_DATA(rta);
    }
    /* IPv4 keeps the interface's own address in IFA_LOCAL (IFA_ADDRESS is the peer's on
     * point-to-point links); IPv6 has only IFA_ADDRESS. */
    const void *mine = local ? local : address;
    if (mine && !memcmp(mine, s->c->addr, s->c->alen)) {
        s->found_index = (int)ifa->ifa_index;
        s->found_prefix = ifa->ifa_prefixlen;
    }
}

/* Where the address is configured: 0 and *index_out and *prefix_out, -ENOENT, or -errno. */
static int addr_find(const ipaddr_conf_t *c, int ifindex, int *index_out, int *prefix_out)
{
    int fd = nl_open();
    if (fd < 0) return fd;
    nl_req_t r;
    memset(&r, 0, sizeof(r));
    r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    r.nh.nlmsg_type = RTM_GETADDR;
    r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    r.u.ifa.ifa_family = (unsigned char)c->family;
    addr_search_t s = {.c = c, .ifindex = ifindex};
    int rc = nl_send(fd, &r);
    if (rc == 0) rc = nl_recv(fd, addr_cb, &s);
    close(fd);
    if (rc < 0) return rc;
    if (!s.found_index) return -ENOENT;
    *index_out = s.found_index;
    *prefix_out = s.found_prefix;
    return 0;
}

static bool prefix_covers(const unsigned char *net, const unsigned char *addr, int plen)
{
    int full = plen / 8, rest = plen % 8;
    if (memcmp(net, addr, (size_t)full)) return false;
    if (rest == 0) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net[full] & mask) == (addr[full] & mask);
}

typedef struct route_search {
    const ipaddr_conf_t *c;
    int ifindex; /* 0: any */
    int best_index;
    int best_prefix;
} route_search_t;

static void route_cb(struct nlmsghdr *nh, void *ud)
{
    route_search_t *s = ud;
    if (nh->nlmsg_type != RTM_NEWROUTE) return;
    struct rtmsg *rt = NLMSG_DATA(nh);
    /* The default route says nothing about which link the address belongs to. */
    if (rt->rtm_family != s->c->family || rt->rtm_dst_len == 0 || rt->rtm_type != RTN_UNICAST)
        return;
    int len = (int)RTM_PAYLOAD(nh);
    const unsigned char *dst = NULL;
    int oif = 0;
    unsigned table = rt->rtm_table;
    for (struct rtattr *rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == RTA_DST)
            dst = RTA_DATA(rta);
        else if (rta->rta_type == RTA_OIF)
            memcpy(&oif, RTA_DATA(rta), sizeof(oif));
        else if (rta->rta_type == RTA_TABLE)
            memcpy(&table, RTA_DATA(rta), sizeof(table));
    }
    if (table != RT_TABLE_MAIN || !dst || !oif || (s->ifindex && oif != s->ifindex)) return;
    if (prefix_covers(dst, s->c->addr, rt->rtm_dst_len) && rt->rtm_dst_len > s->best_prefix) {
        s->best_prefix = rt->rtm_dst_len;
        s->best_index = oif;
    }
}

/* The interface (and prefix) of the longest non-default route covering the address. */
static int route_find(const ipaddr_conf_t *c, int ifindex, int *index_out, int *prefix_out)
{
    int fd = nl_open();
    if (fd < 0) return fd;
    nl_req_t r;
    memset(&r, 0, sizeof(r));
    r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    r.nh.nlmsg_type = RTM_GETROUTE;
    r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    r.u.rt.rtm_family = (unsigned char)c->family;
    route_search_t s = {.c = c, .ifindex = ifindex};
    int rc = nl_send(fd, &r);
    if (rc == 0) rc = nl_recv(fd, route_cb, &s);
    close(fd);
    if (rc < 0) return rc;
    if (!s.best_index) return -ENOENT;
    *index_out = s.best_index;
    *prefix_out = s.best_prefix;
    return 0;
}

/* RTM_NEWADDR or RTM_DELADDR. 0 or the kernel's -errno. */
static int addr_change(const ipaddr_conf_t *c, int type, int ifindex, int prefix, bool label)
{
    int fd = nl_open();
    if (fd < 0) return fd;
    nl_req_t r;
    memset(&r, 0, sizeof(r));
    r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    r.nh.nlmsg_type = (unsigned short)type;
    r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    if (type == RTM_NEWADDR) r.nh.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
    r.u.ifa.ifa_family = (unsigned char)c->family;
    r.u.ifa.ifa_prefixlen = (unsigned char)prefix;
    r.u.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    r.u.ifa.ifa_index = (unsigned)ifindex;
    if (c->family == AF_INET) {
        nl_add_attr(&r, IFA_LOCAL, c->addr, 4);
        nl_add_attr(&r, IFA_ADDRESS, c->addr, 4);
        if (type == RTM_NEWADDR && prefix < 31) {
            unsigned char brd[4];
            uint32_t a, host = prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix);
            memcpy(&a, c->addr, 4);
            a = htonl(ntohl(a) | host);
            memcpy(brd, &a, 4);
            nl_add_attr(&r, IFA_BROADCAST, brd, 4);
        }
        if (label && c->label[0]) nl_add_attr(&r, IFA_LABEL, c->label, strlen(c->label) + 1);
    } else {
        nl_add_attr(&r, IFA_ADDRESS, c->addr, 16);
    }
    int rc = nl_send(fd, &r);
    if (rc == 0) rc = nl_recv(fd, NULL, NULL);
    close(fd);
    return rc;
}

/* ---- gratuitous ARP ---- */

/* Announce an IPv4 address: ARP requests for itself, broadcast. 0 or -errno. */
static int send_garp(const corral_op_t *op, const ipaddr_conf_t *c, int ifindex)
{
    char ifname[IF_NAMESIZE] = "";
    if (!if_indextoname((unsigned)ifindex, ifname)) return -errno;
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0) return -errno;
    int rc = 0;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        rc = -errno;
        goto done;
    }
    if (ifr.ifr_flags & (IFF_NOARP | IFF_LOOPBACK)) {
        op->log(op, CORRAL_LOG_DEBUG, "%s does not use ARP: no announcement", ifname);
        goto done;
    }
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        rc = -errno;
        goto done;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        op->log(op, CORRAL_LOG_DEBUG, "%s is not Ethernet: no ARP announcement", ifname);
        goto done;
    }
    struct ether_arp arp;
    memset(&arp, 0, sizeof(arp));
    arp.arp_hrd = htons(ARPHRD_ETHER);
    arp.arp_pro = htons(ETH_P_IP);
    arp.arp_hln = ETH_ALEN;
    arp.arp_pln = 4;
    arp.arp_op = htons(ARPOP_REQUEST);
    memcpy(arp.arp_sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    memcpy(arp.arp_spa, c->addr, 4);
    memcpy(arp.arp_tpa, c->addr, 4);
    struct sockaddr_ll to = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(ETH_P_ARP),
                             .sll_ifindex = ifindex,
                             .sll_halen = ETH_ALEN};
    memset(to.sll_addr, 0xff, ETH_ALEN);
    for (long long i = 0; i < c->arp_count; i++) {
        if (i > 0) agentkit_sleep_ms(c->arp_interval_ms);
        if (sendto(fd, &arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
            rc = -errno;
            goto done;
        }
    }
    op->log(op, CORRAL_LOG_DEBUG, "sent %lld gratuitous ARP(s) for %s on %s", c->arp_count, c->ip,
            ifname);
done:
    close(fd);
    return rc;
}

/* ---- actions ---- */

/* 0, or an OCF code with the exit reason set. */
static int conf_load(const corral_op_t *op, ipaddr_conf_t *c)
{
    memset(c, 0, sizeof(*c));
    c->prefix = -1;
    c->ip = agentkit_param(op, "ip", NULL);
    if (!c->ip) {
        op->set_exit_reason(op, "parameter ip is required");
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    if (inet_pton(AF_INET, c->ip, c->addr) == 1) {
        c->family = AF_INET;
        c->alen = 4;
    } else if (inet_pton(AF_INET6, c->ip, c->addr) == 1) {
        c->family = AF_INET6;
        c->alen = 16;
    } else {
        op->set_exit_reason(op, "parameter ip: '%s' is not an IPv4 or IPv6 address", c->ip);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    long long cidr = -1;
    if (agentkit_param_int(op, "cidr", -1, &cidr) < 0) return CORRAL_OCF_NOT_CONFIGURED;
    if (cidr != -1 && (cidr < 0 || cidr > (long long)c->alen * 8)) {
        op->set_exit_reason(op, "parameter cidr: %lld is out of range for %s", cidr, c->ip);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    c->prefix = (int)cidr;
    c->nic = agentkit_param(op, "nic", NULL);
    if (c->nic && strlen(c->nic) >= IFNAMSIZ) {
        op->set_exit_reason(op, "parameter nic: '%s' is too long for an interface name", c->nic);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    const char *label = agentkit_param(op, "label", NULL);
    if (label && c->family == AF_INET6)
        op->log(op, CORRAL_LOG_DEBUG, "label %s ignored: IPv6 addresses have no labels", label);
    if (label && c->family == AF_INET) {
        /* The ifconfig convention: "eth0:vip"; a label naming the interface already is kept. */
        int n = (c->nic && strncmp(label, c->nic, strlen(c->nic)))
                    ? snprintf(c->label, sizeof(c->label), "%s:%s", c->nic, label)
                    : snprintf(c->label, sizeof(c->label), "%s", label);
        if (n >= (int)sizeof(c->label)) {
            op->set_exit_reason(op, "parameter label: '%s' makes a label over %d characters", label,
                                IFNAMSIZ - 1);
            return CORRAL_OCF_NOT_CONFIGURED;
        }
    }
    if (agentkit_param_int(op, "arp-count", 3, &c->arp_count) < 0 ||
        agentkit_param_duration(op, "arp-interval", 200, &c->arp_interval_ms) < 0)
        return CORRAL_OCF_NOT_CONFIGURED;
    if (c->arp_count < 0 || c->arp_count > 100) {
        op->set_exit_reason(op, "parameter arp-count: %lld is not within 0..100", c->arp_count);
        return CORRAL_OCF_NOT_CONFIGURED;
    }
    return 0;
}

/* The configured nic's index: 0 and *index_out, or -ENODEV. Without nic: 0 and 0. */
static int nic_index(const ipaddr_conf_t *c, int *index_out)
{
    *index_out = 0;
    if (!c->nic) return 0;
    unsigned idx = if_nametoindex(c->nic);
    if (!idx) return -ENODEV;
    *index_out = (int)idx;
    return 0;
}

static int ipaddr_monitor(const corral_op_t *op)
{
    ipaddr_conf_t c;
    int rc = conf_load(op, &c), ifindex, found, prefix;
    if (rc) return rc;
    if (nic_index(&c, &ifindex) < 0)
        return CORRAL_OCF_NOT_RUNNING; /* no such interface here: nothing can be running */
    rc = addr_find(&c, ifindex, &found, &prefix);
    if (rc == -ENOENT) return CORRAL_OCF_NOT_RUNNING;
    if (rc < 0) {
        op->set_exit_reason(op, "cannot list addresses: %s", strerror(-rc));
        return CORRAL_OCF_ERR_GENERIC;
    }
    return CORRAL_OCF_SUCCESS;
}

static int ipaddr_start(const corral_op_t *op)
{
    ipaddr_conf_t c;
    int rc = conf_load(op, &c), ifindex, found, prefix, route_prefix = -1;
    if (rc) return rc;
    if (nic_index(&c, &ifindex) < 0) {
        op->set_exit_reason(op, "interface %s does not exist on this node", c.nic);
        return CORRAL_OCF_NOT_INSTALLED;
    }
    if (addr_find(&c, ifindex, &found, &prefix) == 0)
        return CORRAL_OCF_SUCCESS; /* already there: start is idempotent */
    int route_index = 0;
    rc = route_find(&c, ifindex, &route_index, &route_prefix);
    if (rc < 0 && rc != -ENOENT) {
        op->set_exit_reason(op, "cannot read the routing table: %s", strerror(-rc));
        return CORRAL_OCF_ERR_GENERIC;
    }
    if (!ifindex) {
        if (rc == -ENOENT) {
            op->set_exit_reason(op, "no interface has a route to %s: set parameter nic", c.ip);
            return CORRAL_OCF_NOT_INSTALLED;
        }
        ifindex = route_index;
    }
    if (c.prefix < 0) c.prefix = route_prefix > 0 ? route_prefix : (int)c.alen * 8;
    if (c.label[0] && !c.nic) {
        /* The label was written before the interface was known. */
        char ifname[IF_NAMESIZE], tmp[IFNAMSIZ];
        snprintf(tmp, sizeof(tmp), "%s", c.label);
        if (if_indextoname((unsigned)ifindex, ifname) && strncmp(tmp, ifname, strlen(ifname)) &&
            snprintf(c.label, sizeof(c.label), "%s:%s", ifname, tmp) >= (int)sizeof(c.label)) {
            op->set_exit_reason(op, "label %s:%s is over %d characters", ifname, tmp, IFNAMSIZ - 1);
            return CORRAL_OCF_NOT_CONFIGURED;
        }
    }
    rc = addr_change(&c, RTM_NEWADDR, ifindex, c.prefix, true);
    if (rc < 0 && rc != -EEXIST) {
        op->set_exit_reason(op, "cannot add %s/%d: %s", c.ip, c.prefix, strerror(-rc));
        return rc == -EPERM ? CORRAL_OCF_ERR_PERM : CORRAL_OCF_ERR_GENERIC;
    }
    op->log(op, CORRAL_LOG_INFO, "added %s/%d (interface index %d)", c.ip, c.prefix, ifindex);
    if (c.family == AF_INET && c.arp_count > 0) {
        rc = send_garp(op, &c, ifindex);
        /* The address is up; a lost announcement only delays the peers' caches. */
        if (rc < 0)
            op->log(op, CORRAL_LOG_WARNING, "gratuitous ARP for %s failed: %s", c.ip,
                    strerror(-rc));
    }
    return CORRAL_OCF_SUCCESS;
}

static int ipaddr_stop(const corral_op_t *op)
{
    ipaddr_conf_t c;
    int rc = conf_load(op, &c), ifindex, found, prefix;
    if (rc) return rc == CORRAL_OCF_NOT_CONFIGURED ? CORRAL_OCF_SUCCESS : rc;
    if (nic_index(&c, &ifindex) < 0) return CORRAL_OCF_SUCCESS;
    rc = addr_find(&c, ifindex, &found, &prefix);
    if (rc == -ENOENT) return CORRAL_OCF_SUCCESS;
    if (rc == 0) rc = addr_change(&c, RTM_DELADDR, found, prefix, false);
    if (rc < 0 && rc != -EADDRNOTAVAIL && rc != -ENOENT) {
        op->set_exit_reason(op, "cannot remove %s: %s", c.ip, strerror(-rc));
        return rc == -EPERM ? CORRAL_OCF_ERR_PERM : CORRAL_OCF_ERR_GENERIC;
    }
    op->log(op, CORRAL_LOG_INFO, "removed %s", c.ip);
    return CORRAL_OCF_SUCCESS;
}

static int ipaddr_validate(const corral_op_t *op)
{
    ipaddr_conf_t c;
    int rc = conf_load(op, &c);
    return rc ? CORRAL_OCF_NOT_CONFIGURED : CORRAL_OCF_SUCCESS;
}

static const corral_param_spec_t ipaddr_params[] = {
    {.name = "ip",
     .type = CORRAL_PARAM_STRING,
     .required = 1,
     .unique = 1,
     .description = "The IPv4 or IPv6 address"},
    {.name = "cidr",
     .type = CORRAL_PARAM_INTEGER,
     .description = "Prefix length. Default: that of the route to ip, else 32 (IPv4) or 128"},
    {.name = "nic",
     .type = CORRAL_PARAM_STRING,
     .description = "Interface. Default: the one whose route covers ip (longest prefix, default "
                    "route excluded); required when there is none"},
    {.name = "label",
     .type = CORRAL_PARAM_STRING,
     .description = "IPv4 address label, shown as NIC:LABEL"},
    {.name = "arp-count",
     .type = CORRAL_PARAM_INTEGER,
     .default_value = "3",
     .description = "Gratuitous ARPs sent after an IPv4 start (0: none)"},
    {.name = "arp-interval",
     .type = CORRAL_PARAM_DURATION,
     .default_value = "200ms",
     .description = "Time between gratuitous ARPs"},
    {.name = NULL},
};

const corral_resource_plugin_t corral_resource_plugin = {
    .abi_major = CORRAL_ABI_MAJOR,
    .abi_minor = CORRAL_ABI_MINOR,
    .size = sizeof(corral_resource_plugin_t),
    .name = "ipaddr",
    .version = "1.0",
    .description = "A floating IPv4/IPv6 address on an interface (rtnetlink), announced with "
                   "gratuitous ARP",
    .params = ipaddr_params,
    .start = ipaddr_start,
    .stop = ipaddr_stop,
    .monitor = ipaddr_monitor,
    .validate = ipaddr_validate,
};
