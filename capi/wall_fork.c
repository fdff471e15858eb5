/*
 * wall_fork.c - a process forked after the library was loaded (Python's multiprocessing does so
 * by default on Linux). The child has a copy of the Go runtime's memory but none of its threads,
 * and copies of locks that threads of the parent may have held: Go code there hangs, and a
 * journal written from there corrupts the parent's. So a pthread_atfork child handler,
 * registered here in C when the library loads, marks the child; from then on every vmp_
 * function that would enter Go answers VMP_ERR_FORKED at once (vmp.c), touching no lock and
 * nothing of the parent's. The parent is unaffected. Windows has no fork.
 */
#include "wall.h"

#if defined(_WIN32)

int wall_forked(void) { return 0; }

#else

#  include <pthread.h>

static int forked;

static void on_fork_child(void) { __atomic_store_n(&forked, 1, __ATOMIC_RELAXED); }

__attribute__((constructor)) static void register_fork_handler(void) {
  pthread_atfork(NULL, NULL, on_fork_child);
}

int wall_forked(void) { return __atomic_load_n(&forked, __ATOMIC_RELAXED); }

#endif
