package ledger

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core/journal"
)

// The upserts: a record published again (a crash before the journal noted it published, two
// tills reporting one payment) is stored once, and merged so that nothing moves backwards:
// amounts only grow, a state only advances (laterState in core/journal), a finished operation
// stays finished, fields only fill in.
const upsertPayment = `
INSERT INTO vmp_payments AS p (chain, msn, reference, sales_unit, state, currency, amount, authorized, captured,
	refunded, cancelled, psp_reference, receipt_number, phone_masked, own, store_id, pos_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (chain, msn, reference) DO UPDATE SET
	state = CASE WHEN p.state IN ('AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED') THEN p.state
		WHEN EXCLUDED.state IN ('AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED', 'CREATED') OR p.state = '' THEN EXCLUDED.state
		ELSE p.state END,
	amount = CASE WHEN p.amount = 0 THEN EXCLUDED.amount ELSE p.amount END,
	authorized = GREATEST(p.authorized, EXCLUDED.authorized),
	captured = GREATEST(p.captured, EXCLUDED.captured),
	refunded = GREATEST(p.refunded, EXCLUDED.refunded),
	cancelled = GREATEST(p.cancelled, EXCLUDED.cancelled),
	currency = CASE WHEN p.currency = '' THEN EXCLUDED.currency ELSE p.currency END,
	psp_reference = CASE WHEN p.psp_reference = '' THEN EXCLUDED.psp_reference ELSE p.psp_reference END,
	receipt_number = CASE WHEN p.receipt_number = '' THEN EXCLUDED.receipt_number ELSE p.receipt_number END,
	phone_masked = CASE WHEN p.phone_masked = '' THEN EXCLUDED.phone_masked ELSE p.phone_masked END,
	sales_unit = CASE WHEN EXCLUDED.own AND NOT p.own THEN EXCLUDED.sales_unit ELSE p.sales_unit END,
	store_id = CASE WHEN EXCLUDED.own AND NOT p.own THEN EXCLUDED.store_id ELSE p.store_id END,
	pos_id = CASE WHEN EXCLUDED.own AND NOT p.own THEN EXCLUDED.pos_id ELSE p.pos_id END,
	own = p.own OR EXCLUDED.own,
	created_at = LEAST(p.created_at, EXCLUDED.created_at),
	updated_at = GREATEST(p.updated_at, EXCLUDED.updated_at)`

const upsertOperation = `
INSERT INTO vmp_payment_operations AS o (chain, msn, reference, key, operation, operation_id, amount, state, at, store_id, pos_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (chain, msn, reference, key) DO UPDATE SET
	state = CASE WHEN o.state IN ('done', 'rejected') THEN o.state ELSE EXCLUDED.state END,
	amount = CASE WHEN o.state IN ('done', 'rejected') THEN o.amount ELSE EXCLUDED.amount END,
	at = CASE WHEN o.state IN ('done', 'rejected') THEN o.at ELSE EXCLUDED.at END,
	operation_id = CASE WHEN o.operation_id = '' THEN EXCLUDED.operation_id ELSE o.operation_id END`

// publishBatch stores records in one transaction.
func (l *Ledger) publishBatch(ctx context.Context, conn *pgx.Conn, records []*journal.PaymentRecord) error {
	b := &pgx.Batch{}
	for _, r := range records {
		b.Queue(upsertPayment, l.cfg.Chain, r.MSN, r.Reference, r.SalesUnit, r.State, r.Currency, r.Amount, r.Authorized, r.Captured,
			r.Refunded, r.Cancelled, r.PSPReference, r.ReceiptNumber, r.Phone, r.Own, l.cfg.StoreID, l.cfg.PosID, r.CreatedAt, r.UpdatedAt)
		for _, op := range r.Operations {
			b.Queue(upsertOperation, l.cfg.Chain, r.MSN, r.Reference, op.Key, op.Operation, op.OperationID, op.Amount, string(op.State), op.At,
				l.cfg.StoreID, l.cfg.PosID)
		}
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
}
