/* Local IPC between corral and corrald over libqb; see ipc.h. */
#include "ipc.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <qb/qbipcc.h>
#include <qb/qbipcs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Our header after libqb's. */
struct wire_hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t flags;
};

/* A request waiting for its answer. */
struct pending {
    corral_ipc_request_t req;   /* first: corral_ipc_reply() gets &req */
    qb_ipcs_connection_t *conn; /* NULL once the client went away */
    corral_ipc_server_t *server;
    struct pending *next;
};

struct corral_ipc_server {
    qb_ipcs_service_t *service;
    corral_ipc_handler_fn handler;
    void *ud;
    struct pending *pending;
    size_t n_pending;
};

/* libqb's poll glue and connection callbacks take no user data for the
 * service: one server per process. */
static qb_loop_t *ipc_loop;
static corral_ipc_server_t *ipc_server;

const char *corral_ipc_name(void)
{
    const char *n = getenv("CORRAL_IPC_NAME");
    return n && *n ? n : "corral";
}

/* ---------- encoding ---------- */

static void put32(corral_buf_t *b, uint32_t v)
{
    corral_buf_append_n(b, (const char *)&v, sizeof(v));
}

int corral_ipc_encode_request(int argc, const char *const argv[], const char *body, size_t body_len,
                              void **msg_out, size_t *len_out)
{
    if (argc < 1 || argc > CORRAL_IPC_MAX_ARGS || !argv) return -EINVAL;
    corral_buf_t b = {0};
    struct qb_ipc_request_header qh = {.id = CORRAL_IPC_MSG_REQUEST, .size = 0};
    corral_buf_append_n(&b, (const char *)&qh, sizeof(qh));
    struct wire_hdr h = {.magic = CORRAL_IPC_MAGIC, .version = CORRAL_IPC_VERSION};
    corral_buf_append_n(&b, (const char *)&h, sizeof(h));
    put32(&b, (uint32_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        put32(&b, (uint32_t)l);
        corral_buf_append_n(&b, argv[i], l);
    }
    put32(&b, (uint32_t)body_len);
    if (body_len) corral_buf_append_n(&b, body, body_len);
    if (b.len > CORRAL_IPC_MAX_MSG) {
        corral_buf_free(&b);
        return -EMSGSIZE;
    }
    ((struct qb_ipc_request_header *)b.s)->size = (int32_t)b.len;
    *len_out = b.len;
    *msg_out = b.s;
    return 0;
}

/* A bounds-checked reader over a message. */
struct reader {
    const uint8_t *p;
    size_t left;
};

static int get32(struct reader *r, uint32_t *v)
{
    if (r->left < sizeof(*v)) return -1;
    memcpy(v, r->p, sizeof(*v));
    r->p += sizeof(*v);
    r->left -= sizeof(*v);
    return 0;
}

static int get_bytes(struct reader *r, uint32_t len, char **out)
{
    if (r->left < len) return -1;
    *out = corral_xstrndup((const char *)r->p, len);
    if (strlen(*out) != len) { /* an embedded NUL would cut the string silently */
        free(*out);
        *out = NULL;
        return -1;
    }
    r->p += len;
    r->left -= len;
    return 0;
}

void corral_ipc_request_clear(corral_ipc_request_t *req)
{
    if (req->argv)
        for (int i = 0; i < req->argc; i++) free(req->argv[i]);
    free(req->argv);
    free((char *)req->body);
    req->argv = NULL;
    req->body = NULL;
    req->argc = 0;
    req->body_len = 0;
}

int corral_ipc_decode_request(const void *msg, size_t len, corral_ipc_request_t *req,
                              const char **why_out)
{
    memset(req, 0, sizeof(*req));
    const char *why = NULL;
    struct reader r = {msg, len};
    struct qb_ipc_request_header qh;
    struct wire_hdr h;
    uint32_t argc = 0, blen = 0;
    if (len > CORRAL_IPC_MAX_MSG) {
        *why_out = "message too large";
        return -EMSGSIZE;
    }
    if (len < sizeof(qh) + sizeof(h)) {
        why = "message shorter than its header";
        goto bad;
    }
    memcpy(&qh, r.p, sizeof(qh));
    r.p += sizeof(qh);
    r.left -= sizeof(qh);
    if (qh.size < 0 || (size_t)qh.size != len) {
        why = "message size does not match its header";
        goto bad;
    }
    if (qh.id != CORRAL_IPC_MSG_REQUEST) {
        why = "unknown message type";
        goto bad;
    }
    memcpy(&h, r.p, sizeof(h));
    r.p += sizeof(h);
    r.left -= sizeof(h);
    if (h.magic != CORRAL_IPC_MAGIC) {
        why = "bad magic";
        goto bad;
    }
    if (h.version != CORRAL_IPC_VERSION) {
        why = "unsupported protocol version";
        goto bad;
    }
    if (get32(&r, &argc) < 0 || argc < 1 || argc > CORRAL_IPC_MAX_ARGS) {
        why = "bad argument count";
        goto bad;
    }
    req->argv = corral_xcalloc(argc + 1, sizeof(char *));
    for (uint32_t i = 0; i < argc; i++) {
        uint32_t l;
        if (get32(&r, &l) < 0 || get_bytes(&r, l, &req->argv[i]) < 0) {
            why = "argument overruns the message or holds a NUL";
            req->argc = (int)i;
            goto bad;
        }
    }
    req->argc = (int)argc;
    char *body = NULL;
    if (get32(&r, &blen) < 0 || get_bytes(&r, blen, &body) < 0) {
        why = "body overruns the message or holds a NUL";
        goto bad;
    }
    req->body = body;
    req->body_len = blen;
    if (r.left != 0) {
        why = "trailing bytes after the body";
        goto bad;
    }
    return 0;
bad:
    corral_ipc_request_clear(req);
    *why_out = why;
    return -EPROTO;
}

static void *encode_response(int rc, const char *out, const char *err, size_t *len_out)
{
    corral_buf_t b = {0};
    struct qb_ipc_response_header qh = {.id = CORRAL_IPC_MSG_RESPONSE, .size = 0, .error = 0};
    corral_buf_append_n(&b, (const char *)&qh, sizeof(qh));
    struct wire_hdr h = {.magic = CORRAL_IPC_MAGIC, .version = CORRAL_IPC_VERSION};
    corral_buf_append_n(&b, (const char *)&h, sizeof(h));
    put32(&b, (uint32_t)rc);
    out = out ? out : "";
    err = err ? err : "";
    size_t ol = strlen(out), el = strlen(err);
    /* An answer too large to send is cut, and says so. */
    const char *cut = "\n[output truncated]\n";
    size_t room = CORRAL_IPC_MAX_MSG - 64 - strlen(cut);
    if (ol + el > room) {
        if (el > room / 2) el = room / 2;
        ol = room - el;
    }
    put32(&b, (uint32_t)ol);
    corral_buf_append_n(&b, out, ol);
    put32(&b, (uint32_t)el);
    corral_buf_append_n(&b, err, el);
    ((struct qb_ipc_response_header *)b.s)->size = (int32_t)b.len;
    *len_out = b.len;
    return b.s;
}

/* ---------- server ---------- */

bool corral_ipc_may_change(uid_t uid, gid_t gid)
{
    if (uid == 0) return true;
    struct group *gr = getgrnam("haclient");
    if (!gr) return false;
    if (gid == gr->gr_gid) return true;
    struct passwd *pw = getpwuid(uid);
    if (!pw) return false;
    int n = 64;
    gid_t *groups = corral_xcalloc((size_t)n, sizeof(gid_t));
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
        groups = corral_xrealloc(groups, (size_t)n * sizeof(gid_t));
        getgrouplist(pw->pw_name, pw->pw_gid, groups, &n);
    }
    bool member = false;
    for (int i = 0; i < n; i++)
        if (groups[i] == gr->gr_gid) member = true;
    free(groups);
    return member;
}

static int32_t on_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    /* Let haclient members reach the shared memory too; the per-request
     * check below decides what they may do. */
    struct group *gr = getgrnam("haclient");
    if (gr) qb_ipcs_connection_auth_set(c, -1, gr->gr_gid, 0660);
    if (!corral_ipc_may_change(uid, gid)) {
        corral_warn("ipc: refused a client with uid %u: neither root nor in group haclient",
                    (unsigned)uid);
        return -EACCES;
    }
    return 0;
}

static void send_reply(qb_ipcs_connection_t *c, int rc, const char *out, const char *err)
{
    size_t len;
    void *msg = encode_response(rc, out, err, &len);
    ssize_t n = qb_ipcs_response_send(c, msg, len);
    if (n < 0) corral_info("ipc: could not answer a client: %s", strerror((int)-n));
    free(msg);
}

static int32_t on_message(qb_ipcs_connection_t *c, void *data, size_t size)
{
    corral_ipc_server_t *s = ipc_server;
    struct pending *p = corral_xcalloc(1, sizeof(*p));
    const char *why = NULL;
    if (corral_ipc_decode_request(data, size, &p->req, &why) < 0) {
        corral_warn("ipc: rejected a malformed request of %zu bytes: %s", size, why);
        char *err = corral_xasprintf("corrald rejected the request: %s.\n", why);
        send_reply(c, 2, "", err);
        free(err);
        free(p);
        return 0;
    }
    /* Credentials as the kernel gave them at connect time. */
    uid_t uid = 0;
    gid_t gid = 0;
    struct qb_ipcs_connection_stats_2 *st2 = qb_ipcs_connection_stats_get_2(c, QB_FALSE);
    if (st2) {
        p->req.pid = st2->client_pid;
        free(st2);
    }
    void *ctx = qb_ipcs_context_get(c);
    if (ctx) {
        const uid_t *cred = ctx;
        uid = cred[0];
        gid = (gid_t)cred[1];
    }
    p->req.uid = uid;
    p->req.gid = gid;
    p->req.may_change = corral_ipc_may_change(uid, gid);
    p->conn = c;
    qb_ipcs_connection_ref(c);
    p->server = s;
    p->next = s->pending;
    s->pending = p;
    s->n_pending++;
    s->handler(s->ud, &p->req);
    return 0;
}

static void on_created(qb_ipcs_connection_t *c)
{
    /* Remember the credentials: the accept callback is the only place libqb gives them. */
    (void)c;
}

static int32_t on_closed(qb_ipcs_connection_t *c)
{
    corral_ipc_server_t *s = ipc_server;
    for (struct pending *p = s ? s->pending : NULL; p; p = p->next) {
        if (p->conn == c) {
            qb_ipcs_connection_unref(c);
            p->conn = NULL;
        }
    }
    return 0;
}

static void on_destroyed(qb_ipcs_connection_t *c)
{
    free(qb_ipcs_context_get(c));
    qb_ipcs_context_set(c, NULL);
}

/* The accept callback has the credentials; keep them on the connection. */
static int32_t on_accept_keep(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    int32_t rc = on_accept(c, uid, gid);
    if (rc == 0) {
        uid_t *cred = corral_xcalloc(2, sizeof(uid_t));
        cred[0] = uid;
        cred[1] = (uid_t)gid;
        qb_ipcs_context_set(c, cred);
    }
    return rc;
}

void corral_ipc_reply(corral_ipc_request_t *req, int rc, const char *out, const char *err)
{
    struct pending *p = (struct pending *)req;
    corral_ipc_server_t *s = p->server;
    if (p->conn) {
        send_reply(p->conn, rc, out, err);
        qb_ipcs_connection_unref(p->conn);
    }
    for (struct pending **pp = &s->pending; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    s->n_pending--;
    corral_ipc_request_clear(&p->req);
    free(p);
}

size_t corral_ipc_server_pending(const corral_ipc_server_t *server)
{
    return server->n_pending;
}

static int32_t glue_dispatch_add(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
                                 qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_add(ipc_loop, p, fd, evts, data, fn);
}

static int32_t glue_dispatch_mod(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data,
                                 qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_mod(ipc_loop, p, fd, evts, data, fn);
}

static int32_t glue_dispatch_del(int32_t fd)
{
    return qb_loop_poll_del(ipc_loop, fd);
}

static int32_t glue_job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
    return qb_loop_job_add(ipc_loop, p, data, fn);
}

int corral_ipc_server_new(qb_loop_t *loop, corral_ipc_handler_fn handler, void *ud,
                          corral_ipc_server_t **server_out)
{
    static struct qb_ipcs_service_handlers handlers = {
        .connection_accept = on_accept_keep,
        .connection_created = on_created,
        .msg_process = on_message,
        .connection_closed = on_closed,
        .connection_destroyed = on_destroyed,
    };
    static struct qb_ipcs_poll_handlers poll = {
        .job_add = glue_job_add,
        .dispatch_add = glue_dispatch_add,
        .dispatch_mod = glue_dispatch_mod,
        .dispatch_del = glue_dispatch_del,
    };
    ipc_loop = loop;
    corral_ipc_server_t *s = corral_xcalloc(1, sizeof(*s));
    s->handler = handler;
    s->ud = ud;
    s->service = qb_ipcs_create(corral_ipc_name(), 0, QB_IPC_NATIVE, &handlers);
    if (!s->service) {
        int e = errno ? -errno : -EIO;
        free(s);
        return e;
    }
    ipc_server = s;
    qb_ipcs_poll_handlers_set(s->service, &poll);
    qb_ipcs_enforce_buffer_size(s->service, CORRAL_IPC_MAX_MSG);
    int rc = qb_ipcs_run(s->service);
    if (rc < 0) {
        /* qb_ipcs_run destroys the service on failure. */
        ipc_server = NULL;
        free(s);
        return rc;
    }
    *server_out = s;
    return 0;
}

void corral_ipc_server_free(corral_ipc_server_t *server)
{
    if (!server) return;
    while (server->pending) {
        struct pending *p = server->pending;
        server->pending = p->next;
        if (p->conn) qb_ipcs_connection_unref(p->conn);
        corral_ipc_request_clear(&p->req);
        free(p);
    }
    qb_ipcs_destroy(server->service);
    if (ipc_server == server) ipc_server = NULL;
    free(server);
}

/* ---------- client ---------- */

int corral_ipc_call(int argc, const char *const argv[], const char *body, size_t body_len,
                    int timeout_ms, int *rc_out, char **out_out, char **err_out)
{
    void *msg = NULL;
    size_t len = 0;
    int rc = corral_ipc_encode_request(argc, argv, body, body_len, &msg, &len);
    if (rc < 0) return rc;
    qb_ipcc_connection_t *c = qb_ipcc_connect(corral_ipc_name(), CORRAL_IPC_MAX_MSG);
    if (!c) {
        rc = errno ? -errno : -ECONNREFUSED;
        free(msg);
        return rc;
    }
    char *res = corral_xmalloc(CORRAL_IPC_MAX_MSG);
    struct iovec iov = {.iov_base = msg, .iov_len = len};
    ssize_t n = qb_ipcc_sendv_recv(c, &iov, 1, res, CORRAL_IPC_MAX_MSG, timeout_ms);
    qb_ipcc_disconnect(c);
    free(msg);
    if (n < 0) {
        free(res);
        return n == -EAGAIN ? -ETIMEDOUT : (int)n;
    }
    struct reader r = {(const uint8_t *)res, (size_t)n};
    struct qb_ipc_response_header qh;
    struct wire_hdr h;
    uint32_t urc, ol, el;
    char *out = NULL, *err = NULL;
    rc = -EPROTO;
    if (r.left < sizeof(qh) + sizeof(h)) goto done;
    memcpy(&qh, r.p, sizeof(qh));
    r.p += sizeof(qh);
    r.left -= sizeof(qh);
    memcpy(&h, r.p, sizeof(h));
    r.p += sizeof(h);
    r.left -= sizeof(h);
    if (qh.id != CORRAL_IPC_MSG_RESPONSE || h.magic != CORRAL_IPC_MAGIC ||
        h.version != CORRAL_IPC_VERSION)
        goto done;
    if (get32(&r, &urc) < 0 || get32(&r, &ol) < 0 || get_bytes(&r, ol, &out) < 0) goto done;
    if (get32(&r, &el) < 0 || get_bytes(&r, el, &err) < 0) goto done;
    *rc_out = (int)(int32_t)urc;
    *out_out = out;
    *err_out = err;
    out = err = NULL;
    rc = 0;
done:
    free(out);
    free(err);
    free(res);
    return rc;
}
