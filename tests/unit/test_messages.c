/* The node-to-node wire format. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"

Test(messages, get_of_a_missing_key_is_null)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_ATTR);
    cr_assert_null(corral_msg_get(m, "x"));
    int64_t v;
    cr_assert_eq(corral_msg_get_i64(m, "x", &v), -EINVAL);
    corral_msg_add(m, "x", "12a");
    cr_assert_eq(corral_msg_get_i64(m, "x", &v), -EINVAL);
    corral_msg_free(m);
}

Test(messages, round_trip_keeps_order_and_repeats)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_OP_RESULT);
    corral_msg_add(m, "rsc", "vip");
    corral_msg_addf(m, "rc", "%d", 7);
    corral_msg_add(m, "node", "n1");
    corral_msg_add(m, "node", "n2");
    corral_msg_add(m, "empty", "");
    void *buf;
    size_t len;
    cr_assert_eq(corral_msg_encode(m, &buf, &len), 0);
    corral_msg_t *d;
    const char *why;
    cr_assert_eq(corral_msg_decode(buf, len, &d, &why), 0);
    cr_assert_eq(d->type, CORRAL_MSG_OP_RESULT);
    cr_assert_eq(d->n, 5);
    int64_t rc;
    cr_assert_eq(corral_msg_get_i64(d, "rc", &rc), 0);
    cr_assert_eq(rc, 7);
    cr_assert_str_eq(d->fields[3].value, "n2");
    cr_assert_str_eq(corral_msg_get(d, "empty"), "");
    corral_msg_free(d);
    corral_msg_free(m);
    free(buf);
}

Test(messages, every_truncation_and_corruption_is_refused)
{
    corral_msg_t *m = corral_msg_new(CORRAL_MSG_CONFIG);
    corral_msg_add(m, "epoch", "3");
    corral_msg_add(m, "text", "[cluster]\nname = x\n");
    void *buf;
    size_t len;
    cr_assert_eq(corral_msg_encode(m, &buf, &len), 0);
    for (size_t cut = 0; cut < len; cut++) {
        corral_msg_t *d = NULL;
        const char *why = NULL;
        cr_assert_eq(corral_msg_decode(buf, cut, &d, &why), -EPROTO, "cut at %zu", cut);
        cr_assert_not_null(why);
    }
    uint8_t *b = buf;
    const char *why;
    corral_msg_t *d;
    b[0] ^= 1;
    cr_assert_eq(corral_msg_decode(buf, len, &d, &why), -EPROTO);
    cr_assert_str_eq(why, "bad magic");
    b[0] ^= 1;
    b[6] = 99; /* type */
    cr_assert_eq(corral_msg_decode(buf, len, &d, &why), -EPROTO);
    cr_assert_str_eq(why, "unknown message type");
    b[6] = CORRAL_MSG_CONFIG;
    b[8] = 0xff; /* field count */
    b[9] = 0xff;
    cr_assert_eq(corral_msg_decode(buf, len, &d, &why), -EPROTO);
    b[8] = 2;
    b[9] = 0;
    /* trailing garbage */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 'x';
    cr_assert_eq(corral_msg_decode(longer, len + 1, &d, &why), -EPROTO);
    cr_assert_str_eq(why, "trailing bytes");
    free(longer);
    /* a NUL inside a value */
    b[len - 3] = 0;
    cr_assert_eq(corral_msg_decode(buf, len, &d, &why), -EPROTO);
    free(buf);
    corral_msg_free(m);
}
