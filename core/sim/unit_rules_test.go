package sim

import (
	"net/http"
	"strings"
	"testing"
)

// Issue 16 point 5: the simulator applies what a sales unit's settings at Vipps make it refuse,
// and (opt-in) the test environment's failure amounts.

func TestASalesUnitTakesItsMarketsCurrencyOnly(t *testing.T) {
	for market, currency := range map[string]string{"DK": "DKK", "FI": "EUR", "": "NOK"} {
		r := newRig(t, Options{ApproveDelay: -1, UnitRules: map[string]UnitRules{DefaultCredentials.MSN: {Market: market}}})
		for _, other := range []string{"NOK", "DKK", "EUR"} {
			body := strings.Replace(pushBody("market-"+currency+"-"+other, 100, phone("4791234567")), `"NOK"`, `"`+other+`"`, 1)
			a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "m-"+currency+"-"+other)
			if other == currency {
				if a.status != http.StatusCreated {
					t.Fatalf("market %q: %s: %v", market, other, a)
				}
				continue
			}
			wantProblem(t, a, http.StatusBadRequest, codeInvalidCurrency)
		}
	}
	if _, err := Start(Options{UnitRules: map[string]UnitRules{"123456": {Market: "SE"}}}); err == nil {
		t.Fatal("a market the simulator does not know started")
	}
}

func TestAUnitNotApprovedForPushIs5080(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1, UnitRules: map[string]UnitRules{DefaultCredentials.MSN: {PushNotAllowed: true}}})
	a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody("push-not-allowed", 1000, phone("4791234567")), "Idempotency-Key", "p1")
	wantProblem(t, a, http.StatusBadRequest, codePushNotAllowed)
}

func TestAUnitThatMustCaptureInFullIs6140ForAPartialCapture(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1, UnitRules: map[string]UnitRules{DefaultCredentials.MSN: {FullCaptureOnly: true}}})
	r.create("full-capture-1", 1000, "4791234567")
	wantProblem(t, r.capture("full-capture-1", 400, "part"), http.StatusBadRequest, codeMustCaptureFull)
	if a := r.capture("full-capture-1", 1000, "whole"); a.status != http.StatusOK {
		t.Fatalf("the full capture: %v", a)
	}
}

func TestACancelWhileTheCustomerConfirmsIs6250(t *testing.T) {
	r := newRig(t, Options{}) // the customer confirms for ApproveDelay (1 s) on the fake clock
	r.create("confirming-1", 1000, MSISDNConfirming)
	wantProblem(t, r.cancel("confirming-1", `{"cancelTransactionOnly":true}`), http.StatusBadRequest, codeCannotCancelProcessing)
	if r.state("confirming-1") != StateCreated {
		t.Fatal("the refused cancel changed the payment")
	}
	r.clock.Advance(defaultApproveDelay)
	if got := r.state("confirming-1"); got != StateAuthorized {
		t.Fatalf("after confirming: %s", got)
	}
	wantProblem(t, r.cancel("confirming-1", `{"cancelTransactionOnly":true}`), http.StatusBadRequest, codeCannotCancelAuthorized)
}

func TestTheTestEnvironmentsFailureAmounts(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1, FailureAmounts: true})
	r.create("amount-151", 151, "4791234567")
	r.create("amount-201", 201, "4791234567")
	r.create("amount-152", 152, "4791234567")
	r.clock.Advance(defaultApproveDelay)
	for ref, want := range map[string]State{"amount-151": StateAborted, "amount-201": StateCreated, "amount-152": StateAuthorized} {
		if got := r.state(ref); got != want {
			t.Fatalf("%s: %s, want %s", ref, got, want)
		}
	}
	if a := r.capture("amount-152", 152, "c"); a.status != http.StatusOK {
		t.Fatal(a)
	}
	wantProblem(t, r.refund("amount-152", 123, "r1"), http.StatusBadRequest, codeRefundNotPossible)
	wantProblem(t, r.refund("amount-152", 124, "r2"), http.StatusBadRequest, codeRefundPeriodExpired)

	plain := newRig(t, Options{ApproveDelay: -1}) // off by default
	plain.create("amount-151", 151, "4791234567")
	plain.clock.Advance(defaultApproveDelay)
	if got := plain.state("amount-151"); got != StateAuthorized {
		t.Fatalf("without FailureAmounts 151 is %s", got)
	}
}
