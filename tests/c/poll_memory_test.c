/*
 * poll_memory_test.c - vmp_poll_status with wait 0 for a payment the library knows, which C
 * answers from its own copy without entering Go (capi/wall_snapshot.c): it must answer exactly
 * what Go would - the state after each capture and refund at once, a sales unit's payments
 * through the unit's handle, nothing through a closed handle, the argument errors as before, a
 * caller's larger struct left intact beyond this version's fields - and never a torn payment
 * while captures change it under 8 polling threads; and it answers while more calls wait in Go
 * than the library has workers, which a close still ends at once. Each check prints one line; the last line is
 * "<n> passed, <m> failed" and the exit status is non-zero on any failure.
 *
 * Build and run: tests/c/run.sh
 */
#include "vmp.h"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONFIG                                                                                           \
  "{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":0},\"log_level\":\"off\","        \
  "\"sales_units\":[{\"name\":\"oslo\",\"msn\":\"765432\"}]}"
#define AMOUNT 10000
#define POLLERS 8

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

static int paid(vmp_client *c, long long amount, char ref[VMP_REFERENCE_SIZE]) {
  char json[128];
  vmp_payment p = new_payment();
  snprintf(json, sizeof json, "{\"amount\":%lld,\"phone_number\":\"4791234567\"}", amount);
  return vmp_start_checkout(c, json, ref, VMP_REFERENCE_SIZE) == VMP_OK && vmp_poll_status(c, ref, 10000, &p) == VMP_OK &&
         p.state == VMP_STATE_AUTHORIZED;
}

/* ---- polls while captures change the payment ---------------------------------------------- */

static vmp_client *client;
static char shared_ref[VMP_REFERENCE_SIZE];
static int stop; /* atomic */
static long torn, polls, not_ok;

static void *poller(void *arg) {
  int64_t last = 0;
  (void)arg;
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    vmp_payment p = new_payment();
    if (vmp_poll_status(client, shared_ref, 0, &p) != VMP_OK) {
      __atomic_add_fetch(&not_ok, 1, __ATOMIC_RELAXED);
      continue;
    }
    __atomic_add_fetch(&polls, 1, __ATOMIC_RELAXED);
    /* Never backwards, never more captured than authorized, always this payment. */
    if (p.captured_amount < last || p.captured_amount > p.authorized_amount || p.amount != AMOUNT ||
        strcmp(p.reference, shared_ref) != 0)
      __atomic_add_fetch(&torn, 1, __ATOMIC_RELAXED);
    last = p.captured_amount;
  }
  return NULL;
}

static void test_concurrent(void) {
  pthread_t t[POLLERS];
  int i, steps = 0;
  vmp_payment p;
  if (!check(paid(client, AMOUNT, shared_ref), "a payment for the pollers")) return;
  for (i = 0; i < POLLERS; i++) pthread_create(&t[i], NULL, poller, NULL);
  for (i = 1; i <= 4; i++) { /* Vipps allows 5 changes of a payment a minute, its creation one */
    char op[32];
    vmp_payment q = new_payment();
    snprintf(op, sizeof op, "step-%d", i);
    if (!check(vmp_capture(client, shared_ref, AMOUNT / 4, op, &q) == VMP_OK, "capture %d of 4: %s", i, vmp_last_error()))
      break;
    p = new_payment();
    /* What the capture returned is what the next poll from memory says, on this thread. */
    if (vmp_poll_status(client, shared_ref, 0, &p) == VMP_OK && p.captured_amount == q.captured_amount) steps++;
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
  for (i = 0; i < POLLERS; i++) pthread_join(t[i], NULL);
  check(steps == 4, "after each capture, the next poll from memory shows it (%d of 4)", steps);
  check(torn == 0 && not_ok == 0 && polls > 0, "%d threads polling from memory during the captures: %ld polls, %ld torn or backwards, %ld failed",
        POLLERS, polls, torn, not_ok);
}

/* ---- answered while every worker is busy -------------------------------------------------- */

/* More calls waiting in Go than the pool has workers (WALL_MAX_WORKERS, 512): every worker is
 * taken and the rest queue. A wait-0 poll of a payment C knows must still answer at once, since
 * it never needs a worker. That is checked by order, not by time: the waiting calls end only when
 * their client is closed after the poll answered, or at their own timeout - which a poll that
 * queued for a worker would wait for, and then the order is wrong. The close that ends them is
 * a call too, and must not queue behind them either. */
#define BUSY_CALLERS 600
#define BUSY_WAIT_MS 30000

static vmp_client *busy_client;
static char busy_ref[VMP_REFERENCE_SIZE];
static int busy_started, busy_ended_before_poll, busy_not_by_close, poll_answered; /* atomic */

static void *busy_caller(void *arg) {
  vmp_payment p = new_payment();
  (void)arg;
  __atomic_add_fetch(&busy_started, 1, __ATOMIC_SEQ_CST);
  if (vmp_poll_status(busy_client, busy_ref, BUSY_WAIT_MS, &p) != VMP_ERR_INVALID_HANDLE)
    __atomic_add_fetch(&busy_not_by_close, 1, __ATOMIC_SEQ_CST);
  if (!__atomic_load_n(&poll_answered, __ATOMIC_SEQ_CST)) __atomic_add_fetch(&busy_ended_before_poll, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void test_answered_while_workers_are_busy(const char *known_ref) {
  static pthread_t t[BUSY_CALLERS];
  pthread_attr_t small;
  struct timespec settle = {0, 300 * 1000 * 1000};
  vmp_payment p = new_payment();
  int i, started = 0;
  const char *cfg = "{\"environment\":\"simulator\",\"simulator\":{\"approve_delay_ms\":600000},\"log_level\":\"off\"}";
  if (!check(vmp_init(cfg, &busy_client) == VMP_OK, "a second client whose customers never answer: %s", vmp_last_error())) return;
  if (!check(vmp_start_checkout(busy_client, "{\"amount\":100,\"phone_number\":\"4791234567\"}", busy_ref, sizeof busy_ref) == VMP_OK,
             "a payment nobody answers: %s", vmp_last_error()))
    return;
  pthread_attr_init(&small);
  pthread_attr_setstacksize(&small, 256 * 1024);
  for (i = 0; i < BUSY_CALLERS; i++) started += pthread_create(&t[i], &small, busy_caller, NULL) == 0;
  while (__atomic_load_n(&busy_started, __ATOMIC_SEQ_CST) < started) nanosleep(&settle, NULL);
  nanosleep(&settle, NULL); /* lets the last of them reach the pool: a miss here can only hide a fault */
  check(vmp_poll_status(client, known_ref, 0, &p) == VMP_OK && p.captured_amount == 3000,
        "with %d calls waiting in Go (more than the pool's workers), a wait-0 poll of a known payment answers", started);
  __atomic_store_n(&poll_answered, 1, __ATOMIC_SEQ_CST);
  check(vmp_close(busy_client) == VMP_OK, "closing the second client ends its waiting calls");
  for (i = 0; i < started; i++) pthread_join(t[i], NULL);
  check(busy_ended_before_poll == 0, "...before any waiting call ended: it needed no worker (%d ended before it)", busy_ended_before_poll);
  /* The close itself needs a worker; queued behind the waits, it would run only when the first
   * timed out - and they would end by their timeout, not VMP_ERR_INVALID_HANDLE. */
  check(busy_not_by_close == 0, "the close was not queued behind the waits it ends: all %d ended with VMP_ERR_INVALID_HANDLE (%d did not)",
        started, busy_not_by_close);
  pthread_attr_destroy(&small);
}

int main(void) {
  vmp_client *unit = NULL, *home = NULL;
  char ref[VMP_REFERENCE_SIZE], unit_ref[VMP_REFERENCE_SIZE];
  unsigned char big[sizeof(vmp_payment) + 16];
  vmp_payment p, *pb = (vmp_payment *)(void *)big;
  size_t i;
  int intact;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!check(vmp_init(CONFIG, &client) == VMP_OK, "vmp_init: %s", vmp_last_error())) return 1;
  if (!check(paid(client, AMOUNT, ref), "a payment")) return 1;

  p = new_payment();
  check(vmp_poll_status(client, ref, 0, &p) == VMP_OK && p.state == VMP_STATE_AUTHORIZED && p.amount == AMOUNT &&
            p.authorized_amount == AMOUNT && strcmp(p.reference, ref) == 0 && strcmp(p.currency, "NOK") == 0,
        "poll from memory: the authorized payment");
  check(vmp_capture(client, ref, 3000, "c1", &p) == VMP_OK, "capture 3000");
  p = new_payment();
  check(vmp_poll_status(client, ref, 0, &p) == VMP_OK && p.captured_amount == 3000, "poll from memory after the capture: 3000 captured");
  check(vmp_refund(client, ref, 1000, "r1", &p) == VMP_OK, "refund 1000");
  p = new_payment();
  check(vmp_poll_status(client, ref, 0, &p) == VMP_OK && p.refunded_amount == 1000 && p.captured_amount == 3000,
        "poll from memory after the refund: 1000 refunded");

  /* Arguments: the same answers as before, for a payment C knows. */
  p = new_payment();
  p.struct_size = 8;
  check(vmp_poll_status(client, ref, 0, &p) == VMP_ERR_INVALID_ARGUMENT, "a struct_size too small: VMP_ERR_INVALID_ARGUMENT");
  check(vmp_poll_status(client, ref, 0, NULL) == VMP_ERR_INVALID_ARGUMENT, "out NULL: VMP_ERR_INVALID_ARGUMENT");
  p = new_payment();
  check(vmp_poll_status(client, NULL, 0, &p) == VMP_ERR_INVALID_ARGUMENT, "reference NULL: VMP_ERR_INVALID_ARGUMENT");
  check(vmp_poll_status(client, ref, -1, &p) == VMP_ERR_INVALID_ARGUMENT, "wait -1: VMP_ERR_INVALID_ARGUMENT");
  check(vmp_poll_status(NULL, ref, 0, &p) == VMP_ERR_INVALID_HANDLE, "a NULL handle: VMP_ERR_INVALID_HANDLE");
  check(vmp_poll_status((vmp_client *)(uintptr_t)0xdeadbeef, ref, 0, &p) == VMP_ERR_INVALID_HANDLE,
        "a forged handle: VMP_ERR_INVALID_HANDLE");
  p = new_payment();
  check(vmp_poll_status(client, ref, 0, &p) == VMP_OK && vmp_last_error()[0] == '\0',
        "after a failure, a poll from memory clears vmp_last_error");

  /* A caller built against a newer, larger vmp_payment keeps its extra bytes. */
  memset(big, 0xab, sizeof big);
  pb->struct_size = sizeof big;
  check(vmp_poll_status(client, ref, 0, pb) == VMP_OK && pb->struct_size == sizeof big && pb->captured_amount == 3000,
        "a larger struct: filled, its struct_size kept");
  for (i = sizeof(vmp_payment), intact = 1; i < sizeof big; i++) intact &= big[i] == 0xab;
  check(intact, "a larger struct: the bytes beyond this version's vmp_payment untouched");

  /* Sales units: a unit's payments through its handle; the till's own unit ("") is the client's. */
  check(vmp_sales_unit(client, "oslo", &unit) == VMP_OK && vmp_sales_unit(client, "", &home) == VMP_OK, "two sales unit handles");
  if (check(paid(unit, 2500, unit_ref), "a payment of the unit")) {
    p = new_payment();
    check(vmp_poll_status(unit, unit_ref, 0, &p) == VMP_OK && p.amount == 2500 && p.state == VMP_STATE_AUTHORIZED,
          "poll from memory through the unit's handle");
  }
  p = new_payment();
  check(vmp_poll_status(home, ref, 0, &p) == VMP_OK && p.captured_amount == 3000, "the till's own unit's handle sees the client's payment");
  check(vmp_close(unit) == VMP_OK, "vmp_close(unit)");
  p = new_payment();
  check(vmp_poll_status(unit, unit_ref, 0, &p) == VMP_ERR_INVALID_HANDLE, "through the closed unit's handle: VMP_ERR_INVALID_HANDLE");

  test_concurrent();
  test_answered_while_workers_are_busy(ref);

  check(vmp_close(client) == VMP_OK, "vmp_close");
  p = new_payment();
  check(vmp_poll_status(client, ref, 0, &p) == VMP_ERR_INVALID_HANDLE, "through the closed client's handle: VMP_ERR_INVALID_HANDLE");
  p = new_payment();
  check(vmp_poll_status(home, ref, 0, &p) != VMP_OK, "through a unit handle of the closed client: not answered (%s)",
        vmp_status_str(vmp_poll_status(home, ref, 0, &p)));
  vmp_close(home);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
