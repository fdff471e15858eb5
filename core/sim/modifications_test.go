package sim

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Payment set-ups for the modification tests; every payment is 10 000 øre.
const (
	inCreated          = "created"
	inAuthorized       = "authorized"
	inAborted          = "aborted"
	inExpired          = "expired"
	inTerminated       = "terminated"
	inPartlyCaptured   = "authorized, 3000 captured"
	inFullyCaptured    = "authorized, fully captured"
	inCancelledAfter   = "authorized, then cancelled"
	inCapturedCancel   = "authorized, 3000 captured, rest cancelled"
	inCapturedRefunded = "authorized, fully captured, 4000 refunded"
)

func prepare(t *testing.T, r *rig, ref, setup string) {
	t.Helper()
	must := func(a answer) {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("preparing %q: %v", setup, a)
		}
	}
	switch setup {
	case inCreated, inExpired, inTerminated:
		r.create(ref, 10000, MSISDNWaitsForControl)
	case inAborted:
		r.create(ref, 10000, MSISDNRejects)
	default:
		r.create(ref, 10000, "4791234567")
	}
	switch setup {
	case inExpired:
		if err := r.srv.Expire(ref); err != nil {
			t.Fatal(err)
		}
	case inTerminated:
		must(r.cancel(ref, ""))
	case inPartlyCaptured:
		must(r.capture(ref, 3000, "prep-cap"))
	case inFullyCaptured:
		must(r.capture(ref, 10000, "prep-cap"))
	case inCancelledAfter:
		must(r.cancel(ref, ""))
	case inCapturedCancel:
		must(r.capture(ref, 3000, "prep-cap"))
		must(r.cancel(ref, ""))
	case inCapturedRefunded:
		must(r.capture(ref, 10000, "prep-cap"))
		must(r.refund(ref, 4000, "prep-ref"))
	}
}

func TestModificationsFollowTheVippsRules(t *testing.T) {
	type op struct{ kind, body string }
	capture := func(v int64) op { return op{"capture", amountBody(v)} }
	refund := func(v int64) op { return op{"refund", amountBody(v)} }
	cancel := func(body string) op { return op{"cancel", body} }
	cases := []struct {
		name    string
		setup   string
		op      op
		status  int
		code    int
		wantAgg [4]int64 // authorized, cancelled, captured, refunded after a success
	}{
		{"a full capture of an authorized payment succeeds", inAuthorized, capture(10000), 200, 0, [4]int64{10000, 0, 10000, 0}},
		{"a partial capture of an authorized payment succeeds", inAuthorized, capture(2500), 200, 0, [4]int64{10000, 0, 2500, 0}},
		{"a second partial capture up to the reservation succeeds", inPartlyCaptured, capture(7000), 200, 0, [4]int64{10000, 0, 10000, 0}},
		{"a capture above the remaining reservation is 6090", inPartlyCaptured, capture(7001), 400, codeCaptureTooHigh, [4]int64{}},
		{"a capture above the authorized amount is 6090", inAuthorized, capture(10001), 400, codeCaptureTooHigh, [4]int64{}},
		{"a capture before the customer approved is 6080", inCreated, capture(1000), 400, codeCaptureBeforeReserve, [4]int64{}},
		{"a capture of a terminated payment is 6070", inTerminated, capture(1000), 400, codeCaptureCancelled, [4]int64{}},
		{"a capture after cancelling the reservation is 6070", inCancelledAfter, capture(1000), 400, codeCaptureCancelled, [4]int64{}},
		{"a capture after cancelling the rest of a partly captured payment is 6070", inCapturedCancel, capture(100), 400, codeCaptureCancelled, [4]int64{}},
		{"a capture of an aborted payment is 6200", inAborted, capture(1000), 400, codeCannotCapture, [4]int64{}},
		{"a capture of an expired payment is 6200", inExpired, capture(1000), 400, codeCannotCapture, [4]int64{}},
		{"a capture in another currency is 4040", inAuthorized, op{"capture", `{"modificationAmount":{"currency":"DKK","value":100}}`}, 400, codeInvalidAmount, [4]int64{}},
		{"a capture of nothing is 4040", inAuthorized, capture(0), 400, codeInvalidAmount, [4]int64{}},
		{"a capture with a decimal amount is 4040", inAuthorized, op{"capture", `{"modificationAmount":{"currency":"NOK","value":100.5}}`}, 400, codeInvalidAmount, [4]int64{}},
		{"a capture in an unsupported currency is 5040", inAuthorized, op{"capture", `{"modificationAmount":{"currency":"SEK","value":100}}`}, 400, codeInvalidCurrency, [4]int64{}},
		{"a capture without modificationAmount is 4140", inAuthorized, op{"capture", `{}`}, 400, codeMissingParameter, [4]int64{}},
		{"a capture with a malformed body is 400", inAuthorized, op{"capture", `{"modificationAmount":`}, 400, 0, [4]int64{}},

		{"a partial refund of a captured payment succeeds", inFullyCaptured, refund(4000), 200, 0, [4]int64{10000, 0, 10000, 4000}},
		{"a refund of the rest after a partial refund succeeds", inCapturedRefunded, refund(6000), 200, 0, [4]int64{10000, 0, 10000, 10000}},
		{"a refund of more than is left is 6150", inCapturedRefunded, refund(6001), 400, codeNotEnoughRefundable, [4]int64{}},
		{"a refund of more than was captured is 6150", inPartlyCaptured, refund(3001), 400, codeNotEnoughRefundable, [4]int64{}},
		{"a refund of the captured part after a cancel succeeds", inCapturedCancel, refund(3000), 200, 0, [4]int64{10000, 7000, 3000, 3000}},
		{"a refund before the customer approved is 6020", inCreated, refund(1000), 400, codeRefundBeforeReserve, [4]int64{}},
		{"a refund of an authorized but uncaptured payment is 6020", inAuthorized, refund(1000), 400, codeRefundBeforeReserve, [4]int64{}},
		{"a refund of an aborted payment is 6210", inAborted, refund(1000), 400, codeCannotRefund, [4]int64{}},
		{"a refund of a terminated payment is 6210", inTerminated, refund(1000), 400, codeCannotRefund, [4]int64{}},
		{"a refund in another currency is 4040", inFullyCaptured, op{"refund", `{"modificationAmount":{"currency":"EUR","value":100}}`}, 400, codeInvalidAmount, [4]int64{}},

		{"a cancel of an authorized payment releases the whole reservation", inAuthorized, cancel(""), 200, 0, [4]int64{10000, 10000, 0, 0}},
		{"a cancel with an empty JSON object behaves like no body", inAuthorized, cancel("{}"), 200, 0, [4]int64{10000, 10000, 0, 0}},
		{"a cancel after a partial capture releases the rest", inPartlyCaptured, cancel(`{"cancelTransactionOnly":false}`), 200, 0, [4]int64{10000, 7000, 3000, 0}},
		{"cancelTransactionOnly on an authorized payment is 6060", inAuthorized, cancel(`{"cancelTransactionOnly":true}`), 400, codeCannotCancelAuthorized, [4]int64{}},
		{"a cancel of a fully captured payment is 6040", inFullyCaptured, cancel(""), 400, codeCannotCancelCaptured, [4]int64{}},
		{"a cancel of an aborted payment is 6050", inAborted, cancel(""), 400, codeCannotCancelUnreserved, [4]int64{}},
		{"a cancel of an expired payment is 6050", inExpired, cancel(""), 400, codeCannotCancelUnreserved, [4]int64{}},
		{"a repeated cancel answers as the first did", inCancelledAfter, cancel(""), 200, 0, [4]int64{10000, 10000, 0, 0}},
		{"a repeated cancel of a terminated payment answers as the first did", inTerminated, cancel(""), 200, 0, [4]int64{0, 10000, 0, 0}},
		{"a cancel with a malformed body is 400", inAuthorized, cancel(`{"cancelTransactionOnly":"yes"}`), 400, 0, [4]int64{}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := instantRig(t)
			ref := fmt.Sprintf("modification-%03d", i)
			prepare(t, r, ref, tc.setup)
			before, _ := r.srv.Payment(ref)
			a := r.epay(http.MethodPost, "/epayment/v1/payments/"+ref+"/"+tc.op.kind, tc.op.body, "Idempotency-Key", "op-"+ref)
			after, _ := r.srv.Payment(ref)
			if tc.status != http.StatusOK {
				wantProblem(t, a, tc.status, tc.code)
				if len(after.Events) != len(before.Events) || after.Aggregate != before.Aggregate {
					t.Fatalf("a refused %s changed the payment: %+v", tc.op.kind, after)
				}
				return
			}
			if a.status != http.StatusOK || a.header.Get("Content-Type") != contentJSON {
				t.Fatalf("%s: %v (%s)", tc.op.kind, a, a.header.Get("Content-Type"))
			}
			var resp modificationResponse
			if err := wirejson.UnmarshalStrict(a.body, &resp); err != nil {
				t.Fatal(err)
			}
			agg := resp.Aggregate
			if got := [4]int64{agg.AuthorizedAmount.Value, agg.CancelledAmount.Value, agg.CapturedAmount.Value, agg.RefundedAmount.Value}; got != tc.wantAgg {
				t.Fatalf("aggregate %v, want %v", got, tc.wantAgg)
			}
			if resp.Reference != ref || resp.Amount != (Amount{"NOK", 10000}) || resp.State != after.State || resp.Aggregate != after.Aggregate {
				t.Fatalf("response %+v does not match the payment %+v", resp, after)
			}
			last := after.Events[len(after.Events)-1]
			if resp.PSPReference != last.PSPReference {
				t.Fatalf("response pspReference %s, want the last event's %s", resp.PSPReference, last.PSPReference)
			}
		})
	}
}

func TestACancelAfterAuthorizationKeepsTheStateAuthorized(t *testing.T) {
	r := instantRig(t)
	prepare(t, r, "cancel-keeps-state", inPartlyCaptured)
	r.cancel("cancel-keeps-state", "", "Idempotency-Key", "c-1")
	got := r.get("cancel-keeps-state")
	if got.State != StateAuthorized || got.Aggregate.CancelledAmount.Value != 7000 {
		t.Fatalf("after cancel: %+v", got)
	}
	evs := r.events("cancel-keeps-state")
	if last := evs[len(evs)-1]; last.Name != EventCancelled || last.Amount.Value != 7000 || derefKey(last.IdempotencyKey) != "c-1" {
		t.Fatalf("cancel event %+v", last)
	}
	if st := r.srv.Stats(); st.Cancels != 1 || st.Captures != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestForceApproveOfAPaymentThatLeftCreatedIs10010(t *testing.T) {
	r := instantRig(t)
	r.create("force-twice-1", 1000, "4791234567")
	a := r.epay(http.MethodPost, "/epayment/v1/test/payments/force-twice-1/approve", "")
	wantProblem(t, a, http.StatusBadRequest, codeApproveFailed)
}

func TestForceApproveChecksItsCustomer(t *testing.T) {
	r := newRig(t, Options{})
	r.create("force-customer", 1000, MSISDNWaitsForControl)
	cases := []struct {
		name, body string
		code       int
	}{
		{"an invalid phone number is 4070", `{"customer":{"phoneNumber":"12"}}`, codeInvalidPhoneNumber},
		{"an invalid personal QR is 4060", `{"customer":{"personalQr":"https://example.com/x"}}`, codeInvalidPersonalQR},
		{"a malformed body is 400", `{"customer":`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			wantProblem(t, r.epay(http.MethodPost, "/epayment/v1/test/payments/force-customer/approve", tc.body), http.StatusBadRequest, tc.code)
		})
	}
	if a := r.epay(http.MethodPost, "/epayment/v1/test/payments/force-customer/approve", `{"token":"abc","customer":{"personalQr":"`+PersonalQR("4790000004")+`"}}`); a.status != http.StatusOK {
		t.Fatalf("forceApprove: %v", a)
	}
	if st := r.srv.Stats(); st.ForceApprovals != 1 {
		t.Fatalf("ForceApprovals = %d", st.ForceApprovals)
	}
}
