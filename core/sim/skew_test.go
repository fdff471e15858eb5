package sim

import (
	"errors"
	"net/http"
	"testing"
)

func TestASkewedPaymentReportsAnotherCapturedAmount(t *testing.T) {
	r := instantRig(t)
	r.create("skew-0000001", 10000, "4791234567")
	if a := r.capture("skew-0000001", 4000, "cap-1"); a.status != http.StatusOK {
		t.Fatalf("capture: %v", a)
	}
	if err := r.srv.SkewCaptured("skew-0000001", -100); err != nil {
		t.Fatal(err)
	}
	if got := r.get("skew-0000001").Aggregate.CapturedAmount.Value; got != 3900 {
		t.Fatalf("getPayment reports %d captured, want 3900", got)
	}

	// The skew shows in the next capture's answer; the real limit still applies.
	a := r.capture("skew-0000001", 6000, "cap-2")
	var mod modificationResponse
	mustDecode(t, a.body, &mod)
	if a.status != http.StatusOK || mod.Aggregate.CapturedAmount.Value != 9900 {
		t.Fatalf("capture answer %v", a)
	}
	snap, _ := r.srv.Payment("skew-0000001")
	if snap.Aggregate.CapturedAmount.Value != 10000 || snap.CapturedSkew != -100 {
		t.Fatalf("snapshot aggregate %+v skew %d: the simulator's own record keeps the real amount", snap.Aggregate, snap.CapturedSkew)
	}

	// The control API replaces the skew; refund answers show it too.
	if a := r.do(http.MethodPost, "/sim/payments/skew-0000001/skew", `{"captured_delta": 50}`); a.status != http.StatusNoContent {
		t.Fatalf("control skew: %v", a)
	}
	a = r.refund("skew-0000001", 1000, "ref-1")
	mustDecode(t, a.body, &mod)
	if a.status != http.StatusOK || mod.Aggregate.CapturedAmount.Value != 10050 || mod.Aggregate.RefundedAmount.Value != 1000 {
		t.Fatalf("refund answer %v", a)
	}
	if err := r.srv.SkewCaptured("skew-0000001", 0); err != nil {
		t.Fatal(err)
	}
	if got := r.get("skew-0000001").Aggregate.CapturedAmount.Value; got != 10000 {
		t.Fatalf("a zero skew reports %d", got)
	}
}

func TestTheSkewControlRefusesWhatItCannotApply(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	r.create("skew-control-1", 1000, "4791234567")
	cases := []struct {
		name   string
		path   string
		body   string
		status int
	}{
		{"an unknown payment is 404", "/sim/payments/no-such-payment/skew", `{"captured_delta":1}`, http.StatusNotFound},
		{"a payment under another MSN is 404", "/sim/payments/skew-control-1/skew?msn=" + unitB.MSN, `{"captured_delta":1}`, http.StatusNotFound},
		{"a missing delta is 400", "/sim/payments/skew-control-1/skew", `{}`, http.StatusBadRequest},
		{"a decimal delta is 400", "/sim/payments/skew-control-1/skew", `{"captured_delta":1.5}`, http.StatusBadRequest},
		{"a delta given as a string is 400", "/sim/payments/skew-control-1/skew", `{"captured_delta":"1"}`, http.StatusBadRequest},
		{"an empty body is 400", "/sim/payments/skew-control-1/skew", ``, http.StatusBadRequest},
		{"a negative delta under the named MSN is accepted", "/sim/payments/skew-control-1/skew?msn=" + unitA.MSN, `{"captured_delta":-7}`, http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			a := r.do(http.MethodPost, tc.path, tc.body)
			if tc.status == http.StatusNoContent {
				if a.status != tc.status {
					t.Fatalf("got %v", a)
				}
				return
			}
			wantProblem(t, a, tc.status, 0)
		})
	}
	if snap, _ := r.srv.PaymentOf(unitA.MSN, "skew-control-1"); snap.CapturedSkew != -7 {
		t.Fatalf("skew %d", snap.CapturedSkew)
	}
	if err := r.srv.SkewCapturedOf(unitB.MSN, "skew-control-1", 1); !errors.Is(err, ErrUnknownPayment) {
		t.Fatalf("SkewCapturedOf another MSN: %v", err)
	}
}
