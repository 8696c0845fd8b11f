/* The cluster link on Corosync: CPG for membership and ordered messages,
 * the quorum API (votequorum provider) for quorum, cmap for node names.
 * See link.h. */
#include <corosync/cmap.h>
#include <corosync/corotypes.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "link.h"
#include "link_int.h"
#include "log.h"
#include "util.h"

struct pending_msg {
    void *buf;
    size_t len;
    struct pending_msg *next;
};

struct names {
    uint32_t id;
    char *name;
};

struct cs_link {
    corral_link_t base; /* first */
    qb_loop_t *loop;
    cpg_handle_t cpg;
    quorum_handle_t quorum;
    int cpg_fd, quorum_fd;
    struct cpg_name group;
    corral_link_member_t self;
    /* Messages corosync could not take yet (flow control), in order. */
    struct pending_msg *head, *tail;
    qb_loop_timer_handle retry_timer;
    bool retry_armed;
    struct names *names;
    size_t n_names, cap_names;
    bool dead;
};

/* The name of a node from corosync's nodelist (read once, on demand). */
static void load_names(struct cs_link *l)
{
    cmap_handle_t h;
    if (cmap_initialize(&h) != CS_OK) return;
    for (int i = 0; i < 1024; i++) {
        char key[128];
        uint32_t id;
        char *name = NULL;
        snprintf(key, sizeof(key), "nodelist.node.%d.nodeid", i);
        if (cmap_get_uint32(h, key, &id) != CS_OK) break;
        snprintf(key, sizeof(key), "nodelist.node.%d.name", i);
        if (cmap_get_string(h, key, &name) != CS_OK) {
            snprintf(key, sizeof(key), "nodelist.node.%d.ring0_addr", i);
            if (cmap_get_string(h, key, &name) != CS_OK) name = NULL;
        }
        struct names n = {id, corral_xstrdup(name ? name : "")};
        free(name);
        CORRAL_PUSH(l->names, l->n_names, l->cap_names, n);
    }
    cmap_finalize(h);
}

static const char *cs_node_name(corral_link_t *base, uint32_t id)
{
    struct cs_link *l = (struct cs_link *)base;
    if (!l->n_names) load_names(l);
    for (size_t i = 0; i < l->n_names; i++)
        if (l->names[i].id == id && l->names[i].name[0]) return l->names[i].name;
    return NULL;
}

static void fill_member(struct cs_link *l, const struct cpg_address *a, corral_link_member_t *m)
{
    memset(m, 0, sizeof(*m));
    m->id = a->nodeid;
    const char *n = cs_node_name(&l->base, a->nodeid);
    if (n)
        snprintf(m->name, sizeof(m->name), "%s", n);
    else
        snprintf(m->name, sizeof(m->name), "node%u", a->nodeid);
    m->node_down = a->reason == CPG_REASON_NODEDOWN;
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid,
                       void *msg, size_t len)
{
    (void)group;
    (void)pid;
    struct cs_link *l = NULL;
    if (cpg_context_get(h, (void **)&l) != CS_OK || !l) return;
    if (l->base.cb.deliver) l->base.cb.deliver(l->base.ud, nodeid, msg, len);
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined)
{
    (void)group;
    struct cs_link *l = NULL;
    if (cpg_context_get(h, (void **)&l) != CS_OK || !l) return;
    corral_link_member_t *m = corral_xcalloc(n_members + 1, sizeof(*m));
    corral_link_member_t *lf = corral_xcalloc(n_left + 1, sizeof(*lf));
    corral_link_member_t *jn = corral_xcalloc(n_joined + 1, sizeof(*jn));
    for (size_t i = 0; i < n_members; i++) fill_member(l, &members[i], &m[i]);
    for (size_t i = 0; i < n_left; i++) fill_member(l, &left[i], &lf[i]);
    for (size_t i = 0; i < n_joined; i++) fill_member(l, &joined[i], &jn[i]);
    if (l->base.cb.members) l->base.cb.members(l->base.ud, m, n_members, jn, n_joined, lf, n_left);
    free(m);
    free(lf);
    free(jn);
}

static void on_quorum(quorum_handle_t h, uint32_t quorate, uint64_t ring_seq, uint32_t n,
                      uint32_t *view)
{
    (void)ring_seq;
    (void)n;
    (void)view;
    struct cs_link *l = NULL;
    if (quorum_context_get(h, (const void **)&l) != CS_OK || !l) return;
    if (l->base.cb.quorum) l->base.cb.quorum(l->base.ud, quorate != 0);
}

static void link_lost(struct cs_link *l, const char *why)
{
    if (l->dead) return;
    l->dead = true;
    corral_crit("cluster link: %s", why);
    if (l->base.cb.lost) l->base.cb.lost(l->base.ud, why);
}

static int32_t cpg_ready(int32_t fd, int32_t revents, void *data)
{
    (void)fd;
    struct cs_link *l = data;
    if (revents & (POLLHUP | POLLERR) || cpg_dispatch(l->cpg, CS_DISPATCH_ALL) != CS_OK) {
        link_lost(l, "lost the connection to corosync (cpg)");
        return -1; /* remove from the loop */
    }
    return 0;
}

static int32_t quorum_ready(int32_t fd, int32_t revents, void *data)
{
    (void)fd;
    struct cs_link *l = data;
    if (revents & (POLLHUP | POLLERR) || quorum_dispatch(l->quorum, CS_DISPATCH_ALL) != CS_OK) {
        link_lost(l, "lost the connection to corosync (quorum)");
        return -1;
    }
    return 0;
}

static void flush(struct cs_link *l);

static void retry_flush(void *data)
{
    struct cs_link *l = data;
    l->retry_armed = false;
    flush(l);
}

/* Send queued messages until corosync pushes back. */
static void flush(struct cs_link *l)
{
    while (l->head && !l->dead) {
        struct iovec iov = {.iov_base = l->head->buf, .iov_len = l->head->len};
        cs_error_t e = cpg_mcast_joined(l->cpg, CPG_TYPE_AGREED, &iov, 1);
        if (e == CS_ERR_TRY_AGAIN) {
            if (!l->retry_armed) {
                l->retry_armed = true;
                qb_loop_timer_add(l->loop, QB_LOOP_HIGH, 10 * 1000000ULL, l, retry_flush,
                                  &l->retry_timer);
            }
            return;
        }
        if (e != CS_OK) corral_err("cluster link: dropped a message: cpg error %d", (int)e);
        struct pending_msg *p = l->head;
        l->head = p->next;
        if (!l->head) l->tail = NULL;
        free(p->buf);
        free(p);
    }
}

static int cs_send(corral_link_t *base, const void *buf, size_t len)
{
    struct cs_link *l = (struct cs_link *)base;
    if (l->dead) return -ENOTCONN;
    struct pending_msg *p = corral_xcalloc(1, sizeof(*p));
    p->buf = corral_xmalloc(len);
    memcpy(p->buf, buf, len);
    p->len = len;
    if (l->tail)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    flush(l);
    return 0;
}

static void cs_free(corral_link_t *base)
{
    struct cs_link *l = (struct cs_link *)base;
    if (l->retry_armed) qb_loop_timer_del(l->loop, l->retry_timer);
    if (l->cpg_fd >= 0) qb_loop_poll_del(l->loop, l->cpg_fd);
    if (l->quorum_fd >= 0) qb_loop_poll_del(l->loop, l->quorum_fd);
    if (l->cpg) {
        cpg_leave(l->cpg, &l->group);
        cpg_finalize(l->cpg);
    }
    if (l->quorum) {
        quorum_trackstop(l->quorum);
        quorum_finalize(l->quorum);
    }
    while (l->head) {
        struct pending_msg *p = l->head;
        l->head = p->next;
        free(p->buf);
        free(p);
    }
    for (size_t i = 0; i < l->n_names; i++) free(l->names[i].name);
    free(l->names);
    free(l);
}

static const struct corral_link_ops cs_ops = {
    .send = cs_send,
    .node_name = cs_node_name,
    .free = cs_free,
};

int corral_link_corosync_new(qb_loop_t *loop, const char *cluster_name,
                             const corral_link_callbacks_t *cb, void *ud, corral_link_t **link_out,
                             char **error_out)
{
    if (!loop || !cluster_name || !*cluster_name || !cb) return -EINVAL;
    if (strlen(cluster_name) >= CPG_MAX_NAME_LENGTH) {
        *error_out =
            corral_xasprintf("cluster name '%s' is too long for a CPG group", cluster_name);
        return -EINVAL;
    }
    struct cs_link *l = corral_xcalloc(1, sizeof(*l));
    l->base.ops = &cs_ops;
    l->base.cb = *cb;
    l->base.ud = ud;
    l->loop = loop;
    l->cpg_fd = l->quorum_fd = -1;
    int rc = 0;
    cs_error_t e;

    cpg_model_v1_data_t model = {
        .model = CPG_MODEL_V1,
        .cpg_deliver_fn = on_deliver,
        .cpg_confchg_fn = on_confchg,
    };
    e = cpg_model_initialize(&l->cpg, CPG_MODEL_V1, (cpg_model_data_t *)&model, l);
    if (e != CS_OK) {
        l->cpg = 0;
        *error_out = corral_xasprintf("cannot connect to corosync's CPG service (error %d): is "
                                      "corosync running?",
                                      (int)e);
        rc = -ECONNREFUSED;
        goto fail;
    }
    unsigned int nodeid = 0;
    cpg_local_get(l->cpg, &nodeid);
    l->self.id = nodeid;
    const char *n = cs_node_name(&l->base, nodeid);
    if (n)
        snprintf(l->self.name, sizeof(l->self.name), "%s", n);
    else
        snprintf(l->self.name, sizeof(l->self.name), "node%u", nodeid);
    l->base.self = &l->self;

    quorum_callbacks_t qcb = {.quorum_notify_fn = on_quorum};
    uint32_t qtype = 0;
    e = quorum_initialize(&l->quorum, &qcb, &qtype);
    if (e != CS_OK) {
        l->quorum = 0;
        *error_out =
            corral_xasprintf("cannot connect to corosync's quorum service (error %d)", (int)e);
        rc = -ECONNREFUSED;
        goto fail;
    }
    quorum_context_set(l->quorum, l);
    quorum_trackstart(l->quorum, CS_TRACK_CHANGES | CS_TRACK_CURRENT);

    l->group.length = (uint32_t)strlen(cluster_name);
    memcpy(l->group.value, cluster_name, l->group.length);
    do {
        e = cpg_join(l->cpg, &l->group);
    } while (e == CS_ERR_TRY_AGAIN);
    if (e != CS_OK) {
        *error_out =
            corral_xasprintf("cannot join CPG group '%s' (error %d)", cluster_name, (int)e);
        rc = -EIO;
        goto fail;
    }
    cpg_fd_get(l->cpg, &l->cpg_fd);
    quorum_fd_get(l->quorum, &l->quorum_fd);
    qb_loop_poll_add(loop, QB_LOOP_HIGH, l->cpg_fd, POLLIN, l, cpg_ready);
    qb_loop_poll_add(loop, QB_LOOP_HIGH, l->quorum_fd, POLLIN, l, quorum_ready);
    *link_out = &l->base;
    return 0;
fail:
    cs_free(&l->base);
    return rc;
}
