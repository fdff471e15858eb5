package core

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/payments"
)

// PaymentEvent is one entry of a payment's event log (ePayment GET .../events), as Vipps
// gives it: name (CREATED, AUTHORIZED, ABORTED, EXPIRED, CAPTURED, REFUNDED, CANCELLED,
// TERMINATED), amount, timestamp, pspReference, idempotencyKey and success.
type PaymentEvent = vipps.PaymentEvent

// PaymentEvents reads the payment's event log from Vipps (a GET within the per-reference read
// budget, retried like every read). The time of its CREATED event becomes the payment's
// CreatedAt.
func (unit *Unit) PaymentEvents(ctx context.Context, reference string) ([]PaymentEvent, error) {
	c, u := unit.client, unit.sales
	if err := payments.CheckReference(reference); err != nil {
		return nil, err
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	t := c.trackerFor(u, reference)
	var events []PaymentEvent
	err = c.retryCall(ctx, "event log of "+reference, t, false, func(ctx context.Context) error {
		var err error
		events, err = t.API().GetPaymentEvents(ctx, reference)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Name == "CREATED" {
			if at, perr := time.Parse(time.RFC3339Nano, e.Timestamp); perr == nil {
				t.CreatedAt(at)
			}
			break
		}
	}
	if events == nil {
		events = []PaymentEvent{}
	}
	return events, nil
}
