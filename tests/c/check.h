/*
 * check.h - reporting for the C test programs: one "ok"/"FAIL" line per check and a closing
 * "N passed, M failed" line. Header-only and included once per program; check() may be called
 * from any thread.
 */
#ifndef VMP_TEST_CHECK_H
#define VMP_TEST_CHECK_H

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmp.h"

static pthread_mutex_t check_mu = PTHREAD_MUTEX_INITIALIZER;
static int passed, failed;

static inline int check(int ok, const char *fmt, ...) {
  va_list ap;
  pthread_mutex_lock(&check_mu);
  fputs(ok ? "ok   " : "FAIL ", stdout);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  if (ok) passed++;
  else failed++;
  pthread_mutex_unlock(&check_mu);
  return ok;
}

/* Case-insensitive substring test. */
static inline int contains(const char *text, const char *word, size_t word_len) {
  size_t i, j;
  for (i = 0; text[i] != '\0'; i++) {
    for (j = 0; j < word_len && text[i + j] != '\0'; j++)
      if (tolower((unsigned char)text[i + j]) != tolower((unsigned char)word[j])) break;
    if (j == word_len) return 1;
  }
  return 0;
}

/* Whether text contains one of the '|'-separated words, case-insensitively. */
static inline int mentions(const char *text, const char *words) {
  const char *bar;
  for (;;) {
    bar = strchr(words, '|');
    if (contains(text, words, bar ? (size_t)(bar - words) : strlen(words))) return 1;
    if (bar == NULL) return 0;
    words = bar + 1;
  }
}

/*
 * Whether text shows what could be a phone number: a standalone run of seven or more digits
 * (runs inside a word, such as a traceId's hex, are identifiers, as vmp masks them).
 */
static inline int has_long_digit_run(const char *text) {
  size_t i = 0, j;
  while (text[i] != '\0') {
    if (!isdigit((unsigned char)text[i])) {
      i++;
      continue;
    }
    for (j = i; isdigit((unsigned char)text[j]); j++) {
    }
    if (j - i >= 7 && (i == 0 || !isalpha((unsigned char)text[i - 1])) && !isalpha((unsigned char)text[j]))
      return 1;
    i = j;
  }
  return 0;
}

/*
 * Checks a status; after a failure also that vmp_last_error() says something about the
 * problem (one of words, when given), after a success that it is "". Reads vmp_last_error()
 * before any other vmp_ call, which would reset it.
 */
static inline int expect_status(const char *what, vmp_status got, vmp_status want, const char *words) {
  const char *err = vmp_last_error();
  int ok = got == want && err != NULL;
  if (ok && want != VMP_OK) ok = err[0] != '\0' && (words == NULL || mentions(err, words));
  if (ok && want == VMP_OK) ok = err[0] == '\0';
  return check(ok, "%s -> %s (want %s%s%s) last_error=\"%s\"", what, vmp_status_str(got),
               vmp_status_str(want), words ? ", mentioning " : "", words ? words : "",
               err ? err : "(NULL)");
}

/* EXPECT(call, want, "word|other word"), or NULL for any non-empty detail. */
#define EXPECT(call, want, words) expect_status(#call, (call), (want), (words))

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* Prints the closing line and gives the exit status: 0 when something ran and nothing failed. */
static inline int check_summary(void) {
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

#endif /* VMP_TEST_CHECK_H */
