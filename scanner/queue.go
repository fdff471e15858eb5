package scanner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultQueueCapacity is how many events a Queue holds for a till that takes none.
const DefaultQueueCapacity = 1024

// ErrClosed is returned by Queue.Next after Close.
var ErrClosed = errors.New("the scanner queue is closed")

// Queue holds events until they are taken, either by the one handler (a callback called on
// the queue's own goroutine, one event at a time) or, while no handler is set, by Next. Each
// event goes to exactly one taker, in order. Push never blocks: when the queue is full the
// oldest event is discarded (Seq shows the gap). Safe for concurrent use.
type Queue struct {
	mu       sync.Mutex
	cond     *sync.Cond    // signalled on every change, for the dispatcher and SetHandler
	changed  chan struct{} // closed and replaced on every change, for Next with its timeout
	events   []Event
	capacity int
	seq      uint64
	handler  func(Event)
	gen      uint64 // incremented by every SetHandler
	calling  uint64 // the generation of the handler call in progress; 0 when none
	closed   bool
	done     chan struct{}
	onPanic  func(any)
}

// NewQueue starts a queue holding at most capacity events (DefaultQueueCapacity when <= 0).
// onPanic, when not nil, learns of a panic in the handler (the event is then lost to it, the
// queue goes on). Close it to stop its goroutine.
func NewQueue(capacity int, onPanic func(any)) *Queue {
	if capacity <= 0 {
		capacity = DefaultQueueCapacity
	}
	q := &Queue{capacity: capacity, changed: make(chan struct{}), done: make(chan struct{}), onPanic: onPanic}
	q.cond = sync.NewCond(&q.mu)
	go q.dispatch()
	return q
}

// signal wakes every waiter; q.mu must be held.
func (q *Queue) signal() {
	q.cond.Broadcast()
	close(q.changed)
	q.changed = make(chan struct{})
}

// Push queues ev, giving it the next sequence number and, when it has none, the current time.
// After Close it does nothing.
func (q *Queue) Push(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.seq++
	ev.Seq = q.seq
	if len(q.events) == q.capacity {
		q.events[0] = Event{} // let the discarded scan's text be collected
		q.events = q.events[1:]
	}
	q.events = append(q.events, ev)
	q.signal()
}

// SetHandler makes fn the handler (nil: none, events wait for Next). Events already queued go
// to fn. When SetHandler returns, an earlier handler is neither running nor called again -
// unless SetHandler is called from inside the handler (fromHandler true): it cannot wait for
// itself, so it returns at once, and the handler is not called again after the running call.
func (q *Queue) SetHandler(fn func(Event), fromHandler bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.gen++
	gen := q.gen
	q.handler = fn
	q.signal()
	for !fromHandler && q.calling != 0 && q.calling < gen {
		q.cond.Wait()
	}
}

// dispatch is the queue's goroutine: it hands events to the handler one at a time, without
// holding the lock during the call.
func (q *Queue) dispatch() {
	defer close(q.done)
	for {
		q.mu.Lock()
		for !q.closed && (q.handler == nil || len(q.events) == 0) {
			q.cond.Wait()
		}
		if q.closed {
			q.mu.Unlock()
			return
		}
		ev, fn := q.pop(), q.handler
		q.calling = q.gen
		q.mu.Unlock()

		q.call(fn, ev)

		q.mu.Lock()
		q.calling = 0
		q.cond.Broadcast()
		q.mu.Unlock()
	}
}

func (q *Queue) call(fn func(Event), ev Event) {
	defer func() {
		if r := recover(); r != nil && q.onPanic != nil {
			q.onPanic(r)
		}
	}()
	fn(ev)
}

// pop removes the oldest event; q.mu must be held and the queue not empty.
func (q *Queue) pop() Event {
	ev := q.events[0]
	q.events[0] = Event{}
	q.events = q.events[1:]
	if len(q.events) == 0 {
		q.events = q.events[:0:0] // drop the backing array a burst left behind
	}
	return ev
}

// Next takes the oldest event, waiting up to wait for one; it returns the zero Event (Kind
// EventNone) when none came. While a handler is set, events go to it and Next only waits.
// take, when not nil, sees the event first: when it returns an error, the event stays queued
// and Next returns it with that error (e.g. the caller's buffer is too small). Next returns
// ctx's error when ctx ends, and ErrClosed after Close.
func (q *Queue) Next(ctx context.Context, wait time.Duration, take func(Event) error) (Event, error) {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return Event{}, ErrClosed
		}
		if q.handler == nil && len(q.events) > 0 {
			if take != nil {
				if err := take(q.events[0]); err != nil {
					ev := q.events[0]
					q.mu.Unlock()
					return ev, err
				}
			}
			ev := q.pop()
			q.mu.Unlock()
			return ev, nil
		}
		changed := q.changed
		q.mu.Unlock()
		if timeout == nil {
			return Event{}, nil
		}
		select {
		case <-changed:
		case <-timeout:
			return Event{}, nil
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Len is how many events wait.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// Close discards what is queued, wakes every waiter and waits until the handler call in
// progress, if any, has returned: after Close no handler is called again. Idempotent. It must
// not be called from inside the handler.
func (q *Queue) Close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		q.events = nil
		q.signal()
	}
	q.mu.Unlock()
	<-q.done
}

// panicText describes a recovered panic for an EventDisconnected detail or a log.
func panicText(where string, r any) string {
	return fmt.Sprintf("internal error in %s (a bug in vmp): %v", where, r)
}
