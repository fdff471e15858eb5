/*
 * careless_test.c - what a careless C caller does, against the header's promises: closing a
 * sales-unit handle, or its client, while other threads wait in calls made through it; calling
 * on a unit handle of a closed client; text that is not UTF-8; inputs of absurd length.
 *
 * Each case runs in a process of its own - this program started again with the case's name -
 * because the failures looked for are hangs: the parent gives each case CASE_SECONDS and kills
 * and fails one that is still running then. The bound is a hang detector, not a timing claim:
 * every wait in the cases is cut short by a close within milliseconds, or the case is broken.
 *
 * usage: careless_test            every case, each in its own process
 *        careless_test CASE       one case in this process
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CASE_SECONDS 60
#define CONFIG                                                                                  \
  "{\"simulator\":{\"approve_delay_ms\":0},\"log_level\":\"error\",\"default_country_code\":\"47\"," \
  "\"sales_units\":[{\"name\":\"store-b\",\"msn\":\"234567\"}]}"
#define PHONE "4791234567"           /* approves at once */
#define PHONE_WAITS "4790000004"     /* does nothing until the simulator's control API says */
#define IGNORES_LOGIN "4790000013"   /* never answers a consent request */
#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define WAIT_MS 600000               /* the longest wait vmp.h allows: 10 minutes */

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

static int checkout(vmp_client *c, const char *phone, const char *extra, char ref[VMP_REFERENCE_SIZE]) {
  char json[512];
  snprintf(json, sizeof json, "{\"amount\":1000,\"phone_number\":\"%s\"%s}", phone, extra);
  ref[0] = '\0';
  return EXPECT(vmp_start_checkout(c, json, ref, VMP_REFERENCE_SIZE), VMP_OK, NULL);
}

/* Takes every queued log record, so that a vmp_next_log that follows waits. */
static void drain_logs(vmp_client *c) {
  vmp_log_record r;
  char text[VMP_LOG_TEXT_SIZE];
  int i;
  for (i = 0; i < 10000; i++) {
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    if (vmp_next_log(c, 0, &r, text, sizeof text) != VMP_OK || r.level == VMP_LOG_NONE) return;
  }
}

/* ------------------------------------------------------------------------------------------
 * Threads that wait in a call until something ends the wait
 * ---------------------------------------------------------------------------------------- */

enum wait_kind { WAIT_POLL, WAIT_SCAN, WAIT_LOG, WAIT_ENROLLMENT, N_WAITS };
static const char *wait_names[N_WAITS] = {"vmp_poll_status", "vmp_next_scan", "vmp_next_log", "vmp_poll_enrollment"};

struct waiter {
  enum wait_kind kind;
  vmp_client *client;
  const char *ref;
  vmp_status status;
  char last_error[256];
  pthread_t thread;
};

static void *wait_in_call(void *arg) {
  struct waiter *w = (struct waiter *)arg;
  switch (w->kind) {
    case WAIT_POLL: {
      vmp_payment p = new_payment();
      w->status = vmp_poll_status(w->client, w->ref, WAIT_MS, &p);
      break;
    }
    case WAIT_SCAN: {
      vmp_scan s;
      char text[64];
      memset(&s, 0, sizeof s);
      s.struct_size = sizeof s;
      w->status = vmp_next_scan(w->client, WAIT_MS, &s, text, sizeof text);
      break;
    }
    case WAIT_LOG: {
      vmp_log_record r;
      char text[VMP_LOG_TEXT_SIZE];
      memset(&r, 0, sizeof r);
      r.struct_size = sizeof r;
      w->status = vmp_next_log(w->client, WAIT_MS, &r, text, sizeof text);
      break;
    }
    default: {
      vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
      w->status = vmp_poll_enrollment(w->client, w->ref, WAIT_MS, &state, NULL);
      break;
    }
  }
  snprintf(w->last_error, sizeof w->last_error, "%s", vmp_last_error());
  return NULL;
}

/* Starts a waiter of each kind in kinds on c (ref: the payment's or enrollment's). */
static int start_waiters(struct waiter *w, int n, vmp_client *c, const enum wait_kind *kinds, const char *ref,
                         const char *enrollment) {
  int i;
  for (i = 0; i < n; i++) {
    memset(&w[i], 0, sizeof w[i]);
    w[i].kind = kinds[i];
    w[i].client = c;
    w[i].ref = kinds[i] == WAIT_ENROLLMENT ? enrollment : ref;
    if (!check(pthread_create(&w[i].thread, NULL, wait_in_call, &w[i]) == 0, "%s thread started", wait_names[kinds[i]]))
      return 0;
  }
  sleep_ms(300); /* they are waiting now; one that had not started yet fails at once, as it must */
  return 1;
}

/* Joins the waiters (a hang here is what the parent's bound catches) and checks each answered
 * VMP_ERR_INVALID_HANDLE saying the client was closed - not VMP_OK with a state. */
static void expect_closed_while_waiting(struct waiter *w, int n, const char *what) {
  int i;
  for (i = 0; i < n; i++) {
    pthread_join(w[i].thread, NULL);
    check(w[i].status == VMP_ERR_INVALID_HANDLE && mentions(w[i].last_error, "closed"),
          "%s waiting on %s, ended by its close -> %s \"%s\" (want VMP_ERR_INVALID_HANDLE)", wait_names[w[i].kind], what,
          vmp_status_str(w[i].status), w[i].last_error);
  }
}

/* ------------------------------------------------------------------------------------------
 * Every function that takes a handle, on a handle that must be refused
 * ---------------------------------------------------------------------------------------- */

/* Each function of vmp.h that takes a client, with arguments that are valid (valid == 1) or
 * wrong in every other way (0): either way the handle is checked first, so the answer is
 * VMP_ERR_INVALID_HANDLE. Returns how many answered something else. */
static int expect_refused_everywhere(vmp_client *h, const char *what, int valid) {
  char ref[VMP_REFERENCE_SIZE], msisdn[VMP_MSISDN_SIZE], id[VMP_ENROLLMENT_ID_SIZE], text[VMP_LOG_TEXT_SIZE];
  char *json = (char *)"untouched";
  uint8_t *qr = (uint8_t *)"untouched";
  size_t qr_len = 7;
  vmp_payment p = new_payment();
  vmp_scan s;
  vmp_log_record r;
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  vmp_client *unit = (vmp_client *)(uintptr_t)1;
  vmp_webhook_delivery d;
  const char *reference = valid ? "careless-ref-0001" : "x";
  const char *js = valid ? "{\"amount\":100,\"phone_number\":\"" PHONE "\"}" : "{";
  int wrong = 0, i;
  vmp_status st[27];
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  st[0] = vmp_start_checkout(h, js, ref, valid ? sizeof ref : 1);
  st[1] = vmp_poll_status(h, reference, 0, valid ? &p : NULL);
  st[2] = vmp_capture(h, reference, valid ? 100 : -1, valid ? "op-1" : "\xff", &p);
  st[3] = vmp_refund(h, reference, valid ? 100 : 0, NULL, &p);
  st[4] = vmp_cancel(h, reference, valid ? 0 : 0x80, NULL, &p);
  st[5] = vmp_pending(h, valid ? &json : NULL);
  st[6] = vmp_recover(h, valid ? 0 : -1, NULL);
  st[7] = vmp_acknowledge(h, valid ? "op" : NULL);
  st[8] = vmp_on_scan(h, NULL, NULL);
  st[9] = vmp_next_scan(h, valid ? 0 : -1, &s, text, 64);
  st[10] = vmp_submit_scan(h, valid ? "5901234123457" : NULL);
  st[11] = vmp_identify_customer(h, valid ? "+47 912 34 567" : NULL, msisdn, valid ? sizeof msisdn : 1);
  st[12] = vmp_loyalty_check_in(h, PHONE, valid ? 1 : 7);
  st[13] = vmp_start_enrollment(h, valid ? "{\"phone_number\":\"" PHONE "\"}" : "[", id, sizeof id);
  st[14] = vmp_poll_enrollment(h, "enr-x", valid ? 0 : -1, &state, NULL);
  st[15] = vmp_cancel_enrollment(h, valid ? "enr-x" : NULL);
  st[16] = vmp_checkout_qr(h, reference, valid ? VMP_QR_URL : 99, 0, &qr, &qr_len);
  st[17] = vmp_attach_receipt(h, reference, valid ? "{\"orderLines\":[]}" : "{");
  st[18] = vmp_on_log(h, NULL, NULL);
  st[19] = vmp_next_log(h, valid ? 0 : -1, &r, text, sizeof text);
  st[20] = vmp_sales_unit(h, valid ? "store-b" : NULL, &unit);
  st[21] = vmp_webhook_handle(h, valid ? &d : NULL);
  st[22] = vmp_webhook_receiver(h, valid ? &json : NULL);
  st[23] = vmp_webhook_register(h, valid ? "{\"url\":\"https://pos.example.com/h\"}" : "{", NULL);
  st[24] = vmp_webhook_list(h, valid ? &json : NULL);
  st[25] = vmp_webhook_delete(h, valid ? "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" : "x");
  st[26] = vmp_webhook_reconcile(h, valid ? NULL : "[", NULL);
  for (i = 0; i < 27; i++) {
    if (st[i] != VMP_ERR_INVALID_HANDLE) {
      wrong++;
      check(0, "call #%d of the list on %s (%s arguments) -> %s; want VMP_ERR_INVALID_HANDLE", i, what,
            valid ? "valid" : "wrong", vmp_status_str(st[i]));
    }
  }
  check(unit == NULL && (json == NULL || strcmp(json, "untouched") == 0),
        "the refused calls on %s handed out no handle and no JSON", what);
  if (unit != NULL && unit != (vmp_client *)(uintptr_t)1) vmp_close(unit);
  check(wrong == 0, "all 27 functions that take a handle refuse %s with VMP_ERR_INVALID_HANDLE (%s arguments)", what,
        valid ? "valid" : "wrong");
  return wrong;
}

/* ------------------------------------------------------------------------------------------
 * The cases
 * ---------------------------------------------------------------------------------------- */

static volatile int scans_seen;

static void VMP_CALL count_scan(void *user_data, const vmp_scan *scan) {
  (void)user_data;
  (void)scan;
  scans_seen++;
}

static void case_close_unit_ends_its_waits(void) {
  static const enum wait_kind kinds[] = {WAIT_POLL, WAIT_POLL, WAIT_SCAN, WAIT_LOG};
  struct waiter w[4];
  vmp_client *c = NULL, *u = NULL;
  vmp_payment p = new_payment();
  vmp_scan s;
  char ref[VMP_REFERENCE_SIZE], text[64];
  double t0;
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL) || !EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL)) return;
  if (checkout(u, PHONE_WAITS, "", ref)) {
    drain_logs(c);
    if (start_waiters(w, 4, u, kinds, ref, NULL)) {
      t0 = now_s();
      vmp_close(u);
      printf("# vmp_close(unit) returned after %.3f s\n", now_s() - t0);
      expect_closed_while_waiting(w, 4, "the unit handle");
    }
  }
  EXPECT(vmp_poll_status(u, ref, 0, &p), VMP_ERR_INVALID_HANDLE, "closed");
  vmp_close(u);
  check(1, "a second vmp_close of the unit handle is a no-op");
  /* A callback registered through a unit handle is the client's: it stays after the close. */
  if (EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL) && EXPECT(vmp_on_scan(u, count_scan, NULL), VMP_OK, NULL)) {
    int i;
    vmp_close(u);
    EXPECT(vmp_submit_scan(c, "5901234123457"), VMP_OK, NULL);
    for (i = 0; i < 500 && scans_seen == 0; i++) sleep_ms(10);
    check(scans_seen == 1, "the callback registered through the closed unit handle got the client's scan");
    EXPECT(vmp_on_scan(c, NULL, NULL), VMP_OK, NULL);
  }
  /* The client is as it was. */
  EXPECT(vmp_poll_status(c, "careless-unknown-01", 0, &p), VMP_ERR_NOT_FOUND, NULL);
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  EXPECT(vmp_next_scan(c, 0, &s, text, sizeof text), VMP_OK, NULL);
  EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL);
  EXPECT(vmp_poll_status(u, ref, 0, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_CREATED, "the unit's payment is still there on a new unit handle: %s", vmp_state_str(p.state));
  vmp_close(c);
  EXPECT(vmp_poll_status(u, ref, 0, &p), VMP_ERR_INVALID_HANDLE, NULL);
}

static void case_close_client_closes_its_units(void) {
  static const enum wait_kind kinds[] = {WAIT_POLL, WAIT_SCAN, WAIT_LOG, WAIT_ENROLLMENT};
  struct waiter w[4];
  vmp_client *c = NULL, *u = NULL, *u2 = NULL, *again = (vmp_client *)(uintptr_t)1;
  char ref[VMP_REFERENCE_SIZE], id[VMP_ENROLLMENT_ID_SIZE];
  int i, handed_out = 0;
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL) || !EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL) ||
      !EXPECT(vmp_sales_unit(u, "", &u2), VMP_OK, NULL))
    return;
  if (checkout(u, PHONE_WAITS, "", ref) &&
      EXPECT(vmp_start_enrollment(u, "{\"phone_number\":\"" IGNORES_LOGIN "\"}", id, sizeof id), VMP_OK, NULL)) {
    drain_logs(c);
    if (start_waiters(w, 4, u, kinds, ref, id)) {
      vmp_close(c);
      expect_closed_while_waiting(w, 4, "a unit handle of the client");
    }
  } else {
    vmp_close(c);
  }
  expect_refused_everywhere(u, "a unit handle of a closed client", 1);
  expect_refused_everywhere(u, "a unit handle of a closed client", 0);
  expect_refused_everywhere(u2, "a unit handle opened from a unit handle of a closed client", 1);
  for (i = 0; i < 100000; i++) {
    again = NULL;
    if (vmp_sales_unit(u, "store-b", &again) != VMP_ERR_INVALID_HANDLE || again != NULL) handed_out++;
    if (again != NULL) vmp_close(again);
  }
  check(handed_out == 0, "100000 vmp_sales_unit calls on a unit handle of a closed client handed out %d handles", handed_out);
  vmp_close(u);
  vmp_close(u2);
  check(vmp_last_error()[0] == '\0', "vmp_close of the unit handles after their client is a no-op");
}

static void case_close_ends_waits_on_the_client(void) {
  static const enum wait_kind kinds[] = {WAIT_POLL, WAIT_ENROLLMENT, WAIT_SCAN, WAIT_LOG};
  struct waiter w[4];
  vmp_client *c = NULL;
  vmp_payment p = new_payment();
  char ref[VMP_REFERENCE_SIZE], id[VMP_ENROLLMENT_ID_SIZE];
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  if (checkout(c, PHONE_WAITS, "", ref) && EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL) &&
      check(p.state == VMP_STATE_CREATED, "the payment is known as CREATED before the wait") &&
      EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" IGNORES_LOGIN "\"}", id, sizeof id), VMP_OK, NULL)) {
    drain_logs(c);
    if (start_waiters(w, 4, c, kinds, ref, id)) {
      vmp_close(c);
      expect_closed_while_waiting(w, 4, "the client");
    }
  } else {
    vmp_close(c);
  }
  expect_refused_everywhere(c, "a closed client", 1);
}

static void *close_from_thread(void *h) {
  vmp_close((vmp_client *)h);
  return NULL;
}

static void case_close_races(void) {
  static const enum wait_kind kinds[] = {WAIT_POLL, WAIT_SCAN, WAIT_LOG, WAIT_POLL, WAIT_SCAN, WAIT_LOG};
  struct waiter w[6];
  vmp_client *c = NULL, *u = NULL;
  pthread_t closers[3];
  char ref[VMP_REFERENCE_SIZE];
  int i;
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL) || !EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL)) return;
  if (checkout(u, PHONE_WAITS, "", ref)) {
    drain_logs(c);
    if (start_waiters(w, 6, u, kinds, ref, NULL)) {
      /* The unit handle twice and its client once, from three threads at the same moment. */
      pthread_create(&closers[0], NULL, close_from_thread, u);
      pthread_create(&closers[1], NULL, close_from_thread, u);
      pthread_create(&closers[2], NULL, close_from_thread, c);
      for (i = 0; i < 3; i++) pthread_join(closers[i], NULL);
      expect_closed_while_waiting(w, 6, "a unit handle closed from three threads");
      return;
    }
  }
  vmp_close(c);
}

static void case_handle_checked_first(void) {
  vmp_client *c = NULL;
  check(expect_refused_everywhere(NULL, "NULL", 0) == 0, "NULL first");
  check(expect_refused_everywhere(FORGED, "a forged handle", 0) == 0, "a forged handle first");
  if (EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) {
    vmp_close(c);
    expect_refused_everywhere(c, "a closed client", 0);
  }
}

/* The pending report's "open" list is empty: nothing was journaled and left open. */
static int nothing_open(vmp_client *c) {
  char *json = NULL;
  int empty;
  if (vmp_pending(c, &json) != VMP_OK || json == NULL) return 0;
  empty = strstr(json, "\"open\":[]") != NULL;
  vmp_free(json);
  return empty;
}

static void case_text_that_is_not_utf8(void) {
  static const char *bad_checkouts[] = {
    "{\"amount\":1000,\"phone_number\":\"" PHONE "\",\"reference\":\"careless-utf8-0001\",\"description\":\"Br\xf8" "d\"}",
    "{\"amount\":1000,\"phone_number\":\"" PHONE "\",\"reference\":\"careless-utf8-0001\",\"description\":\"x\\ud800yz\"}",
    "{\"amount\":1000,\"phone_number\":\"" PHONE "\",\"reference\":\"careless-utf8-0001\",\"receipt\":{\"orderLines\":"
    "[{\"name\":\"Br\xf8" "d\",\"id\":\"1\",\"totalAmount\":1000,\"totalAmountExcludingTax\":800,\"totalTaxAmount\":200,"
    "\"taxRate\":2500}],\"bottomLine\":{\"currency\":\"NOK\"}}}",
  };
  vmp_client *c = NULL, *u = (vmp_client *)(uintptr_t)1;
  vmp_payment p = new_payment();
  char ref[VMP_REFERENCE_SIZE], msisdn[VMP_MSISDN_SIZE], id[VMP_ENROLLMENT_ID_SIZE];
  char *json = (char *)"untouched";
  size_t i;
  vmp_webhook_delivery d;
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  for (i = 0; i < sizeof bad_checkouts / sizeof bad_checkouts[0]; i++)
    EXPECT(vmp_start_checkout(c, bad_checkouts[i], ref, sizeof ref), VMP_ERR_INVALID_JSON, "UTF-8|surrogate");
  EXPECT(vmp_poll_status(c, "careless-utf8-0001", 0, &p), VMP_ERR_NOT_FOUND, NULL);
  check(nothing_open(c), "no refused checkout was journaled or sent");

  if (checkout(c, PHONE, "", ref) && EXPECT(vmp_poll_status(c, ref, 10000, &p), VMP_OK, NULL)) {
    EXPECT(vmp_capture(c, ref, 500, "receipt-\xff", &p), VMP_ERR_INVALID_ARGUMENT, "operation_id|UTF-8");
    EXPECT(vmp_refund(c, ref, 500, "return-\xc3", &p), VMP_ERR_INVALID_ARGUMENT, "operation_id|UTF-8");
    EXPECT(vmp_cancel(c, ref, 0, "abort-\xed\xa0\x80", &p), VMP_ERR_INVALID_ARGUMENT, "operation_id|UTF-8");
    EXPECT(vmp_attach_receipt(c, ref,
                              "{\"orderLines\":[{\"name\":\"Br\xf8" "d\",\"id\":\"1\",\"totalAmount\":1000,"
                              "\"totalAmountExcludingTax\":800,\"totalTaxAmount\":200,\"taxRate\":2500}],"
                              "\"bottomLine\":{\"currency\":\"NOK\"}}"),
           VMP_ERR_INVALID_JSON, "UTF-8");
    EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL);
    check(p.captured_amount == 0 && p.refunded_amount == 0 && p.cancelled_amount == 0,
          "nothing moved: captured %lld, refunded %lld, cancelled %lld", (long long)p.captured_amount,
          (long long)p.refunded_amount, (long long)p.cancelled_amount);
    check(nothing_open(c), "no refused operation was journaled");
  }
  EXPECT(vmp_identify_customer(c, "https://qr.vipps.no/p/\xff\xfe", msisdn, sizeof msisdn), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  EXPECT(vmp_loyalty_check_in(c, "912\xa0" "34 567", 1), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" PHONE "\",\"binding_message\":\"AB-\xc3\"}", id, sizeof id),
         VMP_ERR_INVALID_JSON, "UTF-8");
  EXPECT(vmp_poll_enrollment(c, "enr-\xff", 0, &state, NULL), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  EXPECT(vmp_acknowledge(c, "op-\xff"), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  EXPECT(vmp_sales_unit(c, "store-\xe9", &u), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  EXPECT(vmp_webhook_register(c, "{\"url\":\"https://pos.example.com/h\xe9\"}", &json), VMP_ERR_INVALID_JSON, "UTF-8");
  EXPECT(vmp_webhook_reconcile(c, "{\"managed_prefix\":\"https://pos.example.com/\xff\"}", NULL), VMP_ERR_INVALID_JSON,
         "UTF-8");
  EXPECT(vmp_webhook_delete(c, "\xff"), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  EXPECT(vmp_webhook_verify("s\xe9" "cret", &d, 0), VMP_ERR_INVALID_ARGUMENT, "UTF-8");
  d.host = "\xff\xfe"; /* a delivery is data, as received: not UTF-8 does not verify */
  EXPECT(vmp_webhook_verify("secret", &d, 0), VMP_ERR_UNVERIFIED, NULL);
  EXPECT(vmp_submit_scan(c, "\xff\xfe-latin1-\xe9"), VMP_OK, NULL); /* a code is data: any bytes */
  vmp_close(c);
  c = (vmp_client *)(uintptr_t)1;
  EXPECT(vmp_init("{\"description\":\"Kj\xf8p\"}", &c), VMP_ERR_INVALID_JSON, "UTF-8");
  check(c == NULL, "a refused config gives no client");
}

static void case_lengths(void) {
  const size_t huge = (size_t)64 << 20;
  char *url, *big, *op, *line;
  char ref[VMP_REFERENCE_SIZE], *json = NULL;
  vmp_client *c = NULL;
  vmp_payment p = new_payment();
  vmp_webhook_delivery d;
  uint8_t *body;
  double t0;
  size_t i;
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  /* A 64 MiB webhook URL: refused locally at once, not sent to end as an unknown outcome. */
  url = malloc(huge + 64);
  if (url == NULL) abort();
  strcpy(url, "{\"url\":\"https://pos.example.com/");
  memset(url + strlen(url), 'a', huge);
  strcpy(url + 32 + huge, "\"}");
  t0 = now_s();
  EXPECT(vmp_webhook_register(c, url, NULL), VMP_ERR_INVALID_ARGUMENT, "bytes");
  printf("# a 64 MiB webhook_json refused after %.3f s\n", now_s() - t0);
  memset(url, 0, huge + 64);
  strcpy(url, "{\"url\":\"https://pos.example.com/");
  memset(url + strlen(url), 'a', 2100);
  strcat(url, "\"}");
  EXPECT(vmp_webhook_register(c, url, NULL), VMP_ERR_INVALID_ARGUMENT, "2048");
  free(url);
  if (EXPECT(vmp_webhook_list(c, &json), VMP_OK, NULL)) {
    check(strcmp(json, "[]") == 0, "nothing was registered: %s", json);
    vmp_free(json);
  }
  /* A JSON argument over 1 MiB, well-formed and otherwise a valid checkout. */
  big = malloc((2 << 20) + 128);
  if (big == NULL) abort();
  strcpy(big, "{\"amount\":100,");
  memset(big + strlen(big), ' ', 2 << 20);
  strcpy(big + 14 + (2 << 20), "\"phone_number\":\"" PHONE "\"}");
  EXPECT(vmp_start_checkout(c, big, ref, sizeof ref), VMP_ERR_INVALID_ARGUMENT, "1048576");
  free(big);
  check(nothing_open(c), "the refused checkout was not journaled");
  /* An operation_id of 129 bytes; a receipt line name of 1025. */
  op = malloc(130);
  line = malloc(4096);
  if (op == NULL || line == NULL) abort();
  memset(op, 'o', 129);
  op[129] = '\0';
  if (checkout(c, PHONE, "", ref) && EXPECT(vmp_poll_status(c, ref, 10000, &p), VMP_OK, NULL)) {
    EXPECT(vmp_capture(c, ref, 500, op, &p), VMP_ERR_INVALID_ARGUMENT, "operation_id");
    op[128] = '\0';
    EXPECT(vmp_capture(c, ref, 500, op, &p), VMP_OK, NULL);
  }
  strcpy(line, "{\"amount\":1000,\"phone_number\":\"" PHONE "\",\"receipt\":{\"orderLines\":[{\"name\":\"");
  i = strlen(line);
  memset(line + i, 'n', 1025);
  line[i + 1025] = '\0';
  strcat(line, "\",\"id\":\"1\",\"totalAmount\":1000,\"totalAmountExcludingTax\":800,\"totalTaxAmount\":200,"
               "\"taxRate\":2500}],\"bottomLine\":{\"currency\":\"NOK\"}}}");
  EXPECT(vmp_start_checkout(c, line, ref, sizeof ref), VMP_ERR_INVALID_ARGUMENT, "1024");
  free(op);
  free(line);
  /* vmp_webhook_verify's body: at most 16 MiB, as vmp.h says. */
  body = calloc((16 << 20) + 1, 1);
  if (body == NULL) abort();
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  d.body = body;
  d.body_len = (16 << 20) + 1;
  EXPECT(vmp_webhook_verify("secret", &d, 0), VMP_ERR_INVALID_ARGUMENT, "16777216");
  d.body_len = 16 << 20;
  EXPECT(vmp_webhook_verify("secret", &d, 0), VMP_ERR_UNVERIFIED, NULL);
  free(body);
  vmp_close(c);
}

/* ------------------------------------------------------------------------------------------
 * A Vipps that hands out access tokens and then takes every request and never answers: calls
 * stay in flight until cancelled
 * ---------------------------------------------------------------------------------------- */

static int black_hole_fd = -1;

static void *swallow(void *arg) {
  static const char token[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 66\r\n\r\n"
    "{\"token_type\":\"Bearer\",\"expires_in\":\"3600\",\"access_token\":\"t\"}    ";
  char buf[8192];
  size_t used = 0;
  ssize_t n;
  int fd = (int)(intptr_t)arg, answering = 1;
  while ((n = read(fd, buf + used, sizeof buf - 1 - used)) > 0) {
    used += (size_t)n;
    buf[used] = '\0';
    /* Token requests (no body) are answered; the first other request is never answered. */
    while (answering && strstr(buf, "\r\n\r\n") != NULL) {
      char *end = strstr(buf, "\r\n\r\n") + 4;
      if (strncmp(buf, "POST /accesstoken/get", 21) != 0) {
        answering = 0;
        break;
      }
      if (write(fd, token, sizeof token - 1) < 0) break;
      used -= (size_t)(end - buf);
      memmove(buf, end, used + 1);
    }
    if (!answering || used >= sizeof buf - 1) used = 0;
  }
  close(fd);
  return NULL;
}

static void *accept_all(void *arg) {
  pthread_t t;
  int fd;
  (void)arg;
  while ((fd = accept(black_hole_fd, NULL, NULL)) >= 0) {
    if (pthread_create(&t, NULL, swallow, (void *)(intptr_t)fd) == 0) pthread_detach(t);
  }
  return NULL;
}

/* Starts the black hole on 127.0.0.1 (once) and writes a config that talks to it, with request
 * and operation timeouts of 5 minutes - only a cancellation ends a call early - and a journal
 * in a directory of its own (the same for every config of the process). */
static int black_hole_config(char *config, size_t size) {
  static char dir[] = "/tmp/vmp-careless-XXXXXX";
  static struct sockaddr_in a;
  socklen_t len = sizeof a;
  pthread_t t;
  if (black_hole_fd >= 0) goto write;
  if (mkdtemp(dir) == NULL) return check(0, "a directory for the journal");
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  black_hole_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (black_hole_fd < 0 || bind(black_hole_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(black_hole_fd, 64) != 0 ||
      getsockname(black_hole_fd, (struct sockaddr *)&a, &len) != 0 || pthread_create(&t, NULL, accept_all, NULL) != 0)
    return check(0, "a black-hole server on 127.0.0.1");
  pthread_detach(t);
write:
  snprintf(config, size,
           "{\"base_url\":\"http://127.0.0.1:%d\",\"log_level\":\"error\",\"journal_path\":\"%s/journal.db\","
           "\"timeouts\":{\"request_ms\":300000,\"operation_ms\":300000,\"recovery_ms\":200},"
           "\"sales_units\":[{\"name\":\"store-b\",\"msn\":\"234567\"}]}",
           ntohs(a.sin_port), dir);
  return 1;
}

struct in_flight {
  vmp_client *client;
  int op; /* 0 checkout, 1 capture, 2 identify by QR, 3 webhook list */
  vmp_status status;
  pthread_t thread;
};

static void *call_in_flight(void *arg) {
  struct in_flight *f = (struct in_flight *)arg;
  char ref[VMP_REFERENCE_SIZE], msisdn[VMP_MSISDN_SIZE];
  char *json = NULL;
  switch (f->op) {
    case 0:
      f->status = vmp_start_checkout(f->client, "{\"amount\":1000,\"phone_number\":\"" PHONE "\"}", ref, sizeof ref);
      break;
    case 1: f->status = vmp_capture(f->client, "careless-flight-0001", 1000, "op-1", NULL); break;
    case 2: f->status = vmp_identify_customer(f->client, "https://qr.vipps.no/p/sim-" PHONE, msisdn, sizeof msisdn); break;
    default:
      f->status = vmp_webhook_list(f->client, &json);
      vmp_free(json);
      break;
  }
  return NULL;
}

static const char *in_flight_names[] = {"vmp_start_checkout", "vmp_capture", "vmp_identify_customer", "vmp_webhook_list"};

/* vmp_close of a unit handle cancels its calls that wait for Vipps, too: each returns (the
 * money-moving ones with VMP_ERR_UNKNOWN_OUTCOME or VMP_ERR_NETWORK: they may have been sent),
 * and the client goes on. */
static void case_close_unit_cuts_calls_in_flight(void) {
  char config[512];
  struct in_flight f[4];
  vmp_client *c = NULL, *u = NULL;
  char *json = NULL;
  int i;
  if (!black_hole_config(config, sizeof config) || !EXPECT(vmp_init(config, &c), VMP_OK, NULL) ||
      !EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL))
    return;
  for (i = 0; i < 4; i++) {
    f[i].client = u;
    f[i].op = i;
    pthread_create(&f[i].thread, NULL, call_in_flight, &f[i]);
  }
  sleep_ms(500);
  vmp_close(u);
  for (i = 0; i < 4; i++) {
    pthread_join(f[i].thread, NULL);
    check(f[i].status == VMP_ERR_UNKNOWN_OUTCOME || f[i].status == VMP_ERR_NETWORK || f[i].status == VMP_ERR_INVALID_HANDLE,
          "%s in flight through the unit handle, cut off by its close -> %s", in_flight_names[i],
          vmp_status_str(f[i].status));
  }
  EXPECT(vmp_pending(c, &json), VMP_OK, NULL);
  vmp_free(json);
  vmp_close(c);
}

/* A till's vmp_recover with a long budget, its operation unanswered: vmp_close ends it. */
static char *recovered;

static void *recover_long(void *arg) {
  struct in_flight *f = (struct in_flight *)arg;
  f->status = vmp_recover(f->client, WAIT_MS, &recovered);
  return NULL;
}

static void case_close_ends_a_recovery(void) {
  char config[512];
  struct in_flight cut, rec;
  vmp_client *c = NULL;
  if (!black_hole_config(config, sizeof config) || !EXPECT(vmp_init(config, &c), VMP_OK, NULL)) return;
  cut.client = c;
  cut.op = 0; /* a checkout: journaled, then sent into the black hole */
  pthread_create(&cut.thread, NULL, call_in_flight, &cut);
  sleep_ms(500);
  vmp_close(c); /* leaves the checkout open in the journal */
  pthread_join(cut.thread, NULL);
  /* The next client on the journal finds it open; vmp_recover with a 10-minute budget sends it
   * into the black hole again, until vmp_close ends the wait. */
  if (!EXPECT(vmp_init(config, &c), VMP_OK, NULL)) return;
  rec.client = c;
  pthread_create(&rec.thread, NULL, recover_long, &rec);
  sleep_ms(300);
  vmp_close(c);
  pthread_join(rec.thread, NULL);
  check(rec.status == VMP_OK || rec.status == VMP_ERR_INVALID_HANDLE, "vmp_recover ended by vmp_close -> %s %s",
        vmp_status_str(rec.status), recovered ? recovered : "");
  check(recovered == NULL || strstr(recovered, "\"still_open\":[{") != NULL,
        "what the close cut short is reported still open, never as resolved");
  vmp_free(recovered);
}

static const struct {
  const char *name;
  void (*run)(void);
} cases[] = {
  {"close_unit_ends_its_waits", case_close_unit_ends_its_waits},
  {"close_client_closes_its_units", case_close_client_closes_its_units},
  {"close_ends_waits_on_the_client", case_close_ends_waits_on_the_client},
  {"close_races", case_close_races},
  {"handle_checked_first", case_handle_checked_first},
  {"text_that_is_not_utf8", case_text_that_is_not_utf8},
  {"lengths", case_lengths},
  {"close_unit_cuts_calls_in_flight", case_close_unit_cuts_calls_in_flight},
  {"close_ends_a_recovery", case_close_ends_a_recovery},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Runs one case in a new process of this program; kills it after CASE_SECONDS. */
static int run_isolated(const char *self, const char *name) {
  char *argv[3];
  pid_t pid;
  int status = 0;
  double deadline = now_s() + CASE_SECONDS;
  argv[0] = (char *)self;
  argv[1] = (char *)name;
  argv[2] = NULL;
  fflush(stdout);
  if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) return check(0, "%s: could not start", name);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (now_s() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return check(0, "%s: still running after %d s - a hang; killed", name, CASE_SECONDS);
    }
    sleep_ms(20);
  }
  return check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s (its own process) %s", name,
               WIFSIGNALED(status) ? "died of a signal" : WEXITSTATUS(status) == 0 ? "passed" : "failed");
}

int main(int argc, char **argv) {
  size_t i;
  double t0 = now_s();
  if (argc == 2) {
    for (i = 0; i < N_CASES; i++)
      if (strcmp(cases[i].name, argv[1]) == 0) {
        printf("# %s\n", cases[i].name);
        cases[i].run();
        return check_summary();
      }
    fprintf(stderr, "careless_test: no case %s\n", argv[1]);
    return 2;
  }
  for (i = 0; i < N_CASES; i++) run_isolated(argv[0], cases[i].name);
  printf("# %.1f s\n", now_s() - t0);
  return check_summary();
}
