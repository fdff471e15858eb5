package main

/*
#include "vmp.h"
*/
import "C"

import "github.com/vmp-dev/vmp/core"

//export vmpgo_payment_events
func vmpgo_payment_events(h C.uintptr_t, ref *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_payment_events", &st)
	return statusOf(paymentEvents(h, ref, out))
}

// paymentEvents gives the payment's event log as Vipps' JSON array; *out is NULL on failure.
func paymentEvents(h C.uintptr_t, ref *C.char, out **C.char) error {
	return referenceJSON(h, ref, out, func(t target, reference string) (any, error) {
		return t.unit.PaymentEvents(t.ctx, reference)
	})
}

// referenceJSON is the frame of a call that takes a payment reference and gives JSON: *out is
// NULL on failure, the handle is entered for the call, NULL arguments are refused clearly.
func referenceJSON(h C.uintptr_t, ref *C.char, out **C.char, answer func(t target, reference string) (any, error)) error {
	if out != nil {
		*out = nil
	}
	t, reference, err := targetAndString(h, ref, "reference")
	if err != nil {
		return err
	}
	defer t.leave()
	if out == nil {
		return argError(core.CodeInvalidArgument, "out_json is NULL")
	}
	v, err := answer(t, reference)
	if err != nil {
		return err
	}
	return giveJSON(out, v)
}
