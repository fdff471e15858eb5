/*
 * vmpshim_log.h - the log part of vmp.c that the Go side of capi calls. Internal to libvmp,
 * like vmpshim.h: never installed, never exported.
 */
#ifndef VMPSHIM_LOG_H
#define VMPSHIM_LOG_H

#include "vmp.h"
#include "vmpshim.h"
#include "wall.h"

/*
 * Calls a till's vmp_on_log callback on its callback thread t (wall_callbacks.c) with a
 * vmp_log_record built from the arguments, and returns when fn has returned. text holds the
 * record's three NUL-terminated strings one after the other (text_len bytes, NULs included):
 * the component at 0, the message at offset message, the fields at offset fields. It is Go
 * memory, copied into C memory that stays valid for fn's call - which is exactly what the
 * callback may assume. While fn runs, its thread is marked as inside a log callback (see
 * vmp_on_log).
 */
VMPSHIM_HIDDEN void vmpshim_deliver_log(wall_callback_thread *t, vmp_log_fn fn, void *user_data,
                                        vmp_log_level level, uint64_t sequence, int64_t time_unix_ms,
                                        const char *text, size_t message, size_t fields,
                                        size_t text_len);

#endif /* VMPSHIM_LOG_H */
