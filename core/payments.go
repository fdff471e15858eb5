package core

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/internal/payments"
)

// The money operations are the payments' (internal/payments): a Unit's for a payment, the
// client's for the journal as a whole (Recover, Pending, Acknowledge). Their types are named
// here for users of core.

// RecoveryReport says what a recovery run did.
type RecoveryReport = payments.RecoveryReport

// EntryView, OutcomeView and PaymentView are a journal entry as the till sees it (vmp_pending):
// never the request body, which may hold the customer's phone number.
type (
	EntryView   = payments.EntryView
	OutcomeView = payments.OutcomeView
	PaymentView = payments.PaymentView
)

// PendingReport lists what the till must know about (vmp_pending); JournalView is the state of
// the journal itself.
type (
	PendingReport = payments.PendingReport
	JournalView   = payments.JournalView
)

// Delivery tells whether the outcome a call returned has reached the caller (internal/payments).
type Delivery = payments.Delivery

// OrderedDelivery is a Delivery that also knows whether its call was made before another
// call's result reached the caller (internal/payments).
type OrderedDelivery = payments.OrderedDelivery

// WithDelivery makes the money-moving calls made with ctx wait for d before they record their
// outcome as seen by the till.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return payments.WithDelivery(ctx, d)
}

// DeliveryOf is the Delivery WithDelivery gave ctx, nil when none.
func DeliveryOf(ctx context.Context) Delivery { return payments.DeliveryOf(ctx) }

// Recover tries, within wait, to bring every open operation in the journal to a definite
// outcome (payments.Engine.Recover).
func (c *Client) Recover(ctx context.Context, wait time.Duration) (RecoveryReport, error) {
	return c.pay.Recover(ctx, wait)
}

// Pending lists open and unacknowledged operations, oldest first.
func (c *Client) Pending() (PendingReport, error) {
	r, err := c.pay.Pending()
	if err == nil && c.ledger != nil {
		st := c.ledger.Status()
		r.Ledger = &st
	}
	return r, err
}

// Acknowledge records that the till has taken note of a finished operation's outcome (or, with
// "new-journal", that no journal was lost), so it is no longer listed by Pending and no longer
// answers a repeated identical call.
func (c *Client) Acknowledge(id string) error { return c.pay.Acknowledge(id) }
