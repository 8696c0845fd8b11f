/* Private: what every link implementation provides (see link.h). */
#ifndef CORRAL_LINK_INT_H
#define CORRAL_LINK_INT_H

#include "link.h"

struct corral_link_ops {
    int (*send)(corral_link_t *link, const void *buf, size_t len);
    const char *(*node_name)(corral_link_t *link, uint32_t id);
    void (*free)(corral_link_t *link);
};

struct corral_link {
    const struct corral_link_ops *ops;
    corral_link_callbacks_t cb;
    void *ud;
    const corral_link_member_t *self; /* set by the implementation once known */
};

#endif
