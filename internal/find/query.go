// Package find answers vmp_find_payments and vmp_payment_totals: the queries (query.go), their
// answer over the till's own journal (journal_source.go) and the totals rule (totals.go). The
// chain ledger (internal/ledger) answers the same queries for every till of the chain.
package find

import (
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Sources of an answer.
const (
	SourceTill  = "till"  // the till's own journal (default)
	SourceChain = "chain" // the chain ledger (config "ledger")
)

// Limits of a query: a range longer than a year or outside 2000..2199 is a mistake, not a
// search; results are capped so an answer stays small.
const (
	MaxRange     = 366 * 24 * time.Hour
	DefaultLimit = 100
	MaxLimit     = 1000
	maxTextBytes = 256
)

var (
	earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Record is a payment as found: the journal's payment record (core/journal/payment_record.go).
type Record = journal.PaymentRecord

// Query is vmp_find_payments' JSON. Every criterion given must match.
type Query struct {
	Source        string `json:"source"`
	Reference     string `json:"reference"`
	ReceiptNumber string `json:"receipt_number"`
	OperationID   string `json:"operation_id"`
	// From and To bound the payment's creation time, [from, to), RFC 3339; or Date, a day of
	// the process's local time zone ("2026-12-05"). Without them and without reference,
	// receipt_number or operation_id: the last 24 hours.
	From   string `json:"from"`
	To     string `json:"to"`
	Date   string `json:"date"`
	Amount *int64 `json:"amount"`
	State  string `json:"state"`
	MSN    string `json:"msn"`
	Limit  int    `json:"limit"`

	from, to time.Time
}

// Range is the creation-time range the query asked for.
func (q Query) Range() (from, to time.Time) { return q.from, q.to }

// Result is vmp_find_payments' answer, newest first.
type Result struct {
	Payments []Record `json:"payments"`
	// Truncated: more payments matched than the limit.
	Truncated bool `json:"truncated"`
	// Units names, for each store of the answer the till acts for, its sales unit in the
	// till's configuration: what a refund for another store opens (never a typed MSN).
	Units map[string]string `json:"units"`
}

// ParseQuery decodes and checks vmp_find_payments' JSON.
func ParseQuery(data []byte, now time.Time) (Query, error) {
	var q Query
	if err := wirejson.UnmarshalStrict(data, &q); err != nil {
		return Query{}, &model.Error{Code: abi.CodeInvalidJSON, Message: "find: " + err.Error(), Err: err}
	}
	if err := checkSource(q.Source); err != nil {
		return Query{}, err
	}
	for name, v := range map[string]string{"reference": q.Reference, "receipt_number": q.ReceiptNumber, "operation_id": q.OperationID, "msn": q.MSN} {
		if len(v) > maxTextBytes || strings.ContainsRune(v, 0) {
			return Query{}, model.Errorf(abi.CodeInvalidArgument, "find: %s is longer than %d bytes or holds a NUL", name, maxTextBytes)
		}
	}
	if q.Amount != nil && *q.Amount <= 0 {
		return Query{}, model.Errorf(abi.CodeInvalidArgument, "find: amount must be > 0 (minor units), is %d", *q.Amount)
	}
	if q.State != "" && abi.ParseState(q.State) == abi.StateUnknown && q.State != journal.StateNotCreatedName {
		return Query{}, model.Errorf(abi.CodeInvalidArgument, "find: state %q is not CREATED, AUTHORIZED, ABORTED, EXPIRED or TERMINATED", model.Truncate(q.State, 20))
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		return Query{}, model.Errorf(abi.CodeInvalidArgument, "find: limit must be 1 to %d, is %d", MaxLimit, q.Limit)
	}
	keyed := q.Reference != "" || q.ReceiptNumber != "" || q.OperationID != ""
	from, to, given, err := parseRange("find", q.From, q.To, q.Date, now)
	if err != nil {
		return Query{}, err
	}
	if !given && !keyed {
		from, to = now.Add(-24*time.Hour), now.Add(time.Minute)
	}
	q.from, q.to = from, to
	return q, nil
}

// Matches reports whether r meets every criterion of q.
func (q Query) Matches(r *Record) bool {
	switch {
	case q.Reference != "" && r.Reference != q.Reference,
		q.ReceiptNumber != "" && r.ReceiptNumber != q.ReceiptNumber,
		q.MSN != "" && r.MSN != q.MSN,
		q.State != "" && r.State != q.State,
		q.Amount != nil && r.Amount != *q.Amount,
		!q.from.IsZero() && (r.CreatedAt.Before(q.from) || !r.CreatedAt.Before(q.to)):
		return false
	case q.OperationID != "":
		for _, op := range r.Operations {
			if op.OperationID == q.OperationID {
				return true
			}
		}
		return false
	}
	return true
}

func checkSource(s string) error {
	switch s {
	case "", SourceTill, SourceChain:
		return nil
	}
	return model.Errorf(abi.CodeInvalidArgument, "source %q is not \"till\" or \"chain\"", model.Truncate(s, 20))
}

// parseRange reads from/to (RFC 3339) or date (a local day); given says whether any was.
func parseRange(what, fromText, toText, date string, now time.Time) (from, to time.Time, given bool, err error) {
	switch {
	case date != "" && (fromText != "" || toText != ""):
		return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: give either date or from/to, not both", what)
	case date != "":
		day, err := time.ParseInLocation("2006-01-02", date, now.Location())
		if err != nil {
			return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: date %q is not YYYY-MM-DD", what, model.Truncate(date, 20))
		}
		from, to = day, day.AddDate(0, 0, 1)
	case fromText != "" || toText != "":
		if fromText == "" || toText == "" {
			return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: from and to go together", what)
		}
		if from, err = time.Parse(time.RFC3339Nano, fromText); err == nil {
			to, err = time.Parse(time.RFC3339Nano, toText)
		}
		if err != nil {
			return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: from and to are RFC 3339 times (2026-12-05T00:00:00+01:00): %v", what, err)
		}
	default:
		return from, to, false, nil
	}
	switch {
	case !to.After(from):
		return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: to must be after from", what)
	case to.Sub(from) > MaxRange:
		return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: a range is at most 366 days, this is %.0f", what, to.Sub(from).Hours()/24)
	case from.Before(earliest) || to.After(latest):
		return from, to, false, model.Errorf(abi.CodeInvalidArgument, "%s: the range must lie between the years 2000 and 2199", what)
	}
	return from, to, true, nil
}
