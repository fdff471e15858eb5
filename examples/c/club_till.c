/*
 * club_till.c - a till with a customer club, on the embedded Vipps simulator: the second demo
 * scenario (the first, till.c, is a plain payment).
 *
 * Two customers come to the till:
 *
 *   1. Kari is not a member yet. She shows the personal QR code in her Vipps app; the scanner
 *      (here a keyboard-wedge scanner: the till hands the code to vmp_submit_scan and takes the
 *      classified event with vmp_next_scan) reads it. The till identifies her
 *      (vmp_identify_customer: the QR is exchanged for her phone number), finds the number in
 *      none of its member records, checks her in as a non-member, and offers membership: a
 *      consent request goes to her app (vmp_start_enrollment) and the till keeps serving while
 *      the library waits for her answer; vmp_poll_enrollment brings the profile she agreed to
 *      share, and the till enrolls her. Then she pays 249.00 NOK by push to the same number,
 *      and the till captures it.
 *   2. Mia is a member and tells the cashier her number, who types it without country code
 *      (the config sets "default_country_code": "47"). She is checked in as a member - her app
 *      shows the club screen - and pays 99.00 NOK, captured.
 *
 * The membership register is the POS's own (a small array here): the library never decides
 * who is a member. Phone numbers and QR codes are personal data, so the till prints them
 * masked. Build and run: make demo-club
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmp.h"

/* What the simulated customers' apps show and say (see docs/CLUB.md). */
#define KARI_QR "https://qr.vipps.no/p/sim-4790000011" /* consents after approve_delay_ms */
#define MIA_TYPED "900 00 010"                         /* the examples' club member */

/* The POS's own membership register. */
#define MAX_MEMBERS 8
typedef struct member {
  char msisdn[VMP_MSISDN_SIZE];
  char name[64];
} member;
static member members[MAX_MEMBERS] = {{"4790000010", "Mia Medlem"}};
static int member_count = 1;

static const member *find_member(const char *msisdn) {
  int i;
  for (i = 0; i < member_count; i++)
    if (strcmp(members[i].msisdn, msisdn) == 0) return &members[i];
  return NULL;
}

static int check(vmp_status st, const char *what) {
  if (st != VMP_OK) {
    fprintf(stderr, "%s failed: %s: %s\n", what, vmp_status_str(st), vmp_last_error());
    return 0;
  }
  return 1;
}

/* "4790000011" -> "47******11", as the library masks numbers in its own texts. */
static const char *masked(const char *msisdn, char out[VMP_MSISDN_SIZE]) {
  size_t i, n = strlen(msisdn);
  for (i = 0; i < n && i < VMP_MSISDN_SIZE - 1; i++) out[i] = (i < 2 || i + 2 >= n) ? msisdn[i] : '*';
  out[i] = '\0';
  return out;
}

/*
 * Copies the string member `field` of a flat JSON object into out (a demo's reader: it does
 * not unescape; a real till uses its JSON library). Returns 0 when absent.
 */
static int json_string(const char *json, const char *field, char *out, size_t size) {
  char key[64];
  const char *p, *end;
  snprintf(key, sizeof key, "\"%s\":\"", field);
  p = strstr(json, key);
  if (p == NULL) return 0;
  p += strlen(key);
  end = strchr(p, '"');
  if (end == NULL || (size_t)(end - p) >= size) return 0;
  memcpy(out, p, (size_t)(end - p));
  out[end - p] = '\0';
  return 1;
}

/* The scanner: the wedge hands in the code, the library classifies it, the till takes it. */
static int scan(vmp_client *client, const char *code, char *text, size_t text_size) {
  vmp_scan event;
  memset(&event, 0, sizeof event);
  event.struct_size = sizeof event;
  if (!check(vmp_submit_scan(client, code), "vmp_submit_scan")) return 0;
  if (!check(vmp_next_scan(client, 1000, &event, text, text_size), "vmp_next_scan")) return 0;
  printf("%-22s %s (%zu characters, not shown: personal data)\n", "scanned", vmp_code_kind_str(event.kind),
         event.text_len);
  return event.event == VMP_SCAN_CODE && VMP_CODE_IS_PERSONAL_QR(event.kind);
}

/* Pays amount by push to msisdn, waits for the customer, captures everything. */
static int pay(vmp_client *client, const char *msisdn, long long amount, const char *receipt) {
  char checkout[256], reference[VMP_REFERENCE_SIZE];
  vmp_payment payment = {.struct_size = sizeof(vmp_payment)};
  snprintf(checkout, sizeof checkout,
           "{\"amount\": %lld, \"phone_number\": \"%s\", \"description\": \"Club purchase\"}", amount,
           msisdn);
  if (!check(vmp_start_checkout(client, checkout, reference, sizeof reference), "vmp_start_checkout")) return 0;
  printf("%-22s reference=%s (%lld.%02lld NOK)\n", "checkout started", reference, amount / 100, amount % 100);
  if (!check(vmp_poll_status(client, reference, 60000, &payment), "vmp_poll_status")) return 0;
  if (payment.state != VMP_STATE_AUTHORIZED) {
    fprintf(stderr, "the customer did not approve: %s\n", vmp_state_str(payment.state));
    return 0;
  }
  if (!check(vmp_capture(client, reference, payment.amount, receipt, &payment), "vmp_capture")) return 0;
  printf("%-22s state=%s captured=%lld %s\n", "captured", vmp_state_str(payment.state),
         (long long)payment.captured_amount, payment.currency);
  return payment.captured_amount == amount;
}

/* Offers membership: consent request, wait for the answer, enroll in the POS's register. */
static int enroll(vmp_client *client, const char *msisdn) {
  char request[256], id[VMP_ENROLLMENT_ID_SIZE], name[64] = "", email[96] = "";
  vmp_enrollment_state state = VMP_ENROLLMENT_PENDING;
  char *profile = NULL;
  int rounds;
  snprintf(request, sizeof request,
           "{\"phone_number\": \"%s\", \"scopes\": [\"name\", \"email\", \"phoneNumber\"],"
           " \"binding_message\": \"CLUB-1\"}",
           msisdn);
  if (!check(vmp_start_enrollment(client, request, id, sizeof id), "vmp_start_enrollment")) return 0;
  printf("%-22s id=%s (consent request in the app, code CLUB-1 on both screens)\n", "enrollment started", id);
  /* The till stays responsive: it asks in short waits, doing other work between them. */
  for (rounds = 0; rounds < 120 && state == VMP_ENROLLMENT_PENDING; rounds++) {
    if (!check(vmp_poll_enrollment(client, id, 500, &state, &profile), "vmp_poll_enrollment")) return 0;
  }
  printf("%-22s %s\n", "customer answered", vmp_enrollment_state_str(state));
  if (state != VMP_ENROLLMENT_CONSENTED || profile == NULL) {
    vmp_free(profile);
    if (state == VMP_ENROLLMENT_PENDING) check(vmp_cancel_enrollment(client, id), "vmp_cancel_enrollment");
    return 0;
  }
  json_string(profile, "name", name, sizeof name);
  json_string(profile, "email", email, sizeof email);
  vmp_free(profile);
  if (member_count == MAX_MEMBERS || name[0] == '\0') return 0;
  snprintf(members[member_count].msisdn, VMP_MSISDN_SIZE, "%s", msisdn);
  snprintf(members[member_count].name, sizeof members[member_count].name, "%s", name);
  member_count++;
  printf("%-22s %s <%s> joins the club (member %d)\n", "enrolled", name, email, member_count);
  return 1;
}

/* Customer 1: scan -> identify -> not a member: check in -> enroll -> pay -> capture. */
static int new_customer(vmp_client *client) {
  char code[512], msisdn[VMP_MSISDN_SIZE], shown[VMP_MSISDN_SIZE];
  printf("-- customer 1 shows a personal QR\n");
  if (!scan(client, KARI_QR, code, sizeof code)) return 0;
  if (!check(vmp_identify_customer(client, code, msisdn, sizeof msisdn), "vmp_identify_customer")) return 0;
  printf("%-22s %s (QR exchanged with Vipps)\n", "identified", masked(msisdn, shown));
  if (find_member(msisdn) != NULL) return 0; /* the demo's customer 1 is new */
  printf("%-22s not a member\n", "register");
  if (!check(vmp_loyalty_check_in(client, msisdn, 0), "vmp_loyalty_check_in")) return 0;
  printf("%-22s as a non-member (the app shows nothing)\n", "checked in");
  if (!enroll(client, msisdn)) return 0;
  return pay(client, msisdn, 24900, "receipt-club-1");
}

/* Customer 2: a typed number -> identify -> a member: check in -> pay -> capture. */
static int member_customer(vmp_client *client) {
  char msisdn[VMP_MSISDN_SIZE], shown[VMP_MSISDN_SIZE];
  const member *m;
  printf("-- customer 2 tells the cashier a phone number\n");
  if (!check(vmp_identify_customer(client, MIA_TYPED, msisdn, sizeof msisdn), "vmp_identify_customer")) return 0;
  printf("%-22s %s (typed without country code)\n", "identified", masked(msisdn, shown));
  m = find_member(msisdn);
  if (m == NULL) return 0;
  printf("%-22s member: %s\n", "register", m->name);
  if (!check(vmp_loyalty_check_in(client, msisdn, 1), "vmp_loyalty_check_in")) return 0;
  printf("%-22s as a member (the app shows the club screen)\n", "checked in");
  return pay(client, msisdn, 9900, "receipt-club-2");
}

int main(void) {
  const char *config =
      "{\"environment\": \"simulator\", \"store_id\": \"store1\", \"pos_id\": \"till2\","
      " \"default_country_code\": \"47\", \"simulator\": {\"approve_delay_ms\": 1000}}";
  vmp_client *client = NULL;
  int ok;

  printf("vmp %s - till with a customer club on the embedded Vipps simulator\n", vmp_version());
  if (!check(vmp_init(config, &client), "vmp_init")) return EXIT_FAILURE;
  ok = new_customer(client) && member_customer(client) && member_count == 2;
  vmp_close(client);
  printf("%s\n", ok ? "demo finished: a new member enrolled and paid; a member checked in and paid"
                    : "demo FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
