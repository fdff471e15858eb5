// Package retry is the engine's retry policy for calls to Vipps: which failures are tried
// again and how soon (Decide, Backoff), Vipps' per-reference rate limits (Limits), and what a
// call's last failure means for the caller (WireError). Every subsystem is given a Policy.
package retry

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

const (
	// MaxAttempts bounds the attempts of one call.
	MaxAttempts    = 5
	backoffBase    = 200 * time.Millisecond
	backoffCap     = 3 * time.Second
	mutationsLimit = 5   // per reference and API per minute, Vipps' limit for create, capture, refund, cancel each
	readsLimit     = 120 // per reference and API per minute, Vipps' limit for GETs
)

// Backoff is capped exponential backoff with full jitter for attempt n (1-based).
func Backoff(n int) time.Duration {
	d := backoffBase << (n - 1)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	return d/2 + rand.N(d/2+1)
}

// Policy is how a client tries its calls to Vipps again.
type Policy struct {
	// Budget bounds a whole call, all its attempts and waits (timeouts.operation_ms).
	Budget time.Duration
	// Closing ends when the client closes: no attempt is repeated after that.
	Closing context.Context
	// Retrying is told of each attempt that failed and will be repeated; may be nil.
	Retrying func(what string, attempt int, wait time.Duration, err error)
}

// Call runs send until it succeeds, fails for good, or the call's budget is spent. A
// money-moving call (mutation) is only ever repeated by sending the same key and body, which
// send must guarantee. pacer paces attempts within Vipps' per-reference limits. The returned
// error is a *model.Error.
func (p Policy) Call(ctx context.Context, what string, pacer Pacer, mutation bool, send func(context.Context) error) error {
	_, err := p.CallApplied(ctx, what, pacer, mutation, send)
	return err
}

// Attempts is what a call's attempts may have done at Vipps.
type Attempts struct {
	// MaybeApplied: some attempt may have been carried out (no answer, a 5xx); then no later
	// failure of the call proves that it was not.
	MaybeApplied bool
	// InFlight: some attempt may still be on its way (see Decision.InFlight).
	InFlight bool
}

// CallApplied is Call that also reports what the attempts may have done.
func (p Policy) CallApplied(ctx context.Context, what string, pacer Pacer, mutation bool, send func(context.Context) error) (a Attempts, err error) {
	ctx, cancel := context.WithTimeout(ctx, p.Budget)
	defer cancel()
	for attempt := 1; ; attempt++ {
		if wait := pacer.Admit(mutation, time.Now()); wait > 0 {
			if !Sleep(ctx, wait) {
				return a, rateLimitedError(what, ctx, wait, a.MaybeApplied, mutation)
			}
			attempt--
			continue
		}
		err := send(ctx)
		if err == nil {
			return a, nil
		}
		d := Decide(err)
		a.MaybeApplied = a.MaybeApplied || d.MaybeApplied
		a.InFlight = a.InFlight || d.InFlight
		if !d.Retry || attempt >= MaxAttempts || p.Closing.Err() != nil {
			return a, WireError(what, err, a.MaybeApplied, mutation)
		}
		wait := d.Wait
		if wait == 0 {
			wait = Backoff(attempt)
		}
		if p.Retrying != nil {
			p.Retrying(what, attempt, wait, err)
		}
		if !Sleep(ctx, wait) {
			return a, WireError(what, err, a.MaybeApplied, mutation)
		}
	}
}

func rateLimitedError(what string, ctx context.Context, wait time.Duration, maybeApplied, mutation bool) *model.Error {
	if mutation && maybeApplied {
		return model.Errorf(abi.CodeUnknownOutcome, "%s: an earlier attempt got no answer and the per-payment rate limit blocks another before the call's time is up; ask again for the payment's status", what)
	}
	if model.EndedByClose(ctx) {
		return model.Errorf(abi.CodeNetwork, "%s: the client is closing", what)
	}
	return model.Errorf(abi.CodeRateLimited, "%s: Vipps allows %d of each operation and %d reads a minute per payment; try again in %s", what, mutationsLimit, readsLimit, wait.Round(time.Second))
}

// Sleep waits d or until ctx ends; it reports whether the full wait elapsed.
func Sleep(ctx context.Context, d time.Duration) bool {
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
