package payments

import (
	"fmt"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// The records of the money operations a till operator needs, one function each (the client's
// own are core/log_events.go). What they may contain: references, operation and journal ids,
// amounts, states, statuses and masked text; never a phone number in full, a personal QR, a
// request body or a credential.

// logRecovery reports what a recovery run (at start-up or vmp_recover) did.
func (eng *Engine) logRecovery(r RecoveryReport) {
	if len(r.Resolved) == 0 && len(r.StillOpen) == 0 {
		eng.log.Log(abi.LogDebug, "recovery", "nothing was left open")
		return
	}
	eng.log.Log(abi.LogInfo, "recovery", fmt.Sprintf("resolved %d open operation(s), %d still open", len(r.Resolved), len(r.StillOpen)),
		model.LogInt("resolved", int64(len(r.Resolved))), model.LogInt("still_open", int64(len(r.StillOpen))))
	for _, e := range r.Resolved {
		eng.log.Log(abi.LogInfo, "recovery", e.Operation+" of "+e.Reference+" resolved: "+e.State, entryFields(e)...)
	}
	for _, e := range r.StillOpen {
		eng.log.Log(abi.LogError, "recovery", e.Operation+" of "+e.Reference+" is still open: its outcome is unknown", entryFields(e)...)
	}
}

func entryFields(e EntryView) []model.LogField {
	return []model.LogField{model.LogID("id", e.ID), model.LogID("operation", e.Operation), model.LogID("reference", e.Reference),
		model.LogInt("amount", e.Amount), model.LogID("currency", e.Currency), model.LogID("state", e.State)}
}

// logMoneyOp reports the outcome of a checkout, capture, refund or cancel as the till gets it;
// recorded says it was the outcome of an earlier call, returned again without sending.
func (eng *Engine) logMoneyOp(e *journal.Entry, p Payment, err error, recorded bool) {
	what := e.Operation + " of " + e.Reference
	if e.Operation == journal.OpCreate {
		what = "checkout " + e.Reference
	}
	if recorded {
		what += " (repeated call: the recorded outcome, nothing sent again)"
	}
	fields := []model.LogField{model.LogID("operation", e.Operation), model.LogID("reference", e.Reference), model.LogInt("amount", e.Amount),
		model.LogID("currency", e.Currency), model.LogID("operation_id", e.OperationID), model.LogInt("attempts", int64(e.Attempts))}
	code := model.CodeOf(err)
	switch code {
	case abi.CodeOK:
		msg := fmt.Sprintf("%s done: %s, captured %d, refunded %d, cancelled %d", what, p.State, p.Captured, p.Refunded, p.Cancelled)
		if e.Operation == journal.OpCreate {
			msg = fmt.Sprintf("%s sent to the customer: %d %s", what, e.Amount, e.Currency)
		}
		eng.log.Log(abi.LogInfo, "payment", msg, append(fields, model.LogID("state", p.State.String()))...)
	case abi.CodeUnknownOutcome:
		eng.log.Log(abi.LogWarn, "payment", what+": no answer, the outcome is unknown; repeat the call or ask for the status",
			append(fields, model.LogID("status", code.String()), model.LogText("error", err.Error()))...)
	default:
		eng.log.Log(abi.LogWarn, "payment", what+" failed: "+code.String(),
			append(fields, model.LogID("status", code.String()), model.LogText("error", err.Error()))...)
	}
}
