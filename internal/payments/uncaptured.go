package payments

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Payments a till must still finish (issue 16 point 2): a payment AUTHORIZED and not fully
// captured or cancelled holds the customer's money (up to 180 days in Norway), so the journal's
// payment records keep it listed by Pending across restarts until the till captures or
// cancels it, or the host acknowledges it ("payment:<reference>"). Recover reads each from
// Vipps, so one that ended (expired, say) while the till was down leaves the list.

// PaymentRecord is what the journal keeps of a payment (core/journal/payment_record.go).
type PaymentRecord = journal.PaymentRecord

// AckPaymentPrefix before a reference in Acknowledge acknowledges a payment left uncaptured.
const AckPaymentPrefix = "payment:"

// journalRecorder keeps the journal's payment records current with every view of a payment
// the engine gets (a status read, a webhook event); written with the next commit.
type journalRecorder struct{ j *journal.Journal }

func (r journalRecorder) PaymentObserved(msn, reference string, p Payment) {
	r.j.NotePayment(msn, reference, journal.ObservedPayment{State: p.State.String(), Currency: p.Currency, Amount: p.Amount,
		Authorized: p.Authorized, Captured: p.Captured, Refunded: p.Refunded, Cancelled: p.Cancelled, PSPReference: p.PSPReference})
}

// uncaptured lists the payments the till must still finish: the journal's records, with the
// outcomes memory holds that are not on disk yet (an outcome is written with the next commit)
// taken in, so a capture already returned to the till counts. It adds no commit: vmp_pending
// stays a read.
func (eng *Engine) uncaptured() ([]PaymentRecord, error) {
	list, err := eng.journal.UncapturedPayments()
	if err != nil {
		return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	out := make([]PaymentRecord, 0, len(list))
	for _, r := range list {
		for _, op := range r.Operations {
			if mem := eng.seen.UnsavedEntry(op.Key); mem != nil && op.State != journal.StateDone {
				r.Apply(mem)
			}
		}
		if r.Uncaptured() {
			out = append(out, *r)
		}
	}
	return out, nil
}

// readUncaptured reads each payment the till must still finish from Vipps (within ctx) and
// returns the list as it is after.
func (eng *Engine) readUncaptured(ctx context.Context) ([]PaymentRecord, error) {
	list, err := eng.journal.UncapturedPayments()
	if err != nil {
		return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	for _, r := range list {
		if ctx.Err() != nil {
			break
		}
		if u := eng.unitOfMSN(r.MSN); u != nil {
			_, _ = eng.readNow(ctx, eng.trackerFor(u, r.Reference)) // the recorder notes what it read
		}
	}
	return eng.uncaptured()
}

// acknowledgePayment is Acknowledge("payment:<reference>").
func (eng *Engine) acknowledgePayment(reference string) error {
	n, err := eng.journal.AcknowledgePayment(reference)
	switch {
	case err != nil:
		return &model.Error{Code: abi.CodeJournal, Message: "journal: " + err.Error(), Err: err}
	case n == 0:
		return model.Errorf(abi.CodeNotFound, "no payment %q left uncaptured in the journal", model.Truncate(reference, 60))
	}
	return nil
}
