/*
 * prop_till.c - the property test's till (tests/property): it reads commands from stdin, one a
 * line, runs each through vmp.h and prints its result on stdout, so the Go side can play a till
 * that checks out, captures, refunds, cancels, repeats, restarts and is killed, and compare what
 * the till was told with the simulator's own records.
 *
 * A command is "ID VERB ARGS...", or "&ID VERB ARGS..." to run it on a thread of its own (a
 * repeat during vmp_recover), or "%ID VERB ARGS..." likewise, its vmp call made only once the
 * next "%" command's thread is ready to make its own (two repeats at once: neither can have
 * returned before the other was made); "ID wait" joins every such thread. UNIT is a
 * sales unit's name in the configuration, "-" for the till's own.
 *
 *   ID init CONFIG_JSON                       vmp_init (the rest of the line is the JSON)
 *   ID close                                  vmp_close of every unit handle and the client
 *   ID checkout UNIT CHECKOUT_JSON            vmp_start_checkout
 *   ID capture UNIT REFERENCE AMOUNT OPID|-   vmp_capture ("-": no operation_id)
 *   ID refund UNIT REFERENCE AMOUNT OPID|-    vmp_refund
 *   ID cancel UNIT REFERENCE FLAGS OPID|-     vmp_cancel
 *   ID poll UNIT REFERENCE WAIT_MS            vmp_poll_status
 *   ID pending                                vmp_pending
 *   ID recover WAIT_MS                        vmp_recover
 *   ID ack OPERATION                          vmp_acknowledge
 *   ID killsync N before|after                SIGKILL at the Nth journal commit from now
 *                                             (vmpdiag_kill_at_sync of the failpoint build)
 *   ID holdsync N WRITES                      the Nth journal commit from now waits until
 *                                             WRITES writes are queued for the next one
 *                                             (vmpdiag_hold_at_sync of the failpoint build)
 *   ID failcommits PATH K N before|after      N commits of the journal at PATH fail, from its
 *                                             Kth commit from now (1: the next), before or
 *                                             after their meta page; N 0 disarms
 *                                             (vmpdiag_fail_commits of the failpoint build)
 *   ID syncs                                  the journal commits so far
 *   ID logs                                   the library's queued log records (vmp_next_log),
 *                                             each as a line "ID log LEVEL COMPONENT MESSAGE FIELDS"
 *   ID wait                                   joins the threads of the "&" commands
 *
 * Each prints one line "ID STATUS [key=value ...] msg=LAST_ERROR", STATUS being the
 * vmp_status_str name: checkout adds ref=REFERENCE ("-" when none); capture, refund, cancel and
 * poll add the payment (state amount authorized captured refunded cancelled) when the status
 * fills it; pending and recover add json=JSON. A money-moving call first prints "ID start",
 * so the Go side can kill the process while it runs. "ready" comes first. Exit status 0 at the
 * end of stdin, 2 for a line it cannot parse.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT, getline */

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmp.h"

static vmp_client *client;
static pthread_barrier_t pair; /* the two threads of "%" commands meet here before their calls */
static __thread int paired;   /* this thread runs a "%" command, and has not met the other yet */

/* A "%" command's thread waits here, after "ID start", for the other one's (or after its
 * command, when it made no call). */
static void meet_the_other(void) {
  if (paired) pthread_barrier_wait(&pair);
  paired = 0;
}
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *id, const char *fmt, ...) {
  va_list ap;
  pthread_mutex_lock(&out_mu);
  printf("%s ", id);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&out_mu);
}

/* One line of text: newlines (which would end the result line) become spaces. */
static const char *one_line(const char *s, char *buf, size_t size) {
  size_t i;
  for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size; i++) buf[i] = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
  buf[i] = '\0';
  return buf;
}

/* ---- sales-unit handles, opened on first use, closed by "close" ---------------------------- */

#define MAX_UNITS 16
static struct {
  char name[64];
  vmp_client *h;
} units[MAX_UNITS];
static pthread_mutex_t units_mu = PTHREAD_MUTEX_INITIALIZER;

static vmp_status unit_handle(const char *name, vmp_client **out) {
  vmp_status st = VMP_OK;
  int i;
  if (strcmp(name, "-") == 0) {
    *out = client;
    return VMP_OK;
  }
  pthread_mutex_lock(&units_mu);
  for (i = 0; i < MAX_UNITS && units[i].h != NULL; i++)
    if (strcmp(units[i].name, name) == 0) break;
  if (i == MAX_UNITS) st = VMP_ERR_INTERNAL;
  else if (units[i].h == NULL) {
    st = vmp_sales_unit(client, name, &units[i].h);
    if (st == VMP_OK) snprintf(units[i].name, sizeof units[i].name, "%s", name);
  }
  *out = st == VMP_OK ? units[i].h : NULL;
  pthread_mutex_unlock(&units_mu);
  return st;
}

static void close_all(void) {
  int i;
  pthread_mutex_lock(&units_mu);
  for (i = 0; i < MAX_UNITS; i++) {
    if (units[i].h != NULL) vmp_close(units[i].h);
    units[i].h = NULL;
    units[i].name[0] = '\0';
  }
  pthread_mutex_unlock(&units_mu);
  vmp_close(client);
  client = NULL;
}

/* ---- results ------------------------------------------------------------------------------ */

static void say_status(const char *id, vmp_status st, const char *extra) {
  char msg[2048];
  say(id, "%s%s%s msg=%s", vmp_status_str(st), extra[0] ? " " : "", extra,
      one_line(st == VMP_OK ? "" : vmp_last_error(), msg, sizeof msg));
}

static void say_payment(const char *id, vmp_status st, const vmp_payment *p) {
  char extra[512] = "";
  if (st == VMP_OK || st == VMP_ERR_ALREADY_AUTHORIZED || st == VMP_ERR_CAPTURE_MISMATCH)
    snprintf(extra, sizeof extra,
             "state=%s amount=%lld authorized=%lld captured=%lld refunded=%lld cancelled=%lld ref=%s",
             vmp_state_str(p->state), (long long)p->amount, (long long)p->authorized_amount,
             (long long)p->captured_amount, (long long)p->refunded_amount,
             (long long)p->cancelled_amount, p->reference[0] ? p->reference : "-");
  say_status(id, st, extra);
}

static void say_json(const char *id, vmp_status st, char *json) {
  char *extra;
  size_t n;
  if (st != VMP_OK || json == NULL) {
    say_status(id, st, "");
    vmp_free(json);
    return;
  }
  n = strlen(json) + 8;
  extra = malloc(n);
  if (extra == NULL) {
    say(id, "VMP_ERR_INTERNAL msg=out of memory");
    vmp_free(json);
    return;
  }
  strcpy(extra, "json=");
  one_line(json, extra + 5, n - 5);
  say_status(id, st, extra);
  free(extra);
  vmp_free(json);
}

/* ---- the failpoint build's diagnostics (capi/diag_failpoints.go) ------------------------- */

static int64_t (*diag_syncs)(void);
static void (*diag_kill_at_sync)(int64_t, int32_t);
static void (*diag_hold_at_sync)(int64_t, int64_t);
static void (*diag_fail_commits)(const char *, int64_t, int64_t, int32_t);

/* ---- commands ----------------------------------------------------------------------------- */

static const char *opid_arg(const char *s) { return strcmp(s, "-") == 0 ? NULL : s; }

static vmp_payment new_payment(void) {
  vmp_payment p;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  return p;
}

/* Splits the next space-separated word off *rest; NULL when there is none. */
static char *word(char **rest) {
  char *w = *rest, *end;
  if (w == NULL) return NULL;
  while (*w == ' ') w++;
  if (*w == '\0') return NULL;
  end = strchr(w, ' ');
  if (end != NULL) {
    *end = '\0';
    *rest = end + 1;
  } else {
    *rest = w + strlen(w);
  }
  return w;
}

static int run(char *line) {
  char *rest = line, *id = word(&rest), *verb = word(&rest);
  vmp_client *h = NULL;
  vmp_payment p = new_payment();
  vmp_status st;
  char extra[160], *json = NULL;

  if (id == NULL || verb == NULL) return 0;
  if (strcmp(verb, "init") == 0) {
    st = vmp_init(rest, &client);
    say_status(id, st, "");
  } else if (strcmp(verb, "close") == 0) {
    close_all();
    say_status(id, VMP_OK, "");
  } else if (strcmp(verb, "checkout") == 0) {
    char ref[VMP_REFERENCE_SIZE] = "", *unit = word(&rest);
    if (unit == NULL) return 0;
    if ((st = unit_handle(unit, &h)) == VMP_OK) {
      say(id, "start");
      meet_the_other();
      st = vmp_start_checkout(h, rest, ref, sizeof ref);
    }
    snprintf(extra, sizeof extra, "ref=%s", ref[0] ? ref : "-");
    say_status(id, st, extra);
  } else if (strcmp(verb, "capture") == 0 || strcmp(verb, "refund") == 0 || strcmp(verb, "cancel") == 0) {
    char *unit = word(&rest), *ref = word(&rest), *num = word(&rest), *opid = word(&rest);
    if (opid == NULL) return 0;
    if ((st = unit_handle(unit, &h)) == VMP_OK) {
      say(id, "start");
      meet_the_other();
      if (strcmp(verb, "capture") == 0) st = vmp_capture(h, ref, atoll(num), opid_arg(opid), &p);
      else if (strcmp(verb, "refund") == 0) st = vmp_refund(h, ref, atoll(num), opid_arg(opid), &p);
      else st = vmp_cancel(h, ref, (uint32_t)strtoul(num, NULL, 10), opid_arg(opid), &p);
    }
    say_payment(id, st, &p);
  } else if (strcmp(verb, "poll") == 0) {
    char *unit = word(&rest), *ref = word(&rest), *wait = word(&rest);
    if (wait == NULL) return 0;
    if ((st = unit_handle(unit, &h)) == VMP_OK) st = vmp_poll_status(h, ref, atoi(wait), &p);
    say_payment(id, st, &p);
  } else if (strcmp(verb, "pending") == 0) {
    st = vmp_pending(client, &json);
    say_json(id, st, json);
  } else if (strcmp(verb, "recover") == 0) {
    char *wait = word(&rest);
    if (wait == NULL) return 0;
    st = vmp_recover(client, atoi(wait), &json);
    say_json(id, st, json);
  } else if (strcmp(verb, "ack") == 0) {
    char *op = word(&rest);
    if (op == NULL) return 0;
    say_status(id, vmp_acknowledge(client, op), "");
  } else if (strcmp(verb, "killsync") == 0) {
    char *n = word(&rest), *when = word(&rest);
    if (when == NULL || diag_kill_at_sync == NULL) return 0;
    diag_kill_at_sync(atoll(n), strcmp(when, "before") == 0);
    snprintf(extra, sizeof extra, "syncs=%lld", (long long)diag_syncs());
    say_status(id, VMP_OK, extra);
  } else if (strcmp(verb, "holdsync") == 0) {
    char *n = word(&rest), *writes = word(&rest);
    if (writes == NULL || diag_hold_at_sync == NULL) return 0;
    diag_hold_at_sync(atoll(n), atoll(writes));
    snprintf(extra, sizeof extra, "syncs=%lld", (long long)diag_syncs());
    say_status(id, VMP_OK, extra);
  } else if (strcmp(verb, "failcommits") == 0) {
    char *path = word(&rest), *from = word(&rest), *n = word(&rest), *when = word(&rest);
    if (when == NULL || diag_fail_commits == NULL) return 0;
    diag_fail_commits(path, atoll(from), atoll(n), strcmp(when, "after") == 0);
    snprintf(extra, sizeof extra, "syncs=%lld", (long long)diag_syncs());
    say_status(id, VMP_OK, extra);
  } else if (strcmp(verb, "logs") == 0) {
    static char text[VMP_LOG_TEXT_SIZE];
    char line[2 * VMP_LOG_TEXT_SIZE];
    vmp_log_record r;
    for (;;) {
      memset(&r, 0, sizeof r);
      r.struct_size = sizeof r;
      st = vmp_next_log(client, 0, &r, text, sizeof text);
      if (st != VMP_OK || r.level == VMP_LOG_NONE) break;
      snprintf(line, sizeof line, "%s %s %s %s", vmp_log_level_str(r.level), r.component, r.message, r.fields_json);
      say(id, "log %s", one_line(line, line, sizeof line));
    }
    say_status(id, st, "");
  } else if (strcmp(verb, "syncs") == 0) {
    if (diag_syncs == NULL) return 0;
    snprintf(extra, sizeof extra, "syncs=%lld", (long long)diag_syncs());
    say_status(id, VMP_OK, extra);
  } else {
    return 0;
  }
  return 1;
}

/* ---- threads of the "&" commands ---------------------------------------------------------- */

static pthread_t *threads;
static size_t nthreads, cap_threads;

static void *run_thread(void *arg) {
  char *line = arg;
  paired = line[0] == '%';
  if (!run(line + (line[0] == '%'))) {
    fprintf(stderr, "prop_till: cannot parse: %s\n", line);
    exit(2);
  }
  meet_the_other();
  free(line);
  return NULL;
}

static int spawn(const char *line) {
  char *copy = strdup(line);
  if (copy == NULL) return 0;
  if (nthreads == cap_threads) {
    size_t n = cap_threads ? cap_threads * 2 : 8;
    pthread_t *t = realloc(threads, n * sizeof *t);
    if (t == NULL) return 0;
    threads = t, cap_threads = n;
  }
  return pthread_create(&threads[nthreads++], NULL, run_thread, copy) == 0;
}

static void join_all(void) {
  size_t i;
  for (i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
  nthreads = 0;
}

int main(void) {
  char *line = NULL;
  size_t size = 0;
  ssize_t n;

  *(void **)&diag_syncs = dlsym(RTLD_DEFAULT, "vmpdiag_journal_syncs");
  *(void **)&diag_kill_at_sync = dlsym(RTLD_DEFAULT, "vmpdiag_kill_at_sync");
  *(void **)&diag_hold_at_sync = dlsym(RTLD_DEFAULT, "vmpdiag_hold_at_sync");
  *(void **)&diag_fail_commits = dlsym(RTLD_DEFAULT, "vmpdiag_fail_commits");
  if (pthread_barrier_init(&pair, NULL, 2) != 0) return 2;
  say("ready", "%s", vmp_version());
  while ((n = getline(&line, &size, stdin)) > 0) {
    int ok;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0) continue;
    if (line[0] == '&') {
      ok = spawn(line + 1);
    } else if (line[0] == '%') {
      ok = spawn(line); /* the thread sees the '%' */
    } else if (strlen(line) > 5 && strcmp(line + strlen(line) - 5, " wait") == 0) {
      join_all();
      line[strlen(line) - 5] = '\0';
      say(line, "VMP_OK msg=");
      ok = 1;
    } else {
      ok = run(line);
    }
    if (!ok) {
      fprintf(stderr, "prop_till: cannot parse: %s\n", line);
      return 2;
    }
  }
  join_all();
  if (client != NULL) close_all();
  free(line);
  free(threads);
  return 0;
}
