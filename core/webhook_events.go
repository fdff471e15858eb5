package core

import (
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/payments"
	"github.com/vmp-dev/vmp/internal/webhooks"
)

// What a verified webhook event does to the engine's view of its payment. Events are fed
// through the payment's tracker (tracker.update, under t.mu), so PollStatus waiters wake the
// moment an event arrives, and the same rules hold as for every other view of the payment: it
// never moves backwards (newerOf, internal/payments/invariants.go). Events may arrive twice, late, or out of order; a
// duplicate is recognised by its pspReference and name and changes nothing, and amounts are
// summed over distinct events only, so what events prove is always a lower bound of the
// aggregates Vipps reports.

// maxEventsPerPayment bounds the events remembered for one payment (a payment has a handful).
const maxEventsPerPayment = 256

// webhookView is what webhook events told of one payment. It lives in the payment's tracker.
type webhookView struct {
	seen    map[string]bool // pspReference + NUL + name of every event applied
	payment Payment         // state and aggregates the events prove
	// pollEvery is the safety-net interval of status reads once events arrive by webhook.
	pollEvery time.Duration
}

// applyEvent feeds one verified event of this tracker's payment into its view. Caller holds
// t.mu.
func (t *tracker) applyEvent(ev vipps.WebhookEvent, pollEvery time.Duration) webhooks.Outcome {
	if !ev.Success || !knownEventName(ev.Name) {
		return webhooks.Ignored
	}
	if t.webhook == nil {
		t.webhook = &webhookView{seen: map[string]bool{}}
	}
	v := t.webhook
	v.pollEvery = pollEvery
	key := ev.PSPReference + "\x00" + ev.Name
	if v.seen[key] {
		return webhooks.Duplicate
	}
	if len(v.seen) >= maxEventsPerPayment {
		return webhooks.Ignored
	}
	v.seen[key] = true
	v.add(ev)
	if v.payment.State == StateUnknown && !t.known {
		// Only aggregates (a capture seen before anything else): not enough to answer from;
		// the first read fills in the rest.
		return webhooks.Applied
	}
	t.update(v.payment)
	return webhooks.Applied
}

func knownEventName(name string) bool {
	switch name {
	case "CREATED", "AUTHORIZED", "ABORTED", "EXPIRED", "TERMINATED", "CANCELLED", "CAPTURED", "REFUNDED":
		return true
	}
	return false
}

// add accounts for one new event.
func (v *webhookView) add(ev vipps.WebhookEvent) {
	p := &v.payment
	p.Reference = ev.Reference
	if p.Currency == "" {
		p.Currency = ev.Amount.Currency
	}
	value := ev.Amount.Value
	switch ev.Name {
	case "CREATED":
		p.Amount = value
		p.State = payments.LaterState(p.State, StateCreated)
	case "AUTHORIZED":
		p.Amount = max(p.Amount, value)
		p.Authorized = max(p.Authorized, value)
		p.State = payments.LaterState(p.State, StateAuthorized)
	case "ABORTED":
		p.State = payments.LaterState(p.State, StateAborted)
	case "EXPIRED":
		p.State = payments.LaterState(p.State, StateExpired)
	case "TERMINATED": // cancelled before approval: the whole amount is released
		p.Cancelled = max(p.Cancelled, value)
		p.State = payments.LaterState(p.State, StateTerminated)
	case "CANCELLED":
		p.Cancelled += value
	case "CAPTURED":
		p.Captured += value
	case "REFUNDED":
		p.Refunded += value
	}
}

// safetyNet is the least interval between status reads of this payment: the webhook poll
// interval once its events arrive by webhook, else 0. Caller holds t.mu.
func (t *tracker) safetyNet() time.Duration {
	if t.webhook == nil {
		return 0
	}
	return t.webhook.pollEvery
}
