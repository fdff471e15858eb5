/*
 * line_till.c - a till driven line by line on stdin, for tests that play the customer
 * elsewhere (tests/browser clicks the simulator's phone page). One command per line, one
 * answer per line on stdout: "ok ..." or "err <STATUS> <message>".
 *
 *   init <config json>                 vmp_init
 *   checkout <checkout json>           vmp_start_checkout           -> ok <reference>
 *   poll <reference> <wait_ms>         vmp_poll_status              -> ok <STATE> <captured>
 *   capture <reference> <amount>       vmp_capture                  -> ok <STATE> <captured>
 *   checkin <phone> <is_member>        vmp_loyalty_check_in         -> ok
 *   enroll <enrollment json>           vmp_start_enrollment         -> ok <id>
 *   enrollment <id> <wait_ms>          vmp_poll_enrollment          -> ok <STATE>
 *   quit                               vmp_close, exit 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmp.h"

static vmp_client *client = NULL;

static void fail(vmp_status st) { printf("err %s %s\n", vmp_status_str(st), vmp_last_error()); }

static void payment(vmp_status st, const vmp_payment *p) {
  if (st != VMP_OK) {
    fail(st);
    return;
  }
  printf("ok %s %lld\n", vmp_state_str(p->state), (long long)p->captured_amount);
}

static void run(char *cmd, char *arg) {
  char reference[VMP_REFERENCE_SIZE], id[VMP_ENROLLMENT_ID_SIZE], text[VMP_REFERENCE_SIZE];
  vmp_payment p = {.struct_size = sizeof(vmp_payment)};
  vmp_enrollment_state es = VMP_ENROLLMENT_UNKNOWN;
  long long n = 0;
  vmp_status st;
  if (strcmp(cmd, "init") == 0) {
    st = vmp_init(arg, &client);
    st == VMP_OK ? (void)printf("ok\n") : fail(st);
  } else if (strcmp(cmd, "checkout") == 0) {
    st = vmp_start_checkout(client, arg, reference, sizeof reference);
    st == VMP_OK ? (void)printf("ok %s\n", reference) : fail(st);
  } else if (strcmp(cmd, "poll") == 0 && sscanf(arg, "%64s %lld", text, &n) == 2) {
    payment(vmp_poll_status(client, text, (int32_t)n, &p), &p);
  } else if (strcmp(cmd, "capture") == 0 && sscanf(arg, "%64s %lld", text, &n) == 2) {
    payment(vmp_capture(client, text, (int64_t)n, NULL, &p), &p);
  } else if (strcmp(cmd, "checkin") == 0 && sscanf(arg, "%64s %lld", text, &n) == 2) {
    st = vmp_loyalty_check_in(client, text, (int32_t)n);
    st == VMP_OK ? (void)printf("ok\n") : fail(st);
  } else if (strcmp(cmd, "enroll") == 0) {
    st = vmp_start_enrollment(client, arg, id, sizeof id);
    st == VMP_OK ? (void)printf("ok %s\n", id) : fail(st);
  } else if (strcmp(cmd, "enrollment") == 0 && sscanf(arg, "%39s %lld", id, &n) == 2) {
    st = vmp_poll_enrollment(client, id, (int32_t)n, &es, NULL);
    st == VMP_OK ? (void)printf("ok %s\n", vmp_enrollment_state_str(es)) : fail(st);
  } else {
    printf("err VMP_ERR_INVALID_ARGUMENT unknown command %s\n", cmd);
  }
}

int main(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char *arg = strchr(line, ' ');
    line[strcspn(line, "\r\n")] = '\0';
    if (arg != NULL) *arg++ = '\0';
    if (strcmp(line, "quit") == 0) break;
    run(line, arg != NULL ? arg : "");
    fflush(stdout);
  }
  if (client != NULL) vmp_close(client);
  return 0;
}
