package main

/*
#include "vmp.h"
*/
import "C"

import (
	"github.com/vmp-dev/vmp/core"
)

//export vmpgo_attach_receipt
func vmpgo_attach_receipt(h C.uintptr_t, ref, receipt *C.char) (st C.vmp_status) {
	defer guard("vmp_attach_receipt", &st)
	return statusOf(attachReceipt(h, ref, receipt))
}

func attachReceipt(h C.uintptr_t, ref, receipt *C.char) error {
	t, reference, err := targetAndString(h, ref, "reference")
	if err != nil {
		return err
	}
	defer t.leave()
	text, err := goJSON(receipt, "receipt_json")
	if err != nil {
		return err
	}
	r, err := core.ParseReceipt([]byte(text))
	if err != nil {
		return err
	}
	return t.unit.AttachReceipt(t.ctx, reference, r)
}

//export vmpgo_receipt_warnings
func vmpgo_receipt_warnings(h C.uintptr_t, ref *C.char, out **C.char) (st C.vmp_status) {
	defer guard("vmp_receipt_warnings", &st)
	return statusOf(receiptWarnings(h, ref, out))
}

// receiptWarnings gives the warnings as a JSON array of strings; *out is NULL on failure.
func receiptWarnings(h C.uintptr_t, ref *C.char, out **C.char) error {
	return referenceJSON(h, ref, out, func(t target, reference string) (any, error) {
		warnings, err := t.unit.ReceiptWarnings(reference)
		if warnings == nil {
			warnings = []string{}
		}
		return warnings, err
	})
}
