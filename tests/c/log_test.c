/*
 * log_test.c - the log records of include/vmp.h through the built libvmp.so: vmp_on_log,
 * vmp_next_log and vmp_log_level_str. Every call with bad arguments, the pull twin with a
 * too-small buffer (the record stays queued), a payment's records pulled in order, masking of
 * phone numbers and personal QRs, and the callback: every record up to "client closed", none
 * after vmp_close returns. Each check prints one line; the last line is "<n> passed, <m>
 * failed" and the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#include "vmp.h"
#include "check.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define CONFIG "{\"log_level\": \"debug\", \"simulator\": {\"approve_delay_ms\": 0}}"
#define LEGACY_QR "https://qr.vipps.no/28/2/01/031/4791234567?v=1"

static vmp_log_record new_record(void) {
  vmp_log_record r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  return r;
}

/* Every record pulled, joined as "component|message|fields\n" lines. */
static char pulled[1 << 16];

static int pull_all(vmp_client *c) {
  char text[VMP_LOG_TEXT_SIZE];
  int n = 0;
  pulled[0] = '\0';
  for (;;) {
    vmp_log_record r = new_record();
    size_t used = strlen(pulled);
    if (vmp_next_log(c, 0, &r, text, sizeof text) != VMP_OK || r.level == VMP_LOG_NONE) break;
    snprintf(pulled + used, sizeof pulled - used, "%s|%s|%s|%s\n", vmp_log_level_str(r.level),
             r.component, r.message, r.fields_json);
    if (++n > 1000) break;
  }
  return n;
}

typedef struct collected {
  pthread_mutex_t mu;
  int count, after_close, closed_last;
  char last_message[256];
} collected;

static collected got = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, ""};
static volatile int close_returned;

static void VMP_CALL on_log(void *user_data, const vmp_log_record *r) {
  collected *c = (collected *)user_data;
  pthread_mutex_lock(&c->mu);
  c->count++;
  if (close_returned) c->after_close++;
  snprintf(c->last_message, sizeof c->last_message, "%s", r->message);
  pthread_mutex_unlock(&c->mu);
}

static void test_arguments(void) {
  vmp_client *c = NULL;
  vmp_log_record r = new_record();
  char text[VMP_LOG_TEXT_SIZE];
  char small[4];
  vmp_log_record tiny = new_record();

  EXPECT(vmp_on_log(NULL, on_log, NULL), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_on_log(FORGED, on_log, NULL), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_next_log(NULL, 0, &r, text, sizeof text), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_next_log(FORGED, 0, &r, text, sizeof text), VMP_ERR_INVALID_HANDLE, NULL);
  check(strcmp(vmp_log_level_str(VMP_LOG_WARN), "WARN") == 0 &&
            strcmp(vmp_log_level_str(VMP_LOG_NONE), "NONE") == 0 &&
            strcmp(vmp_log_level_str(99), "UNKNOWN") == 0,
        "vmp_log_level_str names every level and UNKNOWN");

  EXPECT(vmp_init("{\"log_level\": \"loud\"}", &c), VMP_ERR_INVALID_CONFIG, NULL);
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  EXPECT(vmp_next_log(c, 0, NULL, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_log(c, 0, &r, NULL, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_log(c, -1, &r, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_log(c, 600001, &r, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  tiny.struct_size = 8;
  EXPECT(vmp_next_log(c, 0, &tiny, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);

  /* A record that does not fit stays queued and says what it needs. */
  r = new_record();
  EXPECT(vmp_next_log(c, 0, &r, small, sizeof small), VMP_ERR_BUFFER_TOO_SMALL, NULL);
  check(r.text_len > sizeof small && r.level == VMP_LOG_NONE && r.message == NULL,
        "too small: text_len=%zu is what it needs, nothing else written", r.text_len);
  {
    size_t need = r.text_len;
    r = new_record();
    EXPECT(vmp_next_log(c, 0, &r, text, sizeof text), VMP_OK, NULL);
    check(r.text_len == need && r.sequence >= 1 && r.time_unix_ms > 0 && r.level >= VMP_LOG_DEBUG,
          "the same record comes next: #%llu %s %s: %s %s", (unsigned long long)r.sequence,
          vmp_log_level_str(r.level), r.component, r.message, r.fields_json);
  }
  vmp_close(c);
  EXPECT(vmp_next_log(c, 0, &r, text, sizeof text), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_on_log(c, on_log, NULL), VMP_ERR_INVALID_HANDLE, NULL);
}

static void test_pulled_records(void) {
  vmp_client *c = NULL;
  char ref[VMP_REFERENCE_SIZE];
  vmp_payment p;
  vmp_log_record r = new_record();
  char text[VMP_LOG_TEXT_SIZE];
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;

  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  EXPECT(vmp_submit_scan(c, LEGACY_QR), VMP_OK, NULL);
  EXPECT(vmp_start_checkout(c, "{\"amount\": 1000, \"phone_number\": \"4791234567\"}", ref, sizeof ref), VMP_OK, NULL);
  EXPECT(vmp_poll_status(c, ref, 10000, &p), VMP_OK, NULL);
  EXPECT(vmp_capture(c, ref, 1000, "receipt-1", &p), VMP_OK, NULL);
  check(pull_all(c) >= 4, "records were pulled:\n%s", pulled);
  check(strstr(pulled, "INFO|client|vmp ") != NULL && strstr(pulled, "\"simulator_url\":\"http://127.0.0.1:") != NULL,
        "the start record names the embedded simulator");
  check(strstr(pulled, "INFO|journal|journal opened") != NULL, "the journal's opening is logged");
  check(strstr(pulled, "INFO|payment|capture of ") != NULL && strstr(pulled, "\"operation_id\":\"receipt-1\"") != NULL,
        "the capture's outcome is logged with its operation id");
  check(strstr(pulled, "DEBUG|scanner|scan: ") != NULL && strstr(pulled, "47******67") != NULL,
        "the scanned QR is logged masked");
  check(strstr(pulled, "4791234567") == NULL && strstr(pulled, "91234567") == NULL,
        "no record holds the phone number");
  EXPECT(vmp_next_log(c, 50, &r, text, sizeof text), VMP_OK, NULL);
  check(r.level == VMP_LOG_NONE && r.message != NULL && r.message[0] == '\0',
        "an empty queue answers VMP_LOG_NONE with empty strings after the wait");
  vmp_close(c);
}

static void test_callback(void) {
  vmp_client *c = NULL;
  char ref[VMP_REFERENCE_SIZE];
  if (!EXPECT(vmp_init(CONFIG, &c), VMP_OK, NULL)) return;
  EXPECT(vmp_on_log(c, on_log, &got), VMP_OK, NULL);
  EXPECT(vmp_start_checkout(c, "{\"amount\": 1000, \"phone_number\": \"4791234567\"}", ref, sizeof ref), VMP_OK, NULL);
  vmp_close(c);
  close_returned = 1;
  pthread_mutex_lock(&got.mu);
  check(got.count >= 3 && strcmp(got.last_message, "client closed") == 0,
        "the callback got %d records, the last \"%s\"", got.count, got.last_message);
  pthread_mutex_unlock(&got.mu);
  {
    /* Nothing arrives after vmp_close returned, even a while later. */
    vmp_client *other = NULL;
    if (EXPECT(vmp_init(CONFIG, &other), VMP_OK, NULL)) vmp_close(other);
  }
  pthread_mutex_lock(&got.mu);
  check(got.after_close == 0, "no record after vmp_close returned (%d)", got.after_close);
  pthread_mutex_unlock(&got.mu);
}

int main(void) {
  test_arguments();
  test_pulled_records();
  test_callback();
  return check_summary();
}
