/* Node-to-node message format; see messages.h. */
#include "messages.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t type;
    uint32_t n;
};

corral_msg_t *corral_msg_new(corral_msg_type_t type)
{
    corral_msg_t *m = corral_xcalloc(1, sizeof(*m));
    m->type = type;
    return m;
}

void corral_msg_free(corral_msg_t *msg)
{
    if (!msg) return;
    for (size_t i = 0; i < msg->n; i++) {
        free(msg->fields[i].key);
        free(msg->fields[i].value);
    }
    free(msg->fields);
    free(msg);
}

void corral_msg_add(corral_msg_t *msg, const char *key, const char *value)
{
    corral_msg_field_t f = {corral_xstrdup(key), corral_xstrdup(value ? value : "")};
    CORRAL_PUSH(msg->fields, msg->n, msg->cap, f);
}

void corral_msg_addf(corral_msg_t *msg, const char *key, const char *fmt, ...)
{
    va_list ap;
    char *v = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&v, fmt, ap);
    va_end(ap);
    if (n < 0) v = corral_xstrdup("");
    corral_msg_field_t f = {corral_xstrdup(key), v};
    CORRAL_PUSH(msg->fields, msg->n, msg->cap, f);
}

const char *corral_msg_get(const corral_msg_t *msg, const char *key)
{
    for (size_t i = 0; i < msg->n; i++)
        if (!strcmp(msg->fields[i].key, key)) return msg->fields[i].value;
    return NULL;
}

int corral_msg_get_i64(const corral_msg_t *msg, const char *key, int64_t *v_out)
{
    const char *s = corral_msg_get(msg, key);
    if (!s || !*s) return -EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno) return -EINVAL;
    *v_out = v;
    return 0;
}

int corral_msg_encode(const corral_msg_t *msg, void **buf_out, size_t *len_out)
{
    if (msg->n > CORRAL_MSG_MAX_FIELDS) return -EMSGSIZE;
    corral_buf_t b = {0};
    struct hdr h = {CORRAL_MSG_MAGIC, CORRAL_MSG_VERSION, (uint16_t)msg->type, (uint32_t)msg->n};
    corral_buf_append_n(&b, (const char *)&h, sizeof(h));
    for (size_t i = 0; i < msg->n; i++) {
        size_t kl = strlen(msg->fields[i].key), vl = strlen(msg->fields[i].value);
        if (kl > UINT16_MAX) {
            corral_buf_free(&b);
            return -EMSGSIZE;
        }
        uint16_t k16 = (uint16_t)kl;
        uint32_t v32 = (uint32_t)vl;
        corral_buf_append_n(&b, (const char *)&k16, sizeof(k16));
        corral_buf_append_n(&b, msg->fields[i].key, kl);
        corral_buf_append_n(&b, (const char *)&v32, sizeof(v32));
        corral_buf_append_n(&b, msg->fields[i].value, vl);
        if (b.len > CORRAL_MSG_MAX_SIZE) {
            corral_buf_free(&b);
            return -EMSGSIZE;
        }
    }
    *len_out = b.len;
    *buf_out = b.s;
    return 0;
}

static int take(const uint8_t **p, size_t *left, size_t n, char **out)
{
    if (*left < n) return -1;
    if (memchr(*p, '\0', n)) return -1;
    *out = corral_xstrndup((const char *)*p, n);
    *p += n;
    *left -= n;
    return 0;
}

int corral_msg_decode(const void *buf, size_t len, corral_msg_t **msg_out, const char **why_out)
{
    const uint8_t *p = buf;
    size_t left = len;
    struct hdr h;
    if (len > CORRAL_MSG_MAX_SIZE) {
        *why_out = "message too large";
        return -EPROTO;
    }
    if (left < sizeof(h)) {
        *why_out = "shorter than its header";
        return -EPROTO;
    }
    memcpy(&h, p, sizeof(h));
    p += sizeof(h);
    left -= sizeof(h);
    if (h.magic != CORRAL_MSG_MAGIC) {
        *why_out = "bad magic";
        return -EPROTO;
    }
    if (h.version != CORRAL_MSG_VERSION) {
        *why_out = "unsupported version";
        return -EPROTO;
    }
    if (h.type < 1 || h.type > CORRAL_MSG_TYPE_MAX) {
        *why_out = "unknown message type";
        return -EPROTO;
    }
    if (h.n > CORRAL_MSG_MAX_FIELDS) {
        *why_out = "too many fields";
        return -EPROTO;
    }
    corral_msg_t *m = corral_msg_new((corral_msg_type_t)h.type);
    for (uint32_t i = 0; i < h.n; i++) {
        uint16_t kl;
        uint32_t vl;
        corral_msg_field_t f = {NULL, NULL};
        if (left < sizeof(kl)) goto bad;
        memcpy(&kl, p, sizeof(kl));
        p += sizeof(kl);
        left -= sizeof(kl);
        if (take(&p, &left, kl, &f.key) < 0) goto bad;
        if (left < sizeof(vl)) {
            free(f.key);
            goto bad;
        }
        memcpy(&vl, p, sizeof(vl));
        p += sizeof(vl);
        left -= sizeof(vl);
        if (take(&p, &left, vl, &f.value) < 0) {
            free(f.key);
            goto bad;
        }
        CORRAL_PUSH(m->fields, m->n, m->cap, f);
    }
    if (left) {
        corral_msg_free(m);
        *why_out = "trailing bytes";
        return -EPROTO;
    }
    *msg_out = m;
    return 0;
bad:
    corral_msg_free(m);
    *why_out = "a field overruns the message or holds a NUL";
    return -EPROTO;
}

const char *corral_msg_type_str(corral_msg_type_t type)
{
    static const char *names[] = {
        [CORRAL_MSG_HELLO] = "hello",
        [CORRAL_MSG_OP_RESULT] = "op-result",
        [CORRAL_MSG_ATTR] = "attr",
        [CORRAL_MSG_FENCE_RESULT] = "fence-result",
        [CORRAL_MSG_CONFIG] = "config",
        [CORRAL_MSG_ACTION] = "action",
        [CORRAL_MSG_CANCEL] = "cancel",
        [CORRAL_MSG_SHUTDOWN] = "shutdown",
        [CORRAL_MSG_HISTORY] = "history",
        [CORRAL_MSG_FENCE_REQUEST] = "fence-request",
        [CORRAL_MSG_CLEANUP] = "cleanup",
        [CORRAL_MSG_CONSTRAINT] = "constraint",
        [CORRAL_MSG_NODE_STATE] = "node-state",
    };
    if ((int)type < 1 || type > CORRAL_MSG_TYPE_MAX) return "unknown";
    return names[type];
}
