package payments

import (
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
)

// What a verified webhook event does to the engine's view of its payment. Events are fed
// through the payment's Tracker (Tracker.update, under t.mu), so PollStatus waiters wake the
// moment an event arrives, and the same rules hold as for every other view of the payment: it
// never moves backwards (NewerOf, invariants.go). Events may arrive twice, late, or out of order; a
// duplicate is recognised by its pspReference and name and changes nothing, and amounts are
// summed over distinct events only, so what events prove is always a lower bound of the
// aggregates Vipps reports.

// maxEventsPerPayment bounds the events remembered for one payment (a payment has a handful).
const maxEventsPerPayment = 256

// webhookView is what webhook events told of one payment. It lives in the payment's Tracker.
type webhookView struct {
	seen    map[string]bool // pspReference + NUL + name of every event applied
	payment Payment         // state and aggregates the events prove
	// pollEvery is the safety-net interval of status reads once events arrive by webhook.
	pollEvery time.Duration
}

// EventOutcome is what a webhook event did to its payment (core gives it to internal/webhooks).
type EventOutcome int

const (
	EventIgnored EventOutcome = iota
	EventDuplicate
	EventApplied
)

// ApplyEvent feeds one verified event of this Tracker's payment into its view.
func (t *Tracker) ApplyEvent(ev vipps.WebhookEvent, pollEvery time.Duration) EventOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.applyEvent(ev, pollEvery)
}

// applyEvent is ApplyEvent with t.mu held.
func (t *Tracker) applyEvent(ev vipps.WebhookEvent, pollEvery time.Duration) EventOutcome {
	if !ev.Success || !knownEventName(ev.Name) {
		return EventIgnored
	}
	if t.webhook == nil {
		t.webhook = &webhookView{seen: map[string]bool{}}
	}
	v := t.webhook
	v.pollEvery = pollEvery
	key := ev.PSPReference + "\x00" + ev.Name
	if v.seen[key] {
		return EventDuplicate
	}
	if len(v.seen) >= maxEventsPerPayment {
		return EventIgnored
	}
	v.seen[key] = true
	v.add(ev)
	if v.payment.State == abi.StateUnknown && !t.known {
		// Only aggregates (a capture seen before anything else): not enough to answer from;
		// the first read fills in the rest.
		return EventApplied
	}
	t.update(v.payment)
	return EventApplied
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
		p.State = LaterState(p.State, abi.StateCreated)
	case "AUTHORIZED":
		p.Amount = max(p.Amount, value)
		p.Authorized = max(p.Authorized, value)
		p.State = LaterState(p.State, abi.StateAuthorized)
	case "ABORTED":
		p.State = LaterState(p.State, abi.StateAborted)
	case "EXPIRED":
		p.State = LaterState(p.State, abi.StateExpired)
	case "TERMINATED": // cancelled before approval: the whole amount is released
		p.Cancelled = max(p.Cancelled, value)
		p.State = LaterState(p.State, abi.StateTerminated)
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
func (t *Tracker) safetyNet() time.Duration {
	if t.webhook == nil {
		return 0
	}
	return t.webhook.pollEvery
}
