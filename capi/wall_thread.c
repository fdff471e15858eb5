/*
 * wall_thread.c - the threads the wall creates: workers (which enter Go once and stay) and
 * callback threads (which never enter Go). Both are created here, in C, so that no host thread
 * ever has to enter Go to start them.
 */
#if !defined(_WIN32)
#  define _GNU_SOURCE /* pthread_setname_np */
#endif

#include "wall.h"

#include <stdlib.h>

#if defined(_WIN32)
#  include <process.h>
#  include <windows.h>
#else
#  include <pthread.h>
#  include <signal.h>
#endif

typedef struct {
  void (*fn)(void *);
  void *arg;
  wall_sigmask mask;
} start;

#if defined(_WIN32)
static unsigned __stdcall thread_main(void *p) {
  start s = *(start *)p;
  free(p);
  s.fn(s.arg);
  return 0;
}
#else
static void *thread_main(void *p) {
  start s = *(start *)p;
  free(p);
  pthread_sigmask(SIG_SETMASK, &s.mask.set, NULL);
  s.fn(s.arg);
  return NULL;
}
#endif

int wall_thread_start(void (*fn)(void *), void *arg, const wall_sigmask *mask) {
  start *s = malloc(sizeof *s);
  if (s == NULL) return 0;
  s->fn = fn;
  s->arg = arg;
  s->mask = *mask;
#if defined(_WIN32)
  {
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, s, 0, NULL);
    if (h == 0) {
      free(s);
      return 0;
    }
    CloseHandle((HANDLE)h);
    return 1;
  }
#else
  {
    pthread_attr_t attr;
    pthread_t t;
    sigset_t all, old;
    int err;
    /* The new thread starts with every signal blocked and sets its own mask first thing, so no
     * signal reaches it before it is ready; the creator's mask is back as it was at once. */
    sigfillset(&all);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&t, &attr, thread_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
      free(s);
      return 0;
    }
    return 1;
  }
#endif
}

void wall_thread_name(const char *name) {
#if defined(_WIN32)
  (void)name; /* SetThreadDescription is not in every Windows 10 nor in wine */
#else
  pthread_setname_np(pthread_self(), name);
#endif
}

void wall_sigmask_of_caller(wall_sigmask *out) {
#if defined(_WIN32)
  out->unused = 0;
#else
  pthread_sigmask(SIG_SETMASK, NULL, &out->set);
#endif
}
