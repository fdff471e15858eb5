package journal

import (
	"testing"
	"time"
)

// A till whose clock ran ahead by more than the retention (a battery-less clock, a wrong time
// zone set by hand) prunes with that clock: the day keys before its cutoff go, also those of a
// payment kept because it is left uncaptured. Once the clock is set right, the payment changes
// again on the day it last changed before: it must be found on that day again.
func TestAPaymentChangedAfterTheClockCameBackIsFoundOnItsDay(t *testing.T) {
	now := time.Date(2026, 3, 28, 10, 0, 0, 0, time.UTC)
	j, _ := openTemp(t, Options{Now: func() time.Time { return now }, Retention: 24 * time.Hour})
	c := createEntry("ref-1", "1", 1000)
	c.State, c.Payment = StateDone, &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000}
	if err := j.Put(c); err != nil { // left uncaptured: kept by every prune
		t.Fatal(err)
	}
	today := now

	now = now.Add(3 * 24 * time.Hour) // the clock jumps ahead
	if _, err := j.Prune(); err != nil {
		t.Fatal(err)
	}
	now = today.Add(time.Hour) // and is set right: the same day as the payment's last change
	op := &Entry{ID: "k-capture-1", IdempotencyKey: "k-capture-1", Operation: OpCapture, Reference: "ref-1", MSN: "1",
		Method: "POST", Path: "/x", Intent: "capture|ref-1", Amount: 400, Currency: "NOK", State: StateDone,
		Payment: &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, Captured: 400}}
	if err := j.Put(op); err != nil {
		t.Fatal(err)
	}
	found := false
	if err := j.PaymentsChanged(today, today, func(r *PaymentRecord) { found = found || r.Reference == "ref-1" }); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("the payment captured today is not found among today's payments")
	}
	if err := recordIndexesHold(j, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
}
