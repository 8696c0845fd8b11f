/* The standalone link: a cluster of one (the Corosync link is exercised by
 * the cluster tests under tests/cluster, which need a real corosync). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "link.h"

struct seen {
    int members, quorum, delivered;
    bool quorate;
    char order[16];
    qb_loop_t *loop;
};

static void on_members(void *ud, const corral_link_member_t *m, size_t n,
                       const corral_link_member_t *j, size_t nj, const corral_link_member_t *l,
                       size_t nl)
{
    struct seen *s = ud;
    cr_assert_eq(n, 1);
    cr_assert_eq(nj, 1);
    cr_assert_eq(nl, 0);
    cr_assert_str_eq(m[0].name, "alpha");
    cr_assert_eq(j[0].id, 1);
    (void)l;
    s->members++;
}

static void on_quorum(void *ud, bool q)
{
    struct seen *s = ud;
    s->quorum++;
    s->quorate = q;
}

static void on_deliver(void *ud, uint32_t from, const void *buf, size_t len)
{
    struct seen *s = ud;
    cr_assert_eq(from, 1);
    cr_assert_eq(len, 1);
    /* Membership and quorum come before any message. */
    cr_assert_eq(s->members, 1);
    s->order[s->delivered++] = *(const char *)buf;
    if (s->delivered == 3) qb_loop_stop(s->loop);
}

Test(link, local_refuses_bad_arguments)
{
    corral_link_t *l = NULL;
    corral_link_callbacks_t cb = {0};
    cr_assert_eq(corral_link_local_new(NULL, "x", &cb, NULL, &l), -EINVAL);
    qb_loop_t *loop = qb_loop_create();
    cr_assert_eq(corral_link_local_new(loop, "", &cb, NULL, &l), -EINVAL);
    cr_assert_null(l);
    qb_loop_destroy(loop);
}

Test(link, local_is_a_quorate_cluster_of_one_delivering_in_order)
{
    struct seen s = {0};
    s.loop = qb_loop_create();
    corral_link_callbacks_t cb = {
        .deliver = on_deliver, .members = on_members, .quorum = on_quorum};
    corral_link_t *l;
    cr_assert_eq(corral_link_local_new(s.loop, "alpha", &cb, &s, &l), 0);
    cr_assert_str_eq(corral_link_local_name(l), "alpha");
    cr_assert_eq(corral_link_local_id(l), 1);
    cr_assert_str_eq(corral_link_node_name(l, 1), "alpha");
    cr_assert_null(corral_link_node_name(l, 2));
    /* send() never calls back at once: nothing is delivered before the loop runs. */
    cr_assert_eq(corral_link_send(l, "a", 1), 0);
    cr_assert_eq(corral_link_send(l, "b", 1), 0);
    cr_assert_eq(corral_link_send(l, "c", 1), 0);
    cr_assert_eq(s.delivered, 0);
    qb_loop_run(s.loop);
    cr_assert_eq(s.quorum, 1);
    cr_assert(s.quorate);
    cr_assert_str_eq(s.order, "abc");
    corral_link_free(l);
    qb_loop_destroy(s.loop);
}
