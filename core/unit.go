package core

import (
	"context"
	"github.com/vmp-dev/vmp/core/vipps"
	"time"

	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/payments"
)

// Unit is one sales unit (store, MSN) the client acts for: the till's own, or another store of
// the chain named in the configuration's sales_units. Payments, their QR codes and receipts, and
// webhook registrations belong to a unit, so they are its methods: acting for another store is
// always a Unit value the caller asked for, never a default. The money operations are the
// payments' (internal/payments/operations.go); a Unit hands each to its payments.Unit. Safe for
// concurrent use; valid as long as its client (a call after Close fails as on the client).
type Unit struct {
	client *Client
	pay    *payments.Unit
}

// Unit gives the named sales unit of the configuration; "" is the till's own.
func (c *Client) Unit(name string) (*Unit, error) {
	for _, u := range c.units {
		if u.pay.Name() == name {
			return u, nil
		}
	}
	return nil, newError(CodeInvalidArgument, "no sales unit %q in the configuration", truncateForMessage(name, 40))
}

// OwnUnit is the till's own sales unit (Unit("") without the error it cannot have).
func (c *Client) OwnUnit() *Unit { return c.units[0] }

// Name is the unit's name in the configuration, "" for the till's own.
func (u *Unit) Name() string { return u.pay.Name() }

// Client is the client the unit belongs to.
func (u *Unit) Client() *Client { return u.client }

// CancelOptions modify Cancel (TransactionOnly: only if the customer has not approved yet).
type CancelOptions = payments.CancelOptions

// MaxPollWait is the longest wait PollStatus and PollEnrollment accept.
const MaxPollWait = model.MaxWait

// StartCheckout sends a push (or QR) payment request and gives its reference, also together
// with a CodeUnknownOutcome error, when the payment may exist (payments.Unit.StartCheckout).
// A push the sales unit may not send becomes a QR checkout with push_fallback (push_fallback.go).
func (u *Unit) StartCheckout(ctx context.Context, req CheckoutRequest) (string, error) {
	reference, err := u.pay.StartCheckout(ctx, req)
	if CodeOf(err) == CodePushNotAllowed && req.Flow == FlowPush && u.client.cfg.PushFallback == FlowQR {
		return u.qrInsteadOfPush(ctx, req, err)
	}
	return reference, err
}

// PollStatus returns the payment's state, waiting up to wait for a final one
// (payments.Unit.PollStatus).
func (u *Unit) PollStatus(ctx context.Context, reference string, wait time.Duration) (Payment, error) {
	return u.pay.PollStatus(ctx, reference, wait)
}

// Capture captures amount (minor units) of an authorized payment, and checks the capture
// against Vipps' event log.
func (u *Unit) Capture(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return u.pay.Capture(ctx, reference, amount, operationID)
}

// Refund refunds amount (minor units) of what was captured.
func (u *Unit) Refund(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return u.pay.Refund(ctx, reference, amount, operationID)
}

// Cancel cancels the payment: before approval it becomes TERMINATED; after approval the
// uncaptured rest is released.
func (u *Unit) Cancel(ctx context.Context, reference string, opts CancelOptions, operationID string) (Payment, error) {
	return u.pay.Cancel(ctx, reference, opts, operationID)
}

// CheckoutQR gives the QR code of a customer-facing QR checkout ("flow": "qr").
func (u *Unit) CheckoutQR(ctx context.Context, reference string) (*QRCode, error) {
	return u.pay.CheckoutQR(ctx, reference)
}

// AttachReceipt sends a receipt for a sale afterwards, through Order Management.
func (u *Unit) AttachReceipt(ctx context.Context, reference string, r *Receipt) error {
	return u.pay.AttachReceipt(ctx, reference, r)
}

// ReceiptWarnings gives what looked wrong in the receipt last sent for the payment (with its
// checkout or AttachReceipt) and was sent anyway (payments.Unit.ReceiptWarnings).
func (u *Unit) ReceiptWarnings(reference string) ([]string, error) {
	return u.pay.ReceiptWarnings(reference)
}

// PaymentEvent is one entry of a payment's event log, as Vipps gives it.
type PaymentEvent = vipps.PaymentEvent

// PaymentEvents reads the payment's event log from Vipps (payments.Unit.PaymentEvents).
func (u *Unit) PaymentEvents(ctx context.Context, reference string) ([]PaymentEvent, error) {
	return u.pay.PaymentEvents(ctx, reference)
}
