package core

import (
	"fmt"
	"strings"

	"github.com/vmp-dev/vmp/internal/logs"
	"github.com/vmp-dev/vmp/internal/payments"
)

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

// reviewReceipt checks a receipt before it is sent: an error refuses the call; the warnings
// go with the receipt, or refuse the call with strict_receipts.
func (c *Client) reviewReceipt(r *Receipt, currency string, amount int64) ([]string, error) {
	if c.cfg.StrictReceipts {
		return nil, r.Check(currency, amount)
	}
	return r.Review(currency, amount)
}

// noteReceiptWarnings keeps the warnings of the receipt sent for the payment reference, for
// ReceiptWarnings, and logs them.
func (c *Client) noteReceiptWarnings(u *salesUnit, reference string, warnings []string) {
	c.receiptWarnings.Put(u.msnKey(), reference, warnings)
	if len(warnings) > 0 {
		c.log(LogWarn, "receipt", fmt.Sprintf("the receipt of %s was sent with %d warning(s): %s", reference, len(warnings),
			strings.Join(warnings, "; ")), logs.ID("reference", reference))
	}
}

// ReceiptWarnings gives what looked wrong in the receipt last sent for the payment reference
// by this client (with a checkout or AttachReceipt); none when it looked right, or when no
// receipt was sent for it since the client was created.
func (unit *Unit) ReceiptWarnings(reference string) ([]string, error) {
	if err := payments.CheckReference(reference); err != nil {
		return nil, err
	}
	ws, _ := unit.client.receiptWarnings.Get(unit.sales.msnKey(), reference)
	return ws, nil
}
