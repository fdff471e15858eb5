package core

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
)

// A checkout that ended VMP_ERR_UNKNOWN_OUTCOME can be settled by the till the first way vmp.h
// offers: asking for the payment's status. The answer proves the payment exists, so the create
// is done, and the till has seen that: the next identical checkout is a new sale, not this one
// again (found: a settled and captured checkout answered an alike sale days later).

// unsettledCreates tracks, per unit-scoped reference, the journal entry of a create whose
// outcome the till has not seen. Guarded by Client.mu.
type unsettledCreates map[string]string

// noteUnsettledCreate remembers a create whose outcome the till has not seen.
func (c *Client) noteUnsettledCreate(u *salesUnit, e *journal.Entry) {
	c.mu.Lock()
	if c.unsettled == nil {
		c.unsettled = make(unsettledCreates)
	}
	c.unsettled[unitScoped(u, e.Reference)] = e.ID
	c.mu.Unlock()
	c.trackerFor(u, e.Reference).SetUnsettled(true)
}

// noteUnsettledCreates remembers the unseen creates of the journal (after recovery at start).
func (c *Client) noteUnsettledCreates() {
	entries, err := c.journal.Unacknowledged()
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Operation != journal.OpCreate {
			continue
		}
		if u, err := c.unitOfEntry(e); err == nil {
			c.noteUnsettledCreate(u, e)
		}
	}
}

// settleCreateByRead records that the till read payment p of reference: an unseen create of it
// becomes done (if it was open) and seen.
func (c *Client) settleCreateByRead(ctx context.Context, u *salesUnit, reference string, p Payment) {
	key := unitScoped(u, reference)
	c.mu.Lock()
	id := c.unsettled[key]
	c.mu.Unlock()
	if id == "" || p.State == StateUnknown {
		return
	}
	e, err := c.entry(id)
	if err != nil || e == nil {
		return
	}
	unlock := c.intents.Lock(lockOf(e))
	defer unlock()
	if e, err = c.entry(id); err != nil || e == nil {
		return
	}
	if e.State == journal.StateOpen || e.State == journal.StateNotCreated {
		c.recordOutcome(e, p, nil)
	}
	if e.State == journal.StateDone {
		c.outcomeReturned(ctx, e, false)
	}
	c.mu.Lock()
	if c.unsettled[key] == id {
		delete(c.unsettled, key)
	}
	c.mu.Unlock()
	c.trackerFor(u, reference).SetUnsettled(false)
}
