package payments

import (
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
)

// FromGet is what a status read (ePayment getPayment) tells of the payment.
func FromGet(r vipps.GetPaymentResponse) Payment {
	p := fromWire(r.Reference, r.State, r.Amount, r.Aggregate, r.PSPReference)
	p.RedirectURL = r.RedirectURL
	return p
}

// FromModification is what a capture, refund or cancel answer tells of the payment; it does not
// repeat the QR target URL.
func FromModification(r vipps.ModificationResponse) Payment {
	return fromWire(r.Reference, r.State, r.Amount, r.Aggregate, r.PSPReference)
}

// fromWire is the part both answers share: the payment's amount and its aggregate.
func fromWire(reference, state string, amount vipps.Amount, agg vipps.Aggregate, psp string) Payment {
	return Payment{
		Reference:    reference,
		State:        abi.ParseState(state),
		Currency:     amount.Currency,
		Amount:       amount.Value,
		Authorized:   agg.AuthorizedAmount.Value,
		Captured:     agg.CapturedAmount.Value,
		Refunded:     agg.RefundedAmount.Value,
		Cancelled:    agg.CancelledAmount.Value,
		PSPReference: psp,
	}
}
