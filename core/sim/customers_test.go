package sim

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestMagicCustomersDecideTheOutcomeHoweverTheyAreIdentified(t *testing.T) {
	const delay = time.Second
	const expiry = 10 * time.Minute
	identify := []struct {
		how      string
		customer func(msisdn string) string
	}{
		{"by phone number", phone},
		{"by legacy personal QR", func(m string) string { return fmt.Sprintf(`{"personalQr":%q}`, LegacyPersonalQR(m)) }},
		{"by tokenised personal QR", func(m string) string { return fmt.Sprintf(`{"personalQr":%q}`, PersonalQR(m)) }},
		{"by customer token", func(m string) string { return fmt.Sprintf(`{"customerToken":%q}`, CustomerToken(m)) }},
	}
	customers := []struct {
		who          string
		msisdn       string
		afterDelay   State
		afterExpiry  State
		wantBehavior string
	}{
		{"an ordinary Norwegian customer approves", "4791234567", StateAuthorized, StateAuthorized, "approves"},
		{"another ordinary customer approves", "4712345678", StateAuthorized, StateAuthorized, "approves"},
		{"the rejecting customer aborts", MSISDNRejects, StateAborted, StateAborted, "rejects"},
		{"the silent customer lets the payment expire", MSISDNNeverAnswers, StateCreated, StateExpired, "never-answers"},
		{"the waiting customer waits and then expires", MSISDNWaitsForControl, StateCreated, StateExpired, "waits-for-control"},
	}
	r := newRig(t, Options{ApproveDelay: delay, PaymentExpiry: expiry, TokenLifetime: 24 * time.Hour})
	n := 0
	for _, c := range customers {
		for _, id := range identify {
			n++
			ref := fmt.Sprintf("magic-customer-%02d", n)
			t.Run(c.who+" when identified "+id.how, func(t *testing.T) {
				r := r.with(t)
				start := r.clock.Now()
				a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody(ref, 1000, id.customer(c.msisdn)), "Idempotency-Key", ref)
				if a.status != http.StatusCreated {
					t.Fatalf("create: %v", a)
				}
				if s := r.state(ref); s != StateCreated {
					t.Fatalf("at once: %s", s)
				}
				r.clock.Advance(start.Add(delay).Sub(r.clock.Now()))
				if s := r.state(ref); s != c.afterDelay {
					t.Fatalf("after the delay: %s, want %s", s, c.afterDelay)
				}
				r.clock.Advance(start.Add(expiry).Sub(r.clock.Now()))
				if s := r.state(ref); s != c.afterExpiry {
					t.Fatalf("after expiry: %s, want %s", s, c.afterExpiry)
				}
				snap, _ := r.srv.Payment(ref)
				if snap.CustomerMSISDN != c.msisdn || snap.CustomerBehaviour != c.wantBehavior {
					t.Fatalf("snapshot customer %q %q", snap.CustomerMSISDN, snap.CustomerBehaviour)
				}
			})
		}
	}
}

func TestTheUnknownCustomerIsRefusedWith7010HoweverIdentified(t *testing.T) {
	r := instantRig(t)
	for i, customer := range []string{
		phone(MSISDNUnknown),
		fmt.Sprintf(`{"personalQr":%q}`, LegacyPersonalQR(MSISDNUnknown)),
		fmt.Sprintf(`{"personalQr":%q}`, PersonalQR(MSISDNUnknown)),
		fmt.Sprintf(`{"customerToken":%q}`, CustomerToken(MSISDNUnknown)),
	} {
		ref := fmt.Sprintf("unknown-customer-%d", i)
		a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody(ref, 1000, customer), "Idempotency-Key", ref)
		wantProblem(t, a, http.StatusBadRequest, codeCustomerNotFound)
		if _, exists := r.srv.Payment(ref); exists {
			t.Fatalf("a payment to the unknown customer %s exists", customer)
		}
	}
}

func TestTheDefaultApproveDelayIsOneSecond(t *testing.T) {
	r := newRig(t, Options{})
	r.create("default-delay-1", 1000, "4791234567")
	r.clock.Advance(999 * time.Millisecond)
	if s := r.state("default-delay-1"); s != StateCreated {
		t.Fatalf("state %s before one second", s)
	}
	r.clock.Advance(time.Millisecond)
	if s := r.state("default-delay-1"); s != StateAuthorized {
		t.Fatalf("state %s after one second", s)
	}
}
