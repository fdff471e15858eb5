/*
 * vmp.c - the C half of the vmp ABI: every function of include/vmp.h.
 *
 * Each function that needs Go packs its arguments into a struct and hands a small body to a
 * worker (wall_handoff, wall_pool.c): the body is what the function used to do on the caller's
 * thread - call its vmpgo_* export - and the caller waits in C meanwhile, so a host thread never
 * runs Go code (wall.h says why). The informational functions (vmp_version, the *_str names,
 * vmp_last_error, vmp_last_vipps_error, vmp_free) are plain C and run on the caller's thread.
 *
 * The thread-local last failure (text and Vipps' answer) lives here, not in Go, because only C
 * knows the caller's thread: the worker running a body points vmpshim_set_last_error and
 * vmpshim_set_vipps_error at the waiting caller's.
 *
 * Handles cross to Go as integer ids (uintptr_t): Go never sees a pointer it could follow, so a
 * forged or stale handle can only miss in the registry.
 */
#define VMP_BUILDING
#include "vmp.h"

#include "vmpshim.h"
#include "wall.h"
#include "_cgo_export.h"

#include <stdlib.h>
#include <string.h>

#define VMPSHIM_THREAD_LOCAL WALL_THREAD_LOCAL

#define VMPSHIM_STRINGIFY(x) #x
#define VMPSHIM_STR(x) VMPSHIM_STRINGIFY(x)
#define VMPSHIM_ID(client) ((uintptr_t)(client))
/* vmp 0.2.0's sizeof(vmp_payment): the smallest struct_size taken (capi/convert.go). */
#define VMPSHIM_PAYMENT_SIZE_0_2_0 offsetof(vmp_payment, created_at_ms)

/* Zero-initialised per thread, so a thread that never failed reads "" and no answer. */
static VMPSHIM_THREAD_LOCAL vmpshim_last_failure last_failure;

/* Where this thread's failure is written: a worker writes into the waiting caller's. */
static vmpshim_last_failure *failure_target(void) {
  vmpshim_last_failure *dst = wall_error_target();
  return dst != NULL ? dst : &last_failure;
}

/* Copies len bytes of src into a NUL-terminated field of cap bytes, cut to fit. */
static void set_text(char *dst, size_t cap, const char *src, size_t len) {
  if (len >= cap) len = cap - 1;
  if (len > 0) memcpy(dst, src, len);
  dst[len] = '\0';
}

void vmpshim_set_last_error(const char *msg, size_t len) {
  set_text(failure_target()->text, sizeof last_failure.text, msg, len);
}

void vmpshim_set_vipps_error(int32_t http_status, const char *code, size_t code_len, const char *title,
                             size_t title_len, const char *trace_id, size_t trace_len) {
  vmp_vipps_error *v = &failure_target()->vipps;
  v->http_status = http_status;
  set_text(v->error_code, sizeof v->error_code, code, code_len);
  set_text(v->title, sizeof v->title, title, title_len);
  set_text(v->trace_id, sizeof v->trace_id, trace_id, trace_len);
}

/* Every vmp_ call except the informational ones starts by forgetting the last failure. */
static void begin_call(void) {
  last_failure.text[0] = '\0';
  memset(&last_failure.vipps, 0, sizeof last_failure.vipps);
}

/* In a process forked after the library was loaded, nothing may enter Go (wall_fork.c). */
static vmp_status forked_status(void) {
  static const char msg[] =
      "this process was forked after vmp was loaded; start vmp after fork, or use spawn/forkserver";
  vmpshim_set_last_error(msg, sizeof msg - 1);
  return VMP_ERR_FORKED;
}

/* A call that needs Go: the body runs on a worker while this thread waits. An urgent one ends
 * other calls' waits and may not queue behind them (wall_handoff_urgent). */
static vmp_status call_go_as(wall_body body, void *args, int urgent) {
  if (wall_forked()) return forked_status();
  begin_call();
#if defined(VMP_NO_WALL)
  (void)urgent;
  return body(args); /* the bench's build before the wall (nowall.go): this thread enters Go */
#else
  return urgent ? wall_handoff_urgent(body, args, &last_failure) : wall_handoff(body, args, &last_failure);
#endif
}

static vmp_status call_go(wall_body body, void *args) { return call_go_as(body, args, 0); }

/*
 * Go fills a full-size vmp_payment; the caller gets at most the struct_size bytes it declared
 * (Go has checked it is at least vmp 0.2.0's size), keeping its own struct_size: a caller built
 * against 0.2.0 gets the fields it knows, one built against a newer, larger vmp_payment keeps
 * its extra fields untouched.
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

/* The *_str name functions come from vmp.h's lists. vmp_status_str gives a status's whole
 * name; the others give a value's name without its list's prefix ("VMP_STATE_CREATED" ->
 * "CREATED"), which is the tail of the stringified name: static storage like any literal.
 * internal/cmd/vmpgen checks that every name of a list starts with the prefix used here. */
#define VMPSHIM_NAME_CASE(name, value, text) \
  case name:                                 \
    return #name;
#define VMPSHIM_SHORT_NAME_CASE(prefix, name) \
  case name:                                  \
    return &#name[sizeof prefix - 1];
#define VMPSHIM_STATE_CASE(name, value, text) VMPSHIM_SHORT_NAME_CASE("VMP_STATE_", name)
#define VMPSHIM_SCAN_EVENT_CASE(name, value, text) VMPSHIM_SHORT_NAME_CASE("VMP_SCAN_", name)
#define VMPSHIM_CODE_KIND_CASE(name, value, text) VMPSHIM_SHORT_NAME_CASE("VMP_CODE_", name)
#define VMPSHIM_ENROLLMENT_CASE(name, value, text) VMPSHIM_SHORT_NAME_CASE("VMP_ENROLLMENT_", name)
#define VMPSHIM_LOG_LEVEL_CASE(name, value, text) VMPSHIM_SHORT_NAME_CASE("VMP_LOG_", name)

VMP_API const char *VMP_CALL vmp_status_str(vmp_status status) {
  switch (status) {
    VMP_STATUS_LIST(VMPSHIM_NAME_CASE)
    default: return "VMP_ERR_UNKNOWN_STATUS";
  }
}

VMP_API const char *VMP_CALL vmp_state_str(vmp_payment_state state) {
  switch (state) {
    VMP_PAYMENT_STATE_LIST(VMPSHIM_STATE_CASE)
    default: return "UNKNOWN";
  }
}

VMP_API const char *VMP_CALL vmp_last_error(void) { return last_failure.text; }

/* The first version's size: a caller built against it may pass no less. */
#define VMPSHIM_VIPPS_ERROR_V1_SIZE (offsetof(vmp_vipps_error, trace_id) + VMP_VIPPS_TRACE_ID_SIZE)

VMP_API vmp_status VMP_CALL vmp_last_vipps_error(vmp_vipps_error *out) {
  uint32_t size;
  if (out == NULL || out->struct_size < VMPSHIM_VIPPS_ERROR_V1_SIZE) return VMP_ERR_INVALID_ARGUMENT;
  size = out->struct_size;
  memcpy(out, &last_failure.vipps, size < sizeof last_failure.vipps ? size : sizeof last_failure.vipps);
  out->struct_size = size;
  return VMP_OK;
}

/* The library allocates with C malloc (C.malloc / C.CString), so the C runtime's free matches. */
VMP_API void VMP_CALL vmp_free(void *ptr) {
  begin_call();
  free(ptr);
}

/*
 * Each function below that enters Go has an args struct and a body (run_*, on a worker): the
 * body is the function's code as it was before the wall, calling its vmpgo_* export.
 */

typedef struct {
  const char *config_json;
  vmp_client **out;
} init_args;

static vmp_status run_init(void *p) {
  init_args *a = p;
  uintptr_t id = 0;
  vmp_status st = vmpgo_init((char *)a->config_json, a->out != NULL, &id);
  if (a->out != NULL) *a->out = (vmp_client *)id; /* id is 0 (NULL) on failure */
  return st;
}

VMP_API vmp_status VMP_CALL vmp_init(const char *config_json, vmp_client **out) {
  init_args a;
  a.config_json = config_json;
  a.out = out;
  return call_go(run_init, &a);
}

static vmp_status run_close(void *p) {
  vmpgo_close(VMPSHIM_ID(*(vmp_client **)p));
  return VMP_OK;
}

/* vmp_close waits for the client's callbacks to return: from inside one it would wait for
 * itself, so it refuses at once (whatever the handle). */
VMP_API vmp_status VMP_CALL vmp_close(vmp_client *client) {
  static const char in_callback[] =
      "vmp_close: called from inside a vmp callback, where it would wait for itself (it waits for "
      "the client's callbacks to return); close the client from another thread";
  if (wall_forked()) return forked_status(); /* the parent's client is the parent's */
  if (wall_in_callback()) {
    vmpshim_set_last_error(in_callback, sizeof in_callback - 1);
    return VMP_ERR_IN_CALLBACK;
  }
  wall_snapshot_handle_close(VMPSHIM_ID(client)); /* from now on only Go answers for it */
  return call_go_as(run_close, &client, 1);
}

typedef struct {
  vmp_client *client;
  char *out;
  size_t out_size;
} buffer_args;

static vmp_status run_simulator_url(void *p) {
  buffer_args *a = p;
  return vmpgo_simulator_url(VMPSHIM_ID(a->client), a->out, a->out_size);
}

VMP_API vmp_status VMP_CALL vmp_simulator_url(vmp_client *client, char *url, size_t url_size) {
  buffer_args a;
  a.client = client;
  a.out = url;
  a.out_size = url_size;
  return call_go(run_simulator_url, &a);
}

typedef struct {
  vmp_client *client;
  const char *json;
  char *out;
  size_t out_size;
} json_to_buffer_args;

static vmp_status run_start_checkout(void *p) {
  json_to_buffer_args *a = p;
  return vmpgo_start_checkout(VMPSHIM_ID(a->client), (char *)a->json, a->out, a->out_size);
}

VMP_API vmp_status VMP_CALL vmp_start_checkout(vmp_client *client, const char *checkout_json,
                                               char *reference, size_t reference_size) {
  json_to_buffer_args a;
  a.client = client;
  a.json = checkout_json;
  a.out = reference;
  a.out_size = reference_size;
  return call_go(run_start_checkout, &a);
}

/* The payment calls: poll (amount is wait_ms), capture, refund, cancel (amount is the flags). */
typedef struct {
  vmp_client *client;
  const char *reference;
  int64_t amount;
  const char *operation_id;
  vmp_payment *out;
} payment_args;

static vmp_status run_poll_status(void *p) {
  payment_args *a = p;
  vmp_payment full;
  return give_payment(vmpgo_poll_status(VMPSHIM_ID(a->client), (char *)a->reference, (int32_t)a->amount,
                                        a->out, &full),
                      &full, a->out);
}

/* With wait 0, a payment the library knows is answered from C (wall_snapshot.c) on this thread;
 * anything else - a first read, an error, a wait - goes to Go. */
VMP_API vmp_status VMP_CALL vmp_poll_status(vmp_client *client, const char *reference,
                                            int32_t wait_ms, vmp_payment *out) {
  payment_args a;
#if !defined(VMP_NO_WALL)
  vmp_payment full;
  if (wait_ms == 0 && out != NULL && reference != NULL && out->struct_size >= VMPSHIM_PAYMENT_SIZE_0_2_0 && !wall_forked() &&
      wall_snapshot_read(VMPSHIM_ID(client), reference, &full)) {
    begin_call();
    return give_payment(VMP_OK, &full, out);
  }
#endif
  a.client = client;
  a.reference = reference;
  a.amount = wait_ms;
  a.operation_id = NULL;
  a.out = out;
  return call_go(run_poll_status, &a);
}

static vmp_status run_capture(void *p) {
  payment_args *a = p;
  vmp_payment full;
  return give_payment(vmpgo_capture(VMPSHIM_ID(a->client), (char *)a->reference, a->amount,
                                    (char *)a->operation_id, a->out, &full),
                      &full, a->out);
}

static vmp_status payment_call(wall_body body, vmp_client *client, const char *reference, int64_t amount,
                               const char *operation_id, vmp_payment *out) {
  payment_args a;
  a.client = client;
  a.reference = reference;
  a.amount = amount;
  a.operation_id = operation_id;
  a.out = out;
  return call_go(body, &a);
}

VMP_API vmp_status VMP_CALL vmp_capture(vmp_client *client, const char *reference, int64_t amount,
                                        const char *operation_id, vmp_payment *out) {
  return payment_call(run_capture, client, reference, amount, operation_id, out);
}

static vmp_status run_refund(void *p) {
  payment_args *a = p;
  vmp_payment full;
  return give_payment(vmpgo_refund(VMPSHIM_ID(a->client), (char *)a->reference, a->amount,
                                   (char *)a->operation_id, a->out, &full),
                      &full, a->out);
}

VMP_API vmp_status VMP_CALL vmp_refund(vmp_client *client, const char *reference, int64_t amount,
                                       const char *operation_id, vmp_payment *out) {
  return payment_call(run_refund, client, reference, amount, operation_id, out);
}

static vmp_status run_cancel(void *p) {
  payment_args *a = p;
  vmp_payment full;
  return give_payment(vmpgo_cancel(VMPSHIM_ID(a->client), (char *)a->reference, (uint32_t)a->amount,
                                   (char *)a->operation_id, a->out, &full),
                      &full, a->out);
}

VMP_API vmp_status VMP_CALL vmp_cancel(vmp_client *client, const char *reference, uint32_t flags,
                                       const char *operation_id, vmp_payment *out) {
  return payment_call(run_cancel, client, reference, flags, operation_id, out);
}

/* ---- Journal: pending operations and recovery ---------------------------------------------- */

/* The calls that give a library-allocated string: handle, one string or a wait, char **out. */
typedef struct {
  vmp_client *client;
  const char *text;
  int32_t wait_ms;
  char **out_json;
} json_out_args;

static vmp_status json_out_call(wall_body body, vmp_client *client, const char *text, int32_t wait_ms,
                                char **out_json) {
  json_out_args a;
  a.client = client;
  a.text = text;
  a.wait_ms = wait_ms;
  a.out_json = out_json;
  return call_go(body, &a);
}

static vmp_status run_pending(void *p) {
  json_out_args *a = p;
  return vmpgo_pending(VMPSHIM_ID(a->client), a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_pending(vmp_client *client, char **out_json) {
  return json_out_call(run_pending, client, NULL, 0, out_json);
}

static vmp_status run_recover(void *p) {
  json_out_args *a = p;
  return vmpgo_recover(VMPSHIM_ID(a->client), a->wait_ms, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_recover(vmp_client *client, int32_t wait_ms, char **out_json) {
  return json_out_call(run_recover, client, NULL, wait_ms, out_json);
}

static vmp_status run_find_payments(void *p) {
  json_out_args *a = p;
  return vmpgo_find_payments(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_find_payments(vmp_client *client, const char *query_json, char **out_json) {
  return json_out_call(run_find_payments, client, query_json, 0, out_json);
}

static vmp_status run_payment_totals(void *p) {
  json_out_args *a = p;
  return vmpgo_payment_totals(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_payment_totals(vmp_client *client, const char *query_json, char **out_json) {
  return json_out_call(run_payment_totals, client, query_json, 0, out_json);
}

/* The calls that take a handle and one string. */
typedef struct {
  vmp_client *client;
  const char *text;
} string_args;

static vmp_status string_call(wall_body body, vmp_client *client, const char *text) {
  string_args a;
  a.client = client;
  a.text = text;
  return call_go(body, &a);
}

static vmp_status run_acknowledge(void *p) {
  string_args *a = p;
  return vmpgo_acknowledge(VMPSHIM_ID(a->client), (char *)a->text);
}

VMP_API vmp_status VMP_CALL vmp_acknowledge(vmp_client *client, const char *operation) {
  return string_call(run_acknowledge, client, operation);
}

/* ==== Barcode scanner: vmp_on_scan, vmp_next_scan, vmp_submit_scan =========================
 * The Go half is scan_exports.go. A callback runs on a callback thread (wall_callbacks.c),
 * which marks itself while fn runs, so that vmp_on_scan called from inside the callback knows
 * not to wait for the callback to return. The thread takes the signal mask of the caller of
 * vmp_on_scan.
 */
typedef struct {
  vmp_client *client;
  vmp_scan_fn fn;
  void *user_data;
  int in_callback;
  wall_sigmask mask;
} on_scan_args;

static vmp_status run_on_scan(void *p) {
  on_scan_args *a = p;
  return vmpgo_on_scan(VMPSHIM_ID(a->client), a->fn, a->user_data, a->in_callback, &a->mask);
}

VMP_API vmp_status VMP_CALL vmp_on_scan(vmp_client *client, vmp_scan_fn fn, void *user_data) {
  on_scan_args a;
  a.client = client;
  a.fn = fn;
  a.user_data = user_data;
  /* Both read on the caller's thread: they are its own. */
  a.in_callback = (wall_in_callback() & WALL_IN_SCAN_CALLBACK) != 0;
  wall_sigmask_of_caller(&a.mask);
  return call_go(run_on_scan, &a);
}

/* vmp_next_scan and vmp_next_log: a wait, a struct and a text buffer. */
typedef struct {
  vmp_client *client;
  int32_t wait_ms;
  void *out;
  char *text;
  size_t text_size;
} next_args;

static vmp_status next_call(wall_body body, vmp_client *client, int32_t wait_ms, void *out, char *text,
                            size_t text_size) {
  next_args a;
  a.client = client;
  a.wait_ms = wait_ms;
  a.out = out;
  a.text = text;
  a.text_size = text_size;
  return call_go(body, &a);
}

/* Go fills a full-size vmp_scan; the caller gets at most the struct_size bytes it declared, as
 * with give_payment. */
static vmp_status run_next_scan(void *p) {
  next_args *a = p;
  vmp_scan full, *out = a->out;
  vmp_status st;
  uint32_t size;
  st = vmpgo_next_scan(VMPSHIM_ID(a->client), a->wait_ms, out, a->text, a->text_size, &full);
  if (st != VMP_OK) return st;
  size = out->struct_size;
  memcpy(out, &full, size < sizeof full ? size : sizeof full);
  out->struct_size = size;
  return st;
}

VMP_API vmp_status VMP_CALL vmp_next_scan(vmp_client *client, int32_t wait_ms, vmp_scan *out,
                                          char *text, size_t text_size) {
  return next_call(run_next_scan, client, wait_ms, out, text, text_size);
}

static vmp_status run_submit_scan(void *p) {
  string_args *a = p;
  return vmpgo_submit_scan(VMPSHIM_ID(a->client), (char *)a->text);
}

VMP_API vmp_status VMP_CALL vmp_submit_scan(vmp_client *client, const char *text) {
  return string_call(run_submit_scan, client, text);
}

VMP_API const char *VMP_CALL vmp_scan_event_str(vmp_scan_event event) {
  switch (event) {
    VMP_SCAN_EVENT_LIST(VMPSHIM_SCAN_EVENT_CASE)
    default: return "UNKNOWN";
  }
}

VMP_API const char *VMP_CALL vmp_code_kind_str(vmp_code_kind kind) {
  switch (kind) {
    VMP_CODE_KIND_LIST(VMPSHIM_CODE_KIND_CASE)
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
    VMP_ENROLLMENT_STATE_LIST(VMPSHIM_ENROLLMENT_CASE)
    default: return "UNKNOWN";
  }
}

static vmp_status buffer_call(wall_body body, vmp_client *client, const char *json, char *out,
                              size_t out_size) {
  json_to_buffer_args a;
  a.client = client;
  a.json = json;
  a.out = out;
  a.out_size = out_size;
  return call_go(body, &a);
}

static vmp_status run_identify_customer(void *p) {
  json_to_buffer_args *a = p;
  return vmpgo_identify_customer(VMPSHIM_ID(a->client), (char *)a->json, a->out, a->out_size);
}

VMP_API vmp_status VMP_CALL vmp_identify_customer(vmp_client *client, const char *input,
                                                  char *msisdn, size_t msisdn_size) {
  return buffer_call(run_identify_customer, client, input, msisdn, msisdn_size);
}

typedef struct {
  vmp_client *client;
  const char *phone_number;
  int32_t is_member;
} check_in_args;

static vmp_status run_loyalty_check_in(void *p) {
  check_in_args *a = p;
  return vmpgo_loyalty_check_in(VMPSHIM_ID(a->client), (char *)a->phone_number, a->is_member);
}

VMP_API vmp_status VMP_CALL vmp_loyalty_check_in(vmp_client *client, const char *phone_number,
                                                 int32_t is_member) {
  check_in_args a;
  a.client = client;
  a.phone_number = phone_number;
  a.is_member = is_member;
  return call_go(run_loyalty_check_in, &a);
}

static vmp_status run_start_enrollment(void *p) {
  json_to_buffer_args *a = p;
  return vmpgo_start_enrollment(VMPSHIM_ID(a->client), (char *)a->json, a->out, a->out_size);
}

VMP_API vmp_status VMP_CALL vmp_start_enrollment(vmp_client *client, const char *enrollment_json,
                                                 char *enrollment_id, size_t enrollment_id_size) {
  return buffer_call(run_start_enrollment, client, enrollment_json, enrollment_id, enrollment_id_size);
}

typedef struct {
  vmp_client *client;
  const char *enrollment_id;
  int32_t wait_ms;
  vmp_enrollment_state *state;
  char **profile_json;
} poll_enrollment_args;

static vmp_status run_poll_enrollment(void *p) {
  poll_enrollment_args *a = p;
  return vmpgo_poll_enrollment(VMPSHIM_ID(a->client), (char *)a->enrollment_id, a->wait_ms, a->state,
                               a->profile_json);
}

VMP_API vmp_status VMP_CALL vmp_poll_enrollment(vmp_client *client, const char *enrollment_id,
                                                int32_t wait_ms, vmp_enrollment_state *state,
                                                char **profile_json) {
  poll_enrollment_args a;
  a.client = client;
  a.enrollment_id = enrollment_id;
  a.wait_ms = wait_ms;
  a.state = state;
  a.profile_json = profile_json;
  return call_go(run_poll_enrollment, &a);
}

static vmp_status run_cancel_enrollment(void *p) {
  string_args *a = p;
  return vmpgo_cancel_enrollment(VMPSHIM_ID(a->client), (char *)a->text);
}

VMP_API vmp_status VMP_CALL vmp_cancel_enrollment(vmp_client *client, const char *enrollment_id) {
  return string_call(run_cancel_enrollment, client, enrollment_id);
}
/* ==== end of customer club ================================================================== */

/* ---- Receipts and the customer-facing QR ---------------------------------------------------- */

typedef struct {
  vmp_client *client;
  const char *reference;
  int32_t format, size_px;
  uint8_t **out;
  size_t *out_len;
} checkout_qr_args;

static vmp_status run_checkout_qr(void *p) {
  checkout_qr_args *a = p;
  return vmpgo_checkout_qr(VMPSHIM_ID(a->client), (char *)a->reference, a->format, a->size_px, a->out, a->out_len);
}

VMP_API vmp_status VMP_CALL vmp_checkout_qr(vmp_client *client, const char *reference, int32_t format,
                                            int32_t size_px, uint8_t **out, size_t *out_len) {
  checkout_qr_args a;
  a.client = client;
  a.reference = reference;
  a.format = format;
  a.size_px = size_px;
  a.out = out;
  a.out_len = out_len;
  return call_go(run_checkout_qr, &a);
}

/* The calls that take a handle and two strings. */
typedef struct {
  vmp_client *client;
  const char *first, *second;
} two_strings_args;

static vmp_status run_attach_receipt(void *p) {
  two_strings_args *a = p;
  return vmpgo_attach_receipt(VMPSHIM_ID(a->client), (char *)a->first, (char *)a->second);
}

VMP_API vmp_status VMP_CALL vmp_attach_receipt(vmp_client *client, const char *reference,
                                               const char *receipt_json) {
  two_strings_args a;
  a.client = client;
  a.first = reference;
  a.second = receipt_json;
  return call_go(run_attach_receipt, &a);
}

static vmp_status run_receipt_warnings(void *p) {
  json_out_args *a = p;
  return vmpgo_receipt_warnings(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_receipt_warnings(vmp_client *client, const char *reference, char **out_json) {
  return json_out_call(run_receipt_warnings, client, reference, 0, out_json);
}

static vmp_status run_payment_events(void *p) {
  json_out_args *a = p;
  return vmpgo_payment_events(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_payment_events(vmp_client *client, const char *reference, char **out_json) {
  return json_out_call(run_payment_events, client, reference, 0, out_json);
}

/* ==== Log records: vmp_on_log, vmp_next_log ==================================================
 * The Go half is log_exports.go; the pattern is the scanner's above.
 */
typedef struct {
  vmp_client *client;
  vmp_log_fn fn;
  void *user_data;
  int in_callback;
  wall_sigmask mask;
} on_log_args;

static vmp_status run_on_log(void *p) {
  on_log_args *a = p;
  return vmpgo_on_log(VMPSHIM_ID(a->client), a->fn, a->user_data, a->in_callback, &a->mask);
}

VMP_API vmp_status VMP_CALL vmp_on_log(vmp_client *client, vmp_log_fn fn, void *user_data) {
  on_log_args a;
  a.client = client;
  a.fn = fn;
  a.user_data = user_data;
  a.in_callback = (wall_in_callback() & WALL_IN_LOG_CALLBACK) != 0;
  wall_sigmask_of_caller(&a.mask);
  return call_go(run_on_log, &a);
}

/* Go fills a full-size record; the caller gets at most the struct_size bytes it declared. On
 * VMP_ERR_BUFFER_TOO_SMALL Go has written only out->text_len. */
static vmp_status run_next_log(void *p) {
  next_args *a = p;
  vmp_log_record full, *out = a->out;
  vmp_status st;
  uint32_t size;
  st = vmpgo_next_log(VMPSHIM_ID(a->client), a->wait_ms, out, a->text, a->text_size, &full);
  if (st != VMP_OK) return st;
  /* Nothing came and text_size is 0: no room for "", so the strings point at a static one. */
  if (full.component == NULL) full.component = full.message = full.fields_json = "";
  size = out->struct_size;
  memcpy(out, &full, size < sizeof full ? size : sizeof full);
  out->struct_size = size;
  return st;
}

VMP_API vmp_status VMP_CALL vmp_next_log(vmp_client *client, int32_t wait_ms, vmp_log_record *out,
                                         char *text, size_t text_size) {
  return next_call(run_next_log, client, wait_ms, out, text, text_size);
}

VMP_API const char *VMP_CALL vmp_log_level_str(vmp_log_level level) {
  switch (level) {
    VMP_LOG_LEVEL_LIST(VMPSHIM_LOG_LEVEL_CASE)
    default: return "UNKNOWN";
  }
}
/* ==== end of log records ==================================================================== */

/* ---- Sales units ---------------------------------------------------------------------------- */

typedef struct {
  vmp_client *client;
  const char *name;
  vmp_client **out;
} sales_unit_args;

static vmp_status run_sales_unit(void *p) {
  sales_unit_args *a = p;
  uintptr_t id = 0;
  vmp_status st = vmpgo_sales_unit(VMPSHIM_ID(a->client), (char *)a->name, a->out != NULL, &id);
  if (a->out != NULL) *a->out = (vmp_client *)id;
  return st;
}

VMP_API vmp_status VMP_CALL vmp_sales_unit(vmp_client *client, const char *name, vmp_client **out) {
  sales_unit_args a;
  a.client = client;
  a.name = name;
  a.out = out;
  return call_go(run_sales_unit, &a);
}

/* ---- Webhooks (the Go half is webhook_exports.go) ------------------------------------------- */

typedef struct {
  const char *secret;
  vmp_client *client;
  const vmp_webhook_delivery *delivery;
  int32_t max_age_s;
} webhook_delivery_args;

static vmp_status run_webhook_verify(void *p) {
  webhook_delivery_args *a = p;
  return vmpgo_webhook_verify((char *)a->secret, (vmp_webhook_delivery *)a->delivery, a->max_age_s);
}

VMP_API vmp_status VMP_CALL vmp_webhook_verify(const char *secret,
                                               const vmp_webhook_delivery *delivery,
                                               int32_t max_age_s) {
  webhook_delivery_args a;
  a.secret = secret;
  a.client = NULL;
  a.delivery = delivery;
  a.max_age_s = max_age_s;
  return call_go(run_webhook_verify, &a);
}

static vmp_status run_webhook_handle(void *p) {
  webhook_delivery_args *a = p;
  return vmpgo_webhook_handle(VMPSHIM_ID(a->client), (vmp_webhook_delivery *)a->delivery);
}

VMP_API vmp_status VMP_CALL vmp_webhook_handle(vmp_client *client,
                                               const vmp_webhook_delivery *delivery) {
  webhook_delivery_args a;
  a.secret = NULL;
  a.client = client;
  a.delivery = delivery;
  a.max_age_s = 0;
  return call_go(run_webhook_handle, &a);
}

static vmp_status run_webhook_receiver(void *p) {
  json_out_args *a = p;
  return vmpgo_webhook_receiver(VMPSHIM_ID(a->client), a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_receiver(vmp_client *client, char **out_json) {
  return json_out_call(run_webhook_receiver, client, NULL, 0, out_json);
}

static vmp_status run_webhook_register(void *p) {
  json_out_args *a = p;
  return vmpgo_webhook_register(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_register(vmp_client *client, const char *webhook_json,
                                                 char **out_json) {
  return json_out_call(run_webhook_register, client, webhook_json, 0, out_json);
}

static vmp_status run_webhook_list(void *p) {
  json_out_args *a = p;
  return vmpgo_webhook_list(VMPSHIM_ID(a->client), a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_list(vmp_client *client, char **out_json) {
  return json_out_call(run_webhook_list, client, NULL, 0, out_json);
}

static vmp_status run_webhook_delete(void *p) {
  string_args *a = p;
  return vmpgo_webhook_delete(VMPSHIM_ID(a->client), (char *)a->text);
}

VMP_API vmp_status VMP_CALL vmp_webhook_delete(vmp_client *client, const char *id) {
  return string_call(run_webhook_delete, client, id);
}

static vmp_status run_webhook_reconcile(void *p) {
  json_out_args *a = p;
  return vmpgo_webhook_reconcile(VMPSHIM_ID(a->client), (char *)a->text, a->out_json);
}

VMP_API vmp_status VMP_CALL vmp_webhook_reconcile(vmp_client *client, const char *wanted_json,
                                                  char **out_json) {
  return json_out_call(run_webhook_reconcile, client, wanted_json, 0, out_json);
}
