/*
 * vmpshim.h - the part of vmp.c that the Go side of capi calls. Internal to libvmp: never
 * installed, never exported (hidden where the toolchain supports it), not named vmp_*.
 */
#ifndef VMPSHIM_H
#define VMPSHIM_H

#include <stddef.h>
#include <stdint.h>

#include "vmp.h"

/* Capacity of each thread's vmp_last_error() buffer, NUL included. Go truncates to fit. */
#define VMPSHIM_LAST_ERROR_SIZE 1024

/* What a thread's last failed call left: vmp_last_error's text and vmp_last_vipps_error's
 * account. One struct, so that the wall hands a worker one place to write both. */
typedef struct vmpshim_last_failure {
  char text[VMPSHIM_LAST_ERROR_SIZE];
  vmp_vipps_error vipps; /* struct_size unused; http_status 0 when Vipps gave no answer */
} vmpshim_last_failure;

/*
 * ELF and Mach-O can keep a symbol out of the dynamic table; PE exports only what is marked
 * dllexport, and mingw gcc warns (an error under -Werror) about the visibility attribute.
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32) && !defined(__CYGWIN__)
#  define VMPSHIM_HIDDEN __attribute__((visibility("hidden")))
#else
#  define VMPSHIM_HIDDEN
#endif

/*
 * Sets the calling thread's vmp_last_error() text to the len bytes at msg (no NUL needed; longer
 * text is cut). Go calls it while still on the thread of the vmp_ call that failed.
 */
VMPSHIM_HIDDEN void vmpshim_set_last_error(const char *msg, size_t len);

/*
 * Sets the calling thread's vmp_last_vipps_error() account, like vmpshim_set_last_error: the
 * texts are len bytes each (no NUL needed), cut by Go at a character boundary to fit.
 */
VMPSHIM_HIDDEN void vmpshim_set_vipps_error(int32_t http_status, const char *code, size_t code_len,
                                            const char *title, size_t title_len, const char *trace_id,
                                            size_t trace_len);

#endif /* VMPSHIM_H */
