/*
 * signal_host.c - a C host that treats its threads as CoreCLR (.NET on Linux) does for its
 * garbage collector, to show that loading and calling vmp does not break it (issue 21, 1b).
 *
 * CoreCLR gives every thread a 16 KiB alternate signal stack (for stack overflows) and suspends
 * threads with SIGRTMIN, whose handler needs more stack than that, so it is installed without
 * SA_ONSTACK. Go's runtime adds SA_ONSTACK to every handler it finds when it loads: the handler
 * then runs on the 16 KiB stack and overflows it. This host installs such a handler (using 24 KiB
 * of stack, with a guard below each 16 KiB alternate stack so an overflow crashes at once),
 * loads the library with dlopen, and signals 8 threads every 50 us.
 *
 * Usage: signal_host LIBRARY MODE SECONDS
 *   unloaded  the library is not loaded: the baseline, always clean
 *   loaded    the library is loaded; no thread calls it
 *   calls     the 8 signalled threads call vmp (vmp_poll_status from memory, vmp_pending,
 *             vmp_poll_status with a wait)
 *   process   as calls, and signals sent to the process (kill) as well, with SIGRTMIN+1 (Go does
 *             not let its threads block SIGRTMIN itself, and .NET only ever sends that one to
 *             its own threads): the kernel picks the thread, and every one must be a thread of
 *             the host, never one of the library
 *   flags     no signals: after dlopen the host's handlers keep the flags it set, the loading
 *             thread keeps its signal mask, and every thread of the library blocks the signals
 *             the host handles
 * Exit status 0 when clean; 1 when a check failed; a crash shows as a signal.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmp.h"

#define THREADS 8
#define ALT_STACK (16 * 1024)
#define GUARD (16 * 1024)
#define HANDLER_STACK (24 * 1024)
#define PERIOD_NS 50000L
#define MAX_HOST_THREADS 16

static struct {
  const char *(VMP_CALL *status_str)(vmp_status);
  const char *(VMP_CALL *last_error)(void);
  vmp_status(VMP_CALL *init)(const char *, vmp_client **);
  vmp_status(VMP_CALL *close)(vmp_client *);
  vmp_status(VMP_CALL *start_checkout)(vmp_client *, const char *, char *, size_t);
  vmp_status(VMP_CALL *poll_status)(vmp_client *, const char *, int32_t, vmp_payment *);
  vmp_status(VMP_CALL *pending)(vmp_client *, char **);
  void(VMP_CALL *free)(void *);
} vmp;

static __thread int host_thread; /* set on every thread this program starts */
static long handled, off_host;   /* signals handled; of them, on a thread of the library */
static volatile int stop;
static pthread_barrier_t started;
static pid_t host_tids[MAX_HOST_THREADS];
static int host_tid_count;
static pthread_mutex_t tids_mu = PTHREAD_MUTEX_INITIALIZER;
static vmp_client *client;
static char final_ref[VMP_REFERENCE_SIZE], open_ref[VMP_REFERENCE_SIZE];
static long failures;

/* The GC's handler: async-signal-safe, and deep, as CoreCLR's activation handler is. */
static void on_signal(int sig, siginfo_t *info, void *context) {
  volatile char frame[HANDLER_STACK];
  size_t i;
  int saved = errno;
  (void)sig, (void)info, (void)context;
  for (i = 0; i < sizeof frame; i += 256) frame[i] = (char)i;
  __atomic_add_fetch(&handled, 1, __ATOMIC_RELAXED);
  if (!host_thread) __atomic_add_fetch(&off_host, 1, __ATOMIC_RELAXED);
  errno = saved;
}

/* What CoreCLR does for every thread it knows: a small alternate stack, here with a guard. */
static void become_host_thread(void) {
  stack_t ss;
  char *mem = mmap(NULL, GUARD + ALT_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED || mprotect(mem, GUARD, PROT_NONE) != 0) {
    perror("signal_host: alternate stack");
    exit(2);
  }
  memset(&ss, 0, sizeof ss);
  ss.ss_sp = mem + GUARD;
  ss.ss_size = ALT_STACK;
  if (sigaltstack(&ss, NULL) != 0) {
    perror("signal_host: sigaltstack");
    exit(2);
  }
  host_thread = 1;
  pthread_mutex_lock(&tids_mu);
  host_tids[host_tid_count++] = (pid_t)syscall(SYS_gettid);
  pthread_mutex_unlock(&tids_mu);
}

static void install(int sig, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) {
    perror("signal_host: sigaction");
    exit(2);
  }
}

static void *sym(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (p == NULL) {
    fprintf(stderr, "signal_host: %s: %s\n", name, dlerror());
    exit(2);
  }
  return p;
}

static void load(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "signal_host: dlopen %s: %s\n", path, dlerror());
    exit(2);
  }
  *(void **)&vmp.status_str = sym(lib, "vmp_status_str");
  *(void **)&vmp.last_error = sym(lib, "vmp_last_error");
  *(void **)&vmp.init = sym(lib, "vmp_init");
  *(void **)&vmp.close = sym(lib, "vmp_close");
  *(void **)&vmp.start_checkout = sym(lib, "vmp_start_checkout");
  *(void **)&vmp.poll_status = sym(lib, "vmp_poll_status");
  *(void **)&vmp.pending = sym(lib, "vmp_pending");
  *(void **)&vmp.free = sym(lib, "vmp_free");
}

static void must(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "signal_host: %s: %s %s\n", what, vmp.status_str(st), vmp.last_error());
    exit(1);
  }
}

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

/* A client with one final payment (read from memory) and one the simulator keeps open. */
static void open_client(void) {
  vmp_payment p = new_payment();
  must(vmp.init("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0},\"log_level\":\"off\"}", &client),
       "vmp_init");
  must(vmp.start_checkout(client, "{\"amount\":100,\"phone_number\":\"4791234567\"}", final_ref, sizeof final_ref),
       "vmp_start_checkout");
  must(vmp.poll_status(client, final_ref, 30000, &p), "vmp_poll_status");
  must(vmp.start_checkout(client, "{\"amount\":200,\"phone_number\":\"4790000004\"}", open_ref, sizeof open_ref),
       "vmp_start_checkout (open)");
}

/* Work of a managed thread: its own computing, or calls into vmp. */
static void *run_thread(void *arg) {
  int calls = *(int *)arg;
  unsigned long i, x = 1;
  become_host_thread();
  pthread_barrier_wait(&started);
  for (i = 0; !stop; i++) {
    if (!calls) {
      x = x * 6364136223846793005UL + 1442695040888963407UL;
      continue;
    }
    vmp_payment p = new_payment();
    vmp_status st;
    if (i % 64 == 63) {
      st = vmp.poll_status(client, open_ref, 1, &p);
    } else if (i % 2 == 0) {
      st = vmp.poll_status(client, final_ref, 0, &p);
    } else {
      char *json = NULL;
      st = vmp.pending(client, &json);
      vmp.free(json);
    }
    if (st != VMP_OK) {
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
      fprintf(stderr, "signal_host: a call failed: %s %s\n", vmp.status_str(st), vmp.last_error());
    }
  }
  return (void *)x;
}

static void sleep_ns(long ns) {
  struct timespec ts = {0, ns};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stress(const char *mode, double seconds) {
  pthread_t threads[THREADS];
  int calls = strcmp(mode, "calls") == 0 || strcmp(mode, "process") == 0;
  int process = strcmp(mode, "process") == 0;
  double end;
  long sent = 0;
  int i;
  install(SIGRTMIN, SA_RESTART);
  install(SIGRTMIN + 1, SA_RESTART);
  if (strcmp(mode, "unloaded") != 0) {
    load(getenv("SIGNAL_HOST_LIBRARY"));
    if (calls) open_client();
  }
  pthread_barrier_init(&started, NULL, THREADS + 1);
  for (i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, run_thread, &calls);
  pthread_barrier_wait(&started);
  prctl(PR_SET_TIMERSLACK, 1UL); /* 50 us means 50 us, not the default slack's 100 */
  end = now_s() + seconds;
  while (now_s() < end) {
    for (i = 0; i < THREADS; i++, sent++) pthread_kill(threads[i], SIGRTMIN);
    if (process) {
      kill(getpid(), SIGRTMIN + 1);
      sent++;
    }
    sleep_ns(PERIOD_NS);
  }
  stop = 1;
  for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  if (client != NULL) vmp.close(client);
  printf("signal_host %s: %ld signals sent, %ld handled, %ld on a thread of the library, %ld failed calls\n", mode,
         sent, handled, off_host, failures);
  return off_host == 0 && failures == 0 && handled > 0 ? 0 : 1;
}

/* ---- flags ------------------------------------------------------------------------------- */

static int failed;

static void expect(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) failed++;
}

static int is_host_tid(pid_t tid) {
  int i;
  for (i = 0; i < host_tid_count; i++)
    if (host_tids[i] == tid) return 1;
  return 0;
}

/* The SigBlk mask of thread tid, from /proc; bit n-1 is signal n. */
static unsigned long long blocked_of(pid_t tid) {
  char path[64], line[256];
  unsigned long long mask = 0;
  FILE *f;
  snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
  f = fopen(path, "r");
  if (f == NULL) return ~0ULL; /* the thread has ended: nothing to check */
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "SigBlk:", 7) == 0) mask = strtoull(line + 7, NULL, 16);
  fclose(f);
  return mask;
}

static int flags_of(int sig, struct sigaction *sa) { return sigaction(sig, NULL, sa) == 0 ? sa->sa_flags : -1; }

static int flags(void) {
  struct sigaction sa;
  sigset_t before, after;
  unsigned long long want, mask;
  struct dirent *e;
  DIR *d;
  int library_threads = 0, blocking = 0;
  char *json = NULL;

  become_host_thread();
  install(SIGRTMIN, SA_RESTART);       /* CoreCLR's GC signal: no SA_ONSTACK */
  install(SIGINT, 0);                  /* as CPython's: no flags */
  install(SIGUSR2, SA_ONSTACK);        /* a host that asked for SA_ONSTACK keeps it */
  install(SIGRTMIN + 1, SA_RESTART);
  sigemptyset(&before);
  sigaddset(&before, SIGUSR1);         /* the loading thread's own mask must survive dlopen */
  pthread_sigmask(SIG_SETMASK, &before, NULL);

  load(getenv("SIGNAL_HOST_LIBRARY"));

  pthread_sigmask(SIG_SETMASK, NULL, &after);
  expect(sigismember(&after, SIGUSR1) && !sigismember(&after, SIGRTMIN) && !sigismember(&after, SIGINT),
         "the loading thread's signal mask is what it was before dlopen");
  expect((flags_of(SIGRTMIN, &sa) & SA_ONSTACK) == 0 && sa.sa_sigaction == on_signal,
         "SIGRTMIN keeps the host's handler without SA_ONSTACK after dlopen (vmp's snapshot ran before Go's)");
  expect((flags_of(SIGINT, &sa) & SA_ONSTACK) == 0 && sa.sa_sigaction == on_signal,
         "SIGINT keeps the host's handler without SA_ONSTACK after dlopen");
  expect((flags_of(SIGUSR2, &sa) & SA_ONSTACK) != 0 && sa.sa_sigaction == on_signal,
         "SIGUSR2 keeps the host's SA_ONSTACK");

  open_client(); /* starts the library's threads */
  must(vmp.pending(client, &json), "vmp_pending");
  vmp.free(json);
  expect((flags_of(SIGRTMIN, &sa) & SA_ONSTACK) == 0, "SIGRTMIN still without SA_ONSTACK after the first calls");

  /* Not SIGRTMIN: Go unblocks signals 32-34 on its threads whatever they inherit. */
  want = (1ULL << (SIGRTMIN + 1 - 1)) | (1ULL << (SIGINT - 1)) | (1ULL << (SIGUSR2 - 1));
  d = opendir("/proc/self/task");
  while (d != NULL && (e = readdir(d)) != NULL) {
    pid_t tid = (pid_t)atoi(e->d_name);
    if (tid <= 0 || is_host_tid(tid)) continue;
    library_threads++;
    mask = blocked_of(tid);
    if ((mask & want) == want) blocking++;
    else printf("     thread %d of the library blocks %016llx\n", (int)tid, mask);
  }
  if (d != NULL) closedir(d);
  printf("     %d threads of the library, %d of them block the host's signals\n", library_threads, blocking);
  expect(library_threads > 0 && blocking == library_threads,
         "every thread of the library blocks the signals the host handles (they go to the host's threads)");
  vmp.close(client);
  return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: signal_host LIBRARY unloaded|loaded|calls|process|flags SECONDS\n");
    return 2;
  }
  setenv("SIGNAL_HOST_LIBRARY", argv[1], 1);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[2], "flags") == 0) return flags();
  become_host_thread();
  return stress(argv[2], atof(argv[3]));
}
