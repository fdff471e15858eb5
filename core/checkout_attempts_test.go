package core

import (
	"context"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// A checkout repeated for a sale whose payment ended ABORTED or EXPIRED is a new attempt
// ("<reference>-2", ...), not that payment again (issue 16); the repeat rule holds per attempt.
func TestARepeatedCheckoutAfterADeclineIsANewAttempt(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	start := func(phone string) (string, error) {
		req, err := ParseCheckout([]byte(`{"amount":2500,"phone_number":"` + phone + `","reference":"sale-0001-lane3"}`))
		if err != nil {
			t.Fatal(err)
		}
		return c.OwnUnit().StartCheckout(ctx, req)
	}
	waitFor := func(ref string, want State) {
		t.Helper()
		if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != want {
			t.Fatalf("%s: %+v, %v; want %v", ref, p, err, want)
		}
	}
	ref, err := start(sim.MSISDNRejects)
	if err != nil || ref != "sale-0001-lane3" {
		t.Fatalf("first: %q, %v", ref, err)
	}
	waitFor(ref, StateAborted)
	// The customer declined; the till tries again with the same sale.
	if ref, err = start(sim.MSISDNRejects); err != nil || ref != "sale-0001-lane3-2" {
		t.Fatalf("after ABORTED: %q, %v; want sale-0001-lane3-2", ref, err)
	}
	waitFor(ref, StateAborted)
	// The third attempt's create gets no answer: a repeat finishes that attempt, not a fourth.
	undo := dropEvery(t, c.Simulator(), "create", "sale-0001-lane3-3")
	if ref, err = start(sim.MSISDNRejects); CodeOf(err) != CodeUnknownOutcome || ref != "sale-0001-lane3-3" {
		t.Fatalf("third attempt without an answer: %q, %v", ref, err)
	}
	undo()
	if ref, err = start(sim.MSISDNRejects); err != nil || ref != "sale-0001-lane3-3" {
		t.Fatalf("the repeat after the unknown outcome: %q, %v; want the third attempt", ref, err)
	}
	if _, ok := c.Simulator().Payment("sale-0001-lane3-4"); ok {
		t.Fatal("a fourth attempt was created")
	}
	// Expired counts too; a payment still waiting, or approved, is the same payment again.
	waitFor(ref, StateAborted)
	c2 := newSimClient(t, `,"simulator":{"approve_delay_ms":60000}`)
	req, _ := ParseCheckout([]byte(`{"amount":2500,"phone_number":"4712345678","reference":"sale-0002-lane3"}`))
	first, err := c2.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c2.OwnUnit().StartCheckout(ctx, req); err != nil || again != first {
		t.Fatalf("a repeat while CREATED: %q, %v; want %q", again, err, first)
	}
	if err := c2.Simulator().Expire(first); err != nil {
		t.Fatal(err)
	}
	if p, _ := c2.OwnUnit().PollStatus(ctx, first, 5*time.Second); p.State != StateExpired {
		t.Fatalf("%+v", p)
	}
	second, err := c2.OwnUnit().StartCheckout(ctx, req)
	if err != nil || second != "sale-0002-lane3-2" {
		t.Fatalf("after EXPIRED: %q, %v", second, err)
	}
	if err := c2.Simulator().Approve(second); err != nil {
		t.Fatal(err)
	}
	if p, _ := c2.OwnUnit().PollStatus(ctx, second, 5*time.Second); p.State != StateAuthorized {
		t.Fatalf("%+v", p)
	}
	if again, err := c2.OwnUnit().StartCheckout(ctx, req); err != nil || again != second {
		t.Fatalf("a repeat after AUTHORIZED: %q, %v; want %q", again, err, second)
	}
}

func TestAnAttemptThatWouldOverflowTheReferenceIsRefused(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	long := "sale-" + "0123456789012345678901234567890123456789012345678901234567" // 63 characters
	req, _ := ParseCheckout([]byte(`{"amount":2500,"phone_number":"` + sim.MSISDNRejects + `","reference":"` + long + `"}`))
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); p.State != StateAborted {
		t.Fatalf("%+v", p)
	}
	_, err = c.OwnUnit().StartCheckout(ctx, req)
	wantCode(t, err, CodeConflict, "")
}
