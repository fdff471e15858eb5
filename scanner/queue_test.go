package scanner

import (
	"context"
	"errors"
	"testing"
	"time"
)

func scanEvent(text string) Event {
	return Event{Kind: EventScan, Source: SourceSubmitted, Scan: Scan{Text: text, Kind: Classify(text, "")}}
}

func TestPulledEventsComeInOrderWithSequenceNumbers(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	for _, s := range []string{"a", "b", "c"} {
		q.Push(scanEvent(s))
	}
	for i, s := range []string{"a", "b", "c"} {
		ev, err := q.Next(context.Background(), 0, nil)
		if err != nil || ev.Scan.Text != s || ev.Seq != uint64(i+1) || ev.Time.IsZero() {
			t.Fatalf("got %+v, %v", ev, err)
		}
	}
	if ev, err := q.Next(context.Background(), time.Millisecond, nil); err != nil || ev.Kind != EventNone {
		t.Fatalf("an empty queue gave %+v, %v", ev, err)
	}
}

func TestAWaitingPullerGetsAnEventPushedLater(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	got := make(chan Event, 1)
	go func() {
		ev, _ := q.Next(context.Background(), eventWait, nil)
		got <- ev
	}()
	q.Push(scanEvent("late"))
	if ev := <-got; ev.Scan.Text != "late" {
		t.Fatalf("got %+v", ev)
	}
}

func TestARefusedEventStaysQueued(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	q.Push(scanEvent("big"))
	tooSmall := errors.New("too small")
	ev, err := q.Next(context.Background(), 0, func(Event) error { return tooSmall })
	if !errors.Is(err, tooSmall) || ev.Scan.Text != "big" || q.Len() != 1 {
		t.Fatalf("got %+v, %v, len %d", ev, err, q.Len())
	}
	if ev, err := q.Next(context.Background(), 0, func(Event) error { return nil }); err != nil || ev.Scan.Text != "big" || q.Len() != 0 {
		t.Fatalf("got %+v, %v", ev, err)
	}
}

func TestEachEventGoesEitherToTheHandlerOrToAPuller(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	q.Push(scanEvent("before"))
	got := make(chan Event, 10)
	q.SetHandler(func(ev Event) { got <- ev }, false)
	q.Push(scanEvent("during"))
	for _, want := range []string{"before", "during"} {
		if ev := <-got; ev.Scan.Text != want {
			t.Fatalf("handler got %q, want %q", ev.Scan.Text, want)
		}
	}
	// While a handler is set a puller only waits.
	if ev, _ := q.Next(context.Background(), time.Millisecond, nil); ev.Kind != EventNone {
		t.Fatalf("puller got %+v while a handler is set", ev)
	}
	q.SetHandler(nil, false)
	q.Push(scanEvent("after"))
	if ev, _ := q.Next(context.Background(), 0, nil); ev.Scan.Text != "after" {
		t.Fatalf("puller got %+v", ev)
	}
	if len(got) != 0 {
		t.Fatalf("the removed handler was called")
	}
}

func TestReplacingTheHandlerWaitsForItsRunningCall(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	entered, release := make(chan struct{}), make(chan struct{})
	finished := false
	q.SetHandler(func(Event) { close(entered); <-release; finished = true }, false)
	q.Push(scanEvent("x"))
	<-entered
	replaced := make(chan struct{})
	go func() { q.SetHandler(nil, false); close(replaced) }()
	select {
	case <-replaced:
		t.Fatal("SetHandler returned while the old handler was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-replaced
	if !finished {
		t.Fatal("SetHandler returned before the handler finished")
	}
}

func TestTheHandlerCanUnregisterItself(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	calls := make(chan string, 10)
	q.SetHandler(func(ev Event) {
		calls <- ev.Scan.Text
		q.SetHandler(nil, true) // would deadlock if it waited for itself
	}, false)
	q.Push(scanEvent("one"))
	q.Push(scanEvent("two"))
	if got := <-calls; got != "one" {
		t.Fatalf("got %q", got)
	}
	if ev, _ := q.Next(context.Background(), eventWait, nil); ev.Scan.Text != "two" {
		t.Fatalf("the second event should wait for a puller, got %+v", ev)
	}
	if len(calls) != 0 {
		t.Fatal("the handler was called after it unregistered")
	}
}

func TestCloseWaitsForTheRunningHandlerAndEndsPullers(t *testing.T) {
	q := NewQueue(0, nil)
	entered, release := make(chan struct{}), make(chan struct{})
	returned := false
	q.SetHandler(func(Event) { close(entered); <-release; returned = true }, false)
	q.Push(scanEvent("x"))
	<-entered
	go func() { time.Sleep(10 * time.Millisecond); close(release) }()
	q.Close()
	if !returned {
		t.Fatal("Close returned during a handler call")
	}
	q.Close() // idempotent
	if _, err := q.Next(context.Background(), time.Second, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	q.Push(scanEvent("ignored"))
}

func TestAPullerStopsWhenItsContextEnds(t *testing.T) {
	q := NewQueue(0, nil)
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Next(ctx, eventWait, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestAFullQueueDiscardsTheOldestAndTheSequenceShowsTheGap(t *testing.T) {
	q := NewQueue(2, nil)
	defer q.Close()
	for _, s := range []string{"a", "b", "c"} {
		q.Push(scanEvent(s))
	}
	first, _ := q.Next(context.Background(), 0, nil)
	second, _ := q.Next(context.Background(), 0, nil)
	if first.Scan.Text != "b" || first.Seq != 2 || second.Scan.Text != "c" || second.Seq != 3 {
		t.Fatalf("got %+v %+v", first, second)
	}
}

func TestAPanickingHandlerDoesNotStopTheQueue(t *testing.T) {
	panics := make(chan any, 1)
	q := NewQueue(0, func(r any) { panics <- r })
	defer q.Close()
	got := make(chan string, 2)
	q.SetHandler(func(ev Event) {
		if ev.Scan.Text == "boom" {
			panic("boom")
		}
		got <- ev.Scan.Text
	}, false)
	q.Push(scanEvent("boom"))
	q.Push(scanEvent("fine"))
	if r := <-panics; r != "boom" {
		t.Fatalf("got %v", r)
	}
	if s := <-got; s != "fine" {
		t.Fatalf("got %q", s)
	}
}
