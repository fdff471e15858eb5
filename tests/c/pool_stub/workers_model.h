/*
 * workers_model.h - Go's half of the handoff (capi/workers.go) modelled in C with threads, so
 * that capi/wall_pool.c can be compiled into a test program on its own and run under
 * ThreadSanitizer (pool_race_test.c). It follows workers.go: a thread answers the pool's
 * doorbell and starts the workers wanted; a worker serves, then sleeps on its own doorbell
 * until it rings, or until WALL_IDLE_RETIRE_MS have passed and it may retire.
 */
#ifndef WORKERS_MODEL_H
#define WORKERS_MODEL_H

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static struct {
  pthread_mutex_t mu;
  int started, retired, woken;
} model = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

static void model_count(int *n) {
  pthread_mutex_lock(&model.mu);
  (*n)++;
  pthread_mutex_unlock(&model.mu);
}

/* work in workers.go */
static void *model_work(void *arg) {
  wall_worker *w = arg;
  struct pollfd p;
  uint64_t ring;
  p.fd = (int)wall_worker_bell(w);
  p.events = POLLIN;
  for (;;) {
    wall_serve(w);
    for (;;) { /* asleep */
      if (poll(&p, 1, WALL_IDLE_RETIRE_MS) == 1 && read(p.fd, &ring, sizeof ring) == sizeof ring) {
        model_count(&model.woken);
        break;
      }
      if (wall_retire(w)) {
        close(p.fd); /* Go's file owns the reading end */
        model_count(&model.retired);
        return NULL;
      }
    }
  }
}

/* answerDoorbell in workers.go */
static void *model_answer(void *arg) {
  struct pollfd p;
  uint64_t ring;
  wall_worker *w;
  p.fd = (int)(uintptr_t)arg;
  p.events = POLLIN;
  for (;;) {
    if (!wall_pool_bell_arm()) {
      while (read(p.fd, &ring, sizeof ring) < 0) poll(&p, 1, -1);
    }
    while ((w = wall_next_wanted()) != NULL) {
      pthread_t t;
      model_count(&model.started);
      pthread_create(&t, NULL, model_work, w);
      pthread_detach(t);
    }
  }
  return NULL;
}

void vmpgo_serve(uintptr_t bell) {
  pthread_t t;
  pthread_create(&t, NULL, model_answer, (void *)bell);
  pthread_detach(t);
}

#endif /* WORKERS_MODEL_H */
