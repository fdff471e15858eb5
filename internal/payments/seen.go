package payments

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// The library cannot know that the till saw an outcome until the call that produced it has
// returned to the till: a till killed inside the call - even after Vipps answered and the
// journal holds the outcome - never saw it, and repeats the call as vmp.h tells it to. So
// "seen" is never written inside that call. An outcome counts as seen in memory from the
// moment its call returns (an identical call started after that is a new operation), and is
// Written to the journal as soon as the call has surely reached the till: at once for a Go
// caller, and for a call through the C ABI once the host's thread has taken the result (the
// ABI's Delivery says when) - with the next journal write, or by a flush at most
// seenFlushDelay later. A process that dies in between loses only the in-memory mark: the entry
// stays unacknowledged, vmp_pending lists it, and an identical call after the restart is taken
// for its repeat - which is why that instant is kept short.
const SeenFlushDelay = 10 * time.Millisecond

// Delivery tells whether the outcome a call returned has reached the caller. The C ABI gives
// one with every call (WithDelivery): its result reaches the host only when the host's thread
// Has taken it from the library's worker.
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

// Returned is an outcome returned to the till that the journal does not record as seen.
type Returned struct {
	At       time.Time
	Delivery Delivery // nil: reached the caller when the call returned
	// ByRepeat: returned by a call that repeated the operation, not by the call that made it.
	ByRepeat bool
	Intent   string // the entry's, to find it by (RepeatedBefore)
	// taken: a write carrying this mark is on its way (Ripe handed it out); no other write
	// carries it too, until Untake gives it back.
	taken bool
	// held: a write carried this mark while the entry's outcome was still queued for a commit,
	// so it may have met the file's open copy; it is kept (taken) until that commit answers.
	held bool
}

// recentRepeatKeep is how long a repeat's outcome written as seen is still found for calls
// made before it reached the till: their way from the till to the repeat rule takes
// microseconds, milliseconds on a loaded machine.
const recentRepeatKeep = time.Minute

func (r Returned) delivered() bool { return r.Delivery == nil || r.Delivery.Delivered() }

// SeenLog holds the outcomes returned to the till that the journal does not record as seen
// yet, and the entries whose latest state is not on disk: queued for the next commit (an
// outcome is not waited for, journal.PutSoon), or not written at all (a failed write). Either
// way the file's copy is open, memory keeps the truth, and a failed write is tried again.
type SeenLog struct {
	mu       sync.Mutex
	returned map[string]Returned
	// recent: repeats' outcomes written as seen in the last recentRepeatKeep, which a call
	// made before they reached the till still repeats (ReturnedBefore).
	recent   map[string]Returned
	unsaved  map[string]unsavedState
	flushing bool
}

// MarkReturned records that the outcome of entry id has been returned to the till.
func (s *SeenLog) MarkReturned(id string, r Returned) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.returned == nil {
		s.returned = make(map[string]Returned)
	}
	s.returned[id] = r
}

// Delivered reports whether the outcome of id, returned to the till, has reached it.
func (s *SeenLog) Delivered(id string) bool {
	s.mu.Lock()
	r, ok := s.returned[id]
	s.mu.Unlock()
	return ok && r.delivered()
}

// Has reports whether the outcome of id was returned to the till.
func (s *SeenLog) Has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.returned[id]
	return ok
}

// ReturnedBefore reports whether the outcome of id counts as returned to the till for the call
// whose delivery is d. A repeat's outcome does not when d's call was made before it reached the
// till: two repeats at once of one operation are that operation, however the library ordered
// them. The outcome of the call that made the operation does (an alike call made while it was
// in progress is another operation: two alike sales). Without an order to go by: whether it
// was returned at all.
func (s *SeenLog) ReturnedBefore(id string, d Delivery) bool {
	s.mu.Lock()
	r, ok := s.returned[id]
	s.mu.Unlock()
	if !ok {
		return false
	}
	if od, ordered := d.(OrderedDelivery); ordered && r.ByRepeat && r.Delivery != nil && od.MadeBefore(r.Delivery) {
		return false
	}
	return true
}

// Ripe lists the returned outcomes that have reached the till: those may be written as seen.
// Each is handed out once (concurrent writes would otherwise all carry the same marks: with
// 64 calls at once, thousands of acknowledgements a commit), until Written or Untake.
func (s *SeenLog) Ripe() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, r := range s.returned {
		// An outcome whose write failed is acknowledged once it is written: acknowledging the
		// file's open copy would do nothing and forget the mark. One queued for a commit is
		// acknowledged at once: the journal commits in order, so the write carrying the mark
		// (queued after the call returned) meets the outcome on disk or in its own commit -
		// and the next call's own entry must carry it (a till killed after that entry's commit
		// must find the earlier outcome seen, or a repeat of the new call is taken for it). If
		// that commit fails, Written holds the mark and it is written again (seen_test.go).
		if u, kept := s.unsaved[id]; !r.taken && r.delivered() && (!kept || u.writing) {
			ids = append(ids, id)
			r.taken = true
			s.returned[id] = r
		}
	}
	return ids
}

// Untake gives back marks Ripe handed out whose write failed: the next write carries them.
func (s *SeenLog) Untake(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if r, ok := s.returned[id]; ok {
			r.taken = false
			s.returned[id] = r
		}
	}
}

// Written forgets ids the journal now records as seen at t, keeping repeats' outcomes a moment.
// A mark whose entry's outcome is not on disk is kept instead: the journal acknowledges only a
// finished entry, and an outcome whose commit failed is written again unacknowledged, so a mark
// forgotten then would leave an outcome the till saw listed as unseen - and the till's next
// alike call taken for its repeat, sending nothing. Once the outcome is on disk the mark is
// written again.
func (s *SeenLog) Written(ids []string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.recent {
		if t.Sub(r.At) > recentRepeatKeep {
			delete(s.recent, id)
		}
	}
	for _, id := range ids {
		r, ok := s.returned[id]
		if u, kept := s.unsaved[id]; ok && kept {
			// Queued: held until its commit answers. Failed: Ripe gives it once it is saved.
			r.taken, r.held = u.writing, u.writing
			s.returned[id] = r
			continue
		}
		if ok && r.ByRepeat && r.Delivery != nil {
			if s.recent == nil {
				s.recent = make(map[string]Returned)
			}
			s.recent[id] = r
		}
		delete(s.returned, id)
	}
}

// NotWritten gives back marks a write carried whose entry the file had open (its outcome not
// on disk yet): the journal did not record them. Held until a queued outcome's commit answers;
// otherwise the next write carries them (Ripe waits for a failed outcome to be saved).
func (s *SeenLog) NotWritten(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if r, ok := s.returned[id]; ok {
			u, kept := s.unsaved[id]
			r.taken = kept && u.writing
			r.held = r.taken
			s.returned[id] = r
		}
	}
}

// RepeatedBefore lists the entries of intents (a call's alike ones) whose outcome a repeat
// returned, now written as seen, that had not reached the till when the call whose delivery is
// d was made: that call repeats the same operation (the journal no longer lists them as unseen).
func (s *SeenLog) RepeatedBefore(intents []string, d Delivery) []string {
	od, ordered := d.(OrderedDelivery)
	if !ordered {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, r := range s.recent {
		if slices.Contains(intents, r.Intent) && od.MadeBefore(r.Delivery) {
			ids = append(ids, id)
		}
	}
	return ids
}

// PendingCount is how many returned outcomes the journal does not record as seen yet.
func (s *SeenLog) PendingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.returned) + s.failedCount()
}

// unsavedState is an entry's state that is not on disk: queued for a commit (writing), or
// not written because the write failed.
type unsavedState struct {
	entry   *journal.Entry
	writing bool
}

// failedCount is how many entries' writes failed and wait to be tried again (s.mu held).
func (s *SeenLog) failedCount() int {
	n := 0
	for _, u := range s.unsaved {
		if !u.writing {
			n++
		}
	}
	return n
}

// KeepUnsaved keeps the state of e that the journal failed to record.
func (s *SeenLog) KeepUnsaved(e *journal.Entry) {
	copied := *e
	s.keep(&copied, false)
}

// Writing keeps queued, the state of an entry queued for the next commit, until Committed or
// CommitFailed is told of it; queued must not be changed afterwards.
func (s *SeenLog) Writing(queued *journal.Entry) { s.keep(queued, true) }

func (s *SeenLog) keep(e *journal.Entry, writing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unsaved == nil {
		s.unsaved = make(map[string]unsavedState)
	}
	s.unsaved[e.ID] = unsavedState{entry: e, writing: writing}
}

// Committed forgets queued, now on disk, unless a newer state of its entry is kept.
func (s *SeenLog) Committed(queued *journal.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.unsaved[queued.ID]; ok && u.entry == queued {
		delete(s.unsaved, queued.ID)
	}
	s.release(queued.ID)
}

// CommitFailed keeps queued as a failed write, to be tried again, unless a newer state of its
// entry is kept.
func (s *SeenLog) CommitFailed(queued *journal.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.unsaved[queued.ID]; ok && u.entry == queued {
		s.unsaved[queued.ID] = unsavedState{entry: queued}
	}
	s.release(queued.ID)
}

// release gives back the held mark of id, if any, to be written again (s.mu held); also when a
// newer state of the entry is kept, which Ripe then waits for.
func (s *SeenLog) release(id string) {
	if r, ok := s.returned[id]; ok && r.held {
		r.taken, r.held = false, false
		s.returned[id] = r
	}
}

// Saved forgets the unsaved state of id: the journal holds it.
func (s *SeenLog) Saved(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.unsaved, id)
}

// UnsavedEntry is the state of id that the journal failed to record, if any.
func (s *SeenLog) UnsavedEntry(id string) *journal.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.unsaved[id]; ok {
		copied := *u.entry
		return &copied
	}
	return nil
}

// FailedEntry is the state of id that the journal failed to record, if any - not one queued for
// a commit, which that commit writes (the seen flush wrote such a one again, after a seen mark
// recorded since, and undid the mark).
func (s *SeenLog) FailedEntry(id string) *journal.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.unsaved[id]; ok && !u.writing {
		copied := *u.entry
		return &copied
	}
	return nil
}

// UnsavedEntries are the states the journal failed to record (not those queued for a commit).
func (s *SeenLog) UnsavedEntries() []*journal.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*journal.Entry, 0, len(s.unsaved))
	for _, u := range s.unsaved {
		if !u.writing {
			copied := *u.entry
			list = append(list, &copied)
		}
	}
	return list
}

// StartFlush reports whether a flush must be armed: there is something to write and none is
// armed yet (it is then armed).
func (s *SeenLog) StartFlush() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flushing || len(s.returned)+s.failedCount() == 0 {
		return false
	}
	s.flushing = true
	return true
}

// FlushEnded says a flush ran (ran false: it could not, the client is closing) and reports
// whether another must be armed.
func (s *SeenLog) FlushEnded(ran bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushing = ran && len(s.returned)+s.failedCount() > 0
	return s.flushing
}
