package core

import (
	"context"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// The library cannot know that the till saw an outcome until the call that produced it has
// returned to the till: a till killed inside the call - even after Vipps answered and the
// journal holds the outcome - never saw it, and repeats the call as vmp.h tells it to. So
// "seen" is never written inside that call. An outcome counts as seen in memory from the
// moment its call returns (an identical call started after that is a new operation), and is
// written to the journal as soon as the call has surely reached the till: at once for a Go
// caller, and for a call through the C ABI once the host's thread has taken the result (the
// ABI's Delivery says when) - with the next journal write, or by a flush at most
// seenFlushDelay later. A process that dies in between loses only the in-memory mark: the entry
// stays unacknowledged, vmp_pending lists it, and an identical call after the restart is taken
// for its repeat - which is why that instant is kept short.
const seenFlushDelay = 10 * time.Millisecond

// Delivery tells whether the outcome a call returned has reached the caller. The C ABI gives
// one with every call (WithDelivery): its result reaches the host only when the host's thread
// has taken it from the library's worker.
type Delivery interface {
	Delivered() bool
}

// OrderedDelivery is a Delivery that also knows whether its call was made before another
// call's result reached the caller. A call the till made before it had an alike call's outcome
// cannot be its answer to it: it repeats the same operation (repeat_rule.go).
type OrderedDelivery interface {
	Delivery
	MadeBefore(other Delivery) bool
}

type deliveryKey struct{}

// WithDelivery makes the money-moving calls made with ctx wait for d before they record their
// outcome as seen by the till.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryOf is the Delivery WithDelivery gave ctx, nil when none.
func DeliveryOf(ctx context.Context) Delivery {
	d, _ := ctx.Value(deliveryKey{}).(Delivery)
	return d
}

// returnedOutcome is an outcome returned to the till that the journal does not record as seen.
type returnedOutcome struct {
	at       time.Time
	delivery Delivery // nil: reached the caller when the call returned
	// byRepeat: returned by a call that repeated the operation, not by the call that made it.
	byRepeat bool
	intent   string // the entry's, to find it by (recentRepeats)
}

// recentRepeatKeep is how long a repeat's outcome written as seen is still found for calls
// made before it reached the till: their way from the till to the repeat rule takes
// microseconds, milliseconds on a loaded machine.
const recentRepeatKeep = time.Minute

func (r returnedOutcome) delivered() bool { return r.delivery == nil || r.delivery.Delivered() }

// seenLog holds the outcomes returned to the till that the journal does not record as seen
// yet, and the entries whose latest state could not be written (a failed outcome write leaves
// the file's copy open: memory keeps the truth and writing it is tried again).
type seenLog struct {
	mu       sync.Mutex
	returned map[string]returnedOutcome
	// recent: repeats' outcomes written as seen in the last recentRepeatKeep, which a call
	// made before they reached the till still repeats (returnedBefore).
	recent   map[string]returnedOutcome
	unsaved  map[string]*journal.Entry
	flushing bool
}

// markReturned records that the outcome of entry id has been returned to the till.
func (s *seenLog) markReturned(id string, r returnedOutcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.returned == nil {
		s.returned = make(map[string]returnedOutcome)
	}
	s.returned[id] = r
}

// delivered reports whether the outcome of id, returned to the till, has reached it.
func (s *seenLog) delivered(id string) bool {
	s.mu.Lock()
	r, ok := s.returned[id]
	s.mu.Unlock()
	return ok && r.delivered()
}

// has reports whether the outcome of id was returned to the till.
func (s *seenLog) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.returned[id]
	return ok
}

// returnedBefore reports whether the outcome of id counts as returned to the till for the call
// whose delivery is d. A repeat's outcome does not when d's call was made before it reached the
// till: two repeats at once of one operation are that operation, however the library ordered
// them. The outcome of the call that made the operation does (an alike call made while it was
// in progress is another operation: two alike sales). Without an order to go by: whether it
// was returned at all.
func (s *seenLog) returnedBefore(id string, d Delivery) bool {
	s.mu.Lock()
	r, ok := s.returned[id]
	s.mu.Unlock()
	if !ok {
		return false
	}
	if od, ordered := d.(OrderedDelivery); ordered && r.byRepeat && r.delivery != nil && od.MadeBefore(r.delivery) {
		return false
	}
	return true
}

// ripe lists the returned outcomes that have reached the till: those may be written as seen.
func (s *seenLog) ripe() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, r := range s.returned {
		if r.delivered() {
			ids = append(ids, id)
		}
	}
	return ids
}

// written forgets ids the journal now records as seen, keeping repeats' outcomes a moment.
func (s *seenLog) written(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now()
	for id, r := range s.recent {
		if t.Sub(r.at) > recentRepeatKeep {
			delete(s.recent, id)
		}
	}
	for _, id := range ids {
		if r, ok := s.returned[id]; ok && r.byRepeat && r.delivery != nil {
			if s.recent == nil {
				s.recent = make(map[string]returnedOutcome)
			}
			s.recent[id] = r
		}
		delete(s.returned, id)
	}
}

// repeatedBefore lists the entries of intent whose outcome a repeat returned, now written as
// seen, that had not reached the till when the call whose delivery is d was made: that call
// repeats the same operation (the journal no longer lists them as unseen).
func (s *seenLog) repeatedBefore(intent string, d Delivery) []string {
	od, ordered := d.(OrderedDelivery)
	if !ordered {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, r := range s.recent {
		if r.intent == intent && od.MadeBefore(r.delivery) {
			ids = append(ids, id)
		}
	}
	return ids
}

// pendingCount is how many returned outcomes the journal does not record as seen yet.
func (s *seenLog) pendingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.returned) + len(s.unsaved)
}

func (s *seenLog) keepUnsaved(e *journal.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unsaved == nil {
		s.unsaved = make(map[string]*journal.Entry)
	}
	copied := *e
	s.unsaved[e.ID] = &copied
}

func (s *seenLog) saved(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.unsaved, id)
}

// unsavedEntry is the state of id that the journal failed to record, if any.
func (s *seenLog) unsavedEntry(id string) *journal.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.unsaved[id]; e != nil {
		copied := *e
		return &copied
	}
	return nil
}

func (s *seenLog) unsavedEntries() []*journal.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*journal.Entry, 0, len(s.unsaved))
	for _, e := range s.unsaved {
		copied := *e
		list = append(list, &copied)
	}
	return list
}

// putEntry writes e, with the outcomes that are ripe to be recorded as seen. When the write
// fails, memory keeps e's state (entry reads e, flushSeen retries the write) and the error is
// returned.
func (c *Client) putEntry(e *journal.Entry) error {
	acks := c.seen.ripe()
	err := journalWriteFault(e)
	if err == nil {
		err = c.journal.Put(e, acks...)
	}
	if err != nil {
		c.seen.keepUnsaved(e)
		return err
	}
	c.seen.written(acks)
	c.seen.saved(e.ID)
	c.scheduleSeenFlush()
	return nil
}

// journalWriteFault lets a test make one journal write fail (a full disk, say); nil error in
// normal use.
var journalWriteFault = func(*journal.Entry) error { return nil }

// entry reads an entry, preferring the state memory holds when the journal failed to record it.
func (c *Client) entry(id string) (*journal.Entry, error) {
	if e := c.seen.unsavedEntry(id); e != nil {
		return e, nil
	}
	return c.journal.Get(id)
}

// outcomeReturned marks an entry's definite outcome as returned to the till by the call whose
// context is ctx (see seenFlushDelay); byRepeat: that call repeated the entry's operation.
func (c *Client) outcomeReturned(ctx context.Context, e *journal.Entry, byRepeat bool) {
	if e == nil || e.State == journal.StateOpen {
		return
	}
	c.seen.markReturned(e.ID, returnedOutcome{at: now(), delivery: DeliveryOf(ctx), byRepeat: byRepeat, intent: e.Intent})
	c.scheduleSeenFlush()
}

// scheduleSeenFlush makes sure a flush runs soon while returned outcomes are not written as
// seen. It polls for deliveries, each time a little later, up to once a second.
func (c *Client) scheduleSeenFlush() {
	c.seen.mu.Lock()
	if c.seen.flushing || len(c.seen.returned)+len(c.seen.unsaved) == 0 {
		c.seen.mu.Unlock()
		return
	}
	c.seen.flushing = true
	c.seen.mu.Unlock()
	c.armSeenFlush(seenFlushDelay)
}

func (c *Client) armSeenFlush(delay time.Duration) {
	time.AfterFunc(delay, func() {
		_, leave, err := c.enter(c.closingCtx)
		if err != nil {
			c.seen.mu.Lock()
			c.seen.flushing = false
			c.seen.mu.Unlock()
			return // closing: Close flushes
		}
		defer leave()
		c.flushSeen()
		c.seen.mu.Lock()
		more := len(c.seen.returned)+len(c.seen.unsaved) > 0
		c.seen.flushing = more
		c.seen.mu.Unlock()
		if more {
			c.armSeenFlush(min(2*delay, time.Second))
		}
	})
}

// flushSeen writes the returned outcomes that have reached the till as seen, and retries
// failed writes.
func (c *Client) flushSeen() {
	for _, e := range c.seen.unsavedEntries() {
		unlock := c.intents.lock(lockOf(e)) // a call may be writing a newer state of it
		if still := c.seen.unsavedEntry(e.ID); still != nil {
			if err := c.journal.Put(still); err == nil {
				c.seen.saved(e.ID)
			}
		}
		unlock()
	}
	acks := c.seen.ripe()
	if len(acks) == 0 {
		return
	}
	if err := c.journal.AcknowledgeAll(acks); err != nil {
		c.log(LogWarn, "journal", "recording outcomes the till has seen failed; trying again later: "+err.Error())
		return
	}
	c.seen.written(acks)
}
