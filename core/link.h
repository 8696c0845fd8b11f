/**
 * @file link.h
 * @brief The cluster link: membership, quorum and totally ordered messages.
 *
 * The one seam between standalone and cluster mode (ARCHITECTURE
 * principle 1): `corral_link_local_new` is a cluster of one that is always
 * quorate and delivers every message back to itself in order;
 * `corral_link_corosync_new` uses CPG (group named after the cluster),
 * votequorum and cmap. The controller sees no difference.
 *
 * Callbacks run from the owner's qb_loop, never re-entrantly from send().
 */
#ifndef CORRAL_LINK_H
#define CORRAL_LINK_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct corral_link corral_link_t;

typedef struct corral_link_member {
    uint32_t id;    /**< corosync node id (1 for standalone) */
    char name[64];  /**< node name (cmap nodelist name, or the standalone name) */
    bool node_down; /**< in a `left` list: the whole node left the membership
                         (not just its corrald) */
} corral_link_member_t;

typedef struct corral_link_callbacks {
    /** A message, in the same total order on every member (our own included). */
    void (*deliver)(void *ud, uint32_t from_id, const void *buf, size_t len);
    /**
     * The membership of our partition changed: the full list now, and who
     * joined and left (process group members: nodes whose corrald runs).
     */
    void (*members)(void *ud, const corral_link_member_t *members, size_t n,
                    const corral_link_member_t *joined, size_t n_joined,
                    const corral_link_member_t *left, size_t n_left);
    /** Quorum changed (standalone: once, quorate). */
    void (*quorum)(void *ud, bool quorate);
    /** The link failed for good (corosync died): the daemon must stop. */
    void (*lost)(void *ud, const char *why);
} corral_link_callbacks_t;

/**
 * A cluster of one named `node_name`. Delivery is through a loop job, so
 * send() never calls back into the caller. 0 and *link_out.
 */
int corral_link_local_new(qb_loop_t *loop, const char *node_name, const corral_link_callbacks_t *cb,
                          void *ud, corral_link_t **link_out);

/**
 * Join CPG group `cluster_name` on the local corosync. 0 and *link_out, or
 * -errno with *error_out (malloc'd) saying why (corosync not running...).
 */
int corral_link_corosync_new(qb_loop_t *loop, const char *cluster_name,
                             const corral_link_callbacks_t *cb, void *ud, corral_link_t **link_out,
                             char **error_out);

/** Send to every member (self included), totally ordered. 0 or -errno. */
int corral_link_send(corral_link_t *link, const void *buf, size_t len);

/** Our own id and name. */
uint32_t corral_link_local_id(const corral_link_t *link);
const char *corral_link_local_name(const corral_link_t *link);

/** The name of a node id known to corosync's nodelist, or NULL. */
const char *corral_link_node_name(corral_link_t *link, uint32_t id);

void corral_link_free(corral_link_t *link);

#endif
