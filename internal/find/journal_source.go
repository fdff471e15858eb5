package find

import (
	"context"
	"slices"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Source answers the queries: the till's journal, or the chain ledger.
type Source interface {
	Find(ctx context.Context, q Query) (Result, error)
	Totals(ctx context.Context, q TotalsQuery) (TotalsResult, error)
}

// JournalSource answers from the till's own journal, through its indexes: a reference, a
// receipt number or an operation id is a key lookup; a range walks the creation index newest
// first and stops at the limit.
type JournalSource struct{ J *journal.Journal }

// Find answers q.
func (s JournalSource) Find(_ context.Context, q Query) (Result, error) {
	var candidates []*Record
	if err := s.J.CommitQueued(); err != nil { // outcomes already returned to the till count
		return Result{}, journalError(err)
	}
	var err error
	switch {
	case q.Reference != "":
		candidates, err = s.J.PaymentsByReference(q.Reference)
	case q.ReceiptNumber != "":
		candidates, err = s.J.PaymentsByReceipt(q.ReceiptNumber)
	case q.OperationID != "":
		candidates, err = s.J.PaymentsByOperationID(q.OperationID)
	default:
		res := Result{Payments: []Record{}}
		err = s.J.PaymentsCreated(q.from, q.to, func(r *Record) bool {
			if !q.Matches(r) {
				return true
			}
			if len(res.Payments) == q.Limit {
				res.Truncated = true
				return false
			}
			res.Payments = append(res.Payments, *r)
			return true
		})
		return res, journalError(err)
	}
	if err != nil {
		return Result{}, journalError(err)
	}
	slices.SortStableFunc(candidates, func(a, b *Record) int { return b.CreatedAt.Compare(a.CreatedAt) })
	res := Result{Payments: []Record{}}
	for _, r := range candidates {
		if !q.Matches(r) {
			continue
		}
		if len(res.Payments) == q.Limit {
			res.Truncated = true
			break
		}
		res.Payments = append(res.Payments, *r)
	}
	return res, nil
}

// Totals answers q: from the journal's hour totals when the range is made of whole hours (a
// day is), else by adding up the records.
func (s JournalSource) Totals(_ context.Context, q TotalsQuery) (TotalsResult, error) {
	if err := s.J.CommitQueued(); err != nil {
		return TotalsResult{}, journalError(err)
	}
	by := map[[2]string]*Total{}
	whole, err := s.J.HourTotals(q.from, q.to, func(msn, currency string, h journal.HourTotal) {
		if q.MSN != "" && msn != q.MSN {
			return
		}
		k := [2]string{msn, currency}
		if by[k] == nil {
			by[k] = &Total{MSN: msn, Currency: currency}
		}
		x := by[k]
		x.Payments += int(h.Payments)
		x.Captures, x.Captured = x.Captures+int(h.Captures), x.Captured+h.Captured
		x.Refunds, x.Refunded = x.Refunds+int(h.Refunds), x.Refunded+h.Refunded
		x.Cancels, x.Cancelled = x.Cancels+int(h.Cancels), x.Cancelled+h.Cancelled
	})
	if err != nil {
		return TotalsResult{}, journalError(err)
	}
	if whole {
		r := TotalsResult{From: q.from, To: q.to, Totals: []Total{}}
		for _, x := range by {
			if *x != (Total{MSN: x.MSN, Currency: x.Currency}) {
				r.Totals = append(r.Totals, *x)
			}
		}
		SortTotals(r.Totals)
		return r, nil
	}
	t := NewTally(q)
	if err := s.J.PaymentsChanged(q.from, q.to, t.Add); err != nil {
		return TotalsResult{}, journalError(err)
	}
	return t.Result(), nil
}

func journalError(err error) error {
	if err == nil {
		return nil
	}
	return &model.Error{Code: abi.CodeJournal, Message: "journal: reading: " + err.Error(), Err: err}
}
