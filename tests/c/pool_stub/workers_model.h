/*
 * workers_model.h - Go's half of the handoff (capi/workers.go) modelled in C with threads, so
 * that capi/wall_pool.c can be compiled into a test program on its own and run under
 * ThreadSanitizer (pool_race_test.c). It follows workers.go: a thread answers the doorbell,
 * wakes the workers given a call while asleep and starts the ones wanted; a worker serves, then
 * sleeps until woken, or until WALL_IDLE_RETIRE_MS have passed and it may retire.
 */
#ifndef WORKERS_MODEL_H
#define WORKERS_MODEL_H

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* What the Go half keeps of a worker (workers.go, worker); found by its C struct. */
typedef struct model_worker {
  wall_worker *c;
  int woken;
  pthread_cond_t wake;
  struct model_worker *next;
} model_worker;

static struct {
  pthread_mutex_t mu;
  model_worker *all;
  int started, retired, woken;
} model = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};

static model_worker *model_find(wall_worker *c) {
  model_worker *w;
  for (w = model.all; w->c != c; w = w->next) {
  }
  return w;
}

static void *model_work(void *arg) {
  model_worker *w = arg, **p;
  struct timespec until;
  for (;;) {
    wall_serve(w->c);
    pthread_mutex_lock(&model.mu);
    for (;;) {
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += WALL_IDLE_RETIRE_MS / 1000;
      until.tv_nsec += (long)(WALL_IDLE_RETIRE_MS % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      while (!w->woken && pthread_cond_timedwait(&w->wake, &model.mu, &until) == 0) {
      }
      if (w->woken) break;
      if (wall_retire(w->c)) {
        for (p = &model.all; *p != w; p = &(*p)->next) {
        }
        *p = w->next;
        model.retired++;
        pthread_mutex_unlock(&model.mu);
        pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
      }
    }
    w->woken = 0;
    pthread_mutex_unlock(&model.mu);
  }
}

/* answerDoorbell in workers.go */
static void *model_doorbell(void *arg) {
  struct pollfd p;
  uint64_t ring;
  wall_worker *c;
  p.fd = (int)(uintptr_t)arg;
  p.events = POLLIN;
  for (;;) {
    if (!wall_doorbell_arm()) {
      while (read(p.fd, &ring, sizeof ring) < 0) poll(&p, 1, -1);
    }
    while ((c = wall_next_woken()) != NULL) {
      model_worker *w;
      pthread_mutex_lock(&model.mu);
      w = model_find(c);
      w->woken = 1;
      model.woken++;
      pthread_cond_signal(&w->wake);
      pthread_mutex_unlock(&model.mu);
    }
    while ((c = wall_next_wanted()) != NULL) {
      pthread_t t;
      model_worker *w = calloc(1, sizeof *w);
      w->c = c;
      pthread_cond_init(&w->wake, NULL);
      pthread_mutex_lock(&model.mu);
      w->next = model.all;
      model.all = w;
      model.started++;
      pthread_mutex_unlock(&model.mu);
      pthread_create(&t, NULL, model_work, w);
      pthread_detach(t);
    }
  }
  return NULL;
}

void vmpgo_serve(uintptr_t bell) {
  pthread_t t;
  pthread_create(&t, NULL, model_doorbell, (void *)bell);
  pthread_detach(t);
}

#endif /* WORKERS_MODEL_H */
