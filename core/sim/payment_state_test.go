package sim

import (
	"net/http"
	"testing"
	"time"
)

func TestPaymentsMoveThroughTheStateMachine(t *testing.T) {
	const delay = 3 * time.Second
	const expiry = 10 * time.Minute
	cases := []struct {
		name       string
		customer   string
		act        func(r *rig, ref string)
		wantState  State
		wantEvents string
		wantAgg    [4]int64 // authorized, cancelled, captured, refunded
	}{
		{
			"an approving customer authorizes once the delay has passed", "4791234567",
			func(r *rig, ref string) {
				r.clock.Advance(delay - time.Millisecond)
				if s := r.state(ref); s != StateCreated {
					r.t.Fatalf("before the delay the state is %s", s)
				}
				r.clock.Advance(time.Millisecond)
			},
			StateAuthorized, "CREATED,AUTHORIZED", [4]int64{5000, 0, 0, 0},
		},
		{
			"a rejecting customer aborts once the delay has passed", MSISDNRejects,
			func(r *rig, ref string) { r.clock.Advance(delay) },
			StateAborted, "CREATED,ABORTED", [4]int64{},
		},
		{
			"a customer who never answers lets the payment expire", MSISDNNeverAnswers,
			func(r *rig, ref string) {
				r.clock.Advance(expiry - time.Millisecond)
				if s := r.state(ref); s != StateCreated {
					r.t.Fatalf("before expiry the state is %s", s)
				}
				r.clock.Advance(time.Millisecond)
			},
			StateExpired, "CREATED,EXPIRED", [4]int64{},
		},
		{
			"a waiting customer stays created until the control API approves", MSISDNWaitsForControl,
			func(r *rig, ref string) {
				r.clock.Advance(expiry / 2)
				if s := r.state(ref); s != StateCreated {
					r.t.Fatalf("the waiting customer acted alone: %s", s)
				}
				if err := r.srv.Approve(ref); err != nil {
					r.t.Fatal(err)
				}
			},
			StateAuthorized, "CREATED,AUTHORIZED", [4]int64{5000, 0, 0, 0},
		},
		{
			"a waiting customer rejects through the control API", MSISDNWaitsForControl,
			func(r *rig, ref string) {
				if err := r.srv.Reject(ref); err != nil {
					r.t.Fatal(err)
				}
			},
			StateAborted, "CREATED,ABORTED", [4]int64{},
		},
		{
			"a waiting payment expires through the control API", MSISDNWaitsForControl,
			func(r *rig, ref string) {
				if err := r.srv.Expire(ref); err != nil {
					r.t.Fatal(err)
				}
			},
			StateExpired, "CREATED,EXPIRED", [4]int64{},
		},
		{
			"a waiting customer expires when nobody acts", MSISDNWaitsForControl,
			func(r *rig, ref string) { r.clock.Advance(expiry) },
			StateExpired, "CREATED,EXPIRED", [4]int64{},
		},
		{
			"forceApprove authorizes at once", MSISDNWaitsForControl,
			func(r *rig, ref string) {
				a := r.epay(http.MethodPost, "/epayment/v1/test/payments/"+ref+"/approve", `{"customer":{"phoneNumber":"4790000004"}}`)
				if a.status != http.StatusOK || len(a.body) != 0 {
					r.t.Fatalf("forceApprove: %v", a)
				}
			},
			StateAuthorized, "CREATED,AUTHORIZED", [4]int64{5000, 0, 0, 0},
		},
		{
			"a cancel before authorization terminates the payment", MSISDNWaitsForControl,
			func(r *rig, ref string) {
				if a := r.cancel(ref, ""); a.status != http.StatusOK {
					r.t.Fatalf("cancel: %v", a)
				}
			},
			StateTerminated, "CREATED,TERMINATED", [4]int64{0, 5000, 0, 0},
		},
		{
			"cancelTransactionOnly before authorization terminates the payment", "4791234567",
			func(r *rig, ref string) {
				if a := r.cancel(ref, `{"cancelTransactionOnly":true}`, "Idempotency-Key", "c1"); a.status != http.StatusOK {
					r.t.Fatalf("cancel: %v", a)
				}
				r.clock.Advance(delay) // the customer's approval comes too late
			},
			StateTerminated, "CREATED,TERMINATED", [4]int64{0, 5000, 0, 0},
		},
		{
			"an approval after expiry is too late", "4791234567",
			func(r *rig, ref string) {
				r.clock.Advance(expiry)
				if err := r.srv.Approve(ref); err == nil {
					r.t.Fatal("Approve after expiry succeeded")
				}
			},
			StateAuthorized, "CREATED,AUTHORIZED", [4]int64{5000, 0, 0, 0},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{ApproveDelay: delay, PaymentExpiry: expiry})
			ref := "state-machine-" + string(rune('a'+i))
			r.create(ref, 5000, tc.customer)
			tc.act(r, ref)
			got := r.get(ref)
			if got.State != tc.wantState {
				t.Fatalf("state %s, want %s", got.State, tc.wantState)
			}
			if names := eventNames(r.events(ref)); names != tc.wantEvents {
				t.Fatalf("events %s, want %s", names, tc.wantEvents)
			}
			agg := got.Aggregate
			if gotAgg := [4]int64{agg.AuthorizedAmount.Value, agg.CancelledAmount.Value, agg.CapturedAmount.Value, agg.RefundedAmount.Value}; gotAgg != tc.wantAgg {
				t.Fatalf("aggregate %v, want %v", gotAgg, tc.wantAgg)
			}
		})
	}
}

func TestScheduledTransitionsCarryTheTimeTheyWereDue(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: 2 * time.Second, PaymentExpiry: time.Minute})
	r.create("due-time-approve", 1000, "4791234567")
	r.create("due-time-expire", 1000, MSISDNNeverAnswers)
	r.clock.Advance(50 * time.Minute) // nobody looked for a long while
	approved := r.events("due-time-approve")[1]
	expired := r.events("due-time-expire")[1]
	if !approved.Timestamp.Equal(simStart.Add(2*time.Second)) || approved.Name != EventAuthorized {
		t.Fatalf("approval event %+v, want AUTHORIZED at start+2s", approved)
	}
	if !expired.Timestamp.Equal(simStart.Add(time.Minute)) || expired.Name != EventExpired {
		t.Fatalf("expiry event %+v, want EXPIRED at start+1m", expired)
	}
}

func TestACustomerSlowerThanTheExpiryNeverAnswers(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: 2 * time.Minute, PaymentExpiry: time.Minute})
	r.create("slow-customer-1", 1000, "4791234567")
	r.clock.Advance(3 * time.Minute)
	if s := r.state("slow-customer-1"); s != StateExpired {
		t.Fatalf("state %s, want EXPIRED", s)
	}
}

func TestTheDefaultClockIsTheRealClock(t *testing.T) {
	r := newRig(t, Options{Clock: realClock{}, ApproveDelay: -1})
	r.create("real-clock-0001", 1000, "4791234567")
	if s := r.state("real-clock-0001"); s != StateAuthorized {
		t.Fatalf("state %s", s)
	}
	snap, _ := r.srv.Payment("real-clock-0001")
	if d := time.Since(snap.CreatedAt); d < 0 || d > time.Minute {
		t.Fatalf("created at %v on the real clock", snap.CreatedAt)
	}
}
