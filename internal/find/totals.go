package find

import (
	"slices"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// TotalsQuery is vmp_payment_totals' JSON: a day of the local time zone, or [from, to); one
// store (msn) or all.
type TotalsQuery struct {
	Source string `json:"source"`
	Date   string `json:"date"`
	From   string `json:"from"`
	To     string `json:"to"`
	MSN    string `json:"msn"`

	from, to time.Time
}

// Range is the time range of the totals.
func (q TotalsQuery) Range() (from, to time.Time) { return q.from, q.to }

// Total is what moved in one currency at one store in the range. Captures, refunds and cancels
// count on the day they were carried out (whatever day the payment was made); payments counts
// the payments created in the range that the customer approved.
type Total struct {
	MSN       string `json:"msn"`
	Currency  string `json:"currency"`
	Payments  int    `json:"payments"`
	Captured  int64  `json:"captured"`
	Captures  int    `json:"captures"`
	Refunded  int64  `json:"refunded"`
	Refunds   int    `json:"refunds"`
	Cancelled int64  `json:"cancelled"`
	Cancels   int    `json:"cancels"`
}

// TotalsResult is vmp_payment_totals' answer, sorted by store and currency.
type TotalsResult struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Totals []Total   `json:"totals"`
}

// ParseTotalsQuery decodes and checks vmp_payment_totals' JSON; without a range it is today.
func ParseTotalsQuery(data []byte, now time.Time) (TotalsQuery, error) {
	var q TotalsQuery
	if err := wirejson.UnmarshalStrict(data, &q); err != nil {
		return TotalsQuery{}, &model.Error{Code: abi.CodeInvalidJSON, Message: "totals: " + err.Error(), Err: err}
	}
	if err := checkSource(q.Source); err != nil {
		return TotalsQuery{}, err
	}
	if len(q.MSN) > maxTextBytes {
		return TotalsQuery{}, model.Errorf(abi.CodeInvalidArgument, "totals: msn is longer than %d bytes", maxTextBytes)
	}
	from, to, given, err := parseRange("totals", q.From, q.To, q.Date, now)
	if err != nil {
		return TotalsQuery{}, err
	}
	if !given {
		y, m, d := now.Date()
		from = time.Date(y, m, d, 0, 0, 0, 0, now.Location())
		to = from.AddDate(0, 0, 1)
	}
	q.from, q.to = from, to
	return q, nil
}

// Tally adds records up into totals.
type Tally struct {
	q  TotalsQuery
	by map[[2]string]*Total
}

// NewTally starts the totals of q.
func NewTally(q TotalsQuery) *Tally { return &Tally{q: q, by: map[[2]string]*Total{}} }

// Add counts what of r falls in the range.
func (t *Tally) Add(r *Record) {
	if t.q.MSN != "" && r.MSN != t.q.MSN {
		return
	}
	in := func(at time.Time) bool { return !at.Before(t.q.from) && at.Before(t.q.to) }
	total := func() *Total {
		k := [2]string{r.MSN, r.Currency}
		if t.by[k] == nil {
			t.by[k] = &Total{MSN: r.MSN, Currency: r.Currency}
		}
		return t.by[k]
	}
	if r.Own && in(r.CreatedAt) && r.State == abi.StateAuthorized.String() {
		total().Payments++
	}
	for _, op := range r.Operations {
		if op.State != journal.StateDone || !in(op.At) {
			continue
		}
		switch op.Operation {
		case journal.OpCapture:
			x := total()
			x.Captured, x.Captures = x.Captured+op.Amount, x.Captures+1
		case journal.OpRefund:
			x := total()
			x.Refunded, x.Refunds = x.Refunded+op.Amount, x.Refunds+1
		case journal.OpCancel:
			x := total()
			x.Cancelled, x.Cancels = x.Cancelled+op.Amount, x.Cancels+1
		}
	}
}

// Result is the totals added up.
func (t *Tally) Result() TotalsResult {
	r := TotalsResult{From: t.q.from, To: t.q.to, Totals: []Total{}}
	for _, x := range t.by {
		r.Totals = append(r.Totals, *x)
	}
	SortTotals(r.Totals)
	return r
}

// SortTotals sorts totals by store, then currency.
func SortTotals(ts []Total) {
	slices.SortFunc(ts, func(a, b Total) int {
		if c := strings.Compare(a.MSN, b.MSN); c != 0 {
			return c
		}
		return strings.Compare(a.Currency, b.Currency)
	})
}
