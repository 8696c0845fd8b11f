/* The implementation-independent part of the cluster link; see link.h. */
#include "link.h"

#include <errno.h>

#include "link_int.h"

int corral_link_send(corral_link_t *link, const void *buf, size_t len)
{
    if (!link || !buf) return -EINVAL;
    return link->ops->send(link, buf, len);
}

uint32_t corral_link_local_id(const corral_link_t *link)
{
    return link->self ? link->self->id : 0;
}

const char *corral_link_local_name(const corral_link_t *link)
{
    return link->self ? link->self->name : NULL;
}

const char *corral_link_node_name(corral_link_t *link, uint32_t id)
{
    return link->ops->node_name(link, id);
}

void corral_link_free(corral_link_t *link)
{
    if (link) link->ops->free(link);
}
