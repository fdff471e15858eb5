/*
 * snapshot_race_test.c - the C table from which vmp_poll_status with wait 0 answers
 * (capi/wall_snapshot.c), compiled into this program on its own and hammered from several
 * threads: writers publish payments whose fields all carry one number, readers must never see
 * two numbers in one payment (a torn read), nor a payment of a closed handle after the close
 * returned. Built with -fsanitize=thread by tests/c/run.sh, so a data race fails it too.
 */
#define _GNU_SOURCE
#include "../../capi/wall_snapshot.c"

#include <pthread.h>
#include <stdio.h>

#define WRITERS 2
#define READERS 4
#define ROUNDS 20000
#define REFS 16

static int stop; /* atomic */
static long torn, reads, hits, after_close;

static void ref_of(int i, char out[VMP_REFERENCE_SIZE]) { snprintf(out, VMP_REFERENCE_SIZE, "race-reference-%03d", i); }

static void *writer(void *arg) {
  long w = (long)arg, n;
  char ref[VMP_REFERENCE_SIZE];
  for (n = 1; n <= ROUNDS; n++) {
    vmp_payment p;
    int i = (int)(n % REFS);
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.state = (vmp_payment_state)(n % 6);
    p.amount = p.authorized_amount = p.captured_amount = p.refunded_amount = p.cancelled_amount = n * 10 + w;
    ref_of(i, ref);
    memcpy(p.reference, ref, strlen(ref) + 1);
    wall_snapshot_publish(1, 0, ref, strlen(ref), &p);
    if (n % 1000 == 0) wall_snapshot_forget(1, 0, ref, strlen(ref));
  }
  return NULL;
}

static void *reader(void *arg) {
  char ref[VMP_REFERENCE_SIZE];
  long i = 0;
  (void)arg;
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    vmp_payment p;
    ref_of((int)(i++ % REFS), ref);
    __atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
    if (!wall_snapshot_read(1, ref, &p)) continue;
    __atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
    if (p.authorized_amount != p.amount || p.captured_amount != p.amount || p.refunded_amount != p.amount ||
        p.cancelled_amount != p.amount || strcmp(p.reference, ref) != 0)
      __atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

/* A client opened and closed over and over: after its close returns, nothing of it is read. */
static void *closer(void *arg) {
  vmp_payment p;
  uintptr_t id;
  (void)arg;
  memset(&p, 0, sizeof p);
  for (id = 100; !__atomic_load_n(&stop, __ATOMIC_RELAXED); id++) {
    wall_snapshot_handle_open(id, id, 0);
    wall_snapshot_handle_open(id + 1000000, id, 3); /* a sales unit of it */
    wall_snapshot_publish(id, 3, "closing-client-1", 16, &p);
    wall_snapshot_handle_close(id);
    if (wall_snapshot_read(id, "closing-client-1", &p) || wall_snapshot_read(id + 1000000, "closing-client-1", &p))
      __atomic_add_fetch(&after_close, 1, __ATOMIC_RELAXED);
    wall_snapshot_handle_close(id + 1000000);
  }
  return NULL;
}

int main(void) {
  pthread_t w[WRITERS], r[READERS], c;
  long i;
  wall_snapshot_handle_open(1, 1, 0);
  for (i = 0; i < READERS; i++) pthread_create(&r[i], NULL, reader, NULL);
  pthread_create(&c, NULL, closer, NULL);
  for (i = 0; i < WRITERS; i++) pthread_create(&w[i], NULL, writer, (void *)i);
  for (i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
  __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
  for (i = 0; i < READERS; i++) pthread_join(r[i], NULL);
  pthread_join(c, NULL);
  printf("%s %ld reads, %ld answered, %ld torn, %ld after a close\n", torn == 0 && after_close == 0 && hits > 0 ? "ok  " : "FAIL",
         reads, hits, torn, after_close);
  return torn == 0 && after_close == 0 && hits > 0 ? 0 : 1;
}
