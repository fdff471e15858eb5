package core

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Issue 16 point 5: Vipps' rules as Vipps applies them, in the library and the simulator.

// Create, capture, refund and cancel have 5 a minute per reference each: the refund after a
// create and four partial captures was refused locally (one shared window) before.
func TestAfterACreateAndFourCapturesARefundAndACancelStillGo(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := c.OwnUnit()
	ref := checkout(t, c, `{"amount":10000,"phone_number":"4712345678"}`)
	if p, err := u.PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	for i := range 4 {
		if _, err := u.Capture(ctx, ref, 1000, fmt.Sprintf("part-%d", i)); err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
	}
	start := time.Now()
	if p, err := u.Refund(ctx, ref, 500, "return-1"); err != nil || p.Refunded != 500 {
		t.Fatalf("refund: %+v, %v", p, err)
	}
	if p, err := u.Cancel(ctx, ref, CancelOptions{}, "release"); err != nil || p.Cancelled != 6000 {
		t.Fatalf("cancel: %+v, %v", p, err)
	}
	// Not a timed assertion of speed: a wait for a window would take most of a minute.
	if waited := time.Since(start); waited > 15*time.Second {
		t.Fatalf("the refund and cancel waited %v for a rate-limit window", waited)
	}
	if st := c.Simulator().Stats(); st.RateLimited != 0 {
		t.Fatalf("the simulator refused %d requests as over its limit", st.RateLimited)
	}
}

// The polling cadence is configurable: a waiting poll reads no faster than polling.interval_ms,
// and a payment this till created is first read after polling.first_delay_ms.
func TestThePollingCadenceFollowsTheConfig(t *testing.T) {
	ctx := context.Background()
	reads := func(c *Client) int {
		return c.Simulator().Stats().Requests["GET /epayment/v1/payments/{reference}"]
	}
	c := newSimClient(t, `,"polling":{"interval_ms":2000},"simulator":{"approve_delay_ms":0}`)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4790000004"}`) // waits for the control API
	before := reads(c)
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 2500*time.Millisecond); err != nil || p.State != StateCreated {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	// At the default 0.5 s a 2.5 s wait reads about 5 times; at 2 s at most twice (a slow
	// machine reads less often, never more).
	if n := reads(c) - before; n > 2 {
		t.Fatalf("%d reads in 2.5 s at interval_ms 2000", n)
	}

	c = newSimClient(t, `,"polling":{"first_delay_ms":700},"simulator":{"approve_delay_ms":0}`)
	start := time.Now()
	ref = checkout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil || p.State != StateCreated {
		t.Fatalf("a poll without wait answers from memory at once: %+v, %v", p, err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	// A lower bound only: the first read cannot come before the first delay.
	if waited := time.Since(start); waited < 700*time.Millisecond {
		t.Fatalf("the first read came %v after the checkout, before first_delay_ms", waited)
	}
}

func TestPollingOutsideVippsBudgetIsAConfigError(t *testing.T) {
	for _, polling := range []string{`{"interval_ms":499}`, `{"interval_ms":60001}`, `{"first_delay_ms":-1}`, `{"first_delay_ms":60001}`} {
		_, err := ParseConfig([]byte(`{"environment":"simulator","polling":` + polling + `}`))
		wantCode(t, err, CodeInvalidConfig, "")
	}
}

// With partner keys, Login (the club's enrollment) authenticates with the partner's access
// token and the sales unit's Merchant-Serial-Number, as Vipps' partner-key guide says; the
// simulator refuses the partner's client secret there, which vmp sent before (and which
// failed only at go-live).
func TestEnrollmentWithPartnerKeysSignsInWithTheTokenAndTheSalesUnitsMSN(t *testing.T) {
	c := newSimClient(t, `,"msn":"234567","partner":{"client_id":"partner-id","client_secret":"partner-secret","subscription_key":"partner-key"},"simulator":{"approve_delay_ms":0}`)
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNConsents+`","binding_message":"VMP-2"}`)
	e, err := c.Club().PollEnrollment(context.Background(), id, 10*time.Second)
	if err != nil || e.State != EnrollmentConsented {
		t.Fatalf("enrollment with partner keys: %+v, %v", e, err)
	}
	// A payment with the same keys still works as before.
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	if p, err := c.OwnUnit().PollStatus(context.Background(), ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("payment with partner keys: %+v, %v", p, err)
	}
}
