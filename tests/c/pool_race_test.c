/*
 * pool_race_test.c - the handoff of capi/wall_pool.c compiled into this program on its own,
 * with Go's part played by a stub (vmpgo_serve only runs the worker loop), under
 * ThreadSanitizer (tests/c/run.sh): 16 caller threads hand over calls - quick ones, and slow
 * ones that keep workers busy so the pool must grow beyond them, and past its cap of 8 here so
 * calls queue - and check every result and last-error text arrives at its own caller. Then the
 * pool must shrink back to its idle floor once its workers have been idle for the retire time.
 */
#define _GNU_SOURCE
#define WALL_MAX_WORKERS 8
#define WALL_KEEP_IDLE 2
#define WALL_IDLE_RETIRE_MS 200
#include "../../capi/wall_pool.c"
#include "../../capi/wall_thread.c"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define CALLERS 16
#define CALLS 300

/* Go's part: the worker's one call into Go runs the loop. */
void vmpgo_serve(wall_worker *w) { wall_worker_loop(w); }
void wall_signals_restore(void) {}
void wall_signals_library_mask(wall_sigmask *out) { sigemptyset(&out->set); }
void vmpshim_set_last_error(const char *msg, size_t len) {
  char *dst = wall_error_target();
  if (dst != NULL) {
    memcpy(dst, msg, len);
    dst[len] = '\0';
  }
}

typedef struct {
  int caller, n, slow;
  int result;
} args;

static vmp_status body(void *p) {
  args *a = p;
  char msg[64];
  int len = snprintf(msg, sizeof msg, "caller %d call %d", a->caller, a->n);
  if (a->slow) usleep(20000);
  a->result = a->caller * 100000 + a->n;
  vmpshim_set_last_error(msg, (size_t)len);
  return (vmp_status)(a->n % 7);
}

static long wrong;
static int peak;

static void *caller(void *arg) {
  int c = (int)(long)arg, n;
  char error[VMPSHIM_LAST_ERROR_SIZE], want[64];
  for (n = 0; n < CALLS; n++) {
    args a;
    vmp_status st;
    int workers;
    a.caller = c;
    a.n = n;
    a.slow = n % 50 == 0;
    a.result = -1;
    error[0] = '\0';
    st = wall_handoff(body, &a, error);
    snprintf(want, sizeof want, "caller %d call %d", c, n);
    if (st != (vmp_status)(n % 7) || a.result != c * 100000 + n || strcmp(error, want) != 0)
      __atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
    wall_lock(&pool.mu);
    workers = pool.workers;
    wall_unlock(&pool.mu);
    if (workers > __atomic_load_n(&peak, __ATOMIC_RELAXED)) __atomic_store_n(&peak, workers, __ATOMIC_RELAXED);
  }
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
  idle = pool.idle_count;
  wall_unlock(&pool.mu);
  ok = wrong == 0 && peak > 1 && peak <= WALL_MAX_WORKERS && workers == WALL_KEEP_IDLE && idle == workers;
  printf("%s %d calls, %ld wrong; the pool grew to %d workers (cap %d) and shrank to %d idle (floor %d)\n",
         ok ? "ok  " : "FAIL", CALLERS * CALLS, wrong, peak, WALL_MAX_WORKERS, workers, WALL_KEEP_IDLE);
  return ok ? 0 : 1;
}
