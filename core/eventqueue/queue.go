// Package eventqueue is the bounded, ordered event queue behind every vmp "on/next" pair
// (vmp_on_scan / vmp_next_scan, vmp_on_log / vmp_next_log): each event goes to exactly one
// taker - the one handler, called on the queue's own goroutine one event at a time, or, while
// no handler is set, a puller waiting in Next.
package eventqueue

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultCapacity is how many events a Queue holds for a host that takes none.
const DefaultCapacity = 1024

// ErrClosed is returned by Queue.Next after Close.
var ErrClosed = errors.New("the event queue is closed")

// Queue holds events until they are taken, either by the one handler (a callback called on
// the queue's own goroutine, one event at a time) or, while no handler is set, by Next. Each
// event goes to exactly one taker, in order. Push never blocks: when the queue is full the
// oldest event is discarded (the sequence numbers show the gap). Safe for concurrent use.
type Queue[E any] struct {
	mu       sync.Mutex
	cond     *sync.Cond    // signalled on every change, for the dispatcher and SetHandler
	changed  chan struct{} // closed and replaced on every change, for Next with its timeout
	events   []E
	capacity int
	seq      uint64
	stamp    func(ev *E, seq uint64)
	handler  func(E)
	gen      uint64 // incremented by every SetHandler
	calling  uint64 // the generation of the handler call in progress; 0 when none
	closed   bool
	done     chan struct{}
	onPanic  func(any)
}

// New starts a queue holding at most capacity events (DefaultCapacity when <= 0). stamp, when
// not nil, is called by Push with the event's sequence number (1, 2, 3 ...) before it is
// queued. onPanic, when not nil, learns of a panic in the handler (the event is then lost to
// it, the queue goes on). Close it to stop its goroutine.
func New[E any](capacity int, stamp func(ev *E, seq uint64), onPanic func(any)) *Queue[E] {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	q := &Queue[E]{capacity: capacity, stamp: stamp, changed: make(chan struct{}), done: make(chan struct{}), onPanic: onPanic}
	q.cond = sync.NewCond(&q.mu)
	go q.dispatch()
	return q
}

// signal wakes every waiter; q.mu must be held.
func (q *Queue[E]) signal() {
	q.cond.Broadcast()
	close(q.changed)
	q.changed = make(chan struct{})
}

// Push queues ev with the next sequence number. After Close it does nothing.
func (q *Queue[E]) Push(ev E) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.seq++
	if q.stamp != nil {
		q.stamp(&ev, q.seq)
	}
	if len(q.events) == q.capacity {
		var zero E
		q.events[0] = zero // let the discarded event's memory be collected
		q.events = q.events[1:]
	}
	q.events = append(q.events, ev)
	q.signal()
}

// SetHandler makes fn the handler (nil: none, events wait for Next). Events already queued go
// to fn. When SetHandler returns, an earlier handler is neither running nor called again -
// unless SetHandler is called from inside the handler (fromHandler true): it cannot wait for
// itself, so it returns at once, and the handler is not called again after the running call.
func (q *Queue[E]) SetHandler(fn func(E), fromHandler bool) {
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
func (q *Queue[E]) dispatch() {
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

func (q *Queue[E]) call(fn func(E), ev E) {
	defer func() {
		if r := recover(); r != nil && q.onPanic != nil {
			q.onPanic(r)
		}
	}()
	fn(ev)
}

// pop removes the oldest event; q.mu must be held and the queue not empty.
func (q *Queue[E]) pop() E {
	var zero E
	ev := q.events[0]
	q.events[0] = zero
	q.events = q.events[1:]
	if len(q.events) == 0 {
		q.events = q.events[:0:0] // drop the backing array a burst left behind
	}
	return ev
}

// Next takes the oldest event, waiting up to wait for one; the zero E when none came. While a
// handler is set, events go to it and Next only waits. take, when not nil, sees the event
// first: when it returns an error, the event stays queued and Next returns it with that error
// (e.g. the caller's buffer is too small). Next returns ctx's error when ctx ends, and ErrClosed
// after Close.
func (q *Queue[E]) Next(ctx context.Context, wait time.Duration, take func(E) error) (E, error) {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	var zero E
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return zero, ErrClosed
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
			return zero, nil
		}
		select {
		case <-changed:
		case <-timeout:
			return zero, nil
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// Len is how many events wait.
func (q *Queue[E]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// Drain waits, for at most max, until a handler has taken every queued event: it returns at
// once when no handler is set (the events are for Next). Close calls it first when asked to,
// so that what was queued last - "client closed", say - still reaches a callback.
func (q *Queue[E]) Drain(max time.Duration) {
	deadline := time.Now().Add(max)
	for {
		q.mu.Lock()
		idle := q.closed || q.handler == nil || (len(q.events) == 0 && q.calling == 0)
		changed := q.changed
		q.mu.Unlock()
		left := time.Until(deadline)
		if idle || left <= 0 {
			return
		}
		t := time.NewTimer(min(left, 10*time.Millisecond)) // the dispatcher's end of a call does not signal changed
		select {
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// Close discards what is queued, wakes every waiter and waits until the handler call in
// progress, if any, has returned: after Close no handler is called again. Idempotent. It must
// not be called from inside the handler.
func (q *Queue[E]) Close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		q.events = nil
		q.signal()
	}
	q.mu.Unlock()
	<-q.done
}
