/*
 * vmpshim_scan.h - the scanner part of vmp.c that the Go side of capi calls. Internal to
 * libvmp, like vmpshim.h: never installed, never exported.
 */
#ifndef VMPSHIM_SCAN_H
#define VMPSHIM_SCAN_H

#include "vmp.h"
#include "vmpshim.h"
#include "wall.h"

/*
 * Calls a till's vmp_on_scan callback on its callback thread t (wall_callbacks.c) with a
 * vmp_scan built from the arguments, and returns when fn has returned. aim_id points to
 * VMP_AIM_ID_SIZE bytes (NUL-padded); text to text_len bytes. Both are Go memory, copied into C
 * memory that stays valid for fn's call - which is exactly what the callback may assume. While
 * fn runs, its thread is marked as inside a scan callback (see vmp_on_scan).
 */
VMPSHIM_HIDDEN void vmpshim_deliver_scan(wall_callback_thread *t, vmp_scan_fn fn, void *user_data,
                                         vmp_scan_event event,
                                         vmp_code_kind kind, vmp_scan_source source,
                                         uint64_t sequence, int64_t time_unix_ms,
                                         const char *aim_id, const char *text, size_t text_len);

#endif /* VMPSHIM_SCAN_H */
