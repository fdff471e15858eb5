package core

import (
	"context"
	"fmt"

	"github.com/vmp-dev/vmp/core/journal"
)

// checkCaptured verifies after a capture that the amount Vipps reports as captured is what the
// captures this till made for the payment add up to (the last step of the in-store checklist:
// the POS status must match the capture). A difference is confirmed with a fresh read before it
// is reported as CodeCaptureMismatch, together with the payment as Vipps reports it.
func (c *Client) checkCaptured(ctx context.Context, t *tracker, u *salesUnit, p Payment) (Payment, error) {
	reference := t.reference
	want, err := c.capturedByTill(u, reference)
	if err != nil || p.Captured == want {
		return p, nil // a journal read error must not fail a capture that happened
	}
	if fresh, err := c.readNow(ctx, t); err == nil {
		p = fresh
	}
	if p.Captured == want {
		return p, nil
	}
	return p, newError(CodeCaptureMismatch,
		"capture of %s: Vipps reports %d %s captured, but the captures this till made add up to %d; check the payment (e.g. in the Vipps portal) before handing over the goods",
		reference, p.Captured, p.Currency, want)
}

// capturedByTill sums the captures the journal recorded as done for a payment.
func (c *Client) capturedByTill(u *salesUnit, reference string) (int64, error) {
	entries, err := c.journal.ForReference(reference)
	if err != nil {
		return 0, fmt.Errorf("reading the journal: %w", err)
	}
	var sum int64
	for _, e := range entries {
		if e.Operation == journal.OpCapture && e.State == journal.StateDone && e.Unit == u.name {
			sum += e.Amount
		}
	}
	return sum, nil
}
