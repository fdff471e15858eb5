/*
 * phone_till.c - a sale where you are the customer: the till sends 499.00 NOK to the phone of
 * 4790000004, a simulated customer who does nothing until told, and waits for your click on
 * the phone page the simulator serves (Approve or Reject). Approved, it captures; the store's
 * dashboard shows each step. The page's address is printed first; open it in a browser on
 * this machine.
 * Build and run: make demo-phone
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vmp.h"

static int check(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "%s failed: %s: %s\n", what, vmp_status_str(st), vmp_last_error());
    return 0;
  }
  return 1;
}

int main(void) {
  /* The customer has 5 minutes to answer. */
  const char *config = "{\"environment\": \"simulator\", \"store_id\": \"store1\", \"pos_id\": \"till1\","
                       " \"log_level\": \"warn\", \"simulator\": {\"payment_expiry_ms\": 300000}}";
  const char *checkout =
      "{\"amount\": 49900, \"currency\": \"NOK\", \"phone_number\": \"4790000004\","
      " \"description\": \"Groceries at store 1\", \"receipt\": {\"orderLines\": ["
      "{\"name\": \"Coffee beans\", \"id\": \"7038010055690\", \"totalAmount\": 39900,"
      " \"totalAmountExcludingTax\": 31920, \"totalTaxAmount\": 7980, \"taxRate\": 2500,"
      " \"unitInfo\": {\"unitPrice\": 13300, \"quantity\": \"3\"}},"
      "{\"name\": \"Milk\", \"id\": \"7038010009457\", \"totalAmount\": 10000,"
      " \"totalAmountExcludingTax\": 8000, \"totalTaxAmount\": 2000, \"taxRate\": 2500}],"
      " \"bottomLine\": {\"currency\": \"NOK\", \"posId\": \"till1\", \"receiptNumber\": \"0001\"}}}";
  vmp_client *client = NULL;
  char url[VMP_SIMULATOR_URL_SIZE], reference[VMP_REFERENCE_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  int ok = 0, waited;

  if (!check(vmp_init(config, &client), "vmp_init")) return EXIT_FAILURE;
  if (!check(vmp_simulator_url(client, url, sizeof url), "vmp_simulator_url")) goto done;
  printf("vmp %s - you are the customer\n", vmp_version());
  printf("  the customer's phone:  %s/sim/ui/phone/4790000004\n", url);
  printf("  the store's dashboard: %s/sim/ui/\n", url);
  if (!check(vmp_start_checkout(client, checkout, reference, sizeof reference), "vmp_start_checkout")) goto done;
  printf("checkout started %s: 499.00 NOK is on the phone; approve or reject it there (5 minutes)\n", reference);
  fflush(stdout);

  /* Wait for the click, a minute at a time (vmp_poll_status returns at once when it comes). */
  for (waited = 0; waited < 6; waited++) {
    if (!check(vmp_poll_status(client, reference, 60000, &payment), "vmp_poll_status")) goto done;
    if (payment.state != VMP_STATE_CREATED) break;
    printf("still waiting for the customer...\n");
    fflush(stdout);
  }
  printf("the customer answered: %s\n", vmp_state_str(payment.state));
  if (payment.state == VMP_STATE_AUTHORIZED) {
    if (!check(vmp_capture(client, reference, payment.amount, "receipt-0001", &payment), "vmp_capture")) goto done;
    printf("captured %lld.%02lld %s: the dashboard shows it\n", (long long)payment.captured_amount / 100,
           (long long)payment.captured_amount % 100, payment.currency);
  }
  ok = 1;
  if (isatty(STDIN_FILENO)) {
    printf("press Enter to close the till and its simulator (the pages stop with it)\n");
    fflush(stdout);
    (void)getchar();
  }

done:
  vmp_close(client);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
