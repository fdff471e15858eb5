package ledger

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/find"
	"github.com/vmp-dev/vmp/internal/model"
)

// Find answers vmp_find_payments for the chain. Every query is bound to the ledger's chain.
func (l *Ledger) Find(ctx context.Context, q find.Query) (find.Result, error) {
	res := find.Result{Payments: []find.Record{}}
	err := l.query(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		where, args := []string{"chain = $1"}, []any{l.cfg.Chain}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
		}
		if q.Reference != "" {
			add("reference = ?", q.Reference)
		}
		if q.ReceiptNumber != "" {
			add("receipt_number = ?", q.ReceiptNumber)
		}
		if q.OperationID != "" {
			add("EXISTS (SELECT 1 FROM vmp_payment_operations o WHERE o.chain = p.chain AND o.msn = p.msn AND o.reference = p.reference AND o.operation_id = ?)", q.OperationID)
		}
		if q.MSN != "" {
			add("msn = ?", q.MSN)
		}
		if q.State != "" {
			add("state = ?", q.State)
		}
		if q.Amount != nil {
			add("amount = ?", *q.Amount)
		}
		if from, to := q.Range(); !from.IsZero() {
			add("created_at >= ?", from)
			add("created_at < ?", to)
		}
		args = append(args, q.Limit+1)
		rows, err := conn.Query(ctx, `SELECT msn, reference, sales_unit, state, currency, amount, authorized, captured, refunded, cancelled,
			psp_reference, receipt_number, phone_masked, own, created_at, updated_at FROM vmp_payments p WHERE `+
			strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY created_at DESC, msn, reference LIMIT $%d", len(args)), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r find.Record
			if err := rows.Scan(&r.MSN, &r.Reference, &r.SalesUnit, &r.State, &r.Currency, &r.Amount, &r.Authorized, &r.Captured,
				&r.Refunded, &r.Cancelled, &r.PSPReference, &r.ReceiptNumber, &r.Phone, &r.Own, &r.CreatedAt, &r.UpdatedAt); err != nil {
				rows.Close()
				return err
			}
			r.Version, r.Operations = 1, []journal.RecordOperation{}
			res.Payments = append(res.Payments, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(res.Payments) > q.Limit {
			res.Payments, res.Truncated = res.Payments[:q.Limit], true
		}
		return l.addOperations(ctx, conn, res.Payments)
	})
	return res, err
}

// addOperations fills in the payments' operations, oldest first.
func (l *Ledger) addOperations(ctx context.Context, conn *pgx.Conn, payments []find.Record) error {
	if len(payments) == 0 {
		return nil
	}
	msns, refs := make([]string, len(payments)), make([]string, len(payments))
	at := map[[2]string]int{}
	for i, p := range payments {
		msns[i], refs[i] = p.MSN, p.Reference
		at[[2]string{p.MSN, p.Reference}] = i
	}
	rows, err := conn.Query(ctx, `SELECT o.msn, o.reference, o.key, o.operation, o.operation_id, o.amount, o.state, o.at
		FROM vmp_payment_operations o JOIN unnest($2::text[], $3::text[]) AS w(msn, reference) USING (msn, reference)
		WHERE o.chain = $1 ORDER BY o.at, o.key`, l.cfg.Chain, msns, refs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var msn, ref, state string
		var op journal.RecordOperation
		if err := rows.Scan(&msn, &ref, &op.Key, &op.Operation, &op.OperationID, &op.Amount, &state, &op.At); err != nil {
			return err
		}
		op.State = journal.State(state)
		if i, ok := at[[2]string{msn, ref}]; ok {
			payments[i].Operations = append(payments[i].Operations, op)
		}
	}
	return rows.Err()
}

// Totals answers vmp_payment_totals for the chain.
func (l *Ledger) Totals(ctx context.Context, q find.TotalsQuery) (find.TotalsResult, error) {
	from, to := q.Range()
	res := find.TotalsResult{From: from, To: to, Totals: []find.Total{}}
	err := l.query(ctx, func(ctx context.Context, conn *pgx.Conn) error {
		by := map[[2]string]*find.Total{}
		total := func(msn, currency string) *find.Total {
			k := [2]string{msn, currency}
			if by[k] == nil {
				by[k] = &find.Total{MSN: msn, Currency: currency}
			}
			return by[k]
		}
		rows, err := conn.Query(ctx, `SELECT o.msn, p.currency, o.operation, count(*), coalesce(sum(o.amount), 0)
			FROM vmp_payment_operations o JOIN vmp_payments p USING (chain, msn, reference)
			WHERE o.chain = $1 AND o.state = 'done' AND o.at >= $2 AND o.at < $3 AND o.operation IN ('capture', 'refund', 'cancel')
			AND ($4 = '' OR o.msn = $4) GROUP BY 1, 2, 3`, l.cfg.Chain, from, to, q.MSN)
		if err != nil {
			return err
		}
		for rows.Next() {
			var msn, currency, op string
			var n int
			var sum int64
			if err := rows.Scan(&msn, &currency, &op, &n, &sum); err != nil {
				rows.Close()
				return err
			}
			t := total(msn, currency)
			switch op {
			case journal.OpCapture:
				t.Captures, t.Captured = n, sum
			case journal.OpRefund:
				t.Refunds, t.Refunded = n, sum
			case journal.OpCancel:
				t.Cancels, t.Cancelled = n, sum
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = conn.Query(ctx, `SELECT msn, currency, count(*) FROM vmp_payments
			WHERE chain = $1 AND own AND state = 'AUTHORIZED' AND created_at >= $2 AND created_at < $3 AND ($4 = '' OR msn = $4)
			GROUP BY 1, 2`, l.cfg.Chain, from, to, q.MSN)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var msn, currency string
			var n int
			if err := rows.Scan(&msn, &currency, &n); err != nil {
				return err
			}
			total(msn, currency).Payments = n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range by {
			res.Totals = append(res.Totals, *x)
		}
		find.SortTotals(res.Totals)
		return nil
	})
	return res, err
}

// query runs fn on the query connection (made on first use, made again after a failure),
// bounded by the ledger's timeout.
func (l *Ledger) query(ctx context.Context, fn func(context.Context, *pgx.Conn) error) error {
	l.queryMu.Lock()
	defer l.queryMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	if l.queryConn == nil {
		conn, err := l.connect(ctx)
		if err != nil {
			return l.unavailable(err)
		}
		l.queryConn = conn
	}
	if err := fn(ctx, l.queryConn); err != nil {
		_ = l.queryConn.Close(context.Background())
		l.queryConn = nil
		return l.unavailable(err)
	}
	return nil
}

func (l *Ledger) unavailable(err error) error {
	return &model.Error{Code: abi.CodeUnavailable, Message: "ledger: PostgreSQL could not answer: " + l.clean(err)}
}
