/*
 * callback_thread_test.c - where vmp's callbacks run (issue 21): on a thread the library's C
 * half created for them, which never runs Go code - a host runtime that stops the threads it
 * knows (this one becomes one as soon as the callback enters managed code) then never stops it
 * inside Go - with the signal mask of the thread that registered the callback. And what a
 * callback may call: vmp_close answers VMP_ERR_IN_CALLBACK at once (it would wait for the
 * callback itself), vmp_on_scan and vmp_on_log return, other calls work. After vmp_close
 * returns, no callback runs. Each check prints one line; the last line is "<n> passed, <m>
 * failed" and the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#define _GNU_SOURCE

#include "vmp.h"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CONFIG "{\"log_level\": \"info\", \"simulator\": {\"approve_delay_ms\": 0}}"
#define WAIT_MS 10000

/* What one callback saw of its thread and of the calls it made. */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  int calls, done, running, overlapped, after_close;
  pid_t tid;
  char name[32];
  int alt_stack_disabled;
  sigset_t mask;
  vmp_status close_status, pending_status, on_scan_status, on_log_status;
  char close_error[256];
} seen;

static vmp_client *client;
static volatile int closed;
static seen scan_seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, "", 0, {{0}}, 0, 0, 0, 0, ""};
static seen log_seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, "", 0, {{0}}, 0, 0, 0, 0, ""};

static void on_log(void *user_data, const vmp_log_record *record);

/* The thread's identity: name, alternate stack (Go gives every thread it runs on one), mask. */
static void look_at_thread(seen *s) {
  stack_t ss;
  s->tid = (pid_t)syscall(SYS_gettid);
  prctl(PR_GET_NAME, s->name, 0, 0, 0);
  s->alt_stack_disabled = sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE) != 0;
  pthread_sigmask(SIG_SETMASK, NULL, &s->mask);
}

static void enter(seen *s) {
  pthread_mutex_lock(&s->mu);
  if (s->running++) s->overlapped++;
  if (closed) s->after_close++;
  pthread_mutex_unlock(&s->mu);
}

static void leave(seen *s) {
  pthread_mutex_lock(&s->mu);
  s->running--;
  s->calls++;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->mu);
}

/* The first call does the checks; every call counts. */
static void on_scan(void *user_data, const vmp_scan *scan) {
  seen *s = user_data;
  char *json = NULL;
  (void)scan;
  enter(s);
  if (!s->done) {
    look_at_thread(s);
    s->close_status = vmp_close(client);
    snprintf(s->close_error, sizeof s->close_error, "%s", vmp_last_error());
    s->pending_status = vmp_pending(client, &json);
    vmp_free(json);
    s->on_log_status = vmp_on_log(client, on_log, &log_seen);
    s->on_scan_status = vmp_on_scan(client, NULL, NULL);
    s->done = 1;
  }
  leave(s);
}

static void on_log(void *user_data, const vmp_log_record *record) {
  seen *s = user_data;
  (void)record;
  enter(s);
  if (!s->done) {
    look_at_thread(s);
    s->close_status = vmp_close(client);
    snprintf(s->close_error, sizeof s->close_error, "%s", vmp_last_error());
    s->done = 1;
  }
  leave(s);
}

/* Waits, bounded, until s has seen at least n calls. */
static int wait_calls(seen *s, int n) {
  struct timespec deadline;
  int ok;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += WAIT_MS / 1000;
  pthread_mutex_lock(&s->mu);
  while (s->calls < n && pthread_cond_timedwait(&s->cond, &s->mu, &deadline) != ETIMEDOUT) {
  }
  ok = s->calls >= n;
  pthread_mutex_unlock(&s->mu);
  return ok;
}

static int same_mask(const sigset_t *a, const sigset_t *b) {
  int sig;
  for (sig = 1; sig < SIGRTMAX; sig++)
    if (sig != SIGKILL && sig != SIGSTOP && sigismember(a, sig) != sigismember(b, sig)) return 0;
  return 1;
}

static void check_thread(const seen *s, const char *kind, const sigset_t *registered) {
  check(s->tid != (pid_t)syscall(SYS_gettid), "the %s callback runs on a library thread, not the caller's", kind);
  check(strncmp(s->name, "vmp-callback", 12) == 0, "the %s callback's thread is a callback thread, not a worker (\"%s\")",
        kind, s->name);
  check(s->alt_stack_disabled, "the %s callback's thread never ran Go (Go gives each of its threads an alternate stack)",
        kind);
  check(same_mask(&s->mask, registered), "the %s callback's thread has the signal mask of the thread that registered it",
        kind);
  check(s->close_status == VMP_ERR_IN_CALLBACK && strstr(s->close_error, "callback") != NULL,
        "vmp_close from inside the %s callback: VMP_ERR_IN_CALLBACK at once (%s: %s)", kind,
        vmp_status_str(s->close_status), s->close_error);
}

int main(void) {
  sigset_t registered;
  char ref[VMP_REFERENCE_SIZE];
  int calls;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!check(vmp_init(CONFIG, &client) == VMP_OK, "vmp_init")) return 1;
  /* A mask of the host's own: the callback threads must take it from the registering thread. */
  sigemptyset(&registered);
  sigaddset(&registered, SIGUSR1);
  sigaddset(&registered, SIGWINCH);
  pthread_sigmask(SIG_SETMASK, &registered, NULL);

  check(vmp_on_scan(client, on_scan, &scan_seen) == VMP_OK, "vmp_on_scan");
  check(vmp_submit_scan(client, "7038010055563") == VMP_OK, "vmp_submit_scan");
  if (check(wait_calls(&scan_seen, 1), "the scan callback ran (and returned)")) {
    check_thread(&scan_seen, "scan", &registered);
    check(scan_seen.pending_status == VMP_OK, "vmp_pending from inside the scan callback");
    check(scan_seen.on_log_status == VMP_OK, "vmp_on_log from inside the scan callback");
    check(scan_seen.on_scan_status == VMP_OK, "vmp_on_scan(NULL) from inside the scan callback returns");
  }
  /* The log callback registered from inside the scan callback gets this checkout's records. */
  check(vmp_start_checkout(client, "{\"amount\":100,\"phone_number\":\"4791234567\"}", ref, sizeof ref) == VMP_OK,
        "the client is still open after vmp_close was refused inside a callback");
  if (check(wait_calls(&log_seen, 1), "the log callback ran")) check_thread(&log_seen, "log", &registered);

  check(vmp_close(client) == VMP_OK, "vmp_close from the host's thread");
  closed = 1;
  calls = log_seen.calls + scan_seen.calls;
  usleep(100000);
  check(log_seen.calls + scan_seen.calls == calls && log_seen.after_close == 0 && scan_seen.after_close == 0,
        "no callback after vmp_close returned");
  check(log_seen.overlapped == 0 && scan_seen.overlapped == 0, "callbacks ran one at a time");
  check(vmp_close(client) == VMP_OK && vmp_close(NULL) == VMP_OK, "vmp_close of a closed handle and of NULL: VMP_OK");
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
