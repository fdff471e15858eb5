package core

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// The library cannot know that the till saw an outcome until the call that produced it has
// returned: a till killed inside the call - even after Vipps answered and the journal holds the
// outcome - never saw it, and repeats the call as vmp.h tells it to. So "seen" is never
// written inside that call. An outcome counts as seen in memory from the moment its call
// returns (an identical call started after that is a new operation), and reaches the journal
// only once the call has surely returned: with the next journal write, or by a flush, at
// least seenSettle later. A process that dies in between loses only the in-memory mark: the
// entry stays unacknowledged, vmp_pending lists it, and a repeat returns its outcome.
const seenSettle = time.Second

// seenLog holds the outcomes returned to the till that the journal does not record as seen
// yet, and the entries whose latest state could not be written (a failed outcome write leaves
// the file's copy open: memory keeps the truth and writing it is tried again).
type seenLog struct {
	mu       sync.Mutex
	returned map[string]time.Time
	unsaved  map[string]*journal.Entry
	flushing bool
}

// markReturned records that the outcome of entry id has been returned to the till.
func (s *seenLog) markReturned(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.returned == nil {
		s.returned = make(map[string]time.Time)
	}
	s.returned[id] = at
}

// has reports whether the outcome of id was returned to the till.
func (s *seenLog) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.returned[id]
	return ok
}

// ripe lists the returned outcomes old enough to be written as seen (all of them with
// settle 0).
func (s *seenLog) ripe(now time.Time, settle time.Duration) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, at := range s.returned {
		if now.Sub(at) >= settle {
			ids = append(ids, id)
		}
	}
	return ids
}

// written forgets ids the journal now records as seen.
func (s *seenLog) written(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.returned, id)
	}
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
	acks := c.seen.ripe(now(), seenSettle)
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

// outcomeReturned marks an entry's definite outcome as returned to the till (see seenSettle).
func (c *Client) outcomeReturned(e *journal.Entry) {
	if e == nil || e.State == journal.StateOpen {
		return
	}
	c.seen.markReturned(e.ID, now())
	c.scheduleSeenFlush()
}

// scheduleSeenFlush makes sure a flush runs once the oldest returned outcome is ripe.
func (c *Client) scheduleSeenFlush() {
	c.seen.mu.Lock()
	if c.seen.flushing || len(c.seen.returned)+len(c.seen.unsaved) == 0 {
		c.seen.mu.Unlock()
		return
	}
	c.seen.flushing = true
	c.seen.mu.Unlock()
	time.AfterFunc(seenSettle, func() {
		_, leave, err := c.enter(c.closingCtx)
		c.seen.mu.Lock()
		c.seen.flushing = false
		c.seen.mu.Unlock()
		if err != nil {
			return // closing: Close flushes
		}
		defer leave()
		c.flushSeen(seenSettle)
		c.scheduleSeenFlush()
	})
}

// flushSeen writes the ripe returned outcomes as seen and retries failed writes.
func (c *Client) flushSeen(settle time.Duration) {
	for _, e := range c.seen.unsavedEntries() {
		unlock := c.intents.lock(lockOf(e)) // a call may be writing a newer state of it
		if still := c.seen.unsavedEntry(e.ID); still != nil {
			if err := c.journal.Put(still); err == nil {
				c.seen.saved(e.ID)
			}
		}
		unlock()
	}
	acks := c.seen.ripe(now(), settle)
	if len(acks) == 0 {
		return
	}
	if err := c.journal.AcknowledgeAll(acks); err != nil {
		c.log(LogWarn, "journal", "recording outcomes the till has seen failed; trying again later: "+err.Error())
		return
	}
	c.seen.written(acks)
}
