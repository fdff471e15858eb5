/*
 * vipps_rules_test.c - Vipps' rules as Vipps applies them, through the C ABI against the
 * embedded simulator (issue 16 point 5): rate limits per API per reference (after a create and
 * four partial captures a refund and a cancel still go), the sales unit's market currency
 * (5040), a unit that must capture in full (6140), a cancel while the customer confirms
 * (6250, retried until the approval lands: VMP_ERR_ALREADY_AUTHORIZED), the test
 * environment's failure amounts, the polling config, and enrollment with partner keys.
 *
 * Build and run: tests/c/run.sh
 */
#define _POSIX_C_SOURCE 200809L

#include "vmp.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define PHONE "4791234567"
#define PHONE_CONFIRMING "4790000005" /* confirming in the app: a cancel meanwhile is 6250 */
#define PHONE_CONSENTS "4790000011"

static vmp_client *open_client(const char *config) {
  vmp_client *c = NULL;
  if (!EXPECT(vmp_init(config, &c), VMP_OK, NULL)) exit(1);
  return c;
}

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

static const char *vipps_code(void) {
  static vmp_vipps_error v;
  memset(&v, 0, sizeof v);
  v.struct_size = sizeof v;
  vmp_last_vipps_error(&v);
  return v.error_code;
}

static int sale(vmp_client *c, const char *json, char ref[VMP_REFERENCE_SIZE], vmp_payment_state want) {
  vmp_payment p = new_payment();
  ref[0] = '\0';
  return EXPECT(vmp_start_checkout(c, json, ref, VMP_REFERENCE_SIZE), VMP_OK, NULL) &&
         EXPECT(vmp_poll_status(c, ref, 10000, &p), VMP_OK, NULL) &&
         check(p.state == want, "%s ends %s (%s)", ref, vmp_state_str(want), vmp_state_str(p.state));
}

static void test_rate_limits_per_api(void) {
  vmp_client *c = open_client("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0}}");
  char ref[VMP_REFERENCE_SIZE], id[32];
  vmp_payment p = new_payment();
  int i;
  printf("# rate limits per API: a create, four partial captures, a refund and a cancel\n");
  if (sale(c, "{\"amount\":10000,\"phone_number\":\"" PHONE "\"}", ref, VMP_STATE_AUTHORIZED)) {
    for (i = 0; i < 4; i++) {
      snprintf(id, sizeof id, "part-%d", i);
      EXPECT(vmp_capture(c, ref, 1000, id, &p), VMP_OK, NULL);
    }
    EXPECT(vmp_refund(c, ref, 500, "return-1", &p), VMP_OK, NULL);
    check(p.refunded_amount == 500, "refunded 500 (%lld)", (long long)p.refunded_amount);
    EXPECT(vmp_cancel(c, ref, 0, "release", &p), VMP_OK, NULL);
    check(p.cancelled_amount == 6000, "released 6000 (%lld)", (long long)p.cancelled_amount);
  }
  vmp_close(c);
}

static void test_unit_rules(void) {
  vmp_client *c = open_client(
      "{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":300,\"full_capture_only\":true}}");
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  printf("# the sales unit's market and capture rule; a cancel while the customer confirms\n");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"currency\":\"EUR\",\"phone_number\":\"" PHONE "\"}", ref, sizeof ref),
         VMP_ERR_REJECTED, "5040");
  check(strcmp(vipps_code(), "5040") == 0, "a Norwegian unit refuses EUR: ErrorCode 5040");
  if (sale(c, "{\"amount\":1000,\"phone_number\":\"" PHONE "\"}", ref, VMP_STATE_AUTHORIZED)) {
    EXPECT(vmp_capture(c, ref, 400, "part", &p), VMP_ERR_REJECTED, "6140");
    check(strcmp(vipps_code(), "6140") == 0, "a partial capture is ErrorCode 6140");
    EXPECT(vmp_capture(c, ref, 1000, "whole", &p), VMP_OK, NULL);
  }
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_CONFIRMING "\"}", ref, sizeof ref), VMP_OK, NULL);
  p = new_payment();
  EXPECT(vmp_cancel(c, ref, VMP_CANCEL_TRANSACTION_ONLY, "abort", &p), VMP_ERR_ALREADY_AUTHORIZED, "approved");
  check(p.state == VMP_STATE_AUTHORIZED, "refused with 6250 while confirming, then the approval won: AUTHORIZED");
  vmp_close(c);

  c = open_client("{\"environment\":\"simulator\",\"currency\":\"DKK\",\"simulator\":{\"approve_delay_ms\":0}}");
  sale(c, "{\"amount\":1000,\"phone_number\":\"" PHONE "\"}", ref, VMP_STATE_AUTHORIZED);
  check(1, "a till configured for DKK pays in DKK (its simulated unit is Danish)");
  vmp_close(c);
}

static void test_failure_amounts(void) {
  vmp_client *c = open_client("{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0,\"failure_amounts\":true}}");
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p = new_payment();
  printf("# the test environment's failure amounts\n");
  sale(c, "{\"amount\":151,\"phone_number\":\"" PHONE "\"}", ref, VMP_STATE_ABORTED);
  if (sale(c, "{\"amount\":1000,\"phone_number\":\"" PHONE "\"}", ref, VMP_STATE_AUTHORIZED)) {
    EXPECT(vmp_capture(c, ref, 1000, "all", &p), VMP_OK, NULL);
    EXPECT(vmp_refund(c, ref, 123, "r-123", &p), VMP_ERR_REJECTED, "5100");
    EXPECT(vmp_refund(c, ref, 124, "r-124", &p), VMP_ERR_REJECTED, "6220");
  }
  vmp_close(c);
}

static void test_polling_and_partner_login(void) {
  vmp_client *c = NULL;
  char id[VMP_ENROLLMENT_ID_SIZE];
  vmp_enrollment_state st = 0;
  char *profile = NULL;
  printf("# polling config; enrollment with partner keys\n");
  EXPECT(vmp_init("{\"environment\":\"simulator\",\"polling\":{\"interval_ms\":100}}", &c), VMP_ERR_INVALID_CONFIG,
         "interval_ms");
  c = open_client(
      "{\"environment\":\"simulator\",\"msn\":\"234567\",\"polling\":{\"interval_ms\":2000,\"first_delay_ms\":200},"
      "\"partner\":{\"client_id\":\"p-id\",\"client_secret\":\"p-secret\",\"subscription_key\":\"p-key\"},"
      "\"simulator\":{\"approve_delay_ms\":0}}");
  if (EXPECT(vmp_start_enrollment(c, "{\"phone_number\":\"" PHONE_CONSENTS "\"}", id, sizeof id), VMP_OK, NULL)) {
    EXPECT(vmp_poll_enrollment(c, id, 10000, &st, &profile), VMP_OK, NULL);
    check(st == VMP_ENROLLMENT_CONSENTED, "the partner's enrollment is CONSENTED (%d)", (int)st);
    vmp_free(profile);
  }
  vmp_close(c);
}

int main(void) {
  test_rate_limits_per_api();
  test_unit_rules();
  test_failure_amounts();
  test_polling_and_partner_login();
  return check_summary();
}
