/* IPC between corral and corrald: format, round trips, malformed input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <qb/qbipcc.h>
#include <qb/qbloop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc.h"
#include "util.h"

static pid_t server_pid;
static qb_loop_t *srv_loop;

static void reply_later(void *data)
{
    corral_ipc_request_t *req = data;
    corral_ipc_reply(req, 0, "late", "");
}

/* The test server: "echo ARGS" answers the args joined and the body size;
 * "fail N" answers rc N; "later" answers from a timer; "who" answers may_change. */
static void handler(void *ud, corral_ipc_request_t *req)
{
    (void)ud;
    if (!strcmp(req->argv[0], "later")) {
        qb_loop_timer_handle th;
        qb_loop_timer_add(srv_loop, QB_LOOP_MED, 50 * 1000000ULL, req, reply_later, &th);
        return;
    }
    if (!strcmp(req->argv[0], "fail")) {
        corral_ipc_reply(req, atoi(req->argv[1]), "", "it failed\n");
        return;
    }
    if (!strcmp(req->argv[0], "who")) {
        corral_ipc_reply(req, 0, req->may_change ? "may-change" : "read-only", "");
        return;
    }
    corral_buf_t b = {0};
    for (int i = 0; i < req->argc; i++) corral_buf_printf(&b, "%s%s", i ? " " : "", req->argv[i]);
    corral_buf_printf(&b, "|%zu", req->body_len);
    corral_ipc_reply(req, 0, b.s, "");
    corral_buf_free(&b);
}

static void start_server(void)
{
    char name[64];
    snprintf(name, sizeof(name), "corral-test-%d", (int)getpid());
    setenv("CORRAL_IPC_NAME", name, 1);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    server_pid = fork();
    cr_assert_neq(server_pid, -1);
    if (server_pid == 0) {
        close(ready[0]);
        srv_loop = qb_loop_create();
        corral_ipc_server_t *s = NULL;
        if (corral_ipc_server_new(srv_loop, handler, NULL, &s) < 0) _exit(3);
        if (write(ready[1], "x", 1) != 1) _exit(4);
        qb_loop_run(srv_loop);
        _exit(0);
    }
    close(ready[1]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "the test server did not start");
    close(ready[0]);
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGKILL);
        waitpid(server_pid, NULL, 0);
    }
    server_pid = 0;
}

static int call(const char *a0, const char *a1, const char *body, char **out, char **err)
{
    const char *argv[] = {a0, a1};
    int rc = -1;
    int n = a1 ? 2 : 1;
    int r = corral_ipc_call(n, argv, body, body ? strlen(body) : 0, 5000, &rc, out, err);
    cr_assert_eq(r, 0, "ipc call failed: %s", strerror(-r));
    return rc;
}

/* The server still answers a well-formed request. */
static void assert_alive(void)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(call("echo", "ok", NULL, &out, &err), 0);
    cr_assert_str_eq(out, "echo ok|0");
    free(out);
    free(err);
    int st;
    cr_assert_eq(waitpid(server_pid, &st, WNOHANG), 0, "the server died");
}

Test(ipc, encode_refuses_bad_arguments)
{
    void *msg;
    size_t len;
    cr_assert_eq(corral_ipc_encode_request(0, NULL, NULL, 0, &msg, &len), -EINVAL);
    const char *argv[] = {"x"};
    cr_assert_eq(corral_ipc_encode_request(CORRAL_IPC_MAX_ARGS + 1, argv, NULL, 0, &msg, &len),
                 -EINVAL);
    char *big = corral_xmalloc(CORRAL_IPC_MAX_MSG + 1);
    memset(big, 'a', CORRAL_IPC_MAX_MSG);
    big[CORRAL_IPC_MAX_MSG] = '\0';
    cr_assert_eq(corral_ipc_encode_request(1, argv, big, CORRAL_IPC_MAX_MSG, &msg, &len),
                 -EMSGSIZE);
    free(big);
}

Test(ipc, decode_round_trip)
{
    const char *argv[] = {"resource", "move", "vip", "n2"};
    void *msg;
    size_t len;
    cr_assert_eq(corral_ipc_encode_request(4, argv, "body", 4, &msg, &len), 0);
    corral_ipc_request_t req;
    const char *why = NULL;
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), 0);
    cr_assert_eq(req.argc, 4);
    cr_assert_str_eq(req.argv[3], "n2");
    cr_assert_null(req.argv[4]);
    cr_assert_str_eq(req.body, "body");
    corral_ipc_request_clear(&req);
    free(msg);
}

Test(ipc, decode_rejects_every_truncation)
{
    const char *argv[] = {"status", "--json"};
    void *msg;
    size_t len;
    cr_assert_eq(corral_ipc_encode_request(2, argv, "xyz", 3, &msg, &len), 0);
    for (size_t cut = 0; cut < len; cut++) {
        corral_ipc_request_t req;
        const char *why = NULL;
        /* The header's size no longer matches, or a field overruns: both refused. */
        cr_assert_eq(corral_ipc_decode_request(msg, cut, &req, &why), -EPROTO, "cut at %zu", cut);
        cr_assert_not_null(why);
    }
    free(msg);
}

Test(ipc, decode_rejects_lies_inside)
{
    const char *argv[] = {"status"};
    void *msg;
    size_t len;
    corral_ipc_request_t req;
    const char *why;
    cr_assert_eq(corral_ipc_encode_request(1, argv, NULL, 0, &msg, &len), 0);
    uint8_t *m = msg;
    size_t hdr = sizeof(struct qb_ipc_request_header);
    /* bad magic */
    m[hdr] ^= 0xff;
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), -EPROTO);
    cr_assert_str_eq(why, "bad magic");
    m[hdr] ^= 0xff;
    /* wrong version */
    m[hdr + 4] = 9;
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), -EPROTO);
    cr_assert_str_eq(why, "unsupported protocol version");
    m[hdr + 4] = CORRAL_IPC_VERSION;
    /* argc of a million */
    uint32_t huge = 1000000;
    memcpy(m + hdr + 8, &huge, 4);
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), -EPROTO);
    cr_assert_str_eq(why, "bad argument count");
    uint32_t one = 1;
    memcpy(m + hdr + 8, &one, 4);
    /* an argument length past the end */
    uint32_t far = 0x7fffffff;
    memcpy(m + hdr + 12, &far, 4);
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), -EPROTO);
    uint32_t six = 6;
    memcpy(m + hdr + 12, &six, 4);
    /* an embedded NUL in an argument */
    m[hdr + 16 + 2] = 0;
    cr_assert_eq(corral_ipc_decode_request(msg, len, &req, &why), -EPROTO);
    free(msg);
}

Test(ipc, no_daemon_is_a_clear_error)
{
    setenv("CORRAL_IPC_NAME", "corral-test-nobody-listens", 1);
    const char *argv[] = {"status"};
    int rc;
    char *out, *err;
    int r = corral_ipc_call(1, argv, NULL, 0, 1000, &rc, &out, &err);
    cr_assert_lt(r, 0);
}

Test(ipc, round_trip_and_exit_codes, .init = start_server, .fini = stop_server)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(call("echo", "hello", "a body", &out, &err), 0);
    cr_assert_str_eq(out, "echo hello|6");
    free(out);
    free(err);
    cr_assert_eq(call("fail", "3", NULL, &out, &err), 3);
    cr_assert_str_eq(err, "it failed\n");
    free(out);
    free(err);
    /* As root (the tests' normal case) the client may change things. */
    cr_assert_eq(call("who", NULL, NULL, &out, &err), 0);
    cr_assert_str_eq(out, getuid() == 0 ? "may-change" : "read-only");
    free(out);
    free(err);
}

Test(ipc, answers_later_from_the_loop, .init = start_server, .fini = stop_server)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(call("later", NULL, NULL, &out, &err), 0);
    cr_assert_str_eq(out, "late");
    free(out);
    free(err);
    assert_alive();
}

Test(ipc, malformed_messages_leave_the_daemon_serving, .init = start_server, .fini = stop_server)
{
    struct {
        const char *what;
        size_t len;
        uint8_t bytes[64];
    } bad[] = {
        {"random bytes", 40, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
        {"header only", sizeof(struct qb_ipc_request_header), {0}},
        {"bad magic", 48, {0}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct qb_ipc_request_header *h = (void *)bad[i].bytes;
        h->id = CORRAL_IPC_MSG_REQUEST;
        h->size = (int32_t)bad[i].len;
        qb_ipcc_connection_t *c = qb_ipcc_connect(corral_ipc_name(), CORRAL_IPC_MAX_MSG);
        cr_assert_not_null(c);
        char res[4096];
        struct iovec iov = {.iov_base = bad[i].bytes, .iov_len = bad[i].len};
        ssize_t n = qb_ipcc_sendv_recv(c, &iov, 1, res, sizeof(res), 5000);
        cr_assert_gt(n, 0, "%s: no answer", bad[i].what);
        qb_ipcc_disconnect(c);
        assert_alive();
    }
    /* A message larger than the buffer never reaches the handler. */
    qb_ipcc_connection_t *c = qb_ipcc_connect(corral_ipc_name(), CORRAL_IPC_MAX_MSG);
    cr_assert_not_null(c);
    size_t big = CORRAL_IPC_MAX_MSG + 4096;
    uint8_t *m = corral_xcalloc(1, big);
    ((struct qb_ipc_request_header *)m)->id = CORRAL_IPC_MSG_REQUEST;
    ((struct qb_ipc_request_header *)m)->size = (int32_t)big;
    ssize_t n = qb_ipcc_send(c, m, big);
    cr_assert_lt(n, 0, "an oversized message was accepted");
    qb_ipcc_disconnect(c);
    free(m);
    assert_alive();
}

Test(ipc, client_gone_before_the_answer, .init = start_server, .fini = stop_server)
{
    const char *argv[] = {"later"};
    void *msg;
    size_t len;
    cr_assert_eq(corral_ipc_encode_request(1, argv, NULL, 0, &msg, &len), 0);
    qb_ipcc_connection_t *c = qb_ipcc_connect(corral_ipc_name(), CORRAL_IPC_MAX_MSG);
    cr_assert_not_null(c);
    cr_assert_gt(qb_ipcc_send(c, msg, len), 0);
    qb_ipcc_disconnect(c);
    free(msg);
    usleep(150 * 1000); /* the timer fires and answers nobody */
    assert_alive();
}
