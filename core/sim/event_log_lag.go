package sim

import (
	"context"
	"net/http"
	"time"
)

// An event log that lags (FaultEventLogLag): Vipps does not say how soon after an operation
// its event log lists it, and a client that decides from the log ("not listed: it did not
// happen") must not be fooled by a log that is behind the payment. A read the fault hits lists
// the events that happened at least the lag ago - the oldest ones, in order, as a log that is
// behind does - while the payment's own figures (getPayment) are current.
//
// Time passes on two clocks here: the wall clock, on which clients measure their own waits,
// and Options.Clock, on which Vipps forgets idempotency keys and payments expire. An event is
// listed once the lag has passed on either, so a fake clock moved a day ahead (keys forgotten)
// never leaves a log a day behind, and a fake clock that stands still does not stop a lag of a
// second from ending a second later.

// eventLogLagKey carries a FaultEventLogLag's lag in the request's context to the handler.
type eventLogLagKey struct{}

// withEventLogLag returns r with the lag its event-log read is served with.
func withEventLogLag(r *http.Request, lag time.Duration) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), eventLogLagKey{}, lag))
}

// eventLogLagOf is the lag r's event-log read is served with, if a fault set one.
func eventLogLagOf(r *http.Request) (time.Duration, bool) {
	lag, ok := r.Context().Value(eventLogLagKey{}).(time.Duration)
	return lag, ok
}

// eventLogBehind is the event log as one lagging by lag lists it at now (Options.Clock): the
// events recorded at least lag ago on the wall clock, or that happened at least lag before now.
// Events are recorded in order, so what it lists is the log up to some point.
func (p *payment) eventLogBehind(lag time.Duration, now time.Time) []PaymentEvent {
	all := p.eventLog()
	wall := time.Now()
	n := 0
	for n < len(all) && (wall.Sub(p.recordedAt[n]) >= lag || now.Sub(all[n].Timestamp) >= lag) {
		n++
	}
	return all[:n]
}
