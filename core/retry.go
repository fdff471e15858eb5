package core

import (
	"context"
	"math/rand/v2"
	"time"
)

const (
	maxAttempts    = 5
	backoffBase    = 200 * time.Millisecond
	backoffCap     = 3 * time.Second
	mutationsLimit = 5   // per reference per minute, Vipps' limit for create/capture/refund/cancel
	readsLimit     = 120 // per reference per minute, Vipps' limit for GETs
)

// backoff is capped exponential backoff with full jitter for attempt n (1-based).
func backoff(n int) time.Duration {
	d := backoffBase << (n - 1)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	return d/2 + rand.N(d/2+1)
}

// retryCall runs send until it succeeds, fails for good, or the call's budget is spent. A
// money-moving call (mutation) is only ever repeated by sending the same key and body, which
// send must guarantee; budget bounds the whole call. t paces attempts within Vipps' per-reference
// limits. The returned error is an *Error.
func (c *Client) retryCall(ctx context.Context, what string, t *tracker, mutation bool, send func(context.Context) error) error {
	_, err := c.retryCallApplied(ctx, what, t, mutation, send)
	return err
}

// attempts is what a call's attempts may have done at Vipps.
type attempts struct {
	// maybeApplied: some attempt may have been carried out (no answer, a 5xx); then no later
	// failure of the call proves that it was not.
	maybeApplied bool
	// inFlight: some attempt may still be on its way (see retryDecision.inFlight).
	inFlight bool
}

// retryCallApplied is retryCall that also reports what the attempts may have done.
func (c *Client) retryCallApplied(ctx context.Context, what string, t *tracker, mutation bool, send func(context.Context) error) (a attempts, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeouts.operation())
	defer cancel()
	for attempt := 1; ; attempt++ {
		if wait := t.admit(mutation, time.Now()); wait > 0 {
			if !sleepCtx(ctx, wait) {
				return a, c.rateLimitedError(what, ctx, wait, a.maybeApplied, mutation)
			}
			attempt--
			continue
		}
		err := send(ctx)
		if err == nil {
			return a, nil
		}
		d := decideRetry(err)
		a.maybeApplied = a.maybeApplied || d.maybeApplied
		a.inFlight = a.inFlight || d.inFlight
		if !d.retry || attempt >= maxAttempts || c.closingCtx.Err() != nil {
			return a, wireError(what, err, a.maybeApplied, mutation)
		}
		wait := d.wait
		if wait == 0 {
			wait = backoff(attempt)
		}
		c.logRetry(what, attempt, wait, err)
		if !sleepCtx(ctx, wait) {
			return a, wireError(what, err, a.maybeApplied, mutation)
		}
	}
}

func (c *Client) rateLimitedError(what string, ctx context.Context, wait time.Duration, maybeApplied, mutation bool) *Error {
	if mutation && maybeApplied {
		return newError(CodeUnknownOutcome, "%s: an earlier attempt got no answer and the per-payment rate limit blocks another before the call's time is up; ask again for the payment's status", what)
	}
	if endedByClose(ctx) {
		return newError(CodeNetwork, "%s: the client is closing", what)
	}
	return newError(CodeRateLimited, "%s: Vipps allows %d operations and %d reads a minute per payment; try again in %s", what, mutationsLimit, readsLimit, wait.Round(time.Second))
}

// sleepCtx waits d or until ctx ends; it reports whether the full wait elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
