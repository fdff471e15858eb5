package core

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// RecoveryReport says what a recovery run did.
type RecoveryReport struct {
	// Resolved are the operations this run brought to a definite outcome.
	Resolved []EntryView `json:"resolved"`
	// StillOpen are the operations whose outcome is still unknown (Vipps unreachable, say).
	StillOpen []EntryView `json:"still_open"`
}

// Recover tries, within wait, to bring every open operation in the journal to a definite
// outcome: a payment create is looked up (it exists, or it never reached Vipps and is not
// created now); a capture, refund or cancel is sent again with its own key and body, which Vipps
// answers with the original outcome if it had carried it out. The outcomes stay unacknowledged
// (see Pending) until the till repeats the call or acknowledges them.
func (c *Client) Recover(ctx context.Context, wait time.Duration) (RecoveryReport, error) {
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return RecoveryReport{}, err
	}
	defer leave()
	return c.recover(ctx, wait)
}

func (c *Client) recover(ctx context.Context, wait time.Duration) (RecoveryReport, error) {
	report := RecoveryReport{Resolved: []EntryView{}, StillOpen: []EntryView{}}
	entries, err := c.journal.Unacknowledged()
	if err != nil {
		return report, &Error{Code: CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for _, e := range entries {
		if e.State != journal.StateOpen {
			continue
		}
		resolved := c.resolveEntry(ctx, e)
		if resolved.State == string(journal.StateOpen) {
			report.StillOpen = append(report.StillOpen, resolved)
		} else {
			report.Resolved = append(report.Resolved, resolved)
		}
	}
	c.logRecovery(report)
	return report, nil
}

// resolveEntry brings one open entry to a definite outcome if it can, and returns its view.
func (c *Client) resolveEntry(ctx context.Context, e *journal.Entry) EntryView {
	unlock := c.intents.lock(e.Intent)
	defer unlock()
	// A call of the till may have finished it meanwhile.
	if fresh, err := c.journal.Get(e.ID); err == nil && fresh != nil {
		e = fresh
	}
	if e.State != journal.StateOpen || ctx.Err() != nil {
		return viewOf(e)
	}
	e.Attempts++
	if e.Operation == journal.OpCreate {
		c.resolveCreate(ctx, e)
		return viewOf(e)
	}
	p, err := c.sendEntry(ctx, e)
	c.recordOutcome(e, p, stillUnknown(e, err), false)
	return viewOf(e)
}

// resolveCreate looks a create up instead of sending it again: a push request arriving long
// after the till gave up would surprise the customer. If it never reached Vipps it is marked
// so; the till repeating the checkout sends it then, with the same key and body.
func (c *Client) resolveCreate(ctx context.Context, e *journal.Entry) {
	u, err := c.unitNamed(e.Unit)
	if err != nil {
		e.Outcome = &journal.Outcome{Code: int32(CodeInvalidConfig), Message: err.Error()}
		_ = c.journal.Put(e)
		return
	}
	p, err := c.readNow(ctx, c.trackerFor(u, e.Reference))
	switch CodeOf(err) {
	case CodeOK:
		c.recordOutcome(e, p, nil, false)
	case CodeNotFound:
		e.State = journal.StateNotCreated
		e.Outcome = &journal.Outcome{Code: int32(CodeNotFound), HTTPStatus: 404,
			Message: "the payment request never reached Vipps; nothing was created"}
		_ = c.journal.Put(e)
	default:
		e.Outcome = &journal.Outcome{Code: int32(CodeOf(err)), Message: err.Error()}
		_ = c.journal.Put(e)
	}
}
