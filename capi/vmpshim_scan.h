/*
 * vmpshim_scan.h - the scanner part of vmp.c that the Go side of capi calls. Internal to
 * libvmp, like vmpshim.h: never installed, never exported.
 */
#ifndef VMPSHIM_SCAN_H
#define VMPSHIM_SCAN_H

#include "vmp.h"
#include "vmpshim.h"

/*
 * Calls a till's vmp_on_scan callback with a vmp_scan built from the arguments on this C stack
 * frame. aim_id points to VMP_AIM_ID_SIZE bytes (NUL-padded); text to text_len bytes and a NUL.
 * Both are Go memory, valid for the call only - which is exactly what the callback may assume.
 * While fn runs, the thread is marked as inside a scan callback (see vmp_on_scan).
 */
VMPSHIM_HIDDEN void vmpshim_deliver_scan(vmp_scan_fn fn, void *user_data, vmp_scan_event event,
                                         vmp_code_kind kind, vmp_scan_source source,
                                         uint64_t sequence, int64_t time_unix_ms,
                                         const char *aim_id, const char *text, size_t text_len);

#endif /* VMPSHIM_SCAN_H */
