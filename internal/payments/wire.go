package payments

import (
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
)

// FromGet is what a status read (ePayment getPayment) tells of the payment.
func FromGet(r vipps.GetPaymentResponse) Payment {
	return Payment{
		Reference:    r.Reference,
		State:        abi.ParseState(r.State),
		Currency:     r.Amount.Currency,
		Amount:       r.Amount.Value,
		Authorized:   r.Aggregate.AuthorizedAmount.Value,
		Captured:     r.Aggregate.CapturedAmount.Value,
		Refunded:     r.Aggregate.RefundedAmount.Value,
		Cancelled:    r.Aggregate.CancelledAmount.Value,
		PSPReference: r.PSPReference,
		RedirectURL:  r.RedirectURL,
	}
}

// FromModification is what a capture, refund or cancel answer tells of the payment; it does not
// repeat the QR target URL.
func FromModification(r vipps.ModificationResponse) Payment {
	return Payment{
		Reference:    r.Reference,
		State:        abi.ParseState(r.State),
		Currency:     r.Amount.Currency,
		Amount:       r.Amount.Value,
		Authorized:   r.Aggregate.AuthorizedAmount.Value,
		Captured:     r.Aggregate.CapturedAmount.Value,
		Refunded:     r.Aggregate.RefundedAmount.Value,
		Cancelled:    r.Aggregate.CancelledAmount.Value,
		PSPReference: r.PSPReference,
	}
}
