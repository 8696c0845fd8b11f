/**
 * @file messages.h
 * @brief The versioned, length-checked wire format between corralds.
 *
 * A message is a type and an ordered list of string fields (key = value).
 * Binary layout (little-endian): uint32 magic "CRM1", uint16 version,
 * uint16 type, uint32 field count, then per field uint16 key length, key,
 * uint32 value length, value. Decoding checks every length against the
 * buffer, refuses NULs inside keys and values, unknown versions and
 * trailing bytes; a bad message is logged and dropped by the caller.
 */
#ifndef CORRAL_MESSAGES_H
#define CORRAL_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#define CORRAL_MSG_MAGIC      0x314d5243u /* "CRM1" */
#define CORRAL_MSG_VERSION    1
#define CORRAL_MSG_MAX_FIELDS 4096
#define CORRAL_MSG_MAX_SIZE   (8 * 1024 * 1024)

typedef enum corral_msg_type {
    CORRAL_MSG_HELLO = 1,     /**< a node joined: its name, start time, config epoch/digest */
    CORRAL_MSG_OP_RESULT = 2, /**< an op finished on a node (history entry) */
    CORRAL_MSG_ATTR = 3,      /**< a transient node attribute changed */
    CORRAL_MSG_FENCE_RESULT = 4,
    CORRAL_MSG_CONFIG = 5,   /**< a config push: epoch, digest, text */
    CORRAL_MSG_ACTION = 6,   /**< DC -> node: run this action */
    CORRAL_MSG_CANCEL = 7,   /**< DC -> node: cancel a recurring op */
    CORRAL_MSG_SHUTDOWN = 8, /**< a node asks to leave cleanly */
    CORRAL_MSG_HISTORY = 9,  /**< a node's whole op history (at DC election) */
    CORRAL_MSG_FENCE_REQUEST = 10,
    CORRAL_MSG_CLEANUP = 11,    /**< forget failures of a resource */
    CORRAL_MSG_CONSTRAINT = 12, /**< move/ban/clear, node standby */
    CORRAL_MSG_NODE_STATE = 13, /**< what a member knows of a node gone uncleanly (to joiners) */
    CORRAL_MSG_TYPE_MAX = 13,
} corral_msg_type_t;

typedef struct corral_msg_field {
    char *key;
    char *value;
} corral_msg_field_t;

typedef struct corral_msg {
    corral_msg_type_t type;
    corral_msg_field_t *fields;
    size_t n;
    size_t cap;
} corral_msg_t;

/** A new empty message of `type` (caller frees with corral_msg_free). */
corral_msg_t *corral_msg_new(corral_msg_type_t type);
void corral_msg_free(corral_msg_t *msg);

/** Append a field (copied). Keys may repeat (lists). */
void corral_msg_add(corral_msg_t *msg, const char *key, const char *value);
void corral_msg_addf(corral_msg_t *msg, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** The first value of `key`, or NULL. */
const char *corral_msg_get(const corral_msg_t *msg, const char *key);
/** The first value of `key` as an integer; -EINVAL if absent or not a number. */
int corral_msg_get_i64(const corral_msg_t *msg, const char *key, int64_t *v_out);

/** Encode into a malloc'd buffer. 0 or -EMSGSIZE. */
int corral_msg_encode(const corral_msg_t *msg, void **buf_out, size_t *len_out);
/** Decode. 0 and *msg_out (caller frees), or -EPROTO with *why_out a static reason. */
int corral_msg_decode(const void *buf, size_t len, corral_msg_t **msg_out, const char **why_out);

const char *corral_msg_type_str(corral_msg_type_t type);

#endif
