/*
 * header_test.c - include/vmp.h must compile clean as C99 and as C++11 under
 * -Wall -Wextra -Werror -pedantic (run.sh builds this file both ways), declare every function
 * the library exports (the program takes each one's address, so linking fails on a missing
 * symbol), and keep vmp_payment's and vmp_vipps_error's layouts fixed: the bindings mirror
 * them field by field.
 */
#include "vmp.h"

#include <stddef.h>
#include <stdio.h>

/* A negative array size stops the build; works in C99 and C++11 without static_assert. */
#define HEADER_ASSERT(name, cond) typedef char header_assert_##name[(cond) ? 1 : -1]

/* The same offsets on every platform (also 32-bit x86, where int64_t aligns to 4). */
HEADER_ASSERT(struct_size_first, offsetof(vmp_payment, struct_size) == 0);
HEADER_ASSERT(state_at_4, offsetof(vmp_payment, state) == 4);
HEADER_ASSERT(amount_at_8, offsetof(vmp_payment, amount) == 8);
HEADER_ASSERT(authorized_at_16, offsetof(vmp_payment, authorized_amount) == 16);
HEADER_ASSERT(captured_at_24, offsetof(vmp_payment, captured_amount) == 24);
HEADER_ASSERT(refunded_at_32, offsetof(vmp_payment, refunded_amount) == 32);
HEADER_ASSERT(cancelled_at_40, offsetof(vmp_payment, cancelled_amount) == 40);
HEADER_ASSERT(currency_at_48, offsetof(vmp_payment, currency) == 48);
HEADER_ASSERT(reference_at_52, offsetof(vmp_payment, reference) == 52);
HEADER_ASSERT(payment_0_2_0_ends_at_120, offsetof(vmp_payment, created_at_ms) == 120);
HEADER_ASSERT(last_changed_at_128, offsetof(vmp_payment, last_changed_ms) == 128);
HEADER_ASSERT(psp_reference_at_136, offsetof(vmp_payment, psp_reference) == 136);
HEADER_ASSERT(payment_size, sizeof(vmp_payment) == 208);
HEADER_ASSERT(psp_reference_holds_64, VMP_PSP_REFERENCE_SIZE == 65);
HEADER_ASSERT(vipps_error_status_at_4, offsetof(vmp_vipps_error, http_status) == 4);
HEADER_ASSERT(vipps_error_code_at_8, offsetof(vmp_vipps_error, error_code) == 8);
HEADER_ASSERT(vipps_error_title_at_40, offsetof(vmp_vipps_error, title) == 40);
HEADER_ASSERT(vipps_error_trace_at_296, offsetof(vmp_vipps_error, trace_id) == 296);
HEADER_ASSERT(vipps_error_v1_size, sizeof(vmp_vipps_error) == 424);
HEADER_ASSERT(status_is_32_bits, sizeof(vmp_status) == 4);
HEADER_ASSERT(state_is_32_bits, sizeof(vmp_payment_state) == 4);
HEADER_ASSERT(reference_holds_64, VMP_REFERENCE_SIZE == 65);
HEADER_ASSERT(internal_is_17, VMP_ERR_INTERNAL == 17);

/* Every function of vmp.h, typed exactly as declared: a changed signature fails to compile. */
struct header_functions {
  const char *(VMP_CALL *version)(void);
  const char *(VMP_CALL *status_str)(vmp_status);
  const char *(VMP_CALL *state_str)(vmp_payment_state);
  const char *(VMP_CALL *last_error)(void);
  vmp_status(VMP_CALL *last_vipps_error)(vmp_vipps_error *);
  void(VMP_CALL *free_)(void *);
  vmp_status(VMP_CALL *init)(const char *, vmp_client **);
  vmp_status(VMP_CALL *close_)(vmp_client *);
  vmp_status(VMP_CALL *start_checkout)(vmp_client *, const char *, char *, size_t);
  vmp_status(VMP_CALL *poll_status)(vmp_client *, const char *, int32_t, vmp_payment *);
  vmp_status(VMP_CALL *capture)(vmp_client *, const char *, int64_t, const char *, vmp_payment *);
  vmp_status(VMP_CALL *refund)(vmp_client *, const char *, int64_t, const char *, vmp_payment *);
  vmp_status(VMP_CALL *cancel)(vmp_client *, const char *, uint32_t, const char *, vmp_payment *);
};

int main(void) {
  struct header_functions f = {vmp_version,  vmp_status_str,     vmp_state_str,   vmp_last_error,
                               vmp_last_vipps_error, vmp_free,     vmp_init,           vmp_close,       vmp_start_checkout,
                               vmp_poll_status, vmp_capture,     vmp_refund,      vmp_cancel};
  /* Only the informational functions run: this test is about the header, not the engine. */
  printf("header ok: vmp %s (header %d.%d.%d), %s, %s\n", f.version(), VMP_VERSION_MAJOR,
         VMP_VERSION_MINOR, VMP_VERSION_PATCH, f.status_str(VMP_ERR_INTERNAL),
         f.state_str(VMP_STATE_AUTHORIZED));
  return f.init == NULL || f.cancel == NULL;
}
