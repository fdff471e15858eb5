/*
 * chain_refund.c - refund in another store, through the chain ledger.
 *
 * Store A's till sells (receipt A-0042) and captures; store B's till finds that sale in the
 * chain ledger by its receipt number, opens the sales unit the ledger's answer names (the MSN
 * comes from the record; nothing is typed), refunds part of it, and the ledger shows the refund
 * under store A's payment. Both tills run in this process on one embedded Vipps simulator
 * (store A's) and publish to the PostgreSQL database of VMP_LEDGER (a connection string).
 *
 *   make lib && gcc -I include examples/c/chain_refund.c -L build -lvmp -o build/chain_refund
 *   VMP_LEDGER=postgres://vmp@127.0.0.1:5432/postgres build/chain_refund
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "vmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STORE_A "123456" /* the simulator's default sales unit */
#define STORE_B "234567"

static int failed(const char *what, vmp_status st) {
  if (st == VMP_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, vmp_status_str(st), vmp_last_error());
  return 1;
}

/* The text of the first "key": "..." in json (no escapes in the values read here). */
static void json_text(const char *json, const char *key, char *out, size_t size) {
  char pattern[64];
  const char *p;
  size_t n = 0;
  out[0] = '\0';
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  if (json == NULL || (p = strstr(json, pattern)) == NULL) return;
  for (p += strlen(pattern); *p != '\0' && *p != '"' && n + 1 < size; p++) out[n++] = *p;
  out[n] = '\0';
}

/* The number of the first "key": N in json, -1 when there is none. */
static long long json_number(const char *json, const char *key) {
  char pattern[64];
  const char *p;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  if (json == NULL || (p = strstr(json, pattern)) == NULL) return -1;
  return strtoll(p + strlen(pattern), NULL, 10);
}

static void pause_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* Asks find (query) until the answer holds want: the ledger follows the journal a moment later. */
static char *find_until(vmp_client *c, const char *query, const char *want) {
  int i;
  for (i = 0; i < 600; i++) {
    char *json = NULL;
    if (failed("vmp_find_payments", vmp_find_payments(c, query, &json))) return NULL;
    if (strstr(json, want) != NULL) return json;
    vmp_free(json);
    pause_ms(50);
  }
  fprintf(stderr, "the ledger did not show %s for %s\n", want, query);
  return NULL;
}

int main(void) {
  const char *ledger = getenv("VMP_LEDGER");
  char config_a[2048], config_b[2048], url[VMP_SIMULATOR_URL_SIZE], ref[VMP_REFERENCE_SIZE], query[512];
  char found_ref[VMP_REFERENCE_SIZE], msn[32], unit_key[48], unit_name[64], chain[64];
  vmp_client *a = NULL, *b = NULL, *unit = NULL;
  vmp_payment p = {.struct_size = sizeof(vmp_payment)};
  char *json = NULL;
  const char *at;
  int rc = 1;

  if (ledger == NULL || *ledger == '\0' || strchr(ledger, '"') != NULL || strchr(ledger, '\\') != NULL) {
    fprintf(stderr, "set VMP_LEDGER to the chain's PostgreSQL connection string\n");
    return 2;
  }
  at = strrchr(ledger, '@');
  printf("ledger: PostgreSQL at %s\n", at != NULL ? at + 1 : "(connection string without a host part)");
  snprintf(chain, sizeof chain, "example-c-%ld", (long)time(NULL));
  snprintf(config_a, sizeof config_a,
           "{\"store_id\": \"storeA\", \"pos_id\": \"till1\", \"simulator\": {\"approve_delay_ms\": 300},"
           " \"sales_units\": [{\"name\": \"store-b\", \"msn\": \"" STORE_B "\"}],"
           " \"ledger\": {\"postgres\": \"%s\", \"chain\": \"%s\"}}", ledger, chain);
  if (failed("vmp_init (store A)", vmp_init(config_a, &a))) return 1;
  if (failed("vmp_simulator_url", vmp_simulator_url(a, url, sizeof url))) goto done;
  /* Store B's till acts for store A with the chain's partner keys (here the simulator's own). */
  snprintf(config_b, sizeof config_b,
           "{\"environment\": \"simulator\", \"base_url\": \"%s\", \"msn\": \"" STORE_B "\","
           " \"partner\": {\"client_id\": \"sim-client-id\", \"client_secret\": \"sim-client-secret\","
           " \"subscription_key\": \"sim-subscription-key\"}, \"store_id\": \"storeB\", \"pos_id\": \"till1\","
           " \"sales_units\": [{\"name\": \"store-a\", \"msn\": \"" STORE_A "\"}],"
           " \"ledger\": {\"postgres\": \"%s\", \"chain\": \"%s\"}}", url, ledger, chain);
  if (failed("vmp_init (store B)", vmp_init(config_b, &b))) goto done;

  if (failed("vmp_start_checkout",
             vmp_start_checkout(a,
                                "{\"amount\": 5000, \"phone_number\": \"+47 912 34 567\", \"receipt\": {\"orderLines\": ["
                                "{\"name\": \"Shoes\", \"id\": \"9\", \"totalAmount\": 5000, \"totalAmountExcludingTax\": 4000,"
                                " \"totalTaxAmount\": 1000, \"taxPercentage\": 25}],"
                                " \"bottomLine\": {\"currency\": \"NOK\", \"receiptNumber\": \"A-0042\"}}}",
                                ref, sizeof ref)) ||
      failed("vmp_poll_status", vmp_poll_status(a, ref, 30000, &p)) ||
      failed("vmp_capture", vmp_capture(a, ref, 5000, NULL, &p)))
    goto done;
  printf("store A sold and captured 50.00 NOK, receipt A-0042 (%s)\n", ref);

  if ((json = find_until(b, "{\"source\": \"chain\", \"receipt_number\": \"A-0042\"}", "\"reference\"")) == NULL) goto done;
  json_text(json, "reference", found_ref, sizeof found_ref);
  json_text(json, "msn", msn, sizeof msn);
  snprintf(unit_key, sizeof unit_key, "%s", msn); /* "units": {"<msn>": "<unit name>"} */
  json_text(strstr(json, "\"units\""), unit_key, unit_name, sizeof unit_name);
  printf("store B found it in the ledger: %s, store %s (unit \"%s\"), captured %lld\n", found_ref, msn, unit_name,
         json_number(json, "captured"));
  vmp_free(json);
  json = NULL;
  if (unit_name[0] == '\0') {
    fprintf(stderr, "store B's configuration has no sales unit for store %s\n", msn);
    goto done;
  }
  if (failed("vmp_sales_unit", vmp_sales_unit(b, unit_name, &unit)) ||
      failed("vmp_refund", vmp_refund(unit, found_ref, 1500, "return-A-0042", &p)))
    goto done;
  printf("store B refunded 15.00 NOK: refunded %lld\n", (long long)p.refunded_amount);

  snprintf(query, sizeof query, "{\"source\": \"chain\", \"reference\": \"%s\"}", ref);
  if ((json = find_until(a, query, "\"refunded\":1500")) == NULL) goto done;
  printf("the ledger shows under store A's payment: captured %lld, refunded %lld\n", json_number(json, "captured"),
         json_number(json, "refunded"));
  vmp_free(json);
  json = NULL;
  if (failed("vmp_payment_totals", vmp_payment_totals(b, "{\"source\": \"chain\", \"msn\": \"" STORE_A "\"}", &json))) goto done;
  printf("store A's totals today, chain-wide: captured %lld, refunded %lld\n", json_number(json, "captured"),
         json_number(json, "refunded"));
  rc = 0;
done:
  vmp_free(json);
  vmp_close(unit);
  vmp_close(b);
  vmp_close(a);
  return rc;
}
