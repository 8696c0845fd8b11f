/* The standalone link: a cluster of one, always quorate; see link.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "link_int.h"
#include "util.h"

struct queued {
    void *buf;
    size_t len;
    struct queued *next;
};

struct local_link {
    corral_link_t base; /* first */
    qb_loop_t *loop;
    corral_link_member_t self;
    struct queued *head, *tail;
    bool job_pending;
    qb_loop_timer_handle job_timer;
    bool started;
};

/* Deliver everything queued, in order; runs as a loop job. */
static void deliver_all(void *data)
{
    struct local_link *l = data;
    l->job_pending = false;
    if (!l->started) {
        l->started = true;
        if (l->base.cb.members) l->base.cb.members(l->base.ud, &l->self, 1, &l->self, 1, NULL, 0);
        if (l->base.cb.quorum) l->base.cb.quorum(l->base.ud, true);
    }
    while (l->head) {
        struct queued *q = l->head;
        l->head = q->next;
        if (!l->head) l->tail = NULL;
        if (l->base.cb.deliver) l->base.cb.deliver(l->base.ud, l->self.id, q->buf, q->len);
        free(q->buf);
        free(q);
    }
}

static void schedule(struct local_link *l)
{
    if (l->job_pending) return;
    /* A timer due now, not a qb_loop job: libqb runs a job added from inside a
     * callback only at the next poll wake-up, up to 50 ms later. */
    if (qb_loop_timer_add(l->loop, QB_LOOP_HIGH, 1, l, deliver_all, &l->job_timer) == 0)
        l->job_pending = true;
}

static int local_send(corral_link_t *base, const void *buf, size_t len)
{
    struct local_link *l = (struct local_link *)base;
    struct queued *q = corral_xcalloc(1, sizeof(*q));
    q->buf = corral_xmalloc(len);
    memcpy(q->buf, buf, len);
    q->len = len;
    if (l->tail)
        l->tail->next = q;
    else
        l->head = q;
    l->tail = q;
    schedule(l);
    return 0;
}

static const char *local_node_name(corral_link_t *base, uint32_t id)
{
    struct local_link *l = (struct local_link *)base;
    return id == l->self.id ? l->self.name : NULL;
}

static void local_free(corral_link_t *base)
{
    struct local_link *l = (struct local_link *)base;
    if (l->job_pending) qb_loop_timer_del(l->loop, l->job_timer);
    while (l->head) {
        struct queued *q = l->head;
        l->head = q->next;
        free(q->buf);
        free(q);
    }
    free(l);
}

static const struct corral_link_ops local_ops = {
    .send = local_send,
    .node_name = local_node_name,
    .free = local_free,
};

int corral_link_local_new(qb_loop_t *loop, const char *node_name, const corral_link_callbacks_t *cb,
                          void *ud, corral_link_t **link_out)
{
    if (!loop || !node_name || !*node_name || !cb) return -EINVAL;
    struct local_link *l = corral_xcalloc(1, sizeof(*l));
    l->base.ops = &local_ops;
    l->base.cb = *cb;
    l->base.ud = ud;
    l->loop = loop;
    l->self.id = 1;
    snprintf(l->self.name, sizeof(l->self.name), "%s", node_name);
    l->base.self = &l->self;
    schedule(l); /* announce membership and quorum from the loop */
    *link_out = &l->base;
    return 0;
}
