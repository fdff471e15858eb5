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
