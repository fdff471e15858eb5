package scanner

import (
	"context"
	"testing"
	"time"
)

// eventWait bounds every wait for an event: generous, because only a missing event fails a
// test, never a slow one.
const eventWait = 10 * time.Second

// startScanner starts a scanner on port whose events go to a new queue, as core wires them.
// Both are closed when the test ends.
func startScanner(tb testing.TB, cfg Config) (*Scanner, *Queue) {
	tb.Helper()
	q := NewQueue(0, func(r any) { tb.Errorf("handler panicked: %v", r) })
	s, err := Start(cfg, q.Push)
	if err != nil {
		q.Close()
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() { s.Close(); q.Close() })
	return s, q
}

// nextEvent pulls the next event, failing the test when none comes within eventWait.
func nextEvent(tb testing.TB, q *Queue) Event {
	tb.Helper()
	ev, err := q.Next(context.Background(), eventWait, nil)
	if err != nil {
		tb.Fatalf("Next: %v", err)
	}
	if ev.Kind == EventNone {
		tb.Fatalf("no event within %v", eventWait)
	}
	return ev
}

// nextOf pulls events until one of kind comes, failing on any scan on the way (a scan must
// never be skipped unnoticed).
func nextOf(tb testing.TB, q *Queue, kind EventKind) Event {
	tb.Helper()
	for i := 0; i < 100; i++ {
		ev := nextEvent(tb, q)
		if ev.Kind == kind {
			return ev
		}
		if ev.Kind == EventScan {
			tb.Fatalf("waiting for %s, got %s", kind, ev)
		}
	}
	tb.Fatalf("no %s among 100 events", kind)
	return Event{}
}

// wantScans pulls len(want) events and checks that they are exactly these scans, in order.
func wantScans(tb testing.TB, q *Queue, want ...Scan) {
	tb.Helper()
	for i, w := range want {
		ev := nextEvent(tb, q)
		if ev.Kind != EventScan || ev.Scan != w {
			tb.Fatalf("event %d: got %s (%q), want scan %s (%q)", i, ev, ev.Scan.Text, w, w.Text)
		}
	}
}

// noMoreEvents checks that nothing else is queued right now.
func noMoreEvents(tb testing.TB, q *Queue) {
	tb.Helper()
	if ev, _ := q.Next(context.Background(), 0, nil); ev.Kind != EventNone {
		tb.Fatalf("unexpected event %s", ev)
	}
}
