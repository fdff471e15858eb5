/*
 * abi_test.c - calls every function of include/vmp.h through the built libvmp.so: with valid
 * arguments on the embedded simulator, and with every kind of bad argument a till could pass
 * (NULL pointers, NULL/closed/forged handles, malformed JSON, bad amounts and references, small
 * buffers and structs, out-of-range waits, unknown flags). Each check prints one line; the last
 * line is "<n> passed, <m> failed" and the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#define _POSIX_C_SOURCE 200809L

#include "vmp.h"
#include "check.h"

#include <ctype.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIM_CONFIG "{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":200}}"
#define PHONE_APPROVES "4791234567"     /* the simulator approves after approve_delay_ms */
#define PHONE_WAITS "4790000004"        /* the simulator waits for its control API */
#define PHONE_REJECTS "4790000001"      /* the simulator declines (ABORTED) after approve_delay_ms */
#define UNKNOWN_REF "abi-unknown-payment-0001" /* valid, but never created */
#define REF_65 "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij"
#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define WAIT_FINAL_MS 10000 /* far more than approve_delay_ms; bounds every wait */
#define THREADS 8

/* ------------------------------------------------------------------------------------------
 * Reporting. check() may be called from any thread.
 * ---------------------------------------------------------------------------------------- */

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

/* A reference as the header defines it: 8-64 of a-z A-Z 0-9 -. */
static int valid_reference(const char *ref) {
  size_t i, n = strlen(ref);
  for (i = 0; i < n; i++)
    if (!isalnum((unsigned char)ref[i]) && ref[i] != '-') return 0;
  return n >= 8 && n <= 64;
}

static void checkout_json(char *buf, size_t size, long long amount, const char *phone) {
  snprintf(buf, size, "{\"amount\":%lld,\"currency\":\"NOK\",\"phone_number\":\"%s\"}", amount,
           phone);
}

/* Starts a checkout and checks it succeeded; ref receives the reference. */
static int start(vmp_client *c, long long amount, const char *phone, char ref[VMP_REFERENCE_SIZE]) {
  char json[256];
  checkout_json(json, sizeof json, amount, phone);
  ref[0] = '\0';
  return EXPECT(vmp_start_checkout(c, json, ref, VMP_REFERENCE_SIZE), VMP_OK, NULL) &&
         check(valid_reference(ref), "checkout of %lld to %s gave a valid reference \"%s\"",
               amount, phone, ref);
}

/* Polls until a final state (bounded by WAIT_FINAL_MS) and checks it is `want`. */
static int wait_for(vmp_client *c, const char *ref, vmp_payment_state want, vmp_payment *p) {
  *p = new_payment();
  return EXPECT(vmp_poll_status(c, ref, WAIT_FINAL_MS, p), VMP_OK, NULL) &&
         check(p->state == want, "payment %s is %s (want %s)", ref, vmp_state_str(p->state),
               vmp_state_str(want));
}

static void check_aggregates(const vmp_payment *p, long long authorized, long long captured,
                             long long refunded, long long cancelled) {
  check(p->authorized_amount == authorized && p->captured_amount == captured &&
            p->refunded_amount == refunded && p->cancelled_amount == cancelled,
        "aggregates of %s: authorized %lld captured %lld refunded %lld cancelled %lld "
        "(want %lld %lld %lld %lld)",
        p->reference, (long long)p->authorized_amount, (long long)p->captured_amount,
        (long long)p->refunded_amount, (long long)p->cancelled_amount, authorized, captured,
        refunded, cancelled);
}

/* ------------------------------------------------------------------------------------------
 * Functions that cannot fail
 * ---------------------------------------------------------------------------------------- */

#define CHECK_STATUS_NAME(name, value, text) \
  check(strcmp(vmp_status_str(value), #name) == 0, "vmp_status_str(%d) = %s", value, vmp_status_str(value));

/* The other name functions give a value's name without its list's prefix. */
#define CHECK_SHORT_NAME(fn, prefix, name, value)                                               \
  check(strcmp(fn(value), &#name[sizeof prefix - 1]) == 0, #fn "(%d) = %s, want the tail of %s", \
        value, fn(value), #name);
#define CHECK_STATE_NAME(name, value, text) CHECK_SHORT_NAME(vmp_state_str, "VMP_STATE_", name, value)
#define CHECK_SCAN_EVENT_NAME(name, value, text) \
  CHECK_SHORT_NAME(vmp_scan_event_str, "VMP_SCAN_", name, value)
#define CHECK_CODE_KIND_NAME(name, value, text) \
  CHECK_SHORT_NAME(vmp_code_kind_str, "VMP_CODE_", name, value)
#define CHECK_ENROLLMENT_NAME(name, value, text) \
  CHECK_SHORT_NAME(vmp_enrollment_state_str, "VMP_ENROLLMENT_", name, value)
#define CHECK_LOG_LEVEL_NAME(name, value, text) \
  CHECK_SHORT_NAME(vmp_log_level_str, "VMP_LOG_", name, value)

static void test_information(void) {
  char want[32];
  const char *err;
  snprintf(want, sizeof want, "%d.%d.%d", VMP_VERSION_MAJOR, VMP_VERSION_MINOR, VMP_VERSION_PATCH);
  check(vmp_version() != NULL && strcmp(vmp_version(), want) == 0, "vmp_version() = %s (want %s)",
        vmp_version() ? vmp_version() : "(NULL)", want);
  VMP_STATUS_LIST(CHECK_STATUS_NAME)
  check(strcmp(vmp_status_str(-1), "VMP_ERR_UNKNOWN_STATUS") == 0, "vmp_status_str(-1) is unknown");
  check(strcmp(vmp_status_str(9999), "VMP_ERR_UNKNOWN_STATUS") == 0, "vmp_status_str(9999) is unknown");
  check(strcmp(vmp_state_str(VMP_STATE_UNKNOWN), "UNKNOWN") == 0 &&
            strcmp(vmp_state_str(VMP_STATE_CREATED), "CREATED") == 0 &&
            strcmp(vmp_state_str(VMP_STATE_AUTHORIZED), "AUTHORIZED") == 0 &&
            strcmp(vmp_state_str(VMP_STATE_ABORTED), "ABORTED") == 0 &&
            strcmp(vmp_state_str(VMP_STATE_EXPIRED), "EXPIRED") == 0 &&
            strcmp(vmp_state_str(VMP_STATE_TERMINATED), "TERMINATED") == 0,
        "vmp_state_str names every state");
  check(strcmp(vmp_state_str(6), "UNKNOWN") == 0 && strcmp(vmp_state_str(-1), "UNKNOWN") == 0,
        "vmp_state_str of unknown values is UNKNOWN");
  /* Every value of every list of vmp.h has its name (the lists make both the enums and these). */
  VMP_PAYMENT_STATE_LIST(CHECK_STATE_NAME)
  VMP_SCAN_EVENT_LIST(CHECK_SCAN_EVENT_NAME)
  VMP_CODE_KIND_LIST(CHECK_CODE_KIND_NAME)
  VMP_ENROLLMENT_STATE_LIST(CHECK_ENROLLMENT_NAME)
  VMP_LOG_LEVEL_LIST(CHECK_LOG_LEVEL_NAME)
  check(strcmp(vmp_scan_event_str(-1), "UNKNOWN") == 0 && strcmp(vmp_code_kind_str(99), "UNKNOWN") == 0 &&
            strcmp(vmp_enrollment_state_str(-1), "UNKNOWN") == 0 && strcmp(vmp_log_level_str(99), "UNKNOWN") == 0,
        "the name functions give UNKNOWN for values not in their lists");
  err = vmp_last_error();
  check(err != NULL && err[0] == '\0', "vmp_last_error() is \"\" before any failure");

  /* The informational functions leave the last error alone; any other vmp_ call resets it. */
  EXPECT(vmp_poll_status(NULL, UNKNOWN_REF, 0, NULL), VMP_ERR_INVALID_HANDLE, "handle");
  vmp_version();
  vmp_status_str(VMP_OK);
  vmp_state_str(VMP_STATE_CREATED);
  vmp_last_error();
  check(mentions(vmp_last_error(), "handle"),
        "vmp_version/vmp_status_str/vmp_state_str/vmp_last_error keep the last error: \"%s\"",
        vmp_last_error());
  vmp_free(NULL);
  check(vmp_last_error()[0] == '\0', "vmp_free(NULL) is a no-op that resets the last error");
}

/* ------------------------------------------------------------------------------------------
 * vmp_init failures
 * ---------------------------------------------------------------------------------------- */

static void expect_init_fails(const char *config, vmp_status want, const char *words) {
  vmp_client *c = FORGED;
  expect_status(config ? config : "vmp_init(NULL, &c)", vmp_init(config, &c), want, words);
  check(c == NULL, "vmp_init sets *out to NULL on failure");
}

static void test_init_errors(void) {
  const char *err;
  expect_init_fails(NULL, VMP_ERR_INVALID_ARGUMENT, "config_json");
  EXPECT(vmp_init(SIM_CONFIG, NULL), VMP_ERR_INVALID_ARGUMENT, "out");
  expect_init_fails("{", VMP_ERR_INVALID_JSON, "json|syntax|unexpected|end|eof|malformed");
  expect_init_fails("", VMP_ERR_INVALID_JSON, "json|empty|unexpected|end|eof|malformed");
  expect_init_fails("[1,2]", VMP_ERR_INVALID_JSON, "json|object|array");
  expect_init_fails("{\"environment\":\"simulator\",\"colour\":\"blue\"}", VMP_ERR_INVALID_JSON,
                    "colour");
  expect_init_fails("{\"environment\":42}", VMP_ERR_INVALID_JSON, "environment|string|number");
  expect_init_fails("{\"environment\":\"mars\"}", VMP_ERR_INVALID_CONFIG, "environment|mars");
  expect_init_fails("{\"environment\":\"test\"}", VMP_ERR_INVALID_CONFIG,
                    "client_id|credential|subscription|secret|msn");
  /* A configuration error must not echo the secret it was given. */
  expect_init_fails("{\"environment\":\"test\",\"client_id\":\"abi-id\","
                    "\"client_secret\":\"Sup3rSecretValue\"}",
                    VMP_ERR_INVALID_CONFIG, "subscription|msn|missing|required");
  err = vmp_last_error();
  check(strstr(err, "Sup3rSecretValue") == NULL, "the last error does not contain the secret");
  /* Keys without an environment are not run on the embedded simulator (issue 14, case 14). */
  expect_init_fails("{\"client_id\":\"abi-id\",\"client_secret\":\"Sup3rSecretValue\","
                    "\"subscription_key\":\"abi-key\",\"msn\":\"123456\"}",
                    VMP_ERR_INVALID_CONFIG, "environment");
  check(strstr(vmp_last_error(), "Sup3rSecretValue") == NULL, "the last error does not contain the secret");
  /* Test and production keys never travel over plain http (case 15). */
  expect_init_fails("{\"environment\":\"production\",\"base_url\":\"http://127.0.0.1:9\","
                    "\"client_id\":\"abi-id\",\"client_secret\":\"Sup3rSecretValue\","
                    "\"subscription_key\":\"abi-key\",\"msn\":\"123456\"}",
                    VMP_ERR_INVALID_CONFIG, "https");
  /* A base_url's user:password is never echoed (case 17). */
  expect_init_fails("{\"environment\":\"simulator\",\"base_url\":\"http://vmp:Pa55word@127.0.0.1:99999\"}",
                    VMP_ERR_INVALID_CONFIG, "base_url");
  check(strstr(vmp_last_error(), "Pa55word") == NULL, "the last error does not contain the URL's password: \"%s\"",
        vmp_last_error());
}

/* ------------------------------------------------------------------------------------------
 * NULL, forged and (later) closed handles
 * ---------------------------------------------------------------------------------------- */

static void expect_invalid_handle(vmp_client *c, const char *name) {
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  char json[256];
  checkout_json(json, sizeof json, 100, PHONE_APPROVES);
  printf("# %s handle\n", name);
  EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 0, &p), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_capture(c, UNKNOWN_REF, 100, NULL, &p), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_refund(c, UNKNOWN_REF, 100, "op", NULL), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_cancel(c, UNKNOWN_REF, 0, NULL, NULL), VMP_ERR_INVALID_HANDLE, "handle");
  {
    char *json = NULL;
    EXPECT(vmp_pending(c, &json), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_recover(c, 0, &json), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_acknowledge(c, "some-operation"), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_find_payments(c, "{}", &json), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_payment_totals(c, "{}", &json), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_attach_receipt(c, UNKNOWN_REF, "{}"), VMP_ERR_INVALID_HANDLE, "handle");
  }
  {
    char url[VMP_SIMULATOR_URL_SIZE];
    EXPECT(vmp_simulator_url(c, url, sizeof url), VMP_ERR_INVALID_HANDLE, "handle");
  }
  vmp_close(c);
  check(vmp_last_error()[0] == '\0', "vmp_close of a %s handle is a no-op", name);
}

/* ------------------------------------------------------------------------------------------
 * Argument errors on an open client
 * ---------------------------------------------------------------------------------------- */

static void test_checkout_errors(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE], small[VMP_REFERENCE_SIZE];
  char json[256];
  size_t sizes[] = {0, 8, VMP_REFERENCE_SIZE - 1};
  size_t i, untouched;
  vmp_payment p = new_payment();

  printf("# vmp_start_checkout argument errors\n");
  checkout_json(json, sizeof json, 100, PHONE_APPROVES);
  EXPECT(vmp_start_checkout(c, NULL, ref, sizeof ref), VMP_ERR_INVALID_ARGUMENT, "checkout_json");
  EXPECT(vmp_start_checkout(c, json, NULL, sizeof ref), VMP_ERR_INVALID_ARGUMENT, "reference");

  /* Too small: refused before anything is sent, buffer untouched, the needed size named. */
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    const char *buffer_json =
        "{\"amount\":100,\"phone_number\":\"" PHONE_APPROVES "\",\"reference\":\"abi-small-buffer-1\"}";
    memset(small, 'x', sizeof small);
    expect_status("vmp_start_checkout(c, json, small, too small)",
                  vmp_start_checkout(c, buffer_json, small, sizes[i]), VMP_ERR_BUFFER_TOO_SMALL,
                  "65");
    for (untouched = 0; untouched < sizeof small && small[untouched] == 'x'; untouched++) {
    }
    check(untouched == sizeof small, "a reference buffer of %u bytes is left untouched",
          (unsigned)sizes[i]);
  }
  EXPECT(vmp_poll_status(c, "abi-small-buffer-1", 0, &p), VMP_ERR_NOT_FOUND, "not found|5090");

  EXPECT(vmp_start_checkout(c, "{", ref, sizeof ref), VMP_ERR_INVALID_JSON,
         "json|syntax|unexpected|end|eof|malformed");
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"" PHONE_APPROVES "\",\"colour\":\"blue\"}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_JSON, "colour");
  EXPECT(vmp_start_checkout(c, "{\"amount\":\"100\",\"phone_number\":\"" PHONE_APPROVES "\"}", ref,
                            sizeof ref),
         VMP_ERR_INVALID_JSON, "amount|string|number");
  EXPECT(vmp_start_checkout(c, "{\"amount\":0,\"phone_number\":\"" PHONE_APPROVES "\"}", ref, sizeof ref),
         VMP_ERR_INVALID_AMOUNT, "amount");
  EXPECT(vmp_start_checkout(c, "{\"amount\":-100,\"phone_number\":\"" PHONE_APPROVES "\"}", ref,
                            sizeof ref),
         VMP_ERR_INVALID_AMOUNT, "amount");
  EXPECT(vmp_start_checkout(c, "{\"amount\":9223372036854775807,\"phone_number\":\"" PHONE_APPROVES "\"}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_AMOUNT, "amount");
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"" PHONE_APPROVES "\",\"reference\":\"short\"}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"" PHONE_APPROVES
                               "\",\"reference\":\"has space here\"}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"" PHONE_APPROVES "\",\"reference\":\"" REF_65 "\"}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"12\"}", ref, sizeof ref),
         VMP_ERR_INVALID_CUSTOMER, "phone");
  /* A bad phone number is personal data: the detail must not repeat it in full. */
  EXPECT(vmp_start_checkout(c, "{\"amount\":100,\"phone_number\":\"4791234567891234\"}", ref, sizeof ref),
         VMP_ERR_INVALID_CUSTOMER, "phone|mobile number|digits");
  check(strstr(vmp_last_error(), "91234567891234") == NULL,
        "the last error does not contain the full phone number");
}

static void test_poll_errors(vmp_client *c) {
  vmp_payment p = new_payment();
  printf("# vmp_poll_status argument errors\n");
  EXPECT(vmp_poll_status(c, NULL, 0, &p), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 0, NULL), VMP_ERR_INVALID_ARGUMENT, "out");
  p.struct_size = 0;
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 0, &p), VMP_ERR_INVALID_ARGUMENT, "struct_size");
  p.struct_size = offsetof(vmp_payment, created_at_ms) - 1; /* below vmp 0.2.0's size */
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 0, &p), VMP_ERR_INVALID_ARGUMENT, "struct_size");
  p = new_payment();
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, -1, &p), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 600001, &p), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, INT32_MIN, &p), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_poll_status(c, "short", 0, &p), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_poll_status(c, "has space here", 0, &p), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_poll_status(c, REF_65, 0, &p), VMP_ERR_INVALID_REFERENCE, "reference");
  memset(&p, 0xab, sizeof p);
  p.struct_size = sizeof p;
  EXPECT(vmp_poll_status(c, UNKNOWN_REF, 0, &p), VMP_ERR_NOT_FOUND, "not found|5090");
  check(p.state == (vmp_payment_state)0xabababab && (unsigned char)p.reference[0] == 0xab,
        "out is left untouched on failure");
}

/* capture and refund have the same parameters and the same argument errors. */
typedef vmp_status(VMP_CALL *movement_fn)(vmp_client *, const char *, int64_t, const char *,
                                          vmp_payment *);

static void test_movement_errors(vmp_client *c, movement_fn fn, const char *name) {
  vmp_payment p = new_payment();
  printf("# %s argument errors\n", name);
  EXPECT(fn(c, NULL, 100, NULL, &p), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(fn(c, UNKNOWN_REF, 0, NULL, &p), VMP_ERR_INVALID_AMOUNT, "amount");
  EXPECT(fn(c, UNKNOWN_REF, -100, "op-1", NULL), VMP_ERR_INVALID_AMOUNT, "amount");
  EXPECT(fn(c, "short", 100, NULL, NULL), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(fn(c, "has space here", 100, NULL, NULL), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(fn(c, REF_65, 100, NULL, NULL), VMP_ERR_INVALID_REFERENCE, "reference");
  p.struct_size = 8;
  EXPECT(fn(c, UNKNOWN_REF, 100, NULL, &p), VMP_ERR_INVALID_ARGUMENT, "struct_size");
  EXPECT(fn(c, UNKNOWN_REF, 100, NULL, NULL), VMP_ERR_NOT_FOUND, "not found|5090");
}

static void test_cancel_errors(vmp_client *c) {
  vmp_payment p = new_payment();
  printf("# vmp_cancel argument errors\n");
  EXPECT(vmp_cancel(c, UNKNOWN_REF, 0x2, NULL, NULL), VMP_ERR_INVALID_ARGUMENT, "flags");
  EXPECT(vmp_cancel(c, UNKNOWN_REF, 0xffffffffu, NULL, &p), VMP_ERR_INVALID_ARGUMENT, "flags");
  EXPECT(vmp_cancel(c, NULL, 0, NULL, &p), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_cancel(c, "short", 0, NULL, NULL), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_cancel(c, "has space here", VMP_CANCEL_TRANSACTION_ONLY, NULL, NULL),
         VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_cancel(c, REF_65, 0, NULL, NULL), VMP_ERR_INVALID_REFERENCE, "reference");
  p.struct_size = 0;
  EXPECT(vmp_cancel(c, UNKNOWN_REF, 0, NULL, &p), VMP_ERR_INVALID_ARGUMENT, "struct_size");
  EXPECT(vmp_cancel(c, UNKNOWN_REF, 0, NULL, NULL), VMP_ERR_NOT_FOUND, "not found|5090");
}

/* ------------------------------------------------------------------------------------------
 * Happy paths on the simulator
 * ---------------------------------------------------------------------------------------- */

/* A caller built against a later, larger vmp_payment. */
struct newer_payment {
  vmp_payment v1;
  unsigned char appended[16];
};

static void test_larger_struct(vmp_client *c, const char *ref) {
  struct newer_payment big;
  size_t i;
  int untouched = 1;
  memset(&big, 0x5a, sizeof big);
  big.v1.struct_size = sizeof big;
  EXPECT(vmp_poll_status(c, ref, 0, &big.v1), VMP_OK, NULL);
  for (i = 0; i < sizeof big.appended; i++) untouched = untouched && big.appended[i] == 0x5a;
  check(big.v1.struct_size == sizeof big && untouched && big.v1.state == VMP_STATE_AUTHORIZED,
        "a larger struct keeps its struct_size (%u) and its appended bytes",
        (unsigned)big.v1.struct_size);
}

/* vmp_payment exactly as vmp 0.2.0's vmp.h declared it: what a till built against 0.2.0 passes. */
typedef struct {
  uint32_t struct_size;
  vmp_payment_state state;
  int64_t amount, authorized_amount, captured_amount, refunded_amount, cancelled_amount;
  char currency[4];
  char reference[VMP_REFERENCE_SIZE];
} payment_0_2_0;

/*
 * A till compiled against 0.2.0 keeps working: its struct_size (120) is taken - from C's copy
 * (wait 0) and from Go (a wait, a capture) - its fields are filled and not a byte beyond.
 */
static void test_payment_struct_of_0_2_0(vmp_client *c, const char *ref) {
  struct {
    payment_0_2_0 old;
    unsigned char beyond[sizeof(vmp_payment)];
  } b;
  size_t i;
  int untouched = 1, round;
  check(sizeof b.old == offsetof(vmp_payment, created_at_ms), "0.2.0's vmp_payment is %u bytes", (unsigned)sizeof b.old);
  for (round = 0; round < 2; round++) {
    memset(&b, 0x5a, sizeof b);
    b.old.struct_size = sizeof b.old;
    EXPECT(vmp_poll_status(c, ref, round == 0 ? 0 : 1, (vmp_payment *)&b.old), VMP_OK, NULL);
    for (i = 0; i < sizeof b.beyond; i++) untouched = untouched && b.beyond[i] == 0x5a;
    check(b.old.struct_size == sizeof b.old && b.old.state == VMP_STATE_AUTHORIZED && b.old.amount == 49900 &&
              strcmp(b.old.reference, ref) == 0 && untouched,
          "a 0.2.0 struct (wait %d) is filled up to its size and no further (state %s)", round,
          vmp_state_str(b.old.state));
  }
}

/* The fields appended after 0.2.0, and the event log. */
static void test_payment_times_and_events(vmp_client *c, const char *ref, const vmp_payment *p) {
  char *json = (char *)"untouched";
  vmp_payment again = new_payment();
  long long now_ms = (long long)time(NULL) * 1000;
  check(p->psp_reference[0] != '\0', "the payment has its pspReference (\"%s\")", p->psp_reference);
  check(p->created_at_ms > now_ms - 600000 && p->created_at_ms <= now_ms + 1000 &&
            p->last_changed_ms >= p->created_at_ms,
        "created_at_ms %lld and last_changed_ms %lld are recent and in order", (long long)p->created_at_ms,
        (long long)p->last_changed_ms);
  EXPECT(vmp_payment_events(c, NULL, &json), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_payment_events(c, ref, NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  EXPECT(vmp_payment_events(c, "short", &json), VMP_ERR_INVALID_REFERENCE, "reference");
  check(json == NULL, "a failed vmp_payment_events sets out_json to NULL");
  EXPECT(vmp_payment_events(c, UNKNOWN_REF, &json), VMP_ERR_NOT_FOUND, NULL);
  if (EXPECT(vmp_payment_events(c, ref, &json), VMP_OK, NULL)) {
    check(json != NULL && strstr(json, "\"name\":\"CREATED\"") != NULL && strstr(json, "\"name\":\"AUTHORIZED\"") != NULL &&
              strstr(json, "\"timestamp\":\"") != NULL && strstr(json, "\"pspReference\":\"") != NULL,
          "the event log has CREATED and AUTHORIZED with times: %.300s", json ? json : "(NULL)");
    vmp_free(json);
  }
  EXPECT(vmp_poll_status(c, ref, 0, &again), VMP_OK, NULL);
  check(again.created_at_ms > 0 && again.created_at_ms <= p->created_at_ms + 1000,
        "after the event log, created_at_ms is Vipps' CREATED time (%lld)", (long long)again.created_at_ms);
}

/*
 * Vipps allows 5 money operations (create included) a minute per payment, and the library keeps
 * to that, so each payment below stays within 5.
 */
static void test_payment(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  double t0;

  printf("# checkout 49900 NOK, authorize, capture, refund\n");
  if (!start(c, 49900, PHONE_APPROVES, ref)) return;
  EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_CREATED, "right after checkout the payment is %s (want CREATED)",
        vmp_state_str(p.state));
  if (!wait_for(c, ref, VMP_STATE_AUTHORIZED, &p)) return;
  check(p.struct_size == sizeof p && p.amount == 49900 && strcmp(p.currency, "NOK") == 0 &&
            strcmp(p.reference, ref) == 0,
        "payment fields: struct_size %u amount %lld currency %s reference %s",
        (unsigned)p.struct_size, (long long)p.amount, p.currency, p.reference);
  check_aggregates(&p, 49900, 0, 0, 0);
  test_larger_struct(c, ref);
  test_payment_struct_of_0_2_0(c, ref);
  test_payment_times_and_events(c, ref, &p);

  t0 = now_s();
  EXPECT(vmp_poll_status(c, ref, 600000, &p), VMP_OK, NULL);
  check(now_s() - t0 < 5, "the longest wait returns at once on a final state");

  EXPECT(vmp_capture(c, ref, 49900, "abi-receipt-1", &p), VMP_OK, NULL);
  check_aggregates(&p, 49900, 49900, 0, 0);
  EXPECT(vmp_refund(c, ref, 10000, NULL, &p), VMP_OK, NULL);
  check_aggregates(&p, 49900, 49900, 10000, 0);
  EXPECT(vmp_capture(c, ref, 1, "", NULL), VMP_ERR_REJECTED, "6090|6040|amount|captur|exceed");
  EXPECT(vmp_refund(c, ref, 40000, "", &p), VMP_ERR_REJECTED, "6150|6020|amount|refund|exceed");

  p = new_payment();
  EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_AUTHORIZED, "after capture and refund the state is %s (want AUTHORIZED)",
        vmp_state_str(p.state));
  check_aggregates(&p, 49900, 49900, 10000, 0);
}

/* operation_id makes a repeated call the same operation; the flags reach the engine. */
static void test_operation_ids(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();

  printf("# operation ids and transaction-only cancel on an approved payment\n");
  if (!start(c, 30000, PHONE_APPROVES, ref) || !wait_for(c, ref, VMP_STATE_AUTHORIZED, &p)) return;
  p.state = VMP_STATE_UNKNOWN;
  EXPECT(vmp_cancel(c, ref, VMP_CANCEL_TRANSACTION_ONLY, NULL, &p), VMP_ERR_ALREADY_AUTHORIZED,
         "approved|authori");
  check(p.state == VMP_STATE_AUTHORIZED && p.authorized_amount == 30000 && p.cancelled_amount == 0,
        "an abort that lost the race fills the AUTHORIZED payment (state %s)", vmp_state_str(p.state));
  EXPECT(vmp_capture(c, ref, 20000, "abi-receipt-2", &p), VMP_OK, NULL);
  check_aggregates(&p, 30000, 20000, 0, 0);
  EXPECT(vmp_capture(c, ref, 20000, "abi-receipt-2", &p), VMP_OK, NULL);
  check_aggregates(&p, 30000, 20000, 0, 0);
  EXPECT(vmp_capture(c, ref, 5000, "abi-receipt-2", &p), VMP_ERR_CONFLICT,
         "operation|conflict|amount|idempoten");
}

/*
 * The create key comes from the reference: a repeated checkout is the same payment, and the
 * same reference with other content conflicts with it.
 */
static void test_explicit_reference(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  const char *json =
      "{\"amount\":1000,\"phone_number\":\"" PHONE_APPROVES "\",\"reference\":\"abi-explicit-ref-0001\"}";
  printf("# an explicit reference, repeated\n");
  EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_OK, NULL);
  check(strcmp(ref, "abi-explicit-ref-0001") == 0, "the explicit reference is returned: %s", ref);
  memset(ref, 0, sizeof ref);
  EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_OK, NULL);
  check(strcmp(ref, "abi-explicit-ref-0001") == 0, "the repeated checkout is the same payment: %s",
        ref);
  EXPECT(vmp_start_checkout(c,
                            "{\"amount\":2000,\"phone_number\":\"" PHONE_APPROVES
                            "\",\"reference\":\"abi-explicit-ref-0001\"}",
                            ref, sizeof ref),
         VMP_ERR_CONFLICT, "idempoten|reference|another|used");
}

static void test_cancel(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();

  printf("# cancel before approval\n");
  if (start(c, 10000, PHONE_WAITS, ref)) {
    EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL);
    check(p.state == VMP_STATE_CREATED, "the waiting customer's payment is %s (want CREATED)",
          vmp_state_str(p.state));
    EXPECT(vmp_cancel(c, ref, 0, "abi-cancel-1", &p), VMP_OK, NULL);
    check(p.state == VMP_STATE_TERMINATED, "after cancel the payment is %s (want TERMINATED)",
          vmp_state_str(p.state));
    wait_for(c, ref, VMP_STATE_TERMINATED, &p);
  }

  printf("# transaction-only cancel before approval\n");
  if (start(c, 10000, PHONE_WAITS, ref)) {
    EXPECT(vmp_cancel(c, ref, VMP_CANCEL_TRANSACTION_ONLY, NULL, NULL), VMP_OK, NULL);
    wait_for(c, ref, VMP_STATE_TERMINATED, &p);
  }

  printf("# cancel of the rest after a partial capture\n");
  if (start(c, 30000, PHONE_APPROVES, ref) && wait_for(c, ref, VMP_STATE_AUTHORIZED, &p)) {
    EXPECT(vmp_capture(c, ref, 10000, NULL, NULL), VMP_OK, NULL);
    EXPECT(vmp_cancel(c, ref, 0, NULL, &p), VMP_OK, NULL);
    check(p.state == VMP_STATE_AUTHORIZED, "after cancelling the rest the state is %s (want AUTHORIZED)",
          vmp_state_str(p.state));
    check_aggregates(&p, 30000, 10000, 0, 20000);
  }
}

/* ------------------------------------------------------------------------------------------
 * Threads
 * ---------------------------------------------------------------------------------------- */

struct worker {
  vmp_client *client;
  int index;
};

/* One full sale on a client shared with the other workers. */
static void *sale_worker(void *arg) {
  struct worker *w = (struct worker *)arg;
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  long long amount = 1000LL * (w->index + 1);
  if (!start(w->client, amount, PHONE_APPROVES, ref)) return NULL;
  if (!wait_for(w->client, ref, VMP_STATE_AUTHORIZED, &p)) return NULL;
  EXPECT(vmp_capture(w->client, ref, amount, NULL, &p), VMP_OK, NULL);
  check(p.captured_amount == amount && strcmp(p.reference, ref) == 0,
        "thread %d captured %lld of %s", w->index, (long long)p.captured_amount, ref);
  return NULL;
}

static void test_threads(vmp_client *c) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int i;
  printf("# %d threads, one sale each, one shared client\n", THREADS);
  for (i = 0; i < THREADS; i++) {
    workers[i].client = c;
    workers[i].index = i;
    check(pthread_create(&threads[i], NULL, sale_worker, &workers[i]) == 0, "thread %d started", i);
  }
  for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
}

struct locality {
  vmp_client *client;
  int fresh_was_empty;
  char own_error[512];
};

static void *other_thread(void *arg) {
  struct locality *l = (struct locality *)arg;
  vmp_payment p = new_payment();
  l->fresh_was_empty = vmp_last_error()[0] == '\0';
  vmp_poll_status(l->client, UNKNOWN_REF, -5, &p);
  snprintf(l->own_error, sizeof l->own_error, "%s", vmp_last_error());
  return NULL;
}

static void test_last_error_locality(vmp_client *c) {
  pthread_t t;
  struct locality l;
  char mine[512];
  printf("# the last error is per thread\n");
  memset(&l, 0, sizeof l);
  l.client = c;
  EXPECT(vmp_capture(NULL, UNKNOWN_REF, 100, NULL, NULL), VMP_ERR_INVALID_HANDLE, "handle");
  snprintf(mine, sizeof mine, "%s", vmp_last_error());
  if (!check(pthread_create(&t, NULL, other_thread, &l) == 0, "second thread started")) return;
  pthread_join(t, NULL);
  check(l.fresh_was_empty, "a new thread sees \"\" although another thread failed");
  check(mentions(l.own_error, "wait_ms"), "the other thread sees its own failure: \"%s\"",
        l.own_error);
  check(strcmp(vmp_last_error(), mine) == 0,
        "this thread still sees its own failure after the other one failed: \"%s\"",
        vmp_last_error());
}

/* ------------------------------------------------------------------------------------------
 * Close
 * ---------------------------------------------------------------------------------------- */

struct waiter {
  vmp_client *client;
  char ref[VMP_REFERENCE_SIZE];
  vmp_status status;
  double returned_at;
};

/* Waits for a payment that never gets an answer, until vmp_close cuts the wait short. */
static void *long_poll(void *arg) {
  struct waiter *w = (struct waiter *)arg;
  vmp_payment p = new_payment();
  w->status = vmp_poll_status(w->client, w->ref, 60000, &p);
  w->returned_at = now_s();
  return NULL;
}

static void test_close(vmp_client *c) {
  struct waiter w;
  pthread_t t;
  vmp_client *other = NULL, *again = NULL;
  vmp_payment p = new_payment();
  char ref[VMP_REFERENCE_SIZE];
  double t0;

  printf("# a second, independent client\n");
  EXPECT(vmp_init(SIM_CONFIG, &other), VMP_OK, NULL);
  check(other != NULL && other != c, "the second client has its own handle");

  printf("# close while another thread waits\n");
  memset(&w, 0, sizeof w);
  w.client = c;
  if (start(c, 5000, PHONE_WAITS, w.ref) &&
      check(pthread_create(&t, NULL, long_poll, &w) == 0, "waiting thread started")) {
    sleep_ms(300); /* if the poll had not started, it fails at once: also a prompt return */
    t0 = now_s();
    vmp_close(c);
    check(now_s() - t0 < 10, "vmp_close returned after %.2f s", now_s() - t0);
    pthread_join(t, NULL);
    check(w.returned_at - t0 < 10, "the waiting poll returned %.2f s after vmp_close (%s)",
          w.returned_at - t0, vmp_status_str(w.status));
  } else {
    vmp_close(c);
  }
  check(vmp_last_error()[0] == '\0', "vmp_close leaves no error");
  expect_invalid_handle(c, "closed");
  vmp_close(c);
  vmp_close(NULL);
  check(1, "vmp_close twice and vmp_close(NULL) are no-ops");

  if (other != NULL) {
    printf("# the second client outlives the first\n");
    if (start(other, 2000, PHONE_APPROVES, ref)) wait_for(other, ref, VMP_STATE_AUTHORIZED, &p);
    vmp_close(other);
  }
  EXPECT(vmp_init(SIM_CONFIG, &again), VMP_OK, NULL);
  check(again != NULL && again != c && again != other, "handles are not reused");
  vmp_close(again);
}

/* ------------------------------------------------------------------------------------------
 * The journal: vmp_pending, vmp_recover, vmp_acknowledge, and journal files at vmp_init
 * ---------------------------------------------------------------------------------------- */

static void test_journal_calls(vmp_client *c) {
  char *json = (char *)"untouched";
  printf("# journal calls\n");
  EXPECT(vmp_pending(c, NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  if (EXPECT(vmp_pending(c, &json), VMP_OK, NULL)) {
    check(json != NULL && strstr(json, "\"open\":[") != NULL && strstr(json, "\"unacknowledged\":[") != NULL,
          "vmp_pending lists open and unacknowledged operations: %s", json ? json : "(null)");
    check(json != NULL && strstr(json, PHONE_APPROVES) == NULL, "vmp_pending never shows a phone number");
    vmp_free(json);
  }
  json = (char *)"untouched";
  EXPECT(vmp_recover(c, -1, &json), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  check(json == NULL, "a failed vmp_recover sets out_json to NULL");
  EXPECT(vmp_recover(c, 600001, NULL), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_recover(c, 1000, NULL), VMP_OK, NULL);
  if (EXPECT(vmp_recover(c, 1000, &json), VMP_OK, NULL)) {
    check(json != NULL && strstr(json, "\"resolved\":[]") != NULL && strstr(json, "\"still_open\":[]") != NULL,
          "with nothing open vmp_recover resolves nothing: %s", json ? json : "(null)");
    vmp_free(json);
  }
  EXPECT(vmp_acknowledge(c, NULL), VMP_ERR_INVALID_ARGUMENT, "operation");
  EXPECT(vmp_acknowledge(c, ""), VMP_ERR_INVALID_ARGUMENT, "operation");
  EXPECT(vmp_acknowledge(c, "no-such-operation"), VMP_ERR_NOT_FOUND, "no operation");
  EXPECT(vmp_acknowledge(c, "payment:no-such-payment"), VMP_ERR_NOT_FOUND, "payment");
  EXPECT(vmp_find_payments(c, "{}", NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  EXPECT(vmp_find_payments(c, NULL, &json), VMP_ERR_INVALID_ARGUMENT, "query_json");
  EXPECT(vmp_find_payments(c, "{\"referense\":\"x\"}", &json), VMP_ERR_INVALID_JSON, "referense");
  check(strstr(vmp_last_error(), "referense") != NULL, "the error names the unknown field: %s", vmp_last_error());
  EXPECT(vmp_find_payments(c, "{\"from\":\"2026-12-05T00:00:00Z\",\"to\":\"2028-12-05T00:00:00Z\"}", &json),
         VMP_ERR_INVALID_ARGUMENT, "366");
  if (EXPECT(vmp_find_payments(c, "{}", &json), VMP_OK, NULL)) {
    check(json != NULL && strstr(json, "\"payments\":[") != NULL && strstr(json, PHONE_APPROVES) == NULL,
          "vmp_find_payments lists the day's payments without phone numbers: %s", json ? json : "(null)");
    vmp_free(json);
  }
  if (EXPECT(vmp_payment_totals(c, "{}", &json), VMP_OK, NULL)) {
    check(json != NULL && strstr(json, "\"totals\":[") != NULL, "vmp_payment_totals: %s", json ? json : "(null)");
    vmp_free(json);
  }
}

static void test_journal_files(void) {
  char dir[] = "/tmp/vmp-abi-journal-XXXXXX", path[256], config[512];
  vmp_client *a = NULL, *b = NULL;
  FILE *f;
  printf("# journal files\n");
  if (!check(mkdtemp(dir) != NULL, "a temporary folder for journals")) return;
  snprintf(path, sizeof path, "%s/till.db", dir);
  snprintf(config, sizeof config, "{\"journal_path\":\"%s\"}", path);
  if (EXPECT(vmp_init(config, &a), VMP_OK, NULL)) {
    vmp_status st = vmp_init(config, &b);
    expect_status("a second vmp_init on the same journal", st, VMP_ERR_JOURNAL, "in use|journal_path");
    vmp_close(b);
    vmp_close(a);
  }
  snprintf(path, sizeof path, "%s/damaged.db", dir);
  f = fopen(path, "w");
  if (f != NULL) {
    int i;
    for (i = 0; i < 2000; i++) fputs("not a journal ", f);
    fclose(f);
  }
  snprintf(config, sizeof config, "{\"journal_path\":\"%s\"}", path);
  expect_status("vmp_init on a damaged journal", vmp_init(config, &a), VMP_ERR_JOURNAL, "damaged");
  check(a == NULL, "no handle for a damaged journal");
  remove(path);
  snprintf(path, sizeof path, "%s/till.db", dir);
  remove(path);
  rmdir(dir);
}

/* ------------------------------------------------------------------------------------------
 * Receipts and the customer-facing QR
 * ---------------------------------------------------------------------------------------- */

#define RECEIPT_9900                                                                             \
  "{\"orderLines\":[{\"name\":\"Bag\",\"id\":\"bag\",\"totalAmount\":9900,"                     \
  "\"totalAmountExcludingTax\":8609,\"totalTaxAmount\":1291,\"taxRate\":1500}],"                 \
  "\"bottomLine\":{\"currency\":\"NOK\",\"receiptNumber\":\"0001\"}}"

/* vmp_receipt_warnings for ref gives the JSON array want exactly, or one containing want. */
static void expect_receipt_warnings(vmp_client *c, const char *ref, const char *want) {
  char *json = (char *)"untouched";
  if (EXPECT(vmp_receipt_warnings(c, ref, &json), VMP_OK, NULL)) {
    check(json != NULL && (strcmp(want, "[]") == 0 ? strcmp(json, "[]") == 0 : strstr(json, want) != NULL),
          "vmp_receipt_warnings(%s) = %s, want %s", ref, json ? json : "(NULL)", want);
    vmp_free(json);
  }
}

/* The Vipps in-store example receipt (7475 tax on 22425 at 25.50 %): refused by vmp 0.2.0. */
#define RECEIPT_VIPPS_EXAMPLE                                                                    \
  "{\"orderLines\":[{\"name\":\"Vipps socks\",\"id\":\"1234567890\",\"totalAmount\":29900,"          \
  "\"totalAmountExcludingTax\":22425,\"totalTaxAmount\":7475,\"taxRate\":2550}],"                     \
  "\"bottomLine\":{\"currency\":\"NOK\",\"posId\":\"pos_122\"}}"

/*
 * Issue 16: a receipt never blocks a payment. What only looks wrong is sent with warnings
 * (vmp_receipt_warnings); a split tender told with paymentSources is no warning; with
 * "strict_receipts" what looks wrong is refused as before.
 */
static void test_receipt_leniency(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE], *json = (char *)"untouched";
  vmp_client *strict = NULL;
  printf("# a receipt never blocks a payment\n");
  EXPECT(vmp_receipt_warnings(c, NULL, &json), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_receipt_warnings(c, UNKNOWN_REF, NULL), VMP_ERR_INVALID_ARGUMENT, "out_json");
  EXPECT(vmp_receipt_warnings(c, "short", &json), VMP_ERR_INVALID_REFERENCE, "reference");
  check(json == NULL, "a failed vmp_receipt_warnings sets out_json to NULL");
  EXPECT(vmp_receipt_warnings(NULL, UNKNOWN_REF, &json), VMP_ERR_INVALID_HANDLE, "handle");
  expect_receipt_warnings(c, UNKNOWN_REF, "[]");

  if (EXPECT(vmp_start_checkout(c, "{\"amount\":29900,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":" RECEIPT_VIPPS_EXAMPLE "}",
                                ref, sizeof ref),
             VMP_OK, NULL))
    expect_receipt_warnings(c, ref, "totalTaxAmount 7475 does not match 25.50 % of 22425 (expected 5718)");
  /* Lines that add up to more than the payment: a split tender without paymentSources. */
  if (EXPECT(vmp_start_checkout(c, "{\"amount\":5000,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":" RECEIPT_9900 "}",
                                ref, sizeof ref),
             VMP_OK, NULL))
    expect_receipt_warnings(c, ref, "add up to 9900, but the payment is 5000");
  /* The same told with paymentSources: no warning. */
  if (EXPECT(vmp_start_checkout(c, "{\"amount\":5000,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":"
                                   "{\"orderLines\":[{\"name\":\"Bag\",\"id\":\"bag\",\"totalAmount\":9900,\"totalAmountExcludingTax\":8609,"
                                   "\"totalTaxAmount\":1291,\"taxRate\":1500}],\"bottomLine\":{\"currency\":\"NOK\","
                                   "\"paymentSources\":{\"giftCard\":4900}}}}",
                                ref, sizeof ref),
             VMP_OK, NULL))
    expect_receipt_warnings(c, ref, "[]");
  /* After the sale, as lenient. */
  if (EXPECT(vmp_start_checkout(c, "{\"amount\":29900,\"phone_number\":\"" PHONE_APPROVES "\"}", ref, sizeof ref), VMP_OK, NULL)) {
    EXPECT(vmp_attach_receipt(c, ref, RECEIPT_VIPPS_EXAMPLE), VMP_OK, NULL);
    expect_receipt_warnings(c, ref, "expected 5718");
  }

  if (!EXPECT(vmp_init("{\"environment\":\"simulator\",\"strict_receipts\":true,\"log_level\":\"off\"}", &strict), VMP_OK, NULL))
    return;
  EXPECT(vmp_start_checkout(strict, "{\"amount\":29900,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":" RECEIPT_VIPPS_EXAMPLE "}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_ARGUMENT, "expected 5718");
  EXPECT(vmp_start_checkout(strict, "{\"amount\":5000,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":" RECEIPT_9900 "}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_ARGUMENT, "add up to 9900, but the payment is 5000");
  if (EXPECT(vmp_start_checkout(strict, "{\"amount\":29900,\"phone_number\":\"" PHONE_APPROVES "\"}", ref, sizeof ref), VMP_OK, NULL))
    EXPECT(vmp_attach_receipt(strict, ref, RECEIPT_VIPPS_EXAMPLE), VMP_ERR_INVALID_ARGUMENT, "strict_receipts");
  vmp_close(strict);
}

/* A sale whose payment the customer declined gets a new attempt, "<reference>-2" (issue 16). */
static void test_next_attempt(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  const char *json = "{\"amount\":1000,\"phone_number\":\"" PHONE_REJECTS "\",\"reference\":\"abi-attempt-sale-1\"}";
  printf("# a declined sale's next attempt\n");
  if (!EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_OK, NULL) || !wait_for(c, ref, VMP_STATE_ABORTED, &p)) return;
  if (EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_OK, NULL))
    check(strcmp(ref, "abi-attempt-sale-1-2") == 0, "the repeat after ABORTED is the attempt %s", ref);
}

/* The checkout fields beside the money (issue 16): sent; extra never overrides vmp's own. */
static void test_checkout_fields(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  printf("# checkout fields: customer interaction, age, profile, URLs, metadata, extra\n");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1500,\"phone_number\":\"" PHONE_APPROVES "\",\"customer_interaction\":\"CUSTOMER_NOT_PRESENT\","
                               "\"minimum_user_age\":18,\"profile_scopes\":[\"name\"],\"receipt_url\":\"https://shop.example/r/1\","
                               "\"return_url\":\"myapp://paid\",\"metadata\":{\"order\":\"c-1\"},\"extra\":{\"industryData\":{}}}",
                            ref, sizeof ref),
         VMP_OK, NULL);
  EXPECT(vmp_start_checkout(c, "{\"amount\":1500,\"flow\":\"qr\",\"return_url\":\"https://shop.example/after\"}", ref, sizeof ref),
         VMP_OK, NULL);
  EXPECT(vmp_start_checkout(c, "{\"amount\":1500,\"phone_number\":\"" PHONE_APPROVES "\",\"extra\":{\"reference\":\"c-other-ref-1\"}}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_ARGUMENT, "extra.reference");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1500,\"phone_number\":\"" PHONE_APPROVES "\",\"minimum_user_age\":\"18\"}", ref, sizeof ref),
         VMP_ERR_INVALID_JSON, "minimum_user_age");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1500,\"phone_number\":\"" PHONE_APPROVES "\",\"customer_interaction\":\"ONLINE\"}", ref, sizeof ref),
         VMP_ERR_INVALID_ARGUMENT, "customer_interaction");
}

static void test_receipts_and_qr(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  uint8_t *out = (uint8_t *)"untouched";
  size_t len = 99;
  printf("# receipts and the customer-facing QR\n");
  EXPECT(vmp_checkout_qr(c, NULL, VMP_QR_SVG, 0, &out, &len), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_checkout_qr(c, UNKNOWN_REF, VMP_QR_SVG, 0, NULL, &len), VMP_ERR_INVALID_ARGUMENT, "out");
  EXPECT(vmp_checkout_qr(c, UNKNOWN_REF, VMP_QR_SVG, 0, &out, NULL), VMP_ERR_INVALID_ARGUMENT, "out");
  EXPECT(vmp_checkout_qr(c, UNKNOWN_REF, 7, 0, &out, &len), VMP_ERR_INVALID_ARGUMENT, "format");
  EXPECT(vmp_checkout_qr(c, UNKNOWN_REF, VMP_QR_PNG, 10, &out, &len), VMP_ERR_INVALID_ARGUMENT, "size_px");
  check(out == NULL && len == 0, "a failed vmp_checkout_qr sets out to NULL and out_len to 0");
  EXPECT(vmp_checkout_qr(c, "short", VMP_QR_URL, 0, &out, &len), VMP_ERR_INVALID_REFERENCE, "reference");
  EXPECT(vmp_checkout_qr(c, UNKNOWN_REF, VMP_QR_URL, 0, &out, &len), VMP_ERR_NOT_FOUND, "not found|5090");

  EXPECT(vmp_attach_receipt(c, NULL, RECEIPT_9900), VMP_ERR_INVALID_ARGUMENT, "reference");
  EXPECT(vmp_attach_receipt(c, UNKNOWN_REF, NULL), VMP_ERR_INVALID_ARGUMENT, "receipt_json");
  EXPECT(vmp_attach_receipt(c, UNKNOWN_REF, "{\"orderLines\":"), VMP_ERR_INVALID_JSON, "receipt");
  EXPECT(vmp_attach_receipt(c, UNKNOWN_REF, "{\"lines\":[]}"), VMP_ERR_INVALID_JSON, "lines");
  EXPECT(vmp_attach_receipt(c, "short", RECEIPT_9900), VMP_ERR_INVALID_REFERENCE, "reference");
  /* A receipt that breaks Vipps' schema is refused before anything is sent. */
  EXPECT(vmp_attach_receipt(c, UNKNOWN_REF,
                            "{\"orderLines\":[{\"name\":\"Bag\",\"id\":\"bag\",\"totalAmount\":9900,"
                            "\"totalAmountExcludingTax\":8609,\"taxRate\":1500}],\"bottomLine\":{\"currency\":\"NOK\"}}"),
         VMP_ERR_INVALID_JSON, "totalTaxAmount is required");
  EXPECT(vmp_start_checkout(c, "{\"amount\":9900,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":"
                               "{\"orderLines\":[{\"name\":\"Bag\",\"id\":\"bag\",\"totalAmount\":9900,\"totalAmountExcludingTax\":8609,"
                               "\"totalTaxAmount\":1291,\"taxRate\":1500,\"unitInfo\":{\"unitPrice\":9900,\"quantity\":\"1,5\"}}],"
                               "\"bottomLine\":{\"currency\":\"NOK\"}}}",
                            ref, sizeof ref),
         VMP_ERR_INVALID_ARGUMENT, "quantity");
  /* A consistent one goes with the payment, without warnings. */
  if (EXPECT(vmp_start_checkout(c, "{\"amount\":9900,\"phone_number\":\"" PHONE_APPROVES "\",\"receipt\":" RECEIPT_9900 "}",
                                ref, sizeof ref),
             VMP_OK, NULL))
    expect_receipt_warnings(c, ref, "[]");
  test_receipt_leniency(c);
  test_checkout_fields(c);
  test_next_attempt(c);
}

/* ------------------------------------------------------------------------------------------
 * The embedded simulator's URL
 * ---------------------------------------------------------------------------------------- */

static void test_simulator_url(void) {
  char dir[] = "/tmp/vmp-abi-sim-url-XXXXXX", config[512], url[VMP_SIMULATOR_URL_SIZE], unit_url[VMP_SIMULATOR_URL_SIZE];
  vmp_client *c = NULL, *u = NULL;
  printf("# vmp_simulator_url\n");
  EXPECT(vmp_simulator_url(NULL, url, sizeof url), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_simulator_url(FORGED, url, sizeof url), VMP_ERR_INVALID_HANDLE, "handle");
  /* log_level "warn" hides the "client started" record that also carries the URL. */
  if (EXPECT(vmp_init("{\"log_level\":\"warn\",\"sales_units\":[{\"name\":\"store-b\",\"msn\":\"234567\"}]}", &c),
             VMP_OK, NULL)) {
    EXPECT(vmp_simulator_url(c, NULL, sizeof url), VMP_ERR_INVALID_ARGUMENT, "url");
    memset(url, 'x', sizeof url);
    EXPECT(vmp_simulator_url(c, url, VMP_SIMULATOR_URL_SIZE - 1), VMP_ERR_BUFFER_TOO_SMALL, "VMP_SIMULATOR_URL_SIZE");
    check(url[0] == 'x', "a too-small buffer is left untouched");
    if (EXPECT(vmp_simulator_url(c, url, sizeof url), VMP_OK, NULL))
      check(strncmp(url, "http://127.0.0.1:", 17) == 0 && strlen(url) > 17, "the simulator's URL: %s", url);
    if (EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL)) {
      EXPECT(vmp_simulator_url(u, unit_url, sizeof unit_url), VMP_OK, NULL);
      check(strcmp(unit_url, url) == 0, "a unit handle gives its client's simulator: %s", unit_url);
      vmp_close(u);
      EXPECT(vmp_simulator_url(u, unit_url, sizeof unit_url), VMP_ERR_INVALID_HANDLE, "handle");
    }
    vmp_close(c);
    EXPECT(vmp_simulator_url(c, url, sizeof url), VMP_ERR_INVALID_HANDLE, "handle");
  }
  /* A client of a simulator elsewhere (base_url, as cmd/vmp-sim) started none: "". Port 9 is
   * never asked - vmp_init sends nothing. */
  if (!check(mkdtemp(dir) != NULL, "a temporary folder for a journal")) return;
  snprintf(config, sizeof config, "{\"base_url\":\"http://127.0.0.1:9\",\"journal_path\":\"%s/till.db\"}", dir);
  if (EXPECT(vmp_init(config, &c), VMP_OK, NULL)) {
    memset(url, 'x', sizeof url);
    EXPECT(vmp_simulator_url(c, url, sizeof url), VMP_OK, NULL);
    check(url[0] == '\0', "no embedded simulator: the URL is \"\" (%s)", url);
    vmp_close(c);
  }
  snprintf(config, sizeof config, "%s/till.db", dir);
  remove(config);
  rmdir(dir);
}

/* ------------------------------------------------------------------------------------------
 * Sales units: a handle that acts for another store of the chain
 * ---------------------------------------------------------------------------------------- */

static void test_sales_units(void) {
  vmp_client *c = NULL, *u = NULL, *bad = (vmp_client *)(uintptr_t)1;
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  printf("# sales units\n");
  if (!EXPECT(vmp_init("{\"simulator\":{\"approve_delay_ms\":0},"
                       "\"sales_units\":[{\"name\":\"store-b\",\"msn\":\"234567\",\"reference_prefix\":\"b\"}]}",
                       &c),
              VMP_OK, NULL))
    return;
  EXPECT(vmp_sales_unit(NULL, "store-b", &u), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_sales_unit(c, NULL, &u), VMP_ERR_INVALID_ARGUMENT, "name");
  EXPECT(vmp_sales_unit(c, "store-b", NULL), VMP_ERR_INVALID_ARGUMENT, "out");
  bad = (vmp_client *)(uintptr_t)1;
  EXPECT(vmp_sales_unit(c, "store-z", &bad), VMP_ERR_INVALID_ARGUMENT, "store-z");
  check(bad == NULL, "a failed vmp_sales_unit sets out to NULL");
  if (EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL) && check(u != NULL && u != c, "a unit handle of its own")) {
    if (start(u, 5000, PHONE_APPROVES, ref) && wait_for(u, ref, VMP_STATE_AUTHORIZED, &p)) {
      check(ref[0] == 'b' && ref[1] == '-', "the unit's reference carries its prefix: %s", ref);
      EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_ERR_NOT_FOUND, "not found|5090");
      EXPECT(vmp_capture(u, ref, 5000, "unit-capture-1", &p), VMP_OK, NULL);
      EXPECT(vmp_refund(u, ref, 1000, "unit-refund-1", &p), VMP_OK, NULL);
      check_aggregates(&p, 5000, 5000, 1000, 0);
    }
    vmp_close(u);
    EXPECT(vmp_poll_status(u, ref, 0, &p), VMP_ERR_INVALID_HANDLE, "handle");
    EXPECT(vmp_poll_status(c, "abi-unknown-payment-0001", 0, &p), VMP_ERR_NOT_FOUND, "not found|5090");
  }
  if (EXPECT(vmp_sales_unit(c, "store-b", &u), VMP_OK, NULL)) {
    vmp_close(c);
    EXPECT(vmp_poll_status(u, ref, 0, &p), VMP_ERR_INVALID_HANDLE, "closed");
    vmp_close(u);
  } else {
    vmp_close(c);
  }
}

int main(void) {
  vmp_client *c = NULL;
  double t0 = now_s();

  test_information();
  test_init_errors();
  expect_invalid_handle(NULL, "NULL");
  expect_invalid_handle(FORGED, "forged");
  test_journal_files();
  test_sales_units();
  test_simulator_url();

  if (EXPECT(vmp_init(SIM_CONFIG, &c), VMP_OK, NULL) &&
      check(c != NULL, "vmp_init gives a handle")) {
    test_checkout_errors(c);
    test_poll_errors(c);
    test_movement_errors(c, vmp_capture, "vmp_capture");
    test_movement_errors(c, vmp_refund, "vmp_refund");
    test_cancel_errors(c);
    test_payment(c);
    test_operation_ids(c);
    test_explicit_reference(c);
    test_cancel(c);
    test_journal_calls(c);
    test_receipts_and_qr(c);
    test_threads(c);
    test_last_error_locality(c);
    test_close(c);
  }

  printf("# %.1f s\n", now_s() - t0);
  return check_summary();
}
