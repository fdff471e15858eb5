/*
 * crash_child.c - one till operation through libvmp, for the crash matrix (tests/crash/crash_test.go).
 *
 * usage: crash_child <journal> <base_url> <create|capture|refund> <reference> <amount> <operation_id|->
 *
 * Opens the client on the journal (vmp_init resolves what a killed predecessor left open), runs
 * the operation once, prints "result <status>" and "pending <json>", and exits 0. The library
 * under test is built with the vmpfailpoints tag: VMP_FAILPOINT=<point>:<operation> makes it
 * kill this process with SIGKILL at that point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmp.h"

int main(int argc, char **argv) {
  char config[1024], checkout[512], ref[VMP_REFERENCE_SIZE];
  const char *op, *opid;
  vmp_client *c = NULL;
  vmp_status st;
  char *pending = NULL;
  long long amount;

  if (argc != 7) {
    fprintf(stderr, "usage: %s journal base_url op reference amount operation_id|-\n", argv[0]);
    return 2;
  }
  op = argv[3];
  amount = atoll(argv[5]);
  opid = strcmp(argv[6], "-") == 0 ? NULL : argv[6];
  snprintf(config, sizeof config,
           "{\"environment\":\"simulator\",\"base_url\":\"%s\",\"journal_path\":\"%s\","
           "\"timeouts\":{\"connect_ms\":500,\"request_ms\":500,\"operation_ms\":3000,\"recovery_ms\":5000}}",
           argv[2], argv[1]);
  st = vmp_init(config, &c);
  if (st != VMP_OK) {
    printf("init %s %s\n", vmp_status_str(st), vmp_last_error());
    return 3;
  }
  /* The payments this till works on were made elsewhere (the test prepares them with another
   * journal): it is a till with a history, not one whose journal was lost. */
  st = vmp_acknowledge(c, "new-journal");
  if (st != VMP_OK) {
    printf("acknowledge new-journal %s %s\n", vmp_status_str(st), vmp_last_error());
    return 3;
  }
  if (strcmp(op, "create") == 0) {
    snprintf(checkout, sizeof checkout,
             "{\"amount\":%lld,\"phone_number\":\"4712345678\",\"reference\":\"%s\"}", amount, argv[4]);
    st = vmp_start_checkout(c, checkout, ref, sizeof ref);
  } else if (strcmp(op, "capture") == 0) {
    st = vmp_capture(c, argv[4], amount, opid, NULL);
  } else if (strcmp(op, "refund") == 0) {
    st = vmp_refund(c, argv[4], amount, opid, NULL);
  } else {
    fprintf(stderr, "unknown operation %s\n", op);
    return 2;
  }
  printf("result %s %s\n", vmp_status_str(st), vmp_last_error());
  if (vmp_pending(c, &pending) == VMP_OK) {
    printf("pending %s\n", pending);
    vmp_free(pending);
  }
  vmp_close(c);
  fflush(stdout);
  return 0;
}
