package retry

import (
	"testing"
	"time"
)

func TestRateWindowAdmitsLimitPerPeriod(t *testing.T) {
	w := rateWindow{limit: 5, period: time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if d := w.take(t0.Add(time.Duration(i) * time.Second)); d != 0 {
			t.Fatalf("event %d refused", i)
		}
	}
	if d := w.take(t0.Add(10 * time.Second)); d != 50*time.Second {
		t.Fatalf("sixth event wait = %v, want 50s", d)
	}
	if d := w.take(t0.Add(time.Minute + time.Millisecond)); d != 0 {
		t.Fatalf("event after the window refused, wait %v", d)
	}
}

// Vipps counts each API on its own per reference: a create and four partial captures leave a
// refund and a cancel their full budget (one shared window refused them locally before).
func TestEachAPIHasItsOwnWindow(t *testing.T) {
	l := NewLimits()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	take := func(api API) time.Duration { return l.Take(api, t0) }
	if take(APICreate) != 0 {
		t.Fatal("create refused")
	}
	for i := 0; i < 4; i++ {
		if take(APICapture) != 0 {
			t.Fatalf("capture %d refused", i)
		}
	}
	if take(APIRefund) != 0 || take(APICancel) != 0 {
		t.Fatal("a refund or cancel after a create and four captures was refused")
	}
	if take(APICapture) != 0 || take(APICapture) != time.Minute {
		t.Fatal("the sixth capture in a minute is not held back")
	}
	for i := 0; i < 120; i++ {
		if take(APIGet) != 0 {
			t.Fatalf("read %d refused", i)
		}
	}
	if take(APIGet) == 0 || take(APIEvents) != 0 {
		t.Fatal("reads: the 121st GET is not held back, or the event log shares its window")
	}
}
