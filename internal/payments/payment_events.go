package payments

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/retry"
)

// PaymentEvents reads the payment's event log from Vipps (a GET within the per-reference read
// budget, retried like every read): name (CREATED, AUTHORIZED, ABORTED, EXPIRED, CAPTURED,
// REFUNDED, CANCELLED, TERMINATED), amount, timestamp, pspReference, idempotencyKey and
// success, oldest first. The time of its CREATED event becomes the payment's CreatedAt.
func (u *Unit) PaymentEvents(ctx context.Context, reference string) ([]vipps.PaymentEvent, error) {
	eng := u.engine
	if err := CheckReference(reference); err != nil {
		return nil, err
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	t := eng.trackerFor(u, reference)
	var events []vipps.PaymentEvent
	err = eng.retry.Call(ctx, "event log of "+reference, t.For(retry.APIEvents), false, func(ctx context.Context) error {
		var err error
		events, err = u.api.GetPaymentEvents(ctx, reference)
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
		events = []vipps.PaymentEvent{}
	}
	return events, nil
}
