package main

/*
#include "vmp.h"
*/
import "C"

import (
	"context"

	"github.com/vmp-dev/vmp/core"
)

//export vmpgo_find_payments
func vmpgo_find_payments(h C.uintptr_t, query *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_find_payments", &st)
	return statusOf(findPayments(h, query, out, false))
}

//export vmpgo_payment_totals
func vmpgo_payment_totals(h C.uintptr_t, query *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_payment_totals", &st)
	return statusOf(findPayments(h, query, out, true))
}

// findPayments is vmp_find_payments, or vmp_payment_totals when totals.
func findPayments(h C.uintptr_t, query *C.char, out **C.char, totals bool) error {
	if out != nil {
		*out = nil
	}
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	if out == nil {
		return argError(core.CodeInvalidArgument, "out_json is NULL")
	}
	text, err := goJSON(query, "query_json")
	if err != nil {
		return err
	}
	if totals {
		r, err := t.client.PaymentTotals(t.ctx, []byte(text))
		if err != nil {
			return err
		}
		return giveJSON(out, r)
	}
	r, err := t.client.FindPayments(t.ctx, []byte(text))
	if err != nil {
		return err
	}
	return giveJSON(out, r)
}
