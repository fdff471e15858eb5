package payments

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// RecoveryReport says what a recovery run did.
type RecoveryReport struct {
	// Resolved are the operations this run brought to a definite outcome.
	Resolved []EntryView `json:"resolved"`
	// StillOpen are the operations whose outcome is still unknown (Vipps unreachable, say).
	StillOpen []EntryView `json:"still_open"`
	// Uncaptured are the payments the till must still finish, as Vipps reported them now
	// (uncaptured.go).
	Uncaptured []PaymentRecord `json:"uncaptured"`
}

// Recover tries, within wait, to bring every open operation in the journal to a definite
// outcome: a payment create is looked up (it exists, or it never reached Vipps and is not
// created now); a capture, refund or cancel is sent again with its own key and body, which Vipps
// answers with the original outcome if it had carried it out. The outcomes stay unacknowledged
// (see Pending) until the till repeats the call or acknowledges them.
func (eng *Engine) Recover(ctx context.Context, wait time.Duration) (RecoveryReport, error) {
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return RecoveryReport{}, err
	}
	defer leave()
	report, err := eng.recover(ctx, wait)
	if err != nil {
		return report, err
	}
	// On the till's request (not at vmp_init, which must not wait on them) the payments it
	// must still finish are read from Vipps too.
	readCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	report.Uncaptured, err = eng.readUncaptured(readCtx)
	return report, err
}

func (eng *Engine) recover(ctx context.Context, wait time.Duration) (RecoveryReport, error) {
	report := RecoveryReport{Resolved: []EntryView{}, StillOpen: []EntryView{}, Uncaptured: []PaymentRecord{}}
	entries, err := eng.journal.Unacknowledged()
	if err != nil {
		return report, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for _, e := range entries {
		if mem := eng.seen.UnsavedEntry(e.ID); mem != nil {
			e = mem // its outcome is queued for a commit (or its write failed): not open
		}
		if e.State != journal.StateOpen {
			continue
		}
		resolved := eng.resolveEntry(ctx, e)
		if resolved.State == string(journal.StateOpen) {
			report.StillOpen = append(report.StillOpen, resolved)
		} else {
			report.Resolved = append(report.Resolved, resolved)
		}
	}
	eng.logRecovery(report)
	return report, nil
}

// resolveEntry brings one open entry to a definite outcome if it can, and returns its view.
// It holds the entry's intent lock, so a till's repeat of the same call waits for it and then
// finds the entry as recovery left it (repeat_rule.go).
func (eng *Engine) resolveEntry(ctx context.Context, e *journal.Entry) EntryView {
	unlock := eng.intents.Lock(lockOf(e))
	defer unlock()
	// A call of the till may have finished it meanwhile.
	if fresh, err := eng.entry(e.ID); err == nil && fresh != nil {
		e = fresh
	}
	if e.State != journal.StateOpen || ctx.Err() != nil {
		return viewOf(e)
	}
	u, err := eng.unitOfEntry(e)
	if err != nil {
		// Never marked failed: Vipps may have carried it out for that MSN.
		e.Outcome = &journal.Outcome{Code: int32(abi.CodeUnknownOutcome), Message: err.Error()}
		_ = eng.putEntry(e)
		return viewOf(e)
	}
	if e.Operation == journal.OpCreate {
		eng.resolveCreate(ctx, u, e)
		return viewOf(e)
	}
	_, _ = eng.attempt(ctx, u, e)
	return viewOf(e)
}

// resolveCreate looks a create up instead of sending it again: a push request arriving long
// after the till gave up would surprise the customer. It is found by its own key in the
// payment's event log (another till may have created a payment with the same explicit
// reference). If it never reached Vipps, and no attempt can still be on its way, it is marked
// so; the till repeating the checkout sends it then, with the same key and body.
func (eng *Engine) resolveCreate(ctx context.Context, u *Unit, e *journal.Entry) {
	t := eng.trackerFor(u, e.Reference)
	happened, err := eng.atVipps(ctx, t, e)
	switch {
	case err != nil:
		e.Outcome = &journal.Outcome{Code: int32(model.CodeOf(err)), Message: err.Error()}
		_ = eng.putEntry(e)
	case happened:
		p, err := eng.readNow(ctx, t)
		if err != nil {
			e.Outcome = &journal.Outcome{Code: int32(model.CodeOf(err)), Message: "the payment exists; reading it failed: " + err.Error()}
			_ = eng.putEntry(e)
			return
		}
		eng.recordOutcome(e, p, nil)
	case eng.mayBeOnItsWay(e):
		e.Outcome = &journal.Outcome{Code: int32(abi.CodeUnknownOutcome),
			Message: "not at Vipps yet, but the request may still be on its way; ask again shortly"}
		_ = eng.putEntry(e)
	default:
		e.State = journal.StateNotCreated
		e.Outcome = &journal.Outcome{Code: int32(abi.CodeNotFound), HTTPStatus: 404,
			Message: "the payment request never reached Vipps; nothing was created"}
		_ = eng.putEntry(e)
	}
}
