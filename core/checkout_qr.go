package core

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/payments"
)

// CheckoutQR gives the QR code of a customer-facing QR checkout ("flow": "qr"), drawn locally
// from the target URL Vipps returned when the payment was created.
func (unit *Unit) CheckoutQR(ctx context.Context, reference string) (*QRCode, error) {
	c, u := unit.client, unit.sales
	if err := payments.CheckReference(reference); err != nil {
		return nil, err
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	url, err := c.qrTarget(ctx, u, reference)
	if err != nil {
		return nil, err
	}
	q, err := EncodeQR(url)
	if err != nil {
		return nil, &Error{Code: CodeInternal, Message: "QR code of " + reference + ": " + err.Error(), Err: err}
	}
	return q, nil
}

// qrTarget finds the payment's QR target URL: in memory, in the journal, or from Vipps.
func (c *Client) qrTarget(ctx context.Context, u *salesUnit, reference string) (string, error) {
	t := c.trackerFor(u, reference)
	if p, ok := t.Snapshot(); ok && p.RedirectURL != "" {
		return p.RedirectURL, nil
	}
	if entries, err := c.journal.ForReference(reference); err == nil {
		for _, e := range entries {
			if e.Operation == journal.OpCreate && u.owns(e) && e.Payment != nil && e.Payment.RedirectURL != "" {
				return e.Payment.RedirectURL, nil
			}
		}
	}
	p, err := c.readNow(ctx, t)
	if err != nil {
		return "", err
	}
	if p.RedirectURL == "" {
		return "", newError(CodeInvalidArgument, "payment %s is not a QR checkout (it has no QR target URL)", reference)
	}
	return p.RedirectURL, nil
}
