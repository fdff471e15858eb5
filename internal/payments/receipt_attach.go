package payments

import (
	"context"
	"errors"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// AttachReceipt sends a receipt for a sale afterwards, through Order Management, with the
// payment reference as the order id - for sales completed some other way, or a receipt that was
// not ready at checkout. The receipt is reviewed first (Receipt.Review: against the
// payment amount when the library knows the payment); what looks wrong is sent with warnings
// (ReceiptWarnings), or refused with strict_receipts. A receipt cannot be replaced: a second
// one for the same order is CodeConflict.
func (u *Unit) AttachReceipt(ctx context.Context, reference string, r *Receipt) (err error) {
	eng := u.engine
	if err := CheckReference(reference); err != nil {
		return err
	}
	if r.BottomLine == nil || !ValidCurrency(r.BottomLine.Currency) {
		return ReceiptError("bottomLine.currency must be NOK, DKK or EUR")
	}
	t := eng.trackerFor(u, reference)
	var amount int64
	if p, ok := t.Snapshot(); ok && p.Currency == r.BottomLine.Currency {
		amount = p.Amount
	}
	warnings, err := eng.reviewReceipt(r, r.BottomLine.Currency, amount)
	if err != nil {
		return err
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	defer func() {
		if err == nil {
			eng.noteReceiptWarnings(u, reference, warnings)
		}
	}()
	body, err := vipps.EncodeJSON(r)
	if err != nil {
		return &model.Error{Code: abi.CodeInternal, Message: "encoding the receipt: " + err.Error(), Err: err}
	}
	attempts := 0
	return eng.retry.Call(ctx, "receipt for "+reference, t.For(retry.APIReceipt), true, func(ctx context.Context) error {
		attempts++
		_, err := u.api.PostReceipt(ctx, "ecom", reference, body)
		var p *vipps.Problem
		if attempts > 1 && errors.As(err, &p) && p.HTTPStatus == 409 {
			return nil // an earlier attempt of this call landed; receipts are immutable
		}
		return err
	})
}
