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

// capturedInEventLog is the capture check's rule (checkCaptured runs it after each capture):
// Vipps' own record, never the journal, is what a capture is compared with. It sums the
// successful CAPTURED events of a payment's event log and says whether the capture sent with
// key for amount is among them, by the rule every reader of the log keeps (listingOf): a
// capture of its amount listed without a key of its own may be it, and the log does not tell.
// underKey counts the captures listed under key: more than one is Vipps carrying out this one
// capture again - sent again with its key after Vipps forgot it, while its log did not list the
// first - never two operations (no other request of vmp carries the key).
func capturedInEventLog(events []vipps.PaymentEvent, key string, amount int64) (sum int64, ours listing, underKey int) {
	for _, ev := range events {
		if ev.Name == "CAPTURED" && ev.Success {
			sum += ev.Amount.Value
			if ev.IdempotencyKey == key {
				underKey++
			}
		}
	}
	return sum, listingOf(events, journal.OpCapture, key, amount), underKey
}

// checkCaptured verifies after a capture that Vipps' own records agree with it (the last step
// of the in-store checklist: the POS status must match the capture). The reference is Vipps'
// record, never the journal, which forgets old captures (journal_retention_days) and a clock
// set ahead prunes early: the captured amount Vipps reports must be the sum of the successful
// CAPTURED events of the payment's event log, and this capture must be among them with its
// amount - or the log must not tell (a capture of its amount without a key of its own): like
// a log that cannot be read, that fails no capture Vipps answered as done. Nor does a log that
// does not list it, or another till's capture Vipps' figures show, yet (compare). When the
// answer adds exactly this capture to what the library knew of the payment before, that holds
// without a read; otherwise the event log is read, and a difference is confirmed
// (confirmDifference) before it is reported as CodeCaptureMismatch, together with the payment
// as Vipps reports it. started is when the call began: any wait of the check ends within the
// call's budget. A capture sent again (its entry attempted before: left open, or recorded
// failed) is always checked against the log, which then must not list it twice under its key:
// sent again after Vipps forgot the key, its answer adds exactly this capture to the figures -
// a second time (TestACaptureVippsListsTwiceUnderItsKeyIsACaptureMismatch: told VMP_OK for 6000
// captured of a capture of 3000).
func (eng *Engine) checkCaptured(ctx context.Context, t *Tracker, e *journal.Entry, before Payment, knewBefore bool, p Payment, started time.Time) (Payment, error) {
	if knewBefore && before.Captured+e.Amount == p.Captured && e.Attempts <= 1 {
		return p, nil
	}
	sum, ours, underKey, err := eng.capturedEvents(ctx, t, e)
	if err == nil && underKey > 1 {
		return p, eng.capturedTwice(t, e, p, underKey)
	}
	if err != nil || eng.compare(t, e, p, sum, ours) == agrees {
		return p, nil // a read error must not fail a capture that happened
	}
	return eng.confirmDifference(ctx, t, e, p, sum, ours, started.Add(eng.retry.Budget))
}

// reading is what one reading of Vipps' figures and its event log says of a capture.
type reading int

const (
	agrees  reading = iota
	differs         // confirmed only once nothing landed between the reads (confirmDifference)
	behind          // the log lacks captures the figures show, which it may not list yet: a later read tells
)

// compare is the capture check's rule for one reading: Vipps' figures p decide, against the
// captures of its event log (sum) and this capture's listing there (ours). What the figures
// show beyond the log's captures is what the log lacks: nothing agrees; this capture alone,
// while the log may not list it yet (mayBeOnItsWay: within InFlightLimit of its attempt, the
// rule a failure's settlement keeps), agrees too - the log only lags. Less than that leaves no
// room for it: they differ. More means the log lacks captures the figures show beside this one -
// another till's or thread's that landed moments before, which only a log that catches up
// tells, while the figures may be ahead of the log (figuresMayBeAheadOfLog); after that, or
// this capture not listed once its own time is over, the log's word stands: they differ.
func (eng *Engine) compare(t *Tracker, e *journal.Entry, p Payment, sum int64, ours listing) reading {
	lacks := p.Captured - sum
	if ours == notListed {
		if !eng.mayBeOnItsWay(e) {
			return differs // absent
		}
		lacks -= e.Amount
	}
	switch {
	case lacks == 0:
		return agrees
	case lacks > 0 && eng.figuresMayBeAheadOfLog(t):
		return behind
	}
	return differs
}

// captureCheckRounds bounds the fresh reads that confirm a difference while captures keep
// landing.
const captureCheckRounds = 3

// confirmDifference decides whether a difference between the payment p and its event log (sum,
// ours) is Vipps' or only one of instants. The two were read one after the other, and alike
// captures made meanwhile - by other threads of the till or by other tills - land between
// them, so they may differ by those (found by TestAlikeCapturesAtOnceAreNeverAMismatch).
// A difference counts only when a fresh read of the payment lies between two reads of the event
// log that agree: nothing landed in between. A log that lags (compare says behind) is read
// again after a short pause, until it tells or the time it may lag is over (compare then
// says differs), within the call's budget (until). A capture that is in the event log, or
// may be (listed without a key of its own, or not listed yet), is not failed because its
// figures could not be caught at rest (reads failing, captures landing throughout, the budget
// spent).
func (eng *Engine) confirmDifference(ctx context.Context, t *Tracker, e *journal.Entry, p Payment, sum int64, ours listing, until time.Time) (Payment, error) {
	r := eng.compare(t, e, p, sum, ours)
	for rounds, pauses := 0, 0; rounds < captureCheckRounds; {
		if r == behind {
			pauses++
			pause := min(retry.Backoff(pauses), time.Until(until)) // the last reading at the budget's end
			if pause <= 0 || !retry.Sleep(ctx, pause) {
				break
			}
		}
		fresh, err := eng.readNow(ctx, t)
		if err != nil {
			break
		}
		p = fresh
		after, oursAfter, underKey, err := eng.capturedEvents(ctx, t, e)
		if err != nil {
			break
		}
		if underKey > 1 {
			return p, eng.capturedTwice(t, e, p, underKey)
		}
		settled := after == sum && oursAfter == ours // events only add: nothing landed
		sum, ours = after, oursAfter
		switch r = eng.compare(t, e, p, sum, ours); {
		case r == agrees:
			return p, nil
		case r == differs && settled:
			return p, eng.captureMismatch(t, e, p, sum, ours)
		case r == differs:
			rounds++ // a lagging log's rounds are bounded by InFlightLimit instead
		}
	}
	if ours != notListed || r == behind {
		return p, nil
	}
	return p, eng.captureMismatch(t, e, p, sum, ours)
}

// captureMismatch says what differs: this capture missing from the event log only when the log
// tells so; Vipps' figures leaving no room for it, not listed yet; otherwise Vipps' figures.
func (eng *Engine) captureMismatch(t *Tracker, e *journal.Entry, p Payment, sum int64, ours listing) error {
	onItsWay := eng.mayBeOnItsWay(e)
	switch {
	case ours == notListed && onItsWay && p.Captured < sum+e.Amount:
		return model.Errorf(abi.CodeCaptureMismatch,
			"capture of %s: Vipps reports %d %s captured, but the captures its event log lists add up to %d without this capture of %d (not listed yet), which Vipps' figures leave no room for; check the payment (e.g. in the Vipps portal) before handing over the goods",
			t.Reference(), p.Captured, p.Currency, sum, e.Amount)
	case ours == notListed && !onItsWay:
		return model.Errorf(abi.CodeCaptureMismatch,
			"capture of %s: Vipps answered it as done, but its event log does not show a capture of %d %s under this call's key; check the payment (e.g. in the Vipps portal) before handing over the goods",
			t.Reference(), e.Amount, p.Currency)
	}
	return model.Errorf(abi.CodeCaptureMismatch,
		"capture of %s: Vipps reports %d %s captured, but the captures in its event log add up to %d; check the payment (e.g. in the Vipps portal) before handing over the goods",
		t.Reference(), p.Captured, p.Currency, sum)
}

// capturedTwice says that Vipps' event log lists the entry's capture n times under its key.
func (eng *Engine) capturedTwice(t *Tracker, e *journal.Entry, p Payment, n int) error {
	return model.Errorf(abi.CodeCaptureMismatch,
		"capture of %s: Vipps' event log lists this capture of %d %s %d times under this call's key - Vipps carried it out more than once (it was sent again after Vipps had forgotten the key, while its event log did not list the first); Vipps reports %d %s captured; check the payment (e.g. in the Vipps portal) and refund what was captured twice",
		t.Reference(), e.Amount, p.Currency, n, p.Captured, p.Currency)
}

// capturedEvents reads the payment's event log and sums its successful captures
// (internal/payments), saying whether the entry's own capture is among them and how many
// times it is listed under its key.
func (eng *Engine) capturedEvents(ctx context.Context, t *Tracker, e *journal.Entry) (sum int64, ours listing, underKey int, err error) {
	var events []vipps.PaymentEvent
	err = eng.retry.Call(ctx, "event log of "+t.Reference(), t.For(retry.APIEvents), false, func(ctx context.Context) error {
		var err error
		events, err = t.API().GetPaymentEvents(ctx, t.Reference())
		return err
	})
	if err != nil {
		return 0, notListed, 0, fmt.Errorf("reading the event log: %w", err)
	}
	if err := behindThePayment(events); err != nil {
		return 0, notListed, 0, err // it tells nothing yet, as a log that cannot be read
	}
	sum, ours, underKey = capturedInEventLog(events, e.IdempotencyKey, e.Amount)
	return sum, ours, underKey, nil
}
