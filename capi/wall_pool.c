/*
 * wall_pool.c - the handoff: a host thread's vmp_ call runs on a worker while the host thread
 * waits in plain C (wall.h says why).
 *
 * A worker is a thread created here that entered Go once (vmpgo_serve, wall.go) and stays:
 * between calls it waits in C, inside a cgo call, so the Go runtime sees an ordinary goroutine
 * blocked in C; each call's body then calls its vmpgo_* export as a nested callback.
 *
 * Each worker has its own slot (one call) and its own futex word, so a handoff wakes exactly
 * one thread. Idle workers form a stack: the most recently busy one, likely still spinning and
 * warm, gets the next call; the others sleep and, above WALL_KEEP_IDLE, retire after
 * WALL_IDLE_RETIRE_MS. When every worker is busy - calls may wait up to 10 minutes - a new one
 * is started, up to WALL_MAX_WORKERS; beyond that, calls queue (the backlog) for the first
 * worker to finish. Both sides spin briefly before they sleep: a call that needs no I/O then
 * costs two cache-line transfers instead of two futex wake-ups.
 *
 * Nothing starts when the library loads: the first call starts the first worker. At process
 * exit the workers are simply ended with the process; nothing here waits for them.
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
#ifndef WALL_IDLE_RETIRE_MS
#  define WALL_IDLE_RETIRE_MS 30000
#endif
#ifndef WALL_CALLER_SPIN_NS
#  define WALL_CALLER_SPIN_NS 20000 /* a waiting caller spins this long before it sleeps */
#endif
#ifndef WALL_WORKER_SPIN_NS
#  define WALL_WORKER_SPIN_NS 20000 /* and an idle worker this long */
#endif

enum { CALL_RUNNING, CALL_SLEEPING, CALL_DONE };
enum { POST_NONE, POST_SLEEPING, POST_GIVEN };

/* One call in flight; it lives on the waiting caller's stack. */
typedef struct wall_call {
  wall_body body;
  void *args;
  char *error_out;
  vmp_status status;
  uint32_t done;          /* CALL_*: the caller's futex word */
  struct wall_call *next; /* in the backlog */
} wall_call;

struct wall_worker {
  uint32_t post;   /* POST_*: the worker's futex word */
  wall_call *call; /* the call given to it, published by post */
  wall_worker *next_idle;
  int idle; /* in the idle stack; under pool.mu */
};

static struct {
  wall_mutex mu;
  wall_worker *idle; /* most recently idle first */
  int idle_count;
  int workers; /* started and not retired */
  wall_call *backlog, *backlog_tail;
} pool;

static WALL_THREAD_LOCAL char *error_target;

uint32_t wall_on_cpu;

char *wall_error_target(void) { return error_target; }

/* ---- the caller's side --------------------------------------------------------------------- */

static void give(wall_worker *w, wall_call *c) {
  w->call = c;
  if (WALL_SWAP(&w->post, POST_GIVEN) == POST_SLEEPING) wall_wake_one(&w->post);
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

/* Takes the most recently idle worker; pool.mu held. */
static wall_worker *pop_idle(void) {
  wall_worker *w = pool.idle;
  if (w != NULL) {
    pool.idle = w->next_idle;
    pool.idle_count--;
    w->idle = 0;
  }
  return w;
}

static void worker_main(void *arg);

/* Starts a worker whose first call is c. */
static int start_worker(wall_call *c) {
  wall_sigmask mask;
  wall_worker *w = calloc(1, sizeof *w);
  if (w == NULL) return 0;
  w->call = c;
  w->post = POST_GIVEN;
  wall_signals_library_mask(&mask);
  if (!wall_thread_start(worker_main, w, &mask)) {
    free(w);
    return 0;
  }
  return 1;
}

vmp_status wall_handoff(wall_body body, void *args, char *error_out) {
  wall_call c;
  wall_worker *w;
  memset(&c, 0, sizeof c);
  c.body = body;
  c.args = args;
  c.error_out = error_out;

  wall_lock(&pool.mu);
  w = pop_idle();
  if (w == NULL && pool.workers < WALL_MAX_WORKERS) {
    pool.workers++;
    wall_unlock(&pool.mu);
    if (start_worker(&c)) {
      await_done(&c);
      return c.status;
    }
    wall_lock(&pool.mu);
    pool.workers--;
    w = pop_idle(); /* one may have become idle meanwhile */
    if (w == NULL && pool.workers == 0) {
      static const char msg[] = "vmp: the system refused a thread for the call (out of memory or threads)";
      wall_unlock(&pool.mu);
      vmpshim_set_last_error(msg, sizeof msg - 1);
      return VMP_ERR_INTERNAL;
    }
  }
  if (w == NULL) backlog_push(&c); /* the first worker to finish takes it */
  wall_unlock(&pool.mu);
  if (w != NULL) give(w, &c);
  await_done(&c);
  return c.status;
}

/* ---- the worker's side --------------------------------------------------------------------- */

static void run(wall_call *c) {
  __atomic_add_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
  error_target = c->error_out;
  c->status = c->body(c->args);
  error_target = NULL;
  __atomic_sub_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
  /* After this store the caller may return: c is not touched again except by the wake-up,
   * which only names the address. */
  if (WALL_SWAP(&c->done, CALL_DONE) == CALL_SLEEPING) wall_wake_one(&c->done);
}

/* Removes w from the idle stack; pool.mu held, w idle. */
static void unlink_idle(wall_worker *w) {
  wall_worker **p;
  for (p = &pool.idle; *p != NULL; p = &(*p)->next_idle) {
    if (*p == w) {
      *p = w->next_idle;
      pool.idle_count--;
      w->idle = 0;
      return;
    }
  }
}

/* Waits for a call to be given; NULL when the worker retires instead. */
static wall_call *wait_for_call(wall_worker *w) {
  wall_call *c;
  uint32_t expected;
  wall_spin_until(&w->post, POST_GIVEN, WALL_WORKER_SPIN_NS);
  while (WALL_LOAD(&w->post) != POST_GIVEN) {
    expected = POST_NONE;
    if (!WALL_CAS(&w->post, &expected, POST_SLEEPING) && expected != POST_SLEEPING) continue; /* given */
    if (!wall_wait(&w->post, POST_SLEEPING, WALL_IDLE_RETIRE_MS)) continue;
    wall_lock(&pool.mu);
    if (w->idle && pool.idle_count > WALL_KEEP_IDLE) {
      unlink_idle(w);
      pool.workers--;
      wall_unlock(&pool.mu);
      return NULL;
    }
    wall_unlock(&pool.mu); /* kept, or a call is on its way */
  }
  c = w->call;
  w->call = NULL;
  WALL_STORE(&w->post, POST_NONE);
  return c;
}

/* The next call: from the backlog, or given while idle. */
static wall_call *next_call(wall_worker *w) {
  wall_call *c;
  wall_lock(&pool.mu);
  c = pool.backlog;
  if (c != NULL) {
    pool.backlog = c->next;
    if (pool.backlog == NULL) pool.backlog_tail = NULL;
    wall_unlock(&pool.mu);
    return c;
  }
  w->idle = 1;
  w->next_idle = pool.idle;
  pool.idle = w;
  pool.idle_count++;
  wall_unlock(&pool.mu);
  return wait_for_call(w);
}

void wall_worker_loop(wall_worker *w) {
  static int first = 1;
  wall_call *c = w->call;
  if (__atomic_exchange_n(&first, 0, __ATOMIC_ACQ_REL)) wall_signals_restore(); /* see wall_signals.c */
  w->call = NULL;
  WALL_STORE(&w->post, POST_NONE);
  while (c != NULL) {
    run(c);
    c = next_call(w);
  }
}

static void worker_main(void *arg) {
  wall_worker *w = arg;
  wall_thread_name("vmp-worker");
  vmpgo_serve(w); /* enters Go, and returns only when the worker retires */
  free(w);
}
