/*
 * host.c - the C host of `make bench` (cmd/vmp-bench/chost.go builds and runs it): what a till
 * written in C sees of the library. It loads it with dlopen, as a till that loads it at run time
 * does, calls it through the function pointers dlsym gives, and prints "bench: <metric> <value>"
 * lines for vmp-bench to read.
 *
 *   host calls LIBRARY N
 *       the cost of one call that does no I/O, best of 5 rounds of N calls: vmp_status_str (plain
 *       C), vmp_pending with a NULL handle (enters Go, which finds no client: with the wall, the
 *       handoff to a worker and back), and vmp_poll_status with wait 0 answered from the
 *       library's memory (a payment already final); the last two also from 8 threads at once
 *       (the time each thread waits for one call). For vmp_pending also the distribution of
 *       single calls, from one thread and from 8: median, 99th percentile and the longest, so
 *       that a stall shows that an average hides
 *   host footprint LIBRARY BASE_URL DIR N
 *       dlopen, vmp_init and vmp_close of the first client in this fresh process; the process's
 *       resident memory after that vmp_init and after N payment lifecycles (checkout, poll until
 *       AUTHORIZED, capture) against the simulator at BASE_URL, with the journal in DIR
 *   host lifecycles LIBRARY BASE_URL JOURNAL CONC N
 *       N payment lifecycles, CONC threads at a time on one client, against the simulator at
 *       BASE_URL (a vmp-sim process) with the journal file JOURNAL: lifecycles a second, one
 *       lifecycle's median and 99th percentile, and the process's user and system CPU time
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "vmp.h"

static struct {
  const char *(VMP_CALL *status_str)(vmp_status);
  const char *(VMP_CALL *last_error)(void);
  vmp_status(VMP_CALL *init)(const char *, vmp_client **);
  vmp_status(VMP_CALL *close)(vmp_client *);
  vmp_status(VMP_CALL *start_checkout)(vmp_client *, const char *, char *, size_t);
  vmp_status(VMP_CALL *poll_status)(vmp_client *, const char *, int32_t, vmp_payment *);
  vmp_status(VMP_CALL *capture)(vmp_client *, const char *, int64_t, const char *, vmp_payment *);
  vmp_status(VMP_CALL *pending)(vmp_client *, char **);
} vmp;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *sym(void *lib, const char *name) {
  void *p = dlsym(lib, name);
  if (p == NULL) {
    fprintf(stderr, "host: %s: %s\n", name, dlerror());
    exit(3);
  }
  return p;
}

static void *load(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "host: dlopen %s: %s\n", path, dlerror());
    exit(3);
  }
  /* POSIX: function pointers go through an object pointer here. */
  *(void **)&vmp.status_str = sym(lib, "vmp_status_str");
  *(void **)&vmp.last_error = sym(lib, "vmp_last_error");
  *(void **)&vmp.init = sym(lib, "vmp_init");
  *(void **)&vmp.close = sym(lib, "vmp_close");
  *(void **)&vmp.start_checkout = sym(lib, "vmp_start_checkout");
  *(void **)&vmp.poll_status = sym(lib, "vmp_poll_status");
  *(void **)&vmp.capture = sym(lib, "vmp_capture");
  *(void **)&vmp.pending = sym(lib, "vmp_pending");
  return lib;
}

static void must(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "host: %s: %s %s\n", what, vmp.status_str(st), vmp.last_error());
    exit(4);
  }
}

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

/* One lifecycle: checkout with its own reference, wait until AUTHORIZED, capture it all. */
static void lifecycle(vmp_client *c, long i) {
  char json[256], ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  snprintf(json, sizeof json, "{\"amount\":49900,\"phone_number\":\"4791234567\",\"reference\":\"host-%ld-%06ld\"}",
           (long)time(NULL) % 100000, i);
  must(vmp.start_checkout(c, json, ref, sizeof ref), "vmp_start_checkout");
  must(vmp.poll_status(c, ref, 30000, &p), "vmp_poll_status");
  if (p.state != VMP_STATE_AUTHORIZED) {
    fprintf(stderr, "host: payment %s ended %d\n", ref, p.state);
    exit(4);
  }
  must(vmp.capture(c, ref, p.amount, "receipt", &p), "vmp_capture");
}

/* Best of five rounds of n calls, in nanoseconds per call. */
#define PER_CALL_NS(n, call)                                  \
  do {                                                        \
    int round_;                                               \
    long k_;                                                  \
    best = 1e30;                                              \
    for (round_ = 0; round_ < 5; round_++) {                  \
      double t0_ = now_ms();                                  \
      for (k_ = 0; k_ < (n); k_++) call;                      \
      t0_ = (now_ms() - t0_) * 1e6 / (double)(n);             \
      if (t0_ < best) best = t0_;                             \
    }                                                         \
  } while (0)

static volatile const char *sink;

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Prints the median, 99th percentile and maximum of the n latencies ns (sorted here). */
static void print_spread(const char *metric, double *ns, long n) {
  qsort(ns, (size_t)n, sizeof *ns, by_value);
  printf("bench: %s_p50_ns %.1f\nbench: %s_p99_ns %.1f\nbench: %s_max_ns %.1f\n", metric, ns[n / 2], metric,
         ns[(long)((double)n * 0.99)], metric, ns[n - 1]);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- 8 threads at once ---------------------------------------------------------------------- */

#define THREADS 8

static struct {
  int what; /* 0: vmp_pending(NULL); 1: vmp_poll_status from memory */
  long n;
  vmp_client *client;
  const char *ref;
  pthread_barrier_t start;
  double *latency; /* what 0: n per thread and round, each call's */
} together;

static void enter_go(void) {
  char *json;
  vmp.pending(NULL, &json);
}

static void *together_thread(void *arg) {
  vmp_payment p = new_payment();
  double *latency = arg, t0;
  long k;
  pthread_barrier_wait(&together.start);
  for (k = 0; k < together.n; k++) {
    if (together.what == 0) {
      t0 = now_ns();
      enter_go();
      latency[k] = now_ns() - t0;
    } else {
      vmp.poll_status(together.client, together.ref, 0, &p);
    }
  }
  return NULL;
}

/* Best of 3 rounds: the time one of THREADS threads, all calling at once, waits per call. */
static double per_call_together_ns(int what, long n, vmp_client *c, const char *ref) {
  pthread_t t[THREADS];
  double best = 1e30, t0;
  int round, i;
  together.what = what;
  together.n = n;
  together.client = c;
  together.ref = ref;
  if (what == 0) together.latency = malloc(sizeof(double) * (size_t)(n * THREADS * 3));
  for (round = 0; round < 3; round++) {
    pthread_barrier_init(&together.start, NULL, THREADS + 1);
    for (i = 0; i < THREADS; i++)
      pthread_create(&t[i], NULL, together_thread, what == 0 ? together.latency + (round * THREADS + i) * n : NULL);
    pthread_barrier_wait(&together.start);
    t0 = now_ms();
    for (i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    t0 = (now_ms() - t0) * 1e6 / (double)n;
    if (t0 < best) best = t0;
    pthread_barrier_destroy(&together.start);
  }
  if (what == 0) {
    print_spread("c_enter_go_8_threads", together.latency, n * THREADS * 3);
    free(together.latency);
  }
  return best;
}

static int calls(const char *path, long n) {
  vmp_client *c = NULL;
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  double best;
  long i;
  load(path);
  PER_CALL_NS(n, sink = vmp.status_str((vmp_status)(k_ & 15)));
  printf("bench: c_status_str_ns %.1f\n", best);
  PER_CALL_NS(n / 100 > 1000 ? n / 100 : 1000, enter_go());
  printf("bench: c_enter_go_ns %.1f\n", best);
  {
    long m = n / 20 > 5000 ? n / 20 : 5000;
    double *latency = malloc(sizeof(double) * (size_t)m), t0;
    for (i = 0; i < m; i++) {
      t0 = now_ns();
      enter_go();
      latency[i] = now_ns() - t0;
    }
    print_spread("c_enter_go", latency, m);
    free(latency);
  }
  printf("bench: c_enter_go_8_threads_ns %.1f\n", per_call_together_ns(0, n / 800 > 500 ? n / 800 : 500, NULL, NULL));
  must(vmp.init("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0},\"log_level\":\"off\"}", &c),
       "vmp_init");
  must(vmp.start_checkout(c, "{\"amount\":100,\"phone_number\":\"4791234567\"}", ref, sizeof ref), "vmp_start_checkout");
  must(vmp.poll_status(c, ref, 30000, &p), "vmp_poll_status");
  n = n / 10 > 100 ? n / 10 : 100;
  PER_CALL_NS(n, vmp.poll_status(c, ref, 0, &p));
  printf("bench: c_poll_status_memory_ns %.1f\n", best);
  printf("bench: c_poll_status_memory_8_threads_ns %.1f\n", per_call_together_ns(1, n / 8, c, ref));
  for (i = 0; i < 3; i++) sink = vmp.last_error();
  vmp.close(c);
  return 0;
}

/* VmRSS and RssAnon of this process, in kB. */
static void rss(long *total, long *anon) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  *total = *anon = -1;
  if (f == NULL) return;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0) *total = strtol(line + 6, NULL, 10);
    if (strncmp(line, "RssAnon:", 8) == 0) *anon = strtol(line + 8, NULL, 10);
  }
  fclose(f);
}

static int footprint(const char *path, const char *base_url, const char *dir, long n) {
  char config[1024], journal[512];
  vmp_client *c = NULL;
  double t0, t1, t2, t3;
  long total, anon, i;
  struct stat st;

  snprintf(journal, sizeof journal, "%s/first.db", dir);
  snprintf(config, sizeof config, "{\"environment\":\"simulator\",\"base_url\":\"%s\",\"journal_path\":\"%s\",\"log_level\":\"off\"}",
           base_url, journal);
  t0 = now_ms();
  load(path);
  t1 = now_ms();
  must(vmp.init(config, &c), "vmp_init");
  t2 = now_ms();
  rss(&total, &anon);
  vmp.close(c);
  t3 = now_ms();
  printf("bench: dlopen_ms %.2f\nbench: init_ms %.2f\nbench: close_ms %.2f\nbench: first_client_ms %.2f\n", t1 - t0, t2 - t1,
         t3 - t2, t3 - t0);
  printf("bench: rss_after_init_kb %ld\nbench: anon_after_init_kb %ld\n", total, anon);

  snprintf(journal, sizeof journal, "%s/lifecycles.db", dir);
  snprintf(config, sizeof config, "{\"environment\":\"simulator\",\"base_url\":\"%s\",\"journal_path\":\"%s\",\"log_level\":\"off\"}",
           base_url, journal);
  must(vmp.init(config, &c), "vmp_init");
  t0 = now_ms();
  for (i = 0; i < n; i++) lifecycle(c, i);
  t1 = now_ms();
  rss(&total, &anon);
  printf("bench: lifecycles %ld\nbench: lifecycles_ms %.0f\n", n, t1 - t0);
  printf("bench: rss_after_lifecycles_kb %ld\nbench: anon_after_lifecycles_kb %ld\n", total, anon);
  if (stat(journal, &st) == 0) printf("bench: journal_kb %ld\n", (long)(st.st_size / 1024));
  vmp.close(c);
  return 0;
}

/* ---- lifecycles at a concurrency ----------------------------------------------------------- */

static struct {
  vmp_client *client;
  long n, next, base;
  double *ms; /* each lifecycle's time, by its number */
  pthread_mutex_t mu;
} many;

static void *lifecycle_thread(void *arg) {
  (void)arg;
  for (;;) {
    long i;
    double t0;
    pthread_mutex_lock(&many.mu);
    i = many.next++;
    pthread_mutex_unlock(&many.mu);
    if (i >= many.n) return NULL;
    t0 = now_ms();
    lifecycle(many.client, many.base + i);
    many.ms[i] = now_ms() - t0;
  }
}

static double cpu_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static int lifecycles(const char *path, const char *base_url, const char *journal, long conc, long n) {
  char config[1024];
  pthread_t *t = malloc(sizeof(pthread_t) * (size_t)conc);
  struct rusage r0, r1;
  double t0, wall;
  long i;
  load(path);
  snprintf(config, sizeof config, "{\"environment\":\"simulator\",\"base_url\":\"%s\",\"journal_path\":\"%s\",\"log_level\":\"off\"}",
           base_url, journal);
  must(vmp.init(config, &many.client), "vmp_init");
  many.base = (long)(now_ms() * 1000) % 1000000000L; /* references unique across runs on one simulator */
  lifecycle(many.client, many.base - 1);           /* the access token and the connection */
  many.n = n;
  many.ms = malloc(sizeof(double) * (size_t)n);
  pthread_mutex_init(&many.mu, NULL);
  getrusage(RUSAGE_SELF, &r0);
  t0 = now_ms();
  for (i = 0; i < conc; i++) pthread_create(&t[i], NULL, lifecycle_thread, NULL);
  for (i = 0; i < conc; i++) pthread_join(t[i], NULL);
  wall = now_ms() - t0;
  getrusage(RUSAGE_SELF, &r1);
  qsort(many.ms, (size_t)n, sizeof(double), by_value);
  printf("bench: per_second %.1f\nbench: p50_ms %.3f\nbench: p99_ms %.3f\nbench: wall_s %.3f\n", (double)n * 1000 / wall,
         many.ms[n / 2], many.ms[(long)((double)n * 0.99)], wall / 1000);
  printf("bench: user_s %.3f\nbench: sys_s %.3f\n", cpu_s(r1.ru_utime) - cpu_s(r0.ru_utime), cpu_s(r1.ru_stime) - cpu_s(r0.ru_stime));
  vmp.close(many.client);
  free(many.ms);
  free(t);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "calls") == 0) return calls(argv[2], atol(argv[3]));
  if (argc == 6 && strcmp(argv[1], "footprint") == 0) return footprint(argv[2], argv[3], argv[4], atol(argv[5]));
  if (argc == 7 && strcmp(argv[1], "lifecycles") == 0)
    return lifecycles(argv[2], argv[3], argv[4], atol(argv[5]), atol(argv[6]));
  fprintf(stderr, "usage: host calls LIBRARY N | host footprint LIBRARY BASE_URL DIR N | host lifecycles LIBRARY BASE_URL JOURNAL CONC N\n");
  return 2;
}
