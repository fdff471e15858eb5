/*
 * soak_till.c - the soak's till (tests/soak/soak_test.go): complete payment lifecycles through
 * the C ABI from several threads, against a simulator that injects faults at random, while a
 * scanner stream arrives on a pseudo-terminal. It behaves like a careful till: a call that
 * returned VMP_ERR_UNKNOWN_OUTCOME is repeated with the same arguments (the same
 * operation_id), a passing failure (network, busy, rate limit) is repeated after a pause, and
 * at the end vmp_recover and vmp_pending must leave nothing open. The Go side compares what
 * this program reports with the simulator's own records.
 *
 * usage: soak_till CONFIG_JSON LEDGER_PATH LIFECYCLES THREADS ROUNDS TIME_LIMIT_S
 *
 * THREADS till threads run the lifecycles; each time another LIFECYCLES/ROUNDS have finished
 * (a "round"), the process's threads, open files and resident memory are sampled from
 * /proc/self (and the Go runtime's goroutine count, and how many goroutines are in C, when the
 * library was built with the vmpsoak tag, which adds the diagnostic symbols vmpdiag_goroutines
 * and vmpdiag_goroutines_in_c; the shipped library has no such symbol); the last sample is taken
 * once the library has been idle for 200 ms. Each finished sale is one line of LEDGER_PATH:
 *
 *   sale INDEX REFERENCE|- STATE AMOUNT CAPTURED REFUNDED CANCELLED CAPTURES REFUNDS CANCELS LOST_REFERENCE|- MS
 *
 * (MS: how long the sale took, in milliseconds).
 *
 * stdout, one line each: "ready"; "sample ROUND DONE threads=N fds=N rss_kb=N rss_anon_kb=N
 * goroutines=N in_c=N" after each round; "error ..." for anything a till would not expect;
 * "lifecycles_finished DONE"; "scans callback=N pull=N last=N out_of_order=N personal_qr=N
 * other_events=N end=N"; "repeats unknown=N passing=N rate_limited=N"; "recover JSON";
 * "pending JSON"; "closed threads=N fds=N"; "done". Exit status 0 unless the program itself
 * could not run.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */

#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmp.h"

#define PHONE_APPROVES "4791234567"
#define PHONE_REJECTS "4790000001"
#define PHONE_WAITS "4790000004"
#define PHONE_UNKNOWN "4790000003"
#define DEFAULT_QR "https://qr.vipps.no/p/sim-4791234567"
#define OP_DEADLINE_S 150.0 /* a repeated call gives up after this (beyond the 1-minute rate window) */

static vmp_client *client;
static FILE *ledger;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static double started, time_limit_s;

static long next_sale, total, lifecycles_done;
static pthread_mutex_t sale_mu = PTHREAD_MUTEX_INITIALIZER;

static long repeats_unknown, repeats_passing, repeats_rate_limited;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  pthread_mutex_lock(&out_mu);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&out_mu);
}

static void count(long *counter) {
  pthread_mutex_lock(&out_mu);
  (*counter)++;
  pthread_mutex_unlock(&out_mu);
}

/* ------------------------------------------------------------------------------------------
 * The scanner stream: codes carry a sequence number, so a lost, repeated or reordered code
 * shows. Odd numbers arrive as EAN-13 "20" + 10 digits + check digit (in-store numbers), even
 * ones as Code 128 "SOAK" + digits, every 50th as a personal QR "…/p/sim-47" + 8 digits; the
 * last one is "SOAKEND" + the number of codes sent before it.
 * ---------------------------------------------------------------------------------------- */

static pthread_mutex_t scan_mu = PTHREAD_MUTEX_INITIALIZER;
static long scans_callback, scans_pull, scans_last, scans_out_of_order, scans_qr, scans_other_events;
static long scans_end = -1;
static char last_qr[512] = DEFAULT_QR;
static volatile int pull_stop;

static long sequence_of(const vmp_scan *s) {
  const char *t = s->text;
  if (s->kind == VMP_CODE_EAN13 && s->text_len == 13) return strtol(t + 2, NULL, 10) / 10;
  if (s->kind == VMP_CODE_CODE128 && strncmp(t, "SOAKEND", 7) == 0) return -2;
  if (s->kind == VMP_CODE_CODE128 && strncmp(t, "SOAK", 4) == 0) return strtol(t + 4, NULL, 10);
  if (s->kind == VMP_CODE_VIPPS_TOKEN_QR && s->text_len > 8)
    return strtol(t + s->text_len - 8, NULL, 10);
  return -1;
}

static void take_scan(const vmp_scan *s, long *counter) {
  long seq;
  pthread_mutex_lock(&scan_mu);
  if (s->event != VMP_SCAN_CODE) {
    scans_other_events++;
    pthread_mutex_unlock(&scan_mu);
    say("error scanner event %s: %s", vmp_scan_event_str(s->event), s->text);
    return;
  }
  seq = sequence_of(s);
  if (seq == -2) {
    scans_end = strtol(s->text + 7, NULL, 10);
  } else {
    (*counter)++;
    if (seq != scans_last + 1) scans_out_of_order++;
    scans_last = seq;
    if (VMP_CODE_IS_PERSONAL_QR(s->kind) && s->text_len < sizeof last_qr) {
      memcpy(last_qr, s->text, s->text_len + 1); /* the next personal-QR sale pays with it */
      scans_qr++;
    }
  }
  pthread_mutex_unlock(&scan_mu);
}

static void on_scan(void *user_data, const vmp_scan *scan) {
  (void)user_data;
  take_scan(scan, &scans_callback);
}

/*
 * Pulls scan events (and drains the log records) for the whole run. While the callback is
 * registered, vmp_next_scan only waits; after the halfway switch the events come here.
 */
static void *pull_thread(void *arg) {
  vmp_scan s;
  vmp_log_record r;
  char text[1100], log_text[VMP_LOG_TEXT_SIZE];
  vmp_status st;
  (void)arg;
  while (!pull_stop) {
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    st = vmp_next_scan(client, 100, &s, text, sizeof text);
    if (st != VMP_OK) say("error vmp_next_scan %s: %s", vmp_status_str(st), vmp_last_error());
    else if (s.event != VMP_SCAN_NONE) take_scan(&s, &scans_pull);
    do {
      memset(&r, 0, sizeof r);
      r.struct_size = sizeof r;
      st = vmp_next_log(client, 0, &r, log_text, sizeof log_text);
      if (st != VMP_OK) say("error vmp_next_log %s: %s", vmp_status_str(st), vmp_last_error());
      if (st == VMP_OK && r.level >= VMP_LOG_ERROR) say("error log record: %s %s", r.message, r.fields_json);
    } while (st == VMP_OK && r.level != VMP_LOG_NONE);
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Money-moving calls, repeated the way a till should
 * ---------------------------------------------------------------------------------------- */

enum op_kind { OP_CHECKOUT, OP_CAPTURE, OP_REFUND, OP_CANCEL };

struct op {
  enum op_kind kind;
  const char *json;      /* checkout */
  char *ref;             /* checkout: receives it; others: the payment */
  int64_t amount;        /* capture, refund */
  const char *op_id;     /* capture, refund, cancel; NULL: none */
  uint32_t flags;        /* cancel */
  vmp_payment *out;
};

static const char *op_name[] = {"checkout", "capture", "refund", "cancel"};

static vmp_status call_once(struct op *o) {
  switch (o->kind) {
    case OP_CHECKOUT: return vmp_start_checkout(client, o->json, o->ref, VMP_REFERENCE_SIZE);
    case OP_CAPTURE: return vmp_capture(client, o->ref, o->amount, o->op_id, o->out);
    case OP_REFUND: return vmp_refund(client, o->ref, o->amount, o->op_id, o->out);
    case OP_CANCEL: return vmp_cancel(client, o->ref, o->flags, o->op_id, o->out);
  }
  return VMP_ERR_INTERNAL;
}

/*
 * Runs o until its outcome is definite. VMP_ERR_UNKNOWN_OUTCOME: the same call again - the
 * library finishes the operation it started, never a second one. Network, busy and rate-limit
 * failures changed nothing: the call again after a pause. A checkout that went out with an
 * unknown outcome keeps its reference in lost_ref, so the Go side can check that no payment was
 * left behind under it when the repeat came back with another.
 */
static vmp_status money(struct op *o, long sale, char *lost_ref) {
  double deadline = now_s() + OP_DEADLINE_S;
  int attempt;
  vmp_status st = VMP_OK;
  for (attempt = 1; now_s() < deadline; attempt++) {
    st = call_once(o);
    switch (st) {
      case VMP_ERR_UNKNOWN_OUTCOME:
        count(&repeats_unknown);
        if (o->kind == OP_CHECKOUT && lost_ref != NULL && lost_ref[0] == '\0' && o->ref[0] != '\0')
          snprintf(lost_ref, VMP_REFERENCE_SIZE, "%s", o->ref);
        sleep_ms(20L * (attempt < 10 ? attempt : 10));
        continue;
      case VMP_ERR_NETWORK:
      case VMP_ERR_UNAVAILABLE:
        count(&repeats_passing);
        sleep_ms(20L * (attempt < 10 ? attempt : 10));
        continue;
      case VMP_ERR_RATE_LIMITED:
        count(&repeats_rate_limited);
        sleep_ms(1000);
        continue;
      default:
        return st;
    }
  }
  say("error sale %ld %s gave up after %.0f s: %s %s", sale, op_name[o->kind], OP_DEADLINE_S,
      vmp_status_str(st), vmp_last_error());
  return st;
}

static int is_final(vmp_payment_state s) {
  return s == VMP_STATE_AUTHORIZED || s == VMP_STATE_ABORTED || s == VMP_STATE_EXPIRED ||
         s == VMP_STATE_TERMINATED;
}

/* Waits until the payment is final; passing failures of the reads are repeated. */
static vmp_status poll_final(long sale, const char *ref, vmp_payment *p) {
  double deadline = now_s() + OP_DEADLINE_S;
  vmp_status st = VMP_OK;
  while (now_s() < deadline) {
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    st = vmp_poll_status(client, ref, 5000, p);
    if (st == VMP_OK && is_final(p->state)) return st;
    if (st != VMP_OK && st != VMP_ERR_NETWORK && st != VMP_ERR_UNAVAILABLE && st != VMP_ERR_RATE_LIMITED)
      break;
    if (st != VMP_OK) {
      count(&repeats_passing);
      sleep_ms(50);
    }
  }
  say("error sale %ld poll of %s: %s %s state %s", sale, ref, vmp_status_str(st), vmp_last_error(),
      vmp_state_str(p->state));
  return st == VMP_OK ? VMP_ERR_INTERNAL : st;
}

/* ------------------------------------------------------------------------------------------
 * One sale. The kind follows from the index: i % 20.
 *   0-11  push to an approving customer, full capture (receipt number as operation_id), every
 *         fourth also a partial refund with an operation_id
 *   12-13 the last personal QR scanned, half captured without an operation_id, the rest cancelled
 *   14-15 a customer who rejects: ABORTED
 *   16    a customer who does not answer; the till aborts (transaction-only cancel): TERMINATED
 *   17    not a Vipps user: the checkout is rejected, no payment
 *   18-19 full capture without an operation_id, full refund with one
 * Every third sale names its own reference. Amounts differ per sale, so no two checkouts ask
 * for the same thing.
 * ---------------------------------------------------------------------------------------- */

struct ledger_line {
  char ref[VMP_REFERENCE_SIZE];
  char lost[VMP_REFERENCE_SIZE];
  vmp_payment_state state;
  int64_t amount, captured, refunded, cancelled;
  int captures, refunds, cancels;
};

static int expect_ok(long sale, const char *what, vmp_status st, vmp_status want) {
  if (st == want) return 1;
  say("error sale %ld %s: %s (want %s) %s", sale, what, vmp_status_str(st), vmp_status_str(want),
      vmp_last_error());
  return 0;
}

static void check_payment(long sale, const struct ledger_line *l, const vmp_payment *p) {
  if (p->captured_amount != l->captured || p->refunded_amount != l->refunded ||
      p->cancelled_amount != l->cancelled)
    say("error sale %ld %s: the library reports captured %lld refunded %lld cancelled %lld, the till "
        "did %lld %lld %lld",
        sale, l->ref, (long long)p->captured_amount, (long long)p->refunded_amount,
        (long long)p->cancelled_amount, (long long)l->captured, (long long)l->refunded,
        (long long)l->cancelled);
}

static void sale(long i) {
  int kind = (int)(i % 20);
  char json[1024], qr[512], ref_field[96], op_id[48];
  const char *customer;
  struct ledger_line l;
  struct op o;
  vmp_payment p;
  vmp_status st;
  double t0 = now_s();

  memset(&l, 0, sizeof l);
  memset(&o, 0, sizeof o);
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  l.amount = 1000 + i;
  ref_field[0] = '\0';
  if (i % 3 == 0) snprintf(ref_field, sizeof ref_field, ",\"reference\":\"soak-%08ld\"", i);
  if (kind == 12 || kind == 13) {
    pthread_mutex_lock(&scan_mu);
    memcpy(qr, last_qr, sizeof qr);
    pthread_mutex_unlock(&scan_mu);
    snprintf(json, sizeof json, "{\"amount\":%lld,\"personal_qr\":\"%s\"%s}", (long long)l.amount,
             qr, ref_field);
  } else {
    customer = kind == 14 || kind == 15 ? PHONE_REJECTS
               : kind == 16             ? PHONE_WAITS
               : kind == 17             ? PHONE_UNKNOWN
                                        : PHONE_APPROVES;
    snprintf(json, sizeof json, "{\"amount\":%lld,\"phone_number\":\"%s\"%s}", (long long)l.amount,
             customer, ref_field);
  }

  o.kind = OP_CHECKOUT;
  o.json = json;
  o.ref = l.ref;
  st = money(&o, i, l.lost);
  if (kind == 17) {
    expect_ok(i, "checkout of an unknown customer", st, VMP_ERR_CUSTOMER_NOT_FOUND);
    l.ref[0] = '\0';
    goto done;
  }
  if (!expect_ok(i, "checkout", st, VMP_OK)) goto done;
  if (strcmp(l.lost, l.ref) == 0) l.lost[0] = '\0'; /* the repeat finished the same payment */

  if (kind == 16) { /* the customer does not answer: the till aborts */
    o.kind = OP_CANCEL;
    o.flags = VMP_CANCEL_TRANSACTION_ONLY;
    snprintf(op_id, sizeof op_id, "abort-%ld", i);
    o.op_id = op_id;
    o.out = &p;
    if (expect_ok(i, "abort", money(&o, i, NULL), VMP_OK)) l.cancels++;
  }
  if (poll_final(i, l.ref, &p) != VMP_OK) goto done;
  l.state = p.state;
  if (p.state != VMP_STATE_AUTHORIZED) {
    vmp_payment_state want = kind == 14 || kind == 15 ? VMP_STATE_ABORTED
                             : kind == 16             ? VMP_STATE_TERMINATED
                                                      : VMP_STATE_AUTHORIZED;
    if (p.state != want)
      say("error sale %ld %s ended %s, want %s", i, l.ref, vmp_state_str(p.state), vmp_state_str(want));
    goto done;
  }

  o.ref = l.ref;
  o.out = &p;
  if (kind <= 11) {
    o.kind = OP_CAPTURE;
    o.amount = l.amount;
    snprintf(op_id, sizeof op_id, "receipt-%ld", i);
    o.op_id = op_id;
    if (!expect_ok(i, "capture", money(&o, i, NULL), VMP_OK)) goto done;
    l.captured += o.amount, l.captures++;
    if (i % 4 == 0) {
      o.kind = OP_REFUND;
      o.amount = l.amount / 3;
      snprintf(op_id, sizeof op_id, "return-%ld", i);
      if (!expect_ok(i, "refund", money(&o, i, NULL), VMP_OK)) goto done;
      l.refunded += o.amount, l.refunds++;
    }
  } else if (kind <= 13) {
    o.kind = OP_CAPTURE;
    o.amount = l.amount / 2;
    o.op_id = NULL;
    if (!expect_ok(i, "partial capture", money(&o, i, NULL), VMP_OK)) goto done;
    l.captured += o.amount, l.captures++;
    o.kind = OP_CANCEL;
    o.flags = 0;
    snprintf(op_id, sizeof op_id, "release-%ld", i);
    o.op_id = op_id;
    if (!expect_ok(i, "cancel of the rest", money(&o, i, NULL), VMP_OK)) goto done;
    l.cancelled += l.amount - l.captured, l.cancels++;
  } else if (kind >= 18) {
    o.kind = OP_CAPTURE;
    o.amount = l.amount;
    o.op_id = NULL;
    if (!expect_ok(i, "capture", money(&o, i, NULL), VMP_OK)) goto done;
    l.captured += o.amount, l.captures++;
    o.kind = OP_REFUND;
    snprintf(op_id, sizeof op_id, "return-%ld", i);
    o.op_id = op_id;
    if (!expect_ok(i, "refund", money(&o, i, NULL), VMP_OK)) goto done;
    l.refunded += o.amount, l.refunds++;
  }
  if (l.captures + l.refunds + l.cancels > 0) check_payment(i, &l, &p);

done:
  pthread_mutex_lock(&out_mu);
  fprintf(ledger, "sale %ld %s %s %lld %lld %lld %lld %d %d %d %s %.0f\n", i, l.ref[0] ? l.ref : "-",
          vmp_state_str(l.state), (long long)l.amount, (long long)l.captured, (long long)l.refunded,
          (long long)l.cancelled, l.captures, l.refunds, l.cancels, l.lost[0] ? l.lost : "-",
          (now_s() - t0) * 1000);
  lifecycles_done++;
  pthread_mutex_unlock(&out_mu);
}

static void *worker(void *arg) {
  long i;
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&sale_mu);
    i = next_sale < total && now_s() - started < time_limit_s ? next_sale++ : -1;
    pthread_mutex_unlock(&sale_mu);
    if (i < 0) return NULL;
    sale(i);
  }
}

/* ------------------------------------------------------------------------------------------
 * Resources, from /proc/self
 * ---------------------------------------------------------------------------------------- */

static long status_field(const char *name) {
  char line[256];
  long v = -1;
  size_t n = strlen(name);
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, name, n) == 0 && line[n] == ':') {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static long open_fds(void) {
  long n = 0;
  struct dirent *e;
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

static int64_t (*diag_goroutines)(void), (*diag_goroutines_in_c)(void);

static void sample(long round) {
  say("sample %ld %ld threads=%ld fds=%ld rss_kb=%ld rss_anon_kb=%ld goroutines=%lld in_c=%lld", round,
      lifecycles_done, status_field("Threads"), open_fds(), status_field("VmRSS"),
      status_field("RssAnon"), diag_goroutines ? (long long)diag_goroutines() : -1LL,
      diag_goroutines_in_c ? (long long)diag_goroutines_in_c() : -1LL);
}

/* ------------------------------------------------------------------------------------------ */

static void print_json(const char *label, vmp_status st, char *json) {
  if (st != VMP_OK) say("error %s: %s %s", label, vmp_status_str(st), vmp_last_error());
  else say("%s %s", label, json);
  vmp_free(json);
}

int main(int argc, char **argv) {
  long lifecycles, threads, rounds, r, t, per_round;
  pthread_t *tids, puller;
  vmp_status st;
  char *json = NULL;
  double wait_end;

  if (argc != 7) {
    fprintf(stderr, "usage: %s CONFIG_JSON LEDGER LIFECYCLES THREADS ROUNDS TIME_LIMIT_S\n", argv[0]);
    return 2;
  }
  lifecycles = atol(argv[3]);
  threads = atol(argv[4]);
  rounds = atol(argv[5]);
  time_limit_s = atof(argv[6]);
  if (lifecycles < 1 || threads < 1 || rounds < 1 || time_limit_s <= 0) return 2;
  ledger = fopen(argv[2], "w");
  if (ledger == NULL) return 2;
  tids = calloc((size_t)threads, sizeof *tids);
  if (tids == NULL) return 2;
  *(void **)&diag_goroutines = dlsym(RTLD_DEFAULT, "vmpdiag_goroutines");
  *(void **)&diag_goroutines_in_c = dlsym(RTLD_DEFAULT, "vmpdiag_goroutines_in_c");

  started = now_s();
  st = vmp_init(argv[1], &client);
  if (st != VMP_OK) {
    printf("error vmp_init: %s %s\n", vmp_status_str(st), vmp_last_error());
    return 3;
  }
  vmp_on_scan(client, on_scan, NULL);
  pthread_create(&puller, NULL, pull_thread, NULL);
  sample(0);
  say("ready");

  total = lifecycles;
  per_round = (lifecycles + rounds - 1) / rounds;
  for (t = 0; t < threads; t++) pthread_create(&tids[t], NULL, worker, NULL);
  for (r = 1; r <= rounds; r++) {
    long goal = r * per_round < lifecycles ? r * per_round : lifecycles, done;
    for (;;) {
      pthread_mutex_lock(&out_mu);
      done = lifecycles_done;
      pthread_mutex_unlock(&out_mu);
      if (done >= goal || now_s() - started >= time_limit_s) break;
      sleep_ms(5);
    }
    if (done < goal) break;
    sample(r);
    if (r == rounds / 2) vmp_on_scan(client, NULL, NULL); /* from now on the pull twin */
  }
  for (t = 0; t < threads; t++) pthread_join(tids[t], NULL);
  fflush(ledger);
  say("lifecycles_finished %ld", lifecycles_done);

  /* The Go side now sends the end marker; wait for it and for every code before it. */
  for (wait_end = now_s() + 30; now_s() < wait_end;) {
    long end, got;
    pthread_mutex_lock(&scan_mu);
    end = scans_end, got = scans_callback + scans_pull;
    pthread_mutex_unlock(&scan_mu);
    if (end >= 0 && got >= end) break;
    sleep_ms(20);
  }
  pthread_mutex_lock(&scan_mu);
  say("scans callback=%ld pull=%ld last=%ld out_of_order=%ld personal_qr=%ld other_events=%ld end=%ld",
      scans_callback, scans_pull, scans_last, scans_out_of_order, scans_qr, scans_other_events,
      scans_end);
  pthread_mutex_unlock(&scan_mu);
  say("repeats unknown=%ld passing=%ld rate_limited=%ld", repeats_unknown, repeats_passing,
      repeats_rate_limited);

  st = vmp_recover(client, 90000, &json);
  print_json("recover", st, json);
  json = NULL;
  st = vmp_pending(client, &json);
  print_json("pending", st, json);

  pull_stop = 1;
  pthread_join(puller, NULL);
  sleep_ms(200); /* the library idle: its workers done spinning */
  sample(rounds + 1);
  vmp_close(client);
  say("closed threads=%ld fds=%ld", status_field("Threads"), open_fds());
  fclose(ledger);
  free(tids);
  say("done");
  return 0;
}
