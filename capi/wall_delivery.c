/*
 * wall_delivery.c - whether a call's result has reached the host (wall.h).
 *
 * The engine records a money-moving call's outcome as seen by the till only once the till has
 * it (internal/payments/seen.go): a till killed before that repeats the call and must get the same outcome,
 * not a second payment. Through the wall the body returns on a worker, well before the host's
 * thread wakes and takes the result; this cell, shared by the two, says when it has.
 *
 * The host's thread holds one reference until it has marked the cell, Go one until its
 * Delivery is garbage (capi/delivery.go); the last to let go frees it.
 *
 * A call the till made before it had an alike call's result cannot be its answer to that
 * result: it repeats the same operation (internal/payments/repeat_rule.go). So the cell also records when
 * its call was made and when its result was taken, on one count shared by all host threads.
 */
#include "wall.h"

#include <stdlib.h>

struct wall_delivery {
  uint32_t delivered;
  uint32_t refs;
  uint64_t issued;    /* the call's place in wall_moments when its host thread made it */
  uint64_t delivered_at; /* the result's place when that thread took it (0 before) */
};

/* One count of the moments at which a host thread hands a call over or takes a result: which
 * of two such moments came first, across threads. */
static uint64_t moments;

uint64_t wall_moment(void) { return __atomic_add_fetch(&moments, 1, __ATOMIC_SEQ_CST); }

wall_delivery *wall_delivery_new(uint64_t issued) {
  wall_delivery *d = calloc(1, sizeof *d);
  if (d != NULL) {
    d->refs = 1; /* the host thread's */
    d->issued = issued;
  }
  return d;
}

void wall_delivery_hold(wall_delivery *d) { __atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED); }

void wall_delivery_release(wall_delivery *d) {
  if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) free(d);
}

void wall_delivery_mark(wall_delivery *d) {
  d->delivered_at = wall_moment();
  __atomic_store_n(&d->delivered, 1, __ATOMIC_RELEASE);
  wall_delivery_release(d);
}

int wall_delivery_done(const wall_delivery *d) { return (int)__atomic_load_n(&d->delivered, __ATOMIC_ACQUIRE); }

int wall_delivery_made_before(const wall_delivery *d, const wall_delivery *other) {
  return !wall_delivery_done(other) || d->issued < other->delivered_at;
}
