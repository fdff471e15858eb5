package core

import "github.com/vmp-dev/vmp/internal/payments"

// The Vipps Receipt and its parts (internal/payments, with the checks a receipt passes before
// it is sent).
type (
	Receipt        = payments.Receipt
	OrderLine      = payments.OrderLine
	UnitInfo       = payments.UnitInfo
	BottomLine     = payments.BottomLine
	PaymentSources = payments.PaymentSources
	ReceiptBarcode = payments.ReceiptBarcode
)

// ParseReceipt decodes a receipt given on its own (vmp_attach_receipt). Unknown fields are an
// error.
func ParseReceipt(data []byte) (*Receipt, error) { return payments.ParseReceipt(data) }
