/*
 * wall_snapshot.c - what the library knows of each payment, in C memory, so that
 * vmp_poll_status with wait 0 for a payment it already knows is answered on the caller's
 * thread without a handoff and without entering Go (issue 21: below the cost of one cgo call).
 *
 * Go publishes every update of a payment's tracker (core/payment_listener.go, capi/snapshot.go)
 * under the key (client handle, sales unit scope, reference), and the handles that may read it:
 * a client's own handle (scope 0) and its sales-unit handles. vmp_close takes a handle out before
 * it enters Go, and a client's payments with it. A miss - a handle or payment not here, a table
 * full, a write in progress for too long - is never an answer: the call then goes to Go, which
 * answers everything, the first read from Vipps and every error included.
 *
 * Both tables have a fixed size and open addressing within a window of WINDOW slots, so a
 * reader never follows a pointer that could be freed. Readers take no lock: each slot is a
 * seqlock (odd while written). Every field is read with acquire and written with release
 * atomics, which orders a seqlock without fences (plain moves on x86) and keeps it clean under
 * ThreadSanitizer. Writers - Go's publishing, handles opened and closed - take one lock.
 */
#include "wall.h"
#include "wall_sync.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW 8
#define HANDLE_SLOTS 1024   /* open handles answered from C; beyond, calls go to Go */
#define PAYMENT_SLOTS 4096  /* payments; when a window is full the oldest update goes */
#define REF_WORDS 9         /* 72 bytes: a reference of up to 64 characters, NUL-padded */
#define PAY_WORDS ((sizeof(vmp_payment) + 7) / 8)

typedef struct {
  uint64_t seq; /* odd while written */
  uint64_t id;  /* 0: free */
  uint64_t parent, scope;
} handle_slot;

typedef struct {
  uint64_t seq;
  uint64_t parent; /* 0: free */
  uint64_t scope, stamp;
  uint64_t ref[REF_WORDS];
  uint64_t payment[PAY_WORDS];
} payment_slot;

static handle_slot handles[HANDLE_SLOTS];
static payment_slot *payments; /* PAYMENT_SLOTS, allocated by the first publish */
static wall_mutex writers;
static uint64_t stamps;

/* Acquire: no later access moves before it. Release: no earlier access moves after it. */
#define LOAD64(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE64(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* ---- seqlock ------------------------------------------------------------------------------- */

/* The odd sequence is stored before any field: each field's store is a release. */
static void write_begin(uint64_t *seq) { STORE64(seq, LOAD64(seq) + 1); }

static void write_end(uint64_t *seq) { STORE64(seq, LOAD64(seq) + 1); }

/* A read of a slot is good when the sequence was even before it and unchanged after it (the
 * fields' loads are acquires, so the second load of the sequence comes after them). */
static uint64_t read_begin(const uint64_t *seq) { return LOAD64(seq); }

static int read_ok(const uint64_t *seq, uint64_t begin) { return (begin & 1) == 0 && LOAD64(seq) == begin; }

#define READ_TRIES 64 /* a slot written all the time: give up and ask Go */

/* ---- keys ---------------------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v;
  h *= 0x100000001b3ULL; /* FNV-1a's prime */
  return h ^ (h >> 29);
}

/* The reference as REF_WORDS words, NUL-padded; 0 when it does not fit (then nothing is
 * stored or found under it: Go answers). */
/* The length of s, or VMP_REFERENCE_SIZE when it is longer than a reference can be. */
static size_t ref_length(const char *s) {
  size_t n = 0;
  while (n < VMP_REFERENCE_SIZE && s[n] != '\0') n++;
  return n;
}

static int ref_words(const char *ref, size_t len, uint64_t out[REF_WORDS]) {
  memset(out, 0, REF_WORDS * sizeof out[0]);
  if (len >= VMP_REFERENCE_SIZE) return 0;
  memcpy(out, ref, len);
  return 1;
}

static size_t payment_window(uint64_t parent, uint64_t scope, const uint64_t ref[REF_WORDS]) {
  uint64_t h = mix(mix(0xcbf29ce484222325ULL, parent), scope);
  int i;
  for (i = 0; i < REF_WORDS; i++) h = mix(h, ref[i]);
  return (size_t)(h % (PAYMENT_SLOTS / WINDOW)) * WINDOW;
}

static size_t handle_window(uint64_t id) {
  return (size_t)(mix(0xcbf29ce484222325ULL, id) % (HANDLE_SLOTS / WINDOW)) * WINDOW;
}

/* ---- readers (any thread, no lock) --------------------------------------------------------- */

/* The parent and scope of an open handle; 0 when C does not know it. */
static int handle_lookup(uint64_t id, uint64_t *parent, uint64_t *scope) {
  size_t base = handle_window(id), i;
  for (i = base; i < base + WINDOW; i++) {
    handle_slot *s = &handles[i];
    int tries;
    for (tries = 0; tries < READ_TRIES; tries++) {
      uint64_t begin = read_begin(&s->seq), got = LOAD64(&s->id), p = LOAD64(&s->parent), sc = LOAD64(&s->scope);
      if (!read_ok(&s->seq, begin)) continue;
      if (got != id) break;
      *parent = p;
      *scope = sc;
      return 1;
    }
    if (tries == READ_TRIES) return 0;
  }
  return 0;
}

int wall_snapshot_read(uintptr_t handle, const char *reference, vmp_payment *out) {
  uint64_t parent, scope, parent_of_parent, unused, ref[REF_WORDS], buf[PAY_WORDS];
  payment_slot *table = __atomic_load_n(&payments, __ATOMIC_ACQUIRE);
  size_t base, i, k;
  if (table == NULL || handle == 0 || !ref_words(reference, ref_length(reference), ref)) return 0;
  if (!handle_lookup(handle, &parent, &scope)) return 0;
  if (parent != handle && !handle_lookup(parent, &parent_of_parent, &unused)) return 0; /* parent closed */
  base = payment_window(parent, scope, ref);
  for (i = base; i < base + WINDOW; i++) {
    payment_slot *s = &table[i];
    int tries;
    for (tries = 0; tries < READ_TRIES; tries++) {
      uint64_t begin = read_begin(&s->seq);
      int same = LOAD64(&s->parent) == parent && LOAD64(&s->scope) == scope;
      for (k = 0; same && k < REF_WORDS; k++) same = LOAD64(&s->ref[k]) == ref[k];
      for (k = 0; same && k < PAY_WORDS; k++) buf[k] = LOAD64(&s->payment[k]);
      if (!read_ok(&s->seq, begin)) continue;
      if (!same) break;
      memcpy(out, buf, sizeof *out);
      return 1;
    }
    if (tries == READ_TRIES) return 0;
  }
  return 0;
}

/* ---- writers (under the lock) -------------------------------------------------------------- */

void wall_snapshot_handle_open(uintptr_t id, uintptr_t parent, uint64_t scope) {
  size_t base = handle_window(id), i;
  wall_lock(&writers);
  for (i = base; i < base + WINDOW; i++) {
    handle_slot *s = &handles[i];
    if (LOAD64(&s->id) != 0) continue;
    write_begin(&s->seq);
    STORE64(&s->id, id);
    STORE64(&s->parent, parent);
    STORE64(&s->scope, scope);
    write_end(&s->seq);
    break;
  }
  wall_unlock(&writers); /* no free slot: this handle's polls go to Go */
}

static void clear_payment(payment_slot *s) {
  size_t k;
  write_begin(&s->seq);
  STORE64(&s->parent, 0);
  STORE64(&s->scope, 0);
  for (k = 0; k < REF_WORDS; k++) STORE64(&s->ref[k], 0);
  write_end(&s->seq);
}

void wall_snapshot_handle_close(uintptr_t id) {
  size_t base = handle_window(id), i;
  int parent = 0;
  if (id == 0) return;
  wall_lock(&writers);
  for (i = base; i < base + WINDOW; i++) {
    handle_slot *s = &handles[i];
    if (LOAD64(&s->id) != id) continue;
    parent = LOAD64(&s->parent) == id;
    write_begin(&s->seq);
    STORE64(&s->id, 0);
    STORE64(&s->parent, 0);
    STORE64(&s->scope, 0);
    write_end(&s->seq);
  }
  if (parent && payments != NULL) /* the client's payments go with it */
    for (i = 0; i < PAYMENT_SLOTS; i++)
      if (LOAD64(&payments[i].parent) == id) clear_payment(&payments[i]);
  wall_unlock(&writers);
}

static int parent_open(uint64_t parent) {
  size_t base = handle_window(parent), i;
  for (i = base; i < base + WINDOW; i++)
    if (LOAD64(&handles[i].id) == parent && LOAD64(&handles[i].parent) == parent) return 1;
  return 0;
}

void wall_snapshot_publish(uintptr_t parent, uint64_t scope, const char *reference, size_t len,
                           const vmp_payment *p) {
  uint64_t ref[REF_WORDS], buf[PAY_WORDS];
  payment_slot *s = NULL, *table;
  size_t base, i, k;
  if (!ref_words(reference, len, ref)) return;
  memset(buf, 0, sizeof buf);
  memcpy(buf, p, sizeof *p);
  wall_lock(&writers);
  table = payments;
  if (table == NULL) {
    table = calloc(PAYMENT_SLOTS, sizeof *table);
    __atomic_store_n(&payments, table, __ATOMIC_RELEASE);
  }
  if (table == NULL || !parent_open(parent)) { /* no memory; or a client being closed */
    wall_unlock(&writers);
    return;
  }
  base = payment_window(parent, scope, ref);
  for (i = base; i < base + WINDOW && s == NULL; i++) { /* its own slot */
    int same = LOAD64(&table[i].parent) == parent && LOAD64(&table[i].scope) == scope;
    for (k = 0; same && k < REF_WORDS; k++) same = LOAD64(&table[i].ref[k]) == ref[k];
    if (same) s = &table[i];
  }
  for (i = base; i < base + WINDOW && s == NULL; i++) /* a free one */
    if (LOAD64(&table[i].parent) == 0) s = &table[i];
  if (s == NULL) { /* the least recently updated one */
    s = &table[base];
    for (i = base + 1; i < base + WINDOW; i++)
      if (LOAD64(&table[i].stamp) < LOAD64(&s->stamp)) s = &table[i];
  }
  write_begin(&s->seq);
  STORE64(&s->parent, parent);
  STORE64(&s->scope, scope);
  STORE64(&s->stamp, ++stamps);
  for (k = 0; k < REF_WORDS; k++) STORE64(&s->ref[k], ref[k]);
  for (k = 0; k < PAY_WORDS; k++) STORE64(&s->payment[k], buf[k]);
  write_end(&s->seq);
  wall_unlock(&writers);
}

void wall_snapshot_forget(uintptr_t parent, uint64_t scope, const char *reference, size_t len) {
  uint64_t ref[REF_WORDS];
  size_t base, i, k;
  if (!ref_words(reference, len, ref)) return;
  wall_lock(&writers);
  if (payments != NULL) {
    base = payment_window(parent, scope, ref);
    for (i = base; i < base + WINDOW; i++) {
      int same = LOAD64(&payments[i].parent) == parent && LOAD64(&payments[i].scope) == scope;
      for (k = 0; same && k < REF_WORDS; k++) same = LOAD64(&payments[i].ref[k]) == ref[k];
      if (same) clear_payment(&payments[i]);
    }
  }
  wall_unlock(&writers);
}
