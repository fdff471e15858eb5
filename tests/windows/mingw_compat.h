/*
 * mingw_compat.h - what the POSIX-flavoured C tests of tests/c need and mingw-w64 lacks. Force-
 * included (gcc -include) by tests/windows/run.sh when it cross-compiles them for Windows; the
 * tests themselves stay as they are.
 */
#ifndef VMP_MINGW_COMPAT_H
#define VMP_MINGW_COMPAT_H
#ifdef _WIN32

#include <direct.h>
#include <io.h>
#include <stddef.h>

/* POSIX mkdtemp: replaces the trailing XXXXXX of tmpl and creates that folder. */
static inline char *mkdtemp(char *tmpl) {
  if (_mktemp(tmpl) == NULL || _mkdir(tmpl) != 0) return NULL;
  return tmpl;
}

#endif /* _WIN32 */
#endif /* VMP_MINGW_COMPAT_H */
