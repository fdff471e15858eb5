/*
 * wall_delivery.c - whether a call's result has reached the host (wall.h).
 *
 * The engine records a money-moving call's outcome as seen by the till only once the till has
 * it (core/seen.go): a till killed before that repeats the call and must get the same outcome,
 * not a second payment. Through the wall the body returns on a worker, well before the host's
 * thread wakes and takes the result; this cell, shared by the two, says when it has.
 *
 * The host's thread holds one reference until it has marked the cell, Go one until its
 * Delivery is garbage (capi/delivery.go); the last to let go frees it.
 */
#include "wall.h"

#include <stdlib.h>

struct wall_delivery {
  uint32_t delivered;
  uint32_t refs;
};

wall_delivery *wall_delivery_new(void) {
  wall_delivery *d = calloc(1, sizeof *d);
  if (d != NULL) d->refs = 1; /* the host thread's */
  return d;
}

void wall_delivery_hold(wall_delivery *d) { __atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED); }

void wall_delivery_release(wall_delivery *d) {
  if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) free(d);
}

void wall_delivery_mark(wall_delivery *d) {
  __atomic_store_n(&d->delivered, 1, __ATOMIC_RELEASE);
  wall_delivery_release(d);
}

int wall_delivery_done(const wall_delivery *d) { return (int)__atomic_load_n(&d->delivered, __ATOMIC_ACQUIRE); }
