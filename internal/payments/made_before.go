package payments

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// A capture, refund or cancel with an operation id whose entry the journal does not hold is
// new - unless the journal lost it: a journal lost and started anew, or one that pruned the
// entry (journal_retention_days, sooner with a clock stepped ahead). Its key, derived from the
// id, is the same as then, but Vipps keeps a key only for a limited time: sent again a day
// later it was a second capture. When the journal knows nothing of the payment at all, Vipps'
// event log is asked first whether an operation under the key was made.

// madeBefore reports whether op's new entry e was carried out before this journal knew of it,
// with the payment as it is now. It reads Vipps only when the journal holds nothing of the
// payment for op's unit. An event log that does not tell is an unknown outcome: nothing is sent.
func (eng *Engine) madeBefore(ctx context.Context, op moneyOp, e *journal.Entry) (Payment, bool, error) {
	if op.operationID == "" || op.kind == journal.OpCreate {
		return Payment{}, false, nil
	}
	known, err := eng.journal.HoldsReference(op.reference, op.unit.ownsUnit)
	if err != nil {
		return Payment{}, false, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	if known {
		return Payment{}, false, nil
	}
	t := eng.trackerFor(op.unit, op.reference)
	happened, err := eng.atVipps(ctx, t, e)
	if err != nil {
		return Payment{}, false, &model.Error{Code: abi.CodeUnknownOutcome, Err: err, Message: "the journal knows nothing of payment " + op.reference +
			", so the " + op.kind + " " + op.operationID + " may have been made before (a lost or pruned journal) with a key Vipps may no longer " +
			"know, and Vipps' event log, which would tell, did not (" + err.Error() + "): nothing was sent; repeat the call later"}
	}
	if !happened {
		return Payment{}, false, nil
	}
	p, err := eng.readNow(ctx, t)
	if err != nil {
		p, _ = t.Snapshot()
	}
	return p, true, nil
}
