package core

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/payments"
)

// MaxPollWait is the longest wait PollStatus and PollEnrollment accept.
const MaxPollWait = model.MaxWait

// PollStatus returns the payment's state. With wait 0 it answers from memory, reading Vipps
// once if the payment was never read. Otherwise it returns as soon as the state is final or
// when wait has elapsed, reading Vipps on the tracker's schedule; concurrent callers share
// the reads.
func (unit *Unit) PollStatus(ctx context.Context, reference string, wait time.Duration) (Payment, error) {
	c, u := unit.client, unit.sales
	if err := payments.CheckReference(reference); err != nil {
		return Payment{}, err
	}
	if wait < 0 || wait > MaxPollWait {
		return Payment{}, newError(CodeInvalidArgument, "wait must be between 0 and %s", MaxPollWait)
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	t := c.trackerFor(u, reference)
	return t.Poll(ctx, wait, c.cfg.Timeouts.request(), func(p Payment) { c.settleCreateByRead(ctx, u, reference, p) })
}
