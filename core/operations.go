package core

import (
	"context"
	"errors"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
)

// StartCheckout sends a push payment request (userFlow PUSH_MESSAGE, CUSTOMER_PRESENT). The
// reference is returned on success and together with a CodeUnknownOutcome error, when the
// payment may exist. The Idempotency-Key is derived from the reference, so starting the same
// checkout again (same reference, same body) can never create a second payment.
func (c *Client) StartCheckout(ctx context.Context, req CheckoutRequest) (string, error) {
	if err := checkAmount(req.Amount); err != nil {
		return "", err
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return "", err
	}
	defer leave()
	ref := req.Reference
	if ref == "" {
		ref = generateReference(c.cfg.StoreID, c.cfg.PosID, time.Now())
	} else if err := checkReference(ref); err != nil {
		return "", err
	}
	currency := firstNonEmptyString(req.Currency, c.cfg.Currency)
	customer := &vipps.Customer{PhoneNumber: req.PhoneNumber, PersonalQR: req.PersonalQR}
	body, err := vipps.EncodeJSON(vipps.CreatePaymentRequest{
		Amount:              vipps.Amount{Currency: currency, Value: req.Amount},
		PaymentMethod:       vipps.PaymentMethod{Type: "WALLET"},
		Customer:            customer,
		CustomerInteraction: "CUSTOMER_PRESENT",
		Reference:           ref,
		UserFlow:            "PUSH_MESSAGE",
		PaymentDescription:  firstNonEmptyString(req.Description, c.cfg.Description),
	})
	if err != nil {
		return "", &Error{Code: CodeInternal, Message: "encoding the payment request: " + err.Error(), Err: err}
	}
	key := idempotencyKey("create", ref, ref)
	t := c.tracker(ref)
	err = c.retryCall(ctx, "checkout "+ref, t, true, func(ctx context.Context) error {
		_, err := c.api.CreatePayment(ctx, key, body)
		return err
	})
	if err != nil {
		if CodeOf(err) == CodeUnknownOutcome {
			return ref, err
		}
		return "", err
	}
	t.mu.Lock()
	t.since = time.Now()
	t.update(Payment{Reference: ref, State: StateCreated, Currency: currency, Amount: req.Amount})
	t.mu.Unlock()
	return ref, nil
}

// Capture captures amount (minor units) of an authorized payment.
func (c *Client) Capture(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return c.modify(ctx, "capture", reference, amount, operationID, func(ctx context.Context, key string, body []byte) (vipps.ModificationResponse, error) {
		return c.api.CapturePayment(ctx, reference, key, body)
	})
}

// Refund refunds amount (minor units) of what was captured.
func (c *Client) Refund(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return c.modify(ctx, "refund", reference, amount, operationID, func(ctx context.Context, key string, body []byte) (vipps.ModificationResponse, error) {
		return c.api.RefundPayment(ctx, reference, key, body)
	})
}

// CancelOptions modify Cancel.
type CancelOptions struct {
	// TransactionOnly cancels only if the customer has not approved yet (6060 otherwise).
	TransactionOnly bool
}

// Cancel cancels the payment: before approval it becomes TERMINATED; after approval the
// uncaptured rest is released.
func (c *Client) Cancel(ctx context.Context, reference string, opts CancelOptions, operationID string) (Payment, error) {
	if err := checkReference(reference); err != nil {
		return Payment{}, err
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	var body []byte
	if opts.TransactionOnly {
		if body, err = vipps.EncodeJSON(vipps.CancelRequest{CancelTransactionOnly: true}); err != nil {
			return Payment{}, &Error{Code: CodeInternal, Message: "encoding the cancel request: " + err.Error(), Err: err}
		}
	}
	return c.sendModification(ctx, "cancel", reference, idempotencyKey("cancel", reference, operationID), body,
		func(ctx context.Context, key string, body []byte) (vipps.ModificationResponse, error) {
			return c.api.CancelPayment(ctx, reference, key, body)
		})
}

type modificationSender func(ctx context.Context, key string, body []byte) (vipps.ModificationResponse, error)

// modify runs a capture or refund of amount in the payment's currency.
func (c *Client) modify(ctx context.Context, op, reference string, amount int64, operationID string, send modificationSender) (Payment, error) {
	if err := checkReference(reference); err != nil {
		return Payment{}, err
	}
	if err := checkAmount(amount); err != nil {
		return Payment{}, err
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	currency, err := c.currencyOf(ctx, reference)
	if err != nil {
		return Payment{}, err
	}
	body, err := vipps.EncodeJSON(vipps.ModificationRequest{ModificationAmount: vipps.Amount{Currency: currency, Value: amount}})
	if err != nil {
		return Payment{}, &Error{Code: CodeInternal, Message: "encoding the " + op + " request: " + err.Error(), Err: err}
	}
	return c.sendModification(ctx, op, reference, idempotencyKey(op, reference, operationID), body, send)
}

// sendModification sends one capture, refund or cancel with its key and body (the same bytes on
// every retry) and records the resulting payment.
func (c *Client) sendModification(ctx context.Context, op, reference, key string, body []byte, send modificationSender) (Payment, error) {
	t := c.tracker(reference)
	var resp vipps.ModificationResponse
	var answered bool
	err := c.retryCall(ctx, op+" of "+reference, t, true, func(ctx context.Context) error {
		r, err := send(ctx, key, body)
		var bad *vipps.MalformedAnswerError
		if errors.As(err, &bad) {
			// Vipps did it but the answer is unreadable: read the payment instead.
			answered = false
			return nil
		}
		resp, answered = r, err == nil
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	if !answered {
		return c.readNow(ctx, t)
	}
	p := paymentFromModification(resp)
	t.mu.Lock()
	t.update(p)
	t.mu.Unlock()
	return p, nil
}

// readNow reads the payment from Vipps now, bypassing the poll schedule (but not the
// per-reference rate limit), and records it.
func (c *Client) readNow(ctx context.Context, t *tracker) (Payment, error) {
	var resp vipps.GetPaymentResponse
	err := c.retryCall(ctx, "status of "+t.reference, t, false, func(ctx context.Context) error {
		var err error
		resp, err = c.api.GetPayment(ctx, t.reference)
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	p := paymentFromGet(resp)
	t.mu.Lock()
	t.lastRead = time.Now()
	t.update(p)
	t.mu.Unlock()
	return p, nil
}

// currencyOf gives the payment's currency, reading the payment when the engine has not seen it.
func (c *Client) currencyOf(ctx context.Context, reference string) (string, error) {
	t := c.tracker(reference)
	if p, ok := t.snapshot(); ok && p.Currency != "" {
		return p.Currency, nil
	}
	p, err := c.readNow(ctx, t)
	if err != nil {
		return "", err
	}
	return p.Currency, nil
}

func firstNonEmptyString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
