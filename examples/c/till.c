/*
 * till.c - a minimal till: one push payment, by default on the embedded Vipps simulator.
 *
 * 499.00 NOK with its receipt to a phone number, the customer approves, the till waits for
 * AUTHORIZED, captures everything and refunds 100.00 NOK. Then, with the built-in configuration,
 * a checkout on the customer display (the QR code written to checkout-qr.svg; the simulated
 * customer scans it), and a refund on behalf of another store of the chain. Each step is printed
 * and, after it, the library's log records ("log:" lines, level info and up, from vmp_next_log).
 *
 * The configuration (vmp_init's JSON) comes from VMP_CONFIG: the JSON itself when its first
 * non-blank character is '{', else the path of a file holding it; without VMP_CONFIG the built-in
 * one (the embedded simulator). VMP_PHONE is the customer's phone number (in Vipps' test
 * environment: your test user's). The first line says which environment is used; the example
 * refuses "production" (it moves money).
 * Build and run: make demo
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A checkout on the customer display: the library draws the QR code; the simulated customer
 * scans it after qr_scan_delay_ms. */
static int qr_checkout(vmp_client *client) {
  char reference[VMP_REFERENCE_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  uint8_t *svg = NULL;
  size_t len = 0;
  FILE *f;
  if (!check(vmp_start_checkout(client, "{\"amount\": 12000, \"flow\": \"qr\"}", reference, sizeof reference),
             "vmp_start_checkout (QR)") ||
      !check(vmp_checkout_qr(client, reference, VMP_QR_SVG, 0, &svg, &len), "vmp_checkout_qr"))
    return 0;
  f = fopen("checkout-qr.svg", "wb");
  if (f != NULL) {
    fwrite(svg, 1, len, f);
    fclose(f);
  }
  vmp_free(svg);
  printf("%-22s reference=%s (QR code for 120.00 NOK written to checkout-qr.svg, %lu bytes)\n",
         "QR checkout shown", reference, (unsigned long)len);
  if (!check(vmp_poll_status(client, reference, 60000, &payment), "vmp_poll_status (QR)")) return 0;
  show("customer scanned", &payment);
  if (!check(vmp_capture(client, reference, payment.amount, "receipt-0002", &payment), "vmp_capture (QR)"))
    return 0;
  show("captured 120.00", &payment);
  print_logs(client);
  return payment.captured_amount == 12000;
}

/* A customer returns goods bought in store 2: this till refunds through a handle that acts for
 * store 2, chosen by its name in the configuration. (For the demo, store 2's sale is made through
 * the same handle first.) */
static int refund_for_other_store(vmp_client *client) {
  vmp_client *store2 = NULL;
  char reference[VMP_REFERENCE_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  int ok = 0;
  if (!check(vmp_sales_unit(client, "store2", &store2), "vmp_sales_unit")) return 0;
  if (check(vmp_start_checkout(store2, "{\"amount\": 25000, \"phone_number\": \"4791234567\"}", reference,
                               sizeof reference),
            "vmp_start_checkout (store 2)") &&
      check(vmp_poll_status(store2, reference, 60000, &payment), "vmp_poll_status (store 2)") &&
      check(vmp_capture(store2, reference, 25000, "store2-receipt-77", &payment), "vmp_capture (store 2)")) {
    show("sold in store 2", &payment);
    if (check(vmp_refund(store2, reference, 25000, "return-store2-77", &payment), "vmp_refund (store 2)")) {
      show("refunded for store 2", &payment);
      ok = payment.refunded_amount == 25000;
    }
  }
  vmp_close(store2);
  print_logs(client);
  return ok;
}

/* The text of a string field of the configuration, for the line that says which environment it
 * means: a plain search, enough for display (the library itself parses the JSON). */
static void json_string(const char *json, const char *key, char *out, size_t size) {
  size_t keylen = strlen(key), n = 0;
  const char *p = json;
  out[0] = '\0';
  while ((p = strstr(p, key)) != NULL) {
    const char *q = p + keylen;
    if (p > json && p[-1] == '"' && *q == '"') {
      for (q++; isspace((unsigned char)*q); q++) {}
      if (*q++ != ':') break;
      for (; isspace((unsigned char)*q); q++) {}
      if (*q++ != '"') break;
      for (; *q != '\0' && *q != '"' && n + 1 < size; q++) out[n++] = *q;
      out[n] = '\0';
      return;
    }
    p = q;
  }
}

/* Cuts a URL to scheme://host:port: no user info, path or query (where a secret could be). */
static void scheme_and_host(char *url) {
  char *rest = strstr(url, "://"), *at;
  if (rest == NULL) return;
  rest += 3;
  rest[strcspn(rest, "/?#")] = '\0';
  if ((at = strrchr(rest, '@')) != NULL) memmove(rest, at + 1, strlen(at + 1) + 1);
}

/* The configuration from VMP_CONFIG (JSON or a file's path), NULL for the built-in one; says
 * where it came from in source. */
static char *load_config(char *source, size_t size) {
  const char *value = getenv("VMP_CONFIG");
  char *text;
  FILE *f;
  long len;
  while (value != NULL && isspace((unsigned char)*value)) value++;
  if (value == NULL || *value == '\0') {
    snprintf(source, size, "built in (VMP_CONFIG is not set)");
    return NULL;
  }
  if (*value == '{') {
    snprintf(source, size, "VMP_CONFIG (JSON)");
    text = malloc(strlen(value) + 1);
    if (text != NULL) strcpy(text, value);
    return text;
  }
  snprintf(source, size, "VMP_CONFIG (file %s)", value);
  f = fopen(value, "rb");
  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
      (text = malloc((size_t)len + 1)) == NULL) {
    fprintf(stderr, "cannot read the configuration file %s\n", value);
    exit(2);
  }
  text[fread(text, 1, (size_t)len, f)] = '\0';
  fclose(f);
  return text;
}

int main(void) {
  const char *built_in = "{\"environment\": \"simulator\", \"store_id\": \"store1\", \"pos_id\": \"till1\","
                         " \"log_level\": \"info\", \"simulator\": {\"approve_delay_ms\": 1500, \"qr_scan_delay_ms\": 1500},"
                         " \"sales_units\": [{\"name\": \"store2\", \"msn\": \"234567\"}]}";
  const char *phone = getenv("VMP_PHONE") != NULL ? getenv("VMP_PHONE") : "+47 912 34 567";
  /* Two lines at 25 % VAT; the library checks the receipt adds up before sending it. */
  const char *checkout_format =
      "{\"amount\": 49900, \"currency\": \"NOK\", \"phone_number\": \"%s\","
      " \"description\": \"Groceries at store 1\", \"receipt\": {\"orderLines\": ["
      "{\"name\": \"Coffee beans\", \"id\": \"7038010055690\", \"totalAmount\": 39900,"
      " \"totalAmountExcludingTax\": 31920, \"totalTaxAmount\": 7980, \"taxRate\": 2500,"
      " \"unitInfo\": {\"unitPrice\": 13300, \"quantity\": \"3\"}},"
      "{\"name\": \"Milk\", \"id\": \"7038010009457\", \"totalAmount\": 10000,"
      " \"totalAmountExcludingTax\": 8000, \"totalTaxAmount\": 2000, \"taxRate\": 2500}],"
      " \"bottomLine\": {\"currency\": \"NOK\", \"posId\": \"till1\", \"receiptNumber\": \"0001\"}}}";
  char checkout[2048], source[512], environment[32], base_url[256];
  vmp_client *client = NULL;
  char reference[VMP_REFERENCE_SIZE], url[VMP_SIMULATOR_URL_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  int ok = 0;
  char *loaded = load_config(source, sizeof source);
  const char *config = loaded != NULL ? loaded : built_in;

  json_string(config, "environment", environment, sizeof environment);
  json_string(config, "base_url", base_url, sizeof base_url);
  scheme_and_host(base_url);
  if (environment[0] == '\0') snprintf(environment, sizeof environment, "simulator");
  if (base_url[0] == '\0' && strcmp(environment, "test") == 0) snprintf(base_url, sizeof base_url, "https://apitest.vipps.no");
  if (base_url[0] == '\0' && strcmp(environment, "production") == 0) snprintf(base_url, sizeof base_url, "https://api.vipps.no");
  if (base_url[0] == '\0' && strcmp(environment, "simulator") == 0)
    printf("environment: embedded simulator - configuration %s\n", source);
  else
    printf("environment: %s at %s - configuration %s\n", environment, base_url, source);
  if (strcmp(environment, "production") == 0) {
    printf("the example till moves money: it does not run in production\n");
    return 2;
  }
  if (strchr(phone, '"') != NULL || strchr(phone, '\\') != NULL ||
      snprintf(checkout, sizeof checkout, checkout_format, phone) >= (int)sizeof checkout) {
    fprintf(stderr, "VMP_PHONE is not a phone number\n");
    return 2;
  }

  printf("vmp %s - till demo\n", vmp_version());
  if (!check(vmp_init(config, &client), "vmp_init")) return EXIT_FAILURE;
  print_logs(client);
  if (vmp_simulator_url(client, url, sizeof url) == VMP_OK)
    printf("%-22s %s/sim/ui/ (open it while the demo runs; make demo-phone waits for you)\n", "store dashboard", url);

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
  if (loaded != NULL) {
    /* The simulated customer who scans the QR code, and store 2, are the built-in configuration's. */
    printf("QR checkout and the refund for another store: skipped (they need the built-in configuration)\n");
  } else {
    ok = ok && qr_checkout(client) && refund_for_other_store(client);
  }

done:
  print_logs(client);
  vmp_close(client);
  free(loaded);
  printf("%s\n", !ok ? "demo FAILED"
                     : loaded != NULL ? "demo finished: push payment"
                                     : "demo finished: push payment, QR checkout and a refund for another store");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
