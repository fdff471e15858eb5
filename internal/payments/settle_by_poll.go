package payments

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/retry"
)

// A checkout that ended VMP_ERR_UNKNOWN_OUTCOME can be settled by the till the first way vmp.h
// offers: asking for the payment's status. The answer proves the payment exists, so the create
// is done, and the till has seen that: the next identical checkout is a new sale, not this one
// again (found: a settled and captured checkout answered an alike sale days later).

// unsettledCreates tracks, per unit-scoped reference, the journal entry of a create whose
// outcome the till has not seen. Guarded by Engine.mu.
type unsettledCreates map[string]string

// noteUnsettledCreate remembers a create whose outcome the till has not seen.
func (eng *Engine) noteUnsettledCreate(u *Unit, e *journal.Entry) {
	eng.mu.Lock()
	if eng.unsettled == nil {
		eng.unsettled = make(unsettledCreates)
	}
	eng.unsettled[u.scoped(e.Reference)] = e.ID
	eng.mu.Unlock()
	eng.trackerFor(u, e.Reference).SetUnsettled(true)
}

// noteUnsettledCreates remembers the unseen creates of the journal (after recovery at start).
func (eng *Engine) noteUnsettledCreates() {
	entries, err := eng.journal.Unacknowledged()
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Operation != journal.OpCreate {
			continue
		}
		if u, err := eng.unitOfEntry(e); err == nil {
			eng.noteUnsettledCreate(u, e)
		}
	}
}

// settleCreateByRead records that the till read payment p of reference: an unseen create of it
// becomes done (if it was open, and Vipps' event log does not show the payment created under
// another key) and seen.
func (eng *Engine) settleCreateByRead(ctx context.Context, u *Unit, reference string, p Payment) {
	key := u.scoped(reference)
	eng.mu.Lock()
	id := eng.unsettled[key]
	eng.mu.Unlock()
	if id == "" || p.State == abi.StateUnknown {
		return
	}
	e, err := eng.entry(id)
	if err != nil || e == nil {
		return
	}
	unlock := eng.intents.Lock(lockOf(e))
	defer unlock()
	if e, err = eng.entry(id); err != nil || e == nil {
		return
	}
	if e.State == journal.StateOpen || e.State == journal.StateNotCreated {
		// The payment read is the reference's, not necessarily this create's: another till
		// may have used the same explicit reference. When Vipps' event log shows it created
		// under another key it is not this one, which stays as it is (recovery, or the till's
		// repeat, settles it by its key). An event log that cannot be read, or lists no key,
		// does not stop the read from settling it: left unsettled, the next alike sale would
		// be taken for its repeat and given this payment.
		if eng.createdUnderAnotherKey(ctx, eng.trackerFor(u, reference), e) {
			eng.forgetUnsettled(u, key, id, reference)
			return
		}
		eng.recordOutcome(e, p, nil)
	}
	if e.State == journal.StateDone {
		eng.outcomeReturned(ctx, e, false)
	}
	eng.forgetUnsettled(u, key, id, reference)
}

// forgetUnsettled stops settling create id of the unit-scoped reference key by reads.
func (eng *Engine) forgetUnsettled(u *Unit, key, id, reference string) {
	eng.mu.Lock()
	if eng.unsettled[key] == id {
		delete(eng.unsettled, key)
	}
	eng.mu.Unlock()
	eng.trackerFor(u, reference).SetUnsettled(false)
}

// createdUnderAnotherKey reports whether Vipps' event log shows the payment of e's reference
// created under a key that is not e's: another till's, with the same explicit reference.
func (eng *Engine) createdUnderAnotherKey(ctx context.Context, t *Tracker, e *journal.Entry) bool {
	var events []vipps.PaymentEvent
	err := eng.retry.Call(ctx, "event log of "+t.Reference(), t.For(retry.APIEvents), false, func(ctx context.Context) error {
		var err error
		events, err = t.API().GetPaymentEvents(ctx, t.Reference())
		return err
	})
	if err != nil {
		return false
	}
	for _, ev := range events {
		if ev.Name == "CREATED" && ev.Success && ev.IdempotencyKey != "" && ev.IdempotencyKey != e.IdempotencyKey {
			return true
		}
	}
	return false
}
