package core

import (
	"sync/atomic"

	"github.com/vmp-dev/vmp/internal/payments"
)

// PaymentListener learns every newer view of a payment the engine keeps (internal/payments).
type PaymentListener = payments.Listener

// SetPaymentListener makes l the client's payment listener (nil: none). Payments known before
// are not replayed: a listener set after New learns each payment at its next update.
func (c *Client) SetPaymentListener(l PaymentListener) {
	if l == nil {
		c.listener.v.Store(nil)
		return
	}
	c.listener.v.Store(&l)
}

// paymentListenerSlot holds a client's listener; trackers of payments point to it.
type paymentListenerSlot struct {
	v atomic.Pointer[PaymentListener]
}

func (s *paymentListenerSlot) known(t *tracker) {
	l := s.v.Load()
	switch {
	case l == nil || t.forgotten:
	case t.unsettled: // the till's next read settles a create: it must reach the engine
		(*l).PaymentForgotten(t.unit, t.reference)
	default:
		(*l).PaymentKnown(t.unit, t.reference, t.payment)
	}
}

func (s *paymentListenerSlot) forgotten(t *tracker) {
	if l := s.v.Load(); l != nil {
		(*l).PaymentForgotten(t.unit, t.reference)
	}
}
