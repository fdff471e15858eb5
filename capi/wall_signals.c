/*
 * wall_signals.c - the host's signal handlers stay as the host set them (Linux; issue 21, 1b).
 *
 * When the library loads, Go's runtime adds SA_ONSTACK to every handler the host installed
 * before (runtime.initsig, setsigstack in c-shared mode), because Go code must never take a
 * signal on a goroutine's small stack. That moves .NET's GC signal (SIGRTMIN, whose handler
 * needs more than .NET's 16 KiB alternate stacks) onto the alternate stack, where it overflows.
 * With the wall no host thread ever runs Go code, so the host's handlers can keep the flags the
 * host gave them:
 *
 *   1. A constructor of high priority, which runs before Go's own (.init_array entries with a
 *      priority come first), takes a snapshot of every signal's action, and blocks on the loading
 *      thread the signals the host handles (the set "blocked", below).
 *   2. Go's constructor runs: it adds SA_ONSTACK (libpreinit, on this thread) and starts the
 *      thread that initialises the runtime, which inherits this thread's mask - Go takes that
 *      mask for every thread it ever starts (initSigmask).
 *   3. A constructor without priority, which the linker places after Go's (cmd/link puts Go's
 *      object first), gives the loading thread its mask back and puts the host's flags back on
 *      every handler that is still the host's. The thread that starts the workers does the
 *      latter again once it has entered Go (wall_pool.c), in case step 3 ran too early (the
 *      static c-archive build links in another order).
 *
 * A signal sent to the process (not to a thread) may be delivered to any thread that does not
 * block it. A host handler without SA_ONSTACK would run on the stack of whatever the thread was
 * doing - on a thread of the library, possibly a goroutine's few kilobytes. So every thread of
 * the library blocks the signals the host handles: Go's threads, which run the workers, by
 * step 2, and the threads C starts (the one that starts the workers, callback threads) by
 * wall_signals_library_mask. Such signals always reach a thread of the host, as if
 * the library were not loaded. Left out of "blocked": the synchronous signals (a fault must be
 * taken where it happens; Go handles SIGSEGV, SIGBUS and SIGFPE itself and forwards to the host
 * what is not its own), SIGPIPE and SIGURG (Go's own handlers), and signals 32 to 34, which Go
 * unblocks on each of its threads whatever it inherits (runtime/sigtab_linux_generic.go: the C
 * libraries' internal signals; glibc uses 32 and 33, whose handlers are small and keep Go's
 * SA_ONSTACK; musl uses 34). So on glibc SIGRTMIN (34), .NET's GC signal, cannot be kept off
 * Go's threads: .NET sends it to its own threads only (pthread_kill), which is safe; sent to
 * the process (kill -34), it could run the host's handler on a thread of the library, on that
 * thread's stack. vmp.h and docs/HOSTS.md say so.
 *
 * Handlers the host installs after the library has loaded are the host's business: they should
 * use SA_ONSTACK, as Go asks (vmp.h, docs/HOSTS.md).
 */
#if defined(__linux__)
#  define _GNU_SOURCE
#endif

#include "wall.h"

#if !defined(__linux__)

void wall_signals_restore(void) {}
void wall_signals_library_mask(wall_sigmask *out) { (void)out; }

#else

#  include <pthread.h>
#  include <signal.h>
#  include <string.h>

static struct sigaction host[NSIG];
static int host_handles[NSIG]; /* the host had a handler of its own when the library loaded */
static sigset_t blocked;       /* blocked on every thread of the library */
static sigset_t loader_mask;   /* the loading thread's own mask */

/* The C library's internal signals (glibc: 32, 33): their handlers keep Go's SA_ONSTACK. */
static int libc_internal(int sig) { return sig >= 32 && sig < SIGRTMIN; }

/* Signals Go unblocks on every thread it runs (_SigUnblock in its Linux signal table). */
static int go_unblocks(int sig) { return (sig >= 32 && sig <= 34) || sig == SIGURG; }

static int synchronous(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP || sig == SIGSYS;
}

static void action_of(int sig, struct sigaction *sa) {
  memset(sa, 0, sizeof *sa);
  sigaction(sig, NULL, sa);
}

__attribute__((constructor(101))) static void before_go(void) {
  int sig;
  sigemptyset(&blocked);
  for (sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    action_of(sig, &host[sig]);
    if (host[sig].sa_handler == SIG_DFL || host[sig].sa_handler == SIG_IGN) continue;
    host_handles[sig] = 1;
    if (!synchronous(sig) && !go_unblocks(sig) && sig != SIGPIPE) sigaddset(&blocked, sig);
  }
  pthread_sigmask(SIG_BLOCK, &blocked, &loader_mask);
}

void wall_signals_restore(void) {
  struct sigaction now;
  int sig;
  for (sig = 1; sig < NSIG; sig++) {
    if (!host_handles[sig] || libc_internal(sig)) continue;
    action_of(sig, &now);
    /* Go's own handler now, or one the host has installed since: not ours to change. Only
     * what Go did - SA_ONSTACK added - is undone. */
    if (now.sa_handler != host[sig].sa_handler) continue;
    if (now.sa_flags != host[sig].sa_flags && now.sa_flags == (host[sig].sa_flags | SA_ONSTACK))
      sigaction(sig, &host[sig], NULL);
  }
}

__attribute__((constructor)) static void after_go(void) {
  pthread_sigmask(SIG_SETMASK, &loader_mask, NULL);
  wall_signals_restore();
}

void wall_signals_library_mask(wall_sigmask *out) { out->set = blocked; }

#endif
