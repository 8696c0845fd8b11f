/**
 * @file ipc.h
 * @brief Local IPC between `corral` and `corrald` over libqb IPC.
 *
 * The service is named "corral", or CORRAL_IPC_NAME verbatim when set (so
 * several daemons can run side by side in tests). A request is a command
 * line (an argv vector, e.g. {"resource", "move", "vip", "n2"}) plus an
 * optional body (a config file being pushed); a response is an exit code and
 * the text for stdout and stderr, so the daemon renders and the CLI prints.
 *
 * Wire format, after libqb's own header (whose id is CORRAL_IPC_MSG_*):
 *   uint32 magic "CRL1", uint16 version, uint16 flags,
 *   uint32 argc, then argc × (uint32 len, bytes), uint32 body_len, body.
 * Responses: uint32 magic, uint16 version, uint16 flags, int32 rc,
 *   uint32 out_len, out, uint32 err_len, err.
 * Every length is checked against the message size; anything else is
 * rejected with an error response and logged, and the daemon goes on.
 */
#ifndef CORRAL_IPC_H
#define CORRAL_IPC_H

#include <qb/qbloop.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CORRAL_IPC_MAGIC        0x314c5243u /* "CRL1" little-endian */
#define CORRAL_IPC_VERSION      1
#define CORRAL_IPC_MSG_REQUEST  1
#define CORRAL_IPC_MSG_RESPONSE 2
/** Largest message either way (a config push fits easily). */
#define CORRAL_IPC_MAX_MSG  (4 * 1024 * 1024)
#define CORRAL_IPC_MAX_ARGS 64

/** The service name: CORRAL_IPC_NAME or "corral". */
const char *corral_ipc_name(void);

/* ---- server (corrald) ---- */

typedef struct corral_ipc_server corral_ipc_server_t;
typedef struct corral_ipc_request corral_ipc_request_t;

/** A decoded request, valid until it is answered. */
struct corral_ipc_request {
    int argc;
    char **argv;      /**< NUL-terminated strings, argv[argc] == NULL */
    const char *body; /**< NUL-terminated, may be empty */
    size_t body_len;
    uid_t uid; /**< the client's credentials, from the kernel */
    gid_t gid;
    pid_t pid;
    bool may_change; /**< root, or a member of the haclient group */
};

/**
 * Handle one request. Answer it now or later, exactly once, with
 * corral_ipc_reply(). The server checks nothing but the format and the
 * credentials; the handler decides which commands change state and refuses
 * them when !req->may_change.
 */
typedef void (*corral_ipc_handler_fn)(void *ud, corral_ipc_request_t *req);

/** Start serving on `loop`. 0 and *server_out (owned by the caller), or -errno. */
int corral_ipc_server_new(qb_loop_t *loop, corral_ipc_handler_fn handler, void *ud,
                          corral_ipc_server_t **server_out);
/** Stop serving; requests not yet answered are dropped (their clients see the connection close). */
void corral_ipc_server_free(corral_ipc_server_t *server);

/** Answer a request and free it. A client that went away meanwhile is fine. */
void corral_ipc_reply(corral_ipc_request_t *req, int rc, const char *out, const char *err);

/** How many requests are waiting for an answer (for tests and shutdown). */
size_t corral_ipc_server_pending(const corral_ipc_server_t *server);

/* ---- client (corral) ---- */

/**
 * Send argv (+ body, may be NULL) to the daemon and wait up to timeout_ms
 * (-1: forever) for the answer. 0 and *rc_out, *out_out, *err_out (malloc'd,
 * caller frees), or -ECONNREFUSED/-ENOENT when no daemon listens, -ETIMEDOUT,
 * -EMSGSIZE, -EPROTO for a garbled answer, or another -errno.
 */
int corral_ipc_call(int argc, const char *const argv[], const char *body, size_t body_len,
                    int timeout_ms, int *rc_out, char **out_out, char **err_out);

/* ---- encoding (exposed for the malformed-message tests) ---- */

/** Encode a request into a malloc'd buffer including libqb's header. 0 or -EMSGSIZE/-EINVAL. */
int corral_ipc_encode_request(int argc, const char *const argv[], const char *body, size_t body_len,
                              void **msg_out, size_t *len_out);
/**
 * Decode a request buffer (libqb header included). 0 and the fields of
 * *req (argv and body owned by req, free with corral_ipc_request_clear), or
 * -EPROTO / -EMSGSIZE with *why_out a static reason.
 */
int corral_ipc_decode_request(const void *msg, size_t len, corral_ipc_request_t *req,
                              const char **why_out);
void corral_ipc_request_clear(corral_ipc_request_t *req);

/** Is `uid` root or a member (primary or supplementary) of group "haclient"? */
bool corral_ipc_may_change(uid_t uid, gid_t gid);

#endif
