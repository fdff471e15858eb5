package payments

import (
	"fmt"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/ledger"
	"github.com/vmp-dev/vmp/internal/model"
)

// EntryView is a journal entry as the till sees it (vmp_pending): never the request body, which
// may hold the customer's phone number.
type EntryView struct {
	ID          string       `json:"id"`
	Operation   string       `json:"operation"`
	Reference   string       `json:"reference"`
	SalesUnit   string       `json:"sales_unit,omitempty"`
	Amount      int64        `json:"amount,omitempty"`
	Currency    string       `json:"currency,omitempty"`
	OperationID string       `json:"operation_id,omitempty"`
	State       string       `json:"state"`
	Attempts    int          `json:"attempts"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Outcome     *OutcomeView `json:"outcome,omitempty"`
	Payment     *PaymentView `json:"payment,omitempty"`
}

// OutcomeView is the last outcome of an operation.
type OutcomeView struct {
	Status         string `json:"status"`
	HTTPStatus     int    `json:"http_status,omitempty"`
	VippsErrorCode string `json:"vipps_error_code,omitempty"`
	Message        string `json:"message,omitempty"`
}

// PaymentView is the payment after an operation.
type PaymentView struct {
	State      string `json:"state"`
	Currency   string `json:"currency"`
	Amount     int64  `json:"amount"`
	Authorized int64  `json:"authorized"`
	Captured   int64  `json:"captured"`
	Refunded   int64  `json:"refunded"`
	Cancelled  int64  `json:"cancelled"`
}

// PendingReport lists what the till must know about (vmp_pending).
type PendingReport struct {
	// Open operations were (maybe) sent and have no known outcome yet.
	Open []EntryView `json:"open"`
	// Unacknowledged operations have an outcome the till has not seen: the call returned
	// VMP_ERR_UNKNOWN_OUTCOME or the process ended before it returned.
	Unacknowledged []EntryView `json:"unacknowledged"`
	// Journal says whether the journal is new (newjournal.go).
	Journal JournalView `json:"journal"`
	// Uncaptured are the payments the till must still finish (uncaptured.go).
	Uncaptured []PaymentRecord `json:"uncaptured"`
	// Ledger is how far the chain ledger is behind (set by core; nil without a ledger).
	Ledger *ledger.Status `json:"ledger,omitempty"`
}

// JournalView is the state of the journal itself.
type JournalView struct {
	Path string `json:"path"`
	// New is true from the journal's creation until the host acknowledges "new-journal":
	// meanwhile calls without an operation id on payments it does not know are refused.
	New      bool   `json:"new"`
	NewSince string `json:"new_since,omitempty"`
}

// Pending lists open and unacknowledged operations, oldest first.
func (eng *Engine) Pending() (PendingReport, error) {
	_, leave, err := eng.enter(eng.closing)
	if err != nil {
		return PendingReport{}, err
	}
	defer leave()
	uncaptured, err := eng.uncaptured()
	if err != nil {
		return PendingReport{}, err
	}
	entries, err := eng.journal.Unacknowledged()
	if err != nil {
		return PendingReport{}, &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
	}
	failpoint("pending_read", "")
	since := eng.journalNewSince()
	r := PendingReport{Open: []EntryView{}, Unacknowledged: []EntryView{}, Journal: JournalView{Path: eng.journal.Path(), New: since != "", NewSince: since},
		Uncaptured: uncaptured}
	for _, e := range entries {
		if eng.seen.Has(e.ID) {
			continue // returned to the till; the journal records that shortly (seen.go)
		}
		if mem := eng.seen.UnsavedEntry(e.ID); mem != nil {
			e = mem
		} else if now, err := eng.journal.Get(e.ID); err == nil && now != nil {
			// Memory forgets a state once its commit has landed, which may have happened
			// since the journal was read: read it again, after asking memory.
			if e = now; e.Acknowledged {
				continue
			}
		}
		if e.State == journal.StateOpen {
			r.Open = append(r.Open, viewOf(e))
		} else {
			r.Unacknowledged = append(r.Unacknowledged, viewOf(e))
		}
	}
	return r, nil
}

// Acknowledge records that the till has taken note of a finished operation's outcome, so it is
// no longer listed by Pending and no longer answers a repeated identical call.
func (eng *Engine) Acknowledge(id string) error {
	_, leave, err := eng.enter(eng.closing)
	if err != nil {
		return err
	}
	defer leave()
	if id == "" {
		return model.Errorf(abi.CodeInvalidArgument, "the operation id is empty")
	}
	if id == NewJournalAck {
		return eng.acceptNewJournal()
	}
	if reference, ok := strings.CutPrefix(id, AckPaymentPrefix); ok {
		return eng.acknowledgePayment(reference)
	}
	var e *journal.Entry
	if mem := eng.seen.UnsavedEntry(id); mem != nil {
		// Its latest state is in memory only (queued for a commit, or a failed write).
		e = mem
		if mem.State == journal.StateOpen {
			err = fmt.Errorf("operation %s is still open; resolve it first", id)
		} else if !mem.Acknowledged {
			mem.Acknowledged = true
			if werr := eng.putEntry(mem); werr != nil {
				e, err = nil, werr
			}
		}
	} else {
		e, err = eng.journal.Acknowledge(id)
	}
	switch {
	case e == nil && err == nil:
		return model.Errorf(abi.CodeNotFound, "no operation %q in the journal", model.Truncate(id, 60))
	case e != nil && err != nil:
		return model.Errorf(abi.CodeConflict, "%v", err)
	case err != nil:
		return &model.Error{Code: abi.CodeJournal, Message: "journal: " + err.Error(), Err: err}
	}
	return nil
}

func viewOf(e *journal.Entry) EntryView {
	v := EntryView{ID: e.ID, Operation: e.Operation, Reference: e.Reference, SalesUnit: e.Unit, Amount: e.Amount, Currency: e.Currency,
		OperationID: e.OperationID, State: string(e.State), Attempts: e.Attempts, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if e.Operation == journal.OpCreate {
		v.OperationID = "" // it is the reference
	}
	if o := e.Outcome; o != nil {
		v.Outcome = &OutcomeView{Status: abi.Code(o.Code).String(), HTTPStatus: o.HTTPStatus, VippsErrorCode: o.VippsErrorCode, Message: o.Message}
	}
	if p := e.Payment; p != nil {
		v.Payment = &PaymentView{State: p.State, Currency: p.Currency, Amount: p.Amount, Authorized: p.Authorized,
			Captured: p.Captured, Refunded: p.Refunded, Cancelled: p.Cancelled}
	}
	return v
}

// ReturnedNotWritten reports whether the outcome of entry id was returned to the till and is
// not written as seen in the journal yet (Pending leaves such an entry out).
func (eng *Engine) ReturnedNotWritten(id string) bool { return eng.seen.Has(id) }
