/*
 * pool_race_test.c - the handoff of capi/wall_pool.c (and its doorbell, wall_doorbell.c)
 * compiled into this program on its own, with Go's half (capi/workers.go) played by a model in
 * C (pool_stub/workers_model.h), under ThreadSanitizer (tests/c/run.sh): 16 caller threads hand
 * over calls - quick ones, and slow ones that keep workers busy so the pool must grow beyond
 * them, and past its cap of 8 here so calls queue; pauses between some calls let workers fall
 * asleep so that calls must wake them through the doorbell - and check every result and
 * last-error text arrives at its own caller, and that the delivery cell a body takes reads "taken"
 * once its caller has the result, not before, and orders one thread's calls. Then the pool must shrink back to its idle floor
 * once its workers have been asleep for the retire time.
 */
#define _GNU_SOURCE
#define WALL_MAX_WORKERS 8
#define WALL_KEEP_IDLE 2
#define WALL_IDLE_RETIRE_MS 200
#include "../../capi/wall_pool.c"
#include "../../capi/wall_thread.c"
#include "../../capi/wall_doorbell.c"
#include "../../capi/wall_delivery.c"
#include "workers_model.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define CALLERS 16
#define CALLS 300

void wall_signals_restore(void) {}
void wall_signals_library_mask(wall_sigmask *out) { sigemptyset(&out->set); }
void vmpshim_set_last_error(const char *msg, size_t len) {
  vmpshim_last_failure *dst = wall_error_target();
  if (dst != NULL) {
    memcpy(dst->text, msg, len);
    dst->text[len] = '\0';
  }
}

typedef struct {
  int caller, n, slow;
  int result;
  wall_delivery *delivery; /* taken by every third call's body, as the engine's money calls do */
  int delivered_early;
} args;

static vmp_status body(void *p) {
  args *a = p;
  char msg[64];
  int len = snprintf(msg, sizeof msg, "caller %d call %d", a->caller, a->n);
  if (a->n % 3 == 0) {
    a->delivery = wall_delivery_take();
    if (a->delivery != wall_delivery_take()) a->delivered_early = 1; /* one cell per call */
    else wall_delivery_release(a->delivery);
    if (a->delivery == NULL || wall_delivery_done(a->delivery)) a->delivered_early = 1;
  }
  if (a->slow) usleep(20000);
  a->result = a->caller * 100000 + a->n;
  vmpshim_set_last_error(msg, (size_t)len);
  return (vmp_status)(a->n % 7);
}

static long wrong;
static int peak;

static void *caller(void *arg) {
  int c = (int)(long)arg, n;
  vmpshim_last_failure error;
  char want[64];
  wall_delivery *previous = NULL; /* this thread's last call's delivery cell */
  for (n = 0; n < CALLS; n++) {
    args a;
    vmp_status st;
    int workers;
    a.caller = c;
    a.n = n;
    a.slow = n % 50 == 0;
    a.result = -1;
    a.delivery = NULL;
    a.delivered_early = 0;
    error.text[0] = '\0';
    if (n % 10 == 5) usleep(1000); /* longer than a worker spins: it falls asleep */
    st = wall_handoff(body, &a, &error);
    snprintf(want, sizeof want, "caller %d call %d", c, n);
    if (st != (vmp_status)(n % 7) || a.result != c * 100000 + n || strcmp(error.text, want) != 0)
      __atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
    /* The delivery reads "taken" once the handoff returned, never before (in the body). */
    if (a.delivered_early || (n % 3 == 0) != (a.delivery != NULL) || (a.delivery && !wall_delivery_done(a.delivery)))
      __atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
    /* One thread's calls follow each other: this one was made after the last one's result
     * was taken, which was made before this one's was. */
    if (a.delivery != NULL && previous != NULL &&
        (wall_delivery_made_before(a.delivery, previous) || !wall_delivery_made_before(previous, a.delivery)))
      __atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
    if (a.delivery != NULL) {
      if (previous != NULL) wall_delivery_release(previous);
      previous = a.delivery;
    }
    wall_lock(&pool.mu);
    workers = pool.workers;
    wall_unlock(&pool.mu);
    if (workers > __atomic_load_n(&peak, __ATOMIC_RELAXED)) __atomic_store_n(&peak, workers, __ATOMIC_RELAXED);
  }
  if (previous != NULL) wall_delivery_release(previous);
  return NULL;
}

int main(void) {
  pthread_t t[CALLERS];
  int i, workers, idle, ok;
  for (i = 0; i < CALLERS; i++) pthread_create(&t[i], NULL, caller, (void *)(long)i);
  for (i = 0; i < CALLERS; i++) pthread_join(t[i], NULL);
  usleep((WALL_IDLE_RETIRE_MS * 3 + 500) * 1000);
  wall_lock(&pool.mu);
  workers = pool.workers;
  idle = pool.idle;
  wall_unlock(&pool.mu);
  pthread_mutex_lock(&model.mu);
  ok = wrong == 0 && peak > 1 && peak <= WALL_MAX_WORKERS && workers == WALL_KEEP_IDLE && idle == workers &&
       model.woken > 0 && model.retired == model.started - WALL_KEEP_IDLE;
  printf("%s %d calls, %ld wrong; %d woken through the doorbell; the pool grew to %d workers (cap %d), %d started in "
         "all, and shrank to %d idle (floor %d)\n",
         ok ? "ok  " : "FAIL", CALLERS * CALLS, wrong, model.woken, peak, WALL_MAX_WORKERS, model.started, workers,
         WALL_KEEP_IDLE);
  pthread_mutex_unlock(&model.mu);
  return ok ? 0 : 1;
}
