/*
 * fork_test.c - a process forked after vmp was loaded (issue 21, section 2), as Python's
 * multiprocessing does by default on Linux: in the child every function that would enter the
 * library's Go half answers VMP_ERR_FORKED at once, decided in C, and the child exits promptly
 * whether it called anything or not; the parent is unaffected - its next payment works and its
 * journal holds nothing of the child's. The forks happen while another thread of the parent is
 * inside vmp, so a child must not wait for a lock a parent thread held.
 *
 * Usage: fork_test [FORKS]   (default 12). Exit status 0 when every check passed.
 */
#define _GNU_SOURCE

#include "vmp.h"
#include "../c/check.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_LIMIT_MS 10000 /* a child still running after this is a hang */

static vmp_client *client;
static char ref[VMP_REFERENCE_SIZE];
static volatile int stop;

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A parent thread inside vmp all the time: the forks catch it in the middle of calls. */
static void *busy(void *arg) {
  (void)arg;
  while (!stop) {
    vmp_payment p = new_payment();
    char *json = NULL;
    vmp_poll_status(client, ref, 0, &p);
    vmp_poll_status(client, ref, 1, &p);
    if (vmp_pending(client, &json) == VMP_OK) vmp_free(json);
  }
  return NULL;
}

/* In the child: one call's answer. Not check(): the parent reads the exit status. */
static int child_failures;
static void child_expect(vmp_status st, const char *call) {
  const char *detail = vmp_last_error();
  if (st != VMP_ERR_FORKED || strstr(detail, "forked") == NULL) {
    fprintf(stderr, "child: %s gave %s (%s), want VMP_ERR_FORKED\n", call, vmp_status_str(st), detail);
    child_failures++;
  }
}

static void noop_scan(void *u, const vmp_scan *s) { (void)u, (void)s; }
static void noop_log(void *u, const vmp_log_record *r) { (void)u, (void)r; }

/* Every kind of function of vmp.h, in the child. */
static int child_calls_everything(void) {
  vmp_client *other = NULL;
  vmp_payment p = new_payment();
  vmp_scan scan;
  vmp_log_record rec;
  char text[VMP_LOG_TEXT_SIZE], buf[VMP_REFERENCE_SIZE], *json = NULL;
  vmp_enrollment_state es;
  uint8_t *png = NULL;
  size_t png_len = 0;
  vmp_webhook_delivery d;
  double t0 = now_ms();

  memset(&scan, 0, sizeof scan);
  scan.struct_size = sizeof scan;
  memset(&rec, 0, sizeof rec);
  rec.struct_size = sizeof rec;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;

  child_expect(vmp_poll_status(client, ref, 0, &p), "vmp_poll_status wait 0 (a payment the parent knows)");
  child_expect(vmp_poll_status(client, ref, 60000, &p), "vmp_poll_status wait 60 s");
  child_expect(vmp_init("{\"environment\":\"simulator\"}", &other), "vmp_init");
  child_expect(vmp_start_checkout(client, "{\"amount\":100,\"phone_number\":\"4791234567\"}", buf, sizeof buf),
               "vmp_start_checkout");
  child_expect(vmp_capture(client, ref, 1, NULL, &p), "vmp_capture");
  child_expect(vmp_refund(client, ref, 1, NULL, &p), "vmp_refund");
  child_expect(vmp_cancel(client, ref, 0, NULL, &p), "vmp_cancel");
  child_expect(vmp_pending(client, &json), "vmp_pending");
  child_expect(vmp_recover(client, 1000, &json), "vmp_recover");
  child_expect(vmp_acknowledge(client, "op"), "vmp_acknowledge");
  child_expect(vmp_on_scan(client, noop_scan, NULL), "vmp_on_scan");
  child_expect(vmp_next_scan(client, 60000, &scan, text, sizeof text), "vmp_next_scan");
  child_expect(vmp_submit_scan(client, "7038010055563"), "vmp_submit_scan");
  child_expect(vmp_on_log(client, noop_log, NULL), "vmp_on_log");
  child_expect(vmp_next_log(client, 60000, &rec, text, sizeof text), "vmp_next_log");
  child_expect(vmp_identify_customer(client, "4791234567", buf, sizeof buf), "vmp_identify_customer");
  child_expect(vmp_loyalty_check_in(client, "4791234567", 1), "vmp_loyalty_check_in");
  child_expect(vmp_start_enrollment(client, "{}", buf, sizeof buf), "vmp_start_enrollment");
  child_expect(vmp_poll_enrollment(client, "e", 60000, &es, &json), "vmp_poll_enrollment");
  child_expect(vmp_cancel_enrollment(client, "e"), "vmp_cancel_enrollment");
  child_expect(vmp_checkout_qr(client, ref, VMP_QR_PNG, 256, &png, &png_len), "vmp_checkout_qr");
  child_expect(vmp_attach_receipt(client, ref, "{}"), "vmp_attach_receipt");
  child_expect(vmp_sales_unit(client, "unit", &other), "vmp_sales_unit");
  child_expect(vmp_webhook_verify("secret", &d, 0), "vmp_webhook_verify");
  child_expect(vmp_webhook_handle(client, &d), "vmp_webhook_handle");
  child_expect(vmp_webhook_receiver(client, &json), "vmp_webhook_receiver");
  child_expect(vmp_webhook_register(client, "{}", &json), "vmp_webhook_register");
  child_expect(vmp_webhook_list(client, &json), "vmp_webhook_list");
  child_expect(vmp_webhook_delete(client, "id"), "vmp_webhook_delete");
  child_expect(vmp_webhook_reconcile(client, "[]", &json), "vmp_webhook_reconcile");
  child_expect(vmp_close(client), "vmp_close");
  /* What needs nothing of the library's Go half still works. */
  if (strcmp(vmp_status_str(VMP_ERR_FORKED), "VMP_ERR_FORKED") != 0 || vmp_version()[0] == '\0') child_failures++;
  vmp_free(NULL);
  fprintf(stderr, "child: 31 calls answered in %.2f ms\n", now_ms() - t0);
  return child_failures == 0 ? 0 : 1;
}

/* Forks a child that does `what`, and waits for it (bounded). */
static void fork_child(int what, const char *name) {
  double t0 = now_ms();
  int status = 0;
  pid_t pid = fork();
  if (pid < 0) {
    check(0, "fork: %s", strerror(errno));
    return;
  }
  if (pid == 0) {
    int code = 0;
    if (what == 0) code = child_calls_everything();
    if (what == 1) {
      /* What the bindings' exit handlers do: close the client. */
      vmp_status st = vmp_close(client);
      if (st != VMP_ERR_FORKED) {
        fprintf(stderr, "child: vmp_close gave %s\n", vmp_status_str(st));
        code = 1;
      }
    }
    exit(code); /* exit, not _exit: atexit handlers and library destructors run */
  }
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (now_ms() - t0 > CHILD_LIMIT_MS) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      check(0, "%s: the child still ran after %d ms (killed)", name, CHILD_LIMIT_MS);
      return;
    }
    usleep(2000);
  }
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: the child exited with status 0 (%s %d)", name,
        WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

int main(int argc, char **argv) {
  int forks = argc > 1 ? atoi(argv[1]) : 12, i;
  vmp_payment p = new_payment();
  char ref2[VMP_REFERENCE_SIZE], *json = NULL;
  pthread_t thread;
  vmp_status st;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!check(vmp_init("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0}}", &client) == VMP_OK,
             "vmp_init in the parent"))
    return 1;
  check(vmp_start_checkout(client, "{\"amount\":100,\"phone_number\":\"4791234567\"}", ref, sizeof ref) == VMP_OK &&
            vmp_poll_status(client, ref, 10000, &p) == VMP_OK && p.state == VMP_STATE_AUTHORIZED,
        "a payment in the parent before the forks");
  pthread_create(&thread, NULL, busy, NULL);
  for (i = 0; i < forks; i++) {
    static const char *names[] = {"a child calling every function", "a child calling only vmp_close",
                                  "a child calling nothing"};
    fork_child(i % 3, names[i % 3]);
  }
  stop = 1;
  pthread_join(thread, NULL);

  p = new_payment();
  check(vmp_start_checkout(client, "{\"amount\":300,\"phone_number\":\"4791234567\"}", ref2, sizeof ref2) == VMP_OK,
        "the parent's next checkout: %s", vmp_last_error());
  check(vmp_poll_status(client, ref2, 10000, &p) == VMP_OK && p.state == VMP_STATE_AUTHORIZED,
        "the parent's next payment is authorized");
  check(vmp_capture(client, ref2, 300, NULL, &p) == VMP_OK && p.captured_amount == 300, "the parent's capture: %s",
        vmp_last_error());
  st = vmp_pending(client, &json);
  check(st == VMP_OK && json != NULL && strstr(json, "\"open\":[]") != NULL, "the parent's journal has nothing open: %s",
        json != NULL ? json : vmp_last_error());
  vmp_free(json);
  check(vmp_close(client) == VMP_OK, "vmp_close in the parent");
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
