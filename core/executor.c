/* The per-node executor; see executor.h and docs/executor.md. */
#include "executor.h"

#include "action.h"
#include "config.h"
#include "forkserver.h"
#include "log.h"
#include "runner.h"
#include "util.h"

#include <corral/plugin.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <qb/qbmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MIN_CONCURRENT 8
#define DEFAULT_FLUSH_MS       100
#define NSEC_PER_MSEC          1000000ull

/* A small intrusive doubly linked list (qblist.h's iterators need GNU typeof). */
typedef struct link {
    struct link *prev, *next;
} link_t;

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static void list_init(link_t *head)
{
    head->prev = head->next = head;
}

static bool list_empty(const link_t *head)
{
    return head->next == head;
}

static bool linked(const link_t *l)
{
    return l->next != NULL && l->next != l;
}

static void list_add_tail(link_t *head, link_t *l)
{
    l->prev = head->prev;
    l->next = head;
    head->prev->next = l;
    head->prev = l;
}

static void list_del(link_t *l)
{
    if (!linked(l)) return;
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = l;
}

typedef enum op_state {
    OP_IDLE = 0, /* a recurring op between runs (in the due heap) */
    OP_QUEUED,   /* in ex->urgent or ex->ticks */
    OP_RUNNING,  /* its job runs */
} op_state_t;

typedef struct xrsc xrsc_t;

typedef struct xop {
    corral_executor_t *ex;
    xrsc_t *rsc;
    uint64_t id;
    char *agent;
    char *action;
    uint32_t interval_ms;
    uint32_t timeout_ms;
    corral_kvlist_t params;
    corral_kvlist_t meta;
    int expected_rc;
    void *user_data;

    link_t rsc_link; /* rsc->ops */
    link_t q_link;   /* ex->urgent / ex->ticks while queued; ex->running while running */
    op_state_t state;
    bool recurring;
    bool urgent;    /* queued as a request of the owner, not as a recurring tick */
    bool pending;   /* counted in ex->n_pending */
    bool cancelled; /* killed or dropped: freed once reaped / reported */
    bool reporting; /* its result callback is running: free it afterwards */

    /* recurring */
    uint64_t due_mono; /* the planned time of the current or next run */
    size_t heap_idx;   /* in ex->heap, or HEAP_NONE */

    /* running */
    corral_job_t *job;
    struct {
        int job_fd; /* the runner's fd */
        int fd;     /* our dup of it, the one the loop polls */
    } w[4];
    int n_w;
    bool dl_armed;
    qb_loop_timer_handle dl_timer;
    uint64_t dl_at;
    uint64_t call_id;
} xop_t;

#define HEAP_NONE ((size_t)-1)

struct xrsc {
    char *id;
    link_t ops;        /* every op of this resource that is not finished */
    xop_t *running;    /* the one whose job runs, cancelled or not */
    unsigned n_urgent; /* its ops in ex->urgent */
};

struct corral_executor {
    qb_loop_t *loop;
    corral_registry_t *reg;
    corral_forkserver_t *fs; /* NULL: every action is forked from this process */
    char *node;
    char *history_path; /* NULL: in memory only */
    unsigned limit;
    bool report_every_monitor;
    const char *(*get_attr)(void *ud, const char *node, const char *name);
    void *attr_ud;
    corral_executor_callbacks_t cb;

    qb_map_t *rscs; /* id -> xrsc_t* */
    link_t urgent;  /* queued requests of the owner, oldest first */
    link_t ticks;   /* queued recurring ticks, oldest first */
    link_t running; /* running ops */
    unsigned n_running;
    unsigned n_pending;
    uint64_t next_op_id;

    xop_t **heap; /* idle recurring ops by due time (a binary min-heap) */
    size_t n_heap, cap_heap;
    bool tick_armed;
    qb_loop_timer_handle tick_timer;
    uint64_t tick_at;

    bool kick_scheduled;
    qb_loop_timer_handle kick_timer;
    qb_loop_timer_handle flush_timer;
    bool in_run;
    corral_ophistory_t *hist;
    bool dirty;
    bool flush_scheduled;
    uint32_t flush_ms;
    uint64_t last_flush_mono;
};

/* ---- small helpers ---- */

static void kvlist_copy(corral_kvlist_t *dst, const corral_kvlist_t *src)
{
    dst->items = NULL;
    dst->n = 0;
    if (!src || src->n == 0) return;
    dst->items = corral_xcalloc(src->n, sizeof(*dst->items));
    for (size_t i = 0; i < src->n; i++) {
        dst->items[i].key = corral_xstrdup(src->items[i].key ? src->items[i].key : "");
        dst->items[i].value = corral_xstrdup(src->items[i].value ? src->items[i].value : "");
        dst->items[i].line = src->items[i].line;
    }
    dst->n = src->n;
}

static bool is_probe_op(const xop_t *op)
{
    return op->interval_ms == 0 && strcmp(op->action, "monitor") == 0;
}

/* ---- the due heap of idle recurring ops ---- */

static void heap_swap(corral_executor_t *ex, size_t a, size_t b)
{
    xop_t *t = ex->heap[a];
    ex->heap[a] = ex->heap[b];
    ex->heap[b] = t;
    ex->heap[a]->heap_idx = a;
    ex->heap[b]->heap_idx = b;
}

static void heap_up(corral_executor_t *ex, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (ex->heap[p]->due_mono <= ex->heap[i]->due_mono) break;
        heap_swap(ex, i, p);
        i = p;
    }
}

static void heap_down(corral_executor_t *ex, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < ex->n_heap && ex->heap[l]->due_mono < ex->heap[m]->due_mono) m = l;
        if (r < ex->n_heap && ex->heap[r]->due_mono < ex->heap[m]->due_mono) m = r;
        if (m == i) return;
        heap_swap(ex, i, m);
        i = m;
    }
}

static void heap_push(corral_executor_t *ex, xop_t *op)
{
    corral_grow((void **)&ex->heap, &ex->cap_heap, ex->n_heap + 1, sizeof(*ex->heap));
    op->heap_idx = ex->n_heap;
    ex->heap[ex->n_heap++] = op;
    heap_up(ex, op->heap_idx);
}

static void heap_remove(corral_executor_t *ex, xop_t *op)
{
    size_t i = op->heap_idx;
    if (i == HEAP_NONE) return;
    op->heap_idx = HEAP_NONE;
    ex->n_heap--;
    if (i == ex->n_heap) return;
    ex->heap[i] = ex->heap[ex->n_heap];
    ex->heap[i]->heap_idx = i;
    heap_down(ex, i);
    heap_up(ex, i);
}

/* ---- loop plumbing ---- */

static void kick_cb(void *data);
static void flush_cb(void *data);
static void tick_cb(void *data);
static void run_ready(corral_executor_t *ex);

/*
 * "Soon" is a timer due now, not a qb_loop job: a job that the loop has
 * already picked up cannot be deleted without leaking it (libqb 2.0), and
 * the executor may be freed at any time between two iterations.
 */
static void schedule_kick(corral_executor_t *ex)
{
    if (ex->kick_scheduled) return;
    if (qb_loop_timer_add(ex->loop, QB_LOOP_MED, 1, ex, kick_cb, &ex->kick_timer) == 0)
        ex->kick_scheduled = true;
    else
        corral_err("executor: cannot add a loop timer; queued actions wait for the next event");
}

static void mark_dirty(corral_executor_t *ex)
{
    ex->dirty = true;
    if (!ex->history_path || ex->flush_scheduled) return;
    /*
     * Low priority: every result of this loop iteration lands before the
     * write; and at most one write (an fsync that blocks the loop) per
     * flush interval, however many results arrive.
     */
    uint64_t now = corral_mono_ms(), at = ex->last_flush_mono + ex->flush_ms;
    uint64_t delay_ns = at > now ? (at - now) * NSEC_PER_MSEC : 1;
    if (qb_loop_timer_add(ex->loop, QB_LOOP_LOW, delay_ns, ex, flush_cb, &ex->flush_timer) == 0)
        ex->flush_scheduled = true;
}

static void arm_tick(corral_executor_t *ex)
{
    if (ex->n_heap == 0) return; /* a stray armed timer fires once and finds nothing due */
    uint64_t due = ex->heap[0]->due_mono;
    if (ex->tick_armed) {
        if (ex->tick_at <= due) return;
        qb_loop_timer_del(ex->loop, ex->tick_timer);
        ex->tick_armed = false;
    }
    uint64_t now = corral_mono_ms();
    uint64_t delay = due > now ? due - now : 0;
    if (qb_loop_timer_add(ex->loop, QB_LOOP_MED, delay * NSEC_PER_MSEC, ex, tick_cb,
                          &ex->tick_timer) == 0) {
        ex->tick_armed = true;
        ex->tick_at = due;
    } else {
        corral_err("executor: cannot add a loop timer; recurring monitors are late");
    }
}

/* ---- resources and ops ---- */

static xrsc_t *rsc_get(corral_executor_t *ex, const char *id, bool create)
{
    xrsc_t *r = qb_map_get(ex->rscs, id);
    if (r || !create) return r;
    r = corral_xcalloc(1, sizeof(*r));
    r->id = corral_xstrdup(id);
    list_init(&r->ops);
    qb_map_put(ex->rscs, r->id, r);
    return r;
}

static void rsc_maybe_free(corral_executor_t *ex, xrsc_t *r)
{
    if (!list_empty(&r->ops) || r->running) return;
    qb_map_rm(ex->rscs, r->id);
    free(r->id);
    free(r);
}

static void set_not_pending(xop_t *op)
{
    if (!op->pending) return;
    op->pending = false;
    op->ex->n_pending--;
}

static void unqueue(xop_t *op)
{
    if (op->state != OP_QUEUED) return;
    list_del(&op->q_link);
    if (op->urgent) op->rsc->n_urgent--;
    op->urgent = false;
    op->state = OP_IDLE;
}

/* Free an op that is neither running nor reporting. Its resource may go with it. */
static void op_free(xop_t *op)
{
    corral_executor_t *ex = op->ex;
    xrsc_t *r = op->rsc;
    unqueue(op);
    heap_remove(ex, op);
    set_not_pending(op);
    list_del(&op->rsc_link);
    free(op->agent);
    free(op->action);
    corral_kvlist_clear(&op->params);
    corral_kvlist_clear(&op->meta);
    free(op);
    rsc_maybe_free(ex, r);
}

static void enqueue(xop_t *op, bool urgent)
{
    corral_executor_t *ex = op->ex;
    op->state = OP_QUEUED;
    op->urgent = urgent;
    if (urgent) {
        op->rsc->n_urgent++;
        list_add_tail(&ex->urgent, &op->q_link);
    } else {
        list_add_tail(&ex->ticks, &op->q_link);
    }
}

/* ---- watching a running job ---- */

static int32_t job_fd_cb(int32_t fd, int32_t revents, void *data);
static void job_dl_cb(void *data);

static void watch_remove(xop_t *op, int i)
{
    qb_loop_poll_del(op->ex->loop, op->w[i].fd);
    close(op->w[i].fd);
    op->w[i] = op->w[op->n_w - 1];
    op->n_w--;
}

/*
 * Poll what the runner wants polled. We poll dups of its fds, so that when
 * the runner closes one (EOF) we still own the number we registered and can
 * unregister it cleanly before anyone reuses it. Returns true when `cur_fd`
 * (the fd whose callback is running, or -1) was removed.
 */
static bool watch_sync(xop_t *op, int cur_fd)
{
    corral_executor_t *ex = op->ex;
    int fds[4];
    int n = op->job ? corral_job_fds(op->job, fds) : 0;
    bool cur_removed = false;

    for (int i = op->n_w - 1; i >= 0; i--) {
        bool keep = false;
        for (int j = 0; j < n; j++) keep = keep || fds[j] == op->w[i].job_fd;
        if (keep) continue;
        if (op->w[i].fd == cur_fd) cur_removed = true;
        watch_remove(op, i);
    }
    for (int j = 0; j < n; j++) {
        bool have = false;
        for (int i = 0; i < op->n_w; i++) have = have || op->w[i].job_fd == fds[j];
        if (have || op->n_w >= 4) continue;
        int d = fcntl(fds[j], F_DUPFD_CLOEXEC, 0);
        if (d < 0) {
            corral_err("resource %s: cannot watch its %s action: %s", op->rsc->id, op->action,
                       strerror(errno));
            continue;
        }
        if (qb_loop_poll_add(ex->loop, QB_LOOP_MED, d, POLLIN, op, job_fd_cb) != 0) {
            corral_err("resource %s: cannot poll its %s action", op->rsc->id, op->action);
            close(d);
            continue;
        }
        op->w[op->n_w].job_fd = fds[j];
        op->w[op->n_w].fd = d;
        op->n_w++;
    }

    uint64_t dl = op->job ? corral_job_next_deadline(op->job) : 0;
    if (op->dl_armed && op->dl_at != dl) {
        qb_loop_timer_del(ex->loop, op->dl_timer);
        op->dl_armed = false;
    }
    if (dl && !op->dl_armed) {
        uint64_t now = corral_mono_ms();
        uint64_t delay = dl > now ? dl - now : 0;
        if (qb_loop_timer_add(ex->loop, QB_LOOP_MED, delay * NSEC_PER_MSEC, op, job_dl_cb,
                              &op->dl_timer) == 0) {
            op->dl_armed = true;
            op->dl_at = dl;
        } else {
            corral_err("resource %s: cannot time its %s action", op->rsc->id, op->action);
        }
    }
    return cur_removed;
}

/* ---- finishing ---- */

static void schedule_next_run(xop_t *op)
{
    corral_executor_t *ex = op->ex;
    uint64_t now = corral_mono_ms();
    uint64_t next = op->due_mono + op->interval_ms;
    /* Ticks that passed while this run was queued or running are skipped, not piled up. */
    if (next <= now) next += ((now - next) / op->interval_ms + 1) * op->interval_ms;
    op->due_mono = next;
    op->state = OP_IDLE;
    heap_push(ex, op);
    arm_tick(ex);
}

static bool expected_rc(const xop_t *op, corral_op_status_t status, int rc)
{
    if (status != CORRAL_OP_DONE) return false;
    if (is_probe_op(op))
        return rc == CORRAL_OCF_SUCCESS || rc == CORRAL_OCF_NOT_RUNNING ||
               rc == CORRAL_OCF_RUNNING_PROMOTED;
    return rc == op->expected_rc;
}

/*
 * Record a run's result, tell the owner, then re-arm or free the op. `r` is
 * NULL when the action could not even start (then `status`, `rc` and
 * `reason` say why).
 */
static void complete(xop_t *op, const corral_job_result_t *r, corral_op_status_t status, int rc,
                     const char *reason, uint64_t started_ms, uint32_t duration_ms)
{
    corral_executor_t *ex = op->ex;
    xrsc_t *rsc = op->rsc;

    if (r) {
        for (size_t i = 0; i < r->n_attrs; i++)
            if (ex->cb.attr) ex->cb.attr(ex->cb.ud, rsc->id, r->attrs[i].name, r->attrs[i].value);
    }

    bool expected = expected_rc(op, status, rc);
    corral_op_record_t rec = {
        .action = op->action,
        .interval_ms = op->interval_ms,
        .rc = rc,
        .status = status,
        .failed = !expected,
        .exit_reason = (char *)(reason ? reason : ""),
        .call_id = op->call_id,
        .started_ms = started_ms,
        .duration_ms = duration_ms,
    };
    const corral_rsc_history_t *rh = corral_ophistory_get(ex->hist, rsc->id);
    const corral_op_record_t *prev =
        rh ? corral_rsc_history_find(rh, op->action, op->interval_ms) : NULL;
    bool rc_changed = !prev || prev->rc != rc;
    bool first = op->pending;
    bool significant = corral_ophistory_record(ex->hist, rsc->id, op->agent, &rec);
    if (significant) mark_dirty(ex);

    /* A monitor that keeps failing the same way is logged once, not every interval. */
    if (!expected && (significant || !op->recurring))
        corral_err("resource %s: %s%s failed: %s (rc=%d, %s)%s%s", rsc->id,
                   is_probe_op(op) ? "probe" : op->action, op->recurring ? " (recurring)" : "",
                   corral_ocf_rc_str(rc), rc, corral_op_status_str(status),
                   reason && *reason ? ": " : "", reason ? reason : "");
    else
        corral_debug("resource %s: %s %" PRIu32 "ms: %s (rc=%d) in %" PRIu32 "ms", rsc->id,
                     op->action, op->interval_ms, corral_ocf_rc_str(rc), rc, duration_ms);

    set_not_pending(op);
    bool report = !op->recurring || first || significant || ex->report_every_monitor;
    if (report && ex->cb.result) {
        corral_exec_event_t ev = {
            .op_id = op->id,
            .call_id = op->call_id,
            .rsc = rsc->id,
            .agent = op->agent,
            .action = op->action,
            .interval_ms = op->interval_ms,
            .probe = is_probe_op(op),
            .rc = rc,
            .status = status,
            .exit_reason = reason ? reason : "",
            .started_ms = started_ms,
            .duration_ms = duration_ms,
            .expected = expected,
            .rc_changed = rc_changed,
            .lines = r ? (const char *const *)r->lines : NULL,
            .n_lines = r ? r->n_lines : 0,
            .user_data = op->user_data,
        };
        op->reporting = true;
        ex->cb.result(ex->cb.ud, &ev);
        op->reporting = false;
    }

    if (op->recurring && !op->cancelled)
        schedule_next_run(op);
    else
        op_free(op);
}

static corral_op_status_t status_of(const corral_job_result_t *r)
{
    switch (r->status) {
    case CORRAL_JOB_EXITED:
        return r->exit_code <= CORRAL_OCF_FAILED_PROMOTED ? CORRAL_OP_DONE : CORRAL_OP_INVALID;
    case CORRAL_JOB_SIGNALED:
        return CORRAL_OP_CRASHED;
    case CORRAL_JOB_TIMED_OUT:
        return CORRAL_OP_TIMED_OUT;
    case CORRAL_JOB_CANCELLED:
        return CORRAL_OP_CANCELLED;
    case CORRAL_JOB_RUNNING:
    case CORRAL_JOB_ERROR:
        break;
    }
    return CORRAL_OP_ERROR;
}

/* The job of `op` has finished: reap it and report (the watches are gone already). */
static void job_finished(xop_t *op)
{
    corral_executor_t *ex = op->ex;
    xrsc_t *rsc = op->rsc;
    corral_job_t *job = op->job;

    list_del(&op->q_link);
    ex->n_running--;
    rsc->running = NULL;
    op->state = OP_IDLE;
    op->job = NULL;

    if (op->cancelled) {
        corral_debug("resource %s: cancelled %s reaped", rsc->id, op->action);
        op_free(op);
    } else {
        const corral_job_result_t *r = corral_job_result(job);
        corral_op_status_t st = status_of(r);
        int rc = st == CORRAL_OP_DONE ? r->exit_code : r->ocf_rc;
        if (st != CORRAL_OP_DONE && rc == CORRAL_OCF_SUCCESS) rc = CORRAL_OCF_ERR_GENERIC;
        complete(op, r, st, rc, r->exit_reason, r->started_ms, (uint32_t)r->duration_ms);
    }
    corral_job_free(job);
}

/* Make progress on op's job; returns true when cur_fd's poll entry was removed. */
static bool job_progress(xop_t *op, int cur_fd)
{
    corral_executor_t *ex = op->ex;
    if (!corral_job_dispatch(op->job)) return watch_sync(op, cur_fd);

    bool cur_removed = false;
    for (int i = op->n_w - 1; i >= 0; i--) {
        if (op->w[i].fd == cur_fd) cur_removed = true;
        watch_remove(op, i);
    }
    if (op->dl_armed) {
        qb_loop_timer_del(ex->loop, op->dl_timer);
        op->dl_armed = false;
    }
    job_finished(op); /* may free op */
    run_ready(ex);
    return cur_removed;
}

static int32_t job_fd_cb(int32_t fd, int32_t revents, void *data)
{
    xop_t *op = data;
    /* Removing the entry whose callback runs: say so, or libqb revives it. */
    return job_progress(op, fd) ? -1 : 0;
}

static void job_dl_cb(void *data)
{
    xop_t *op = data;
    op->dl_armed = false;
    job_progress(op, -1);
}

/* ---- starting ---- */

static void start_op(corral_executor_t *ex, xop_t *op)
{
    xrsc_t *rsc = op->rsc;
    bool urgent = op->urgent;
    unqueue(op);
    /* A tick keeps the due time it was planned for; a first run starts the grid. */
    if (op->recurring && urgent) op->due_mono = corral_mono_ms();
    op->call_id = corral_ophistory_next_call(ex->hist);

    corral_action_req_t req = {
        .agent = op->agent,
        .kind = CORRAL_AGENT_RESOURCE,
        .instance = rsc->id,
        .node = ex->node,
        .action = op->action,
        .interval_ms = op->interval_ms,
        .timeout_ms = op->timeout_ms,
        .params = &op->params,
        .meta = &op->meta,
        .get_attr = ex->get_attr,
        .attr_ud = ex->attr_ud,
        .forkserver = ex->fs,
    };
    char *err = NULL;
    uint64_t started = corral_wall_ms();
    corral_job_t *job = NULL;
    int rc = corral_action_start(ex->reg, &req, &job, &err);
    if (rc != 0) {
        /* complete() logs it as the op's failure. */
        int ocf = rc == -ENOENT ? CORRAL_OCF_NOT_INSTALLED : CORRAL_OCF_ERR_GENERIC;
        complete(op, NULL, CORRAL_OP_ERROR, ocf, err ? err : strerror(-rc), started, 0);
        free(err);
        return;
    }
    op->job = job;
    op->state = OP_RUNNING;
    rsc->running = op;
    list_add_tail(&ex->running, &op->q_link);
    ex->n_running++;
    corral_debug("resource %s: %s (interval %" PRIu32 "ms) started, pid %d", rsc->id, op->action,
                 op->interval_ms, (int)corral_job_pid(job));
    watch_sync(op, -1);
}

/* The next op that may run: the owner's requests first, oldest first, then due ticks. */
static xop_t *pick(corral_executor_t *ex)
{
    for (link_t *l = ex->urgent.next; l != &ex->urgent; l = l->next) {
        xop_t *op = CONTAINER(l, xop_t, q_link);
        if (!op->rsc->running) return op;
    }
    for (link_t *l = ex->ticks.next; l != &ex->ticks; l = l->next) {
        xop_t *op = CONTAINER(l, xop_t, q_link);
        if (!op->rsc->running && op->rsc->n_urgent == 0) return op;
    }
    return NULL;
}

static void run_ready(corral_executor_t *ex)
{
    if (ex->in_run) return; /* a result callback inside start_op: the outer loop goes on */
    ex->in_run = true;
    while (ex->n_running < ex->limit) {
        xop_t *op = pick(ex);
        if (!op) break;
        start_op(ex, op);
    }
    ex->in_run = false;
}

static void kick_cb(void *data)
{
    corral_executor_t *ex = data;
    ex->kick_scheduled = false;
    run_ready(ex);
}

static void tick_cb(void *data)
{
    corral_executor_t *ex = data;
    ex->tick_armed = false;
    uint64_t now = corral_mono_ms();
    while (ex->n_heap > 0 && ex->heap[0]->due_mono <= now) {
        xop_t *op = ex->heap[0];
        heap_remove(ex, op);
        enqueue(op, false);
    }
    arm_tick(ex);
    run_ready(ex);
}

/* ---- history file ---- */

static int flush_now(corral_executor_t *ex)
{
    if (!ex->dirty || !ex->history_path) return 0;
    int rc = corral_ophistory_save(ex->hist, ex->history_path);
    if (rc != 0) {
        corral_err("executor: cannot write the op history %s: %s", ex->history_path, strerror(-rc));
        return rc;
    }
    ex->dirty = false;
    ex->last_flush_mono = corral_mono_ms();
    return 0;
}

static void flush_cb(void *data)
{
    corral_executor_t *ex = data;
    ex->flush_scheduled = false;
    flush_now(ex);
}

int corral_executor_flush(corral_executor_t *ex)
{
    if (!ex) return -EINVAL;
    return flush_now(ex);
}

static int load_history(corral_executor_t *ex)
{
    char *err = NULL;
    corral_ophistory_t *h = NULL;
    int rc = corral_ophistory_load(ex->history_path, &h, &err);
    if (rc == 0) {
        if (strcmp(corral_ophistory_node(h), ex->node) != 0)
            corral_warn("executor: %s was written by node '%s', not '%s'; using it anyway",
                        ex->history_path, corral_ophistory_node(h), ex->node);
        corral_ophistory_free(ex->hist);
        ex->hist = h;
        corral_info(
            "executor: loaded the op history of %zu resources from %s (unverified until probed)",
            corral_ophistory_count(h), ex->history_path);
    } else if (rc == -EINVAL) {
        char *bad = corral_xasprintf("%s.bad", ex->history_path);
        corral_err("executor: op history damaged (%s); kept as %s, starting empty",
                   err ? err : ex->history_path, bad);
        if (rename(ex->history_path, bad) != 0)
            corral_err("executor: cannot rename %s: %s", ex->history_path, strerror(errno));
        free(bad);
        rc = 0;
    } else if (rc == -ENOENT) {
        rc = 0;
    } else {
        corral_err("executor: cannot read the op history %s: %s", ex->history_path, strerror(-rc));
    }
    free(err);
    return rc;
}

/* ---- public API ---- */

int corral_executor_new(qb_loop_t *loop, corral_registry_t *reg, const corral_executor_opts_t *opts,
                        const corral_executor_callbacks_t *cb, corral_executor_t **ex_out)
{
    if (!loop || !reg || !opts || !opts->node || !*opts->node || !ex_out) return -EINVAL;
    if (strchr(opts->node, '/')) return -EINVAL;

    int rc = 0;
    corral_executor_t *ex = corral_xcalloc(1, sizeof(*ex));
    ex->loop = loop;
    ex->reg = reg;
    /* First, while this process is as small as it will ever be: every fork of it is cheap. */
    if (!opts->no_forkserver) {
        rc = corral_action_forkserver_new(reg, &ex->fs);
        if (rc < 0)
            corral_warn("executor: cannot start the fork server (%s); actions are forked by the "
                        "daemon itself",
                        strerror(-rc));
        rc = 0;
    }
    ex->node = corral_xstrdup(opts->node);
    ex->report_every_monitor = opts->report_every_monitor;
    ex->flush_ms = opts->history_flush_ms ? opts->history_flush_ms : DEFAULT_FLUSH_MS;
    ex->get_attr = opts->get_attr;
    ex->attr_ud = opts->attr_ud;
    if (cb) ex->cb = *cb;
    ex->limit = opts->max_concurrent;
    if (ex->limit == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        ex->limit = n > 0 ? (unsigned)n * 2 : DEFAULT_MIN_CONCURRENT;
        if (ex->limit < DEFAULT_MIN_CONCURRENT) ex->limit = DEFAULT_MIN_CONCURRENT;
    }
    ex->rscs = qb_skiplist_create();
    list_init(&ex->urgent);
    list_init(&ex->ticks);
    list_init(&ex->running);
    ex->next_op_id = 1;
    ex->hist = corral_ophistory_new(ex->node);

    if (opts->state_dir) {
        rc = corral_mkdir_p(opts->state_dir, 0750);
        if (rc != 0) {
            corral_err("executor: cannot create the state directory %s: %s", opts->state_dir,
                       strerror(-rc));
            goto done;
        }
        ex->history_path = corral_xasprintf("%s/ophistory-%s.hist", opts->state_dir, ex->node);
        rc = load_history(ex);
        if (rc != 0) goto done;
    }
    *ex_out = ex;
    ex = NULL;
done:
    if (ex) {
        corral_forkserver_free(ex->fs);
        corral_ophistory_free(ex->hist);
        qb_map_destroy(ex->rscs);
        free(ex->history_path);
        free(ex->node);
        free(ex);
    }
    return rc;
}

void corral_executor_free(corral_executor_t *ex)
{
    if (!ex) return;
    /* Running jobs: kill and reap, never report. */
    while (!list_empty(&ex->running)) {
        xop_t *op = CONTAINER(ex->running.next, xop_t, q_link);
        for (int i = op->n_w - 1; i >= 0; i--) watch_remove(op, i);
        if (op->dl_armed) qb_loop_timer_del(ex->loop, op->dl_timer);
        op->dl_armed = false;
        list_del(&op->q_link);
        ex->n_running--;
        op->rsc->running = NULL;
        op->state = OP_IDLE;
        corral_job_free(op->job);
        op->job = NULL;
        op_free(op);
    }
    /* Everything else is on its resource's list; op_free frees a resource with its last op. */
    xop_t **all = NULL;
    size_t n = 0, cap = 0;
    qb_map_iter_t *it = qb_map_iter_create(ex->rscs);
    void *v = NULL;
    while (qb_map_iter_next(it, &v)) {
        xrsc_t *r = v;
        for (link_t *l = r->ops.next; l != &r->ops; l = l->next)
            CORRAL_PUSH(all, n, cap, CONTAINER(l, xop_t, rsc_link));
    }
    qb_map_iter_free(it);
    for (size_t i = 0; i < n; i++) op_free(all[i]);
    free(all);
    if (ex->tick_armed) qb_loop_timer_del(ex->loop, ex->tick_timer);
    if (ex->kick_scheduled) qb_loop_timer_del(ex->loop, ex->kick_timer);
    if (ex->flush_scheduled) qb_loop_timer_del(ex->loop, ex->flush_timer);
    flush_now(ex);
    corral_forkserver_free(ex->fs);
    corral_ophistory_free(ex->hist);
    qb_map_destroy(ex->rscs);
    free(ex->heap);
    free(ex->history_path);
    free(ex->node);
    free(ex);
}

/* Cancel one op: dropped when queued or idle, killed when running. Returns 1. */
static int cancel_op(xop_t *op)
{
    corral_executor_t *ex = op->ex;
    if (op->cancelled) return 0;
    op->cancelled = true;
    set_not_pending(op);
    if (op->recurring &&
        corral_ophistory_forget_op(ex->hist, op->rsc->id, op->action, op->interval_ms))
        mark_dirty(ex);
    corral_debug("resource %s: %s (interval %" PRIu32 "ms) cancelled", op->rsc->id, op->action,
                 op->interval_ms);
    if (op->state == OP_RUNNING) {
        corral_job_cancel(op->job);
        /* The deadline changes to the kill grace. */
        watch_sync(op, -1);
        return 1;
    }
    if (op->reporting) return 1; /* complete() frees it after the callback */
    op_free(op);
    return 1;
}

typedef bool (*op_match_fn)(const xop_t *op, const void *arg);

static int cancel_matching(corral_executor_t *ex, const char *rsc, op_match_fn match,
                           const void *arg)
{
    xrsc_t *r = rsc_get(ex, rsc, false);
    if (!r) return 0;
    int n = 0;
    /* cancel_op may free r along with its last op: collect first. */
    xop_t **todo = NULL;
    size_t nt = 0, cap = 0;
    for (link_t *l = r->ops.next; l != &r->ops; l = l->next) {
        xop_t *op = CONTAINER(l, xop_t, rsc_link);
        if (!op->cancelled && match(op, arg)) CORRAL_PUSH(todo, nt, cap, op);
    }
    for (size_t i = 0; i < nt; i++) n += cancel_op(todo[i]);
    free(todo);
    return n;
}

typedef struct {
    const char *action;
    uint32_t interval_ms;
} op_key_t;

static bool match_key(const xop_t *op, const void *arg)
{
    const op_key_t *k = arg;
    return op->interval_ms == k->interval_ms && strcmp(op->action, k->action) == 0;
}

static bool match_all(const xop_t *op, const void *arg)
{
    return true;
}

static bool match_recurring(const xop_t *op, const void *arg)
{
    return op->recurring;
}

int corral_executor_cancel(corral_executor_t *ex, const char *rsc, const char *action,
                           uint32_t interval_ms)
{
    if (!ex || !rsc || !action) return -EINVAL;
    op_key_t k = {action, interval_ms};
    return cancel_matching(ex, rsc, match_key, &k);
}

int corral_executor_cancel_all(corral_executor_t *ex, const char *rsc)
{
    if (!ex || !rsc) return -EINVAL;
    return cancel_matching(ex, rsc, match_all, NULL);
}

typedef struct {
    uint64_t id;
    xop_t *found;
} find_id_t;

/* Never stops early: a libqb skiplist iteration left unfinished keeps a node referenced forever. */
static int32_t find_id_cb(const char *key, void *value, void *ud)
{
    xrsc_t *r = value;
    find_id_t *f = ud;
    for (link_t *l = r->ops.next; l != &r->ops && !f->found; l = l->next) {
        xop_t *op = CONTAINER(l, xop_t, rsc_link);
        if (op->id == f->id && !op->cancelled) f->found = op;
    }
    return 0;
}

int corral_executor_cancel_op(corral_executor_t *ex, uint64_t op_id)
{
    if (!ex) return -EINVAL;
    find_id_t f = {op_id, NULL};
    qb_map_foreach(ex->rscs, find_id_cb, &f);
    if (!f.found) return -ENOENT;
    cancel_op(f.found);
    return 0;
}

int corral_executor_exec(corral_executor_t *ex, const corral_exec_req_t *req, uint64_t *op_id_out)
{
    if (!ex || !req || !req->rsc || !*req->rsc || !req->agent || !*req->agent || !req->action ||
        !*req->action)
        return -EINVAL;
    if (req->interval_ms > 0 && strcmp(req->action, "monitor") != 0) return -EINVAL;
    if (req->expected_rc < 0 || req->expected_rc > CORRAL_OCF_FAILED_PROMOTED) return -EINVAL;

    if (strcmp(req->action, "stop") == 0) {
        /* Nothing may watch a resource that is being stopped. */
        cancel_matching(ex, req->rsc, match_recurring, NULL);
    } else if (req->interval_ms > 0) {
        op_key_t k = {req->action, req->interval_ms};
        xrsc_t *r = rsc_get(ex, req->rsc, false);
        if (r) {
            for (link_t *l = r->ops.next; l != &r->ops; l = l->next) {
                xop_t *o = CONTAINER(l, xop_t, rsc_link);
                /* Replaced, not stopped: keep its record until the new one reports. */
                if (!o->cancelled && o->recurring && match_key(o, &k)) {
                    o->cancelled = true;
                    set_not_pending(o);
                    if (o->state == OP_RUNNING)
                        corral_job_cancel(o->job);
                    else if (!o->reporting) {
                        op_free(o);
                        break; /* the list changed; at most one such op exists */
                    }
                }
            }
        }
    }

    xrsc_t *r = rsc_get(ex, req->rsc, true);
    xop_t *op = corral_xcalloc(1, sizeof(*op));
    op->ex = ex;
    op->rsc = r;
    op->id = ex->next_op_id++;
    op->agent = corral_xstrdup(req->agent);
    op->action = corral_xstrdup(req->action);
    op->interval_ms = req->interval_ms;
    op->timeout_ms = req->timeout_ms;
    kvlist_copy(&op->params, req->params);
    kvlist_copy(&op->meta, req->meta);
    op->expected_rc = req->expected_rc;
    op->user_data = req->user_data;
    op->recurring = req->interval_ms > 0;
    op->heap_idx = HEAP_NONE;
    op->q_link.next = op->q_link.prev = &op->q_link;
    op->pending = true;
    ex->n_pending++;
    list_add_tail(&r->ops, &op->rsc_link);
    enqueue(op, true);
    schedule_kick(ex);
    if (op_id_out) *op_id_out = op->id;
    return 0;
}

const corral_ophistory_t *corral_executor_ophistory(const corral_executor_t *ex)
{
    return ex ? ex->hist : NULL;
}

const corral_rsc_history_t *corral_executor_history(const corral_executor_t *ex, const char *rsc)
{
    if (!ex || !rsc) return NULL;
    return corral_ophistory_get(ex->hist, rsc);
}

bool corral_executor_forget(corral_executor_t *ex, const char *rsc)
{
    if (!ex || !rsc) return false;
    bool had = corral_ophistory_forget(ex->hist, rsc);
    if (had) mark_dirty(ex);
    return had;
}

void corral_executor_mark_unverified(corral_executor_t *ex, const char *rsc)
{
    if (!ex) return;
    corral_ophistory_mark_unverified(ex->hist, rsc);
}

unsigned corral_executor_pending_count(const corral_executor_t *ex)
{
    return ex ? ex->n_pending : 0;
}

unsigned corral_executor_running_count(const corral_executor_t *ex)
{
    return ex ? ex->n_running : 0;
}

static void pending_of(const link_t *head, void (*fn)(void *ud, const corral_exec_pending_t *p),
                       void *ud)
{
    for (const link_t *l = head->next; l != head; l = l->next) {
        const xop_t *op = CONTAINER(l, xop_t, q_link);
        if (!op->pending) continue;
        corral_exec_pending_t p = {
            .op_id = op->id,
            .rsc = op->rsc->id,
            .action = op->action,
            .interval_ms = op->interval_ms,
            .running = op->state == OP_RUNNING,
            .started_ms = op->state == OP_RUNNING ? corral_job_result(op->job)->started_ms : 0,
        };
        fn(ud, &p);
    }
}

void corral_executor_foreach_pending(const corral_executor_t *ex,
                                     void (*fn)(void *ud, const corral_exec_pending_t *p), void *ud)
{
    if (!ex || !fn) return;
    pending_of(&ex->running, fn, ud);
    pending_of(&ex->urgent, fn, ud);
}

pid_t corral_executor_forkserver_pid(const corral_executor_t *ex)
{
    return ex ? corral_forkserver_pid(ex->fs) : -1;
}
