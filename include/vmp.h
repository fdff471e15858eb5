/*
 * vmp.h - Vipps MobilePay in-store payments for point-of-sale software.
 *
 * This header is the whole contract between a till and libvmp.so / vmp.dll. It is hand-written,
 * C99, and depends only on <stdint.h> and <stddef.h>.
 *
 * Conventions that hold for every function unless its documentation says otherwise:
 *
 *  - Status: functions return vmp_status; VMP_OK (0) is success. Values are explicit and never
 *    renumbered; new ones are only appended. vmp_status_str() names any value.
 *  - Enums: each is one X-macro list, VMP_<NAME>_LIST(X), with entries X(constant, value,
 *    "description"); the enum's constants, the library's *_str name function and the tables of
 *    the Go engine and of the Python and C# bindings are all made from it (make generate). A new
 *    value is appended to its list and nowhere else. Expand a list with your own X to get, say,
 *    a table of names: #define ROW(name, value, text) {value, #name},
 *  - Last error: after a failure, vmp_last_error() on the same thread gives a human-readable
 *    detail. It never contains secrets, tokens or full phone numbers. vmp_last_vipps_error()
 *    gives what Vipps answered (HTTP status, ErrorCode, title, traceId) as fields.
 *  - Strings in: UTF-8, NUL-terminated, borrowed for the duration of the call only. Text that is
 *    not UTF-8 is refused before anything is journaled or sent - Vipps would get U+FFFD in its
 *    place: a text argument (a reference, an operation_id, a phone number, a name, an id, a
 *    secret) with VMP_ERR_INVALID_ARGUMENT; a JSON argument, whose strings must also not escape
 *    an unpaired UTF-16 surrogate ("\ud800"), with VMP_ERR_INVALID_JSON. A JSON argument is at
 *    most 1 MiB (1048576 bytes; VMP_ERR_INVALID_ARGUMENT beyond). Data is taken byte for byte:
 *    vmp_submit_scan's code and the fields of a vmp_webhook_delivery.
 *  - Failures are checked in the order each function lists them, the handle first: a closed
 *    handle gives VMP_ERR_INVALID_HANDLE whatever the other arguments are.
 *  - Small outputs go to caller buffers with a capacity. Variable-size outputs are allocated by
 *    the library and freed with vmp_free().
 *  - Structs that cross the ABI start with `uint32_t struct_size`, which the caller sets to
 *    sizeof(the struct) as it knows it; the library writes no more than that many bytes.
 *  - Handles: a vmp_client is opaque. A NULL, closed or forged handle gives
 *    VMP_ERR_INVALID_HANDLE, never a crash; so does a unit handle (vmp_sales_unit) whose client
 *    was closed. Handle values are never reused in a process.
 *  - Threads: a vmp_client may be used from many threads at once unless a function says
 *    otherwise. Blocking functions block only the calling thread.
 *  - Amounts are int64_t in minor units (øre/cents): 499.00 NOK is 49900.
 *  - The library is loaded once per process and never unloaded (it contains a Go runtime).
 *
 * Threading model: the caller's thread never runs the library's Go code. A call that needs it
 * is handed to one of the library's workers, which run on the library's own threads (started
 * on the first such call, more when all are busy, up to 512 - beyond that calls wait for one,
 * except vmp_close, which always gets one at once; idle ones above 4 end after 30 s;
 * each holds one file descriptor, on Windows two handles, that wakes it), and the calling
 * thread waits in plain C - a futex on Linux, WaitOnAddress on Windows - so a host runtime may
 * suspend it at any moment, as Mono's and .NET's garbage collectors do, without stopping it
 * inside Go.
 * vmp_poll_status with wait_ms 0 for a payment the library already knows is answered on the
 * calling thread from a copy in C memory. Callbacks (vmp_on_scan, vmp_on_log) run on a thread
 * the library creates for them in C that never runs Go code, with the signal mask of the thread
 * that registered them. The informational functions (vmp_version, the *_str names,
 * vmp_last_error, vmp_last_vipps_error, vmp_free) are plain C.
 *
 * Processes: in a process forked after the library was loaded (Python's multiprocessing with
 * the "fork" start method, os.fork()), the library's threads do not exist: every function that
 * needs them returns VMP_ERR_FORKED at once, without touching anything of the parent's - its
 * journal above all - and vmp_close does nothing there. Load vmp (or make the first client)
 * after the fork, or start children with spawn or forkserver. The parent is unaffected.
 *
 * Signals (Linux): Go's runtime adds SA_ONSTACK to signal handlers installed before the library
 * loads; the library puts the host's flags back at once (while it loads), since no thread of
 * the host ever runs Go code. The library's threads block the signals the host handled when it
 * loaded, so a signal sent to the whole process reaches a thread of the host - except those Go
 * insists on receiving everywhere: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGURG and
 * 32-34, which include glibc's SIGRTMIN (34, .NET's GC signal: send it to threads, never to the
 * process). Install handlers before loading vmp, or give later ones SA_ONSTACK. Windows has no
 * signals.
 */
#ifndef VMP_H
#define VMP_H

#include <stddef.h>
#include <stdint.h>

#define VMP_VERSION_MAJOR 0
#define VMP_VERSION_MINOR 2
#define VMP_VERSION_PATCH 0

#if defined(_WIN32) || defined(__CYGWIN__)
#  define VMP_CALL __cdecl
#  if defined(VMP_BUILDING)
#    define VMP_API __declspec(dllexport)
#  else
#    define VMP_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define VMP_CALL
#  define VMP_API __attribute__((visibility("default")))
#else
#  define VMP_CALL
#  define VMP_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes
 *
 * One list gives both the enum and vmp_status_str(). X(name, value, description).
 * ------------------------------------------------------------------------------------------- */
#define VMP_STATUS_LIST(X)                                                                        \
  X(VMP_OK, 0, "success")                                                                         \
  X(VMP_ERR_INVALID_ARGUMENT, 1, "an argument is NULL or out of range")                          \
  X(VMP_ERR_INVALID_HANDLE, 2, "the client handle is NULL, closed or not a vmp handle")           \
  X(VMP_ERR_BUFFER_TOO_SMALL, 3, "the output buffer is too small; nothing was done")              \
  X(VMP_ERR_INVALID_JSON, 4, "the JSON is malformed, has an unknown field or a wrong type")       \
  X(VMP_ERR_INVALID_CONFIG, 5, "the configuration is incomplete or inconsistent")                 \
  X(VMP_ERR_INVALID_AMOUNT, 6, "the amount is zero, negative or too large")                       \
  X(VMP_ERR_INVALID_REFERENCE, 7, "the reference is not 8-64 characters of a-z A-Z 0-9 -")        \
  X(VMP_ERR_INVALID_CUSTOMER, 8, "the phone number or personal QR is not valid")                  \
  X(VMP_ERR_NOT_FOUND, 9, "Vipps does not know this payment")                                      \
  X(VMP_ERR_REJECTED, 10, "Vipps refused the operation; the detail names its ErrorCode")          \
  X(VMP_ERR_AUTH, 11, "Vipps refused the credentials (client id, secret, subscription key, MSN)") \
  X(VMP_ERR_NETWORK, 12, "Vipps could not be reached; the request was certainly not processed")   \
  X(VMP_ERR_UNKNOWN_OUTCOME, 13, "the request was sent but no answer came; it may have happened") \
  X(VMP_ERR_RATE_LIMITED, 14, "Vipps asked to slow down; try again later")                        \
  X(VMP_ERR_CONFLICT, 15, "the operation conflicts with an earlier one of the same key")          \
  X(VMP_ERR_UNAVAILABLE, 16, "Vipps answered with a server error; nothing was changed")           \
  X(VMP_ERR_INTERNAL, 17, "internal error in vmp (a bug); the detail says where")               \
  X(VMP_ERR_JOURNAL, 18, "the journal cannot be opened or written; nothing was sent")             \
  X(VMP_ERR_CUSTOMER_NOT_FOUND, 19, "not a Vipps MobilePay user, or may not use this")            \
  X(VMP_ERR_APP_TOO_OLD, 20, "the customer's app is too old for this; ask them to update it")     \
  X(VMP_ERR_ALREADY_AUTHORIZED, 21, "the customer approved first; the payment is AUTHORIZED") \
  X(VMP_ERR_CAPTURE_MISMATCH, 22, "Vipps' captured amount differs from what the till captured") \
  X(VMP_ERR_UNVERIFIED, 23, "a webhook delivery failed verification; it was not applied")         \
  X(VMP_ERR_FORKED, 24, "the process was forked after vmp was loaded; use vmp in the parent")     \
  X(VMP_ERR_IN_CALLBACK, 25, "called from inside a vmp callback, where it would wait for itself") \
  X(VMP_ERR_NEW_JOURNAL, 26, "the journal is new; a call without an operation id was refused")  \
  X(VMP_ERR_PUSH_NOT_ALLOWED, 27, "this sales unit may not send push requests; use a QR checkout")

/** Result of every fallible vmp function. Stored as int32_t across the ABI. */
typedef int32_t vmp_status;

/** An enum item of a VMP_*_LIST: `name = value,`. */
#define VMP_ENUM_ITEM(name, value, text) name = value,

enum vmp_status_code { VMP_STATUS_LIST(VMP_ENUM_ITEM) };

/* ---------------------------------------------------------------------------------------------
 * Payment state (the Vipps ePayment state; there is no CAPTURED state: read the aggregates)
 * ------------------------------------------------------------------------------------------- */
#define VMP_PAYMENT_STATE_LIST(X)                                                                 \
  X(VMP_STATE_UNKNOWN, 0, "not yet read from Vipps")                                             \
  X(VMP_STATE_CREATED, 1, "sent to the customer, who has not answered yet")                      \
  X(VMP_STATE_AUTHORIZED, 2, "approved; final. Stays AUTHORIZED after capture/refund/cancel")    \
  X(VMP_STATE_ABORTED, 3, "the customer declined in the app; final")                             \
  X(VMP_STATE_EXPIRED, 4, "the customer did not answer in time; final")                          \
  X(VMP_STATE_TERMINATED, 5, "the merchant cancelled before approval; final")

typedef int32_t vmp_payment_state;
enum vmp_payment_state_code { VMP_PAYMENT_STATE_LIST(VMP_ENUM_ITEM) };

/** Size of a buffer that holds any payment reference (64 characters + NUL). */
#define VMP_REFERENCE_SIZE 65

/** Size of a buffer that holds a payment's pspReference (64 characters + NUL; longer is cut). */
#define VMP_PSP_REFERENCE_SIZE 65

/**
 * A payment as last known by the library. The caller sets struct_size = sizeof(vmp_payment)
 * before passing it; the library fills the rest. Fields are appended in later versions, and
 * the library fills only the fields that struct_size covers: a caller built against an older
 * vmp.h keeps working. The smallest struct_size taken is that of vmp 0.2.0's vmp_payment (up
 * to and including reference, offsetof(vmp_payment, created_at_ms): 120 on the usual ABIs);
 * smaller is VMP_ERR_INVALID_ARGUMENT. A larger one than this version's keeps the caller's
 * extra bytes untouched. On any status other than VMP_OK, VMP_ERR_ALREADY_AUTHORIZED and
 * VMP_ERR_CAPTURE_MISMATCH the struct is left untouched.
 */
typedef struct vmp_payment {
  uint32_t struct_size;
  vmp_payment_state state;
  int64_t amount;            /* requested amount, minor units */
  int64_t authorized_amount; /* aggregate: reserved by the customer's approval */
  int64_t captured_amount;   /* aggregate: captured so far */
  int64_t refunded_amount;   /* aggregate: refunded so far */
  int64_t cancelled_amount;  /* aggregate: released by cancel */
  char currency[4];          /* ISO 4217, e.g. "NOK", NUL-terminated */
  char reference[VMP_REFERENCE_SIZE]; /* the payment's reference, NUL-terminated */
  /* Appended after 0.2.0 (filled when struct_size covers them): */
  /* When the payment was created, Unix time in milliseconds: the CREATED event of its event
   * log once the library has read it (vmp_payment_events), else when this library's
   * createPayment was answered; 0 when unknown (e.g. a payment another till made, until its
   * event log is read). */
  int64_t created_at_ms;
  /* When the library saw the state or an aggregate change, Unix time in milliseconds, by its
   * own clock (Vipps' getPayment carries no time; the event log has Vipps' times); 0 when
   * unknown. */
  int64_t last_changed_ms;
  /* Vipps' pspReference of the payment, NUL-terminated; "" until the library has read it. */
  char psp_reference[VMP_PSP_REFERENCE_SIZE];
} vmp_payment;

/** Flags for vmp_cancel. */
#define VMP_CANCEL_TRANSACTION_ONLY 0x1u

/** An open connection to Vipps (or to the embedded simulator). Opaque. */
typedef struct vmp_client vmp_client;

/* ---------------------------------------------------------------------------------------------
 * Library information. These cannot fail and may be called from any thread at any time.
 * ------------------------------------------------------------------------------------------- */

/**
 * The library's version as "MAJOR.MINOR.PATCH". Static storage; never NULL; do not free.
 * Compare its MAJOR.MINOR with VMP_VERSION_MAJOR/MINOR to detect a header/library mismatch.
 */
VMP_API const char *VMP_CALL vmp_version(void);

/**
 * The symbolic name of a status, e.g. "VMP_ERR_INVALID_HANDLE"; "VMP_ERR_UNKNOWN_STATUS" for a
 * value this library does not know. Static storage; never NULL; do not free.
 */
VMP_API const char *VMP_CALL vmp_status_str(vmp_status status);

/**
 * The symbolic name of a payment state, e.g. "AUTHORIZED"; "UNKNOWN" for values this library
 * does not know. Static storage; never NULL; do not free.
 */
VMP_API const char *VMP_CALL vmp_state_str(vmp_payment_state state);

/**
 * Detail text of the last failed vmp call on the calling thread ("" after a success).
 * Thread-local: each thread sees its own. Never NULL. Valid until the same thread's next vmp_
 * call (vmp_version, vmp_status_str, vmp_state_str, vmp_last_vipps_error and vmp_last_error
 * itself do not change it).
 * Never contains secrets, access tokens, full phone numbers or personal-QR contents.
 */
VMP_API const char *VMP_CALL vmp_last_error(void);

/** Capacities of vmp_vipps_error's text fields, NUL included. */
#define VMP_VIPPS_ERROR_CODE_SIZE 32
#define VMP_VIPPS_TITLE_SIZE 256
#define VMP_VIPPS_TRACE_ID_SIZE 128

/**
 * What Vipps answered to the last failed vmp call on the calling thread, as data: a till can
 * branch on error_code ("7010": ask for another means of payment) without parsing
 * vmp_last_error's English. Set for every failure that carries an answer from Vipps (an HTTP
 * status other than 2xx), whatever its vmp_status - VMP_ERR_REJECTED, VMP_ERR_CUSTOMER_NOT_FOUND,
 * VMP_ERR_PUSH_NOT_ALLOWED, VMP_ERR_AUTH, VMP_ERR_UNAVAILABLE, VMP_ERR_RATE_LIMITED, and a
 * VMP_ERR_UNKNOWN_OUTCOME whose last attempt was answered; http_status is 0 (and the texts "")
 * when the last failure had no answer from Vipps (a failure vmp found itself, no connection) and
 * after a success. An outcome recorded earlier and given again (a repeated call; "nothing was
 * sent again") carries the answer of then. The texts are Vipps' own, UTF-8, NUL-terminated, cut
 * at a character boundary to fit; personal data in them is masked as in vmp_last_error.
 *
 * Vipps' error bodies (RFC 7807 problem+json, ePayment's Problem schema) carry `title`,
 * `traceId` and `extraDetails: [{"name": "ErrorCode", "reason": "7010"}]`; give trace_id to
 * Vipps' support when asking about a failed request.
 */
typedef struct vmp_vipps_error {
  uint32_t struct_size;
  int32_t http_status;                         /* e.g. 400; 0: no answer from Vipps */
  char error_code[VMP_VIPPS_ERROR_CODE_SIZE];  /* Vipps' ErrorCode, e.g. "7010" (Login: its
                                                  OAuth error, e.g. "invalid_user"); "" if none */
  char title[VMP_VIPPS_TITLE_SIZE];            /* e.g. "Customer not found"; "" if none */
  char trace_id[VMP_VIPPS_TRACE_ID_SIZE];      /* Vipps' traceId; "" if none */
} vmp_vipps_error;

/**
 * Fills `out` with vmp_vipps_error's account of the calling thread's last failed call.
 * Thread-local and plain C like vmp_last_error (it never waits and needs no client): a struct
 * with fixed-size texts rather than allocated JSON, so reading it right after a failure cannot
 * itself fail for want of memory, needs no vmp_free, and works in a forked child too.
 *
 * out:       caller struct with struct_size = sizeof(vmp_vipps_error); the library writes at
 *            most struct_size bytes and keeps the caller's struct_size.
 * Threading: any thread; reads what that thread's last call left.
 * Returns:   VMP_OK (out filled; http_status 0 when there is no answer of Vipps to report);
 *            VMP_ERR_INVALID_ARGUMENT (out NULL, or struct_size smaller than the first
 *            version's sizeof(vmp_vipps_error)) - then vmp_last_error and this account are left
 *            as they were, so the failure being examined is not lost.
 */
VMP_API vmp_status VMP_CALL vmp_last_vipps_error(vmp_vipps_error *out);

/**
 * Frees memory the library allocated and handed to the caller. NULL is a no-op.
 * Never pass memory from anywhere else.
 */
VMP_API void VMP_CALL vmp_free(void *ptr);

/* ---------------------------------------------------------------------------------------------
 * Client lifetime
 * ------------------------------------------------------------------------------------------- */

/**
 * Creates a client from a JSON configuration (documented in docs/CONFIGURATION.md).
 * With "environment": "simulator" it starts an embedded Vipps simulator on 127.0.0.1 (its URL:
 * vmp_simulator_url) and needs no credentials. A configuration without keys and without
 * "environment" means that
 * simulator; one with keys (client_id, client_secret, subscription_key, msn, partner, a sales
 * unit's keys) must name its environment.
 *
 * config_json: UTF-8 JSON object, borrowed. Unknown fields are an error.
 * out:         receives the new handle; set to NULL on failure. Must not be NULL.
 * Threading:   any thread. Each client is independent.
 * Journal:     opens the journal and first resolves operations a previous run left open
 *              (bounded by timeouts.recovery_ms; see "Money safety"); call vmp_pending next.
 *              On Unix an existing journal open to other users is made 0600 first (the
 *              default folder 0700), with a warning in the log.
 * Returns:     VMP_OK; VMP_ERR_INVALID_ARGUMENT (NULL argument, over 1 MiB);
 *              VMP_ERR_INVALID_JSON (malformed, unknown field, wrong type, text not UTF-8);
 *              VMP_ERR_INVALID_CONFIG (keys without "environment"; missing credentials for
 *              test/production; a credential over 256 bytes or with other than printable
 *              ASCII; a system field with a control character; a base_url that is not https
 *              for test/production, or http to a host other than 127.0.0.0/8, ::1 or
 *              localhost for the simulator, or that carries a user name or password - never
 *              echoed; a bad value); VMP_ERR_JOURNAL (the journal is in use by another process,
 *              damaged - never reset silently - not writable, or owned by another user or
 *              impossible to make private); VMP_ERR_INTERNAL.
 */
VMP_API vmp_status VMP_CALL vmp_init(const char *config_json, vmp_client **out);

/**
 * Closes a client: waits for calls in progress on other threads to return (they are
 * cancelled and return promptly) and for its callbacks to return, stops the embedded simulator
 * if any, releases everything. After it returns the handle is invalid for good; using it gives
 * VMP_ERR_INVALID_HANDLE. Closing a client closes its unit handles (vmp_sales_unit) too.
 *
 * A unit handle: vmp_close cancels the calls in progress made through that handle, waits for
 * them to return and invalidates it; the client and its other handles go on. What it
 * registered or started on the client (a vmp_on_scan or vmp_on_log callback, an enrollment)
 * is the client's and stays.
 *
 * A call that a close cancels returns promptly, also when Vipps does not answer (vmp_close
 * never waits out timeouts.request_ms): a wait - vmp_poll_status, vmp_poll_enrollment,
 * vmp_next_scan, vmp_next_log - with VMP_ERR_INVALID_HANDLE ("the client was closed while
 * waiting ..."), never with a state that could pass for an answer; a call waiting for Vipps
 * with VMP_ERR_NETWORK, or VMP_ERR_UNKNOWN_OUTCOME when it may have been carried out (see
 * "Money safety"); vmp_recover with what it resolved so far.
 * NULL, and a handle that is already closed, are no-ops (VMP_OK).
 * Threading: any thread, but not from inside a vmp callback, where it would wait for itself:
 *            there it returns VMP_ERR_IN_CALLBACK at once and closes nothing.
 * Returns:   VMP_OK; VMP_ERR_IN_CALLBACK; VMP_ERR_FORKED (a forked child: it does nothing, the
 *            client is the parent's). Until version 0.2 it returned void; a caller that ignores
 *            the status keeps working.
 */
VMP_API vmp_status VMP_CALL vmp_close(vmp_client *client);

/** Size of a buffer that holds the embedded simulator's URL (NUL included). */
#define VMP_SIMULATOR_URL_SIZE 64

/**
 * The base URL of the embedded simulator a client started ("environment": "simulator"), e.g.
 * "http://127.0.0.1:41234": the address of its /sim control API (make the customer approve,
 * decline, or a call fail), for tests and demos. A client that talks to Vipps has none: url
 * receives "" and the call succeeds - an empty answer, like any other, needs no status of its
 * own (VMP_ERR_NOT_FOUND is about payments). The "client started" log record carries the same
 * URL, but only at log_level "info" or below; read it here instead.
 *
 * url:       caller buffer receiving the URL, NUL-terminated; "" without a simulator.
 * url_size:  capacity of url; must be >= VMP_SIMULATOR_URL_SIZE (checked even when the URL
 *            would fit, so a buffer that works with one client works with all).
 * Threading: any thread; does not block. Through a unit handle (vmp_sales_unit) it gives its
 *            client's simulator.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (url NULL);
 *            VMP_ERR_BUFFER_TOO_SMALL.
 */
VMP_API vmp_status VMP_CALL vmp_simulator_url(vmp_client *client, char *url, size_t url_size);

/* ---------------------------------------------------------------------------------------------
 * Payments
 * ------------------------------------------------------------------------------------------- */

/**
 * Sends a push payment request to the customer's phone (ePayment createPayment with
 * userFlow PUSH_MESSAGE and customerInteraction CUSTOMER_PRESENT unless the checkout says
 * otherwise), or creates a QR checkout. Returns as soon as Vipps has accepted the request;
 * follow it with vmp_poll_status.
 *
 * checkout_json:  UTF-8 JSON object, borrowed. Fields:
 *                   "amount"        integer, minor units, > 0 (required)
 *                   "currency"      "NOK" | "DKK" | "EUR" (default: the config's currency)
 *                   "phone_number"  MSISDN with country code, e.g. "4791234567" or "+47 912 34 567"
 *                   "personal_qr"   the scanned personal QR text (exactly one of the two)
 *                   "description"   shown to the customer, 3-100 characters (default: config)
 *                   "reference"     8-64 of a-z A-Z 0-9 - (default: generated from store_id,
 *                                   pos_id, time and a random suffix; the store prefix is never
 *                                   cut - with long ids the time is written shorter). The same
 *                                   checkout with the reference of a payment that ended ABORTED
 *                                   or EXPIRED is the sale's next attempt, "<reference>-2", -3,
 *                                   ... (see "Money safety"): use the reference returned.
 *                   "flow"          "push" (default) or "qr" (a code on the customer display,
 *                                   vmp_checkout_qr; no phone_number or personal_qr)
 *                   "customer_interaction"  "CUSTOMER_PRESENT" (default: in the store) or
 *                                   "CUSTOMER_NOT_PRESENT" (phone orders, distance sales)
 *                   "minimum_user_age"  0-100: Vipps refuses a younger customer (ErrorCode 7010)
 *                   "profile_scopes"  ask the customer to share profile parts with the payment,
 *                                   from "name", "address", "email", "phoneNumber",
 *                                   "birthDate", "nin" (Vipps' profile.scope)
 *                   "receipt_url"   where the customer can view the receipt
 *                   "return_url"    where the customer's phone goes afterwards - for a QR
 *                                   checkout the fallback when the code is opened outside the
 *                                   app (both: https:// or an app's own scheme, at most 2048
 *                                   bytes)
 *                   "metadata"      up to 5 string pairs kept by Vipps with the payment (keys
 *                                   1-100, values up to 500 characters)
 *                   "extra"         an object of ePayment createPayment members vmp does not
 *                                   know yet, sent as given (checked for JSON shape only). A
 *                                   member vmp sets - amount, paymentMethod, customer,
 *                                   customerInteraction, reference, userFlow, returnUrl,
 *                                   paymentDescription, qrFormat, receipt, metadata, receiptUrl,
 *                                   minimumUserAge, profile - is VMP_ERR_INVALID_ARGUMENT: extra
 *                                   never overrides what keeps the money safe; use the field.
 *                 Unknown fields are an error. A "receipt" (see "Receipts" below) goes with
 *                 it: refused only when it breaks Vipps' schema; what only looks wrong is sent
 *                 with warnings (vmp_receipt_warnings), or refused with "strict_receipts".
 * reference:      caller buffer receiving the payment's reference, NUL-terminated.
 * reference_size: capacity of `reference` in bytes; must be >= VMP_REFERENCE_SIZE. This is
 *                 checked before anything is sent, so a too-small buffer never loses a payment.
 * Threading:      any thread; blocks for at most timeouts.operation_ms (config).
 * Returns:        VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, over 1 MiB,
 *                 a receipt outside the schema's ranges or vmp's caps, or - with
 *                 "strict_receipts" - one that looks wrong); VMP_ERR_BUFFER_TOO_SMALL;
 *                 VMP_ERR_INVALID_JSON (also: text not UTF-8); VMP_ERR_INVALID_AMOUNT;
 *                 VMP_ERR_INVALID_REFERENCE; VMP_ERR_INVALID_CUSTOMER; VMP_ERR_REJECTED (e.g.
 *                 ErrorCode 4150 reference already used); VMP_ERR_CUSTOMER_NOT_FOUND (ErrorCode
 *                 7010: not a user, cannot pay businesses, or under age - ask for another means
 *                 of payment); VMP_ERR_PUSH_NOT_ALLOWED (ErrorCode 5080: Vipps has not approved
 *                 this sales unit for push requests; see "push_fallback" below);
 *                 VMP_ERR_CONFLICT (the reference was already used for a checkout with other
 *                 content; the same content again is the same payment and gives VMP_OK - or,
 *                 when that payment ended ABORTED or EXPIRED, the sale's next attempt; also
 *                 when that attempt's reference would pass 64 characters);
 *                 VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_RATE_LIMITED;
 *                 VMP_ERR_UNKNOWN_OUTCOME (sent, no answer: the payment may exist - call
 *                 vmp_poll_status with the reference, which is filled in this case too, or
 *                 repeat the same checkout, which finishes it: see "Money safety" below);
 *                 VMP_ERR_JOURNAL (the journal could not be written: nothing was sent; when
 *                 the write failed so late that the file may hold the entry anyway - its
 *                 fdatasync failed after the commit was written - the call returns
 *                 VMP_ERR_UNKNOWN_OUTCOME instead: repeat it after a restart, or let
 *                 vmp_recover finish it then. After such a late failure the journal takes no
 *                 write until vmp is restarted - vmp_close, then vmp_init - and every call
 *                 that would write returns VMP_ERR_JOURNAL saying so, or
 *                 VMP_ERR_UNKNOWN_OUTCOME for an operation the journal holds open).
 *                 After any refusal by Vipps, vmp_last_vipps_error gives its ErrorCode.
 *
 * "push_fallback": "qr" (config): a push checkout refused with 5080 is started again at once as
 * a QR checkout ("flow": "qr", same amount, currency, description and receipt; reference: the
 * push's with "-qr" appended, or a generated one when the push named none). The till learns it
 * from the status and the reference together: VMP_ERR_PUSH_NOT_ALLOWED with `reference` filled
 * means the QR checkout exists - show vmp_checkout_qr(reference) on the customer display and
 * poll it as any payment; VMP_ERR_PUSH_NOT_ALLOWED with `reference` "" means no payment was
 * made (no fallback configured). If the QR checkout fails too, its own status is returned (with
 * its reference on VMP_ERR_UNKNOWN_OUTCOME). The same checkout repeated with its reference is
 * the same QR payment. A status rather than VMP_OK because a till that waits for the customer's
 * phone must not wait for a push that was never sent.
 */
VMP_API vmp_status VMP_CALL vmp_start_checkout(vmp_client *client, const char *checkout_json,
                                               char *reference, size_t reference_size);

/**
 * Gets the state of a payment. With wait_ms == 0 it answers at once from what the library last
 * learned (reading Vipps once if it has never seen the payment); for a payment it knows, that
 * answer comes from C memory on the calling thread, in tens of nanoseconds, so a till may poll
 * in a loop. With wait_ms > 0 it returns as
 * soon as the payment reaches a final state, or when wait_ms elapses (then with the last known,
 * possibly non-final state and VMP_OK). The library polls Vipps itself - by default at once
 * and every 0.5 s for 2 minutes, then every 1 s, then 2 s, backing off after failures, never
 * more than 120 reads a minute per payment - so the caller never has to schedule polls; many
 * threads may wait on the same payment at once. Config "polling": {"interval_ms",
 * "first_delay_ms"} sets the first 2 minutes' interval (500..60000) and a delay before the
 * first read of a payment this till created; Vipps recommends {"interval_ms": 2000,
 * "first_delay_ms": 5000} (every 1 s for an in-store QR payment).
 *
 * reference: the payment's reference, borrowed.
 * wait_ms:   0 .. 600000 (10 minutes).
 * out:       caller struct with struct_size set; filled on VMP_OK. Must not be NULL.
 * Threading: any thread; blocks the calling thread for at most wait_ms plus one request timeout.
 *            vmp_close of the client, or of the unit handle the call came through, from
 *            another thread ends the wait: VMP_ERR_INVALID_HANDLE, `out` untouched.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, struct_size too
 *            small, wait_ms out of range, reference not UTF-8); VMP_ERR_INVALID_REFERENCE;
 *            VMP_ERR_NOT_FOUND;
 *            VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE; VMP_ERR_RATE_LIMITED.
 */
VMP_API vmp_status VMP_CALL vmp_poll_status(vmp_client *client, const char *reference,
                                            int32_t wait_ms, vmp_payment *out);

/**
 * Captures `amount` of an AUTHORIZED payment (partial captures allowed, repeatedly, up to the
 * authorized amount minus what was captured or cancelled).
 *
 * operation_id: optional (NULL or ""): the till's own id for this operation, e.g. the receipt
 *               number. The Idempotency-Key sent to Vipps is derived from it, the reference,
 *               the operation, the sales unit's MSN and this till's store_id and pos_id, so
 *               calling again with the same operation_id after VMP_ERR_UNKNOWN_OUTCOME - also
 *               after a restart, even with a lost journal - finishes the same operation and can
 *               never capture twice, while another till's same id is its own operation.
 *               Without it, the repeat rule applies (see "Money safety" below). At most 128
 *               bytes of UTF-8 (it is journaled and logged).
 * out:          optional (may be NULL): the payment after the capture, struct_size set.
 * Rate limit:   Vipps allows 5 money-moving requests a minute per payment (the checkout counts
 *               as one); beyond that the library answers VMP_ERR_RATE_LIMITED without sending.
 * Threading:    any thread; blocks for at most timeouts.operation_ms (config).
 * Returns:      VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL reference,
 *               struct_size too small, operation_id not UTF-8 or over 128 bytes - nothing is
 *               journaled or sent); VMP_ERR_INVALID_AMOUNT; VMP_ERR_INVALID_REFERENCE;
 *               VMP_ERR_NOT_FOUND; VMP_ERR_REJECTED (e.g. 6080 not
 *               authorized, 6090 amount too high); VMP_ERR_CONFLICT (same operation_id, other
 *               amount); VMP_ERR_CAPTURE_MISMATCH (capture only: the capture happened, but the
 *               amount Vipps reports as captured is not what the captures in its event log add
 *               up to, or this capture is not among them - confirmed with reads at rest, so
 *               alike captures made at the same moment are no mismatch, and a capture of its
 *               amount listed without a key of its own may be this one, so a log that lists
 *               it so is no mismatch either; nor is a log that does not list it yet, within
 *               twice timeouts.request_ms of it, when Vipps' figures have room for it beside
 *               the captures the log lists; nor one that lacks other captures Vipps' figures
 *               show (another till's, moments before), within twice timeouts.request_ms of
 *               the last change of the payment this vmp saw: it is read again after short
 *               pauses until it tells, that time is over or timeouts.operation_ms is spent -
 *               Vipps' figures decide, and figures below the log's captures (and this one,
 *               not listed yet) are a mismatch at once; so is a capture sent again - left
 *               open or recorded failed before - that the log lists twice under its key:
 *               Vipps carried it out twice); `out` holds the payment as Vipps
 *               reports it - check before handing over goods);
 *               VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE; VMP_ERR_RATE_LIMITED;
 *               VMP_ERR_UNKNOWN_OUTCOME; VMP_ERR_NEW_JOURNAL (no operation_id, a new journal
 *               that knows nothing of the payment: see "Money safety"); VMP_ERR_JOURNAL
 *               (nothing was sent). An answer that the operation was not carried out (a
 *               refusal, VMP_ERR_RATE_LIMITED...) is written to the journal before the call
 *               returns, so recovery never sends it after a restart; when that write fails
 *               the call returns VMP_ERR_UNKNOWN_OUTCOME, and when the entry's own write
 *               failed so late that the file may hold it anyway, VMP_ERR_UNKNOWN_OUTCOME too.
 *               After such a late failure the journal takes no write until vmp is restarted
 *               (vmp_close, then vmp_init): a repeat of an operation the journal holds
 *               open returns VMP_ERR_UNKNOWN_OUTCOME, any other call VMP_ERR_JOURNAL (nothing
 *               sent) with a message that says vmp must be restarted; after the restart the
 *               repeat, or vmp_recover, finishes the open one.
 */
VMP_API vmp_status VMP_CALL vmp_capture(vmp_client *client, const char *reference, int64_t amount,
                                        const char *operation_id, vmp_payment *out);

/**
 * Refunds `amount` of what was captured (partial refunds allowed, up to captured minus
 * refunded). Parameters, operation_id rule, threading and statuses as vmp_capture; typical
 * rejections are 6020 (nothing captured) and 6150 (not enough refundable).
 */
VMP_API vmp_status VMP_CALL vmp_refund(vmp_client *client, const char *reference, int64_t amount,
                                       const char *operation_id, vmp_payment *out);

/**
 * Cancels a payment. Before the customer approves, the payment becomes TERMINATED. After
 * approval, the remaining uncaptured amount is released (cancelled_amount) and the state stays
 * AUTHORIZED. A fully captured payment cannot be cancelled (6040: refund instead).
 *
 * flags:        0, or VMP_CANCEL_TRANSACTION_ONLY: cancel only if the customer has not approved
 *               yet - the till's "abort" while the customer may be approving. If the customer
 *               approved first, the call returns VMP_ERR_ALREADY_AUTHORIZED and fills `out`
 *               with the AUTHORIZED payment (the one status besides VMP_OK that fills it): the
 *               till captures it, or releases it with a plain cancel.
 * operation_id: optional, as vmp_capture.
 * out:          optional (may be NULL): the payment after the cancel, struct_size set.
 * Threading and statuses as vmp_capture (VMP_ERR_INVALID_ARGUMENT also for unknown flags), and
 * VMP_ERR_ALREADY_AUTHORIZED as above. A cancel refused with ErrorCode 6250 ("cannot cancel a
 * payment being processed": the customer is approving right now) is tried again within the call;
 * if the customer is still approving it ends VMP_ERR_UNAVAILABLE (nothing was cancelled: ask for
 * the status, and cancel again - with the same operation_id - if still needed), or, for
 * VMP_CANCEL_TRANSACTION_ONLY when the approval won, VMP_ERR_ALREADY_AUTHORIZED as above.
 */
VMP_API vmp_status VMP_CALL vmp_cancel(vmp_client *client, const char *reference, uint32_t flags,
                                       const char *operation_id, vmp_payment *out);

/**
 * The payment's event log as Vipps keeps it (ePayment GET /payments/{reference}/events), read
 * from Vipps now: a JSON array, oldest first, of
 *   {"reference", "pspReference", "name", "amount": {"currency", "value"}, "timestamp",
 *    "idempotencyKey", "success"}
 * name is CREATED, AUTHORIZED, ABORTED, EXPIRED, CAPTURED, REFUNDED, CANCELLED or TERMINATED;
 * timestamp is RFC 3339 (Vipps' clock); a failed operation has success false. The time of the
 * CREATED event becomes the payment's created_at_ms.
 *
 * reference: the payment's reference, borrowed.
 * out_json:  receives the array, allocated by the library: free it with vmp_free. NULL on
 *            failure. Must not be NULL.
 * Threading: any thread; blocks for at most timeouts.operation_ms. It counts against the
 *            payment's 120 reads a minute like a status read.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, reference not
 *            UTF-8); VMP_ERR_INVALID_REFERENCE; VMP_ERR_NOT_FOUND; VMP_ERR_AUTH;
 *            VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE; VMP_ERR_RATE_LIMITED.
 */
VMP_API vmp_status VMP_CALL vmp_payment_events(vmp_client *client, const char *reference, char **out_json);

/* ---------------------------------------------------------------------------------------------
 * Money safety: the journal, unknown outcomes and recovery
 *
 * Every checkout, capture, refund and cancel is written to a journal file (config
 * "journal_path"; default per user, see docs/CONFIGURATION.md) and flushed to disk before its
 * request leaves (a flush is an append to the journal's log, the file "<journal_path>.wal"
 * beside it: back up, move or restore the two together, with the client closed; a journal
 * whose log is missing is refused as damaged, VMP_ERR_JOURNAL); its outcome is written after (with the journal's next flush, which the call
 * does not wait for: a crash before it leaves the entry open, as a crash inside the call would,
 * and recovery looks it up at Vipps). A call that got no answer returns
 * VMP_ERR_UNKNOWN_OUTCOME - the operation may or may not have happened - and its journal entry
 * stays open. Nothing is ever sent twice as two operations:
 *
 *  - With an id - an operation_id (capture/refund/cancel) or an explicit "reference"
 *    (checkout) - the Idempotency-Key is derived from the id, the operation, the reference, the
 *    sales unit's MSN and this till's store_id and pos_id (configure them: two tills then
 *    never share a key, and a till that lost its journal still sends the same key for the same
 *    id). Calling again with the same id finishes the same operation: an open one is finished
 *    with the same key and the same bytes (Vipps carries it out at most once), a finished one
 *    returns its recorded outcome without sending. The same id with different content is
 *    VMP_ERR_CONFLICT and nothing is sent. A capture, refund or cancel with an id on a payment
 *    the journal knows nothing of (a lost journal, entries pruned) is first looked up in Vipps'
 *    event log by its key, since Vipps keeps a key only for a limited time: found, it returns
 *    VMP_OK and nothing is sent; when the log cannot tell, VMP_ERR_UNKNOWN_OUTCOME and
 *    nothing is sent.
 *    A checkout with the explicit reference of a sale whose payment ended ABORTED or EXPIRED
 *    is the sale's next attempt: a new payment "<reference>-n" (n = 2, 3, ...; at most 20;
 *    VMP_ERR_CONFLICT when the suffix would pass 64 characters), its key derived from that
 *    reference, its own journal entry - so the rule holds per attempt (a repeat after an
 *    attempt's VMP_ERR_UNKNOWN_OUTCOME finishes that attempt; one while the latest attempt is
 *    CREATED or AUTHORIZED is that payment). If the latest attempt's state cannot be read,
 *    that attempt is given back, never a new payment.
 *  - Without an id, a call is a repeat of an earlier call when, as it starts, the journal holds
 *    an operation asking for exactly the same whose outcome the till has not seen - that call
 *    returned VMP_ERR_UNKNOWN_OUTCOME, or the process died before it returned (also after
 *    Vipps answered: an outcome counts as seen only once its call has returned). "The same":
 *    for a checkout the amount, currency, customer (phone number, or the personal QR text as
 *    given), description and flow - not the receipt nor the other fields (metadata, extra,
 *    ...); for a capture or refund the operation,
 *    payment and amount; for a cancel the payment and its flags; always the same sales unit
 *    (by MSN, whatever its name in the config). A repeat finishes that operation or returns its
 *    recorded outcome; calls that start while it is being finished (another thread's repeat,
 *    vmp_recover), or that the till made before a repeat's outcome had reached it, get the same
 *    outcome. Any other call is a new operation: an
 *    identical call after a definite outcome was returned (e.g. a second partial capture of the
 *    same amount), or while the first identical call is still in progress on another thread
 *    (two alike sales). Age limits: a checkout repeats only a checkout younger than 10 minutes
 *    (older, it is a new sale; the old one stays in vmp_pending; within one process the age is
 *    also counted on the monotonic clock, and the younger count holds, so a wall clock stepped
 *    forward does not make a repeat a second payment); a capture, refund or cancel
 *    that matches an unseen one older than 24 hours is refused with VMP_ERR_CONFLICT (nothing
 *    sent; the message names it: settle it with vmp_recover / vmp_acknowledge, or use an
 *    operation_id). A QR checkout ("flow": "qr") without a reference is never matched: it names
 *    no customer, and money moves only for the code the customer scans.
 *    One instant stays ambiguous without an id: that an outcome reached the till is written
 *    to the journal only after the call has returned to the till's thread - once that thread
 *    has taken the result from the library's worker - with the next journal write, or within
 *    about 10 milliseconds. A process that dies inside that instant
 *    leaves the same journal as one that died inside the call, so after the restart an
 *    identical call is taken for its repeat and gets its outcome. The library resolves that
 *    instant so money never moves twice; an operation_id removes it. When several unseen
 *    identical operations qualify, the oldest open or finished one is taken before one that was
 *    certainly not carried out (which the repeat would send: the till may have given it up).
 *  - Reading the payment settles a checkout: vmp_poll_status on the reference of a checkout
 *    that ended VMP_ERR_UNKNOWN_OUTCOME records the payment as created and seen - unless
 *    Vipps' event log shows it created under another key (another till's payment with the
 *    same reference does not settle it).
 *  - An operation that may have happened is never reported as failed on a later answer's word:
 *    once an attempt got no answer or a 5xx, a later 4xx (a retry answered 409 or 401, say) is
 *    checked against the payment's event log at Vipps, which names each operation's key: there,
 *    the call returns VMP_OK; certainly absent, the failure stands; unreadable, or an attempt
 *    may still be on its way or not be listed yet (within twice timeouts.request_ms of an
 *    attempt that got no answer or a 5xx - Vipps does not say how soon its log lists an
 *    operation - counted on the monotonic clock, so a wall clock stepped forward does not
 *    shorten it; or Vipps answered 423, another operation on the payment in progress),
 *    VMP_ERR_UNKNOWN_OUTCOME: within one call such an attempt never ends in a definite failure. Before an open capture, refund or cancel
 *    is sent again, the event log is read too (Vipps keeps a key only for a limited time): when
 *    it cannot be read, nothing is sent, the operation stays open and the call (or vmp_recover)
 *    says VMP_ERR_UNKNOWN_OUTCOME - repeat it later. So, in a journal vmp 0.2 or 0.1 wrote, is
 *    one recorded as failed (those versions could record as failed an attempt that may have
 *    been carried out), and a checkout recorded so whose repeat Vipps refuses is settled by the
 *    log. So too is one this vmp recorded as failed once it was first sent 5 minutes ago or
 *    more (or whose recorded time is ahead of the clock, set back since; or that an earlier
 *    run of vmp recorded - after a restart the wall clock alone cannot tell its age): "failed"
 *    after an open attempt rests on Vipps' log listing an operation within twice
 *    timeouts.request_ms, which Vipps does not promise, and by then Vipps may have forgotten
 *    the key (it costs one read of the event log when such an operation is repeated). One
 *    first sent less than 5 minutes ago by this run of vmp - by the wall clock and by the
 *    monotonic clock, which a wall clock set in between does not move - is sent again with
 *    its key and body at once, unread (Vipps is taken to know the key still). A capture or refund of the same amount
 *    listed without a key of its own (none, or the payment's) may be this one: it counts as
 *    unreadable, here, when a failure is checked and in the capture check (which then fails no
 *    capture Vipps answered as done; check it in the Vipps portal and vmp_acknowledge it if
 *    the log never tells). The capture check keeps "not listed yet" too: within twice
 *    timeouts.request_ms of a capture Vipps answered as done, the log not listing it is no
 *    VMP_ERR_CAPTURE_MISMATCH while Vipps' figures have room for it beside what the log lists;
 *    nor are other captures Vipps' figures show and the log does not list yet, within twice
 *    timeouts.request_ms of the last change of the payment this vmp saw (the log is read again
 *    within timeouts.operation_ms). A capture sent again (left open or recorded failed before)
 *    is always checked against the log: listed twice under its key, Vipps carried it out twice
 *    (sent again after it forgot the key while its log did not list the first), and the call
 *    returns VMP_ERR_CAPTURE_MISMATCH, not VMP_OK. A cancel listed without a key of its own is this one (a
 *    payment is cancelled once). After it is sent again the payment is read, so `out` shows it
 *    as it is now.
 *  - vmp_init first resolves what a previous run left open (bounded by timeouts.recovery_ms),
 *    the same way: captures, refunds and cancels are looked up and, if absent, sent again with
 *    their key and body; a checkout is looked up and never sent anew at start-up (a push
 *    arriving long after the sale would surprise the customer) - if it never reached Vipps it
 *    is marked "not_created", and repeating the checkout sends it then - unless its process
 *    died within timeouts.operation_ms plus twice timeouts.request_ms of sending it: then it
 *    may still land, and it stays open; it stays open too when the event log lists the
 *    payment created with its amount but without a key (it may be this checkout; reading the
 *    payment with vmp_poll_status settles it), and while the log does not list the payment's
 *    creation at all (it lags behind the payment, which exists). An event log that does not
 *    list the payment's creation tells nothing of any operation, for every reader: it counts
 *    as unreadable. An operation of a sales
 *    unit the configuration no longer has (by MSN) stays open and is reported, never marked
 *    failed. Call vmp_pending after vmp_init to learn what happened while the till was down.
 *  - A new journal: when vmp_init has to create the journal file (a new till - or one whose
 *    journal was lost), calls without an operation_id on a payment the journal knows nothing
 *    of (captures, refunds, cancels) are refused with VMP_ERR_NEW_JOURNAL, nothing sent: they
 *    might repeat a call recorded in the lost journal. Checkouts and calls with an operation_id
 *    are never refused. vmp_pending shows "journal": {"new": true}; the state ends for good
 *    when the host calls vmp_acknowledge(client, "new-journal") - on a new till at once, after
 *    a lost journal once the operator has checked its open operations (Vipps portal). The
 *    journal of a client on the embedded simulator is never "new".
 *
 * Use an operation_id (the receipt number, say) whenever the till can: it also protects a
 * retry made after the till itself restarted and lost track of the call.
 * ------------------------------------------------------------------------------------------- */

/**
 * Lists the journal's operations that need the till's attention, as JSON:
 *   {"open": [...], "unacknowledged": [...],
 *    "journal": {"path", "new": bool, "new_since": RFC 3339 (only while new)}}
 * "open": sent (or about to be) and no outcome known yet. "unacknowledged": finished, but the
 * outcome never reached the till (the call returned VMP_ERR_UNKNOWN_OUTCOME or the process
 * died), e.g. a payment the customer approved while the till was down. Each element:
 *   {"id", "operation": "create"|"capture"|"refund"|"cancel", "reference", "amount", "currency",
 *    "operation_id", "state": "open"|"done"|"rejected"|"failed"|"not_created", "attempts",
 *    "created_at", "updated_at", "outcome": {"status", "http_status", "vipps_error_code",
 *    "message"}, "payment": {"state", "currency", "amount", "authorized", "captured",
 *    "refunded", "cancelled"}, "sales_unit": config name (another unit's operations only)}
 * "journal": whether the journal is new (see "Money safety"; acknowledge "new-journal").
 * "uncaptured": payments this till created that may still hold the customer's money and that
 * it has not finished - AUTHORIZED with something neither captured nor cancelled, or last seen
 * CREATED (the customer may have approved since) - kept across restarts, oldest first, until
 * the till captures or cancels the rest, vmp_recover reads them ended (ABORTED, EXPIRED,
 * TERMINATED), or the host calls vmp_acknowledge(client, "payment:<reference>"). Vipps keeps an
 * authorization for a limited time (Norway up to 180 days, Denmark/Finland 14): capture, cancel
 * or acknowledge each. Elements are payment records as vmp_find_payments returns them.
 * "ledger" (only with config "ledger"): how far the chain ledger is behind - {"chain",
 * "backlog": changes of payment records waiting in the journal, "lag_ms": age of the oldest,
 * "published": changes published since vmp_init, "last_published_at", "last_error" (never
 * credentials), "schema_version"}. A payment never waits on the ledger.
 * Request bodies (which hold phone numbers) are never included.
 *
 * out_json:  receives a NUL-terminated UTF-8 string allocated by the library; free it with
 *            vmp_free. Set to NULL on failure. Must not be NULL.
 * Threading: any thread; reads the local journal only (no network).
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT; VMP_ERR_JOURNAL.
 */
VMP_API vmp_status VMP_CALL vmp_pending(vmp_client *client, char **out_json);

/**
 * Tries, for at most wait_ms, to bring every open operation to a definite outcome, as vmp_init
 * does at start-up (see "Money safety" above), and reports:
 *   {"resolved": [...], "still_open": [...], "uncaptured": [...]}   (elements as in vmp_pending)
 * Resolved outcomes stay listed as unacknowledged until the till repeats the call or calls
 * vmp_acknowledge. It also reads each payment listed as "uncaptured" from Vipps (within the
 * same budget) and reports the list as it is after: one that ended while the till was down
 * leaves it. (vmp_init's own recovery does not read them: start-up never waits on them.)
 *
 * wait_ms:   0 .. 600000; the time budget (0 resolves nothing and just reports).
 * out_json:  optional (may be NULL); as vmp_pending.
 * Threading: any thread; blocks for at most wait_ms plus one request timeout.
 * Returns:   VMP_OK (also when some operations are still open: see "still_open");
 *            VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT; VMP_ERR_JOURNAL.
 */
VMP_API vmp_status VMP_CALL vmp_recover(vmp_client *client, int32_t wait_ms, char **out_json);

/**
 * Records that the till has taken note of a finished operation listed as unacknowledged by
 * vmp_pending, so it is no longer listed and no longer answers a repeated identical call.
 * The id "new-journal" ends the new-journal state for good (see "Money safety").
 * "payment:<reference>" records that the host knows the payment is left uncaptured (listed
 * under "uncaptured" by vmp_pending): it is no longer listed; nothing is sent to Vipps.
 *
 * operation: the operation's "id" from vmp_pending, "new-journal", or "payment:<reference>";
 *            borrowed.
 * Threading: any thread; local journal only.
 * Returns:   VMP_OK (also if it was acknowledged before); VMP_ERR_INVALID_HANDLE;
 *            VMP_ERR_INVALID_ARGUMENT (NULL or ""); VMP_ERR_NOT_FOUND (no such operation,
 *            or no such payment left uncaptured);
 *            VMP_ERR_CONFLICT (it is still open: resolve it first); VMP_ERR_JOURNAL.
 */
VMP_API vmp_status VMP_CALL vmp_acknowledge(vmp_client *client, const char *operation);

/* ---------------------------------------------------------------------------------------------
 * Finding payments and the day's totals
 *
 * The journal keeps a record of each payment for at least journal_retention_days after its
 * last change (longer while it is left uncaptured). A record, as every call here returns it:
 *   {"v": 1, "msn", "reference", "sales_unit": config name ("" the till's own),
 *    "state": "CREATED"|"AUTHORIZED"|"ABORTED"|"EXPIRED"|"TERMINATED"|"UNKNOWN"|"NOT_CREATED",
 *    "currency", "amount", "authorized", "captured", "refunded", "cancelled" (minor units),
 *    "psp_reference" (when known), "receipt_number" (the checkout receipt's
 *    bottomLine.receiptNumber), "phone": masked ("47******04"; never the number itself),
 *    "own": this till (or, from the chain, some till) created it - false for another store's
 *    payment this till only refunded, "operations": [{"key": Idempotency-Key, "operation":
 *    "create"|"capture"|"refund"|"cancel", "operation_id", "amount" (a cancel: what it
 *    cancelled), "state": "open"|"done"|"rejected"|"failed"|"not_created", "at": RFC 3339}],
 *    "created_at", "updated_at", "acknowledged": left uncaptured on purpose, "rev": changes}
 * A payment's state and amounts are as the till last saw them: after a status read (e.g.
 * vmp_poll_status) the record follows within a few seconds. Amounts only grow and a state
 * only advances: a late answer never moves a record backwards.
 *
 * Malformed JSON or an unknown field is VMP_ERR_INVALID_JSON; a wrong value or an absurd range
 * (to before from, more than 366 days, outside the years 2000-2199, limit outside 1-1000, an
 * unknown state or source) is VMP_ERR_INVALID_ARGUMENT; vmp_last_error names the field.
 * ------------------------------------------------------------------------------------------- */

/**
 * Finds payments. query_json (every field optional; all given must match):
 *   {"source": "till" (default: this till's journal) | "chain" (the chain ledger, config
 *    "ledger"; every till of the chain), "reference", "receipt_number", "operation_id" (the id
 *    a till gave a capture/refund/cancel), "msn" (one store), "state", "amount" (the payment's
 *    amount), "from"/"to" (RFC 3339, creation time in [from, to)) or "date" ("2026-12-05": a
 *    day of the process's local time zone), "limit": 1..1000 (default 100)}
 * Without reference, receipt_number, operation_id or a range: the last 24 hours.
 * Answer: {"payments": [records, newest first], "truncated": more matched than the limit,
 *          "units": {"<msn>": "<name>"}: for each store in the answer this client acts for, the
 *          unit's name in its configuration ("" the till's own)}.
 * To refund a payment of another store: open vmp_sales_unit with units[record's "msn"] (the
 * record names the store; nothing is typed) and call vmp_refund with the record's "reference".
 *
 * query_json: borrowed; "{}" for the last 24 hours.
 * out_json:   receives the answer, allocated by the library; free it with vmp_free. NULL on
 *             failure. Must not be NULL.
 * Threading:  any thread. "till" reads the local journal only; "chain" asks PostgreSQL (bounded
 *             by timeouts.request_ms).
 * Returns:    VMP_OK (also when nothing matched); VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_JSON;
 *             VMP_ERR_INVALID_ARGUMENT; VMP_ERR_JOURNAL; VMP_ERR_NETWORK / VMP_ERR_UNAVAILABLE
 *             (the ledger could not be asked).
 */
VMP_API vmp_status VMP_CALL vmp_find_payments(vmp_client *client, const char *query_json, char **out_json);

/**
 * The totals of a day (for the end-of-day report) per store and currency. query_json:
 *   {"source": "till" | "chain", "date": "2026-12-05" (local day; default today) or
 *    "from"/"to" (RFC 3339), "msn": one store (default all)}
 * Answer: {"from", "to", "totals": [{"msn", "currency", "payments" (created in the range and
 *    approved), "captured", "captures", "refunded", "refunds", "cancelled", "cancels"}]}
 * Captures, refunds and cancels count when they were carried out, whatever day the payment
 * was made. "till" counts this till's own operations; "chain" every till's.
 *
 * Parameters, threading and returns as vmp_find_payments.
 */
VMP_API vmp_status VMP_CALL vmp_payment_totals(vmp_client *client, const char *query_json, char **out_json);

/* ---------------------------------------------------------------------------------------------
 * Barcode scanner
 *
 * A scanner on a serial port (config "scanner": {"port": "/dev/ttyACM0", ...}, see
 * docs/SCANNER.md) is opened by vmp_init and read by a library thread. Each code it reads,
 * and each code the till hands in with vmp_submit_scan (keyboard-wedge scanners, typed codes),
 * becomes a scan event: the prefix and AIM identifier removed, the code classified (a
 * customer's personal QR, a product barcode, other), queued in order and delivered exactly
 * once - to the vmp_on_scan callback while one is registered, otherwise to vmp_next_scan.
 * Events also say when the scanner vanished (USB unplugged) and came back, and when bytes were
 * discarded. A scanned personal QR goes as it is into vmp_start_checkout's "personal_qr".
 *
 * If the port cannot be opened at vmp_init, vmp_init still succeeds (the till can take
 * payments by phone number): the first event is VMP_SCAN_DISCONNECTED with the reason, and the
 * library keeps trying to open the port, with waits growing to scanner.reconnect_max_ms.
 * Events that nobody takes are kept, up to 1024; beyond that the oldest are discarded (the
 * gap shows in `sequence`).
 * ------------------------------------------------------------------------------------------- */

/** What a scan event reports. Stored as int32_t across the ABI; values are never renumbered. */
#define VMP_SCAN_EVENT_LIST(X)                                                                    \
  X(VMP_SCAN_NONE, 0, "vmp_next_scan only: nothing arrived within wait_ms")                      \
  X(VMP_SCAN_CODE, 1, "a code: text, kind, aim_id")                                              \
  X(VMP_SCAN_DISCONNECTED, 2, "the port failed, vanished or could not be opened; the library "   \
                              "keeps reopening it. text: the reason (the OS error)")             \
  X(VMP_SCAN_RECONNECTED, 3, "the port is open again after VMP_SCAN_DISCONNECTED")               \
  X(VMP_SCAN_DROPPED, 4, "bytes were discarded: a frame longer than max_frame_length, or a "     \
                         "partial frame (the line went silent mid-code, or failed). text: the "  \
                         "reason. Ask the customer to scan again.")
typedef int32_t vmp_scan_event;
enum vmp_scan_event_code { VMP_SCAN_EVENT_LIST(VMP_ENUM_ITEM) };

/** What a scanned code is. Stored as int32_t across the ABI; values are never renumbered. */
#define VMP_CODE_KIND_LIST(X)                                                                     \
  X(VMP_CODE_OTHER, 0, "not recognised: free text, a URL, a 2D code of other use")               \
  X(VMP_CODE_PERSONAL_QR, 1, "a personal QR of a form not parsed (MobilePay, new forms)")        \
  X(VMP_CODE_VIPPS_LEGACY_QR, 2, "https://qr.vipps.no/28/2/01/031/<phone number>?v=1")           \
  X(VMP_CODE_VIPPS_TOKEN_QR, 3, "https://qr.vipps.no/p/<token>")                                 \
  X(VMP_CODE_EAN8, 4, "EAN-8, check digit valid")                                                \
  X(VMP_CODE_EAN13, 5, "EAN-13 (also UPC-A sent as 13 digits), check digit valid")               \
  X(VMP_CODE_UPCA, 6, "UPC-A (12 digits), check digit valid")                                    \
  X(VMP_CODE_CODE128, 7, "Code 128 / GS1-128: needs AIM ids enabled on the scanner")             \
  X(VMP_CODE_BARCODE, 8, "another product barcode (Code 39, ITF, DataBar, UPC-E, an EAN with a " \
                         "bad check digit): needs AIM ids on the scanner")
typedef int32_t vmp_code_kind;
enum vmp_code_kind_code { VMP_CODE_KIND_LIST(VMP_ENUM_ITEM) };

/** Whether a vmp_code_kind identifies a customer: pass the text as "personal_qr". */
#define VMP_CODE_IS_PERSONAL_QR(kind) \
  ((kind) >= VMP_CODE_PERSONAL_QR && (kind) <= VMP_CODE_VIPPS_TOKEN_QR)
/** Whether a vmp_code_kind is a product barcode. */
#define VMP_CODE_IS_PRODUCT(kind) ((kind) >= VMP_CODE_EAN8 && (kind) <= VMP_CODE_BARCODE)

/** Where a scan event came from. */
#define VMP_SCAN_SOURCE_LIST(X)                                                                   \
  X(VMP_SCAN_SOURCE_NONE, 0, "VMP_SCAN_NONE")                                                    \
  X(VMP_SCAN_SOURCE_SERIAL, 1, "the serial port")                                                \
  X(VMP_SCAN_SOURCE_SUBMITTED, 2, "vmp_submit_scan")
typedef int32_t vmp_scan_source;
enum vmp_scan_source_code { VMP_SCAN_SOURCE_LIST(VMP_ENUM_ITEM) };

/** Size of vmp_scan.aim_id: an AIM identifier such as "]Q1" and its NUL. */
#define VMP_AIM_ID_SIZE 4

/**
 * One scan event. For vmp_next_scan the caller sets struct_size = sizeof(vmp_scan); the library
 * fills the rest. Fields may be appended in later versions.
 */
typedef struct vmp_scan {
  uint32_t struct_size;
  vmp_scan_event event;
  vmp_code_kind kind;       /* VMP_SCAN_CODE: what the code is; otherwise VMP_CODE_OTHER */
  vmp_scan_source source;
  uint64_t sequence;        /* 1, 2, 3 ... per client, in the order events were queued */
  int64_t time_unix_ms;     /* when it happened (a code: when its last byte was read); UTC ms */
  char aim_id[VMP_AIM_ID_SIZE]; /* VMP_SCAN_CODE: the AIM id that preceded the code ("]Q1",
                                   "]E0", "]C1"), "" when none; NUL-terminated */
  size_t text_len;          /* bytes in text, the NUL not counted */
  const char *text;         /* VMP_SCAN_CODE: the code without prefix, AIM id or terminator,
                               byte for byte as scanned (usually ASCII; may hold any byte, so use
                               text_len). Other events: the reason, "" when none. NUL-terminated.
                               A personal QR is personal data: do not log it. */
} vmp_scan;

/**
 * A scan callback. scan and everything it points to are borrowed for the call only: copy what
 * you keep. Called one event at a time, in order, on a library thread.
 */
typedef void(VMP_CALL *vmp_scan_fn)(void *user_data, const vmp_scan *scan);

/**
 * Registers fn to receive every scan event of client, replacing an earlier callback; NULL
 * removes it (events then wait for vmp_next_scan). Events already queued go to the new fn.
 *
 * fn:        called one event at a time, in order, on a library thread (never the caller's):
 *            the client's scan callback thread, created in C, which never runs Go code and
 *            has the signal mask of the thread that last registered a callback. Never while a
 *            library lock is held, never after vmp_close returns. It may call other vmp
 *            functions - even vmp_start_checkout with the scanned QR - except vmp_close
 *            (VMP_ERR_IN_CALLBACK); while it runs, later events wait.
 * user_data: passed to fn unchanged; the library never reads it.
 * Returns when an earlier callback is neither running nor will be called again, so its
 * user_data may then be freed. Called from inside the callback itself it cannot wait for
 * itself: it returns at once, and the running callback is the last call of the old fn.
 * Threading: any thread. Managed hosts (.NET, Mono, Python) should prefer vmp_next_scan.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE.
 */
VMP_API vmp_status VMP_CALL vmp_on_scan(vmp_client *client, vmp_scan_fn fn, void *user_data);

/**
 * The pull twin of vmp_on_scan: takes the next scan event, on the caller's thread. Returns at
 * once when an event is queued; otherwise waits up to wait_ms and returns VMP_OK with
 * out->event == VMP_SCAN_NONE if none came. While a callback is registered, events go to it
 * and this only waits.
 *
 * wait_ms:   0 .. 600000 (0: do not wait).
 * out:       caller struct with struct_size set; filled on VMP_OK. Must not be NULL.
 * text:      caller buffer that receives the event's text and a NUL; out->text points to it.
 * text_size: capacity of text in bytes. A code is at most scanner.max_frame_length bytes
 *            (default 1024), so max_frame_length + 1 always fits; 512 fits any personal QR.
 *            When an event's text does not fit: VMP_ERR_BUFFER_TOO_SMALL, the event stays
 *            queued, out->text_len receives its length (it needs text_len + 1 bytes) and
 *            nothing else is written.
 * Threading: any thread; blocks the calling thread for at most wait_ms. vmp_close of the
 *            client, or of the unit handle the call came through, from another thread ends
 *            the wait (VMP_ERR_INVALID_HANDLE).
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (out or text NULL,
 *            text_size 0, struct_size too small, wait_ms out of range);
 *            VMP_ERR_BUFFER_TOO_SMALL.
 */
VMP_API vmp_status VMP_CALL vmp_next_scan(vmp_client *client, int32_t wait_ms, vmp_scan *out,
                                          char *text, size_t text_size);

/**
 * Hands in a code that did not come through the serial port - typed by a keyboard-wedge
 * scanner or by the cashier - so it takes the same path as a serial scan: a trailing Enter
 * (any of scanner.terminators), the prefix and the AIM identifier are removed, the code is
 * classified and queued as a VMP_SCAN_CODE event with source VMP_SCAN_SOURCE_SUBMITTED, for
 * the callback or vmp_next_scan. Works with or without a serial scanner configured.
 *
 * text:      the code, NUL-terminated, borrowed. One code per call. Data, not text: taken
 *            byte for byte, as a scanner sends it (it need not be UTF-8).
 * Threading: any thread; never blocks.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, empty, longer than
 *            scanner.max_frame_length, or a terminator inside the text).
 */
VMP_API vmp_status VMP_CALL vmp_submit_scan(vmp_client *client, const char *text);

/**
 * The name of a scan event, e.g. "CODE", "DISCONNECTED"; "UNKNOWN" for values this library
 * does not know. Static storage; never NULL. Cannot fail; any thread.
 */
VMP_API const char *VMP_CALL vmp_scan_event_str(vmp_scan_event event);

/**
 * The name of a code kind, e.g. "VIPPS_TOKEN_QR", "EAN13"; "UNKNOWN" for values this library
 * does not know. Static storage; never NULL. Cannot fail; any thread.
 */
VMP_API const char *VMP_CALL vmp_code_kind_str(vmp_code_kind kind);

/* ---------------------------------------------------------------------------------------------
 * Customer club
 *
 * The in-store flow with the shop's customer club (docs/CLUB.md):
 *
 *   1. identify:  vmp_identify_customer turns the scanned personal QR (or the number the
 *                 cashier typed) into the customer's phone number;
 *   2. look up:   the POS checks that number in its own membership register. The library never
 *                 guesses membership;
 *   3. check in:  vmp_loyalty_check_in with the POS's answer: a member sees the loyalty
 *                 check-in screen in the Vipps app, a non-member sees nothing;
 *   4. enroll:    a non-member is offered membership. vmp_start_enrollment sends a consent
 *                 request to the app (Vipps Login, merchant-initiated: OpenID CIBA) and returns
 *                 at once; the library follows it on its own thread; vmp_poll_enrollment, on
 *                 the till's thread, reports when the customer consented (with the profile
 *                 they share), declined, or let it expire; the POS enrolls them;
 *   5. pay:       vmp_start_checkout with the same "phone_number".
 *
 * Phone numbers the library gives out are MSISDNs: country code and number, digits only
 * ("4791234567"). Numbers given in may be typed: spaces, dashes, "+47" or "0047", or no country
 * code at all when the configuration sets "default_country_code". A phone number or a personal
 * QR is personal data: it never appears in vmp_last_error.
 * ------------------------------------------------------------------------------------------- */

/** Size of a buffer that holds any MSISDN (15 digits + NUL). */
#define VMP_MSISDN_SIZE 16

/** Size of a buffer that holds any enrollment id (NUL included). */
#define VMP_ENROLLMENT_ID_SIZE 40

/** Where an enrollment stands. Stored as int32_t across the ABI; values are never renumbered. */
#define VMP_ENROLLMENT_STATE_LIST(X)                                                              \
  X(VMP_ENROLLMENT_UNKNOWN, 0, "never returned by the library")                                  \
  X(VMP_ENROLLMENT_PENDING, 1, "the consent request waits in the customer's app")                \
  X(VMP_ENROLLMENT_CONSENTED, 2, "the customer consented; the profile is delivered; final")      \
  X(VMP_ENROLLMENT_DENIED, 3, "the customer declined; final")                                    \
  X(VMP_ENROLLMENT_EXPIRED, 4, "nobody answered before the request expired; final")              \
  X(VMP_ENROLLMENT_CANCELLED, 5, "the till called vmp_cancel_enrollment; final")                 \
  X(VMP_ENROLLMENT_FAILED, 6, "the library could not follow it (the status says why); final")
typedef int32_t vmp_enrollment_state;
enum vmp_enrollment_state_code { VMP_ENROLLMENT_STATE_LIST(VMP_ENUM_ITEM) };

/**
 * The name of an enrollment state, e.g. "CONSENTED"; "UNKNOWN" for values this library does not
 * know. Static storage; never NULL. Cannot fail; any thread; leaves vmp_last_error alone.
 */
VMP_API const char *VMP_CALL vmp_enrollment_state_str(vmp_enrollment_state state);

/**
 * Identifies a customer: gives the phone number (MSISDN) behind a scanned personal QR code or a
 * typed phone number.
 *
 * Text made only of digits, spaces, dashes, dots, parentheses and a leading "+" is a typed
 * number: it is normalised ("+47 912 34 567", "0047 91234567", "91234567" with
 * "default_country_code": "47" all give "4791234567") and nothing is sent. Anything else is a
 * scanned code: it is exchanged, exactly as scanned, through the Vipps QR API - never parsed,
 * since Vipps is moving to opaque tokenised codes. Pass a scanner event's text as it is, but
 * only what identifies a customer (VMP_CODE_IS_PERSONAL_QR(kind)) or a number the cashier
 * typed: the digits of a product barcode would read as a phone number.
 *
 * input:       UTF-8, NUL-terminated, borrowed: the scanned text or the typed number.
 * msisdn:      caller buffer receiving the MSISDN, NUL-terminated. Personal data: the till may
 *              show and store it; do not log it in full.
 * msisdn_size: capacity of msisdn; must be >= VMP_MSISDN_SIZE (checked before anything is sent).
 * Threading:   any thread; a scanned code blocks for at most timeouts.operation_ms (config),
 *              a typed number not at all.
 * Returns:     VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, input not UTF-8 -
 *              a personal QR is ASCII - so nothing is sent);
 *              VMP_ERR_BUFFER_TOO_SMALL; VMP_ERR_INVALID_CUSTOMER (empty, a number without
 *              country code and no default_country_code, a malformed number, a code Vipps does
 *              not accept as a personal QR); VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE;
 *              VMP_ERR_RATE_LIMITED.
 */
VMP_API vmp_status VMP_CALL vmp_identify_customer(vmp_client *client, const char *input,
                                                  char *msisdn, size_t msisdn_size);

/**
 * Loyalty check-in (Vipps Check-in API): tells Vipps the customer is at the till, with the POS's
 * own answer to "is this customer a member?". With is_member = 1 the customer's app shows the
 * loyalty check-in screen (if the app is open); with 0 Vipps shows nothing, which is the
 * expected check-in of a non-member before an enrollment. Changes no money; the library retries
 * it on network errors and busy answers. The Check-in API takes no loyalty-program name.
 *
 * phone_number: the customer's MSISDN (from vmp_identify_customer) or a typed number, borrowed.
 *               Norwegian numbers (+47) only: the API serves no other country.
 * is_member:    1 = a member of the POS's club, 0 = not a member; other values are refused.
 * Threading:    any thread; blocks for at most timeouts.operation_ms (config).
 * Returns:      VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, not UTF-8,
 *               is_member not 0 or 1); VMP_ERR_INVALID_CUSTOMER (malformed or not Norwegian); VMP_ERR_REJECTED;
 *               VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE (also: Vipps' test
 *               environment cannot run Check-in and always answers 500); VMP_ERR_RATE_LIMITED.
 */
VMP_API vmp_status VMP_CALL vmp_loyalty_check_in(vmp_client *client, const char *phone_number,
                                                 int32_t is_member);

/**
 * Starts enrolling a customer: sends a consent request to their Vipps app (merchant-initiated
 * login) and returns its id as soon as Vipps has accepted it. The library then polls Vipps on
 * its own thread at the interval Vipps sets (growing it when Vipps says slow_down) until the
 * customer answers, the request expires, the till cancels or the client closes; when the
 * customer consents it reads the profile they agreed to share. Follow it with
 * vmp_poll_enrollment.
 *
 * enrollment_json:    UTF-8 JSON object, borrowed. Fields:
 *                       "phone_number"        the customer's MSISDN or typed number (required)
 *                       "scopes"              profile parts to ask for, from "name",
 *                                             "phoneNumber", "email", "address", "birthDate",
 *                                             "nin", "gender", "customFlow" (Vipps'
 *                                             recommended consent mechanism for marketing),
 *                                             "delegatedConsents" ("openid" is always added);
 *                                             default ["name","phoneNumber","email"]
 *                       "binding_message"     optional code shown on the till and in the app,
 *                                             5-8 of A-Z 0-9 -, e.g. "AB-123"
 *                       "check_user_exists"   ask Vipps first whether the number can log in
 *                                             (default true): an unknown number then fails
 *                                             at once with VMP_ERR_CUSTOMER_NOT_FOUND
 *                       "requested_expiry_s"  60..900: how long the request stays open (default:
 *                                             Vipps', about 10 minutes)
 *                     Unknown fields are an error.
 * enrollment_id:      caller buffer receiving the id, NUL-terminated.
 * enrollment_id_size: capacity; must be >= VMP_ENROLLMENT_ID_SIZE (checked before anything is
 *                     sent, so a too-small buffer never leaves a request unfollowed).
 * Threading: any thread; blocks for at most timeouts.operation_ms (config).
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, over 1 MiB, bad
 *            scope, binding_message or requested_expiry_s); VMP_ERR_BUFFER_TOO_SMALL;
 *            VMP_ERR_INVALID_JSON (also: text not UTF-8); VMP_ERR_INVALID_CUSTOMER (missing or
 *            malformed number);
 *            VMP_ERR_CUSTOMER_NOT_FOUND (not a Vipps user, inactive, or under 15);
 *            VMP_ERR_APP_TOO_OLD (the customer must update the app);
 *            VMP_ERR_RATE_LIMITED (a consent request to this customer is still pending at
 *            Vipps - also one the till cancelled: Vipps cannot withdraw it - or 64 enrollments
 *            are in progress on this client); VMP_ERR_REJECTED; VMP_ERR_AUTH (the Login API
 *            refused the credentials; check "login": {"auth_method"}); VMP_ERR_NETWORK;
 *            VMP_ERR_UNAVAILABLE; VMP_ERR_UNKNOWN_OUTCOME (sent, no answer: a consent request
 *            may have reached the phone, but cannot be followed).
 */
VMP_API vmp_status VMP_CALL vmp_start_enrollment(vmp_client *client, const char *enrollment_json,
                                                 char *enrollment_id, size_t enrollment_id_size);

/**
 * Gets the state of an enrollment. With wait_ms == 0 it answers at once; with wait_ms > 0 it
 * returns as soon as the enrollment is final, or when wait_ms elapses (then VMP_OK with
 * VMP_ENROLLMENT_PENDING). It never touches the network itself: the library's own thread does
 * the polling. Many threads may wait on the same enrollment. A finished enrollment keeps
 * answering the same for 10 minutes, then its id is forgotten.
 *
 * enrollment_id: from vmp_start_enrollment, borrowed.
 * wait_ms:       0 .. 600000 (10 minutes).
 * state:         receives the state. Must not be NULL. Written on VMP_OK, and also when the
 *                enrollment itself failed: then the status is the failure's (VMP_ERR_NETWORK
 *                when Vipps stayed unreachable until the request expired, VMP_ERR_AUTH,
 *                VMP_ERR_UNAVAILABLE, VMP_ERR_REJECTED, ...) and *state is
 *                VMP_ENROLLMENT_FAILED. Untouched on argument errors.
 * profile_json:  optional (may be NULL). On VMP_OK receives, for VMP_ENROLLMENT_CONSENTED, the
 *                profile the customer consented to share, as the JSON object Vipps' userinfo
 *                returns ("sub", "name", "given_name", "family_name", "phone_number", "email",
 *                "email_verified", "address", "birthdate", ... for the scopes asked), allocated
 *                by the library: free it with vmp_free. NULL for every other state. Each call
 *                that returns CONSENTED gives a new copy. Personal data: do not log it.
 * Threading:     any thread; blocks the calling thread for at most wait_ms. vmp_close of the
 *                client, or of the unit handle the call came through, from another thread
 *                ends the wait: VMP_ERR_INVALID_HANDLE, *state untouched (the enrollment is
 *                the client's: closing a unit handle does not stop it).
 * Returns:       VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, wait_ms out of
 *                range, an unknown or forgotten enrollment_id); for a FAILED enrollment its
 *                failure's status (see state).
 */
VMP_API vmp_status VMP_CALL vmp_poll_enrollment(vmp_client *client, const char *enrollment_id,
                                                int32_t wait_ms, vmp_enrollment_state *state,
                                                char **profile_json);

/**
 * Cancels an enrollment: the library stops following it and it becomes
 * VMP_ENROLLMENT_CANCELLED, unless it had already ended (then nothing changes and VMP_OK is
 * returned). Vipps has no way to withdraw a consent request: it stays in the customer's app
 * until it expires, and a new one to the same customer is refused (VMP_ERR_RATE_LIMITED) until
 * then. Never blocks on the network.
 *
 * enrollment_id: from vmp_start_enrollment, borrowed.
 * Threading:     any thread.
 * Returns:       VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, or an unknown
 *                or forgotten enrollment_id).
 */
VMP_API vmp_status VMP_CALL vmp_cancel_enrollment(vmp_client *client, const char *enrollment_id);
/* ==== end of customer club ================================================================== */

/* ---------------------------------------------------------------------------------------------
 * Receipts and the customer-facing QR
 *
 * A checkout may carry a "receipt" (Vipps' Receipt object, Vipps' field names):
 *   {"orderLines": [{"name", "id", "totalAmount", "totalAmountExcludingTax", "totalTaxAmount",
 *                    "taxRate" (basis points: 2500 is 25 %), "unitInfo": {"unitPrice",
 *                    "quantity" ("2.5"), "quantityUnit"}, "discount", "isReturn", ...}],
 *    "bottomLine": {"currency", "posId", "receiptNumber", "tipAmount", "paymentSources":
 *                   {"giftCard", "card", "voucher", "cash"}, "barcode": {"format", "data"}}}
 * Vipps' deprecated members (bottomLine giftCardAmount, totalAmount, totalTax, totalDiscount,
 * shippingAmount, shippingInfo, terminalId) are passed on as given.
 *
 * A receipt never blocks a payment because of its arithmetic. Before anything is sent the
 * library refuses only a receipt that breaks Vipps' schema: a required member missing or null
 * (orderLines[].name, id, totalAmount, totalAmountExcludingTax, totalTaxAmount, taxRate or
 * taxPercentage; bottomLine.currency) or a wrong type - VMP_ERR_INVALID_JSON; no order lines,
 * no bottomLine, a value outside its documented range or list (taxRate 0..10000, discount,
 * tipAmount and unitPrice not negative, quantity like "2.5" of at most 10 characters,
 * quantityUnit, currency, barcode format, an EAN-13 with a wrong check digit) or over vmp's caps
 * - VMP_ERR_INVALID_ARGUMENT. What only looks wrong is sent as the till gave it, with warnings:
 * a line whose totalAmount is not totalAmountExcludingTax + totalTaxAmount, whose tax does not
 * match its rate within one minor unit, whose unitPrice x quantity - discount is not its total
 * (Vipps: quantity is "only for cosmetics"), a negative line amount, another currency than the
 * payment's, lines plus tip (returns negative) that do not add up to the payment amount. A
 * split tender is told with bottomLine.paymentSources: the lines plus tip may add up to the
 * payment plus paymentSources (and giftCardAmount) - the parts paid other ways - or to
 * paymentSources alone when they name the whole split with this payment as "card"; either is
 * no warning. Each warning is logged (level warn, component "receipt") and readable with
 * vmp_receipt_warnings. With config "strict_receipts": true every warning is an error instead
 * (VMP_ERR_INVALID_ARGUMENT naming the line and the numbers; nothing is sent) - for
 * development. Vipps documents no size limits for a receipt (but quantity's 10 characters);
 * the library caps it, so that what is journaled and sent with a payment stays bounded: at
 * most 1000 order lines; a line's name at most 1024 bytes, its id 256, productUrl 2048;
 * posId, terminalId, receiptNumber and barcode data 256 each; every amount within
 * ±1000000000000 minor units (VMP_ERR_INVALID_ARGUMENT beyond).
 *
 * A checkout with "flow": "qr" needs no customer: Vipps creates the payment for a QR code that
 * the customer scans from the customer display; vmp_checkout_qr draws that code locally. With
 * "push_fallback": "qr" a push checkout the sales unit may not send becomes one too (its
 * reference comes with VMP_ERR_PUSH_NOT_ALLOWED; see vmp_start_checkout).
 * ------------------------------------------------------------------------------------------- */

/** Formats of vmp_checkout_qr (its int32_t format). */
#define VMP_QR_FORMAT_LIST(X)                                                                     \
  X(VMP_QR_URL, 0, "the target URL as text")                                                     \
  X(VMP_QR_SVG, 1, "an SVG image (text), scalable, with the quiet zone")                         \
  X(VMP_QR_PNG, 2, "a grey-scale PNG image (binary) of about size_px pixels square")             \
  X(VMP_QR_MATRIX, 3, "JSON {\"size\": N, \"quiet_zone\": 4, \"rows\": [\"0110...\", ...]}, '1' dark")
enum vmp_qr_format_code { VMP_QR_FORMAT_LIST(VMP_ENUM_ITEM) };
/* Earlier headers had these as plain macros: #ifdef VMP_QR_PNG still works. */
#define VMP_QR_URL VMP_QR_URL
#define VMP_QR_SVG VMP_QR_SVG
#define VMP_QR_PNG VMP_QR_PNG
#define VMP_QR_MATRIX VMP_QR_MATRIX

/**
 * The QR code of a checkout started with "flow": "qr", drawn by the library (no image is
 * fetched from the internet), for a customer display.
 *
 * reference: the payment's reference, borrowed.
 * format:    VMP_QR_URL, VMP_QR_SVG, VMP_QR_PNG or VMP_QR_MATRIX.
 * size_px:   for VMP_QR_PNG, 64 .. 4096: the image is the largest whole number of pixels per
 *            module that fits (at least one); ignored for the other formats.
 * out:       receives library-allocated bytes, freed with vmp_free; text formats are also
 *            NUL-terminated. Set to NULL on failure. Must not be NULL.
 * out_len:   receives the length in bytes (without the NUL). Must not be NULL.
 * Threading: any thread; reads Vipps only when the library has not seen the payment.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, unknown format,
 *            size_px out of range, not a QR checkout); VMP_ERR_INVALID_REFERENCE;
 *            VMP_ERR_NOT_FOUND; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE.
 */
VMP_API vmp_status VMP_CALL vmp_checkout_qr(vmp_client *client, const char *reference, int32_t format,
                                            int32_t size_px, uint8_t **out, size_t *out_len);

/**
 * Attaches a receipt to a sale afterwards, through Vipps Order Management, with the payment's
 * reference as the order id - for a sale completed some other way, or a receipt not ready at
 * checkout. Checked as above (against the payment amount when the library knows the payment):
 * what only looks wrong is sent with warnings (vmp_receipt_warnings), or refused with
 * "strict_receipts". A receipt is immutable: a second one for the same order is
 * VMP_ERR_CONFLICT.
 *
 * reference:    the payment's reference (the order id), borrowed.
 * receipt_json: the Receipt object as above, borrowed. Unknown fields are an error.
 * Threading:    any thread; blocks for at most timeouts.operation_ms.
 * Returns:      VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, over 1 MiB,
 *               a receipt outside the schema or vmp's caps, or looking wrong with
 *               "strict_receipts"); VMP_ERR_INVALID_JSON (also: text not
 *               UTF-8); VMP_ERR_INVALID_REFERENCE; VMP_ERR_CONFLICT;
 *               VMP_ERR_REJECTED; VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNKNOWN_OUTCOME.
 */
VMP_API vmp_status VMP_CALL vmp_attach_receipt(vmp_client *client, const char *reference,
                                               const char *receipt_json);

/**
 * What looked wrong in the receipt this client last sent for a payment - with its checkout or
 * with vmp_attach_receipt - and was sent anyway (see "Receipts" above): a JSON array of
 * strings, each naming the line and the numbers, e.g.
 *   ["orderLines[0] (\"Vipps socks\"): totalTaxAmount 7475 does not match 25.50 % of 22425
 *    (expected 5718)"]
 * [] when it looked right, or when this client sent no receipt for the reference (the last
 * 1024 receipts' warnings are kept, in memory only; each was also logged).
 *
 * reference: the payment's reference (the one vmp_start_checkout returned), borrowed.
 * out_json:  receives the array, allocated by the library: free it with vmp_free. NULL on
 *            failure. Must not be NULL.
 * Threading: any thread; does not block.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, reference not
 *            UTF-8); VMP_ERR_INVALID_REFERENCE.
 */
VMP_API vmp_status VMP_CALL vmp_receipt_warnings(vmp_client *client, const char *reference, char **out_json);

/* ---------------------------------------------------------------------------------------------
 * Log records
 *
 * The library reports what a till operator needs to follow - the client started and closed,
 * the journal opened, the outcome of each checkout, capture, refund and cancel, retries,
 * what recovery resolved, the scanner vanishing and coming back (and, at "debug", each scan)
 * - as log records: one record per event, each with a level, a time, a component, a message
 * and fields. Records at or above the config's "log_level" ("debug", "info" - the default -,
 * "warn", "error", or "off") are queued per client, in order, and delivered exactly once: to
 * the vmp_on_log callback while one is registered, otherwise to vmp_next_log. Records that
 * nobody takes are kept, up to 1024; beyond that the oldest are discarded (the gap shows in
 * `sequence`).
 *
 * Records are safe to store: phone numbers are masked ("47******67"; seven or more digits, also
 * written in groups: "+47 *** ** *67"), personal QRs never appear (a scanned one is shown
 * masked, a token QR without its token, one quoted in a Vipps error text by host and length),
 * and secrets, access tokens and request bodies are never in a record. References, operation
 * ids and amounts are.
 * ------------------------------------------------------------------------------------------- */

/** How much a record matters. Stored as int32_t across the ABI; values are never renumbered. */
#define VMP_LOG_LEVEL_LIST(X)                                                                     \
  X(VMP_LOG_NONE, 0, "vmp_next_log only: nothing arrived within wait_ms")                        \
  X(VMP_LOG_DEBUG, 1, "step by step: each scan, recovery that found nothing")                    \
  X(VMP_LOG_INFO, 2, "start, close, journal, each money-moving outcome, scanner reconnected")    \
  X(VMP_LOG_WARN, 3, "handled trouble: a retry, an unknown outcome, a refusal by Vipps")         \
  X(VMP_LOG_ERROR, 4, "needs a person: an operation recovery could not resolve")
typedef int32_t vmp_log_level;
enum vmp_log_level_code { VMP_LOG_LEVEL_LIST(VMP_ENUM_ITEM) };

/** A text buffer of this size holds any record's text for vmp_next_log. */
#define VMP_LOG_TEXT_SIZE 4096

/**
 * One log record. For vmp_next_log the caller sets struct_size = sizeof(vmp_log_record); the
 * library fills the rest. Fields may be appended in later versions. The three strings are
 * NUL-terminated UTF-8.
 */
typedef struct vmp_log_record {
  uint32_t struct_size;
  vmp_log_level level;
  uint64_t sequence;       /* 1, 2, 3 ... per client, in the order records were made */
  int64_t time_unix_ms;    /* when it happened; UTC ms */
  const char *component;   /* "client", "journal", "payment", "retry", "recovery", "scanner" */
  const char *message;     /* one line for a person, e.g. "capture of ... done: AUTHORIZED, ..." */
  const char *fields_json; /* the record's fields as one JSON object, e.g.
                              {"operation":"capture","reference":"...","amount":49900};
                              "{}" when none */
  size_t text_len;         /* vmp_next_log: bytes of `text` the three strings use, NULs
                              included; on VMP_ERR_BUFFER_TOO_SMALL the bytes needed */
} vmp_log_record;

/**
 * A log callback. record and everything it points to are borrowed for the call only: copy
 * what you keep. Called one record at a time, in order, on a library thread.
 */
typedef void(VMP_CALL *vmp_log_fn)(void *user_data, const vmp_log_record *record);

/**
 * Registers fn to receive every log record of client, replacing an earlier callback; NULL
 * removes it (records then wait for vmp_next_log). Records already queued go to the new fn.
 *
 * fn:        called one record at a time, in order, on a library thread (never the caller's):
 *            the client's log callback thread, created in C like the scan callback's. Never
 *            while a library lock is held, never after vmp_close returns (vmp_close first lets
 *            it take what is queued, for at most a second, so the last record it gets is
 *            "client closed"). It may call other vmp functions except vmp_close
 *            (VMP_ERR_IN_CALLBACK); while it runs, later records wait.
 * user_data: passed to fn unchanged; the library never reads it.
 * Returns when an earlier callback is neither running nor will be called again, so its
 * user_data may then be freed. Called from inside the callback itself it returns at once, and
 * the running callback is the last call of the old fn.
 * Threading: any thread. Managed hosts (.NET, Mono, Python) should prefer vmp_next_log.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE.
 */
VMP_API vmp_status VMP_CALL vmp_on_log(vmp_client *client, vmp_log_fn fn, void *user_data);

/**
 * The pull twin of vmp_on_log: takes the next log record, on the caller's thread. Returns at
 * once when a record is queued; otherwise waits up to wait_ms and returns VMP_OK with
 * out->level == VMP_LOG_NONE if none came. While a callback is registered, records go to it
 * and this only waits. Records made by vmp_close itself reach only a callback.
 *
 * wait_ms:   0 .. 600000 (0: do not wait).
 * out:       caller struct with struct_size set; filled on VMP_OK. Must not be NULL.
 * text:      caller buffer that receives the record's three strings; out's string pointers
 *            point into it. VMP_LOG_TEXT_SIZE bytes always suffice. When a record does not
 *            fit: VMP_ERR_BUFFER_TOO_SMALL, the record stays queued, out->text_len receives
 *            the bytes it needs and nothing else is written.
 * text_size: capacity of text in bytes.
 * Threading: any thread; blocks the calling thread for at most wait_ms. vmp_close of the
 *            client, or of the unit handle the call came through, from another thread ends
 *            the wait (VMP_ERR_INVALID_HANDLE).
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (out or text NULL,
 *            struct_size too small, wait_ms out of range); VMP_ERR_BUFFER_TOO_SMALL.
 */
VMP_API vmp_status VMP_CALL vmp_next_log(vmp_client *client, int32_t wait_ms, vmp_log_record *out,
                                         char *text, size_t text_size);

/**
 * The name of a log level: "NONE", "DEBUG", "INFO", "WARN", "ERROR"; "UNKNOWN" for values this
 * library does not know. Static storage; never NULL. Cannot fail; any thread.
 */
VMP_API const char *VMP_CALL vmp_log_level_str(vmp_log_level level);

/* ---------------------------------------------------------------------------------------------
 * Sales units: acting for another store of the chain
 *
 * The configuration may list the chain's other stores ("sales_units": [{"name", "msn", keys or
 * none with "partner" keys, "reference_prefix"}], see docs/CONFIGURATION.md). A till acts for
 * one of them - typically to refund a payment made there - through a handle bound to it: every
 * payment call on that handle (checkout, status, capture, refund, cancel, QR, receipt) carries
 * that unit's Merchant-Serial-Number and keys. The unit is chosen by its name in the
 * configuration, never by an MSN typed at the till. References are unique per MSN only: the same
 * reference under two units is two payments.
 * ------------------------------------------------------------------------------------------- */

/**
 * Opens a handle that acts for the named sales unit of a client's configuration.
 *
 * client:    an open client (or another unit handle of it).
 * name:      the unit's "name" in "sales_units", borrowed; "" is the till's own unit.
 * out:       receives the unit handle; NULL on failure. Must not be NULL. Calls other than
 *            the payment and webhook-registration calls (scanner, logs, journal, customer club,
 *            the webhook receiver) act on the client itself.
 * Lifetime:  release it with vmp_close: that cancels the calls in progress made through it,
 *            waits for them and invalidates it, leaving the client and its other handles
 *            open. Closing the client closes all its unit handles: every call on one then
 *            returns VMP_ERR_INVALID_HANDLE (also vmp_sales_unit, which hands out no more
 *            handles), and a later vmp_close of it is a no-op.
 * Threading: any thread; the unit handle is as thread-safe as the client.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE (also while the client is being closed);
 *            VMP_ERR_INVALID_ARGUMENT (NULL, not UTF-8, or no unit of that name).
 */
VMP_API vmp_status VMP_CALL vmp_sales_unit(vmp_client *client, const char *name, vmp_client **out);

/* ---------------------------------------------------------------------------------------------
 * Webhooks
 *
 * Vipps can post each ePayment event (created, authorized, aborted, expired, terminated,
 * captured, refunded, cancelled) to a registered HTTPS URL, signed with HMAC-SHA256 and the
 * registration's secret. A till behind NAT cannot receive them and simply polls; a store server
 * or POS backend that can receive them learns of an approval the moment it happens:
 * vmp_poll_status waiting on that payment returns at once. Polling goes on as the safety net
 * (every webhooks.poll_interval_ms once a payment's events arrive by webhook).
 *
 * The config's "webhooks" block (docs/WEBHOOKS.md) starts the library's own receiver
 * ("listen") and, by default, reconciles the registration at vmp_init. A host with a web
 * server of its own hands each delivery to vmp_webhook_handle instead. Either way a delivery
 * is verified against the stored secrets, a duplicate is dropped, events are applied in any
 * order without ever moving a payment backwards, and a delivery that fails verification
 * changes nothing and is counted (vmp_webhook_receiver).
 *
 * Secrets: Vipps shows a registration's secret once. The library stores it in the journal
 * (the till's private 0600 file) as soon as it arrives, so it outlives restarts and verifies
 * deliveries Vipps retries later; it never logs it, returns it or puts it in vmp_last_error.
 * Registrations and secrets belong to the sales unit of the handle used (vmp_sales_unit).
 * ------------------------------------------------------------------------------------------- */

/**
 * One webhook delivery as an HTTP server received it, for vmp_webhook_verify and
 * vmp_webhook_handle. The caller sets struct_size = sizeof(vmp_webhook_delivery); every pointer
 * is borrowed for the call. A NULL header string counts as a missing header.
 */
typedef struct vmp_webhook_delivery {
  uint32_t struct_size;
  const char *method;              /* "POST"; NULL or "" means "POST" */
  const char *path_and_query;      /* the request target as Vipps addressed it: the registered
                                      URL's path, "?" and query, e.g. "/vipps/hooks?store=12" */
  const char *host;                /* the registered URL's authority (the Host header), with a
                                      port that is not the scheme's default */
  const char *x_ms_date;           /* the x-ms-date header */
  const char *x_ms_content_sha256; /* the x-ms-content-sha256 header */
  const char *authorization;       /* the Authorization header */
  const uint8_t *body;             /* the raw body, byte for byte; may be NULL when body_len 0 */
  size_t body_len;
} vmp_webhook_delivery;

/**
 * Verifies a delivery the way Vipps signs it: all three signed headers, host and path present;
 * x-ms-content-sha256 equal to Base64(SHA-256(body)); Authorization equal, compared in constant
 * time, to "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" +
 * Base64(HMAC-SHA256(secret's UTF-8 bytes, "POST\n" + path_and_query + "\n" + x_ms_date + ";" +
 * host + ";" + content hash)); and, when max_age_s > 0, x_ms_date no further than max_age_s
 * seconds from this machine's clock. Needs no client: for a backend that holds its own secret.
 *
 * secret:    the registration's secret, UTF-8, borrowed (used as text, not base64-decoded).
 * delivery:  what was received; struct_size set.
 * max_age_s: 0 (no date check) .. 2592000 (30 days).
 * Threading: any thread; no network.
 * Returns:   VMP_OK; VMP_ERR_UNVERIFIED (vmp_last_error names the part at fault - a missing
 *            header, the content hash, the signature, the date - never the secret or the
 *            expected signature); VMP_ERR_INVALID_ARGUMENT (secret or delivery NULL, secret ""
 *            or not UTF-8, struct_size too small, body NULL with body_len > 0, body_len over
 *            16 MiB - 16777216 bytes, far beyond any ePayment event - or max_age_s out of
 *            range). The delivery's fields are data, compared byte for byte.
 */
VMP_API vmp_status VMP_CALL vmp_webhook_verify(const char *secret,
                                               const vmp_webhook_delivery *delivery,
                                               int32_t max_age_s);

/**
 * Takes one delivery a host's own web server received: verifies it against every secret the
 * client holds (and webhooks.max_age_s), decodes the ePayment event and applies it to its
 * payment, waking vmp_poll_status waiters. Answer Vipps 2xx for VMP_OK (a duplicate too, so
 * Vipps stops resending it), 401 for VMP_ERR_UNVERIFIED, 400 for VMP_ERR_INVALID_JSON.
 *
 * delivery:  what was received; struct_size set. path_and_query and host as Vipps addressed
 *            them (the registered URL's), not as a proxy in between rewrote them.
 * Threading: any thread; never blocks on the network.
 * Returns:   VMP_OK (applied, duplicate, or verified but about no payment of this client);
 *            VMP_ERR_UNVERIFIED (nothing changed; counted); VMP_ERR_INVALID_JSON (verified, but
 *            the body is not an ePayment event); VMP_ERR_INVALID_HANDLE;
 *            VMP_ERR_INVALID_ARGUMENT (delivery NULL, struct_size too small, body NULL with
 *            body_len > 0, body_len over 16 MiB as for vmp_webhook_verify).
 */
VMP_API vmp_status VMP_CALL vmp_webhook_handle(vmp_client *client,
                                               const vmp_webhook_delivery *delivery);

/**
 * Describes the client's webhook set-up, as JSON:
 *   {"listening": true, "address": "127.0.0.1:41234", "path": "/vmp/webhooks",
 *    "url": "<the URL registered>", "max_age_s": 0, "poll_interval_ms": 5000, "secrets": 1,
 *    "registration": "ok" | "" (none ran) | "<why the start-up reconcile failed>",
 *    "counters": {"received", "accepted", "duplicates", "ignored", "rejected",
 *                 "rejected_by": {"signature": 1, ...}, "malformed"},
 *    "max_connections": 64, "connections_dropped": 0}
 * max_connections is the receiver's cap (only while listening); connections_dropped counts
 * connections it closed at the cap (the quietest evicted, or the new one when all were busy).
 * With "listen": "...:0" this is how the host learns the port.
 *
 * out_json:  receives a NUL-terminated string allocated by the library; free it with vmp_free.
 *            Set to NULL on failure. Must not be NULL.
 * Threading: any thread; no network.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT.
 */
VMP_API vmp_status VMP_CALL vmp_webhook_receiver(vmp_client *client, char **out_json);

/**
 * Registers a webhook at Vipps and stores its secret in the journal.
 *
 * webhook_json: {"url": "https://...", "events": ["epayments.payment.authorized.v1", ...]}
 *               ("events" optional: default every ePayment event). Unknown fields are an error.
 *               Vipps documents no limits; the library's, checked before anything is sent: the
 *               URL at most 2048 bytes, at most 64 event types.
 * out_json:     optional (may be NULL): {"id", "url", "events", "secret_stored": true}, freed
 *               with vmp_free. The secret itself is never returned.
 * Threading:    any thread; one request, bounded by timeouts.request_ms. Registration calls of
 *               one client run one at a time.
 * Returns:      VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, over 1 MiB, a
 *               URL that is not absolute http(s) or over 2048 bytes, a malformed event type,
 *               more than 64); VMP_ERR_INVALID_JSON (also: text not UTF-8);
 *               VMP_ERR_REJECTED (Vipps refused: not HTTPS, too many webhooks for an event);
 *               VMP_ERR_AUTH; VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE; VMP_ERR_UNKNOWN_OUTCOME (no
 *               answer: the webhook may exist without its secret - vmp_webhook_reconcile
 *               deletes it); VMP_ERR_JOURNAL (the secret could not be stored: the registration
 *               was deleted again).
 */
VMP_API vmp_status VMP_CALL vmp_webhook_register(vmp_client *client, const char *webhook_json,
                                                 char **out_json);

/**
 * Lists the sales unit's webhook registrations at Vipps:
 *   [{"id", "url", "events", "secret_stored": true | false}]
 * "secret_stored": false marks an orphan: its deliveries cannot be verified here.
 *
 * out_json:  as vmp_webhook_receiver. Must not be NULL.
 * Threading: any thread; blocks for at most timeouts.operation_ms.
 * Returns:   VMP_OK; VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT; VMP_ERR_AUTH;
 *            VMP_ERR_NETWORK; VMP_ERR_UNAVAILABLE; VMP_ERR_RATE_LIMITED.
 */
VMP_API vmp_status VMP_CALL vmp_webhook_list(vmp_client *client, char **out_json);

/**
 * Deletes one registration and forgets its secret.
 *
 * id:        the registration's "id", borrowed.
 * Threading: any thread; blocks for at most timeouts.operation_ms.
 * Returns:   VMP_OK; VMP_ERR_NOT_FOUND (Vipps does not know it; its secret is forgotten all the
 *            same); VMP_ERR_INVALID_HANDLE; VMP_ERR_INVALID_ARGUMENT (NULL, or not a
 *            registration id - a UUID - so nothing was sent); VMP_ERR_AUTH; VMP_ERR_NETWORK;
 *            VMP_ERR_UNAVAILABLE; VMP_ERR_JOURNAL.
 */
VMP_API vmp_status VMP_CALL vmp_webhook_delete(vmp_client *client, const char *id);

/**
 * Makes the registrations equal to the wanted ones. For each wanted URL exactly one
 * registration with the wanted events and a stored secret is kept, or registered; duplicates,
 * orphans whose secret is not stored (their deliveries could never be verified), registrations
 * with other events, and managed URLs no longer wanted are deleted; secrets of registrations
 * Vipps no longer has are forgotten. Registrations of other URLs are left alone. Running it
 * again changes nothing.
 *
 * wanted_json: NULL, "" or "{}": the receiver's own registration (webhooks.public_url, or the
 *              receiver's address, with every ePayment event). Otherwise
 *              {"webhooks": [{"url", "events"}], "managed_prefix": "https://pos.example.com/"}:
 *              registrations whose URL starts with managed_prefix (default
 *              webhooks.managed_prefix) are managed too - deleted unless wanted. At most 100
 *              webhooks; URLs and managed_prefix at most 2048 bytes each.
 * out_json:    optional (may be NULL): what was done, freed with vmp_free:
 *              {"kept": [...], "registered": [...], "foreign": [...],
 *               "deleted": [{"id", "url", "events", "reason": "duplicate" | "no_secret" |
 *                            "events_differ" | "not_wanted"}]}
 * Threading:   any thread; blocks for at most a few times timeouts.operation_ms.
 * Returns:     as vmp_webhook_register and vmp_webhook_list; VMP_ERR_INVALID_ARGUMENT also when
 *              nothing is wanted and no webhooks block names a URL.
 */
VMP_API vmp_status VMP_CALL vmp_webhook_reconcile(vmp_client *client, const char *wanted_json,
                                                  char **out_json);

#ifdef __cplusplus
}
#endif

#endif /* VMP_H */
