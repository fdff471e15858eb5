package main

/*
#include <string.h>
#include "vmp.h"
*/
import "C"

import (
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
)

// The string arguments of vmp.h come in three kinds, each copied by its own function here
// (the caller's memory is only borrowed for the call, and the engine may keep what it gets):
//
//   - text (references, operation ids, phone numbers, names, ids, secrets) must be UTF-8.
//     Text that is not would reach Vipps or the journal changed - an encoder turns each bad
//     byte into U+FFFD - so it is refused here, for every text argument at once, before
//     anything is journaled or sent;
//   - JSON is at most maxJSONBytes; its decoder (wirejson.UnmarshalStrict) refuses text that
//     is not Unicode as malformed JSON;
//   - data (a scanned code handed in, the headers of a webhook delivery) is taken byte for
//     byte, as it was received.

// maxJSONBytes bounds every JSON argument (VMP_ERR_INVALID_ARGUMENT beyond): no configuration,
// checkout, receipt, enrollment or webhook request comes near it, and nothing longer should
// be parsed, journaled or sent.
const maxJSONBytes = 1 << 20

// goString copies a required text argument.
func goString(p *C.char, name string) (string, error) {
	if p == nil {
		return "", argError(core.CodeInvalidArgument, "%s is NULL", name)
	}
	return checkText(C.GoString(p), name)
}

// optionalString copies an optional text argument: NULL and "" both mean "not given".
func optionalString(p *C.char, name string) (string, error) {
	if p == nil {
		return "", nil
	}
	return checkText(C.GoString(p), name)
}

// checkText refuses text that is not UTF-8, naming the first bad byte, never the text.
func checkText(s, name string) (string, error) {
	if utf8.ValidString(s) {
		return s, nil
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return "", argError(core.CodeInvalidArgument, "%s is not valid UTF-8 (byte %d)", name, i)
			}
		}
	}
	return "", argError(core.CodeInvalidArgument, "%s is not valid UTF-8", name)
}

// goJSON copies a required JSON argument of at most maxJSONBytes.
func goJSON(p *C.char, name string) (string, error) {
	if p == nil {
		return "", argError(core.CodeInvalidArgument, "%s is NULL", name)
	}
	n := uint64(C.strlen(p))
	if n > maxJSONBytes {
		return "", argError(core.CodeInvalidArgument, "%s is %d bytes; a JSON argument is at most %d", name, n, maxJSONBytes)
	}
	return C.GoStringN(p, C.int(n)), nil
}

// optionalJSON is goJSON for an argument that may be NULL ("").
func optionalJSON(p *C.char, name string) (string, error) {
	if p == nil {
		return "", nil
	}
	return goJSON(p, name)
}

// goData copies a required data argument byte for byte.
func goData(p *C.char, name string) (string, error) {
	if p == nil {
		return "", argError(core.CodeInvalidArgument, "%s is NULL", name)
	}
	return C.GoString(p), nil
}

// optionalData copies an optional data argument byte for byte; NULL is "".
func optionalData(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// putCString writes s and a NUL into the caller's buffer of capacity bytes, cutting s if it
// does not fit (callers check the capacity first). The slice is bounded by what is written,
// since capacity is the caller's word and may be anything.
func putCString(dst *C.char, capacity C.size_t, s string) {
	n := uint64(len(s)) + 1
	if uint64(capacity) < n {
		n = uint64(capacity)
	}
	putChars(unsafe.Slice(dst, n), s)
}

// putChars copies s into a fixed char array and NUL-terminates it.
func putChars(dst []C.char, s string) {
	if len(dst) == 0 {
		return
	}
	n := min(len(s), len(dst)-1)
	for i := 0; i < n; i++ {
		dst[i] = C.char(s[i])
	}
	dst[n] = 0
}

// checkPaymentOut checks a caller's vmp_payment before the engine runs, so a bad struct never
// costs a money-moving call whose result could not be delivered.
func checkPaymentOut(out *C.vmp_payment, required bool) error {
	if out == nil {
		if required {
			return argError(core.CodeInvalidArgument, "out is NULL")
		}
		return nil
	}
	return checkStructSize("out", uint32(out.struct_size), paymentSize020)
}

// paymentSize020 is the size of vmp 0.2.0's vmp_payment (up to reference): a till built
// against that header gives it, and gets the fields it knows (vmp.c's give_payment copies no
// more than struct_size bytes).
var paymentSize020 = uint32(unsafe.Offsetof(C.vmp_payment{}.created_at_ms))

// fillPayment writes p into the shim's full-size vmp_payment when the status delivers one;
// vmp.c copies it to the caller's struct.
func fillPayment(full *C.vmp_payment, p core.Payment, err error) error {
	if paymentFilled(core.CodeOf(err)) {
		putPayment(full, p)
	}
	return err
}

// paymentFilled lists the statuses that deliver a payment: success, and the two failures whose
// point is the payment's true state (vmp.c's give_payment copies it for the same statuses).
func paymentFilled(code core.Code) bool {
	return code == core.CodeOK || code == core.CodeAlreadyAuthorized || code == core.CodeCaptureMismatch
}

// putPayment converts an engine payment to the C struct (every byte of dst is written).
func putPayment(dst *C.vmp_payment, p core.Payment) {
	*dst = C.vmp_payment{
		struct_size:       C.uint32_t(C.sizeof_vmp_payment),
		state:             C.vmp_payment_state(p.State),
		amount:            C.int64_t(p.Amount),
		authorized_amount: C.int64_t(p.Authorized),
		captured_amount:   C.int64_t(p.Captured),
		refunded_amount:   C.int64_t(p.Refunded),
		cancelled_amount:  C.int64_t(p.Cancelled),
	}
	putChars(dst.currency[:], p.Currency)
	putChars(dst.reference[:], p.Reference)
	dst.created_at_ms = C.int64_t(unixMillis(p.CreatedAt))
	dst.last_changed_ms = C.int64_t(unixMillis(p.LastChanged))
	putChars(dst.psp_reference[:], p.PSPReference)
}

// unixMillis is t in Unix milliseconds; 0 for the zero time (unknown).
func unixMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
