package core

import "github.com/vmp-dev/vmp/internal/payments"

// PaymentListener learns every newer view of a payment the engine keeps (internal/payments).
type PaymentListener = payments.Listener

// SetPaymentListener makes l the client's payment listener (nil: none). Payments known before
// are not replayed: a listener set after New learns each payment at its next update.
func (c *Client) SetPaymentListener(l PaymentListener) {
	c.pay.SetListener(l)
}
