/*
 * vmp.c - the C half of the vmp ABI: every function of include/vmp.h, each forwarding to a
 * vmpgo_* export of this package.
 *
 * The thread-local last error lives here, not in Go, because only C knows the caller's thread:
 * goroutines move between threads, but while C calls into Go the goroutine stays locked to the
 * calling thread, so Go sets the text (vmpshim_set_last_error) before it returns.
 *
 * Handles cross to Go as integer ids (uintptr_t): Go never sees a pointer it could follow, so a
 * forged or stale handle can only miss in the registry.
 */
#define VMP_BUILDING
#include "vmp.h"

#include "vmpshim.h"
#include "_cgo_export.h"

#include <stdlib.h>
#include <string.h>

/* C11 has a keyword for it; gcc (also mingw, through emutls) and clang know __thread before. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#  define VMPSHIM_THREAD_LOCAL _Thread_local
#else
#  define VMPSHIM_THREAD_LOCAL __thread
#endif

#define VMPSHIM_STRINGIFY(x) #x
#define VMPSHIM_STR(x) VMPSHIM_STRINGIFY(x)
#define VMPSHIM_ID(client) ((uintptr_t)(client))

/* Zero-initialised per thread, so a thread that never failed reads "". */
static VMPSHIM_THREAD_LOCAL char last_error[VMPSHIM_LAST_ERROR_SIZE];

void vmpshim_set_last_error(const char *msg, size_t len) {
  if (len >= sizeof last_error) len = sizeof last_error - 1;
  if (len > 0) memcpy(last_error, msg, len);
  last_error[len] = '\0';
}

/* Every vmp_ call except the four informational ones starts by forgetting the last failure. */
static void begin_call(void) { last_error[0] = '\0'; }

/*
 * Go fills a full-size vmp_payment; the caller gets at most the struct_size bytes it declared
 * (Go has checked it is at least this version's size), keeping its own struct_size, so a caller
 * built against a newer, larger vmp_payment keeps its extra fields untouched.
 */
static vmp_status give_payment(vmp_status st, const vmp_payment *full, vmp_payment *out) {
  uint32_t size;
  if (out == NULL || (st != VMP_OK && st != VMP_ERR_ALREADY_AUTHORIZED && st != VMP_ERR_CAPTURE_MISMATCH))
    return st;
  size = out->struct_size;
  memcpy(out, full, size < sizeof *full ? size : sizeof *full);
  out->struct_size = size;
  return st;
}

VMP_API const char *VMP_CALL vmp_version(void) {
  return VMPSHIM_STR(VMP_VERSION_MAJOR) "." VMPSHIM_STR(VMP_VERSION_MINOR) "." VMPSHIM_STR(
      VMP_VERSION_PATCH);
}

#define VMPSHIM_STATUS_CASE(name, value, text) \
  case name:                                   \
    return #name;

VMP_API const char *VMP_CALL vmp_status_str(vmp_status status) {
  switch (status) {
    VMP_STATUS_LIST(VMPSHIM_STATUS_CASE)
    default: return "VMP_ERR_UNKNOWN_STATUS";
  }
}

VMP_API const char *VMP_CALL vmp_state_str(vmp_payment_state state) {
  switch (state) {
    case VMP_STATE_CREATED: return "CREATED";
    case VMP_STATE_AUTHORIZED: return "AUTHORIZED";
    case VMP_STATE_ABORTED: return "ABORTED";
    case VMP_STATE_EXPIRED: return "EXPIRED";
    case VMP_STATE_TERMINATED: return "TERMINATED";
    default: return "UNKNOWN";
  }
}

VMP_API const char *VMP_CALL vmp_last_error(void) { return last_error; }

/* The library allocates with C malloc (C.malloc / C.CString), so the C runtime's free matches. */
VMP_API void VMP_CALL vmp_free(void *ptr) {
  begin_call();
  free(ptr);
}

VMP_API vmp_status VMP_CALL vmp_init(const char *config_json, vmp_client **out) {
  uintptr_t id = 0;
  vmp_status st;
  begin_call();
  st = vmpgo_init((char *)config_json, out != NULL, &id);
  if (out != NULL) *out = (vmp_client *)id; /* id is 0 (NULL) on failure */
  return st;
}

VMP_API void VMP_CALL vmp_close(vmp_client *client) {
  begin_call();
  vmpgo_close(VMPSHIM_ID(client));
}

VMP_API vmp_status VMP_CALL vmp_start_checkout(vmp_client *client, const char *checkout_json,
                                               char *reference, size_t reference_size) {
  begin_call();
  return vmpgo_start_checkout(VMPSHIM_ID(client), (char *)checkout_json, reference,
                              reference_size);
}

VMP_API vmp_status VMP_CALL vmp_poll_status(vmp_client *client, const char *reference,
                                            int32_t wait_ms, vmp_payment *out) {
  vmp_payment full;
  begin_call();
  return give_payment(
      vmpgo_poll_status(VMPSHIM_ID(client), (char *)reference, wait_ms, out, &full), &full, out);
}

VMP_API vmp_status VMP_CALL vmp_capture(vmp_client *client, const char *reference, int64_t amount,
                                        const char *operation_id, vmp_payment *out) {
  vmp_payment full;
  begin_call();
  return give_payment(vmpgo_capture(VMPSHIM_ID(client), (char *)reference, amount,
                                    (char *)operation_id, out, &full),
                      &full, out);
}

VMP_API vmp_status VMP_CALL vmp_refund(vmp_client *client, const char *reference, int64_t amount,
                                       const char *operation_id, vmp_payment *out) {
  vmp_payment full;
  begin_call();
  return give_payment(vmpgo_refund(VMPSHIM_ID(client), (char *)reference, amount,
                                   (char *)operation_id, out, &full),
                      &full, out);
}

VMP_API vmp_status VMP_CALL vmp_cancel(vmp_client *client, const char *reference, uint32_t flags,
                                       const char *operation_id, vmp_payment *out) {
  vmp_payment full;
  begin_call();
  return give_payment(vmpgo_cancel(VMPSHIM_ID(client), (char *)reference, flags,
                                   (char *)operation_id, out, &full),
                      &full, out);
}

/* ---- Journal: pending operations and recovery ---------------------------------------------- */

VMP_API vmp_status VMP_CALL vmp_pending(vmp_client *client, char **out_json) {
  begin_call();
  return vmpgo_pending(VMPSHIM_ID(client), out_json);
}

VMP_API vmp_status VMP_CALL vmp_recover(vmp_client *client, int32_t wait_ms, char **out_json) {
  begin_call();
  return vmpgo_recover(VMPSHIM_ID(client), wait_ms, out_json);
}

VMP_API vmp_status VMP_CALL vmp_acknowledge(vmp_client *client, const char *operation) {
  begin_call();
  return vmpgo_acknowledge(VMPSHIM_ID(client), (char *)operation);
}

/* ==== Barcode scanner: vmp_on_scan, vmp_next_scan, vmp_submit_scan =========================
 * The Go half is scan_exports.go. A callback runs through vmpshim_deliver_scan, which builds
 * the vmp_scan on this stack and marks the thread, so that vmp_on_scan called from inside the
 * callback knows not to wait for the callback to return.
 */
#include "vmpshim_scan.h"

static VMPSHIM_THREAD_LOCAL int in_scan_callback;

void vmpshim_deliver_scan(vmp_scan_fn fn, void *user_data, vmp_scan_event event,
                          vmp_code_kind kind, vmp_scan_source source, uint64_t sequence,
                          int64_t time_unix_ms, const char *aim_id, const char *text,
                          size_t text_len) {
  vmp_scan scan;
  memset(&scan, 0, sizeof scan);
  scan.struct_size = sizeof scan;
  scan.event = event;
  scan.kind = kind;
  scan.source = source;
  scan.sequence = sequence;
  scan.time_unix_ms = time_unix_ms;
  memcpy(scan.aim_id, aim_id, sizeof scan.aim_id);
  scan.aim_id[sizeof scan.aim_id - 1] = '\0';
  scan.text_len = text_len;
  scan.text = text;
  in_scan_callback++;
  fn(user_data, &scan);
  in_scan_callback--;
}

VMP_API vmp_status VMP_CALL vmp_on_scan(vmp_client *client, vmp_scan_fn fn, void *user_data) {
  begin_call();
  return vmpgo_on_scan(VMPSHIM_ID(client), fn, user_data, in_scan_callback > 0);
}

/* Go fills a full-size vmp_scan; the caller gets at most the struct_size bytes it declared, as
 * with give_payment. */
VMP_API vmp_status VMP_CALL vmp_next_scan(vmp_client *client, int32_t wait_ms, vmp_scan *out,
                                          char *text, size_t text_size) {
  vmp_scan full;
  vmp_status st;
  uint32_t size;
  begin_call();
  st = vmpgo_next_scan(VMPSHIM_ID(client), wait_ms, out, text, text_size, &full);
  if (st != VMP_OK) return st;
  size = out->struct_size;
  memcpy(out, &full, size < sizeof full ? size : sizeof full);
  out->struct_size = size;
  return st;
}

VMP_API vmp_status VMP_CALL vmp_submit_scan(vmp_client *client, const char *text) {
  begin_call();
  return vmpgo_submit_scan(VMPSHIM_ID(client), (char *)text);
}

VMP_API const char *VMP_CALL vmp_scan_event_str(vmp_scan_event event) {
  switch (event) {
    case VMP_SCAN_NONE: return "NONE";
    case VMP_SCAN_CODE: return "CODE";
    case VMP_SCAN_DISCONNECTED: return "DISCONNECTED";
    case VMP_SCAN_RECONNECTED: return "RECONNECTED";
    case VMP_SCAN_DROPPED: return "DROPPED";
    default: return "UNKNOWN";
  }
}

VMP_API const char *VMP_CALL vmp_code_kind_str(vmp_code_kind kind) {
  switch (kind) {
    case VMP_CODE_OTHER: return "OTHER";
    case VMP_CODE_PERSONAL_QR: return "PERSONAL_QR";
    case VMP_CODE_VIPPS_LEGACY_QR: return "VIPPS_LEGACY_QR";
    case VMP_CODE_VIPPS_TOKEN_QR: return "VIPPS_TOKEN_QR";
    case VMP_CODE_EAN8: return "EAN8";
    case VMP_CODE_EAN13: return "EAN13";
    case VMP_CODE_UPCA: return "UPCA";
    case VMP_CODE_CODE128: return "CODE128";
    case VMP_CODE_BARCODE: return "BARCODE";
    default: return "UNKNOWN";
  }
}
/* ==== end of barcode scanner ================================================================ */

/* ==== Customer club: identify, loyalty check-in, enrollment ================================
 * The Go half is club_exports.go. vmp_poll_enrollment hands its out-pointers to Go as they
 * are: Go writes *state and *profile_json (a C.CString, malloc'ed) only as vmp.h promises.
 */

VMP_API const char *VMP_CALL vmp_enrollment_state_str(vmp_enrollment_state state) {
  switch (state) {
    case VMP_ENROLLMENT_PENDING: return "PENDING";
    case VMP_ENROLLMENT_CONSENTED: return "CONSENTED";
    case VMP_ENROLLMENT_DENIED: return "DENIED";
    case VMP_ENROLLMENT_EXPIRED: return "EXPIRED";
    case VMP_ENROLLMENT_CANCELLED: return "CANCELLED";
    case VMP_ENROLLMENT_FAILED: return "FAILED";
    default: return "UNKNOWN";
  }
}

VMP_API vmp_status VMP_CALL vmp_identify_customer(vmp_client *client, const char *input,
                                                  char *msisdn, size_t msisdn_size) {
  begin_call();
  return vmpgo_identify_customer(VMPSHIM_ID(client), (char *)input, msisdn, msisdn_size);
}

VMP_API vmp_status VMP_CALL vmp_loyalty_check_in(vmp_client *client, const char *phone_number,
                                                 int32_t is_member) {
  begin_call();
  return vmpgo_loyalty_check_in(VMPSHIM_ID(client), (char *)phone_number, is_member);
}

VMP_API vmp_status VMP_CALL vmp_start_enrollment(vmp_client *client, const char *enrollment_json,
                                                 char *enrollment_id, size_t enrollment_id_size) {
  begin_call();
  return vmpgo_start_enrollment(VMPSHIM_ID(client), (char *)enrollment_json, enrollment_id,
                                enrollment_id_size);
}

VMP_API vmp_status VMP_CALL vmp_poll_enrollment(vmp_client *client, const char *enrollment_id,
                                                int32_t wait_ms, vmp_enrollment_state *state,
                                                char **profile_json) {
  begin_call();
  return vmpgo_poll_enrollment(VMPSHIM_ID(client), (char *)enrollment_id, wait_ms, state,
                               profile_json);
}

VMP_API vmp_status VMP_CALL vmp_cancel_enrollment(vmp_client *client, const char *enrollment_id) {
  begin_call();
  return vmpgo_cancel_enrollment(VMPSHIM_ID(client), (char *)enrollment_id);
}
/* ==== end of customer club ================================================================== */

/* ---- Receipts and the customer-facing QR ---------------------------------------------------- */

VMP_API vmp_status VMP_CALL vmp_checkout_qr(vmp_client *client, const char *reference, int32_t format,
                                            int32_t size_px, uint8_t **out, size_t *out_len) {
  begin_call();
  return vmpgo_checkout_qr(VMPSHIM_ID(client), (char *)reference, format, size_px, out, out_len);
}

VMP_API vmp_status VMP_CALL vmp_attach_receipt(vmp_client *client, const char *reference,
                                               const char *receipt_json) {
  begin_call();
  return vmpgo_attach_receipt(VMPSHIM_ID(client), (char *)reference, (char *)receipt_json);
}

/* ==== Log records: vmp_on_log, vmp_next_log ==================================================
 * The Go half is log_exports.go; the pattern is the scanner's above.
 */
#include "vmpshim_log.h"

static VMPSHIM_THREAD_LOCAL int in_log_callback;

void vmpshim_deliver_log(vmp_log_fn fn, void *user_data, vmp_log_level level, uint64_t sequence,
                         int64_t time_unix_ms, const char *component, const char *message,
                         const char *fields_json, size_t text_len) {
  vmp_log_record record;
  memset(&record, 0, sizeof record);
  record.struct_size = sizeof record;
  record.level = level;
  record.sequence = sequence;
  record.time_unix_ms = time_unix_ms;
  record.component = component;
  record.message = message;
  record.fields_json = fields_json;
  record.text_len = text_len;
  in_log_callback++;
  fn(user_data, &record);
  in_log_callback--;
}

VMP_API vmp_status VMP_CALL vmp_on_log(vmp_client *client, vmp_log_fn fn, void *user_data) {
  begin_call();
  return vmpgo_on_log(VMPSHIM_ID(client), fn, user_data, in_log_callback > 0);
}

/* Go fills a full-size record; the caller gets at most the struct_size bytes it declared. On
 * VMP_ERR_BUFFER_TOO_SMALL Go has written only out->text_len. */
VMP_API vmp_status VMP_CALL vmp_next_log(vmp_client *client, int32_t wait_ms, vmp_log_record *out,
                                         char *text, size_t text_size) {
  vmp_log_record full;
  vmp_status st;
  uint32_t size;
  begin_call();
  st = vmpgo_next_log(VMPSHIM_ID(client), wait_ms, out, text, text_size, &full);
  if (st != VMP_OK) return st;
  /* Nothing came and text_size is 0: no room for "", so the strings point at a static one. */
  if (full.component == NULL) full.component = full.message = full.fields_json = "";
  size = out->struct_size;
  memcpy(out, &full, size < sizeof full ? size : sizeof full);
  out->struct_size = size;
  return st;
}

VMP_API const char *VMP_CALL vmp_log_level_str(vmp_log_level level) {
  switch (level) {
    case VMP_LOG_NONE: return "NONE";
    case VMP_LOG_DEBUG: return "DEBUG";
    case VMP_LOG_INFO: return "INFO";
    case VMP_LOG_WARN: return "WARN";
    case VMP_LOG_ERROR: return "ERROR";
    default: return "UNKNOWN";
  }
}
/* ==== end of log records ==================================================================== */

/* ---- Sales units ---------------------------------------------------------------------------- */

VMP_API vmp_status VMP_CALL vmp_sales_unit(vmp_client *client, const char *name, vmp_client **out) {
  uintptr_t id = 0;
  vmp_status st;
  begin_call();
  st = vmpgo_sales_unit(VMPSHIM_ID(client), (char *)name, out != NULL, &id);
  if (out != NULL) *out = (vmp_client *)id;
  return st;
}

/* ---- Webhooks (the Go half is webhook_exports.go) ------------------------------------------- */

VMP_API vmp_status VMP_CALL vmp_webhook_verify(const char *secret,
                                               const vmp_webhook_delivery *delivery,
                                               int32_t max_age_s) {
  begin_call();
  return vmpgo_webhook_verify((char *)secret, (vmp_webhook_delivery *)delivery, max_age_s);
}

VMP_API vmp_status VMP_CALL vmp_webhook_handle(vmp_client *client,
                                               const vmp_webhook_delivery *delivery) {
  begin_call();
  return vmpgo_webhook_handle(VMPSHIM_ID(client), (vmp_webhook_delivery *)delivery);
}

VMP_API vmp_status VMP_CALL vmp_webhook_receiver(vmp_client *client, char **out_json) {
  begin_call();
  return vmpgo_webhook_receiver(VMPSHIM_ID(client), out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_register(vmp_client *client, const char *webhook_json,
                                                 char **out_json) {
  begin_call();
  return vmpgo_webhook_register(VMPSHIM_ID(client), (char *)webhook_json, out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_list(vmp_client *client, char **out_json) {
  begin_call();
  return vmpgo_webhook_list(VMPSHIM_ID(client), out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_delete(vmp_client *client, const char *id) {
  begin_call();
  return vmpgo_webhook_delete(VMPSHIM_ID(client), (char *)id);
}

VMP_API vmp_status VMP_CALL vmp_webhook_reconcile(vmp_client *client, const char *wanted_json,
                                                  char **out_json) {
  begin_call();
  return vmpgo_webhook_reconcile(VMPSHIM_ID(client), (char *)wanted_json, out_json);
}
