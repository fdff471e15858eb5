package journal

import (
	"slices"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/redact"
)

// PaymentRecord is what the journal keeps of one payment for finding it again (vmp_find_payments),
// the day's totals (vmp_payment_totals), the payments the till must still finish (vmp_pending)
// and the chain ledger (internal/ledger). It is kept for the retention after its last change,
// independent of the operations' entries, and it never holds the customer's phone number in
// full nor any request body.
//
// It is written in the transaction of the entry it comes from (Put), so it costs no commit of
// its own; what a status read or webhook told of the payment rides on the next commit
// (payment_notes.go).
type PaymentRecord struct {
	Version   int    `json:"v"`
	MSN       string `json:"msn"`
	Reference string `json:"reference"`
	// SalesUnit is the sales unit's config name at the till that made the record ("" its own).
	SalesUnit     string `json:"sales_unit,omitempty"`
	State         string `json:"state"`
	Currency      string `json:"currency,omitempty"`
	Amount        int64  `json:"amount"`
	Authorized    int64  `json:"authorized"`
	Captured      int64  `json:"captured"`
	Refunded      int64  `json:"refunded"`
	Cancelled     int64  `json:"cancelled"`
	PSPReference  string `json:"psp_reference,omitempty"`
	ReceiptNumber string `json:"receipt_number,omitempty"`
	// Phone is the customer's number masked ("47******67"); never the number itself.
	Phone string `json:"phone,omitempty"`
	// Own says this till created the payment; a record of another store's payment this till
	// refunded (partner keys) has only that operation.
	Own        bool              `json:"own"`
	Operations []RecordOperation `json:"operations"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	// Acknowledged: the host said it knows the payment is left authorized (vmp_acknowledge
	// "payment:<reference>"), so vmp_pending no longer lists it.
	Acknowledged bool `json:"acknowledged,omitempty"`
	// Rev counts the record's changes in this journal: the ledger's outbox publishes each.
	Rev int64 `json:"rev"`
}

// RecordOperation is one money-moving operation of the payment.
type RecordOperation struct {
	// Key is the operation's Idempotency-Key: the same operation whichever till reports it.
	Key         string `json:"key"`
	Operation   string `json:"operation"`
	OperationID string `json:"operation_id,omitempty"`
	// Amount moved: for a cancel, what it cancelled.
	Amount int64     `json:"amount"`
	State  State     `json:"state"`
	At     time.Time `json:"at"`
}

// paymentRecordVersion is the encoding version of PaymentRecord.
const paymentRecordVersion = 1

// Uncaptured reports whether the payment may still hold the customer's money and the till has
// not finished it: authorized (or not known to have left CREATED) with something neither
// captured nor cancelled, and not acknowledged by the host.
func (r *PaymentRecord) Uncaptured() bool {
	if !r.Own || r.Acknowledged {
		return false
	}
	for _, op := range r.Operations {
		if op.Operation == OpCreate && op.State != StateDone && op.State != StateOpen {
			return false // the payment was refused or never reached Vipps
		}
	}
	switch abi.ParseState(r.State) {
	case abi.StateAuthorized:
		return r.Authorized-r.Captured-r.Cancelled > 0
	case abi.StateUnknown, abi.StateCreated:
		return true
	}
	return false
}

// laterState is the state after both: a payment leaves CREATED once, for one final state.
func laterState(known, seen string) string {
	k, s := abi.ParseState(known), abi.ParseState(seen)
	switch {
	case k.Final():
		return known
	case s.Final(), s == abi.StateCreated:
		return seen
	case known == "":
		return seen
	}
	return known
}

// mergePayment takes a view of the payment in: amounts only grow, the state only advances,
// fields the view lacks are kept. It reports whether anything changed.
func (r *PaymentRecord) mergePayment(p ObservedPayment) bool {
	before := *r
	r.State = laterState(r.State, p.State)
	r.Authorized = max(r.Authorized, p.Authorized)
	r.Captured = max(r.Captured, p.Captured)
	r.Refunded = max(r.Refunded, p.Refunded)
	r.Cancelled = max(r.Cancelled, p.Cancelled)
	if r.Amount == 0 {
		r.Amount = p.Amount
	}
	if r.Currency == "" {
		r.Currency = p.Currency
	}
	if r.PSPReference == "" {
		r.PSPReference = p.PSPReference
	}
	return r.State != before.State || r.Authorized != before.Authorized || r.Captured != before.Captured ||
		r.Refunded != before.Refunded || r.Cancelled != before.Cancelled || r.Amount != before.Amount ||
		r.Currency != before.Currency || r.PSPReference != before.PSPReference
}

// ObservedPayment is a view of a payment: an operation's answer, a status read, a webhook event.
type ObservedPayment struct {
	State                                             string
	Currency                                          string
	Amount, Authorized, Captured, Refunded, Cancelled int64
	PSPReference                                      string
}

// Apply takes the news of an entry not yet written (memory's copy of a queued outcome) into a
// copy of the record, as the write will.
func (r *PaymentRecord) Apply(e *Entry) {
	r.Operations = slices.Clone(r.Operations)
	r.applyEntry(e)
}

// applyEntry takes an entry's news into the record.
func (r *PaymentRecord) applyEntry(e *Entry) {
	if e.Operation == OpCreate {
		r.Own = true
		r.SalesUnit = e.Unit
		if r.Amount == 0 {
			r.Amount = e.Amount
		}
		if r.Currency == "" {
			r.Currency = e.Currency
		}
		if r.Phone == "" || r.ReceiptNumber == "" {
			phone, receipt := fromCreateBody(e.Body)
			r.Phone = firstSet(r.Phone, phone)
			r.ReceiptNumber = firstSet(r.ReceiptNumber, receipt)
		}
		if e.State == StateNotCreated {
			r.State = StateNotCreatedName
		}
	}
	if e.State == StateDone && e.Payment != nil {
		p := e.Payment
		r.mergePayment(ObservedPayment{State: p.State, Currency: p.Currency, Amount: p.Amount, Authorized: p.Authorized,
			Captured: p.Captured, Refunded: p.Refunded, Cancelled: p.Cancelled})
	}
	op := RecordOperation{Key: e.ID, Operation: e.Operation, OperationID: e.OperationID, Amount: e.Amount, State: e.State, At: e.UpdatedAt}
	if e.Operation == OpCreate {
		op.OperationID = ""
	}
	i := slices.IndexFunc(r.Operations, func(o RecordOperation) bool { return o.Key == e.ID })
	if e.Operation == OpCancel {
		op.Amount = 0
		if i >= 0 {
			op.Amount = r.Operations[i].Amount
		}
		if e.State == StateDone && op.Amount == 0 {
			// What the payment has cancelled that none of its other cancels has: the answer of
			// an operation Vipps carried out after this cancel (a refund, another thread's status
			// read) may have brought the amount into the record before this cancel's outcome.
			op.Amount = max(0, r.Cancelled-r.cancelledBy(e.ID))
		}
	}
	if i >= 0 {
		if r.Operations[i].State == StateDone { // a finished operation never moves back
			return
		}
		r.Operations[i] = op
		return
	}
	r.Operations = append(r.Operations, op)
}

// cancelledBy is what the record's finished cancels but the one of key add up to.
func (r *PaymentRecord) cancelledBy(notKey string) int64 {
	var n int64
	for _, op := range r.Operations {
		if op.Operation == OpCancel && op.State == StateDone && op.Key != notKey {
			n += op.Amount
		}
	}
	return n
}

// StateNotCreatedName is the record state of a payment whose create certainly never reached
// Vipps.
const StateNotCreatedName = "NOT_CREATED"

// fromCreateBody reads the masked phone number and the receipt number of a create's body.
func fromCreateBody(body []byte) (phone, receipt string) {
	var b struct {
		Customer *struct {
			PhoneNumber string `json:"phoneNumber"`
		} `json:"customer"`
		Receipt *struct {
			BottomLine *struct {
				ReceiptNumber string `json:"receiptNumber"`
			} `json:"bottomLine"`
		} `json:"receipt"`
	}
	if len(body) == 0 || wirejson.Unmarshal(body, &b) != nil {
		return "", ""
	}
	if b.Customer != nil && b.Customer.PhoneNumber != "" {
		phone = redact.PhoneNumber(b.Customer.PhoneNumber)
	}
	if b.Receipt != nil && b.Receipt.BottomLine != nil {
		receipt = b.Receipt.BottomLine.ReceiptNumber
	}
	return phone, receipt
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *PaymentRecord) encode() ([]byte, error) {
	r.Version = paymentRecordVersion
	return wirejson.Marshal(r)
}

// DecodePaymentRecord decodes one payment record.
func DecodePaymentRecord(data []byte) (*PaymentRecord, error) {
	var r PaymentRecord
	if err := wirejson.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
