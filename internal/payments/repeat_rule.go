package payments

import (
	"slices"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// The repeat rule for calls without an id (vmp.h, "Money safety"): a call repeats an earlier
// one when, as it starts, the journal holds an operation with the same intent whose outcome
// the till has not seen. It is decided when the call starts, before it waits for the lock of
// that operation (its id's, when it has one) or of its intent: a call that waited behind
// vmp_recover, or behind another repeat of the same operation, still finishes that operation
// instead of becoming a second one.
const (
	// CheckoutRepeatWindow: an unseen checkout older than this is not what a till repeats: the
	// payment request has expired or been answered on the phone (Vipps' default lifetime is 10
	// minutes), and an alike checkout now is a new sale. The old one stays in vmp_pending.
	CheckoutRepeatWindow = 10 * time.Minute
	// ModificationRepeatWindow: an unseen capture, refund or cancel older than this is neither
	// taken as repeated nor sent anew - either could be wrong - but refused with a message
	// naming it (acknowledge it, or use an operation id).
	ModificationRepeatWindow = 24 * time.Hour
)

// repeatOf gives the earlier operation a call without an id repeats, nil for a new one.
// d is the call's Delivery (nil for a Go caller): a call made before an alike call's outcome
// reached the till repeats that operation, even if the outcome has reached it since.
func (eng *Engine) repeatOf(op moneyOp, d Delivery) (found *journal.Entry, err error) {
	if op.operationID != "" {
		return nil, nil // the id decides, under the lock (findByOperationID)
	}
	candidates, err := eng.unseenAlike(op)
	if err != nil {
		return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	failpoint("repeat_candidates", op.kind)
	t := eng.now()
	if e, err := eng.recentRepeatOf(op, d, t); e != nil || err != nil {
		return e, err
	}
	var seen []string
	defer func() {
		// This call is new because those alike calls returned before it started: that must
		// be on disk before this call leaves a trace, or a restart would take this call's
		// repeat for one of theirs and give it their outcome (found by the property test).
		if seen = eng.awaitDelivery(seen); len(seen) > 0 && err == nil {
			open, werr := eng.journal.AcknowledgeAllOpen(seen)
			if werr != nil {
				found, err = nil, &model.Error{Code: abi.CodeJournal, Message: "journal: writing: " + werr.Error() + "; nothing was sent", Err: werr}
				return
			}
			eng.acksWritten(seen, open)
		}
	}()
	// Oldest first, but one a repeat would send anew (certainly not carried out) after the
	// others: it may be listed unseen only because its seen mark was lost in a restart, though
	// the till was told and gave it up. Taken for the repeat of an alike call whose own entry is
	// here too (open, or finished by recovery), it moved money twice (found by the failed-commit
	// search); an open or finished one moves none of its own when repeated.
	slices.SortStableFunc(candidates, func(a, b *journal.Entry) int { return sentAnew(a) - sentAnew(b) })
	for _, e := range candidates {
		switch eng.unseenNow(op, e, d) {
		case candidateReturned:
			seen = append(seen, e.ID)
			continue
		case candidateNotUnseen:
			continue
		}
		age := t.Sub(e.CreatedAt)
		if op.kind == journal.OpCreate {
			if eng.checkoutAge(e, t) > CheckoutRepeatWindow {
				continue
			}
			return e, nil
		}
		if age > ModificationRepeatWindow {
			return nil, model.Errorf(abi.CodeConflict, "an identical %s of %d on %s from %s never reached the till (it is %s); "+
				"this call may repeat it or be a new one, so nothing was sent: settle it first (vmp_recover if it is open, then "+
				"vmp_acknowledge with id %q), or give this call an operation_id", e.Operation, e.Amount, e.Reference,
				e.CreatedAt.Format(time.RFC3339), e.State, e.ID)
		}
		return e, nil
	}
	// A repeat's outcome written as seen since recentRepeatOf was asked is no longer returned
	// in memory, and the journal has it seen: ask again, or this call - made before it reached
	// the till - would be a second operation.
	return eng.recentRepeatOf(op, d, t)
}

// What unseenNow finds of an unseen alike entry.
const (
	candidateUnseen    = iota // the till has not seen its outcome: this call may repeat it
	candidateReturned         // its outcome was returned to the till: this call is new, and says so
	candidateNotUnseen        // in progress, or written as seen since the journal was read
)

// unseenNow asks memory, then the journal, whether the till has seen the outcome of e, an entry
// the journal listed unseen, for the call whose delivery is d.
func (eng *Engine) unseenNow(op moneyOp, e *journal.Entry, d Delivery) int {
	for {
		// Asked in this order: a first call ends in progress only after its outcome counts as
		// returned (runMoneyOp), and memory forgets a returned outcome only once the journal
		// records it seen. Asked the other way round, a first call that returned in between
		// is in neither, and its operation - whose outcome the till was told - would be taken
		// for this call to repeat (found by the failed-commit search: a capture told done that
		// captured nothing).
		running := eng.origins.Running(e.ID)
		failpoint("repeat_candidate", op.kind)
		if eng.seen.ReturnedBefore(e.ID, d) {
			return candidateReturned
		}
		if running {
			return candidateNotUnseen
		}
		// Memory forgets a returned outcome once the journal records it seen, which may have
		// happened since the journal was read: read it again, after asking memory.
		now, err := eng.journal.Get(e.ID)
		if err != nil || now == nil {
			return candidateUnseen
		}
		if now.Acknowledged {
			return candidateNotUnseen
		}
		// Written since it was listed: an operation the till was told was not carried out,
		// made again, starts in progress and writes its entry unseen again (forgetting the
		// seen mark it carries) - after "in progress?" was asked, it was in none of the three
		// (TestAnAlikeCallAskingWhileARefusedCaptureIsMadeAgainIsASecondOperation). Ask again.
		if now.Attempts == e.Attempts && now.State == e.State && now.UpdatedAt.Equal(e.UpdatedAt) {
			return candidateUnseen
		}
		e = now
	}
}

// alikeIntents are the intents an alike earlier call may have recorded: this vmp's, and in a
// journal an older vmp wrote (MayHoldOlderKeys) vmp 0.1's, which named the unit by its config
// name. The repeat rule looked for this vmp's only: a capture 0.1 left unseen, repeated after
// the upgrade as vmp.h tells the till to, was made a second time.
func (eng *Engine) alikeIntents(op moneyOp) []string {
	if op.intent01 == "" || !eng.journal.MayHoldOlderKeys() {
		return []string{op.intent}
	}
	return []string{op.intent, op.intent01}
}

// unseenAlike lists the entries of op's unit that ask for what op asks (asksFor) whose outcome
// the till has not seen, oldest first.
func (eng *Engine) unseenAlike(op moneyOp) ([]*journal.Entry, error) {
	var alike []*journal.Entry
	for _, intent := range eng.alikeIntents(op) {
		list, err := eng.journal.UnacknowledgedWithIntent(intent)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if op.asksFor(e) && op.unit.owns(e) {
				alike = append(alike, e)
			}
		}
	}
	slices.SortStableFunc(alike, func(a, b *journal.Entry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return alike, nil
}

// sentAnew is 1 for an entry a repeat would send anew (certainly not carried out), else 0.
func sentAnew(e *journal.Entry) int {
	if e.State == journal.StateFailed || e.State == journal.StateNotCreated {
		return 1
	}
	return 0
}

// recentRepeatOf gives the operation whose outcome another thread's repeat returned, written as
// seen since, after this call (whose delivery is d) was made: this call is that repeat's twin,
// not a new operation. nil when there is none.
func (eng *Engine) recentRepeatOf(op moneyOp, d Delivery, t time.Time) (*journal.Entry, error) {
	for _, id := range eng.seen.RepeatedBefore(eng.alikeIntents(op), d) {
		e, err := eng.entry(id)
		if err != nil {
			return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
		}
		if e != nil && (op.kind != journal.OpCreate || eng.checkoutAge(e, t) <= CheckoutRepeatWindow) {
			return e, nil
		}
	}
	return nil, nil
}

// awaitDelivery waits, briefly, until the outcomes of ids - returned by calls on other threads
// of the till a moment ago - have reached the till: recording them as seen before that would
// be recording it inside their calls. Their hand-over takes microseconds; the wait is bounded
// so a stalled host thread cannot hold this call.
// It gives those that have; one not delivered by then is never written as seen here (a double
// operation is worse than the ambiguity that leaves).
func (eng *Engine) awaitDelivery(ids []string) []string {
	deadline := time.Now().Add(2 * time.Second)
	delivered := ids[:0:0]
	for _, id := range ids {
		for !eng.seen.Delivered(id) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
		if eng.seen.Delivered(id) {
			delivered = append(delivered, id)
		}
	}
	return delivered
}

// findByOperationID looks up the operation with the till's id: by its key, or - for an entry
// written before the key derivation it has now, in a journal an older vmp wrote - by
// (operation, MSN, reference, id). Either way as eng.entry reads it: memory's state while its
// latest write is not on disk. The file's copy of an older entry is open then, and a call
// taking it for open looked the operation up at Vipps again - and sent it again with its old
// key when the event log could not be read: a second capture once Vipps forgot the key.
func (eng *Engine) findByOperationID(op moneyOp, key string) (*journal.Entry, error) {
	e, err := eng.entry(key)
	if err == nil && e == nil && eng.journal.MayHoldOlderKeys() {
		var list []*journal.Entry
		list, err = eng.journal.ForReferenceOperation(op.reference, op.kind)
		for _, old := range list {
			if old.OperationID == op.operationID && op.unit.owns(old) {
				e, err = eng.entry(old.ID)
				break
			}
		}
	}
	if err != nil {
		return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	if e != nil && !op.asksFor(e) {
		if op.kind == journal.OpCreate {
			return nil, model.Errorf(abi.CodeConflict, "reference %q was already used for a checkout of %d %s; use a new reference", e.Reference, e.Amount, e.Currency)
		}
		return nil, model.Errorf(abi.CodeConflict, "operation id %q was already used for %s of %d on %s; this call asks for something else - use a new operation id",
			op.operationID, e.Operation, e.Amount, e.Reference)
	}
	return e, nil
}

// asksFor reports whether entry e records what op asks for: by this vmp's intent, or for an
// entry of vmp 0.1 (no MSN) by the intent 0.1 derived (intent01). The one test of it, for a
// call with an id (findByOperationID) and a repeat without one (unseenAlike).
func (op moneyOp) asksFor(e *journal.Entry) bool {
	return e.Intent == op.intent || (e.MSN == "" && op.intent01 != "" && e.Intent == op.intent01)
}

// newJournalRefusal refuses a call without an id on a payment that a new journal knows
// nothing of: it may repeat a call recorded in a journal that was lost (newjournal.go).
func (eng *Engine) newJournalRefusal(op moneyOp) error {
	if op.operationID != "" || op.kind == journal.OpCreate || !eng.journalIsNew() {
		return nil
	}
	entries, err := eng.journal.ForReference(op.reference)
	if err != nil {
		return &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	for _, e := range entries {
		if op.unit.owns(e) {
			return nil
		}
	}
	return model.Errorf(abi.CodeNewJournal, "%s of %s without an operation_id: the journal was created new (%s) and knows nothing of this payment, "+
		"so this may repeat a call recorded in a journal that was lost; nothing was sent. Give the call an operation_id, or - once "+
		"you know no journal was lost - call vmp_acknowledge(client, \"%s\")", op.kind, op.reference, eng.journalNewSince(), NewJournalAck)
}
