/*
 * wall_sync.h - the few synchronisation primitives of the wall, in plain C and nothing of Go's:
 * a thread waiting here is invisible to the Go runtime, and a host runtime may stop it at any
 * moment without harm. Linux: futex; Windows: WaitOnAddress (Windows 8 and later; Go itself
 * needs Windows 10). Internal to libvmp.
 */
#ifndef WALL_SYNC_H
#define WALL_SYNC_H

#include <stdint.h>

#if defined(_WIN32)
#  ifndef _WIN32_WINNT
#    define _WIN32_WINNT 0x0A00
#  endif
#  include <windows.h>
#else
#  include <errno.h>
#  include <linux/futex.h>
#  include <sys/syscall.h>
#  include <time.h>
#  include <unistd.h>
#endif

#define WALL_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define WALL_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define WALL_SWAP(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define WALL_CAS(p, expected, desired) \
  __atomic_compare_exchange_n((p), (expected), (desired), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

/* One step of a spin loop: lets the other hyperthread run and saves power. */
static inline void wall_pause(void) {
#if defined(__i386__) || defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

/* A monotonic clock in nanoseconds, cheap enough to read while spinning (vDSO, QPC). */
static inline int64_t wall_now_ns(void) {
#if defined(_WIN32)
  static LARGE_INTEGER freq;
  LARGE_INTEGER now;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&now);
  return (int64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#endif
}

/* The processors; read once. */
static inline uint32_t wall_processors(void) {
  static uint32_t known;
  uint32_t n = WALL_LOAD(&known);
  if (n == 0) {
#if defined(_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    n = (uint32_t)si.dwNumberOfProcessors;
#else
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? (uint32_t)cpus : 1;
#endif
    WALL_STORE(&known, n);
  }
  return n;
}

/* The threads of the wall that occupy a processor now: spinning, or running a call (wall_pool.c). */
extern uint32_t wall_on_cpu;

/* Spins up to limit_ns until *addr == want; returns whether it is. The clock is read only every
 * few pauses, since a pause costs from a few to 40 ns depending on the processor. Spinning only
 * pays while the thread that will end the wait has a processor of its own: when the wall's
 * threads already occupy every processor, it does not spin. */
static inline int wall_spin_until(const uint32_t *addr, uint32_t want, int64_t limit_ns) {
  int64_t end = 0;
  int i, done = 0;
  if (__atomic_add_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED) > wall_processors()) {
    __atomic_sub_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
    return WALL_LOAD(addr) == want;
  }
  while (!done) {
    for (i = 0; i < 16 && !done; i++) {
      done = WALL_LOAD(addr) == want;
      if (!done) wall_pause();
    }
    if (done) break;
    if (end == 0) end = wall_now_ns() + limit_ns;
    else if (wall_now_ns() >= end) done = -1;
  }
  __atomic_sub_fetch(&wall_on_cpu, 1, __ATOMIC_RELAXED);
  return WALL_LOAD(addr) == want;
}

/* Sleeps while *addr == expected, at most timeout_ms (< 0: no limit). May return early (a
 * signal, a spurious wake): callers check their condition in a loop. Returns 1 when the time
 * ran out, else 0. */
static inline int wall_wait(uint32_t *addr, uint32_t expected, int32_t timeout_ms) {
#if defined(_WIN32)
  if (WaitOnAddress((volatile VOID *)addr, &expected, sizeof expected,
                    timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms))
    return 0;
  return GetLastError() == ERROR_TIMEOUT;
#else
  struct timespec ts, *limit = NULL;
  if (timeout_ms >= 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
    limit = &ts;
  }
  return syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, limit, NULL, 0) != 0 && errno == ETIMEDOUT;
#endif
}

static inline void wall_wake_one(uint32_t *addr) {
#if defined(_WIN32)
  WakeByAddressSingle((PVOID)addr);
#else
  syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#endif
}

static inline void wall_wake_all(uint32_t *addr) {
#if defined(_WIN32)
  WakeByAddressAll((PVOID)addr);
#else
  syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
#endif
}

/* A lock of one word (0 free, 1 held, 2 held with waiters), for short critical sections. */
typedef struct {
  uint32_t state;
} wall_mutex;

static inline void wall_lock(wall_mutex *m) {
  uint32_t expected = 0;
  int i;
  if (WALL_CAS(&m->state, &expected, 1)) return;
  for (i = 0; i < 100; i++) {
    wall_pause();
    expected = 0;
    if (WALL_LOAD(&m->state) == 0 && WALL_CAS(&m->state, &expected, 1)) return;
  }
  while (WALL_SWAP(&m->state, 2) != 0) wall_wait(&m->state, 2, -1);
}

static inline void wall_unlock(wall_mutex *m) {
  if (WALL_SWAP(&m->state, 0) == 2) wall_wake_one(&m->state);
}

#endif /* WALL_SYNC_H */
