/*
 * sweep_test.c - the hardening sweep: every function of include/vmp.h called with every kind of
 * bad argument a till could pass, then thousands of random calls from several threads.
 *
 * tests/c/run.sh runs it against two builds of the library: one with AddressSanitizer (go build
 * -asan: the C shim and every Go access to C memory are checked) linked into this program built
 * with -fsanitize=address,undefined, and the race-detector build. Every buffer handed to the
 * library is heap memory of exactly the size the call is told, followed by guard bytes that are
 * poisoned under ASan (a write past the size stops the run with a report) and checked after the
 * call without it.
 *
 * Part 1, the table: for each function, each bad argument - NULL pointers, NULL/forged/closed
 * handles and unit handles, malformed, unknown-field and wrong-type JSON, zero, negative and
 * huge amounts, invalid references, too-small buffers and structs, out-of-range waits, flags and
 * formats - must give the documented status, a last error that says something and never holds
 * the secret it was given, and leave the outputs as documented (set to NULL, or untouched).
 *
 * Part 2, random calls: SWEEP_ITERATIONS (default 20000) calls from SWEEP_THREADS (4) threads,
 * bounded by SWEEP_SECONDS (60), each to a random function with arguments drawn from pools of
 * valid, invalid and mutated values, on a client that is closed under them part-way. Every
 * status must be one vmp.h defines and never VMP_ERR_INTERNAL (a panic the guard caught is a
 * bug); a failure must leave a last error, a success an empty one. The seed (SWEEP_SEED or a
 * clock value) is printed first, so a finding can be replayed.
 *
 * usage: sweep_test [FUNCTION...]   the functions vmp.h declares (scripts/from-header.sh
 *                                   functions): each one must have a sweep here.
 * Findings of the sweep are kept as cases of part 1 (see "Found by the sweep").
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SIM_CONFIG "{\"simulator\":{\"approve_delay_ms\":0},\"log_level\":\"debug\"," \
  "\"sales_units\":[{\"name\":\"store-b\",\"msn\":\"234567\"}]}"
#define SECRET "Sup3rSecretValue"
#define PHONE "4791234567"
#define UNKNOWN_REF "sweep-unknown-payment-01"
#define REF_65 "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij"
#define GUARD 32
#define ST(s) (1u << (s))
#define ANY_STATUS 0xffffffffu

/* ------------------------------------------------------------------------------------------
 * Guarded buffers and expectations
 * ---------------------------------------------------------------------------------------- */

/* size bytes for the library, then GUARD poisoned bytes; all filled with 0xA5. */
static unsigned char *gbuf(size_t size) {
  unsigned char *p = malloc(size + GUARD);
  if (p == NULL) abort();
  memset(p, 0xA5, size + GUARD);
  POISON(p + size, GUARD);
  return p;
}

/* Whether bytes [from, size + GUARD) still hold 0xA5; frees the buffer. */
static int gbuf_release(unsigned char *p, size_t size, size_t from) {
  size_t i;
  int intact = 1;
  UNPOISON(p + size, GUARD);
  for (i = from; i < size + GUARD; i++) intact = intact && p[i] == 0xA5;
  free(p);
  return intact;
}

static uint32_t one_of(int first, ...) {
  va_list ap;
  uint32_t m = 0;
  int s;
  va_start(ap, first);
  for (s = first; s >= 0; s = va_arg(ap, int)) m |= ST(s);
  va_end(ap);
  return m;
}
#define ONE_OF(...) one_of(__VA_ARGS__, -1)

static int known_status(vmp_status s) {
  return strcmp(vmp_status_str(s), "VMP_ERR_UNKNOWN_STATUS") != 0;
}

/*
 * The status is one of allowed and never VMP_ERR_INTERNAL; after a failure the last error says
 * something (and neither the secret nor the customer's phone number), after a success it is
 * empty.
 */
static int expect_in(const char *what, vmp_status got, uint32_t allowed) {
  const char *err = vmp_last_error();
  int ok = err != NULL && known_status(got) && got != VMP_ERR_INTERNAL && got >= 0 && got < 32 &&
           (allowed & ST(got)) != 0 && (got == VMP_OK ? err[0] == '\0' : err[0] != '\0') &&
           strstr(err, SECRET) == NULL && strstr(err, "91234567") == NULL;
  return check(ok, "%s -> %s last_error=\"%.200s\"", what, vmp_status_str(got), err ? err : "(NULL)");
}
#define BAD(call, allowed) expect_in(#call, (call), (allowed))

/* ------------------------------------------------------------------------------------------
 * Handles: every function that takes one is called with each of these.
 * ---------------------------------------------------------------------------------------- */

static vmp_client *client;      /* open for part 1 */
static vmp_client *unit;        /* a sales-unit handle of client */
static vmp_client *closed;      /* a client that was opened and closed */
static vmp_client *orphan_unit; /* a unit handle whose client was closed */

#define N_BAD_HANDLES 5
static vmp_client *bad_handle(int i) {
  switch (i) {
    case 0: return NULL;
    case 1: return (vmp_client *)(uintptr_t)0xdeadbeef;
    case 2: return (vmp_client *)(uintptr_t)UINTPTR_MAX;
    case 3: return closed;
    default: return orphan_unit;
  }
}

/* Every JSON argument gets these: each must be refused as a whole. */
static const char *bad_json[] = {
  "", " ", "{", "}", "[]", "null", "1", "\"text\"", "true", "{\"a\":}", "{\"a\" 1}", "{,}", "{\"a\":1,}",
  "{\"a\":1}{}", "{'a':1}", "{\"a\":1e99999}", "{\"\xff\xfe\":1}", "{\"a\":\"\xc3\x28\"}",
  "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u0000\"}", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
  "{\"colour\":\"blue\"}",
};
#define N_BAD_JSON (sizeof bad_json / sizeof bad_json[0])

/* Nesting deep enough to overflow a recursive parser's stack; built at run time. */
static char *deep_json(size_t depth) {
  char *s = malloc(2 * depth + 1);
  if (s == NULL) abort();
  memset(s, '[', depth);
  memset(s + depth, ']', depth);
  s[2 * depth] = '\0';
  return s;
}

/* A string of n copies of c. */
static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  if (s == NULL) abort();
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

static const char *bad_refs[] = {"", "short", "1234567", REF_65, "has space in it", "../../../etc/passwd",
                                 "ref%2F..%2Fx", "ref\x01\x02\x03-control", "r\xc3\xa9" "f\xc3\xa9" "rence-1",
                                 "invalid\xff\xfe-utf8", "semi;colon-ref", "tab\tinside-ref"};
#define N_BAD_REFS (sizeof bad_refs / sizeof bad_refs[0])

/* Whether s is UTF-8 (shortest forms, no surrogates, at most U+10FFFF). */
static int is_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
    unsigned cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07, i;
    if (n == 9) return 0;
    for (i = 1; i <= n; i++) {
      if ((p[i] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    p += n + 1;
  }
  return 1;
}

/* What a bad reference gets: VMP_ERR_INVALID_REFERENCE, or VMP_ERR_INVALID_ARGUMENT when it is
 * not even UTF-8 (text that is not UTF-8 is refused as such, whatever the argument). */
static uint32_t refused_reference(const char *ref) {
  return is_utf8(ref) ? ST(VMP_ERR_INVALID_REFERENCE) : ST(VMP_ERR_INVALID_ARGUMENT);
}

static const int64_t bad_amounts[] = {0, -1, -49900, INT64_MIN, INT64_MAX, 65000001};
#define N_BAD_AMOUNTS (sizeof bad_amounts / sizeof bad_amounts[0])

static const int32_t bad_waits[] = {-1, -600000, INT32_MIN, 600001, INT32_MAX};
#define N_BAD_WAITS (sizeof bad_waits / sizeof bad_waits[0])

static vmp_payment payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

/* ------------------------------------------------------------------------------------------
 * Part 1: the table, one sweep per function
 * ---------------------------------------------------------------------------------------- */

static void sweep_information(void) {
  static const int32_t odd[] = {INT32_MIN, -1, 6, 24, 99, 1000, INT32_MAX};
  size_t i;
  check(vmp_version() != NULL && vmp_version()[0] != '\0', "vmp_version() is a string");
  for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    check(vmp_status_str(odd[i]) != NULL && strcmp(vmp_state_str(odd[i]), "UNKNOWN") == 0 &&
              vmp_log_level_str(odd[i]) != NULL && vmp_scan_event_str(odd[i]) != NULL &&
              vmp_code_kind_str(odd[i]) != NULL && vmp_enrollment_state_str(odd[i]) != NULL,
          "the *_str functions of %d are never NULL; vmp_state_str says UNKNOWN", odd[i]);
  }
  check(strcmp(vmp_status_str(INT32_MIN), "VMP_ERR_UNKNOWN_STATUS") == 0 &&
            strcmp(vmp_status_str(INT32_MAX), "VMP_ERR_UNKNOWN_STATUS") == 0,
        "vmp_status_str of values it does not know");
  check(strcmp(vmp_scan_event_str(-1), "UNKNOWN") == 0 && strcmp(vmp_code_kind_str(INT32_MAX), "UNKNOWN") == 0 &&
            strcmp(vmp_enrollment_state_str(INT32_MIN), "UNKNOWN") == 0 &&
            strcmp(vmp_log_level_str(INT32_MAX), "UNKNOWN") == 0,
        "the *_str functions name unknown values UNKNOWN");
  check(vmp_last_error() != NULL, "vmp_last_error() is never NULL");
  {
    vmp_vipps_error v;
    memset(&v, 0, sizeof v);
    check(vmp_last_vipps_error(NULL) == VMP_ERR_INVALID_ARGUMENT &&
              vmp_last_vipps_error(&v) == VMP_ERR_INVALID_ARGUMENT && v.http_status == 0,
          "vmp_last_vipps_error of NULL and of struct_size 0 is VMP_ERR_INVALID_ARGUMENT, nothing written");
  }
  vmp_free(NULL);
  check(1, "vmp_free(NULL) is a no-op");
}

static void sweep_init(void) {
  vmp_client *c;
  size_t i;
  char *big, *deep, *config;
  printf("# vmp_init\n");
  c = (vmp_client *)(uintptr_t)1;
  BAD(vmp_init(NULL, &c), ST(VMP_ERR_INVALID_ARGUMENT));
  check(c == NULL, "vmp_init(NULL, &c) sets c to NULL");
  BAD(vmp_init("{}", NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_JSON; i++) {
    c = (vmp_client *)(uintptr_t)1;
    expect_in(bad_json[i], vmp_init(bad_json[i], &c), ONE_OF(VMP_ERR_INVALID_JSON));
    check(c == NULL, "a refused config sets *out to NULL");
    if (c != (vmp_client *)(uintptr_t)1) vmp_close(c);
  }
  deep = deep_json(100000);
  BAD(vmp_init(deep, &c), ST(VMP_ERR_INVALID_JSON));
  free(deep);
  big = repeat('x', 1 << 19);
  config = malloc((1 << 20) + 64);
  snprintf(config, (1 << 20) + 64, "{\"description\":\"%s\"}", big);
  BAD(vmp_init(config, &c), ST(VMP_ERR_INVALID_CONFIG));
  free(big);
  big = repeat('x', 1 << 20); /* a JSON argument is at most 1 MiB */
  snprintf(config, (1 << 20) + 64, "{\"description\":\"%s\"}", big);
  BAD(vmp_init(config, &c), ST(VMP_ERR_INVALID_ARGUMENT));
  free(config);
  free(big);
  /* Every field with a value of the wrong type or out of range. */
  {
    static const char *wrong[] = {
      "{\"environment\":1}", "{\"environment\":\"mars\"}", "{\"timeouts\":\"fast\"}",
      "{\"timeouts\":{\"request_ms\":1}}", "{\"timeouts\":{\"request_ms\":-5}}",
      "{\"timeouts\":{\"operation_ms\":9223372036854775807}}", "{\"journal_retention_days\":-1}",
      "{\"journal_retention_days\":1.5}", "{\"store_id\":\"waaaaaaaaaaaaaaaaaay-too-long\"}",
      "{\"store_id\":\"bad id\"}", "{\"log_level\":\"loud\"}", "{\"currency\":\"BTC\"}",
      "{\"scanner\":[]}", "{\"scanner\":{\"baud\":-9600,\"port\":\"/dev/null\"}}",
      "{\"scanner\":{\"port\":\"/dev/null\",\"max_frame_length\":1}}", "{\"sales_units\":{}}",
      "{\"sales_units\":[{\"name\":\"x\"}]}", "{\"msn\":\"12\"}", "{\"webhooks\":{\"listen\":\"0.0.0.0:-1\"}}",
      "{\"simulator\":{\"approve_delay_ms\":\"soon\"}}", "{\"default_country_code\":\"+4x\"}",
      "{\"system\":{\"name\":\"a system name that is much longer than thirty characters\"}}",
      "{\"environment\":\"test\",\"client_id\":\"id\",\"client_secret\":\"" SECRET "\"}",
      "{\"environment\":\"test\",\"client_secret\":\"" SECRET "\",\"colour\":1}",
      "{\"journal_path\":\"/proc/self/no/such/journal.db\"}",
    };
    for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
      c = (vmp_client *)(uintptr_t)1;
      expect_in(wrong[i], vmp_init(wrong[i], &c),
                ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_CONFIG, VMP_ERR_JOURNAL));
      check(c == NULL, "a refused config sets *out to NULL");
    }
  }
}

static void sweep_close(void) {
  int i;
  printf("# vmp_close\n");
  /* Not the orphan unit handle: closing it here would make it a closed handle for the rest of
   * the table, which then never saw a unit handle of a closed client (that hid four functions
   * answering VMP_OK on one). main closes it after the table. */
  for (i = 0; i < N_BAD_HANDLES - 1; i++) vmp_close(bad_handle(i));
  check(vmp_last_error()[0] == '\0', "vmp_close of NULL, forged and closed handles is a no-op");
}

static void sweep_start_checkout(void) {
  int h;
  size_t i, sizes[] = {0, 1, VMP_REFERENCE_SIZE - 1};
  char json[512];
  unsigned char *ref;
  printf("# vmp_start_checkout\n");
  for (h = 0; h < N_BAD_HANDLES; h++) {
    ref = gbuf(VMP_REFERENCE_SIZE);
    BAD(vmp_start_checkout(bad_handle(h), "{\"amount\":100,\"phone_number\":\"" PHONE "\"}", (char *)ref,
                           VMP_REFERENCE_SIZE),
        ST(VMP_ERR_INVALID_HANDLE));
    check(gbuf_release(ref, VMP_REFERENCE_SIZE, 0), "the reference buffer is untouched");
  }
  ref = gbuf(VMP_REFERENCE_SIZE);
  BAD(vmp_start_checkout(client, NULL, (char *)ref, VMP_REFERENCE_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_start_checkout(client, "{\"amount\":100,\"phone_number\":\"" PHONE "\"}", NULL, VMP_REFERENCE_SIZE),
      ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_JSON; i++)
    expect_in(bad_json[i], vmp_start_checkout(client, bad_json[i], (char *)ref, VMP_REFERENCE_SIZE),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_AMOUNT, VMP_ERR_INVALID_CUSTOMER));
  for (i = 0; i < N_BAD_AMOUNTS; i++) {
    snprintf(json, sizeof json, "{\"amount\":%lld,\"phone_number\":\"" PHONE "\"}", (long long)bad_amounts[i]);
    expect_in(json, vmp_start_checkout(client, json, (char *)ref, VMP_REFERENCE_SIZE), ST(VMP_ERR_INVALID_AMOUNT));
  }
  for (i = 1; i < N_BAD_REFS; i++) { /* bad_refs[0], "", is no reference: one is generated */
    snprintf(json, sizeof json, "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"reference\":\"%s\"}", bad_refs[i]);
    expect_in(json, vmp_start_checkout(client, json, (char *)ref, VMP_REFERENCE_SIZE),
              ONE_OF(VMP_ERR_INVALID_REFERENCE, VMP_ERR_INVALID_JSON));
  }
  {
    static const char *wrong[] = {
      "{\"amount\":\"100\",\"phone_number\":\"" PHONE "\"}", "{\"amount\":1.5,\"phone_number\":\"" PHONE "\"}",
      "{\"amount\":1e3,\"phone_number\":\"" PHONE "\"}", "{\"amount\":true,\"phone_number\":\"" PHONE "\"}",
      "{\"amount\":100,\"phone_number\":4791234567}", "{\"amount\":100,\"phone_number\":\"12\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"personal_qr\":\"https://qr.vipps.no/p/x\"}",
      "{\"amount\":100}", "{\"amount\":100,\"personal_qr\":\"\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"currency\":\"XXX\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"description\":\"ab\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"flow\":\"teleport\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"flow\":\"qr\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"receipt\":\"paper\"}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"receipt\":{\"orderLines\":[]}}",
      "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"receipt\":{\"orderLines\":[{\"nope\":1}]}}",
      "{\"amount\":100,\"phone_number\":\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\"}",
    };
    for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
      expect_in(wrong[i], vmp_start_checkout(client, wrong[i], (char *)ref, VMP_REFERENCE_SIZE),
                ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_AMOUNT, VMP_ERR_INVALID_CUSTOMER,
                       VMP_ERR_INVALID_ARGUMENT));
  }
  check(gbuf_release(ref, VMP_REFERENCE_SIZE, 0), "no refused checkout wrote a reference");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    vmp_payment p = payment();
    ref = gbuf(sizes[i]);
    BAD(vmp_start_checkout(client, "{\"amount\":100,\"phone_number\":\"" PHONE "\",\"reference\":\"sweep-small-buffer\"}",
                           (char *)ref, sizes[i]),
        ST(VMP_ERR_BUFFER_TOO_SMALL));
    check(gbuf_release(ref, sizes[i], 0), "a reference buffer of %u bytes is untouched", (unsigned)sizes[i]);
    BAD(vmp_poll_status(client, "sweep-small-buffer", 0, &p), ST(VMP_ERR_NOT_FOUND));
  }
}

/* An out struct with struct_size too small, in a buffer of exactly that size (at least its
 * struct_size field): refused, and not a byte past struct_size written. */
static void sweep_small_struct(const char *name, size_t full_size, vmp_status (*call)(void *)) {
  uint32_t sizes[4];
  size_t i;
  sizes[0] = 0, sizes[1] = 4, sizes[2] = 8, sizes[3] = (uint32_t)full_size - 1;
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i] < 4 ? 4 : sizes[i];
    unsigned char *b = gbuf(n);
    UNPOISON(b, n);
    memcpy(b, &sizes[i], 4);
    expect_in(name, call(b), ST(VMP_ERR_INVALID_ARGUMENT));
    check(gbuf_release(b, n, 4), "%s with struct_size %u leaves the struct untouched", name, (unsigned)sizes[i]);
  }
}

static vmp_status poll_into(void *p) { return vmp_poll_status(client, UNKNOWN_REF, 0, (vmp_payment *)p); }
static vmp_status capture_into(void *p) { return vmp_capture(client, UNKNOWN_REF, 100, "op", (vmp_payment *)p); }
static vmp_status refund_into(void *p) { return vmp_refund(client, UNKNOWN_REF, 100, NULL, (vmp_payment *)p); }
static vmp_status cancel_into(void *p) { return vmp_cancel(client, UNKNOWN_REF, 0, NULL, (vmp_payment *)p); }

static vmp_status next_scan_into(void *s) {
  char t[16];
  return vmp_next_scan(client, 0, (vmp_scan *)s, t, sizeof t);
}

static vmp_status next_log_into(void *r) {
  char t[VMP_LOG_TEXT_SIZE];
  return vmp_next_log(client, 0, (vmp_log_record *)r, t, sizeof t);
}

static void sweep_poll_status(void) {
  int h;
  size_t i;
  vmp_payment p = payment();
  printf("# vmp_poll_status\n");
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_poll_status(bad_handle(h), UNKNOWN_REF, 0, &p), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_poll_status(client, NULL, 0, &p), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_poll_status(client, UNKNOWN_REF, 0, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_WAITS; i++)
    expect_in("vmp_poll_status with an out-of-range wait", vmp_poll_status(client, UNKNOWN_REF, bad_waits[i], &p),
              ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++)
    expect_in(bad_refs[i], vmp_poll_status(client, bad_refs[i], 0, &p), refused_reference(bad_refs[i]));
  sweep_small_struct("vmp_poll_status", offsetof(vmp_payment, created_at_ms), poll_into); /* 0.2.0's size is the least */
  BAD(vmp_poll_status(unit, UNKNOWN_REF, 1, &p), ST(VMP_ERR_NOT_FOUND));
}

typedef vmp_status(VMP_CALL *movement_fn)(vmp_client *, const char *, int64_t, const char *, vmp_payment *);

static void sweep_movement(const char *name, movement_fn fn, vmp_status (*into)(void *)) {
  int h;
  size_t i;
  char *long_id;
  vmp_payment p = payment();
  printf("# %s\n", name);
  for (h = 0; h < N_BAD_HANDLES; h++) expect_in(name, fn(bad_handle(h), UNKNOWN_REF, 100, "op", &p), ST(VMP_ERR_INVALID_HANDLE));
  expect_in("NULL reference", fn(client, NULL, 100, NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_AMOUNTS; i++)
    if (bad_amounts[i] <= 0) expect_in("bad amount", fn(client, UNKNOWN_REF, bad_amounts[i], NULL, &p), ST(VMP_ERR_INVALID_AMOUNT));
  for (i = 0; i < N_BAD_AMOUNTS; i++)
    if (bad_amounts[i] > 0)
      expect_in("huge amount", fn(client, UNKNOWN_REF, bad_amounts[i], NULL, &p),
                ONE_OF(VMP_ERR_INVALID_AMOUNT, VMP_ERR_NOT_FOUND));
  for (i = 0; i < N_BAD_REFS; i++) expect_in(bad_refs[i], fn(client, bad_refs[i], 100, "op", NULL), refused_reference(bad_refs[i]));
  long_id = repeat('o', 100000);
  expect_in("a 100000-character operation_id", fn(client, UNKNOWN_REF, 100, long_id, NULL),
            ONE_OF(VMP_ERR_INVALID_ARGUMENT, VMP_ERR_NOT_FOUND));
  free(long_id);
  expect_in("an operation_id that is not UTF-8", fn(client, UNKNOWN_REF, 100, "op-\xff\xfe", NULL),
            ONE_OF(VMP_ERR_INVALID_ARGUMENT, VMP_ERR_NOT_FOUND));
  sweep_small_struct(name, offsetof(vmp_payment, created_at_ms), into);
}

static void sweep_capture(void) { sweep_movement("vmp_capture", vmp_capture, capture_into); }
static void sweep_refund(void) { sweep_movement("vmp_refund", vmp_refund, refund_into); }

static void sweep_cancel(void) {
  int h;
  size_t i;
  static const uint32_t flags[] = {2, 3, 0x80, 0x80000000u, UINT32_MAX};
  printf("# vmp_cancel\n");
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_cancel(bad_handle(h), UNKNOWN_REF, 0, NULL, NULL), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_cancel(client, NULL, 0, NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
    expect_in("unknown flags", vmp_cancel(client, UNKNOWN_REF, flags[i], NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++) expect_in(bad_refs[i], vmp_cancel(client, bad_refs[i], 1, NULL, NULL), refused_reference(bad_refs[i]));
  sweep_small_struct("vmp_cancel", offsetof(vmp_payment, created_at_ms), cancel_into);
}

/* A library-allocated JSON out: NULL on failure, as documented. */
static void expect_json_null(const char *what, char *json) {
  check(json == NULL, "%s sets out_json to NULL on failure", what);
}

static void sweep_pending(void) {
  int h;
  char *json = (char *)"untouched";
  printf("# vmp_pending, vmp_recover, vmp_acknowledge\n");
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_pending(bad_handle(h), &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_pending", json);
  }
  BAD(vmp_pending(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_recover(void) {
  int h;
  size_t i;
  char *json;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_recover(bad_handle(h), 0, &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_recover", json);
  }
  for (i = 0; i < N_BAD_WAITS; i++) {
    json = (char *)"untouched";
    expect_in("vmp_recover with an out-of-range wait", vmp_recover(client, bad_waits[i], &json), ST(VMP_ERR_INVALID_ARGUMENT));
    expect_json_null("vmp_recover", json);
  }
}

static void sweep_acknowledge(void) {
  int h;
  char *long_id = repeat('i', 100000);
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_acknowledge(bad_handle(h), "vmp-0"), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_acknowledge(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_acknowledge(client, ""), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_acknowledge(client, "no-such-operation"), ST(VMP_ERR_NOT_FOUND));
  BAD(vmp_acknowledge(client, "\xff\xfe\x01"), ONE_OF(VMP_ERR_NOT_FOUND, VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_acknowledge(client, long_id), ONE_OF(VMP_ERR_NOT_FOUND, VMP_ERR_INVALID_ARGUMENT));
  free(long_id);
}

typedef vmp_status(VMP_CALL *find_fn)(vmp_client *, const char *, char **);

static void sweep_find(void) {
  static const struct {
    const char *json;
    vmp_status want;
  } bad[] = {
      {"", VMP_ERR_INVALID_JSON},
      {"{", VMP_ERR_INVALID_JSON},
      {"[]", VMP_ERR_INVALID_JSON},
      {"null", VMP_ERR_INVALID_JSON},
      {"{\"referense\":\"x\"}", VMP_ERR_INVALID_JSON},
      {"{\"limit\":\"ten\"}", VMP_ERR_INVALID_JSON},
      {"{\"from\":\"2026-12-05T00:00:00Z\",\"to\":\"2026-12-04T00:00:00Z\"}", VMP_ERR_INVALID_ARGUMENT},
      {"{\"from\":\"1970-01-01T00:00:00Z\",\"to\":\"1970-01-02T00:00:00Z\"}", VMP_ERR_INVALID_ARGUMENT},
      {"{\"from\":\"2000-01-01T00:00:00Z\",\"to\":\"2199-01-01T00:00:00Z\"}", VMP_ERR_INVALID_ARGUMENT},
      {"{\"date\":\"2026-02-30\"}", VMP_ERR_INVALID_ARGUMENT},
      {"{\"source\":\"everywhere\"}", VMP_ERR_INVALID_ARGUMENT},
      {"{\"source\":\"chain\"}", VMP_ERR_INVALID_ARGUMENT},
  };
  static const struct {
    find_fn fn;
    const char *name;
  } fns[] = {{vmp_find_payments, "vmp_find_payments"}, {vmp_payment_totals, "vmp_payment_totals"}};
  char *long_json = repeat(' ', 2000000);
  size_t f, i;
  int h;
  char *json;
  printf("# vmp_find_payments, vmp_payment_totals\n");
  for (f = 0; f < sizeof fns / sizeof fns[0]; f++) {
    for (h = 0; h < N_BAD_HANDLES; h++) {
      json = (char *)"untouched";
      BAD(fns[f].fn(bad_handle(h), "{}", &json), ST(VMP_ERR_INVALID_HANDLE));
      expect_json_null(fns[f].name, json);
    }
    BAD(fns[f].fn(client, NULL, &json), ST(VMP_ERR_INVALID_ARGUMENT));
    BAD(fns[f].fn(client, "{}", NULL), ST(VMP_ERR_INVALID_ARGUMENT));
    BAD(fns[f].fn(client, "{\"msn\":\"\xff\xfe\"}", &json), ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT));
    BAD(fns[f].fn(client, long_json, &json), ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT));
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      if (f == 1 && strstr(bad[i].json, "referense") != NULL) continue;
      json = (char *)"untouched";
      expect_in(bad[i].json, fns[f].fn(client, bad[i].json, &json), ST(bad[i].want));
      expect_json_null(fns[f].name, json);
    }
  }
  free(long_json);
}

static void VMP_CALL noop_scan(void *user_data, const vmp_scan *scan) {
  (void)user_data;
  (void)scan;
}

static void VMP_CALL noop_log(void *user_data, const vmp_log_record *record) {
  (void)user_data;
  (void)record;
}

static void sweep_on_scan(void) {
  int h;
  printf("# scanner calls\n");
  for (h = 0; h < N_BAD_HANDLES; h++) {
    BAD(vmp_on_scan(bad_handle(h), noop_scan, NULL), ST(VMP_ERR_INVALID_HANDLE));
    BAD(vmp_on_scan(bad_handle(h), NULL, NULL), ST(VMP_ERR_INVALID_HANDLE));
  }
}

static void sweep_next_scan(void) {
  int h;
  size_t i;
  vmp_scan s;
  unsigned char *text;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    char t[16];
    BAD(vmp_next_scan(bad_handle(h), 0, &s, t, sizeof t), ST(VMP_ERR_INVALID_HANDLE));
  }
  {
    char t[16];
    BAD(vmp_next_scan(client, 0, NULL, t, sizeof t), ST(VMP_ERR_INVALID_ARGUMENT));
    BAD(vmp_next_scan(client, 0, &s, NULL, 16), ST(VMP_ERR_INVALID_ARGUMENT));
    BAD(vmp_next_scan(client, 0, &s, t, 0), ST(VMP_ERR_INVALID_ARGUMENT));
    for (i = 0; i < N_BAD_WAITS; i++)
      expect_in("vmp_next_scan with an out-of-range wait", vmp_next_scan(client, bad_waits[i], &s, t, sizeof t),
                ST(VMP_ERR_INVALID_ARGUMENT));
  }
  /* A queued code and a buffer one byte short: refused, the event stays, the buffer untouched. */
  BAD(vmp_submit_scan(client, "]Q1https://qr.vipps.no/p/sim-4791234567"), ST(VMP_OK));
  text = gbuf(36);
  BAD(vmp_next_scan(client, 0, &s, (char *)text, 36), ST(VMP_ERR_BUFFER_TOO_SMALL));
  check(gbuf_release(text, 36, 0) && s.text_len == 36, "a too-small text buffer is untouched, text_len %zu",
        s.text_len);
  text = gbuf(36 + 1);
  s.struct_size = sizeof s;
  BAD(vmp_next_scan(client, 0, &s, (char *)text, 37), ST(VMP_OK));
  check(s.event == VMP_SCAN_CODE && gbuf_release(text, 37, 37), "the code fits exactly, nothing past the buffer");
  sweep_small_struct("vmp_next_scan", sizeof(vmp_scan), next_scan_into);
}

static void sweep_submit_scan(void) {
  int h;
  char *long_code = repeat('4', 70000);
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_submit_scan(bad_handle(h), "7038010009457"), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_submit_scan(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_submit_scan(client, ""), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_submit_scan(client, "\r\n"), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_submit_scan(client, "a\nb"), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_submit_scan(client, long_code), ST(VMP_ERR_INVALID_ARGUMENT));
  free(long_code);
}

static void sweep_identify(void) {
  int h;
  size_t i, sizes[] = {0, 1, VMP_MSISDN_SIZE - 1};
  unsigned char *m;
  printf("# customer club\n");
  for (h = 0; h < N_BAD_HANDLES; h++) {
    char msisdn[VMP_MSISDN_SIZE];
    BAD(vmp_identify_customer(bad_handle(h), PHONE, msisdn, sizeof msisdn), ST(VMP_ERR_INVALID_HANDLE));
  }
  m = gbuf(VMP_MSISDN_SIZE);
  BAD(vmp_identify_customer(client, NULL, (char *)m, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_identify_customer(client, PHONE, NULL, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_identify_customer(client, "", (char *)m, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_CUSTOMER));
  BAD(vmp_identify_customer(client, "12", (char *)m, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_CUSTOMER));
  BAD(vmp_identify_customer(client, "+47 12345678901234567890", (char *)m, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_CUSTOMER));
  BAD(vmp_identify_customer(client, "\xff\xfe not a QR", (char *)m, VMP_MSISDN_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  check(gbuf_release(m, VMP_MSISDN_SIZE, 0), "no refused identification wrote a number");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    m = gbuf(sizes[i]);
    BAD(vmp_identify_customer(client, PHONE, (char *)m, sizes[i]), ST(VMP_ERR_BUFFER_TOO_SMALL));
    check(gbuf_release(m, sizes[i], 0), "an msisdn buffer of %u bytes is untouched", (unsigned)sizes[i]);
  }
}

static void sweep_simulator_url(void) {
  int h;
  size_t i, sizes[] = {0, 1, VMP_SIMULATOR_URL_SIZE - 1};
  unsigned char *m;
  printf("# simulator url\n");
  for (h = 0; h < N_BAD_HANDLES; h++) {
    char url[VMP_SIMULATOR_URL_SIZE];
    BAD(vmp_simulator_url(bad_handle(h), url, sizeof url), ST(VMP_ERR_INVALID_HANDLE));
  }
  BAD(vmp_simulator_url(client, NULL, VMP_SIMULATOR_URL_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    m = gbuf(sizes[i]);
    BAD(vmp_simulator_url(client, (char *)m, sizes[i]), ST(VMP_ERR_BUFFER_TOO_SMALL));
    check(gbuf_release(m, sizes[i], 0), "a url buffer of %u bytes is untouched", (unsigned)sizes[i]);
  }
  m = gbuf(VMP_SIMULATOR_URL_SIZE);
  BAD(vmp_simulator_url(unit, (char *)m, VMP_SIMULATOR_URL_SIZE), ST(VMP_OK));
  check(strncmp((char *)m, "http://127.0.0.1:", 17) == 0, "a unit handle gives the simulator's URL");
  check(gbuf_release(m, VMP_SIMULATOR_URL_SIZE, VMP_SIMULATOR_URL_SIZE), "nothing is written beyond url_size");
}

static void sweep_check_in(void) {
  int h;
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_loyalty_check_in(bad_handle(h), PHONE, 1), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_loyalty_check_in(client, NULL, 1), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_loyalty_check_in(client, PHONE, 2), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_loyalty_check_in(client, PHONE, -1), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_loyalty_check_in(client, PHONE, INT32_MIN), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_loyalty_check_in(client, "abc", 1), ST(VMP_ERR_INVALID_CUSTOMER));
  BAD(vmp_loyalty_check_in(client, "4512345678", 0), ST(VMP_ERR_INVALID_CUSTOMER));
}

static void sweep_start_enrollment(void) {
  int h;
  size_t i, sizes[] = {0, 1, VMP_ENROLLMENT_ID_SIZE - 1};
  unsigned char *id;
  static const char *wrong[] = {
    "{}", "{\"phone_number\":12}", "{\"phone_number\":\"" PHONE "\",\"scopes\":[\"root\"]}",
    "{\"phone_number\":\"" PHONE "\",\"scopes\":\"name\"}", "{\"phone_number\":\"" PHONE "\",\"binding_message\":\"x\"}",
    "{\"phone_number\":\"" PHONE "\",\"requested_expiry_s\":1}",
    "{\"phone_number\":\"" PHONE "\",\"requested_expiry_s\":1e30}",
    "{\"phone_number\":\"" PHONE "\",\"check_user_exists\":\"yes\"}", "{\"phone_number\":\"not a number\"}",
  };
  for (h = 0; h < N_BAD_HANDLES; h++) {
    char e[VMP_ENROLLMENT_ID_SIZE];
    BAD(vmp_start_enrollment(bad_handle(h), "{\"phone_number\":\"" PHONE "\"}", e, sizeof e), ST(VMP_ERR_INVALID_HANDLE));
  }
  id = gbuf(VMP_ENROLLMENT_ID_SIZE);
  BAD(vmp_start_enrollment(client, NULL, (char *)id, VMP_ENROLLMENT_ID_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_start_enrollment(client, "{\"phone_number\":\"" PHONE "\"}", NULL, VMP_ENROLLMENT_ID_SIZE), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_JSON; i++)
    expect_in(bad_json[i], vmp_start_enrollment(client, bad_json[i], (char *)id, VMP_ENROLLMENT_ID_SIZE),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_CUSTOMER));
  for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
    expect_in(wrong[i], vmp_start_enrollment(client, wrong[i], (char *)id, VMP_ENROLLMENT_ID_SIZE),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT, VMP_ERR_INVALID_CUSTOMER));
  check(gbuf_release(id, VMP_ENROLLMENT_ID_SIZE, 0), "no refused enrollment wrote an id");
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    id = gbuf(sizes[i]);
    BAD(vmp_start_enrollment(client, "{\"phone_number\":\"" PHONE "\"}", (char *)id, sizes[i]), ST(VMP_ERR_BUFFER_TOO_SMALL));
    check(gbuf_release(id, sizes[i], 0), "an id buffer of %u bytes is untouched", (unsigned)sizes[i]);
  }
}

static void sweep_poll_enrollment(void) {
  int h;
  size_t i;
  vmp_enrollment_state st = (vmp_enrollment_state)77;
  char *json = (char *)"untouched";
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_poll_enrollment(bad_handle(h), "enr-1", 0, &st, NULL), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_poll_enrollment(client, NULL, 0, &st, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_poll_enrollment(client, "enr-1", 0, NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_poll_enrollment(client, "no-such-enrollment", 0, &st, &json), ST(VMP_ERR_INVALID_ARGUMENT));
  check(st == 77, "state is untouched on an argument error");
  for (i = 0; i < N_BAD_WAITS; i++)
    expect_in("vmp_poll_enrollment with an out-of-range wait", vmp_poll_enrollment(client, "enr-1", bad_waits[i], &st, NULL),
              ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_cancel_enrollment(void) {
  int h;
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_cancel_enrollment(bad_handle(h), "enr-1"), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_cancel_enrollment(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_cancel_enrollment(client, ""), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_cancel_enrollment(client, "\xff\xfe"), ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_checkout_qr(void) {
  int h;
  size_t i;
  uint8_t *out = (uint8_t *)"untouched";
  size_t len = 99;
  static const int32_t formats[] = {-1, 4, 99, INT32_MIN, INT32_MAX};
  static const int32_t sizes[] = {-1, 0, 63, 4097, INT32_MIN, INT32_MAX};
  printf("# receipts and QR\n");
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_checkout_qr(bad_handle(h), UNKNOWN_REF, VMP_QR_SVG, 0, &out, &len), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_checkout_qr(client, NULL, VMP_QR_SVG, 0, &out, &len), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_checkout_qr(client, UNKNOWN_REF, VMP_QR_SVG, 0, NULL, &len), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_checkout_qr(client, UNKNOWN_REF, VMP_QR_SVG, 0, &out, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
    expect_in("unknown format", vmp_checkout_qr(client, UNKNOWN_REF, formats[i], 256, &out, &len), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    expect_in("size_px out of range", vmp_checkout_qr(client, UNKNOWN_REF, VMP_QR_PNG, sizes[i], &out, &len),
              ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++)
    expect_in(bad_refs[i], vmp_checkout_qr(client, bad_refs[i], VMP_QR_URL, 0, &out, &len), refused_reference(bad_refs[i]));
  check(out == NULL && len == 0, "a failed vmp_checkout_qr sets out to NULL and out_len to 0");
}

static void sweep_attach_receipt(void) {
  int h;
  size_t i;
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_attach_receipt(bad_handle(h), UNKNOWN_REF, "{}"), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_attach_receipt(client, NULL, "{}"), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_attach_receipt(client, UNKNOWN_REF, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_JSON; i++)
    expect_in(bad_json[i], vmp_attach_receipt(client, UNKNOWN_REF, bad_json[i]),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++)
    expect_in(bad_refs[i], vmp_attach_receipt(client, bad_refs[i], "{\"orderLines\":[]}"),
              ONE_OF(VMP_ERR_INVALID_REFERENCE, VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_attach_receipt(client, UNKNOWN_REF,
                         "{\"orderLines\":[{\"name\":\"x\",\"id\":\"1\",\"totalAmount\":-9223372036854775808,"
                         "\"totalAmountExcludingTax\":9223372036854775807,\"totalTaxAmount\":9223372036854775807,"
                         "\"taxRate\":2500}],\"bottomLine\":{\"currency\":\"NOK\"}}"),
      ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_receipt_warnings(void) {
  int h;
  size_t i;
  char *json = (char *)"untouched";
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_receipt_warnings(bad_handle(h), UNKNOWN_REF, &json), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_receipt_warnings(client, NULL, &json), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_receipt_warnings(client, UNKNOWN_REF, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++)
    expect_in(bad_refs[i], vmp_receipt_warnings(client, bad_refs[i], &json), refused_reference(bad_refs[i]));
  check(json == NULL, "a failed vmp_receipt_warnings sets out_json to NULL");
}

static void sweep_payment_events(void) {
  int h;
  size_t i;
  char *json = (char *)"untouched";
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_payment_events(bad_handle(h), UNKNOWN_REF, &json), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_payment_events(client, NULL, &json), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_payment_events(client, UNKNOWN_REF, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_REFS; i++)
    expect_in(bad_refs[i], vmp_payment_events(client, bad_refs[i], &json), refused_reference(bad_refs[i]));
  check(json == NULL, "a failed vmp_payment_events sets out_json to NULL");
}

static void sweep_on_log(void) {
  int h;
  printf("# log calls\n");
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_on_log(bad_handle(h), noop_log, NULL), ST(VMP_ERR_INVALID_HANDLE));
}

static void sweep_next_log(void) {
  int h;
  size_t i;
  vmp_log_record r;
  unsigned char *text;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    char t[64];
    BAD(vmp_next_log(bad_handle(h), 0, &r, t, sizeof t), ST(VMP_ERR_INVALID_HANDLE));
  }
  {
    char t[64];
    BAD(vmp_next_log(client, 0, NULL, t, sizeof t), ST(VMP_ERR_INVALID_ARGUMENT));
    BAD(vmp_next_log(client, 0, &r, NULL, sizeof t), ST(VMP_ERR_INVALID_ARGUMENT));
    for (i = 0; i < N_BAD_WAITS; i++)
      expect_in("vmp_next_log with an out-of-range wait", vmp_next_log(client, bad_waits[i], &r, t, sizeof t),
                ST(VMP_ERR_INVALID_ARGUMENT));
  }
  /* The debug log holds records by now; a buffer of 0, 1 or 8 bytes takes none of them. */
  for (i = 0; i < 3; i++) {
    size_t size = i == 0 ? 0 : i == 1 ? 1 : 8;
    text = gbuf(size);
    expect_in("vmp_next_log with a tiny buffer", vmp_next_log(client, 0, &r, (char *)text, size),
              ONE_OF(VMP_ERR_BUFFER_TOO_SMALL, VMP_ERR_INVALID_ARGUMENT));
    check(gbuf_release(text, size, 0), "a log text buffer of %u bytes is untouched", (unsigned)size);
  }
  /* Found by the sweep: with nothing queued and text_size 0 the three strings were NULL, so a
   * till printing them (vmp.h promises NUL-terminated strings) crashed. */
  {
    char t[VMP_LOG_TEXT_SIZE];
    for (i = 0; i < 10000; i++) {
      r.struct_size = sizeof r;
      if (vmp_next_log(client, 0, &r, t, sizeof t) != VMP_OK || r.level == VMP_LOG_NONE) break;
    }
    text = gbuf(0);
    r.struct_size = sizeof r;
    BAD(vmp_next_log(client, 0, &r, (char *)text, 0), ST(VMP_OK));
    check(r.level == VMP_LOG_NONE && r.component != NULL && r.message != NULL && r.fields_json != NULL &&
              r.component[0] == '\0' && r.message[0] == '\0' && r.fields_json[0] == '\0',
          "nothing queued, text_size 0: the strings are \"\", not NULL");
    check(gbuf_release(text, 0, 0), "and nothing was written to the buffer");
  }
  sweep_small_struct("vmp_next_log", sizeof(vmp_log_record), next_log_into);
}

static void sweep_sales_unit(void) {
  int h;
  vmp_client *u = (vmp_client *)(uintptr_t)1;
  printf("# vmp_sales_unit\n");
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_sales_unit(bad_handle(h), "store-b", &u), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_sales_unit(client, NULL, &u), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_sales_unit(client, "store-b", NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  u = (vmp_client *)(uintptr_t)1;
  BAD(vmp_sales_unit(client, "store-z", &u), ST(VMP_ERR_INVALID_ARGUMENT));
  check(u == NULL, "a failed vmp_sales_unit sets out to NULL");
  u = (vmp_client *)(uintptr_t)1;
  BAD(vmp_sales_unit(client, "\xff\xfe", &u), ST(VMP_ERR_INVALID_ARGUMENT));
  check(u == NULL, "a failed vmp_sales_unit sets out to NULL");
}

static vmp_webhook_delivery delivery(void) {
  vmp_webhook_delivery d;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  d.method = "POST";
  d.path_and_query = "/vmp/webhooks";
  d.host = "pos.example.com";
  d.x_ms_date = "Mon, 23 Nov 2026 12:00:00 GMT";
  d.x_ms_content_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  d.authorization = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA";
  return d;
}

static void sweep_webhook_verify(void) {
  vmp_webhook_delivery d = delivery();
  size_t i;
  static const int32_t ages[] = {-1, 2592001, INT32_MIN, INT32_MAX};
  printf("# webhooks\n");
  BAD(vmp_webhook_verify(NULL, &d, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_verify("", &d, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_verify(SECRET, NULL, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof ages / sizeof ages[0]; i++)
    expect_in("max_age_s out of range", vmp_webhook_verify(SECRET, &d, ages[i]), ST(VMP_ERR_INVALID_ARGUMENT));
  d.struct_size = 4;
  BAD(vmp_webhook_verify(SECRET, &d, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  d = delivery();
  d.body_len = 10;
  BAD(vmp_webhook_verify(SECRET, &d, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_verify(SECRET, &d, 0), ST(VMP_ERR_INVALID_ARGUMENT));
  d = delivery();
  BAD(vmp_webhook_verify(SECRET, &d, 0), ST(VMP_ERR_UNVERIFIED));
  d.authorization = d.x_ms_date = d.host = d.path_and_query = d.x_ms_content_sha256 = NULL;
  d.method = NULL;
  BAD(vmp_webhook_verify(SECRET, &d, 0), ST(VMP_ERR_UNVERIFIED));
  d = delivery();
  d.method = "\xff";
  d.host = "\xfe\xfd";
  d.authorization = "HMAC-SHA256 SignedHeaders=&Signature=\xff";
  d.body = (const uint8_t *)"\x00\x01\x02";
  d.body_len = 3;
  BAD(vmp_webhook_verify(SECRET, &d, 1), ST(VMP_ERR_UNVERIFIED));
}

static void sweep_webhook_handle(void) {
  int h;
  vmp_webhook_delivery d = delivery();
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_webhook_handle(bad_handle(h), &d), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_webhook_handle(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  d.struct_size = 0;
  BAD(vmp_webhook_handle(client, &d), ST(VMP_ERR_INVALID_ARGUMENT));
  d = delivery();
  d.body_len = 1;
  BAD(vmp_webhook_handle(client, &d), ST(VMP_ERR_INVALID_ARGUMENT));
  d = delivery();
  BAD(vmp_webhook_handle(client, &d), ST(VMP_ERR_UNVERIFIED));
}

static void sweep_webhook_receiver(void) {
  int h;
  char *json;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_webhook_receiver(bad_handle(h), &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_webhook_receiver", json);
  }
  BAD(vmp_webhook_receiver(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_webhook_register(void) {
  int h;
  size_t i;
  char *json;
  static const char *wrong[] = {
    "{}", "{\"url\":\"ftp://x.example/\"}", "{\"url\":\"/relative\"}", "{\"url\":\"https://\"}",
    "{\"url\":\"https://x.example/\",\"events\":[\"not an event\"]}", "{\"url\":\"https://x.example/\",\"events\":\"all\"}",
    "{\"url\":42}", "{\"url\":\"https://x.example/\xff\"}",
  };
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_webhook_register(bad_handle(h), "{\"url\":\"https://x.example/\"}", &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_webhook_register", json);
  }
  BAD(vmp_webhook_register(client, NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < N_BAD_JSON; i++)
    expect_in(bad_json[i], vmp_webhook_register(client, bad_json[i], NULL), ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT));
  for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
    expect_in(wrong[i], vmp_webhook_register(client, wrong[i], NULL),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT, VMP_ERR_REJECTED));
}

static void sweep_webhook_list(void) {
  int h;
  char *json;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_webhook_list(bad_handle(h), &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_webhook_list", json);
  }
  BAD(vmp_webhook_list(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
}

static void sweep_webhook_delete(void) {
  int h;
  char *long_id = repeat('w', 101);
  for (h = 0; h < N_BAD_HANDLES; h++) BAD(vmp_webhook_delete(bad_handle(h), "wh-1"), ST(VMP_ERR_INVALID_HANDLE));
  BAD(vmp_webhook_delete(client, NULL), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_delete(client, ""), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_delete(client, long_id), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_delete(client, "../../accesstoken/get"), ST(VMP_ERR_INVALID_ARGUMENT));
  /* Found by the sweep: an id that is not a UUID went to Vipps and came back VMP_ERR_REJECTED. */
  BAD(vmp_webhook_delete(client, "no-such-webhook"), ST(VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_delete(client, "3fa85f64-5717-4562-b3fc-2c963f66afa6"), ST(VMP_ERR_NOT_FOUND));
  free(long_id);
}

static void sweep_webhook_reconcile(void) {
  int h;
  size_t i;
  char *json;
  for (h = 0; h < N_BAD_HANDLES; h++) {
    json = (char *)"untouched";
    BAD(vmp_webhook_reconcile(bad_handle(h), NULL, &json), ST(VMP_ERR_INVALID_HANDLE));
    expect_json_null("vmp_webhook_reconcile", json);
  }
  BAD(vmp_webhook_reconcile(client, NULL, NULL), ST(VMP_ERR_INVALID_ARGUMENT)); /* no webhooks block */
  for (i = 0; i < N_BAD_JSON; i++)
    expect_in(bad_json[i], vmp_webhook_reconcile(client, bad_json[i], NULL),
              ONE_OF(VMP_ERR_INVALID_JSON, VMP_ERR_INVALID_ARGUMENT));
  BAD(vmp_webhook_reconcile(client, "{\"webhooks\":[{\"url\":\"gopher://x\"}]}", NULL),
      ONE_OF(VMP_ERR_INVALID_ARGUMENT, VMP_ERR_INVALID_JSON));
}

struct sweep {
  const char *function;
  void (*run)(void);
};

/* Functions swept together are listed with the same run; it runs once. */
static const struct sweep sweeps[] = {
  {"vmp_version", sweep_information}, {"vmp_status_str", sweep_information},
  {"vmp_state_str", sweep_information}, {"vmp_last_error", sweep_information},
  {"vmp_last_vipps_error", sweep_information},
  {"vmp_free", sweep_information}, {"vmp_log_level_str", sweep_information},
  {"vmp_scan_event_str", sweep_information}, {"vmp_code_kind_str", sweep_information},
  {"vmp_enrollment_state_str", sweep_information},
  {"vmp_init", sweep_init}, {"vmp_close", sweep_close}, {"vmp_simulator_url", sweep_simulator_url},
  {"vmp_start_checkout", sweep_start_checkout}, {"vmp_poll_status", sweep_poll_status},
  {"vmp_capture", sweep_capture}, {"vmp_refund", sweep_refund}, {"vmp_cancel", sweep_cancel},
  {"vmp_pending", sweep_pending}, {"vmp_recover", sweep_recover}, {"vmp_acknowledge", sweep_acknowledge},
  {"vmp_find_payments", sweep_find}, {"vmp_payment_totals", sweep_find},
  {"vmp_on_scan", sweep_on_scan}, {"vmp_next_scan", sweep_next_scan}, {"vmp_submit_scan", sweep_submit_scan},
  {"vmp_identify_customer", sweep_identify}, {"vmp_loyalty_check_in", sweep_check_in},
  {"vmp_start_enrollment", sweep_start_enrollment}, {"vmp_poll_enrollment", sweep_poll_enrollment},
  {"vmp_cancel_enrollment", sweep_cancel_enrollment},
  {"vmp_checkout_qr", sweep_checkout_qr}, {"vmp_attach_receipt", sweep_attach_receipt},
  {"vmp_receipt_warnings", sweep_receipt_warnings}, {"vmp_payment_events", sweep_payment_events},
  {"vmp_on_log", sweep_on_log}, {"vmp_next_log", sweep_next_log}, {"vmp_sales_unit", sweep_sales_unit},
  {"vmp_webhook_verify", sweep_webhook_verify}, {"vmp_webhook_handle", sweep_webhook_handle},
  {"vmp_webhook_receiver", sweep_webhook_receiver}, {"vmp_webhook_register", sweep_webhook_register},
  {"vmp_webhook_list", sweep_webhook_list}, {"vmp_webhook_delete", sweep_webhook_delete},
  {"vmp_webhook_reconcile", sweep_webhook_reconcile},
};
#define N_SWEEPS (sizeof sweeps / sizeof sweeps[0])

static void run_table(void) {
  size_t i, j;
  for (i = 0; i < N_SWEEPS; i++) {
    for (j = 0; j < i && sweeps[j].run != sweeps[i].run; j++) {
    }
    if (j == i) sweeps[i].run();
  }
}

/* ------------------------------------------------------------------------------------------
 * Part 2: random calls
 * ---------------------------------------------------------------------------------------- */

static unsigned long long seed;
static long iterations = 20000, threads_n = 4;
static double seconds = 60, deadline;
static vmp_client *volatile shared_client, *volatile shared_unit;
static long random_calls, random_failures, epoch_end;
#define N_RANDOM_FUNCTIONS 28
static long outcomes[N_RANDOM_FUNCTIONS][32]; /* per function, per status: what the calls reached */
static const char *random_names[N_RANDOM_FUNCTIONS] = {
  "vmp_init", "vmp_start_checkout", "vmp_poll_status", "vmp_capture", "vmp_refund", "vmp_cancel",
  "vmp_pending", "vmp_recover", "vmp_acknowledge", "vmp_on_scan", "vmp_next_scan", "vmp_submit_scan",
  "vmp_identify_customer", "vmp_loyalty_check_in", "vmp_start_enrollment", "vmp_poll_enrollment",
  "vmp_cancel_enrollment", "vmp_checkout_qr", "vmp_attach_receipt", "vmp_next_log", "vmp_sales_unit",
  "vmp_webhook_verify", "vmp_webhook_handle", "vmp_webhook_receiver", "vmp_webhook_register",
  "vmp_webhook_list", "vmp_webhook_reconcile", "vmp_on_log"};
static pthread_mutex_t random_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned long long next_random(unsigned long long *s) { /* splitmix64 */
  unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

#define PICK(rng, n) ((size_t)(next_random(rng) % (unsigned long long)(n)))

static const char *valid_json[] = {
  "{\"amount\":100,\"phone_number\":\"" PHONE "\"}",
  "{\"amount\":49900,\"currency\":\"NOK\",\"personal_qr\":\"https://qr.vipps.no/p/sim-4791234567\",\"description\":\"Milk\"}",
  "{\"amount\":12000,\"flow\":\"qr\"}",
  "{\"phone_number\":\"4790000011\",\"scopes\":[\"name\",\"email\"],\"binding_message\":\"AB-123\"}",
  "{\"url\":\"https://pos.example.com/hook\",\"events\":[\"epayments.payment.authorized.v1\"]}",
  "{\"webhooks\":[{\"url\":\"https://pos.example.com/hook\"}],\"managed_prefix\":\"https://pos.example.com/\"}",
  "{\"orderLines\":[{\"name\":\"Bag\",\"id\":\"bag\",\"totalAmount\":9900,\"totalAmountExcludingTax\":8609,"
  "\"totalTaxAmount\":1291,\"taxRate\":1500}],\"bottomLine\":{\"currency\":\"NOK\",\"receiptNumber\":\"1\"}}",
  "{\"simulator\":{\"approve_delay_ms\":0},\"store_id\":\"s\",\"pos_id\":\"p\",\"log_level\":\"off\"}",
};

/*
 * A JSON argument: NULL, a bad one, a valid one, or a valid one mutated at random (bytes
 * deleted, inserted, duplicated). Written into buf (NUL-terminated, never a NUL inside).
 */
static const char *random_json(unsigned long long *rng, char *buf, size_t size) {
  static const char noise[] = "{}[]\":,0123456789-.eE \\atfnu\x7f\xc3\xa9\xff\x01";
  size_t n, k, i, pos;
  switch (PICK(rng, 6)) {
    case 0: return NULL;
    case 1: return bad_json[PICK(rng, N_BAD_JSON)];
    case 2: return valid_json[PICK(rng, sizeof valid_json / sizeof valid_json[0])];
    default: break;
  }
  snprintf(buf, size, "%s", valid_json[PICK(rng, sizeof valid_json / sizeof valid_json[0])]);
  k = 1 + PICK(rng, 4);
  for (i = 0; i < k; i++) {
    n = strlen(buf);
    pos = n ? PICK(rng, n) : 0;
    switch (PICK(rng, 3)) {
      case 0: memmove(buf + pos, buf + pos + 1, n - pos); break; /* delete */
      case 1:
        if (n + 2 < size) { /* insert */
          memmove(buf + pos + 1, buf + pos, n - pos + 1);
          buf[pos] = noise[PICK(rng, sizeof noise - 1)];
        }
        break;
      default:
        if (n > pos + 1 && 2 * n < size) { /* duplicate the tail */
          memmove(buf + n, buf + pos, n - pos);
          buf[n + (n - pos)] = '\0';
        }
        break;
    }
  }
  return buf;
}

static const char *random_text_pool(unsigned long long *rng);

/* References of payments the random calls created, so later calls reach real payments too. */
static char known_refs[16][VMP_REFERENCE_SIZE];
static pthread_mutex_t known_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned known_next;

static void remember_ref(const char *ref) {
  pthread_mutex_lock(&known_mu);
  snprintf(known_refs[known_next++ % 16], VMP_REFERENCE_SIZE, "%s", ref);
  pthread_mutex_unlock(&known_mu);
}

static const char *random_text(unsigned long long *rng, char *ref_buf) {
  if (PICK(rng, 3) == 0) {
    pthread_mutex_lock(&known_mu);
    snprintf(ref_buf, VMP_REFERENCE_SIZE, "%s", known_refs[PICK(rng, 16)]);
    pthread_mutex_unlock(&known_mu);
    return ref_buf;
  }
  return random_text_pool(rng);
}

static const char *random_text_pool(unsigned long long *rng) {
  static const char *texts[] = {NULL, "", UNKNOWN_REF, "sweep-random-ref-0001", "short", REF_65, "\xff\xfe\xfd",
                                "https://qr.vipps.no/p/sim-4791234567", PHONE, "+47 912 34 567", "store-b",
                                "]Q1https://qr.vipps.no/p/sim-4791234567", "7038010009457", "no-such-id", "a\r\nb"};
  return texts[PICK(rng, sizeof texts / sizeof texts[0])];
}

static vmp_client *random_handle(unsigned long long *rng) {
  switch (PICK(rng, 6)) {
    case 0: case 1: return shared_client;
    case 2: return shared_unit;
    default: return bad_handle((int)PICK(rng, N_BAD_HANDLES));
  }
}

static int64_t random_amount(unsigned long long *rng) {
  static const int64_t a[] = {0, -1, 1, 100, 49900, 65000000, 65000001, INT64_MIN, INT64_MAX};
  return a[PICK(rng, sizeof a / sizeof a[0])];
}

/* Waits that never block for long: the random calls must not wait on the simulator's customers. */
static int32_t random_wait(unsigned long long *rng) {
  static const int32_t w[] = {0, 0, 1, -1, 600001, INT32_MIN, INT32_MAX};
  return w[PICK(rng, sizeof w / sizeof w[0])];
}

static size_t random_size(unsigned long long *rng, size_t needed) {
  size_t s[] = {0, 1, needed - 1, needed, needed + 7};
  return s[PICK(rng, 5)];
}

/* Callbacks count what reaches them; none may come after vmp_close returns. */
static long callback_events;
static pthread_mutex_t callback_mu = PTHREAD_MUTEX_INITIALIZER;

static void VMP_CALL counting_scan(void *user_data, const vmp_scan *scan) {
  (void)user_data;
  (void)scan;
  pthread_mutex_lock(&callback_mu);
  callback_events++;
  pthread_mutex_unlock(&callback_mu);
}

static void VMP_CALL counting_log(void *user_data, const vmp_log_record *record) {
  counting_scan(user_data, record == NULL ? NULL : NULL);
}

static long callbacks_so_far(void) {
  long n;
  pthread_mutex_lock(&callback_mu);
  n = callback_events;
  pthread_mutex_unlock(&callback_mu);
  return n;
}

/* One random call; returns 0 when its outcome breaks the rules. */
static int random_call(unsigned long long *rng, char *desc, size_t desc_size) {
  char jbuf[1024];
  char ref1[VMP_REFERENCE_SIZE], ref2[VMP_REFERENCE_SIZE];
  vmp_client *h = random_handle(rng);
  const char *s1 = random_text(rng, ref1), *j = NULL;
  vmp_status st = VMP_OK;
  size_t fn = PICK(rng, N_RANDOM_FUNCTIONS), size;
  unsigned char *buf = NULL;
  char *json = (char *)"untouched";
  int ok = 1;
  vmp_payment p = payment();
  vmp_client *to_close = NULL; /* released after the last error was read */
  uint8_t *to_free = NULL;
  snprintf(desc, desc_size, "function %u", (unsigned)fn);
  switch (fn) {
    case 0: {
      vmp_client *c = NULL;
      j = random_json(rng, jbuf, sizeof jbuf);
      st = vmp_init(j, &c);
      ok = (st == VMP_OK) == (c != NULL);
      to_close = c;
      snprintf(desc, desc_size, "vmp_init(%.300s)", j ? j : "NULL");
      break;
    }
    case 1:
      j = random_json(rng, jbuf, sizeof jbuf);
      size = random_size(rng, VMP_REFERENCE_SIZE);
      buf = gbuf(size);
      st = vmp_start_checkout(h, j, (char *)buf, size);
      if (st == VMP_OK) {
        UNPOISON(buf, size);
        remember_ref((const char *)buf);
      }
      ok = gbuf_release(buf, size, size) && (size >= VMP_REFERENCE_SIZE || st != VMP_OK);
      snprintf(desc, desc_size, "vmp_start_checkout(%.300s, size %u)", j ? j : "NULL", (unsigned)size);
      break;
    case 2: st = vmp_poll_status(h, s1, random_wait(rng), PICK(rng, 4) ? &p : NULL); break;
    case 3: st = vmp_capture(h, s1, random_amount(rng), random_text(rng, ref2), PICK(rng, 2) ? &p : NULL); break;
    case 4: st = vmp_refund(h, s1, random_amount(rng), random_text(rng, ref2), PICK(rng, 2) ? &p : NULL); break;
    case 5: st = vmp_cancel(h, s1, (uint32_t)PICK(rng, 4), random_text(rng, ref2), PICK(rng, 2) ? &p : NULL); break;
    case 6:
      st = vmp_pending(h, PICK(rng, 5) ? &json : NULL);
      break;
    case 7: st = vmp_recover(h, random_wait(rng), PICK(rng, 2) ? &json : NULL); break;
    case 8: st = vmp_acknowledge(h, s1); break;
    case 9: st = vmp_on_scan(h, PICK(rng, 2) ? counting_scan : NULL, NULL); break;
    case 10: {
      vmp_scan sc;
      memset(&sc, 0, sizeof sc);
      sc.struct_size = PICK(rng, 5) ? sizeof sc : 8;
      size = random_size(rng, 64);
      buf = gbuf(size);
      st = vmp_next_scan(h, random_wait(rng), &sc, (char *)buf, size);
      ok = gbuf_release(buf, size, size);
      break;
    }
    case 11: st = vmp_submit_scan(h, s1); break;
    case 12:
      size = random_size(rng, VMP_MSISDN_SIZE);
      buf = gbuf(size);
      st = vmp_identify_customer(h, s1, (char *)buf, size);
      ok = gbuf_release(buf, size, size);
      break;
    case 13: st = vmp_loyalty_check_in(h, s1, (int32_t)PICK(rng, 3) - 1); break;
    case 14:
      j = random_json(rng, jbuf, sizeof jbuf);
      size = random_size(rng, VMP_ENROLLMENT_ID_SIZE);
      buf = gbuf(size);
      st = vmp_start_enrollment(h, j, (char *)buf, size);
      ok = gbuf_release(buf, size, size);
      snprintf(desc, desc_size, "vmp_start_enrollment(%.300s, size %u)", j ? j : "NULL", (unsigned)size);
      break;
    case 15: {
      vmp_enrollment_state es;
      st = vmp_poll_enrollment(h, s1, random_wait(rng), &es, PICK(rng, 2) ? &json : NULL);
      break;
    }
    case 16: st = vmp_cancel_enrollment(h, s1); break;
    case 17: {
      uint8_t *out = NULL;
      size_t len = 0;
      st = vmp_checkout_qr(h, s1, (int32_t)PICK(rng, 5) - 1, (int32_t)PICK(rng, 300), &out, &len);
      ok = (st == VMP_OK) == (out != NULL);
      to_free = out;
      break;
    }
    case 18:
      j = random_json(rng, jbuf, sizeof jbuf);
      st = vmp_attach_receipt(h, s1, j);
      snprintf(desc, desc_size, "vmp_attach_receipt(%.300s)", j ? j : "NULL");
      break;
    case 19: {
      vmp_log_record r;
      memset(&r, 0, sizeof r);
      r.struct_size = sizeof r;
      size = random_size(rng, 200);
      buf = gbuf(size);
      st = vmp_next_log(h, random_wait(rng), &r, (char *)buf, size);
      ok = st != VMP_OK || (r.component != NULL && r.message != NULL && r.fields_json != NULL);
      ok = gbuf_release(buf, size, size) && ok;
      break;
    }
    case 20: {
      vmp_client *u = NULL;
      st = vmp_sales_unit(h, s1, &u);
      ok = (st == VMP_OK) == (u != NULL);
      to_close = u;
      break;
    }
    case 21: {
      vmp_webhook_delivery d = delivery();
      if (PICK(rng, 2)) d.body = (const uint8_t *)s1, d.body_len = s1 ? strlen(s1) : 0;
      st = vmp_webhook_verify(s1, &d, random_wait(rng));
      break;
    }
    case 22: {
      vmp_webhook_delivery d = delivery();
      j = random_json(rng, jbuf, sizeof jbuf);
      d.body = (const uint8_t *)j, d.body_len = j ? strlen(j) : 0;
      st = vmp_webhook_handle(h, &d);
      break;
    }
    case 23: st = vmp_webhook_receiver(h, PICK(rng, 5) ? &json : NULL); break;
    case 24:
      j = random_json(rng, jbuf, sizeof jbuf);
      st = vmp_webhook_register(h, j, PICK(rng, 2) ? &json : NULL);
      snprintf(desc, desc_size, "vmp_webhook_register(%.300s)", j ? j : "NULL");
      break;
    case 25: st = vmp_webhook_list(h, PICK(rng, 5) ? &json : NULL); break;
    case 27: st = vmp_on_log(h, PICK(rng, 2) ? counting_log : NULL, NULL); break;
    default:
      j = random_json(rng, jbuf, sizeof jbuf);
      st = vmp_webhook_reconcile(h, j, PICK(rng, 2) ? &json : NULL);
      snprintf(desc, desc_size, "vmp_webhook_reconcile(%.300s)", j ? j : "NULL");
      break;
  }
  {
    const char *err = vmp_last_error();
    ok = ok && known_status(st) && st != VMP_ERR_INTERNAL && (st == VMP_OK ? err[0] == '\0' : err[0] != '\0');
    if (!ok) {
      size_t n = strlen(desc);
      snprintf(desc + n, desc_size - n, " [s1=%s] -> %s: %s", s1 ? s1 : "NULL", vmp_status_str(st), err);
    }
  }
  if (known_status(st) && st >= 0 && st < 32) {
    pthread_mutex_lock(&random_mu);
    outcomes[fn][st]++;
    pthread_mutex_unlock(&random_mu);
  }
  if (json != NULL && json != (char *)"untouched") vmp_free(json);
  vmp_free(to_free);
  vmp_close(to_close);
  return ok;
}

static void *random_worker(void *arg) {
  unsigned long long rng = seed + 0x1000 * (unsigned long long)(uintptr_t)arg;
  char desc[2048];
  for (;;) {
    int ok;
    pthread_mutex_lock(&random_mu);
    if (random_calls >= epoch_end || now_s() >= deadline) {
      pthread_mutex_unlock(&random_mu);
      return NULL;
    }
    pthread_mutex_unlock(&random_mu);
    ok = random_call(&rng, desc, sizeof desc);
    pthread_mutex_lock(&random_mu);
    random_calls++;
    if (!ok) {
      random_failures++;
      check(0, "random call: %s", desc);
    }
    pthread_mutex_unlock(&random_mu);
  }
  return NULL;
}

/*
 * The random calls run in epochs of EPOCH calls: each opens a client and a unit handle, lets the
 * threads loose on them, and part-way closes the unit handle and then the client under the
 * running calls.
 */
#define EPOCH 2000L

static void *close_thread(void *c) {
  vmp_close((vmp_client *)c);
  return NULL;
}

static long calls_so_far(void) {
  long n;
  pthread_mutex_lock(&random_mu);
  n = random_calls;
  pthread_mutex_unlock(&random_mu);
  return n;
}

static void run_random(void) {
  pthread_t t[64];
  long i, epoch, epochs = (iterations + EPOCH - 1) / EPOCH;
  printf("# random calls: seed %llu, %ld calls from %ld threads, at most %.0f s\n", seed, iterations, threads_n, seconds);
  deadline = now_s() + seconds;
  for (epoch = 0; epoch < epochs && now_s() < deadline; epoch++) {
    vmp_client *c = NULL, *u = NULL;
    long start = calls_so_far();
    if (!check(vmp_init(SIM_CONFIG, &c) == VMP_OK && vmp_sales_unit(c, "store-b", &u) == VMP_OK,
               "a client for epoch %ld of the random calls", epoch))
      return;
    shared_client = c;
    shared_unit = u;
    pthread_mutex_lock(&random_mu);
    epoch_end = start + EPOCH;
    pthread_mutex_unlock(&random_mu);
    for (i = 0; i < threads_n; i++) pthread_create(&t[i], NULL, random_worker, (void *)(uintptr_t)(epoch * 64 + i + 1));
    while (now_s() < deadline && calls_so_far() < start + EPOCH / 2) sleep_ms(2);
    vmp_close(u);
    while (now_s() < deadline && calls_so_far() < start + 3 * EPOCH / 4) sleep_ms(2);
    {
      /* Closed from two threads at once; once vmp_close has returned no callback may run. */
      pthread_t closer;
      long after;
      pthread_create(&closer, NULL, close_thread, c);
      vmp_close(c);
      pthread_join(closer, NULL);
      after = callbacks_so_far();
      for (i = 0; i < threads_n; i++) pthread_join(t[i], NULL);
      sleep_ms(50);
      if (!check(callbacks_so_far() == after, "epoch %ld: no callback after vmp_close returned (%ld, then %ld)", epoch,
                 after, callbacks_so_far()))
        random_failures++;
    }
  }
  for (i = 0; i < N_RANDOM_FUNCTIONS; i++) {
    int st;
    printf("#   %-22s", random_names[i]);
    for (st = 0; st < 32; st++)
      if (outcomes[i][st] > 0) printf(" %s %ld", vmp_status_str(st) + (st == 0 ? 4 : 8), outcomes[i][st]);
    putchar('\n');
  }
  check(random_failures == 0, "%ld random calls in %ld epochs, %ld broke a rule", random_calls, epoch, random_failures);
}

/* ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  int i;
  size_t k;
  double t0 = now_s();
  const char *env;

  if ((env = getenv("SWEEP_SEED")) != NULL) seed = strtoull(env, NULL, 10);
  else seed = (unsigned long long)time(NULL);
  if ((env = getenv("SWEEP_ITERATIONS")) != NULL) iterations = atol(env);
  if ((env = getenv("SWEEP_SECONDS")) != NULL) seconds = atof(env);
  if ((env = getenv("SWEEP_THREADS")) != NULL) threads_n = atol(env);
  if (threads_n < 1 || threads_n > 64) threads_n = 4;
  printf("# sweep seed %llu (SWEEP_SEED=%llu replays it)\n", seed, seed);

  /* Every function of vmp.h has a sweep. */
  for (i = 1; i < argc; i++) {
    for (k = 0; k < N_SWEEPS && strcmp(sweeps[k].function, argv[i]) != 0; k++) {
    }
    check(k < N_SWEEPS, "%s has a sweep", argv[i]);
  }
  check(argc > 1 || getenv("SWEEP_NO_LIST") != NULL, "the functions of vmp.h were given (scripts/from-header.sh functions)");

  if (!check(vmp_init(SIM_CONFIG, &closed) == VMP_OK && vmp_init(SIM_CONFIG, &client) == VMP_OK &&
                 vmp_sales_unit(client, "store-b", &unit) == VMP_OK &&
                 vmp_sales_unit(closed, "store-b", &orphan_unit) == VMP_OK,
             "clients and unit handles for the sweep"))
    return check_summary();
  vmp_close(closed);

  run_table();
  vmp_close(orphan_unit);
  vmp_close(unit);
  vmp_close(client);
  run_random();

  printf("# %.1f s\n", now_s() - t0);
  return check_summary();
}
