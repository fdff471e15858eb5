/*
 * wall.h - the wall of C between a host runtime and Go (issue 21). Internal to libvmp, like
 * vmpshim.h: never installed, never exported.
 *
 * A thread the host runtime knows - one that calls a vmp_ function, or one that runs a vmp
 * callback - must never be inside the Go runtime when the host stops it: Mono's and .NET's
 * garbage collectors stop their threads with signals, and a thread stopped inside Go's
 * scheduler, or while it takes an M for a first call (needm), stalls every other thread. So:
 *
 *   - a host thread's call is handed to a worker (wall_pool.c): a goroutine, which runs it on
 *     one of Go's own threads; the host thread waits in plain C (a futex on Linux,
 *     WaitOnAddress on Windows) and takes the worker's last-error text into its own; idle
 *     workers sleep in Go, and a host thread wakes one through a file Go polls, by writing to
 *     it (wall_doorbell.c);
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

/* Names the calling thread as debuggers and /proc show it ("vmp-start", "vmp-callback"). */
VMPSHIM_HIDDEN void wall_thread_name(const char *name);

/* ---- The handoff (wall_pool.c; Go's half: wall.go, workers.go) ---------------------------- */

/* The body of a vmp_ function: what used to run on the caller's thread, now run by a worker. */
typedef vmp_status (*wall_body)(void *args);

/*
 * Runs body(args) on a worker and returns its status; the calling thread waits in C. error_out
 * is the caller's last failure (vmp_last_error's text, vmp_last_vipps_error's account), which
 * the worker's vmpshim_set_last_error and vmpshim_set_vipps_error write while it runs the body.
 */
VMPSHIM_HIDDEN vmp_status wall_handoff(wall_body body, void *args, vmpshim_last_failure *error_out);

/*
 * wall_handoff for a call that ends other calls' waits (vmp_close): when no worker is idle it
 * goes to the front of the backlog and a worker is started for it even beyond WALL_MAX_WORKERS,
 * so that a pool full of waiting calls cannot keep the close that would end them from running.
 */
VMPSHIM_HIDDEN vmp_status wall_handoff_urgent(wall_body body, void *args, vmpshim_last_failure *error_out);

/* Where vmpshim_set_last_error writes on this thread: the waiting caller's failure on a worker
 * running a call, NULL on any other thread (which then writes its own). */
VMPSHIM_HIDDEN vmpshim_last_failure *wall_error_target(void);

/* Opaque to Go: a worker (a goroutine, workers.go). */
typedef struct wall_worker wall_worker;

/* Runs w's calls - the one it was woken for, the backlog's, those given while it spins on its
 * slot - until none comes within the spin; w is then asleep, until its doorbell (whose reading
 * end is wall_worker_bell(w)) rings or it retires. */
VMPSHIM_HIDDEN void wall_serve(wall_worker *w);

/* What Go reads w's doorbell through (wall_doorbell_reader); Go's file owns it. */
VMPSHIM_HIDDEN uintptr_t wall_worker_bell(wall_worker *w);

/* Ends w, asleep for the retire time, if it was given no call and more than WALL_KEEP_IDLE are
 * idle: returns 1 and frees w (Go then closes its doorbell's reading end). Else 0: it is kept,
 * or a call - and a ring - is on its way. */
VMPSHIM_HIDDEN int wall_retire(wall_worker *w);

/* The goroutine that starts workers is about to sleep until the pool's doorbell rings. Returns
 * 1 when it must not (a worker is wanted and no ring will come), else 0. */
VMPSHIM_HIDDEN int wall_pool_bell_arm(void);

/* A new worker for that goroutine to start (wall_serve it), when a call found every worker
 * busy; NULL when none is wanted. */
VMPSHIM_HIDDEN wall_worker *wall_next_wanted(void);

/* ---- Delivery (wall_delivery.c) ------------------------------------------------------------ */

/* Whether the result of one handed-off call has reached the host's thread. */
typedef struct wall_delivery wall_delivery;

/* The delivery cell of the call the calling worker runs, with a reference for the caller
 * (release it with wall_delivery_release); NULL on a thread that runs no handed-off call (a
 * host thread of the build without the wall, a test calling Go directly) or without memory:
 * the result then counts as delivered when the body returns. The host's thread marks it once
 * it has taken the result. */
VMPSHIM_HIDDEN wall_delivery *wall_delivery_take(void);

/* 1 once the host's thread has taken the call's result, else 0. Any thread. */
VMPSHIM_HIDDEN int wall_delivery_done(const wall_delivery *d);

/* 1 when d's call was made before other's result was taken (or other's is not taken yet). */
VMPSHIM_HIDDEN int wall_delivery_made_before(const wall_delivery *d, const wall_delivery *other);

/* Drops a reference; the last one frees the cell. */
VMPSHIM_HIDDEN void wall_delivery_release(wall_delivery *d);

/* wall_pool.c's half: the next moment on the count host threads share (a call made, a
 * result taken); a new cell for a call made at moment issued, holding the host thread's
 * reference; another reference; marking it taken, which drops the host thread's reference. */
VMPSHIM_HIDDEN uint64_t wall_moment(void);
VMPSHIM_HIDDEN wall_delivery *wall_delivery_new(uint64_t issued);
VMPSHIM_HIDDEN void wall_delivery_hold(wall_delivery *d);
VMPSHIM_HIDDEN void wall_delivery_mark(wall_delivery *d);

/* ---- The doorbell (wall_doorbell.c) ---------------------------------------------------------- */

/* A file a goroutine sleeps on in Go's poller and a host thread rings with a plain write. */
typedef struct {
#if defined(_WIN32)
  void *read, *write; /* HANDLEs */
#else
  int fd;
#endif
} wall_doorbell;

/* Opens one; 0 when the system refused. */
VMPSHIM_HIDDEN int wall_doorbell_open(wall_doorbell *d);

/* Closes both ends: only for one Go never had. */
VMPSHIM_HIDDEN void wall_doorbell_close(wall_doorbell *d);

/* Closes the writing end once nobody rings it any more; Go closes the reading end. */
VMPSHIM_HIDDEN void wall_doorbell_close_writer(wall_doorbell *d);

/* What Go reads it through: a file descriptor (Linux) or a HANDLE (Windows). */
VMPSHIM_HIDDEN uintptr_t wall_doorbell_reader(const wall_doorbell *d);

/* Makes it readable: a plain write, any thread. */
VMPSHIM_HIDDEN void wall_doorbell_ring(const wall_doorbell *d);

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
