package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Once an attempt of an operation may have been applied - it got no answer, a 5xx, or the
// entry was left open by an earlier call or process - only two things may decide that it did
// not happen: a definite success (it did) or Vipps' own record of the payment. A later 4xx
// does not: a retry answered 409 or 401 says nothing of the attempt before it. Vipps' record is
// the payment's event log, which names each operation's Idempotency-Key.

// eventNames are the event-log names an operation's success shows as.
var eventNames = map[string][]string{
	journal.OpCreate:  {"CREATED"},
	journal.OpCapture: {"CAPTURED"},
	journal.OpRefund:  {"REFUNDED"},
	journal.OpCancel:  {"CANCELLED", "TERMINATED"},
}

// atVipps reads whether the entry's operation happened at Vipps: the event log lists it
// (listingOf). A payment Vipps does not know has had no operation at all. A log that lists one
// like it without a key of its own does not tell: that is an error (errUnattributed), and the
// operation is not sent again on that log's word.
func (eng *Engine) atVipps(ctx context.Context, t *Tracker, e *journal.Entry) (bool, error) {
	var events []vipps.PaymentEvent
	err := eng.retry.Call(ctx, "event log of "+t.Reference(), t.For(retry.APIEvents), false, func(ctx context.Context) error {
		var err error
		events, err = t.API().GetPaymentEvents(ctx, t.Reference())
		return err
	})
	if model.CodeOf(err) == abi.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := behindThePayment(events); err != nil {
		return false, err
	}
	switch listingOf(events, e.Operation, e.IdempotencyKey, e.Amount) {
	case listed:
		return true, nil
	case mayBeListed:
		return false, errUnattributed{operation: e.Operation, amount: e.Amount}
	}
	return false, nil
}

// listing is what Vipps' event log says of one operation.
type listing int

const (
	notListed   listing = iota // no successful event of its kind under its key, nor one that may be it
	listed                     // a successful event of its kind under its key
	mayBeListed                // one of its kind and amount without a key of its own: the log does not tell
)

// listingOf is the one rule for finding an operation (of its kind, sent with key, for amount)
// in Vipps' event log, for every reader that decides on it: whether it happened (atVipps) and
// the capture check. A successful event of its kind under key is it; one under a key of its
// own is another operation. Without a key of its own (none, or the payment's: ownKey) a
// successful cancel is it - a payment is cancelled once -, and a create, capture or refund of
// its amount may be it: the log does not tell, and neither "it happened" nor "it is absent"
// may be concluded.
func listingOf(events []vipps.PaymentEvent, operation, key string, amount int64) listing {
	l := notListed
	for _, ev := range events {
		if !ev.Success || !isEventOf(operation, ev.Name) {
			continue
		}
		switch {
		case ev.IdempotencyKey == key:
			return listed
		case ownKey(events, ev):
			// another operation's
		case operation == journal.OpCancel:
			return listed
		case ev.Amount.Value == amount:
			l = mayBeListed
		}
	}
	return l
}

// ownKey reports whether event ev names a key of its own: one, and no event of another kind
// carries it (the payment's own key does: CREATED, AUTHORIZED) - but the payment's key is its
// CREATED event's own, the key its create was sent with.
func ownKey(events []vipps.PaymentEvent, ev vipps.PaymentEvent) bool {
	if ev.IdempotencyKey == "" {
		return false
	}
	if ev.Name == "CREATED" {
		return true
	}
	for _, other := range events {
		if other.Name != ev.Name && other.IdempotencyKey == ev.IdempotencyKey {
			return false
		}
	}
	return true
}

// behindThePayment is an error when the event log does not list the payment's creation.
// Vipps lists a payment's CREATED event first, and a payment it does not know has no log (404),
// so such a log lags behind a payment that exists (Vipps does not say how soon its log lists
// an operation): it tells nothing of any operation, neither that it happened nor that it is
// absent - as a log that cannot be read. Before, recovery took a checkout it did not list for
// one that never reached Vipps ("not_created") while its payment waited for the customer.
func behindThePayment(events []vipps.PaymentEvent) error {
	for _, ev := range events {
		if ev.Name == "CREATED" {
			return nil
		}
	}
	// An unknown outcome, as vmp_pending shows an open entry it leaves so.
	return model.Errorf(abi.CodeUnknownOutcome, "Vipps' event log does not list the payment's creation yet: it lags behind the payment")
}

// errUnattributed is the event log listing an operation like the entry's without a key that
// tells whether it is the entry's.
type errUnattributed struct {
	operation string
	amount    int64
}

func (e errUnattributed) Error() string {
	return fmt.Sprintf("Vipps' event log lists a %s of %d without a key of its own, which may be this one", e.operation, e.amount)
}

func isEventOf(operation, name string) bool {
	for _, n := range eventNames[operation] {
		if n == name {
			return true
		}
	}
	return false
}

// InFlightLimit is how long after an attempt its request may still be on its way through
// Vipps: before that, "not in the event log" does not mean "did not happen". Twice the time
// the library itself waits for an answer.
func (eng *Engine) InFlightLimit() time.Duration {
	return max(2*eng.requestTimeout, time.Second)
}

// settleFailure decides what a failure means for an operation that may have happened (an
// attempt of this call, a, or of an earlier call or process that left the entry open). It
// returns the payment and nil when Vipps carried it out, the failure itself when Vipps' record
// shows it did not happen and no attempt can still be on its way, and CodeUnknownOutcome
// otherwise.
func (eng *Engine) settleFailure(t *Tracker, e *journal.Entry, failure error, a retry.Attempts) (Payment, error) {
	what := e.Operation + " of " + e.Reference
	if e.Operation == journal.OpCreate {
		what = "checkout " + e.Reference
	}
	// The call's own budget may be spent; the read gets one request's time of its own, and
	// ends when the client closes.
	rctx, cancel := context.WithTimeout(eng.closing, eng.requestTimeout)
	defer cancel()
	happened, err := eng.atVipps(rctx, t, e)
	switch {
	case err != nil:
		return Payment{}, unknownAfter(what, failure, "Vipps' event log could not tell: "+err.Error())
	case happened:
		p, err := eng.readNow(rctx, t)
		if err != nil {
			// It happened; only the figures are missing. Return what the tracker knows.
			p, _ = t.Snapshot()
		}
		return p, nil
	case (a.InFlight || a.MaybeApplied || eng.mayBeOnItsWay(e)) && !refusesEveryAttempt(e, failure):
		return Payment{}, unknownAfter(what, failure, "Vipps' event log does not show it yet, but an earlier attempt may still be on its way")
	}
	return Payment{}, failure
}

// refusesEveryAttempt: the failure shows that no attempt of the entry's operation - earlier, or
// still on its way - can be carried out. An abort (cancelTransactionOnly) refused with 6060
// found the payment approved, which an abort never undoes; one of its attempts that went
// through first would have left no payment to approve.
func refusesEveryAttempt(e *journal.Entry, failure error) bool {
	fe, ok := failure.(*model.Error)
	return ok && e.Operation == journal.OpCancel && fe.VippsErrorCode == "6060"
}

func unknownAfter(what string, failure error, why string) *model.Error {
	e := &model.Error{Code: abi.CodeUnknownOutcome, Err: failure, Message: what + ": " + failure.Error() + " - but an earlier attempt may have been " +
		"carried out (" + why + "); ask again for the payment's status, or repeat the call (with the same operation id)"}
	if fe, ok := failure.(*model.Error); ok {
		e.VippsAnswer = fe.VippsAnswer
	}
	return e
}
