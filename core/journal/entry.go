// Package journal is vmp's write-ahead journal of money-moving operations, kept in a bbolt file.
//
// Every create, capture, refund and cancel is written here, and fsynced, before its request
// leaves, with the exact Idempotency-Key and request body; its outcome is written after. A call
// that got no answer leaves its entry open, so the operation can be finished later — by the
// till repeating the call, by vmp_recover, or by the next vmp_init after a crash — with the same
// key and the same bytes, which Vipps treats as the same operation.
package journal

import (
	"errors"
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// State of an entry.
type State string

const (
	// StateOpen: written before sending; the outcome is not known yet.
	StateOpen State = "open"
	// StateDone: Vipps carried the operation out.
	StateDone State = "done"
	// StateRejected: Vipps refused it for good (a 4xx that is final for its key).
	StateRejected State = "rejected"
	// StateFailed: certainly not carried out (Vipps unreachable, busy, or the credentials were
	// refused); repeating the operation with its key is safe.
	StateFailed State = "failed"
	// StateNotCreated: recovery found that a payment create never reached Vipps.
	StateNotCreated State = "not_created"
)

// Operation names.
const (
	OpCreate  = "create"
	OpCapture = "capture"
	OpRefund  = "refund"
	OpCancel  = "cancel"
)

// recordVersion is the encoding version of Entry; a newer file is refused, never misread.
const recordVersion = 1

// Entry is one money-moving operation. It holds what recovery needs and nothing more: the exact
// request (which may contain the customer's phone number, so the file is private to its user)
// and the outcome.
type Entry struct {
	Version   int    `json:"v"`
	ID        string `json:"id"` // equals IdempotencyKey
	Operation string `json:"op"`
	Reference string `json:"ref"`
	Unit      string `json:"unit,omitempty"` // the sales unit's config name ("" the till's own), for people
	// MSN is the Merchant-Serial-Number the operation was sent for: what identifies its sales
	// unit, since a unit's config name can change. Empty in entries of vmp 0.1.
	MSN            string    `json:"msn,omitempty"`
	IdempotencyKey string    `json:"key"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Body           []byte    `json:"body,omitempty"` // exact bytes; base64 in the record
	Intent         string    `json:"intent"`         // what the till asked for; matches a repeated call
	OperationID    string    `json:"op_id,omitempty"`
	Amount         int64     `json:"amount,omitempty"`
	Currency       string    `json:"currency,omitempty"`
	State          State     `json:"state"`
	Acknowledged   bool      `json:"acked"` // the outcome was returned to the till
	Attempts       int       `json:"attempts"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// InFlightUntil (Unix milliseconds) is set when an attempt may still be on its way through
	// Vipps (the library stopped waiting for its answer), or was carried out (or may have been)
	// and Vipps' event log may not list it yet: until then, an operation missing from the
	// payment's event log may still appear there. It is written with every attempt, before
	// the request leaves, as the end of the call's time and that margin: what a process that
	// died inside the call leaves to its restart.
	InFlightUntil int64    `json:"in_flight_until,omitempty"`
	Outcome       *Outcome `json:"outcome,omitempty"`
	Payment       *Payment `json:"payment,omitempty"`
}

// Outcome of the last attempt: the engine's status code and what Vipps said.
type Outcome struct {
	Code           int32  `json:"code"`
	HTTPStatus     int    `json:"http_status,omitempty"`
	VippsErrorCode string `json:"vipps_error_code,omitempty"`
	VippsTitle     string `json:"vipps_title,omitempty"`
	TraceID        string `json:"trace_id,omitempty"`
	Message        string `json:"message,omitempty"`
}

// Payment is the payment as Vipps reported it after the operation.
type Payment struct {
	State      string `json:"state"`
	Currency   string `json:"currency"`
	Amount     int64  `json:"amount"`
	Authorized int64  `json:"authorized"`
	Captured   int64  `json:"captured"`
	Refunded   int64  `json:"refunded"`
	Cancelled  int64  `json:"cancelled"`
	// RedirectURL is the QR target URL of a customer-facing QR payment.
	RedirectURL string `json:"redirect_url,omitempty"`
}

// Finished reports whether the entry has a definite outcome.
func (e *Entry) Finished() bool { return e.State != StateOpen }

func (e *Entry) encode() ([]byte, error) {
	e.Version = recordVersion
	return wirejson.Marshal(e)
}

// DecodeEntry decodes one journal record, checking that it is complete and of a known version.
func DecodeEntry(data []byte) (*Entry, error) {
	var e Entry
	if err := wirejson.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("journal record is not valid: %w", err)
	}
	switch {
	case e.Version != recordVersion:
		return nil, fmt.Errorf("journal record version %d is not %d (written by another vmp version?)", e.Version, recordVersion)
	case e.ID == "" || e.IdempotencyKey != e.ID || e.Reference == "" || e.Method == "" || e.Path == "":
		return nil, errors.New("journal record lacks its id, key, reference or request")
	}
	switch e.Operation {
	case OpCreate, OpCapture, OpRefund, OpCancel:
	default:
		return nil, fmt.Errorf("journal record has unknown operation %q", e.Operation)
	}
	switch e.State {
	case StateOpen, StateDone, StateRejected, StateFailed, StateNotCreated:
	default:
		return nil, fmt.Errorf("journal record has unknown state %q", e.State)
	}
	return &e, nil
}
