package core

import (
	"context"
	"sync"
	"testing"
	"time"
)

// recordingListener keeps what a PaymentListener was told.
type recordingListener struct {
	mu        sync.Mutex
	known     map[string]Payment // unit/reference -> the last payment
	updates   int
	forgotten []string
}

func (l *recordingListener) PaymentKnown(unit, reference string, p Payment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.known[unit+"/"+reference] = p
	l.updates++
}

func (l *recordingListener) PaymentForgotten(unit, reference string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgotten = append(l.forgotten, unit+"/"+reference)
}

func (l *recordingListener) last(key string) (Payment, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.known[key], l.updates
}

func TestThePaymentListenerLearnsEveryUpdateAPollFromMemoryWouldReturn(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0},"sales_units":[{"name":"oslo","msn":"765432"}]`)
	l := &recordingListener{known: map[string]Payment{}}
	c.SetPaymentListener(l)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4791234567"}`)
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 400, "c1"); err != nil {
		t.Fatal(err)
	}
	want, err := c.OwnUnit().PollStatus(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := l.last("/" + ref)
	if got != want || got.Captured != 400 || got.State != StateAuthorized {
		t.Fatalf("the listener's payment %+v; a poll from memory gives %+v", got, want)
	}

	// A sales unit's payments come with the unit's name.
	oslo := unitOf(t, c, "oslo")
	req, _ := ParseCheckout([]byte(`{"amount":700,"phone_number":"4791234567"}`))
	unitRef, err := oslo.StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oslo.PollStatus(ctx, unitRef, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.last("oslo/" + unitRef); got.Amount != 700 || got.State != StateAuthorized {
		t.Fatalf("the unit's payment as the listener knows it: %+v", got)
	}

	// Set to nil, it is told nothing more.
	c.SetPaymentListener(nil)
	_, before := l.last("")
	if _, err := c.OwnUnit().Capture(ctx, ref, 100, "c2"); err != nil {
		t.Fatal(err)
	}
	if _, after := l.last(""); after != before {
		t.Fatalf("%d updates after the listener was removed", after-before)
	}
}
