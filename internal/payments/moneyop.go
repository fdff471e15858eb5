package payments

import (
	"context"
	"fmt"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// moneyOp is one money-moving operation as the till asked for it.
type moneyOp struct {
	unit      *Unit
	kind      string // journal.OpCreate, OpCapture, OpRefund, OpCancel
	reference string // a checkout without a reference: "" until the repeat rule decides it
	amount    int64
	currency  string
	// operationID is the till's id for the operation (for a create: its explicit reference); it
	// fixes the Idempotency-Key. Empty means the repeat rule decides (repeat_rule.go).
	operationID string
	// intent is what the till asked for, as a string: a repeated identical call has the same.
	intent string
	// intent01 is the intent vmp 0.1 recorded for the same call (its unit by config name, no
	// MSN), which a journal an older vmp wrote may hold (asksFor, alikeIntents); "" when 0.1
	// would not have matched it either (a QR checkout without a reference).
	intent01 string
	body     []byte
	// newCheckout gives the reference and body of a new payment, for a checkout without a
	// reference that repeats nothing.
	newCheckout func() (reference string, body []byte, err error)
}

// runMoneyOp is the one way money moves. The rule (documented in vmp.h, "Money safety"):
//   - What the call is, is decided as it starts: with an id, the operation of that id; without
//     one, the operation it repeats (repeat_rule.go repeatOf), or a new one.
//   - Under the operation's lock (operationLock, which every path working on it takes): a
//     finished operation returns its recorded outcome and sends nothing; an open one (or one
//     certainly not carried out) is finished with its own key and body; a new one is written
//     to the journal and fsynced, then sent.
//   - The outcome is written after the answer. It counts as seen by the till only after this
//     call has returned (seen.go), never inside it.
//
// sent reports whether this call sent the request (rather than returning a recorded outcome).
func (eng *Engine) runMoneyOp(ctx context.Context, op moneyOp) (p Payment, e *journal.Entry, sent bool, err error) {
	repeated, err := eng.repeatOf(op, DeliveryOf(ctx))
	failpoint("repeat_decided", op.kind)
	if err != nil {
		return Payment{}, nil, false, err
	}
	if repeated == nil {
		if err := eng.newJournalRefusal(op); err != nil {
			return Payment{}, nil, false, err
		}
	}
	key := IdempotencyKey(eng.till, op.kind, op.unit.msn, op.reference, op.operationID)
	lock := op.lock()
	if repeated != nil {
		// The lock of the operation it repeats - for one with an id not this call's intent's,
		// but its id's - which its repeats with the id, and recovery, take too.
		lock = lockOf(repeated)
	}
	unlock := eng.intents.Lock(lock)
	defer unlock()
	// A new operation's first call counts as in progress until its outcome counts as returned:
	// an alike call starting in between would find it neither, and take it for a call to repeat.
	var origin string
	defer func() {
		if origin != "" {
			eng.origins.End(origin)
		}
	}()
	defer func() { eng.outcomeReturned(ctx, e, repeated != nil) }()
	switch {
	case op.operationID != "":
		e, err = eng.findByOperationID(op, key)
	case repeated != nil:
		e, err = eng.entry(repeated.ID) // as it is now: the call it waited for may have finished it
	}
	if err != nil {
		return Payment{}, nil, false, err
	}
	if e != nil {
		switch e.State {
		case journal.StateDone:
			eng.logMoneyOp(e, paymentFromJournal(e), nil, true)
			return eng.recordedPayment(ctx, op.unit, e), e, false, nil
		case journal.StateRejected:
			err = outcomeError(e)
			eng.logMoneyOp(e, Payment{}, err, true)
			return Payment{}, e, false, err
		}
		// Open, failed or not created: finished with its own key and body.
		if e.State != journal.StateOpen && (e.Acknowledged || eng.seen.Has(e.ID)) {
			// The till saw that it was certainly not carried out, and makes it again: this
			// call is in progress like a first call. Its entry is written open and unseen
			// again, and an alike call made meanwhile is another operation, not a repeat of
			// one whose outcome the till never missed.
			origin = e.ID
			eng.origins.Begin(origin)
		}
		p, err = eng.attempt(ctx, op.unit, e)
		return p, e, true, err
	}
	if op.reference == "" {
		if op.reference, op.body, err = op.newCheckout(); err != nil {
			return Payment{}, nil, false, err
		}
	}
	e = &journal.Entry{ID: key, IdempotencyKey: key, Operation: op.kind, Reference: op.reference, Unit: op.unit.name,
		MSN: op.unit.msn, Method: "POST", Path: vipps.OperationPath(op.kind, op.reference), Body: op.body, Intent: op.intent, OperationID: op.operationID,
		Amount: op.amount, Currency: op.currency}
	if p, made, err := eng.madeBefore(ctx, op, e); err != nil || made {
		if err != nil {
			eng.logMoneyOp(e, Payment{}, err, false)
			return Payment{}, nil, false, err
		}
		eng.recordOutcome(e, p, nil) // found, not sent: recorded as done
		eng.logMoneyOp(e, p, nil, true)
		return p, e, false, nil
	}
	origin = e.ID
	eng.origins.Begin(origin)
	eng.births.note(e.ID, eng.monotonic())
	p, err = eng.attempt(ctx, op.unit, e)
	if e.Attempts == 0 { // never written: nothing of it exists
		return p, nil, false, err
	}
	return p, e, true, err
}

// attempt sends an entry - new, open, or certainly not carried out before - and records the
// outcome. An open capture, refund or cancel is looked up in Vipps' event log first: Vipps
// keeps an Idempotency-Key for a limited time, so an old key sent again could be a second
// operation. So is a failed one that may have happened after all (failedButMayHaveHappened:
// an older vmp's, or an old one); a failed one made a moment ago is sent again at once. A
// failure after an attempt that may have been applied is settled by Vipps' record, never taken
// as it is (settle.go).
func (eng *Engine) attempt(ctx context.Context, u *Unit, e *journal.Entry) (Payment, error) {
	wasOpen := e.State == journal.StateOpen && e.Attempts > 0 // an earlier call or process may have carried it out
	failedMayHaveHappened, earlier := eng.failedButMayHaveHappened(e)
	mayHaveHappened := wasOpen || failedMayHaveHappened
	t := eng.trackerFor(u, e.Reference)
	if mayHaveHappened && e.Operation != journal.OpCreate {
		happened, err := eng.atVipps(ctx, t, e)
		if err != nil {
			// Vipps keeps an Idempotency-Key for a limited time: sent again without knowing
			// whether the earlier attempt happened, the key may be a new operation. It stays
			// as it is (open, or failed) and is sent again only once the event log can be read
			// and tells.
			if wasOpen {
				earlier = " was attempted before without an answer"
			}
			err = &model.Error{Code: abi.CodeUnknownOutcome, Err: err, Message: "the " + e.Operation + " of " + e.Reference +
				earlier + ", and Vipps' event log did not tell whether it happened (" +
				err.Error() + "): it was not sent again; repeat the call later (with the same operation id) to finish it, or check it " +
				"in the Vipps portal and acknowledge it (vmp_acknowledge)"}
			eng.logMoneyOp(e, Payment{}, err, false)
			return Payment{}, err
		}
		if happened {
			p, err := eng.readNow(ctx, t)
			if err != nil {
				p, _ = t.Snapshot()
			}
			eng.recordOutcome(e, p, nil)
			eng.logMoneyOp(e, p, nil, false)
			return p, nil
		}
	}
	failpoint("before_journal_write", e.Operation)
	before := *e
	e.State, e.Acknowledged, e.Attempts = journal.StateOpen, false, e.Attempts+1
	// Until this call's outcome replaces it, the journal says the attempt may be on its way for
	// as long as the call may take and InFlightLimit after: a process that dies after sending
	// leaves that to its restart, whose recovery must not take "not at Vipps yet" for "never
	// reached Vipps" (a create marked not_created, a capture failed on its repeat's answer).
	e.InFlightUntil = max(before.InFlightUntil, eng.now().Add(eng.retry.Budget+eng.InFlightLimit()).UnixMilli())
	if err := eng.putEntry(e); err != nil {
		failpoint("entry_write_failed", e.Operation)
		holds := eng.fileHolds(e)
		if !holds {
			*e = before // the file keeps the state it had, and so does memory
			eng.seen.Saved(e.ID)
		}
		if !holds && !wasOpen {
			return Payment{}, journalWriteError(err)
		}
		// The file this process reads - and the next, after a restart without a reboot - has
		// the entry open, and recovery would send it: the commit failed after its meta page
		// was written (the fdatasync after it), or an earlier attempt left it open (a journal
		// refuses every write after such a commit until a restart: journal.ErrDiskFailed).
		// Nothing was sent, but the till must not be told it never will be. Memory keeps the
		// open state and writes it again.
		return Payment{}, &model.Error{Code: abi.CodeUnknownOutcome, Err: err, Message: "journal: writing the " + e.Operation +
			" failed (" + err.Error() + ") after the journal may have recorded it: it was not sent, but recovery would " +
			"send it; repeat the call (with the same operation id) to finish it"}
	}
	failpoint("after_journal_write", e.Operation)
	p, a, err := eng.sendEntry(ctx, t, e)
	e.InFlightUntil = before.InFlightUntil // this process saw the call end
	if a.InFlight || a.MaybeApplied || err == nil {
		// On its way, or carried out (or maybe) and not in the event log yet: Vipps does not
		// say how soon the log lists an operation - one it answered as done included (the
		// capture check reads the log right after).
		eng.markInFlight(e)
	}
	if err != nil && model.CodeOf(err) != abi.CodeUnknownOutcome && (a.MaybeApplied || mayHaveHappened) {
		p, err = eng.settleFailure(t, e, err, a)
	} else if err == nil && (a.MaybeApplied || mayHaveHappened) && e.Operation != journal.OpCreate {
		// The answer may be a replay of an earlier attempt's, with the figures of then.
		if fresh, rerr := eng.readNow(ctx, t); rerr == nil {
			p = fresh
		}
	}
	failpoint("after_response", e.Operation)
	if werr := eng.recordOutcome(e, p, err); werr != nil {
		// The file still has the entry open, and recovery after a restart would look it up
		// and send it again: the till must not be told it was not carried out.
		eng.seen.Saved(e.ID) // memory holds nothing the file has not: it is open
		e.State = journal.StateOpen
		e.Outcome = &journal.Outcome{Code: int32(abi.CodeUnknownOutcome), Message: "the outcome could not be recorded: " + werr.Error()}
		err = &model.Error{Code: abi.CodeUnknownOutcome, Err: err, Message: model.CodeOf(err).String() + " (" + err.Error() + "), but the journal " +
			"could not record that (" + werr.Error() + "), and a restart's recovery would send it again; repeat the call (with the same operation id) " +
			"to finish it"}
	}
	failpoint("after_outcome", e.Operation)
	eng.logMoneyOp(e, p, err, false)
	if e.Operation == journal.OpCreate && e.State == journal.StateOpen {
		eng.noteUnsettledCreate(u, e)
	}
	return p, err
}

// fileHolds reports whether the journal, as this process reads it, holds e in the state whose
// write just failed: a commit can fail after its meta page is written. Read by reference, so
// an entry the journal's id map does not know yet is found too.
func (eng *Engine) fileHolds(e *journal.Entry) bool {
	list, err := eng.journal.ForReferenceOperation(e.Reference, e.Operation)
	if err != nil {
		return true // unreadable: it may
	}
	for _, f := range list {
		if f.ID == e.ID && f.State == e.State && f.Attempts == e.Attempts {
			return true
		}
	}
	return false
}

// recordedPayment is the payment of a finished operation returned again: as Vipps reports it
// now when it can be read at once, else as recorded.
func (eng *Engine) recordedPayment(ctx context.Context, u *Unit, e *journal.Entry) Payment {
	p := paymentFromJournal(e)
	if e.Operation == journal.OpCreate {
		return p
	}
	if fresh, err := eng.readNow(ctx, eng.trackerFor(u, e.Reference)); err == nil {
		return fresh
	}
	return p
}

// sendEntry sends the entry's request - its key, its exact body - within the retry layer and
// returns the payment it produced, and whether any attempt may have been applied.
func (eng *Engine) sendEntry(ctx context.Context, t *Tracker, e *journal.Entry) (Payment, retry.Attempts, error) {
	var p Payment
	what := e.Operation + " of " + e.Reference
	if e.Operation == journal.OpCreate {
		what = "checkout " + e.Reference
	}
	a, err := eng.retry.CallApplied(ctx, what, t.For(APIOf(e.Operation)), true, func(ctx context.Context) error {
		var err error
		p, err = eng.sendOnce(ctx, t.API(), e)
		return err
	})
	if err != nil {
		return Payment{}, a, err
	}
	if p.State == abi.StateUnknown { // a 2xx whose body could not be read: read the payment instead
		read, err := eng.readNow(ctx, t)
		if err != nil {
			// Vipps did act; only the payment as it is now is missing. A definite failure here
			// would make the till's repeat without an operation id a second operation (found by
			// the soak): the entry stays open and a repeat finishes this one.
			a.MaybeApplied = true
			return Payment{}, a, &model.Error{Code: abi.CodeUnknownOutcome, Err: err, Message: what + ": Vipps carried it out, but its answer " +
				"could not be read, nor the payment (" + err.Error() + "); ask again for the payment's status, or repeat the call " +
				"with the same operation id"}
		}
		return read, a, nil
	}
	t.Answered(p, e.Operation == journal.OpCreate)
	return p, a, nil
}

// sendOnce sends the entry's request once. A 2xx whose body is unreadable gives a zero Payment
// and no error: Vipps did act.
func (eng *Engine) sendOnce(ctx context.Context, api *vipps.Client, e *journal.Entry) (Payment, error) {
	var resp vipps.ModificationResponse
	var err error
	switch e.Operation {
	case journal.OpCreate:
		var created vipps.CreatePaymentResponse
		if created, err = api.CreatePayment(ctx, e.IdempotencyKey, e.Body); err == nil {
			return Payment{Reference: e.Reference, State: abi.StateCreated, Currency: e.Currency, Amount: e.Amount,
				RedirectURL: created.RedirectURL}, nil
		}
	case journal.OpCapture:
		resp, err = api.CapturePayment(ctx, e.Reference, e.IdempotencyKey, e.Body)
	case journal.OpRefund:
		resp, err = api.RefundPayment(ctx, e.Reference, e.IdempotencyKey, e.Body)
	case journal.OpCancel:
		resp, err = api.CancelPayment(ctx, e.Reference, e.IdempotencyKey, e.Body)
	default:
		return Payment{}, fmt.Errorf("unknown journal operation %q", e.Operation)
	}
	if retry.MalformedAnswer(err) {
		return Payment{}, nil
	}
	if err != nil {
		return Payment{}, err
	}
	return FromModification(resp), nil
}

// recordOutcome writes the outcome of an attempt. An unknown outcome leaves the entry open.
// It never records the outcome as seen by the till: the call has not returned yet (seen.go).
// A capture, refund or cancel that ended a definite failure is written before the call
// returns (recovery would send the file's open copy again after a restart); the error is that
// write's failure. Other outcomes are queued for the next commit.
func (eng *Engine) recordOutcome(e *journal.Entry, p Payment, err error) error {
	code := model.CodeOf(err)
	switch code {
	case abi.CodeOK:
		e.State, e.Payment = journal.StateDone, journalPayment(p)
	case abi.CodeUnknownOutcome, abi.CodeInternal:
		e.State = journal.StateOpen
	case abi.CodeRejected, abi.CodeNotFound, abi.CodeConflict, abi.CodeCustomerNotFound, abi.CodePushNotAllowed:
		e.State = journal.StateRejected
	default: // network, busy, rate-limited, credentials refused: certainly not carried out
		e.State = journal.StateFailed
	}
	e.Outcome = &journal.Outcome{Code: int32(code)}
	if ee, ok := err.(*model.Error); ok {
		e.Outcome.Message = ee.Message
		e.Outcome.HTTPStatus, e.Outcome.VippsErrorCode, e.Outcome.VippsTitle, e.Outcome.TraceID = ee.HTTPStatus, ee.VippsErrorCode, ee.VippsTitle, ee.TraceID
	}
	if (e.State == journal.StateFailed || e.State == journal.StateRejected) && e.Operation != journal.OpCreate {
		return eng.putEntry(e)
	}
	if werr := eng.putEntrySoon(e); werr != nil {
		// Memory keeps the outcome (seen.go) and writes it again later; until then the file
		// has the entry open, which recovery would only finish again with the same key.
		eng.log.Log(abi.LogError, "journal", "writing the outcome of "+e.Operation+" of "+e.Reference+" failed; kept in memory and tried again: "+werr.Error())
	}
	return nil
}

func outcomeError(e *journal.Entry) error {
	if e.Outcome == nil {
		return model.Errorf(abi.CodeRejected, "%s of %s was rejected earlier", e.Operation, e.Reference)
	}
	return &model.Error{Code: abi.Code(e.Outcome.Code), Message: e.Outcome.Message + " (recorded earlier; nothing was sent again)",
		VippsAnswer: model.VippsAnswer{HTTPStatus: e.Outcome.HTTPStatus, VippsErrorCode: e.Outcome.VippsErrorCode,
			VippsTitle: e.Outcome.VippsTitle, TraceID: e.Outcome.TraceID}}
}

func journalPayment(p Payment) *journal.Payment {
	return &journal.Payment{State: p.State.String(), Currency: p.Currency, Amount: p.Amount,
		Authorized: p.Authorized, Captured: p.Captured, Refunded: p.Refunded, Cancelled: p.Cancelled,
		RedirectURL: p.RedirectURL}
}

func paymentFromJournal(e *journal.Entry) Payment {
	p := Payment{Reference: e.Reference, Currency: e.Currency, Amount: e.Amount}
	if jp := e.Payment; jp != nil {
		p = Payment{Reference: e.Reference, State: abi.ParseState(jp.State), Currency: jp.Currency, Amount: jp.Amount,
			Authorized: jp.Authorized, Captured: jp.Captured, Refunded: jp.Refunded, Cancelled: jp.Cancelled,
			RedirectURL: jp.RedirectURL}
	}
	return p
}

// operationLock names the lock that serialises all work on one operation (IntentLocks): every
// call, recovery, settle-by-poll and seen-flush takes it. With the till's id it is the
// operation, reference and id - what findByOperationID finds an entry by - and never the
// Idempotency-Key: an older vmp derived other keys (journal.MayHoldOlderKeys), and a call with
// the id locking this version's key while recovery locked the entry's older one finished it
// twice at once. The sales unit is left out, as a vmp 0.1 entry names it otherwise (no MSN);
// two units' operations of one reference and id only wait for each other. Two calls with one id
// but different amounts are one operation, and must not both write it. Without an id: its
// intent.
func operationLock(operation, reference, operationID, intent string) string {
	if operationID != "" {
		return "id|" + operation + "\x00" + reference + "\x00" + operationID
	}
	return "intent|" + intent
}

// lock is the operation's lock as the till asked for it (a checkout without a reference has
// no id, and takes its intent's).
func (op moneyOp) lock() string {
	return operationLock(op.kind, op.reference, op.operationID, op.intent)
}

// lockOf is the lock of the operation an entry in the journal records.
func lockOf(e *journal.Entry) string {
	return operationLock(e.Operation, e.Reference, e.OperationID, e.Intent)
}

func journalWriteError(err error) *model.Error {
	return &model.Error{Code: abi.CodeJournal, Message: "journal: writing the operation failed, so it was not sent: " + err.Error(), Err: err}
}
