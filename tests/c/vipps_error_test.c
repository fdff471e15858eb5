/*
 * vipps_error_test.c - Vipps' answer to a failed call as data (vmp_last_vipps_error, issue 16
 * point 3): status, ErrorCode, title and traceId after a refusal; nothing after a failure vmp
 * found itself or a success; per thread like vmp_last_error; the struct_size rule; 7010 as
 * VMP_ERR_CUSTOMER_NOT_FOUND; 5080 as VMP_ERR_PUSH_NOT_ALLOWED, and with "push_fallback": "qr"
 * a QR checkout whose reference comes with that status. Against the embedded simulator.
 *
 * Build and run: tests/c/run.sh
 */
#define _POSIX_C_SOURCE 200809L

#include "vmp.h"
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PHONE_UNKNOWN "4790000003" /* the simulator's customer who cannot pay: 7010 */
#define PHONE_APPROVES "4791234567"

static vmp_vipps_error answer(void) {
  vmp_vipps_error v;
  memset(&v, 0x5a, sizeof v); /* anything the library leaves unwritten shows */
  v.struct_size = sizeof v;
  check(vmp_last_vipps_error(&v) == VMP_OK && v.struct_size == sizeof v, "vmp_last_vipps_error answers");
  return v;
}

static int is_empty(const vmp_vipps_error *v) {
  return v->http_status == 0 && v->error_code[0] == '\0' && v->title[0] == '\0' && v->trace_id[0] == '\0';
}

static vmp_client *open_client(const char *config) {
  vmp_client *c = NULL;
  if (!EXPECT(vmp_init(config, &c), VMP_OK, NULL)) exit(1);
  return c;
}

static void test_customer_not_found(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE] = "untouched";
  vmp_vipps_error v;
  printf("# 7010: VMP_ERR_CUSTOMER_NOT_FOUND with Vipps' answer as fields\n");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_UNKNOWN "\"}", ref, sizeof ref),
         VMP_ERR_CUSTOMER_NOT_FOUND, "7010");
  v = answer();
  check(v.http_status == 400, "http_status %d", v.http_status);
  check(strcmp(v.error_code, "7010") == 0, "error_code \"%s\"", v.error_code);
  check(strcmp(v.title, "Customer not found") == 0, "title \"%s\"", v.title);
  check(strncmp(v.trace_id, "00-", 3) == 0 && strlen(v.trace_id) > 20, "trace_id \"%s\"", v.trace_id);
  check(strstr(vmp_last_error(), v.trace_id) != NULL, "vmp_last_error still there and names the same traceId");
  v = answer();
  check(v.http_status == 400, "reading it again changes nothing");
}

static void test_struct_size(vmp_client *c) {
  vmp_vipps_error v;
  char ref[VMP_REFERENCE_SIZE];
  struct {
    vmp_vipps_error v;
    char later_field[8];
  } larger;
  printf("# struct_size, NULL\n");
  vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_UNKNOWN "\"}", ref, sizeof ref);
  check(vmp_last_vipps_error(NULL) == VMP_ERR_INVALID_ARGUMENT, "NULL is VMP_ERR_INVALID_ARGUMENT");
  memset(&v, 0, sizeof v);
  v.struct_size = sizeof v - 1;
  check(vmp_last_vipps_error(&v) == VMP_ERR_INVALID_ARGUMENT && v.http_status == 0,
        "a struct_size below this version's is refused, nothing written");
  check(mentions(vmp_last_error(), "7010") && answer().http_status == 400,
        "a refused read leaves the failure being examined in place");
  memset(&larger, 0x33, sizeof larger);
  larger.v.struct_size = sizeof larger;
  check(vmp_last_vipps_error(&larger.v) == VMP_OK && larger.v.http_status == 400 &&
            larger.v.struct_size == sizeof larger && larger.later_field[0] == 0x33 && larger.later_field[7] == 0x33,
        "a larger struct: filled, its extra bytes and struct_size kept");
}

static void test_cleared(vmp_client *c) {
  char ref[VMP_REFERENCE_SIZE];
  printf("# nothing after a success or a failure that had no answer from Vipps\n");
  vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_UNKNOWN "\"}", ref, sizeof ref);
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_APPROVES "\"}", ref, sizeof ref), VMP_OK, NULL);
  {
    vmp_vipps_error v = answer();
    check(is_empty(&v), "after a success: empty (http_status %d)", v.http_status);
  }
  vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_UNKNOWN "\"}", ref, sizeof ref);
  EXPECT(vmp_capture(c, "vipps-error-no-answer", 0, NULL, NULL), VMP_ERR_INVALID_AMOUNT, NULL);
  {
    vmp_vipps_error v = answer();
    check(is_empty(&v), "after a failure vmp found itself: empty (http_status %d)", v.http_status);
  }
}

struct other {
  vmp_client *client;
  int fresh_empty, own_status;
};

static void *other_thread(void *arg) {
  struct other *o = arg;
  vmp_vipps_error v = answer();
  o->fresh_empty = is_empty(&v);
  vmp_capture(o->client, "vipps-error-unknown-ref", 100, NULL, NULL); /* 404 from Vipps */
  v = answer();
  o->own_status = v.http_status;
  return NULL;
}

static void test_per_thread(vmp_client *c) {
  pthread_t t;
  struct other o;
  char ref[VMP_REFERENCE_SIZE];
  printf("# per thread\n");
  memset(&o, 0, sizeof o);
  o.client = c;
  vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_UNKNOWN "\"}", ref, sizeof ref);
  if (!check(pthread_create(&t, NULL, other_thread, &o) == 0, "second thread started")) return;
  pthread_join(t, NULL);
  check(o.fresh_empty, "a new thread sees no answer although another thread has one");
  check(o.own_status == 404, "the other thread sees its own (HTTP %d)", o.own_status);
  check(answer().http_status == 400, "this thread still sees its own 7010");
}

static void test_push_not_allowed(void) {
  vmp_client *c = open_client("{\"environment\":\"simulator\",\"simulator\":{\"push_not_allowed\":true}}");
  char ref[VMP_REFERENCE_SIZE] = "";
  vmp_vipps_error v;
  printf("# 5080 without a fallback\n");
  EXPECT(vmp_start_checkout(c, "{\"amount\":1000,\"phone_number\":\"" PHONE_APPROVES "\"}", ref, sizeof ref),
         VMP_ERR_PUSH_NOT_ALLOWED, "push_fallback");
  v = answer();
  check(v.http_status == 400 && strcmp(v.error_code, "5080") == 0, "ErrorCode \"%s\"", v.error_code);
  check(ref[0] == '\0', "no reference: no payment was made (\"%s\")", ref);
  check(strcmp(vmp_status_str(VMP_ERR_PUSH_NOT_ALLOWED), "VMP_ERR_PUSH_NOT_ALLOWED") == 0, "the status has its name");
  vmp_close(c);
}

static void test_push_fallback(void) {
  vmp_client *c = open_client(
      "{\"environment\":\"simulator\",\"push_fallback\":\"qr\",\"simulator\":{\"push_not_allowed\":true}}");
  char ref[VMP_REFERENCE_SIZE] = "";
  uint8_t *qr = NULL;
  size_t qr_len = 0;
  vmp_payment p;
  printf("# 5080 with \"push_fallback\": \"qr\"\n");
  EXPECT(vmp_start_checkout(c, "{\"amount\":2500,\"phone_number\":\"" PHONE_APPROVES "\",\"reference\":\"till-sale-42\"}",
                            ref, sizeof ref),
         VMP_ERR_PUSH_NOT_ALLOWED, "vmp_checkout_qr");
  check(strcmp(ref, "till-sale-42-qr") == 0, "the QR checkout's reference comes with the status: \"%s\"", ref);
  check(strcmp(answer().error_code, "5080") == 0, "and Vipps' 5080 with it");
  EXPECT(vmp_checkout_qr(c, ref, VMP_QR_SVG, 0, &qr, &qr_len), VMP_OK, NULL);
  check(qr != NULL && qr_len > 100, "its QR code can be shown (%zu bytes)", qr_len);
  vmp_free(qr);
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  EXPECT(vmp_poll_status(c, ref, 0, &p), VMP_OK, NULL);
  check(p.state == VMP_STATE_CREATED && p.amount == 2500, "a CREATED payment of 2500 (state %s)", vmp_state_str(p.state));
  vmp_close(c);
}

int main(void) {
  vmp_client *c = open_client("{\"environment\":\"simulator\"}");
  {
    vmp_vipps_error v = answer();
    check(is_empty(&v), "a thread that never failed: empty");
  }
  test_customer_not_found(c);
  test_struct_size(c);
  test_cleared(c);
  test_per_thread(c);
  vmp_close(c);
  test_push_not_allowed();
  test_push_fallback();
  return check_summary();
}
