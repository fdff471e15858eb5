/*
 * scan_test.c - the barcode-scanner part of include/vmp.h through the built libvmp.so:
 * vmp_on_scan, vmp_next_scan, vmp_submit_scan, vmp_scan_event_str and vmp_code_kind_str.
 * A pseudo-terminal made here stands in for the USB scanner: the library opens its terminal
 * side through its real serial driver while this test writes scans into the other side -
 * byte by byte, in bursts and in pieces - then unplugs it and plugs in another at the same
 * (symlinked) path. Each check prints one line; the last line is "<n> passed, <m> failed" and
 * the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#define _XOPEN_SOURCE 700

#include "vmp.h"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FORGED ((vmp_client *)(uintptr_t)0xdeadbeef)
#define WAIT_MS 10000 /* bounds every wait for an event; only a missing event fails */
#define TOKEN_QR "https://qr.vipps.no/p/sim-4791234567"
#define LEGACY_QR "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
#define EAN13 "7038010055720"

static vmp_scan new_scan(void) {
  vmp_scan s;
  memset(&s, 0, sizeof s);
  s.struct_size = sizeof s;
  return s;
}

/* ------------------------------------------------------------------------------------------
 * A pseudo-terminal standing in for the scanner
 * ---------------------------------------------------------------------------------------- */

typedef struct pty {
  int master;
  char path[64];
} pty;

static int pty_open(pty *p) {
  const char *name;
  p->master = posix_openpt(O_RDWR | O_NOCTTY);
  if (p->master < 0 || grantpt(p->master) != 0 || unlockpt(p->master) != 0) return 0;
  name = ptsname(p->master);
  if (name == NULL || strlen(name) >= sizeof p->path) return 0;
  strcpy(p->path, name);
  return 1;
}

static void pty_send(pty *p, const char *bytes, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(p->master, bytes + done, n - done);
    if (w <= 0) break;
    done += (size_t)w;
  }
}

static void pty_send_str(pty *p, const char *s) { pty_send(p, s, strlen(s)); }

/* Points link at p's terminal, atomically (like a /dev/serial/by-id name). */
static int pty_link(pty *p, const char *link) {
  char tmp[256];
  snprintf(tmp, sizeof tmp, "%s.tmp", link);
  unlink(tmp);
  return symlink(p->path, tmp) == 0 && rename(tmp, link) == 0;
}

/* Pulls the next event, waiting up to WAIT_MS. */
static vmp_status next(vmp_client *c, vmp_scan *s, char *text, size_t size) {
  *s = new_scan();
  return vmp_next_scan(c, WAIT_MS, s, text, size);
}

static int expect_code(vmp_client *c, const char *want_text, const char *want_aim,
                       vmp_code_kind want_kind) {
  vmp_scan s;
  char text[512];
  vmp_status st = next(c, &s, text, sizeof text);
  return check(st == VMP_OK && s.event == VMP_SCAN_CODE && s.kind == want_kind &&
                   s.text == text && s.text_len == strlen(want_text) &&
                   strcmp(text, want_text) == 0 && strcmp(s.aim_id, want_aim) == 0,
               "pulled %s %s aim \"%s\" text \"%s\" (want CODE %s aim \"%s\" text \"%s\")",
               vmp_scan_event_str(s.event), vmp_code_kind_str(s.kind), s.aim_id,
               st == VMP_OK ? text : vmp_status_str(st), vmp_code_kind_str(want_kind), want_aim,
               want_text);
}

static int expect_event(vmp_client *c, vmp_scan_event want) {
  vmp_scan s;
  char text[512];
  vmp_status st = next(c, &s, text, sizeof text);
  return check(st == VMP_OK && s.event == want, "pulled %s \"%s\" (want %s)",
               vmp_scan_event_str(s.event), st == VMP_OK ? text : vmp_status_str(st),
               vmp_scan_event_str(want));
}

static vmp_client *init_with_port(const char *port, const char *extra) {
  char config[512];
  vmp_client *c = NULL;
  snprintf(config, sizeof config,
           "{\"simulator\":{\"approve_delay_ms\":0},\"scanner\":{\"port\":\"%s\","
           "\"inter_byte_timeout_ms\":5000%s}}",
           port, extra);
  check(vmp_init(config, &c) == VMP_OK && c != NULL, "vmp_init with scanner port %s", port);
  return c;
}

/* ------------------------------------------------------------------------------------------
 * Arguments
 * ---------------------------------------------------------------------------------------- */

static void noop_scan(void *user_data, const vmp_scan *scan) {
  (void)user_data;
  (void)scan;
}

static void test_arguments(void) {
  vmp_client *c = NULL;
  vmp_scan s = new_scan();
  char text[64];
  char long_code[2100];

  check(strcmp(vmp_scan_event_str(VMP_SCAN_DISCONNECTED), "DISCONNECTED") == 0 &&
            strcmp(vmp_scan_event_str(99), "UNKNOWN") == 0 &&
            strcmp(vmp_code_kind_str(VMP_CODE_VIPPS_TOKEN_QR), "VIPPS_TOKEN_QR") == 0 &&
            strcmp(vmp_code_kind_str(-1), "UNKNOWN") == 0,
        "vmp_scan_event_str and vmp_code_kind_str name values and unknowns");
  check(VMP_CODE_IS_PERSONAL_QR(VMP_CODE_VIPPS_LEGACY_QR) && !VMP_CODE_IS_PERSONAL_QR(VMP_CODE_EAN13) &&
            VMP_CODE_IS_PRODUCT(VMP_CODE_CODE128) && !VMP_CODE_IS_PRODUCT(VMP_CODE_OTHER),
        "VMP_CODE_IS_PERSONAL_QR and VMP_CODE_IS_PRODUCT");

  EXPECT(vmp_on_scan(NULL, noop_scan, NULL), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_on_scan(FORGED, NULL, NULL), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_next_scan(NULL, 0, &s, text, sizeof text), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_next_scan(FORGED, 0, &s, text, sizeof text), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_submit_scan(NULL, EAN13), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_submit_scan(FORGED, EAN13), VMP_ERR_INVALID_HANDLE, NULL);

  if (!check(vmp_init("{}", &c) == VMP_OK, "vmp_init without a scanner")) return;
  EXPECT(vmp_next_scan(c, 0, NULL, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_scan(c, 0, &s, NULL, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_scan(c, 0, &s, text, 0), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_scan(c, -1, &s, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_next_scan(c, 600001, &s, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  s.struct_size = 8;
  EXPECT(vmp_next_scan(c, 0, &s, text, sizeof text), VMP_ERR_INVALID_ARGUMENT, NULL);
  s = new_scan();
  EXPECT(vmp_next_scan(c, 0, &s, text, sizeof text), VMP_OK, NULL);
  check(s.event == VMP_SCAN_NONE && s.text_len == 0 && s.text == text && text[0] == '\0',
        "an empty queue gives VMP_SCAN_NONE at once");
  EXPECT(vmp_next_scan(c, 20, &s, text, sizeof text), VMP_OK, NULL);
  check(s.event == VMP_SCAN_NONE, "and again after waiting 20 ms");

  EXPECT(vmp_submit_scan(c, NULL), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_submit_scan(c, ""), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_submit_scan(c, "\r\n"), VMP_ERR_INVALID_ARGUMENT, NULL);
  EXPECT(vmp_submit_scan(c, EAN13 "\r\n" EAN13), VMP_ERR_INVALID_ARGUMENT, NULL);
  memset(long_code, '4', sizeof long_code - 1);
  long_code[sizeof long_code - 1] = '\0';
  EXPECT(vmp_submit_scan(c, long_code), VMP_ERR_INVALID_ARGUMENT, NULL);
  check(strstr(vmp_last_error(), "4444444") == NULL, "the error text does not repeat the code");

  /* A wedge scanner's input takes the same path: Enter, AIM id stripped, classified. */
  EXPECT(vmp_submit_scan(c, "]Q1" TOKEN_QR "\r\n"), VMP_OK, NULL);
  s = new_scan();
  EXPECT(vmp_next_scan(c, 0, &s, text, 8), VMP_ERR_BUFFER_TOO_SMALL, NULL);
  check(s.text_len == strlen(TOKEN_QR) && s.event == VMP_SCAN_NONE,
        "a too-small buffer gives the length needed (%zu) and leaves the rest untouched",
        s.text_len);
  expect_code(c, TOKEN_QR, "]Q1", VMP_CODE_VIPPS_TOKEN_QR);
  {
    /* A caller built against a newer, larger vmp_scan keeps its extra bytes. */
    struct {
      vmp_scan scan;
      unsigned char future[16];
    } big;
    memset(&big, 0xAB, sizeof big);
    big.scan.struct_size = sizeof big;
    EXPECT(vmp_submit_scan(c, EAN13), VMP_OK, NULL);
    EXPECT(vmp_next_scan(c, 0, &big.scan, text, sizeof text), VMP_OK, NULL);
    check(big.scan.struct_size == sizeof big && big.future[0] == 0xAB && big.future[15] == 0xAB &&
              big.scan.source == VMP_SCAN_SOURCE_SUBMITTED && big.scan.kind == VMP_CODE_EAN13,
          "a larger struct_size is kept and the bytes past vmp_scan are untouched");
  }
  vmp_close(c);
  EXPECT(vmp_submit_scan(c, EAN13), VMP_ERR_INVALID_HANDLE, NULL);
  EXPECT(vmp_on_scan(c, noop_scan, NULL), VMP_ERR_INVALID_HANDLE, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Scans through a pseudo-terminal, pulled
 * ---------------------------------------------------------------------------------------- */

static void test_pty_pull(void) {
  pty p;
  vmp_client *c;
  const char *frames = "]Q1" TOKEN_QR "\r\n]E0" EAN13 "\r" LEGACY_QR "\n]C1ABC-123\r\n";
  size_t i;
  int round;

  if (!check(pty_open(&p), "a pseudo-terminal to stand in for the scanner")) return;
  c = init_with_port(p.path, "");
  if (c == NULL) return;
  for (round = 0; round < 3; round++) {
    switch (round) {
      case 0: /* one byte per write */
        for (i = 0; frames[i] != '\0'; i++) pty_send(&p, frames + i, 1);
        break;
      case 1: /* everything at once */
        pty_send_str(&p, frames);
        break;
      default: /* pieces that cut AIM ids, codes and CRLF */
        pty_send_str(&p, "]");
        pty_send_str(&p, "Q1https://qr.vip");
        pty_send_str(&p, "ps.no/p/sim-4791234567\r");
        pty_send_str(&p, "\n]E0703801");
        pty_send_str(&p, "0055720\r" LEGACY_QR "\n]C");
        pty_send_str(&p, "1ABC-123\r\n");
    }
    check(1, "round %d written", round);
    expect_code(c, TOKEN_QR, "]Q1", VMP_CODE_VIPPS_TOKEN_QR);
    expect_code(c, EAN13, "]E0", VMP_CODE_EAN13);
    expect_code(c, LEGACY_QR, "", VMP_CODE_VIPPS_LEGACY_QR);
    expect_code(c, "ABC-123", "]C1", VMP_CODE_CODE128);
  }
  vmp_close(c);
  close(p.master);
}

/* ------------------------------------------------------------------------------------------
 * Scans through a pseudo-terminal, to the callback
 * ---------------------------------------------------------------------------------------- */

#define CALLBACK_SCANS 50

typedef struct collector {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  int count;
  int in_order;
  int wrong_thread;
  int after_close;
  int closed;
  int unregister_at; /* unregister from inside the callback at this count (0: never) */
  vmp_client *client;
  pthread_t main_thread;
  uint64_t last_sequence;
  char last_text[512];
} collector;

static void collect_scan(void *user_data, const vmp_scan *scan) {
  collector *col = (collector *)user_data;
  int unregister;
  pthread_mutex_lock(&col->mu);
  if (col->closed) col->after_close++;
  if (pthread_equal(pthread_self(), col->main_thread)) col->wrong_thread++;
  if (scan->event == VMP_SCAN_CODE) {
    col->count++;
    if (scan->sequence <= col->last_sequence || scan->struct_size != sizeof *scan) col->in_order = 0;
    col->last_sequence = scan->sequence;
    snprintf(col->last_text, sizeof col->last_text, "%.*s", (int)scan->text_len, scan->text);
  }
  unregister = col->unregister_at != 0 && col->count == col->unregister_at;
  pthread_cond_broadcast(&col->cond);
  pthread_mutex_unlock(&col->mu);
  if (unregister) /* would deadlock if vmp_on_scan waited for this very callback */
    check(vmp_on_scan(col->client, NULL, NULL) == VMP_OK, "vmp_on_scan(NULL) from inside the callback");
}

static int wait_count(collector *col, int want) {
  struct timespec deadline;
  int got;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += WAIT_MS / 1000;
  pthread_mutex_lock(&col->mu);
  while (col->count < want &&
         pthread_cond_timedwait(&col->cond, &col->mu, &deadline) == 0) {
  }
  got = col->count;
  pthread_mutex_unlock(&col->mu);
  return got;
}

static void test_pty_callback(void) {
  pty p;
  vmp_client *c;
  collector col;
  char burst[CALLBACK_SCANS * 16];
  size_t n = 0;
  int i;

  if (!check(pty_open(&p), "a pseudo-terminal for the callback test")) return;
  c = init_with_port(p.path, "");
  if (c == NULL) return;
  memset(&col, 0, sizeof col);
  pthread_mutex_init(&col.mu, NULL);
  pthread_cond_init(&col.cond, NULL);
  col.in_order = 1;
  col.client = c;
  col.main_thread = pthread_self();
  col.unregister_at = CALLBACK_SCANS + 1;
  EXPECT(vmp_on_scan(c, collect_scan, &col), VMP_OK, NULL);
  for (i = 0; i < CALLBACK_SCANS; i++) n += (size_t)sprintf(burst + n, "]C0ITEM-%03d\r\n", i);
  pty_send(&p, burst, n);
  check(wait_count(&col, CALLBACK_SCANS) == CALLBACK_SCANS, "the callback got all %d scans of one burst", CALLBACK_SCANS);
  pthread_mutex_lock(&col.mu);
  check(col.in_order && col.wrong_thread == 0 && strcmp(col.last_text, "ITEM-049") == 0,
        "in order, on a library thread, the last one \"%s\"", col.last_text);
  pthread_mutex_unlock(&col.mu);

  /* The next scan unregisters from inside the callback; the one after waits for a puller. */
  pty_send_str(&p, EAN13 "\r\n");
  check(wait_count(&col, CALLBACK_SCANS + 1) == CALLBACK_SCANS + 1, "the callback got the next scan");
  pty_send_str(&p, "96385074\r\n");
  expect_code(c, "96385074", "", VMP_CODE_EAN8);
  check(wait_count(&col, CALLBACK_SCANS + 1) == CALLBACK_SCANS + 1, "no callback after it unregistered itself");

  /* Registered again; vmp_close waits for it and it is never called afterwards. */
  col.unregister_at = 0;
  EXPECT(vmp_on_scan(c, collect_scan, &col), VMP_OK, NULL);
  pty_send_str(&p, EAN13 "\n" EAN13 "\n" EAN13 "\n");
  vmp_close(c);
  pthread_mutex_lock(&col.mu);
  col.closed = 1;
  pthread_mutex_unlock(&col.mu);
  pty_send_str(&p, EAN13 "\n");
  sleep_ms(50);
  pthread_mutex_lock(&col.mu);
  check(col.after_close == 0, "no callback after vmp_close returned");
  pthread_mutex_unlock(&col.mu);
  close(p.master);
  pthread_mutex_destroy(&col.mu);
  pthread_cond_destroy(&col.cond);
}

/* ------------------------------------------------------------------------------------------
 * Unplug and plug in again; a waiting puller ends at vmp_close; a scanned QR pays
 * ---------------------------------------------------------------------------------------- */

static void test_unplug(void) {
  char dir[] = "/tmp/vmp-scan-XXXXXX";
  char link[128];
  pty first, second;
  vmp_client *c;

  if (mkdtemp(dir) == NULL || !check(pty_open(&first), "a first scanner")) return;
  snprintf(link, sizeof link, "%s/usb-scanner", dir);
  pty_link(&first, link);
  c = init_with_port(link, ",\"reconnect_max_ms\":200");
  if (c == NULL) return;
  pty_send_str(&first, EAN13 "\r\n");
  expect_code(c, EAN13, "", VMP_CODE_EAN13);
  close(first.master); /* unplugged */
  expect_event(c, VMP_SCAN_DISCONNECTED);
  if (check(pty_open(&second), "a scanner plugged in again") && pty_link(&second, link)) {
    expect_event(c, VMP_SCAN_RECONNECTED);
    pty_send_str(&second, "]Q1" TOKEN_QR "\r\n");
    expect_code(c, TOKEN_QR, "]Q1", VMP_CODE_VIPPS_TOKEN_QR);
    close(second.master);
  }
  vmp_close(c);
  unlink(link);
  rmdir(dir);
}

typedef struct waiter {
  vmp_client *client;
  vmp_status status;
} waiter;

static void *wait_for_scan(void *arg) {
  waiter *w = (waiter *)arg;
  vmp_scan s = new_scan();
  char text[64];
  w->status = vmp_next_scan(w->client, 60000, &s, text, sizeof text);
  return NULL;
}

static void test_close_ends_wait(void) {
  waiter w;
  pthread_t t;
  w.status = -1;
  if (!check(vmp_init("{}", &w.client) == VMP_OK, "vmp_init for the close test")) return;
  pthread_create(&t, NULL, wait_for_scan, &w);
  sleep_ms(50);
  vmp_close(w.client);
  pthread_join(t, NULL);
  check(w.status == VMP_ERR_INVALID_HANDLE, "vmp_close ends a vmp_next_scan waiting on another thread (%s)",
        vmp_status_str(w.status));
}

static void test_scanned_qr_pays(void) {
  pty p;
  vmp_client *c;
  vmp_scan s;
  char text[512], json[700], ref[VMP_REFERENCE_SIZE];
  vmp_payment pay;
  vmp_status st;

  if (!check(pty_open(&p), "a scanner for the payment")) return;
  c = init_with_port(p.path, "");
  if (c == NULL) return;
  pty_send_str(&p, "]Q1" TOKEN_QR "\r\n");
  st = next(c, &s, text, sizeof text);
  if (check(st == VMP_OK && VMP_CODE_IS_PERSONAL_QR(s.kind), "the customer's QR arrives as %s",
            vmp_code_kind_str(s.kind))) {
    snprintf(json, sizeof json, "{\"amount\":49900,\"personal_qr\":\"%s\"}", text);
    EXPECT(vmp_start_checkout(c, json, ref, sizeof ref), VMP_OK, NULL);
    memset(&pay, 0, sizeof pay);
    pay.struct_size = sizeof pay;
    EXPECT(vmp_poll_status(c, ref, WAIT_MS, &pay), VMP_OK, NULL);
    check(pay.state == VMP_STATE_AUTHORIZED, "the payment for the scanned QR is %s",
          vmp_state_str(pay.state));
  }
  vmp_close(c);
  close(p.master);
}

int main(void) {
  test_arguments();
  test_pty_pull();
  test_pty_callback();
  test_unplug();
  test_close_ends_wait();
  test_scanned_qr_pays();
  return check_summary();
}
