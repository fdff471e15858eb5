/*
 * vmpshim_log.h - the log part of vmp.c that the Go side of capi calls. Internal to libvmp,
 * like vmpshim.h: never installed, never exported.
 */
#ifndef VMPSHIM_LOG_H
#define VMPSHIM_LOG_H

#include "vmp.h"
#include "vmpshim.h"

/*
 * Calls a till's vmp_on_log callback with a vmp_log_record built from the arguments on this C
 * stack frame. The three strings are NUL-terminated Go memory, valid for the call only - which
 * is exactly what the callback may assume. While fn runs, the thread is marked as inside a log
 * callback (see vmp_on_log).
 */
VMPSHIM_HIDDEN void vmpshim_deliver_log(vmp_log_fn fn, void *user_data, vmp_log_level level,
                                        uint64_t sequence, int64_t time_unix_ms,
                                        const char *component, const char *message,
                                        const char *fields_json, size_t text_len);

#endif /* VMPSHIM_LOG_H */
