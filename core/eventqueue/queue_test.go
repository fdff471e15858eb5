package eventqueue

import (
	"context"
	"sync"
	"testing"
	"time"
)

// The queue's ordering, handler and close rules are tested through scanner.Queue (an instance
// of this one); these tests cover what only the generic form has.

type item struct {
	seq  uint64
	text string
}

func stampItem(it *item, seq uint64) { it.seq = seq }

func TestPushStampsEachEventWithTheNextSequenceNumber(t *testing.T) {
	q := New(0, stampItem, nil)
	defer q.Close()
	q.Push(item{text: "a"})
	q.Push(item{text: "b"})
	for want := uint64(1); want <= 2; want++ {
		it, err := q.Next(context.Background(), 0, nil)
		if err != nil || it.seq != want {
			t.Fatalf("got %+v, %v; want sequence %d", it, err, want)
		}
	}
}

func TestAFullQueueDiscardsTheOldestEvent(t *testing.T) {
	q := New(2, stampItem, nil)
	defer q.Close()
	for _, s := range []string{"a", "b", "c"} {
		q.Push(item{text: s})
	}
	it, _ := q.Next(context.Background(), 0, nil)
	if it.text != "b" || it.seq != 2 {
		t.Fatalf("first after overflow = %+v, want b with sequence 2", it)
	}
}

func TestDrainWaitsUntilTheHandlerHasTakenEverything(t *testing.T) {
	q := New[item](0, nil, nil)
	var mu sync.Mutex
	var got []string
	for _, s := range []string{"a", "b", "c"} {
		q.Push(item{text: s})
	}
	q.SetHandler(func(it item) {
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		got = append(got, it.text)
		mu.Unlock()
	}, false)
	q.Drain(5 * time.Second)
	q.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("the handler got %v before Close; want all three", got)
	}
}

func TestDrainWithoutAHandlerReturnsAtOnce(t *testing.T) {
	q := New[item](0, nil, nil)
	defer q.Close()
	q.Push(item{text: "for Next"})
	start := time.Now()
	q.Drain(5 * time.Second)
	if time.Since(start) > time.Second {
		t.Fatal("Drain waited for a handler that is not there")
	}
	if q.Len() != 1 {
		t.Fatal("Drain took the event")
	}
}
