package scanner

import (
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/core/eventqueue"
)

// DefaultQueueCapacity is how many events a Queue holds for a till that takes none.
const DefaultQueueCapacity = eventqueue.DefaultCapacity

// ErrClosed is returned by Queue.Next after Close.
var ErrClosed = eventqueue.ErrClosed

// Queue holds scanner events until they are taken, either by the one handler (a callback
// called on the queue's own goroutine, one event at a time) or, while no handler is set, by
// Next, which gives the zero Event (Kind EventNone) when none came in time. Each event goes to
// exactly one taker, in order. Push never blocks: when the queue is full the oldest event is
// discarded (Seq shows the gap). Safe for concurrent use. The mechanics are package
// eventqueue's, shared with the log records.
type Queue = eventqueue.Queue[Event]

// NewQueue starts a queue holding at most capacity events (DefaultQueueCapacity when <= 0).
// Push gives each event the next sequence number and, when it has none, the current time.
// onPanic, when not nil, learns of a panic in the handler (the event is then lost to it, the
// queue goes on). Close it to stop its goroutine.
func NewQueue(capacity int, onPanic func(any)) *Queue {
	return eventqueue.New(capacity, stampEvent, onPanic)
}

func stampEvent(ev *Event, seq uint64) {
	ev.Seq = seq
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
}

// panicText describes a recovered panic for an EventDisconnected detail or a log.
func panicText(where string, r any) string {
	return fmt.Sprintf("internal error in %s (a bug in vmp): %v", where, r)
}
