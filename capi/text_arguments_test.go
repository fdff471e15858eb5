package main

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
)

// Text that is not UTF-8 would reach Vipps or the journal with each bad byte turned into
// U+FFFD; it must be refused before anything is journaled or sent (convert.go).

func TestTextArgumentsThatAreNotUTF8AreRefusedBeforeTheEngineRuns(t *testing.T) {
	client, unit := openClientAndUnit(t)
	reference := waitingCheckout(t, unit)
	bad := func(s string) *_Ctype_char { return cString([]byte(s)) }
	msisdn := make([]byte, 16)
	var state _Ctype_vmp_enrollment_state
	var out _Ctype_uintptr_t
	d := _Ctype_vmp_webhook_delivery{struct_size: _Ctype_uint32_t(unsafe.Sizeof(_Ctype_vmp_webhook_delivery{}))}
	calls := map[string]func() _Ctype_vmp_status{
		"vmp_capture operation_id": func() _Ctype_vmp_status {
			return vmpgo_capture(unit, bad(reference), 100, bad("receipt-\xff"), nil, &_Ctype_vmp_payment{})
		},
		"vmp_refund operation_id": func() _Ctype_vmp_status {
			return vmpgo_refund(unit, bad(reference), 100, bad("\xc3"), nil, &_Ctype_vmp_payment{})
		},
		"vmp_cancel operation_id": func() _Ctype_vmp_status {
			return vmpgo_cancel(unit, bad(reference), 0, bad("abort-\xed\xa0\x80"), nil, &_Ctype_vmp_payment{})
		},
		"vmp_identify_customer input": func() _Ctype_vmp_status {
			return vmpgo_identify_customer(client, bad("https://qr.vipps.no/p/\xff\xfe"), (*_Ctype_char)(unsafe.Pointer(&msisdn[0])), 16)
		},
		"vmp_loyalty_check_in phone_number": func() _Ctype_vmp_status {
			return vmpgo_loyalty_check_in(client, bad("+47 912\xa034 567"), 1)
		},
		"vmp_poll_enrollment enrollment_id": func() _Ctype_vmp_status {
			return vmpgo_poll_enrollment(client, bad("\xff"), 0, &state, nil)
		},
		"vmp_cancel_enrollment enrollment_id": func() _Ctype_vmp_status {
			return vmpgo_cancel_enrollment(client, bad("\xff"))
		},
		"vmp_acknowledge operation": func() _Ctype_vmp_status { return vmpgo_acknowledge(client, bad("op-\xff")) },
		"vmp_sales_unit name":       func() _Ctype_vmp_status { return vmpgo_sales_unit(client, bad("store-\xe9"), 1, &out) },
		"vmp_webhook_delete id":     func() _Ctype_vmp_status { return vmpgo_webhook_delete(client, bad("\xff")) },
		"vmp_webhook_verify secret": func() _Ctype_vmp_status { return vmpgo_webhook_verify(bad("s\xe9cret"), &d, 0) },
	}
	for name, call := range calls {
		st := call()
		if core.Code(st) != core.CodeInvalidArgument {
			t.Errorf("%s that is not UTF-8 = %v; want VMP_ERR_INVALID_ARGUMENT", name, core.Code(st))
		}
	}
	var p, full _Ctype_vmp_payment
	p.struct_size = _Ctype_uint32_t(unsafe.Sizeof(p))
	if st := core.Code(vmpgo_poll_status(unit, bad(reference), 0, &p, &full)); st != core.CodeOK || full.captured_amount != 0 ||
		full.cancelled_amount != 0 || full.state != 1 {
		t.Errorf("after the refused calls the payment is %v, state %d, captured %d, cancelled %d; want VMP_OK, CREATED and nothing moved",
			st, full.state, full.captured_amount, full.cancelled_amount)
	}
}

func TestAScannedCodeHandedInIsDataAndMayHoldAnyByte(t *testing.T) {
	client, _ := openClientAndUnit(t)
	if st := core.Code(vmpgo_submit_scan(client, cString([]byte("\xff\xfe-latin1-\xe9")))); st != core.CodeOK {
		t.Fatalf("vmp_submit_scan of a code with bytes that are not UTF-8 = %v; want VMP_OK (vmp_scan.text may hold any byte)", st)
	}
}

func TestAJSONArgumentIsAtMostOneMebibyte(t *testing.T) {
	client, _ := openClientAndUnit(t)
	ref := make([]byte, 65)
	// Well-formed, and a valid checkout but for its size.
	big := `{"amount":100,` + strings.Repeat(" ", maxJSONBytes) + `"phone_number":"4791234567"}`
	st := core.Code(vmpgo_start_checkout(client, cString([]byte(big)), (*_Ctype_char)(unsafe.Pointer(&ref[0])), 65))
	if st != core.CodeInvalidArgument {
		t.Fatalf("a checkout_json of %d bytes = %v; want VMP_ERR_INVALID_ARGUMENT", len(big), st)
	}
	if !bytes.Equal(ref, make([]byte, 65)) {
		t.Fatal("the refused checkout wrote a reference")
	}
}

func TestAnOperationIDIsAtMost128Bytes(t *testing.T) {
	h, _ := openClientAndUnit(t)
	var full _Ctype_vmp_payment
	for n, refused := range map[int]bool{128: false, 129: true, 100000: true} {
		op := cString(bytes.Repeat([]byte("o"), n))
		// The payment does not exist: an operation id that is accepted gets as far as asking.
		st := core.Code(vmpgo_capture(h, cString([]byte("abcdefgh-1")), 100, op, nil, &full))
		if (st == core.CodeInvalidArgument) != refused {
			t.Errorf("vmp_capture with a %d-byte operation_id = %v; refused as an argument: want %t", n, st, refused)
		}
	}
}
