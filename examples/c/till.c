/*
 * till.c - a minimal till: one push payment on the embedded Vipps simulator.
 *
 * 499.00 NOK to a phone number, the simulated customer approves, the till waits for
 * AUTHORIZED, captures everything and refunds 100.00 NOK, printing each step and, after it,
 * the library's log records ("log:" lines, level info and up, taken with vmp_next_log).
 * Build and run: make demo
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmp.h"

static void show(const char *step, const vmp_payment *p) {
  printf("%-22s state=%-10s amount=%lld authorized=%lld captured=%lld refunded=%lld cancelled=%lld %s\n",
         step, vmp_state_str(p->state), (long long)p->amount, (long long)p->authorized_amount,
         (long long)p->captured_amount, (long long)p->refunded_amount,
         (long long)p->cancelled_amount, p->currency);
}

/* Prints the log records queued now. A till would write them to its own log; vmp_on_log
 * delivers the same records on a library thread instead. */
static void print_logs(vmp_client *client) {
  char text[VMP_LOG_TEXT_SIZE];
  vmp_log_record r = {.struct_size = sizeof(vmp_log_record)};
  while (vmp_next_log(client, 0, &r, text, sizeof text) == VMP_OK && r.level != VMP_LOG_NONE) {
    printf("log: %-5s %-8s %s\n", vmp_log_level_str(r.level), r.component, r.message);
  }
}

static int check(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "%s failed: %s: %s\n", what, vmp_status_str(st), vmp_last_error());
    return 0;
  }
  return 1;
}

int main(void) {
  const char *config = "{\"environment\": \"simulator\", \"store_id\": \"store1\", \"pos_id\": \"till1\","
                       " \"log_level\": \"info\", \"simulator\": {\"approve_delay_ms\": 1500}}";
  const char *checkout = "{\"amount\": 49900, \"currency\": \"NOK\", \"phone_number\": \"+47 912 34 567\","
                         " \"description\": \"Groceries at store 1\"}";
  vmp_client *client = NULL;
  char reference[VMP_REFERENCE_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  int ok = 0;

  printf("vmp %s - till demo on the embedded Vipps simulator\n", vmp_version());
  if (!check(vmp_init(config, &client), "vmp_init")) return EXIT_FAILURE;
  print_logs(client);

  if (!check(vmp_start_checkout(client, checkout, reference, sizeof reference), "vmp_start_checkout"))
    goto done;
  printf("%-22s reference=%s (499.00 NOK sent to the customer's phone)\n", "checkout started", reference);
  print_logs(client);

  /* Wait up to 60 s for the customer; returns as soon as the payment is final. */
  if (!check(vmp_poll_status(client, reference, 60000, &payment), "vmp_poll_status")) goto done;
  show("customer answered", &payment);
  if (payment.state != VMP_STATE_AUTHORIZED) {
    fprintf(stderr, "the customer did not approve\n");
    goto done;
  }

  if (!check(vmp_capture(client, reference, payment.amount, "receipt-0001", &payment), "vmp_capture"))
    goto done;
  show("captured 499.00", &payment);
  print_logs(client);

  if (!check(vmp_refund(client, reference, 10000, "return-0001", &payment), "vmp_refund")) goto done;
  show("refunded 100.00", &payment);
  print_logs(client);
  ok = payment.captured_amount == 49900 && payment.refunded_amount == 10000;

done:
  print_logs(client);
  vmp_close(client);
  printf("%s\n", ok ? "demo finished: payment captured and partly refunded" : "demo FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
