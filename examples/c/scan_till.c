/*
 * scan_till.c - a till with a barcode scanner: the customer shows the personal QR code in the
 * Vipps app, the scanner on the serial port reads it, and the till sends the payment request
 * to that customer - on the embedded Vipps simulator.
 *
 * A pseudo-terminal stands in for the USB scanner: its terminal side (/dev/pts/N) is the
 * "port" of the config, opened by the library's serial driver exactly like /dev/ttyACM0, and a
 * thread of this program plays the scanner on the other side. It sends what a real scanner
 * set up for CR LF and AIM ids sends: first a product's EAN-13, then the customer's personal
 * QR, one byte at a time as over a 9600 baud line. The library hands each code to the till's
 * vmp_on_scan callback, classified; the till keeps the QR and uses it for the payment.
 *
 * Build and run: make demo-scanner
 */
#define _XOPEN_SOURCE 700

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmp.h"

/* What the simulated customer's app shows: the simulator approves this customer. */
#define CUSTOMER_QR "https://qr.vipps.no/p/sim-4791234567"
#define PRODUCT_EAN "7038010055720"

/* What the callback hands to the till's main thread. */
typedef struct till {
  pthread_mutex_t mu;
  pthread_cond_t changed;
  int products;
  char customer_qr[512]; /* "" until a personal QR is scanned */
} till;

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/*
 * Called by the library on its own thread, one event at a time. The scan is borrowed: copy
 * what you keep. A personal QR is personal data, so it is not printed.
 */
static void on_scan(void *user_data, const vmp_scan *scan) {
  till *t = (till *)user_data;
  if (scan->event != VMP_SCAN_CODE) {
    printf("%-22s %s %s\n", "scanner", vmp_scan_event_str(scan->event), scan->text);
    return;
  }
  pthread_mutex_lock(&t->mu);
  if (VMP_CODE_IS_PERSONAL_QR(scan->kind) && scan->text_len < sizeof t->customer_qr) {
    memcpy(t->customer_qr, scan->text, scan->text_len + 1);
    printf("%-22s %s %s (%zu characters, not shown: personal data)\n", "scanned customer",
           scan->aim_id, vmp_code_kind_str(scan->kind), scan->text_len);
  } else if (VMP_CODE_IS_PRODUCT(scan->kind)) {
    t->products++;
    printf("%-22s %s %s %s\n", "scanned product", scan->aim_id, vmp_code_kind_str(scan->kind),
           scan->text);
  }
  pthread_cond_broadcast(&t->changed);
  pthread_mutex_unlock(&t->mu);
}

/* The scanner: writes into the master side of the pseudo-terminal. */
static void *scanner_thread(void *arg) {
  int fd = *(int *)arg;
  const char *product = "]E0" PRODUCT_EAN "\r\n";
  const char *qr = "]Q1" CUSTOMER_QR "\r\n";
  size_t i;
  sleep_ms(200);
  if (write(fd, product, strlen(product)) < 0) return NULL;
  sleep_ms(300);
  for (i = 0; qr[i] != '\0'; i++) { /* about 1 ms a byte, as at 9600 baud */
    if (write(fd, qr + i, 1) != 1) return NULL;
    sleep_ms(1);
  }
  return NULL;
}

static int check(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "%s failed: %s: %s\n", what, vmp_status_str(st), vmp_last_error());
    return 0;
  }
  return 1;
}

/* Waits (at most 10 s) until the callback has seen a product and a customer. */
static int wait_for_scans(till *t) {
  struct timespec deadline;
  int ready;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 10;
  pthread_mutex_lock(&t->mu);
  while (!(t->products > 0 && t->customer_qr[0] != '\0') &&
         pthread_cond_timedwait(&t->changed, &t->mu, &deadline) == 0) {
  }
  ready = t->products > 0 && t->customer_qr[0] != '\0';
  pthread_mutex_unlock(&t->mu);
  return ready;
}

int main(void) {
  till t = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, ""};
  vmp_client *client = NULL;
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  char config[512], checkout[768], reference[VMP_REFERENCE_SIZE];
  pthread_t scanner;
  int master, ok = 0;

  printf("vmp %s - till with a barcode scanner on the embedded Vipps simulator\n", vmp_version());
  master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 || ptsname(master) == NULL) {
    perror("pseudo-terminal");
    return EXIT_FAILURE;
  }
  snprintf(config, sizeof config,
           "{\"environment\": \"simulator\", \"store_id\": \"store1\", \"pos_id\": \"till1\","
           " \"simulator\": {\"approve_delay_ms\": 1500},"
           " \"scanner\": {\"port\": \"%s\", \"baud\": 9600}}",
           ptsname(master));
  printf("%-22s port=%s (a pseudo-terminal playing the USB scanner)\n", "scanner", ptsname(master));
  if (!check(vmp_init(config, &client), "vmp_init")) return EXIT_FAILURE;
  if (!check(vmp_on_scan(client, on_scan, &t), "vmp_on_scan")) goto done;
  if (pthread_create(&scanner, NULL, scanner_thread, &master) != 0) goto done;

  ok = wait_for_scans(&t);
  pthread_join(scanner, NULL);
  if (!ok) {
    fprintf(stderr, "no product and customer scanned in time\n");
    goto done;
  }
  ok = 0;

  /* The scanned QR goes into the checkout as it is. */
  snprintf(checkout, sizeof checkout,
           "{\"amount\": 4990, \"currency\": \"NOK\", \"personal_qr\": \"%s\","
           " \"description\": \"1 item at store 1\"}",
           t.customer_qr);
  if (!check(vmp_start_checkout(client, checkout, reference, sizeof reference), "vmp_start_checkout"))
    goto done;
  printf("%-22s reference=%s (49.90 NOK sent to the scanned customer)\n", "checkout started", reference);
  if (!check(vmp_poll_status(client, reference, 60000, &payment), "vmp_poll_status")) goto done;
  printf("%-22s state=%s\n", "customer answered", vmp_state_str(payment.state));
  if (payment.state != VMP_STATE_AUTHORIZED) goto done;
  if (!check(vmp_capture(client, reference, payment.amount, "receipt-0002", &payment), "vmp_capture"))
    goto done;
  printf("%-22s captured=%lld %s\n", "captured 49.90", (long long)payment.captured_amount,
         payment.currency);
  ok = payment.captured_amount == 4990;

done:
  vmp_close(client); /* after this, on_scan is never called again */
  close(master);
  printf("%s\n", ok ? "demo finished: the scanned customer paid" : "demo FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
