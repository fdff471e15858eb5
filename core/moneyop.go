package core

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
)

// moneyOp is one money-moving operation as the till asked for it.
type moneyOp struct {
	unit      *salesUnit
	kind      string // journal.OpCreate, OpCapture, OpRefund, OpCancel
	reference string
	amount    int64
	currency  string
	// operationID is the till's id for the operation (for a create: its explicit reference); it
	// fixes the Idempotency-Key. Empty means the library's own rule decides.
	operationID string
	// intent is what the till asked for, as a string: a repeated identical call has the same.
	intent string
	path   string
	body   []byte
}

// runMoneyOp is the one way money moves. The rule (documented in vmp.h):
//   - The operation is looked up in the journal first: by its operation id when it has one,
//     otherwise as an unacknowledged operation with the same intent — one whose outcome the till
//     never saw, because the call returned VMP_ERR_UNKNOWN_OUTCOME or the process died.
//   - Found and finished: its recorded outcome is returned; nothing is sent.
//   - Found and open (or certainly not carried out): it is sent again with its own key and body.
//   - Not found: a new entry is written and fsynced, then sent.
//
// The outcome is written after the answer; only a definite outcome counts as seen by the till.
//
// sent reports whether this call sent the request (rather than returning a recorded outcome).
func (c *Client) runMoneyOp(ctx context.Context, op moneyOp) (p Payment, e *journal.Entry, sent bool, err error) {
	unlock := c.intents.lock(op.intent)
	defer unlock()
	e, err = c.findEntry(op)
	if err != nil {
		return Payment{}, nil, false, err
	}
	maybeDone := e != nil && e.State == journal.StateOpen // an earlier call may have carried it out
	if e != nil {
		switch e.State {
		case journal.StateDone:
			p, e, err = c.acknowledge(e, paymentFromJournal(e), nil)
			return p, e, false, err
		case journal.StateRejected:
			p, e, err = c.acknowledge(e, Payment{}, outcomeError(e))
			return p, e, false, err
		}
	} else {
		key := idempotencyKey(op.kind, unitScoped(op.unit, op.reference), op.operationID)
		e = &journal.Entry{ID: key, IdempotencyKey: key, Operation: op.kind, Reference: op.reference, Unit: op.unit.name,
			Method: "POST", Path: op.path, Body: op.body, Intent: op.intent, OperationID: op.operationID,
			Amount: op.amount, Currency: op.currency}
	}
	failpoint("before_journal_write", op.kind)
	e.State, e.Acknowledged, e.Attempts = journal.StateOpen, false, e.Attempts+1
	if err := c.journal.Put(e); err != nil {
		return Payment{}, e, false, journalWriteError(err)
	}
	failpoint("after_journal_write", op.kind)
	p, err = c.sendEntry(ctx, e)
	if maybeDone {
		err = stillUnknown(e, err)
	}
	failpoint("after_response", op.kind)
	c.recordOutcome(e, p, err, true)
	return p, e, true, err
}

// stillUnknown is the outcome of sending an entry again that an earlier call (or process) may
// have carried out: a failure that only says this call's attempts did nothing - refused before
// anything happened, not sent at all, blocked by the rate limit - leaves it unknown, and the
// entry open, so the till's next repeat finishes that same operation. As a definite failure the
// entry would count as seen, and a repeat without an operation id would be a second operation
// (found by the soak).
func stillUnknown(e *journal.Entry, err error) error {
	switch CodeOf(err) {
	case CodeNetwork, CodeUnavailable, CodeRateLimited, CodeAuth:
		return &Error{Code: CodeUnknownOutcome, Err: err, Message: err.Error() + " - an earlier attempt of this " + e.Operation +
			" may have been carried out; ask again for the payment's status, or repeat the call with the same operation id"}
	}
	return err
}

// findEntry looks the operation up in the journal (see runMoneyOp).
func (c *Client) findEntry(op moneyOp) (*journal.Entry, error) {
	var e *journal.Entry
	var err error
	if op.operationID != "" {
		e, err = c.journal.Get(idempotencyKey(op.kind, unitScoped(op.unit, op.reference), op.operationID))
	} else {
		e, err = c.journal.FindUnacknowledged(op.intent)
	}
	if err != nil {
		return nil, &Error{Code: CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	if e != nil && e.Intent != op.intent {
		if op.kind == journal.OpCreate {
			return nil, newError(CodeConflict, "reference %q was already used for a checkout of %d %s; use a new reference", e.Reference, e.Amount, e.Currency)
		}
		return nil, newError(CodeConflict, "operation id %q was already used for %s of %d on %s; this call asks for something else - use a new operation id",
			op.operationID, e.Operation, e.Amount, e.Reference)
	}
	return e, nil
}

// sendEntry sends the entry's request - its key, its exact body - within the retry layer and
// returns the payment it produced.
func (c *Client) sendEntry(ctx context.Context, e *journal.Entry) (Payment, error) {
	u, err := c.unitNamed(e.Unit)
	if err != nil {
		return Payment{}, newError(CodeInvalidConfig, "journal operation %s is for sales unit %q, which the configuration no longer has", e.ID, e.Unit)
	}
	t := c.trackerFor(u, e.Reference)
	var p Payment
	what := e.Operation + " of " + e.Reference
	if e.Operation == journal.OpCreate {
		what = "checkout " + e.Reference
	}
	err = c.retryCall(ctx, what, t, true, func(ctx context.Context) error {
		var err error
		p, err = c.sendOnce(ctx, u.api, e)
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	if p.State == StateUnknown { // a 2xx whose body could not be read: read the payment instead
		read, err := c.readNow(ctx, t)
		if err != nil {
			// Vipps did act; only the payment as it is now is missing. A definite failure here
			// would make the till's repeat without an operation id a second operation (found by
			// the soak): the entry stays open and a repeat finishes this one.
			return Payment{}, &Error{Code: CodeUnknownOutcome, Err: err, Message: what + ": Vipps carried it out, but its answer " +
				"could not be read, nor the payment (" + err.Error() + "); ask again for the payment's status, or repeat the call " +
				"with the same operation id"}
		}
		return read, nil
	}
	t.mu.Lock()
	if e.Operation == journal.OpCreate {
		t.since = time.Now()
	}
	t.update(p)
	t.mu.Unlock()
	return p, nil
}

// sendOnce sends the entry's request once. A 2xx whose body is unreadable gives a zero Payment
// and no error: Vipps did act.
func (c *Client) sendOnce(ctx context.Context, api *vipps.Client, e *journal.Entry) (Payment, error) {
	var resp vipps.ModificationResponse
	var err error
	switch e.Operation {
	case journal.OpCreate:
		var created vipps.CreatePaymentResponse
		if created, err = api.CreatePayment(ctx, e.IdempotencyKey, e.Body); err == nil {
			return Payment{Reference: e.Reference, State: StateCreated, Currency: e.Currency, Amount: e.Amount,
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
	if isMalformedAnswer(err) {
		return Payment{}, nil
	}
	if err != nil {
		return Payment{}, err
	}
	return paymentFromModification(resp), nil
}

// recordOutcome writes the outcome of an attempt. An unknown outcome leaves the entry open.
// seen says whether the outcome is being returned to the till.
func (c *Client) recordOutcome(e *journal.Entry, p Payment, err error, seen bool) {
	code := CodeOf(err)
	switch code {
	case CodeOK:
		e.State, e.Payment = journal.StateDone, journalPayment(p)
	case CodeUnknownOutcome, CodeInternal:
		e.State = journal.StateOpen
	case CodeRejected, CodeNotFound, CodeConflict:
		e.State = journal.StateRejected
	default: // network, busy, rate-limited, credentials refused: certainly not carried out
		e.State = journal.StateFailed
	}
	e.Acknowledged = seen && e.State != journal.StateOpen
	e.Outcome = &journal.Outcome{Code: int32(code)}
	if ee, ok := err.(*Error); ok {
		e.Outcome.HTTPStatus, e.Outcome.VippsErrorCode, e.Outcome.Message = ee.HTTPStatus, ee.VippsErrorCode, ee.Message
	}
	// If this write fails the entry stays open, and finishing it again later is harmless: the
	// same key and body are the same operation.
	_ = c.journal.Put(e)
	if seen {
		c.logMoneyOp(e, p, err, false)
	}
}

func (c *Client) acknowledge(e *journal.Entry, p Payment, err error) (Payment, *journal.Entry, error) {
	c.logMoneyOp(e, p, err, true)
	if !e.Acknowledged {
		e.Acknowledged = true
		_ = c.journal.Put(e)
	}
	return p, e, err
}

func outcomeError(e *journal.Entry) error {
	if e.Outcome == nil {
		return newError(CodeRejected, "%s of %s was rejected earlier", e.Operation, e.Reference)
	}
	return &Error{Code: Code(e.Outcome.Code), Message: e.Outcome.Message + " (recorded earlier; nothing was sent again)",
		HTTPStatus: e.Outcome.HTTPStatus, VippsErrorCode: e.Outcome.VippsErrorCode}
}

func journalPayment(p Payment) *journal.Payment {
	return &journal.Payment{State: p.State.String(), Currency: p.Currency, Amount: p.Amount,
		Authorized: p.Authorized, Captured: p.Captured, Refunded: p.Refunded, Cancelled: p.Cancelled,
		RedirectURL: p.RedirectURL}
}

func paymentFromJournal(e *journal.Entry) Payment {
	p := Payment{Reference: e.Reference, Currency: e.Currency, Amount: e.Amount}
	if jp := e.Payment; jp != nil {
		p = Payment{Reference: e.Reference, State: ParseState(jp.State), Currency: jp.Currency, Amount: jp.Amount,
			Authorized: jp.Authorized, Captured: jp.Captured, Refunded: jp.Refunded, Cancelled: jp.Cancelled,
			RedirectURL: jp.RedirectURL}
	}
	return p
}

// intentLocks serialises operations with the same intent, so a repeated call and recovery never
// work on one entry at once. Entries are dropped when unused, so the map does not grow.
type intentLocks struct {
	mu    sync.Mutex
	locks map[string]*intentLock
}

type intentLock struct {
	mu   sync.Mutex
	refs int
}

// busy reports whether a call with this intent is in progress now.
func (l *intentLocks) busy(intent string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.locks[intent] != nil
}

func (l *intentLocks) lock(intent string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*intentLock)
	}
	il := l.locks[intent]
	if il == nil {
		il = &intentLock{}
		l.locks[intent] = il
	}
	il.refs++
	l.mu.Unlock()
	il.mu.Lock()
	return func() {
		il.mu.Unlock()
		l.mu.Lock()
		if il.refs--; il.refs == 0 {
			delete(l.locks, intent)
		}
		l.mu.Unlock()
	}
}
