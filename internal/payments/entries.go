package payments

import (
	"context"
	"slices"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
)

// The journal's entries as the money operations read and write them: with the seen log
// (seen.go says when an outcome counts as seen), whose outcomes are written with them, and the
// state memory keeps of an entry the journal failed to record.

// putEntry writes e, with the outcomes that are ripe to be recorded as seen. When the write
// fails, memory keeps e's state (entry reads e, flushSeen retries the write) and the error is
// returned.
func (eng *Engine) putEntry(e *journal.Entry) error {
	acks := eng.seen.Ripe()
	var open []string
	err := eng.writeFault(e)
	if err == nil {
		open, err = eng.journal.PutAcking(e, acks)
	}
	if err != nil {
		eng.seen.Untake(acks)
		eng.seen.KeepUnsaved(e)
		return err
	}
	eng.acksWritten(acks, open)
	eng.seen.Saved(e.ID)
	eng.scheduleSeenFlush()
	return nil
}

// putEntrySoon queues e for the next journal commit without waiting for the disk: for an
// outcome, never for an entry whose request is yet to leave (journal.PutSoon says why that is
// safe). Memory keeps the queued state until the commit has it, and a failed commit is
// written again like any failed write. The error is only a write that could not be queued.
func (eng *Engine) putEntrySoon(e *journal.Entry) error {
	err := eng.writeFault(e)
	if err == nil {
		err = eng.journal.PutSoon(e, eng.seen.Writing, func(queued *journal.Entry, err error) {
			if err == nil {
				eng.seen.Committed(queued)
				return
			}
			eng.seen.CommitFailed(queued)
			eng.log.Log(abi.LogError, "journal", "writing the outcome of "+queued.Operation+" of "+queued.Reference+" failed; kept in memory and tried again: "+err.Error())
			eng.scheduleSeenFlush()
		})
	}
	if err != nil {
		eng.seen.KeepUnsaved(e)
		eng.scheduleSeenFlush()
	}
	return err
}

// entry reads an entry, preferring the state memory holds when the journal failed to record it.
func (eng *Engine) entry(id string) (*journal.Entry, error) {
	if e := eng.seen.UnsavedEntry(id); e != nil {
		return e, nil
	}
	return eng.journal.Get(id)
}

// outcomeReturned marks an entry's definite outcome as returned to the till by the call whose
// context is ctx (see SeenFlushDelay); byRepeat: that call repeated the entry's operation.
func (eng *Engine) outcomeReturned(ctx context.Context, e *journal.Entry, byRepeat bool) {
	if e == nil || e.State == journal.StateOpen {
		return
	}
	failpoint("returning", e.Operation)
	eng.seen.MarkReturned(e.ID, Returned{At: eng.now(), Delivery: DeliveryOf(ctx), ByRepeat: byRepeat, Intent: e.Intent})
	eng.scheduleSeenFlush()
}

// scheduleSeenFlush makes sure a flush runs soon while returned outcomes are not written as
// seen. It polls for deliveries, each time a little later, up to once a second.
func (eng *Engine) scheduleSeenFlush() {
	if eng.seen.StartFlush() {
		eng.armSeenFlush(SeenFlushDelay)
	}
}

func (eng *Engine) armSeenFlush(delay time.Duration) {
	time.AfterFunc(delay, func() {
		_, leave, err := eng.enter(eng.closing)
		if err != nil {
			eng.seen.FlushEnded(false)
			return // closing: Close flushes
		}
		defer leave()
		eng.flushSeen()
		if eng.seen.FlushEnded(true) {
			eng.armSeenFlush(min(2*delay, time.Second))
		}
	})
}

// flushSeen writes the returned outcomes that have reached the till as seen, and retries
// failed writes.
func (eng *Engine) flushSeen() {
	for _, e := range eng.seen.UnsavedEntries() {
		failpoint("flush_unsaved", e.Operation)
		unlock := eng.intents.Lock(lockOf(e)) // a call may be writing a newer state of it
		// Asked again under the lock: a call that made the operation again meanwhile may have
		// queued its outcome for a commit, which must not be written here too - after another
		// write carried its seen mark, this one undid it and memory forgot the mark: an alike
		// call took the operation for the one it repeats (TestTheSeenFlushDoesNotWriteAnOutcome...).
		if still := eng.seen.FailedEntry(e.ID); still != nil {
			if err := eng.journal.Put(still); err == nil {
				eng.seen.Saved(e.ID)
			}
		}
		unlock()
	}
	acks := eng.seen.Ripe()
	if len(acks) == 0 {
		return
	}
	open, err := eng.journal.AcknowledgeAllOpen(acks)
	if err != nil {
		eng.seen.Untake(acks)
		eng.log.Log(abi.LogWarn, "journal", "recording outcomes the till has seen failed; trying again later: "+err.Error())
		return
	}
	eng.acksWritten(acks, open)
}

// acksWritten books seen marks a committed write carried: those whose entry the file had open
// were not recorded (its outcome's write failed or is queued) and are given back.
func (eng *Engine) acksWritten(acks, open []string) {
	if len(open) > 0 {
		eng.seen.NotWritten(open)
		acks = slices.DeleteFunc(slices.Clone(acks), func(id string) bool { return slices.Contains(open, id) })
	}
	eng.seen.Written(acks, eng.now())
}
