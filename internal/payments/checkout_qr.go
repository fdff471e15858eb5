package payments

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/qrcode"
)

// CheckoutQR gives the QR code of a customer-facing QR checkout ("flow": "qr"), drawn locally
// from the target URL Vipps returned when the payment was created.
func (u *Unit) CheckoutQR(ctx context.Context, reference string) (*qrcode.Code, error) {
	eng := u.engine
	if err := CheckReference(reference); err != nil {
		return nil, err
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	url, err := eng.qrTarget(ctx, u, reference)
	if err != nil {
		return nil, err
	}
	q, err := qrcode.Encode(url)
	if err != nil {
		return nil, &model.Error{Code: abi.CodeInternal, Message: "QR code of " + reference + ": " + err.Error(), Err: err}
	}
	return q, nil
}

// qrTarget finds the payment's QR target URL: in memory, in the journal, or from Vipps.
func (eng *Engine) qrTarget(ctx context.Context, u *Unit, reference string) (string, error) {
	t := eng.trackerFor(u, reference)
	if p, ok := t.Snapshot(); ok && p.RedirectURL != "" {
		return p.RedirectURL, nil
	}
	if entries, err := eng.journal.ForReference(reference); err == nil {
		for _, e := range entries {
			if e.Operation == journal.OpCreate && u.owns(e) && e.Payment != nil && e.Payment.RedirectURL != "" {
				return e.Payment.RedirectURL, nil
			}
		}
	}
	p, err := eng.readNow(ctx, t)
	if err != nil {
		return "", err
	}
	if p.RedirectURL == "" {
		return "", model.Errorf(abi.CodeInvalidArgument, "payment %s is not a QR checkout (it has no QR target URL)", reference)
	}
	return p.RedirectURL, nil
}
