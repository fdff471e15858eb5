package core

import (
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/logs"
)

// The records a till operator needs, one function each, so that the engine logs with one line
// where things happen. What they may contain: references, operation and journal ids, amounts,
// states, statuses and masked text; never a phone number in full, a personal QR, a request body
// or a credential.

// logStarted reports a client ready for use.
func (c *Client) logStarted() {
	fields := []LogField{logs.ID("environment", c.cfg.Environment), logs.ID("store_id", c.cfg.StoreID),
		logs.ID("pos_id", c.cfg.PosID), logs.ID("log_level", c.cfg.logLevel().String())}
	if c.sim != nil {
		fields = append(fields, logs.ID("simulator_url", c.sim.URL()))
	}
	c.log(LogInfo, "client", "vmp "+Version+" started", fields...)
}

// logClosed is the last record of a client; it reaches a callback (Close drains the queue),
// not a puller, whose handle is gone by then.
func (c *Client) logClosed() { c.log(LogInfo, "client", "client closed") }

// logJournalOpened reports the journal file in use, and permissions Open had to tighten.
func (c *Client) logJournalOpened() {
	c.log(LogInfo, "journal", "journal opened", logs.ID("path", c.journal.Path()))
	for _, note := range c.journal.Tightened() {
		c.log(LogWarn, "journal", "the journal was open to other users and was made private: "+note, logs.ID("path", c.journal.Path()))
	}
}

// logRecovery reports what a recovery run (at start-up or vmp_recover) did.
func (c *Client) logRecovery(r RecoveryReport) {
	if len(r.Resolved) == 0 && len(r.StillOpen) == 0 {
		c.log(LogDebug, "recovery", "nothing was left open")
		return
	}
	c.log(LogInfo, "recovery", fmt.Sprintf("resolved %d open operation(s), %d still open", len(r.Resolved), len(r.StillOpen)),
		logs.Int("resolved", int64(len(r.Resolved))), logs.Int("still_open", int64(len(r.StillOpen))))
	for _, e := range r.Resolved {
		c.log(LogInfo, "recovery", e.Operation+" of "+e.Reference+" resolved: "+e.State, entryFields(e)...)
	}
	for _, e := range r.StillOpen {
		c.log(LogError, "recovery", e.Operation+" of "+e.Reference+" is still open: its outcome is unknown", entryFields(e)...)
	}
}

func entryFields(e EntryView) []LogField {
	return []LogField{logs.ID("id", e.ID), logs.ID("operation", e.Operation), logs.ID("reference", e.Reference),
		logs.Int("amount", e.Amount), logs.ID("currency", e.Currency), logs.ID("state", e.State)}
}

// logMoneyOp reports the outcome of a checkout, capture, refund or cancel as the till gets it;
// recorded says it was the outcome of an earlier call, returned again without sending.
func (c *Client) logMoneyOp(e *journal.Entry, p Payment, err error, recorded bool) {
	what := e.Operation + " of " + e.Reference
	if e.Operation == journal.OpCreate {
		what = "checkout " + e.Reference
	}
	if recorded {
		what += " (repeated call: the recorded outcome, nothing sent again)"
	}
	fields := []LogField{logs.ID("operation", e.Operation), logs.ID("reference", e.Reference), logs.Int("amount", e.Amount),
		logs.ID("currency", e.Currency), logs.ID("operation_id", e.OperationID), logs.Int("attempts", int64(e.Attempts))}
	code := CodeOf(err)
	switch code {
	case CodeOK:
		msg := fmt.Sprintf("%s done: %s, captured %d, refunded %d, cancelled %d", what, p.State, p.Captured, p.Refunded, p.Cancelled)
		if e.Operation == journal.OpCreate {
			msg = fmt.Sprintf("%s sent to the customer: %d %s", what, e.Amount, e.Currency)
		}
		c.log(LogInfo, "payment", msg, append(fields, logs.ID("state", p.State.String()))...)
	case CodeUnknownOutcome:
		c.log(LogWarn, "payment", what+": no answer, the outcome is unknown; repeat the call or ask for the status",
			append(fields, logs.ID("status", code.String()), logs.Text("error", err.Error()))...)
	default:
		c.log(LogWarn, "payment", what+" failed: "+code.String(),
			append(fields, logs.ID("status", code.String()), logs.Text("error", err.Error()))...)
	}
}

// logRetry reports that a request to Vipps is about to be tried again.
func (c *Client) logRetry(what string, attempt int, wait time.Duration, err error) {
	c.log(LogWarn, "retry", fmt.Sprintf("%s: attempt %d failed, trying again in %d ms", what, attempt, wait.Milliseconds()),
		logs.Int("attempt", int64(attempt)), logs.Int("wait_ms", wait.Milliseconds()), logs.Text("error", err.Error()))
}
