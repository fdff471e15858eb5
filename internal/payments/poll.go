package payments

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Poll answers a status poll of the payment (core's Unit.PollStatus): with wait 0 from memory,
// reading Vipps once if the payment was never read; otherwise as soon as the state is final or
// when wait has elapsed, reading Vipps on the Tracker's schedule (each read bounded by
// requestTimeout); concurrent callers share the reads. settled is told of the payment it
// answers, so a create that ended unknown is settled by the till's read.
func (t *Tracker) Poll(ctx context.Context, wait, requestTimeout time.Duration, settled func(Payment)) (Payment, error) {
	deadline := time.Now().Add(wait)

	t.mu.Lock()
	startSeq := t.readSeq
	t.mu.Unlock()
	for {
		now := time.Now()
		t.mu.Lock()
		t.lastUsed = now // a waiter keeps its tracker (upkeep.go)
		p, known := t.payment, t.known
		expired := !now.Before(deadline)
		readDone := t.readSeq != startSeq
		lastErr := t.lastErr
		if known && (p.State.Final() || expired) {
			t.mu.Unlock()
			settled(p)
			return p, nil
		}
		if !known && lastErr != nil && (expired || (readDone && isFinalReadError(lastErr))) {
			t.mu.Unlock()
			return Payment{}, lastErr
		}
		due := t.nextReadAt(now)
		startRead := !t.reading && !now.Before(due)
		if startRead {
			t.reading = true
		}
		changed := t.changed
		t.mu.Unlock()

		if startRead {
			t.readStatus(ctx, requestTimeout)
			if ctx.Err() != nil {
				return pollEnded(ctx, t.reference, p, known)
			}
			continue
		}
		wake := due
		if !expired && deadline.Before(wake) {
			wake = deadline
		}
		timer := time.NewTimer(max(time.Until(wake), time.Millisecond))
		select {
		case <-changed:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return pollEnded(ctx, t.reference, p, known)
		}
		timer.Stop()
	}
}

// pollEnded is what PollStatus answers when its context ends before the payment is final: a
// close of the client or of the handle the call came through is CodeInvalidHandle, never the
// last known state, which would pass for the answer; a Go caller that gave up gets the last
// known state.
func pollEnded(ctx context.Context, reference string, p Payment, known bool) (Payment, error) {
	switch {
	case model.EndedByClose(ctx):
		return Payment{}, model.ClosedWhileWaiting("the status of " + reference)
	case known:
		return p, nil
	}
	return Payment{}, model.Errorf(abi.CodeNetwork, "status of %s: the wait was cancelled", reference)
}

// isFinalReadError reports whether waiting longer cannot help.
func isFinalReadError(err error) bool {
	switch model.CodeOf(err) {
	case abi.CodeNotFound, abi.CodeAuth, abi.CodeInvalidReference, abi.CodeInvalidHandle:
		return true
	}
	return false
}

// readStatus performs one status read for the tracker (the caller set t.reading) and records
// the outcome. It does not retry: the poll loop's schedule does.
func (t *Tracker) readStatus(ctx context.Context, requestTimeout time.Duration) {
	now := time.Now()
	var err error
	if wait := t.Take(retry.APIGet, now); wait > 0 {
		t.mu.Lock()
		t.notBefore = now.Add(wait)
		t.reading = false
		t.mu.Unlock()
		return
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	resp, err := t.api.GetPayment(rctx, t.reference)
	cancel()

	t.mu.Lock()
	defer t.mu.Unlock()
	t.reading = false
	if err != nil && ctx.Err() != nil {
		// The caller's wait ended (a handle closed, say), not Vipps: nothing was learned, and
		// the payment's other waiters read again on their own.
		t.signal()
		return
	}
	t.readSeq++
	t.lastRead = time.Now()
	if err != nil {
		t.failures++
		t.lastErr = retry.WireError("status of "+t.reference, err, false, false)
		if d := retry.Decide(err); d.Wait > 0 {
			t.notBefore = t.lastRead.Add(d.Wait)
		}
		t.signal()
		return
	}
	t.failures, t.lastErr = 0, nil
	t.update(FromGet(resp))
}
