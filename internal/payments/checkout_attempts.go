package payments

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// A checkout repeated with the reference of a sale whose payment ended ABORTED (the customer
// declined) or EXPIRED (never answered) is the sale's next attempt, not that payment again:
// attempt n has the reference "<reference>-n" (Vipps' own advice for retries), and its
// Idempotency-Key derives from that reference as any explicit reference's does. Each attempt is
// its own create in the journal, so the repeat rule holds per attempt: a repeat after an
// attempt's unknown outcome finishes that attempt, and one after its CREATED or AUTHORIZED
// outcome is that payment again.

// maxCheckoutAttempts bounds the attempts of one sale's reference.
const maxCheckoutAttempts = 20

// attemptReference is the reference of the sale's attempt n (1 is the sale's own).
func attemptReference(reference string, n int) string {
	if n == 1 {
		return reference
	}
	return reference + "-" + strconv.Itoa(n)
}

// checkoutAttempt gives the reference a checkout with the explicit reference should use: the
// first attempt that is not a finished create of a payment that ended ABORTED or EXPIRED.
// intentsOf is the checkout's intent under a reference, and vmp 0.1's (moneyOp.intent01). When
// an attempt's state cannot be read the attempt is used as it is (the recorded payment comes
// back, as before this rule): never a new payment on a guess.
func (u *Unit) checkoutAttempt(ctx context.Context, reference string, intentsOf func(string) (string, string)) (string, error) {
	eng := u.engine
	var ended abi.State
	for n := 1; n <= maxCheckoutAttempts; n++ {
		ref := attemptReference(reference, n)
		if CheckReference(ref) != nil {
			return "", model.Errorf(abi.CodeConflict, "the payment %s ended %s and a new attempt's reference %s would be longer than 64 characters; "+
				"use a new reference", attemptReference(reference, n-1), ended, model.Truncate(ref, 70))
		}
		op := moneyOp{unit: u, kind: journal.OpCreate, reference: ref, operationID: ref}
		op.intent, op.intent01 = intentsOf(ref)
		e, err := eng.findByOperationID(op, IdempotencyKey(eng.till, journal.OpCreate, u.msn, ref, ref))
		if model.CodeOf(err) == abi.CodeConflict {
			return ref, nil // the money operation refuses it, naming the conflict
		}
		if err != nil {
			return "", err
		}
		if e == nil || e.State != journal.StateDone {
			return ref, nil
		}
		t := eng.trackerFor(u, ref)
		p, known := t.Snapshot()
		if !known || !p.State.Final() {
			if p, err = eng.readNow(ctx, t); err != nil {
				return ref, nil
			}
		}
		if p.State != abi.StateAborted && p.State != abi.StateExpired {
			return ref, nil
		}
		ended = p.State
		if n < maxCheckoutAttempts {
			eng.log.Log(abi.LogInfo, "checkout", fmt.Sprintf("the payment %s ended %s: the repeated checkout is a new attempt, %s",
				ref, p.State, attemptReference(reference, n+1)), model.LogID("reference", attemptReference(reference, n+1)))
		}
	}
	return "", model.Errorf(abi.CodeConflict, "the sale %s had %d attempts, each ABORTED or EXPIRED; use a new reference", reference, maxCheckoutAttempts)
}
