package core

import (
	"context"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/find"
)

// PaymentRecord is what the journal keeps of a payment, and what finding one returns
// (core/journal/payment_record.go).
type PaymentRecord = journal.PaymentRecord

// FindPayments answers vmp_find_payments: the payments matching the query's JSON, from the
// till's journal or (source "chain") the chain ledger (internal/find).
func (c *Client) FindPayments(ctx context.Context, queryJSON []byte) (find.Result, error) {
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return find.Result{}, err
	}
	defer leave()
	q, err := find.ParseQuery(queryJSON, now())
	if err != nil {
		return find.Result{}, err
	}
	src, err := c.findSource(q.Source)
	if err != nil {
		return find.Result{}, err
	}
	res, err := src.Find(ctx, q)
	if err != nil {
		return find.Result{}, err
	}
	res.Units = map[string]string{}
	for _, r := range res.Payments {
		for _, u := range c.units {
			if u.pay.MSN() == r.MSN {
				res.Units[r.MSN] = u.Name()
				break
			}
		}
	}
	return res, nil
}

// PaymentTotals answers vmp_payment_totals: what was captured, refunded and cancelled per store
// and currency in a day or range.
func (c *Client) PaymentTotals(ctx context.Context, queryJSON []byte) (find.TotalsResult, error) {
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return find.TotalsResult{}, err
	}
	defer leave()
	q, err := find.ParseTotalsQuery(queryJSON, now())
	if err != nil {
		return find.TotalsResult{}, err
	}
	src, err := c.findSource(q.Source)
	if err != nil {
		return find.TotalsResult{}, err
	}
	return src.Totals(ctx, q)
}

func (c *Client) findSource(source string) (find.Source, error) {
	if source == find.SourceChain {
		if c.ledgerSource == nil {
			return nil, newError(CodeInvalidArgument, "source \"chain\" needs the chain ledger: config \"ledger\": {\"postgres\": ...}")
		}
		return c.ledgerSource, nil
	}
	return find.JournalSource{J: c.journal}, nil
}
