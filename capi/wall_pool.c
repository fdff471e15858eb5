/*
 * wall_pool.c - the handoff: a host thread's vmp_ call runs on a worker while the host thread
 * waits in plain C (wall.h says why). Its Go half is workers.go.
 *
 * A worker is a goroutine that runs calls inside one cgo call (wall_serve): each call's body
 * calls its vmpgo_* export as a nested callback. Each worker has its own slot (one call) and
 * its own doorbell, so a handoff concerns exactly one worker. Both sides spin briefly before
 * they sleep: a call that needs no I/O then costs two cache-line transfers.
 *
 * An idle worker that got no call within its spin returns from C and sleeps in Go, never in C:
 * a thread waiting in C inside a cgo call keeps one of Go's scheduler slots (Ps) until Go's
 * monitor takes it back, 20 us to 10 ms later, and with a few idle workers waiting in C every
 * other call waited that long for a P (8 threads calling at once: 100 us a call, not 3).
 * It sleeps on a read of its own doorbell (wall_doorbell.c): a host thread that gives a call to
 * it rings that - a plain write - and Go's poller wakes it. A host thread that finds no idle
 * worker rings the pool's doorbell, for the goroutine that starts workers (workers.go).
 *
 * Idle workers form two stacks, the spinning ones and the ones asleep in Go, each with the most
 * recently idle on top: a call goes to a spinning worker when there is one (a transfer of cache
 * lines), else to the warmest one asleep (a wake-up). When every worker is busy - calls may
 * wait up to 10 minutes - a new one is started, up to WALL_MAX_WORKERS; beyond that, calls
 * queue (the backlog) for the first worker to finish. A close is never queued behind the waits
 * it would end: it goes first and gets a worker of its own (wall_handoff_urgent). Above WALL_KEEP_IDLE, workers asleep for
 * the retire time (workers.go) end.
 *
 * Nothing starts when the library loads: the first call opens the pool's doorbell and starts a
 * thread that enters Go once, starts the goroutine that starts workers, and ends. At process
 * exit nothing here waits for anything.
 */
#include "wall.h"
#include "wall_sync.h"

#include "_cgo_export.h"

#include <stdlib.h>
#include <string.h>

/* Overridable only for tests/c/pool_race_test.c, which builds this file on its own. */
#ifndef WALL_MAX_WORKERS
#  define WALL_MAX_WORKERS 512
#endif
#ifndef WALL_KEEP_IDLE
#  define WALL_KEEP_IDLE 4
#endif
#ifndef WALL_CALLER_SPIN_NS
#  define WALL_CALLER_SPIN_NS 20000 /* a waiting caller spins this long before it sleeps */
#endif
#ifndef WALL_WORKER_SPIN_NS
#  define WALL_WORKER_SPIN_NS 20000 /* and an idle worker this long before it sleeps in Go */
#endif

#define SEQ __ATOMIC_SEQ_CST

enum { CALL_RUNNING, CALL_SLEEPING, CALL_DONE };
enum { POST_NONE, POST_ASLEEP, POST_GIVEN };
enum { BUSY, IDLE_SPINNING, IDLE_ASLEEP };

/* One call in flight; it lives on the waiting caller's stack. */
typedef struct wall_call {
  wall_body body;
  void *args;
  vmpshim_last_failure *error_out;
  vmp_status status;
  uint32_t done;          /* CALL_*: the caller's futex word */
  uint64_t issued;         /* wall_moment() when the caller made it */
  wall_delivery *delivery; /* made when the body asks for it; marked when the caller has the result */
  struct wall_call *next; /* in the backlog */
} wall_call;

struct wall_worker {
  uint32_t post;      /* POST_*: NONE while it spins in C, ASLEEP while it sleeps in Go */
  wall_call *call;    /* the call given to it, published by post */
  int idle;           /* BUSY, or in which idle stack; under pool.mu */
  wall_worker *next_idle;
  wall_doorbell bell; /* rung when it is given a call while asleep */
};

static struct {
  wall_mutex mu;
  wall_worker *spinning, *asleep; /* the idle stacks, most recently idle first */
  int idle;                       /* in both */
  int workers;                    /* started, or to be started, and not retired */
  int wanted;                     /* of them, those not yet started */
  wall_call *backlog, *backlog_tail;
  wall_doorbell bell;             /* rung when a worker is wanted */
  uint32_t armed;                 /* the goroutine that starts workers sleeps until bell rings */
  uint32_t started;               /* bell is open and Go's half is on its way */
  wall_mutex start_mu;
} pool;

static WALL_THREAD_LOCAL vmpshim_last_failure *error_target;
static WALL_THREAD_LOCAL wall_call *running; /* the call this worker runs, NULL between calls */

uint32_t wall_on_cpu;

vmpshim_last_failure *wall_error_target(void) { return error_target; }

/* Rings the pool's doorbell if its goroutine sleeps. The caller has just wanted a worker
 * (pool.wanted); wall_pool_bell_arm announces the sleep and then looks for wanted workers. All
 * four accesses are sequentially consistent, so one of the two sides sees the other. */
static void ring_pool(void) {
  if (__atomic_load_n(&pool.armed, SEQ) && __atomic_exchange_n(&pool.armed, 0, SEQ)) wall_doorbell_ring(&pool.bell);
}

static void push_idle(wall_worker **stack, wall_worker *w, int state) {
  w->idle = state;
  w->next_idle = *stack;
  *stack = w;
}

static void unlink_idle(wall_worker **stack, wall_worker *w) {
  wall_worker **p;
  for (p = stack; *p != w; p = &(*p)->next_idle) {
  }
  *p = w->next_idle;
}

/* ---- the caller's side --------------------------------------------------------------------- */

#if defined(WALL_FAILPOINTS) && !defined(_WIN32)
#  include <signal.h>
#  include <unistd.h>
/* The crash tests' point "before_delivery" (VMP_FAILPOINT=before_delivery:<any operation>): the
 * engine has returned a money-moving call's outcome, and the process dies before its caller
 * took it - after long enough for the engine to have written the outcome as seen, had it not
 * waited for this thread (internal/payments/seen.go). */
static void failpoint_before_delivery(void) {
  const char *f = getenv("VMP_FAILPOINT");
  if (f != NULL && strncmp(f, "before_delivery:", 16) == 0) {
    usleep(300 * 1000);
    kill(getpid(), SIGKILL);
    for (;;) pause();
  }
}
#else
static void failpoint_before_delivery(void) {}
#endif

static void starter_main(void *unused) {
  (void)unused;
  wall_thread_name("vmp-start");
  vmpgo_serve(wall_doorbell_reader(&pool.bell)); /* starts Go's half of the pool, and returns */
  wall_signals_restore();              /* Go's runtime has started by now: see wall_signals.c */
}

/* Opens the doorbell and starts Go's half, once; whether it is started. */
static int start_pool(void) {
  wall_sigmask mask;
  if (WALL_LOAD(&pool.started)) return 1;
  wall_lock(&pool.start_mu);
  if (!pool.started && wall_doorbell_open(&pool.bell)) {
    wall_signals_library_mask(&mask);
    if (wall_thread_start(starter_main, NULL, &mask)) WALL_STORE(&pool.started, 1);
    else wall_doorbell_close(&pool.bell);
  }
  wall_unlock(&pool.start_mu);
  return WALL_LOAD(&pool.started);
}

/* The idle worker most likely to answer at once; pool.mu held. */
static wall_worker *pop_idle(void) {
  wall_worker **stack = pool.spinning != NULL ? &pool.spinning : &pool.asleep;
  wall_worker *w = *stack;
  if (w != NULL) {
    *stack = w->next_idle;
    w->idle = BUSY;
    pool.idle--;
  }
  return w;
}

static void give(wall_worker *w, wall_call *c) {
  w->call = c;
  /* Spinning, it sees the post; asleep, it reads its doorbell next (or has started to). */
  if (WALL_SWAP(&w->post, POST_GIVEN) == POST_ASLEEP) wall_doorbell_ring(&w->bell);
}

static void await_done(wall_call *c) {
  uint32_t expected;
  if (wall_spin_until(&c->done, CALL_DONE, WALL_CALLER_SPIN_NS)) return;
  for (;;) {
    expected = CALL_RUNNING;
    if (WALL_CAS(&c->done, &expected, CALL_SLEEPING) || expected == CALL_SLEEPING)
      wall_wait(&c->done, CALL_SLEEPING, -1);
    if (WALL_LOAD(&c->done) == CALL_DONE) return;
  }
}

static void backlog_push(wall_call *c) {
  c->next = NULL;
  if (pool.backlog_tail != NULL) pool.backlog_tail->next = c;
  else pool.backlog = c;
  pool.backlog_tail = c;
}

static void backlog_push_front(wall_call *c) {
  c->next = pool.backlog;
  pool.backlog = c;
  if (pool.backlog_tail == NULL) pool.backlog_tail = c;
}

static vmp_status handoff(wall_body body, void *args, vmpshim_last_failure *error_out, int urgent) {
  wall_call c;
  wall_worker *w;
  int want = 0;
  if (!start_pool()) {
    static const char msg[] = "vmp: the system refused a thread or a file for the call (out of memory or threads)";
    vmpshim_set_last_error(msg, sizeof msg - 1);
    return VMP_ERR_INTERNAL;
  }
  memset(&c, 0, sizeof c);
  c.body = body;
  c.args = args;
  c.error_out = error_out;
  c.issued = wall_moment();

  wall_lock(&pool.mu);
  w = pop_idle();
  if (w == NULL) {
    if (urgent) backlog_push_front(&c);
    else backlog_push(&c); /* for the new worker, or the first to finish */
    if (pool.workers < WALL_MAX_WORKERS || urgent) {
      pool.workers++;
      __atomic_store_n(&pool.wanted, pool.wanted + 1, SEQ);
      want = 1;
    }
  }
  wall_unlock(&pool.mu);
  if (w != NULL) give(w, &c);
  else if (want) ring_pool();
  await_done(&c);
  if (c.delivery != NULL) {
    failpoint_before_delivery();
    wall_delivery_mark(c.delivery); /* this thread has the result now */
  }
  return c.status;
}

vmp_status wall_handoff(wall_body body, void *args, vmpshim_last_failure *error_out) {
  return handoff(body, args, error_out, 0);
}

vmp_status wall_handoff_urgent(wall_body body, void *args, vmpshim_last_failure *error_out) {
  return handoff(body, args, error_out, 1);
}

/* ---- the workers' side (called by Go, workers.go) ------------------------------------------ */

static void run(wall_call *c) {
  __atomic_add_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
  error_target = c->error_out;
  running = c;
  c->status = c->body(c->args);
  running = NULL;
  error_target = NULL;
  __atomic_sub_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
  /* After this store the caller may return: c is not touched again except by the wake-up,
   * which only names the address. */
  if (WALL_SWAP(&c->done, CALL_DONE) == CALL_SLEEPING) wall_wake_one(&c->done);
}

wall_delivery *wall_delivery_take(void) {
  wall_call *c = running;
  if (c == NULL) return NULL;
  if (c->delivery == NULL && (c->delivery = wall_delivery_new(c->issued)) == NULL) return NULL;
  wall_delivery_hold(c->delivery);
  return c->delivery;
}

/* The call given to w, or NULL. */
static wall_call *given(wall_worker *w) {
  wall_call *c;
  if (WALL_LOAD(&w->post) != POST_GIVEN) return NULL;
  c = w->call;
  w->call = NULL;
  WALL_STORE(&w->post, POST_NONE);
  return c;
}

/* The next call: from the backlog, or given while w spins; NULL when none was given within the
 * spin and w is asleep (it stays idle, in the other stack). */
static wall_call *next_call(wall_worker *w) {
  wall_call *c;
  uint32_t expected = POST_NONE;
  wall_lock(&pool.mu);
  c = pool.backlog;
  if (c != NULL) {
    pool.backlog = c->next;
    if (pool.backlog == NULL) pool.backlog_tail = NULL;
    wall_unlock(&pool.mu);
    return c;
  }
  push_idle(&pool.spinning, w, IDLE_SPINNING);
  pool.idle++;
  wall_unlock(&pool.mu);
  if (wall_spin_until(&w->post, POST_GIVEN, WALL_WORKER_SPIN_NS)) return given(w);
  wall_lock(&pool.mu);
  if (w->idle == IDLE_SPINNING) { /* not taken: among the sleepers, before anyone can see it asleep */
    unlink_idle(&pool.spinning, w);
    push_idle(&pool.asleep, w, IDLE_ASLEEP);
  }
  wall_unlock(&pool.mu);
  if (WALL_CAS(&w->post, &expected, POST_ASLEEP)) return NULL;
  return given(w); /* taken meanwhile: the call was given without a ring */
}

void wall_serve(wall_worker *w) {
  wall_call *c = given(w);
  if (c == NULL) c = next_call(w);
  while (c != NULL) {
    run(c);
    c = next_call(w);
  }
}

uintptr_t wall_worker_bell(wall_worker *w) { return wall_doorbell_reader(&w->bell); }

int wall_retire(wall_worker *w) {
  int retire;
  wall_lock(&pool.mu);
  /* A worker still idle has been given nothing: nobody else knows it. */
  retire = w->idle == IDLE_ASLEEP && pool.idle > WALL_KEEP_IDLE;
  if (retire) {
    unlink_idle(&pool.asleep, w);
    pool.idle--;
    pool.workers--;
  }
  wall_unlock(&pool.mu);
  if (retire) {
    wall_doorbell_close_writer(&w->bell);
    free(w);
  }
  return retire;
}

int wall_pool_bell_arm(void) {
  __atomic_store_n(&pool.armed, 1, SEQ);
  /* Taking the announcement back means no ring comes; if a host took it first, one does. */
  return __atomic_load_n(&pool.wanted, SEQ) > 0 && __atomic_exchange_n(&pool.armed, 0, SEQ);
}

/* Ends the backlog's calls with VMP_ERR_INTERNAL: no worker is left to run them. */
static void fail_calls(wall_call *c) {
  static const char msg[] = "vmp: the system refused memory or a file for a worker to run the call";
  wall_call *next;
  for (; c != NULL; c = next) {
    next = c->next;
    error_target = c->error_out;
    vmpshim_set_last_error(msg, sizeof msg - 1);
    error_target = NULL;
    c->status = VMP_ERR_INTERNAL;
    if (WALL_SWAP(&c->done, CALL_DONE) == CALL_SLEEPING) wall_wake_one(&c->done);
  }
}

/* A new worker, or NULL when the system refused memory or a doorbell. */
static wall_worker *new_worker(void) {
  wall_worker *w = calloc(1, sizeof *w); /* post POST_NONE, BUSY: its first call comes from the backlog */
  if (w != NULL && !wall_doorbell_open(&w->bell)) {
    free(w);
    w = NULL;
  }
  return w;
}

wall_worker *wall_next_wanted(void) {
  wall_worker *w;
  wall_call *failed = NULL;
  if (__atomic_load_n(&pool.wanted, SEQ) == 0) return NULL;
  w = new_worker();
  wall_lock(&pool.mu);
  if (pool.wanted == 0) { /* none is wanted any more: the caller's loop started the last one */
    wall_unlock(&pool.mu);
    if (w != NULL) wall_doorbell_close(&w->bell);
    free(w);
    return NULL;
  }
  __atomic_store_n(&pool.wanted, pool.wanted - 1, SEQ);
  if (w == NULL && --pool.workers == 0) {
    failed = pool.backlog;
    pool.backlog = pool.backlog_tail = NULL;
  }
  wall_unlock(&pool.mu);
  fail_calls(failed);
  return w;
}
