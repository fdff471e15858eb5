/*
 * wall_callbacks.c - the threads that run a till's vmp_on_scan and vmp_on_log callbacks. They
 * are created here and never enter Go, so a host runtime that adopts one (the callback calls
 * into managed code) can stop it at any moment without stopping it inside Go.
 *
 * Each client's scan queue and log queue has its own callback thread (two queues sharing one
 * could wait for each other). The queue's dispatcher goroutine (core/eventqueue) still decides
 * what is called when; its call of the handler becomes vmpshim_deliver_*, which copies the event
 * into this thread's C memory, wakes the thread and waits in C until fn has returned. So
 * everything vmp.h promises of callbacks holds as before: one at a time, in order, never while a
 * library lock is held (the dispatcher holds none while it waits), never after vmp_close returns
 * (vmp_close waits for the dispatcher, which waits for fn).
 *
 * The thread takes the signal mask of the host thread that registered the callback, so the
 * host's signals reach it as they would reach any of its own threads.
 */
#include "wall.h"
#include "wall_sync.h"
#include "vmpshim_log.h"
#include "vmpshim_scan.h"

#include <stdlib.h>
#include <string.h>

#define CALLBACK_SPIN_NS 20000

enum { POST_IDLE, POST_SLEEPING, POST_EVENT, POST_STOP };
enum { DONE_RUNNING, DONE_SLEEPING, DONE_DONE };

struct wall_callback_thread {
  uint32_t post; /* POST_*: the callback thread's futex word */
  uint32_t done; /* DONE_*: the delivering thread's futex word */
  int kind;      /* WALL_IN_SCAN_CALLBACK or WALL_IN_LOG_CALLBACK */
  wall_mutex mask_mu;
  int mask_changed;
  wall_sigmask mask;
  /* The event being delivered: written by the delivering thread before POST_EVENT. */
  vmp_scan_fn scan_fn;
  vmp_log_fn log_fn;
  void *user_data;
  vmp_scan scan;
  vmp_log_record record;
  char *text;
  size_t text_cap;
};

static WALL_THREAD_LOCAL int in_callback;

int wall_in_callback(void) { return in_callback; }

/* Applies a mask a later registration asked for; on the callback thread. */
static void take_mask(wall_callback_thread *t) {
  wall_lock(&t->mask_mu);
  if (t->mask_changed) {
#if !defined(_WIN32)
    pthread_sigmask(SIG_SETMASK, &t->mask.set, NULL);
#endif
    t->mask_changed = 0;
  }
  wall_unlock(&t->mask_mu);
}

static void callback_main(void *arg) {
  wall_callback_thread *t = arg;
  uint32_t expected;
  wall_thread_name("vmp-callback");
  for (;;) {
    wall_spin_until(&t->post, POST_EVENT, CALLBACK_SPIN_NS);
    expected = POST_IDLE;
    if (WALL_CAS(&t->post, &expected, POST_SLEEPING) || expected == POST_SLEEPING) {
      wall_wait(&t->post, POST_SLEEPING, -1);
      continue;
    }
    if (expected == POST_STOP) break;
    take_mask(t);
    in_callback |= t->kind;
    if (t->kind == WALL_IN_SCAN_CALLBACK) t->scan_fn(t->user_data, &t->scan);
    else t->log_fn(t->user_data, &t->record);
    in_callback &= ~t->kind;
    WALL_STORE(&t->post, POST_IDLE); /* before done: the next event may be posted at once */
    if (WALL_SWAP(&t->done, DONE_DONE) == DONE_SLEEPING) wall_wake_one(&t->done);
  }
  free(t->text);
  free(t);
}

wall_callback_thread *wall_callback_thread_start(int kind, const wall_sigmask *mask) {
  wall_callback_thread *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->kind = kind;
  t->mask = *mask;
  if (!wall_thread_start(callback_main, t, mask)) {
    free(t);
    return NULL;
  }
  return t;
}

void wall_callback_thread_mask(wall_callback_thread *t, const wall_sigmask *mask) {
  wall_lock(&t->mask_mu);
  t->mask = *mask;
  t->mask_changed = 1;
  wall_unlock(&t->mask_mu);
}

void wall_callback_thread_stop(wall_callback_thread *t) {
  if (WALL_SWAP(&t->post, POST_STOP) == POST_SLEEPING) wall_wake_one(&t->post);
}

/* Hands the event now in t to its thread and waits until fn has returned. */
static void deliver(wall_callback_thread *t) {
  uint32_t expected;
  WALL_STORE(&t->done, DONE_RUNNING);
  if (WALL_SWAP(&t->post, POST_EVENT) == POST_SLEEPING) wall_wake_one(&t->post);
  if (wall_spin_until(&t->done, DONE_DONE, CALLBACK_SPIN_NS)) return;
  for (;;) {
    expected = DONE_RUNNING;
    if (WALL_CAS(&t->done, &expected, DONE_SLEEPING) || expected == DONE_SLEEPING)
      wall_wait(&t->done, DONE_SLEEPING, -1);
    if (WALL_LOAD(&t->done) == DONE_DONE) return;
  }
}

/* Copies len bytes and a NUL into t's text buffer; 0 when memory ran out. */
static int copy_text(wall_callback_thread *t, const char *text, size_t len) {
  if (len + 1 > t->text_cap) {
    size_t cap = len + 1 < 256 ? 256 : len + 1;
    char *p = realloc(t->text, cap);
    if (p == NULL) return 0;
    t->text = p;
    t->text_cap = cap;
  }
  memcpy(t->text, text, len);
  t->text[len] = '\0';
  return 1;
}

void vmpshim_deliver_scan(wall_callback_thread *t, vmp_scan_fn fn, void *user_data, vmp_scan_event event,
                          vmp_code_kind kind, vmp_scan_source source, uint64_t sequence, int64_t time_unix_ms,
                          const char *aim_id, const char *text, size_t text_len) {
  if (!copy_text(t, text, text_len)) return; /* no memory: the event is lost, as a dropped one */
  memset(&t->scan, 0, sizeof t->scan);
  t->scan.struct_size = sizeof t->scan;
  t->scan.event = event;
  t->scan.kind = kind;
  t->scan.source = source;
  t->scan.sequence = sequence;
  t->scan.time_unix_ms = time_unix_ms;
  memcpy(t->scan.aim_id, aim_id, sizeof t->scan.aim_id);
  t->scan.aim_id[sizeof t->scan.aim_id - 1] = '\0';
  t->scan.text_len = text_len;
  t->scan.text = t->text;
  t->scan_fn = fn;
  t->user_data = user_data;
  deliver(t);
}

void vmpshim_deliver_log(wall_callback_thread *t, vmp_log_fn fn, void *user_data, vmp_log_level level,
                         uint64_t sequence, int64_t time_unix_ms, const char *text, size_t message,
                         size_t fields, size_t text_len) {
  if (!copy_text(t, text, text_len)) return;
  memset(&t->record, 0, sizeof t->record);
  t->record.struct_size = sizeof t->record;
  t->record.level = level;
  t->record.sequence = sequence;
  t->record.time_unix_ms = time_unix_ms;
  t->record.component = t->text;
  t->record.message = t->text + message;
  t->record.fields_json = t->text + fields;
  t->record.text_len = text_len;
  t->log_fn = fn;
  t->user_data = user_data;
  deliver(t);
}
