/*
 * club_test.c - the customer-club functions of include/vmp.h through the built libvmp.so:
 * vmp_identify_customer, vmp_loyalty_check_in, vmp_start_enrollment, vmp_poll_enrollment,
 * vmp_cancel_enrollment and vmp_enrollment_state_str. Each is called with NULL pointers,
 * NULL/forged/closed handles, malformed and unknown-field JSON, too-small buffers and bad
 * values, and on the happy paths against the embedded simulator's scenario customers. Every
 * failure must come with a non-empty vmp_last_error that names the problem and never the
 * customer's phone number or QR code. The last line is "<n> passed, <m> failed".
 *
 * Build and run: tests/c/run.sh
 */
#define _POSIX_C_SOURCE 200809L

#include "vmp.h"
#include "check.h"

/* In the club tests a failure's detail must also never show a phone number. */
static int expect_club(const char *what, vmp_status got, vmp_status want, const char *words) {
  int ok = expect_status(what, got, want, words);
  if (got != VMP_OK && !check(!has_long_digit_run(vmp_last_error()), "%s: the detail shows no phone number", what))
    ok = 0;
  return ok;
}
#undef EXPECT
#define EXPECT(call, want, words) expect_club(#call, (call), (want), (words))

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLUB_CONFIG                                                                 \
  "{\"environment\":\"simulator\",\"default_country_code\":\"47\","                \
  "\"simulator\":{\"approve_delay_ms\":200}}"
#define MEMBER "4790000010"      /* the club member of the examples' registers */
#define CONSENTS "4790000011"    /* a non-member who consents */
#define DENIES "4790000012"      /* a non-member who declines */
#define IGNORES "4790000013"     /* a non-member who never answers */
#define OLD_APP "4790000014"     /* an app too old for the login */
#define NOT_A_USER "4790000003"  /* not a Vipps user */
#define TOKEN_QR(m) "https://qr.vipps.no/p/sim-" m
#define LEGACY_QR(m) "https://qr.vipps.no/28/2/01/031/" m "?v=1"
#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define WAIT_MS 15000 /* far more than the customer's 200 ms and the 1 s polling interval */
#define THREADS 4

static int untouched(const char *buf, size_t n, char fill) {
  size_t i;
  for (i = 0; i < n; i++)
    if (buf[i] != fill) return 0;
  return 1;
}

/* Every function of the section, typed exactly as declared: a changed signature fails here. */
struct club_functions {
  const char *(VMP_CALL *state_str)(vmp_enrollment_state);
  vmp_status(VMP_CALL *identify)(vmp_client *, const char *, char *, size_t);
  vmp_status(VMP_CALL *check_in)(vmp_client *, const char *, int32_t);
  vmp_status(VMP_CALL *start)(vmp_client *, const char *, char *, size_t);
  vmp_status(VMP_CALL *poll)(vmp_client *, const char *, int32_t, vmp_enrollment_state *, char **);
  vmp_status(VMP_CALL *cancel)(vmp_client *, const char *);
};

static void test_information(void) {
  struct club_functions f = {vmp_enrollment_state_str, vmp_identify_customer, vmp_loyalty_check_in,
                             vmp_start_enrollment, vmp_poll_enrollment, vmp_cancel_enrollment};
  printf("# vmp_enrollment_state_str and the constants\n");
  check(f.state_str != NULL && f.identify != NULL && f.check_in != NULL && f.start != NULL &&
            f.poll != NULL && f.cancel != NULL,
        "every customer-club function is exported");
  check(strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_PENDING), "PENDING") == 0 &&
            strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_CONSENTED), "CONSENTED") == 0 &&
            strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_DENIED), "DENIED") == 0 &&
            strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_EXPIRED), "EXPIRED") == 0 &&
            strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_CANCELLED), "CANCELLED") == 0 &&
            strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_FAILED), "FAILED") == 0,
        "vmp_enrollment_state_str names every state");
  check(strcmp(vmp_enrollment_state_str(VMP_ENROLLMENT_UNKNOWN), "UNKNOWN") == 0 &&
            strcmp(vmp_enrollment_state_str(7), "UNKNOWN") == 0 &&
            strcmp(vmp_enrollment_state_str(-1), "UNKNOWN") == 0,
        "vmp_enrollment_state_str of unknown values is UNKNOWN");
  check(VMP_ERR_CUSTOMER_NOT_FOUND == 19 && VMP_ERR_APP_TOO_OLD == 20 &&
            strcmp(vmp_status_str(VMP_ERR_CUSTOMER_NOT_FOUND), "VMP_ERR_CUSTOMER_NOT_FOUND") == 0 &&
            strcmp(vmp_status_str(VMP_ERR_APP_TOO_OLD), "VMP_ERR_APP_TOO_OLD") == 0,
        "the club's statuses keep their numbers and names");
  EXPECT(vmp_cancel_enrollment(NULL, "enr-x"), VMP_ERR_INVALID_HANDLE, "handle");
  vmp_enrollment_state_str(VMP_ENROLLMENT_PENDING);
  check(mentions(vmp_last_error(), "handle"), "vmp_enrollment_state_str keeps the last error");
}

static void expect_invalid_handle(vmp_client *c, const char *name) {
  char msisdn[VMP_MSISDN_SIZE], id[VMP_ENROLLMENT_ID_SIZE];
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  char *profile = NULL;
  printf("# %s handle\n", name);
  EXPECT(vmp_identify_customer(c, "+47 912 34 567", msisdn, sizeof msisdn), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_loyalty_check_in(c, MEMBER, 1), VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\"}", id, sizeof id),
         VMP_ERR_INVALID_HANDLE, "handle");
  EXPECT(vmp_poll_enrollment(c, "enr-0", 0, &state, &profile), VMP_ERR_INVALID_HANDLE, "handle");
  check(state == VMP_ENROLLMENT_UNKNOWN && profile == NULL, "outputs are untouched");
  EXPECT(vmp_cancel_enrollment(c, "enr-0"), VMP_ERR_INVALID_HANDLE, "handle");
}

static void test_identify(vmp_client *c) {
  char msisdn[VMP_MSISDN_SIZE], small[VMP_MSISDN_SIZE];
  size_t sizes[] = {0, 8, VMP_MSISDN_SIZE - 1};
  size_t i;
  printf("# vmp_identify_customer\n");
  EXPECT(vmp_identify_customer(c, NULL, msisdn, sizeof msisdn), VMP_ERR_INVALID_ARGUMENT, "input");
  EXPECT(vmp_identify_customer(c, TOKEN_QR(MEMBER), NULL, sizeof msisdn), VMP_ERR_INVALID_ARGUMENT, "msisdn");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    memset(small, 'x', sizeof small);
    expect_status("vmp_identify_customer(c, qr, small, too small)",
                  vmp_identify_customer(c, TOKEN_QR(MEMBER), small, sizes[i]), VMP_ERR_BUFFER_TOO_SMALL,
                  "16");
    check(untouched(small, sizeof small, 'x'), "a buffer of %u bytes is left untouched", (unsigned)sizes[i]);
  }
  EXPECT(vmp_identify_customer(c, "", msisdn, sizeof msisdn), VMP_ERR_INVALID_CUSTOMER, "empty");
  EXPECT(vmp_identify_customer(c, "+47 912 34 5678", msisdn, sizeof msisdn), VMP_ERR_INVALID_CUSTOMER,
         "digits");
  EXPECT(vmp_identify_customer(c, "https://qr.vipps.no/p/someone-elses-token", msisdn, sizeof msisdn),
         VMP_ERR_INVALID_CUSTOMER, "personal QR");
  check(strstr(vmp_last_error(), "someone-elses-token") == NULL, "the last error does not show the code");

  memset(msisdn, 0, sizeof msisdn);
  EXPECT(vmp_identify_customer(c, TOKEN_QR(MEMBER), msisdn, sizeof msisdn), VMP_OK, NULL);
  check(strcmp(msisdn, MEMBER) == 0, "a tokenised personal QR gives %s", msisdn);
  EXPECT(vmp_identify_customer(c, LEGACY_QR(CONSENTS), msisdn, sizeof msisdn), VMP_OK, NULL);
  check(strcmp(msisdn, CONSENTS) == 0, "a legacy personal QR gives %s", msisdn);
  EXPECT(vmp_identify_customer(c, "912 34 567", msisdn, sizeof msisdn), VMP_OK, NULL);
  check(strcmp(msisdn, "4791234567") == 0, "a typed national number with the default country gives %s",
        msisdn);
  EXPECT(vmp_identify_customer(c, "0047 912-34-567", msisdn, VMP_MSISDN_SIZE), VMP_OK, NULL);
  check(strcmp(msisdn, "4791234567") == 0, "a typed 0047 number gives %s", msisdn);
}

static void test_check_in(vmp_client *c) {
  printf("# vmp_loyalty_check_in\n");
  EXPECT(vmp_loyalty_check_in(c, NULL, 1), VMP_ERR_INVALID_ARGUMENT, "phone_number");
  EXPECT(vmp_loyalty_check_in(c, MEMBER, 2), VMP_ERR_INVALID_ARGUMENT, "is_member");
  EXPECT(vmp_loyalty_check_in(c, MEMBER, -1), VMP_ERR_INVALID_ARGUMENT, "is_member");
  EXPECT(vmp_loyalty_check_in(c, "+45 2012 3456", 1), VMP_ERR_INVALID_CUSTOMER, "Norwegian");
  EXPECT(vmp_loyalty_check_in(c, "12", 0), VMP_ERR_INVALID_CUSTOMER, "digits");
  EXPECT(vmp_loyalty_check_in(c, MEMBER, 1), VMP_OK, NULL);
  EXPECT(vmp_loyalty_check_in(c, "900 00 011", 0), VMP_OK, NULL);
}

static void test_start_errors(vmp_client *c) {
  char id[VMP_ENROLLMENT_ID_SIZE], small[VMP_ENROLLMENT_ID_SIZE];
  size_t sizes[] = {0, 8, VMP_ENROLLMENT_ID_SIZE - 1};
  size_t i;
  printf("# vmp_start_enrollment argument errors\n");
  EXPECT(vmp_start_enrollment(c, NULL, id, sizeof id), VMP_ERR_INVALID_ARGUMENT, "enrollment_json");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" IGNORES "\"}", NULL, sizeof id),
         VMP_ERR_INVALID_ARGUMENT, "enrollment_id");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    memset(small, 'x', sizeof small);
    expect_status("vmp_start_enrollment(c, json, small, too small)",
                  vmp_start_enrollment(c, "{\"phone_number\":\"" IGNORES "\"}", small, sizes[i]),
                  VMP_ERR_BUFFER_TOO_SMALL, "40");
    check(untouched(small, sizeof small, 'x'), "an id buffer of %u bytes is left untouched",
          (unsigned)sizes[i]);
  }
  EXPECT(vmp_start_enrollment(c, "{", id, sizeof id), VMP_ERR_INVALID_JSON,
         "json|syntax|unexpected|end|eof|malformed");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\",\"colour\":\"blue\"}", id, sizeof id),
         VMP_ERR_INVALID_JSON, "colour");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":4790000011}", id, sizeof id), VMP_ERR_INVALID_JSON,
         "phone_number|string|number");
  EXPECT(vmp_start_enrollment(c, "{\"scopes\":[\"name\"]}", id, sizeof id), VMP_ERR_INVALID_CUSTOMER,
         "phone_number");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"12\"}", id, sizeof id), VMP_ERR_INVALID_CUSTOMER,
         "digits");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\",\"scopes\":[\"shoeSize\"]}", id, sizeof id),
         VMP_ERR_INVALID_ARGUMENT, "shoeSize");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\",\"binding_message\":\"ab\"}", id, sizeof id),
         VMP_ERR_INVALID_ARGUMENT, "binding_message");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\",\"requested_expiry_s\":5}", id, sizeof id),
         VMP_ERR_INVALID_ARGUMENT, "requested_expiry_s");

  printf("# vmp_start_enrollment: Vipps refuses the customer\n");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" NOT_A_USER "\"}", id, sizeof id),
         VMP_ERR_CUSTOMER_NOT_FOUND, "not a Vipps");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" NOT_A_USER "\",\"check_user_exists\":false}", id,
                              sizeof id),
         VMP_ERR_CUSTOMER_NOT_FOUND, "account");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" OLD_APP "\"}", id, sizeof id), VMP_ERR_APP_TOO_OLD,
         "update");
}

static void test_poll_errors(vmp_client *c) {
  vmp_enrollment_state state = (vmp_enrollment_state)0x5a5a;
  char *profile = (char *)&state;
  printf("# vmp_poll_enrollment and vmp_cancel_enrollment argument errors\n");
  EXPECT(vmp_poll_enrollment(c, NULL, 0, &state, &profile), VMP_ERR_INVALID_ARGUMENT, "enrollment_id");
  EXPECT(vmp_poll_enrollment(c, "enr-unknown", 0, NULL, &profile), VMP_ERR_INVALID_ARGUMENT, "state");
  EXPECT(vmp_poll_enrollment(c, "enr-unknown", -1, &state, &profile), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_poll_enrollment(c, "enr-unknown", 600001, &state, NULL), VMP_ERR_INVALID_ARGUMENT, "wait_ms");
  EXPECT(vmp_poll_enrollment(c, "enr-unknown", 0, &state, &profile), VMP_ERR_INVALID_ARGUMENT,
         "unknown");
  check(state == (vmp_enrollment_state)0x5a5a && profile == (char *)&state,
        "state and profile_json are untouched on argument errors");
  EXPECT(vmp_cancel_enrollment(c, NULL), VMP_ERR_INVALID_ARGUMENT, "enrollment_id");
  EXPECT(vmp_cancel_enrollment(c, "enr-unknown"), VMP_ERR_INVALID_ARGUMENT, "unknown");
}

/* Starts an enrollment and checks it succeeded; id receives the id. */
static int start(vmp_client *c, const char *json, char id[VMP_ENROLLMENT_ID_SIZE]) {
  id[0] = '\0';
  return expect_status(json, vmp_start_enrollment(c, json, id, VMP_ENROLLMENT_ID_SIZE), VMP_OK, NULL) &&
         check(strncmp(id, "enr-", 4) == 0 && strlen(id) < VMP_ENROLLMENT_ID_SIZE, "enrollment id \"%s\"", id);
}

static void test_consent(vmp_client *c) {
  char id[VMP_ENROLLMENT_ID_SIZE];
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  char *profile = (char *)&state;
  double t0;
  printf("# a non-member consents: PENDING, then CONSENTED with the profile\n");
  if (!start(c, "{\"phone_number\":\"900 00 011\",\"scopes\":[\"name\",\"email\"],\"binding_message\":\"CLUB-1\"}", id))
    return;
  EXPECT(vmp_poll_enrollment(c, id, 0, &state, &profile), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_PENDING && profile == NULL, "at once: %s, profile %s",
        vmp_enrollment_state_str(state), profile ? "set" : "NULL");
  t0 = now_s();
  EXPECT(vmp_poll_enrollment(c, id, WAIT_MS, &state, &profile), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_CONSENTED && now_s() - t0 < WAIT_MS / 1000.0,
        "after waiting %.2f s: %s", now_s() - t0, vmp_enrollment_state_str(state));
  check(profile != NULL && strstr(profile, "\"name\":\"Kari Nordmann\"") != NULL &&
            strstr(profile, "\"email\":\"kari.nordmann@example.no\"") != NULL &&
            strstr(profile, "\"phone_number\"") == NULL,
        "the profile holds the consented claims only: %s", profile ? profile : "(NULL)");
  vmp_free(profile);
  profile = NULL;
  EXPECT(vmp_poll_enrollment(c, id, 0, &state, &profile), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_CONSENTED && profile != NULL, "a later poll gives a new copy");
  vmp_free(profile);
  EXPECT(vmp_poll_enrollment(c, id, 0, &state, NULL), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_CONSENTED, "profile_json may be NULL");
  EXPECT(vmp_cancel_enrollment(c, id), VMP_OK, NULL);
  EXPECT(vmp_poll_enrollment(c, id, 0, &state, NULL), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_CONSENTED, "cancelling a finished enrollment changes nothing");
}

static void test_deny(vmp_client *c) {
  char id[VMP_ENROLLMENT_ID_SIZE];
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  char *profile = (char *)&state;
  printf("# a non-member declines: DENIED\n");
  if (!start(c, "{\"phone_number\":\"" DENIES "\"}", id)) return;
  EXPECT(vmp_poll_enrollment(c, id, WAIT_MS, &state, &profile), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_DENIED && profile == NULL, "%s, profile %s", vmp_enrollment_state_str(state),
        profile ? "set" : "NULL");
}

static void test_cancel(vmp_client *c) {
  char id[VMP_ENROLLMENT_ID_SIZE], again[VMP_ENROLLMENT_ID_SIZE];
  vmp_enrollment_state state = VMP_ENROLLMENT_UNKNOWN;
  printf("# cancel: CANCELLED at once; Vipps keeps the request, so a new one is refused\n");
  /* The too-small buffers above sent nothing: this first request to the customer is accepted. */
  if (!start(c, "{\"phone_number\":\"" IGNORES "\"}", id)) return;
  EXPECT(vmp_cancel_enrollment(c, id), VMP_OK, NULL);
  EXPECT(vmp_poll_enrollment(c, id, 0, &state, NULL), VMP_OK, NULL);
  check(state == VMP_ENROLLMENT_CANCELLED, "after cancel: %s", vmp_enrollment_state_str(state));
  EXPECT(vmp_cancel_enrollment(c, id), VMP_OK, NULL);
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" IGNORES "\"}", again, sizeof again),
         VMP_ERR_RATE_LIMITED, "pending");
}

struct waiter {
  vmp_client *client;
  const char *id;
  vmp_status status;
  vmp_enrollment_state state;
  double returned_at;
};

static void *wait_for_enrollment(void *arg) {
  struct waiter *w = (struct waiter *)arg;
  char *profile = NULL;
  w->status = vmp_poll_enrollment(w->client, w->id, WAIT_MS, &w->state, &profile);
  w->returned_at = now_s();
  vmp_free(profile);
  return NULL;
}

static void test_threads(vmp_client *c) {
  char id[VMP_ENROLLMENT_ID_SIZE];
  pthread_t threads[THREADS];
  struct waiter waiters[THREADS];
  int i, started = 0;
  printf("# %d threads wait on one enrollment\n", THREADS);
  if (!start(c, "{\"phone_number\":\"" MEMBER "\"}", id)) return;
  for (i = 0; i < THREADS; i++) {
    memset(&waiters[i], 0, sizeof waiters[i]);
    waiters[i].client = c;
    waiters[i].id = id;
    if (check(pthread_create(&threads[i], NULL, wait_for_enrollment, &waiters[i]) == 0, "thread %d started", i))
      started++;
  }
  for (i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    check(waiters[i].status == VMP_OK && waiters[i].state == VMP_ENROLLMENT_CONSENTED, "thread %d saw %s (%s)", i,
          vmp_enrollment_state_str(waiters[i].state), vmp_status_str(waiters[i].status));
  }
}

/* Vipps unreachable: statuses say so, and nothing is left half-started. */
static void test_unreachable(void) {
  vmp_client *c = NULL;
  char msisdn[VMP_MSISDN_SIZE], id[VMP_ENROLLMENT_ID_SIZE];
  printf("# Vipps unreachable\n");
  if (!EXPECT(vmp_init("{\"base_url\":\"http://127.0.0.1:1\",\"journal_path\":\"build/club_test-journal.db\","
                       "\"timeouts\":{\"connect_ms\":200,\"request_ms\":500,\"operation_ms\":1500}}",
                       &c),
              VMP_OK, NULL))
    return;
  EXPECT(vmp_identify_customer(c, TOKEN_QR(MEMBER), msisdn, sizeof msisdn), VMP_ERR_NETWORK, "reach|connect|refused");
  EXPECT(vmp_identify_customer(c, "+47 900 00 010", msisdn, sizeof msisdn), VMP_OK, NULL);
  EXPECT(vmp_loyalty_check_in(c, MEMBER, 1), VMP_ERR_NETWORK, "reach|connect|refused");
  EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" CONSENTS "\"}", id, sizeof id), VMP_ERR_NETWORK,
         "reach|connect|refused");
  vmp_close(c);
}

static void test_close(void) {
  vmp_client *c = NULL;
  char id[VMP_ENROLLMENT_ID_SIZE];
  struct waiter w;
  pthread_t t;
  double t0;
  printf("# vmp_close while a thread waits on an enrollment\n");
  if (!EXPECT(vmp_init(CLUB_CONFIG, &c), VMP_OK, NULL)) return;
  memset(&w, 0, sizeof w);
  w.client = c;
  w.id = id;
  if (start(c, "{\"phone_number\":\"" IGNORES "\"}", id) &&
      check(pthread_create(&t, NULL, wait_for_enrollment, &w) == 0, "waiting thread started")) {
    sleep_ms(300);
    t0 = now_s();
    vmp_close(c);
    check(now_s() - t0 < 10, "vmp_close returned after %.2f s", now_s() - t0);
    pthread_join(t, NULL);
    check(w.returned_at - t0 < 10, "the waiting poll returned %.2f s after vmp_close (%s)", w.returned_at - t0,
          vmp_status_str(w.status));
  } else {
    vmp_close(c);
  }
  expect_invalid_handle(c, "closed");
}

int main(void) {
  vmp_client *c = NULL;
  double t0 = now_s();

  test_information();
  expect_invalid_handle(NULL, "NULL");
  expect_invalid_handle(FORGED, "forged");
  if (EXPECT(vmp_init(CLUB_CONFIG, &c), VMP_OK, NULL) && check(c != NULL, "vmp_init gives a handle")) {
    test_identify(c);
    test_check_in(c);
    test_start_errors(c);
    test_poll_errors(c);
    test_consent(c);
    test_deny(c);
    test_cancel(c);
    test_threads(c);
    vmp_close(c);
  }
  test_unreachable();
  test_close();

  printf("# %.1f s\n", now_s() - t0);
  return check_summary();
}
