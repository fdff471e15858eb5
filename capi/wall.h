/*
 * wall.h - the wall of C between a host runtime and Go (issue 21). Internal to libvmp, like
 * vmpshim.h: never installed, never exported.
 *
 * A thread the host runtime knows - one that calls a vmp_ function, or one that runs a vmp
 * callback - must never be inside the Go runtime when the host stops it: Mono's and .NET's
 * garbage collectors stop their threads with signals, and a thread stopped inside Go's
 * scheduler, or while it takes an M for a first call (needm), stalls every other thread. So:
 *
 *   - a host thread's call is handed to a worker (wall_pool.c): a thread this C code created,
 *     which entered Go once and stays there; the host thread waits in plain C (a futex on Linux,
 *     WaitOnAddress on Windows) and takes the worker's last-error text into its own;
 *   - callbacks run on a thread C created that never enters Go (wall_callbacks.c);
 *   - vmp_poll_status with wait 0 for a payment the library knows is answered by C from a table
 *     Go keeps up to date (wall_snapshot.c), without any handoff;
 *   - in a process forked after load, every call answers VMP_ERR_FORKED in C (wall_fork.c);
 *   - on Linux the host's signal handlers keep the flags the host gave them, and the library's
 *     threads block the signals the host handles (wall_signals.c).
 */
#ifndef WALL_H
#define WALL_H

#include <stddef.h>
#include <stdint.h>

#include "vmp.h"
#include "vmpshim.h"

/* C11 has a keyword for it; gcc (also mingw, through emutls) and clang know __thread before. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#  define WALL_THREAD_LOCAL _Thread_local
#else
#  define WALL_THREAD_LOCAL __thread
#endif

/* ---- Threads (wall_thread.c) --------------------------------------------------------------- */

/* A thread's signal mask (Linux); nothing on Windows, which has no signals. */
#if defined(_WIN32)
typedef struct {
  int unused;
} wall_sigmask;
#else
#  include <signal.h>
typedef struct {
  sigset_t set;
} wall_sigmask;
#endif

/* The calling thread's signal mask. */
VMPSHIM_HIDDEN void wall_sigmask_of_caller(wall_sigmask *out);

/* Starts a detached thread running fn(arg) with the signal mask *mask from its first
 * instruction on. Returns 1, or 0 when the system refused a thread. */
VMPSHIM_HIDDEN int wall_thread_start(void (*fn)(void *), void *arg, const wall_sigmask *mask);

/* Names the calling thread as debuggers and /proc show it ("vmp-worker", "vmp-callback"). */
VMPSHIM_HIDDEN void wall_thread_name(const char *name);

/* ---- The handoff (wall_pool.c) ---------------------------------------------------------- */

/* The body of a vmp_ function: what used to run on the caller's thread, now run by a worker. */
typedef vmp_status (*wall_body)(void *args);

/*
 * Runs body(args) on a worker and returns its status; the calling thread waits in C. error_out
 * is the caller's vmp_last_error buffer (VMPSHIM_LAST_ERROR_SIZE bytes), which the worker's
 * vmpshim_set_last_error writes while it runs the body.
 */
VMPSHIM_HIDDEN vmp_status wall_handoff(wall_body body, void *args, char *error_out);

/* Where vmpshim_set_last_error writes on this thread: the waiting caller's buffer on a worker
 * running a call, NULL on any other thread (which then writes its own). */
VMPSHIM_HIDDEN char *wall_error_target(void);

/* Opaque to Go: the worker that vmpgo_serve serves as. */
typedef struct wall_worker wall_worker;

/* A worker's life inside Go: runs calls until it retires. Called by vmpgo_serve (wall.go). */
VMPSHIM_HIDDEN void wall_worker_loop(wall_worker *w);

/* ---- Callback threads (wall_callbacks.c) -------------------------------------------------- */

enum { WALL_IN_SCAN_CALLBACK = 1, WALL_IN_LOG_CALLBACK = 2 };

/* Which callbacks the calling thread is inside of (WALL_IN_* bits); 0 outside any. */
VMPSHIM_HIDDEN int wall_in_callback(void);

/* The thread that runs one queue's callbacks (vmpshim_deliver_scan / _log hand it events). */
typedef struct wall_callback_thread wall_callback_thread;

/* Starts a callback thread for kind (WALL_IN_SCAN_CALLBACK or WALL_IN_LOG_CALLBACK) with the
 * signal mask *mask; NULL when the system refused a thread. */
VMPSHIM_HIDDEN wall_callback_thread *wall_callback_thread_start(int kind, const wall_sigmask *mask);

/* Gives t the mask of a later registration; it applies it before its next callback. */
VMPSHIM_HIDDEN void wall_callback_thread_mask(wall_callback_thread *t, const wall_sigmask *mask);

/* Ends t once it is idle; only when no event can be delivered to it any more (its client is
 * closed). The thread frees t. */
VMPSHIM_HIDDEN void wall_callback_thread_stop(wall_callback_thread *t);

/* ---- The payments C answers from (wall_snapshot.c) -------------------------------------- */

/* Fills *out with the last known state of reference as seen through handle, and returns 1; 0
 * when C does not know it (the caller then asks Go). Any thread, no lock. */
VMPSHIM_HIDDEN int wall_snapshot_read(uintptr_t handle, const char *reference, vmp_payment *out);

/* A handle that may read: a client's own (parent == id, scope 0) or one of its sales units. */
VMPSHIM_HIDDEN void wall_snapshot_handle_open(uintptr_t id, uintptr_t parent, uint64_t scope);

/* Takes a handle out (vmp_close, before it enters Go); a client's payments go with it. */
VMPSHIM_HIDDEN void wall_snapshot_handle_close(uintptr_t id);

/* The newest state of a payment of client parent's unit scope (Go, tracker locked). */
VMPSHIM_HIDDEN void wall_snapshot_publish(uintptr_t parent, uint64_t scope, const char *reference, size_t len,
                                          const vmp_payment *p);

/* The engine forgot the payment (an idle tracker pruned). */
VMPSHIM_HIDDEN void wall_snapshot_forget(uintptr_t parent, uint64_t scope, const char *reference, size_t len);

/* ---- Signals (wall_signals.c; Linux) ---------------------------------------------------- */

/* Puts the host's flags back on every handler that is still the host's (Go added SA_ONSTACK). */
VMPSHIM_HIDDEN void wall_signals_restore(void);

/* The mask of the library's own threads: the signals the host handles are blocked, so that a
 * signal sent to the process always lands on a thread of the host. */
VMPSHIM_HIDDEN void wall_signals_library_mask(wall_sigmask *out);

/* ---- Fork (wall_fork.c) -------------------------------------------------------------------- */

/* Whether this process was forked after the library was loaded (then nothing may enter Go). */
VMPSHIM_HIDDEN int wall_forked(void);

#endif /* WALL_H */
