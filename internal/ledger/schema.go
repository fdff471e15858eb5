package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SchemaVersion is the version of the ledger's tables this vmp writes (docs/FINDING.md
// describes them for the back office). vmp creates them in an empty database and migrates an
// older version forward, one step at a time, under an advisory lock so that tills starting
// together migrate once. A database of a newer version is left untouched and not written.
const SchemaVersion = 2

// migrations[i] takes the schema from version i to i+1.
var migrations = []string{
	// 1: the payments, one row per chain, MSN and reference.
	`CREATE TABLE vmp_payments (
		chain          text        NOT NULL,
		msn            text        NOT NULL,
		reference      text        NOT NULL,
		sales_unit     text        NOT NULL DEFAULT '',
		state          text        NOT NULL DEFAULT '',
		currency       text        NOT NULL DEFAULT '',
		amount         bigint      NOT NULL DEFAULT 0,
		authorized     bigint      NOT NULL DEFAULT 0,
		captured       bigint      NOT NULL DEFAULT 0,
		refunded       bigint      NOT NULL DEFAULT 0,
		cancelled      bigint      NOT NULL DEFAULT 0,
		psp_reference  text        NOT NULL DEFAULT '',
		receipt_number text        NOT NULL DEFAULT '',
		phone_masked   text        NOT NULL DEFAULT '',
		own            boolean     NOT NULL DEFAULT false,
		store_id       text        NOT NULL DEFAULT '',
		pos_id         text        NOT NULL DEFAULT '',
		created_at     timestamptz NOT NULL,
		updated_at     timestamptz NOT NULL,
		PRIMARY KEY (chain, msn, reference)
	);
	CREATE INDEX vmp_payments_created ON vmp_payments (chain, created_at);`,
	// 2: each payment's operations (the refund another store made shows under the payment),
	// and look-ups by receipt number and operation id.
	`CREATE TABLE vmp_payment_operations (
		chain        text        NOT NULL,
		msn          text        NOT NULL,
		reference    text        NOT NULL,
		key          text        NOT NULL,
		operation    text        NOT NULL,
		operation_id text        NOT NULL DEFAULT '',
		amount       bigint      NOT NULL DEFAULT 0,
		state        text        NOT NULL,
		at           timestamptz NOT NULL,
		store_id     text        NOT NULL DEFAULT '',
		pos_id       text        NOT NULL DEFAULT '',
		PRIMARY KEY (chain, msn, reference, key)
	);
	CREATE INDEX vmp_payment_operations_at ON vmp_payment_operations (chain, at);
	CREATE INDEX vmp_payment_operations_id ON vmp_payment_operations (chain, operation_id) WHERE operation_id <> '';
	CREATE INDEX vmp_payments_receipt ON vmp_payments (chain, receipt_number) WHERE receipt_number <> '';`,
}

// migrate brings the schema to version target (SchemaVersion outside tests) and returns the
// version the database is at.
func migrate(ctx context.Context, conn *pgx.Conn, target int) (int, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7066312018)`); err != nil { // "vmp ledger schema"
		return 0, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS vmp_ledger_schema (version integer NOT NULL)`); err != nil {
		return 0, err
	}
	version := 0
	err = tx.QueryRow(ctx, `SELECT version FROM vmp_ledger_schema`).Scan(&version)
	switch {
	case err == pgx.ErrNoRows:
		if _, err := tx.Exec(ctx, `INSERT INTO vmp_ledger_schema (version) VALUES (0)`); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	}
	if version > SchemaVersion {
		return version, fmt.Errorf("the ledger's schema is version %d, newer than this vmp's %d: not written (update vmp)", version, SchemaVersion)
	}
	for v := version; v < target; v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return version, fmt.Errorf("migrating the ledger's schema to version %d: %w", v+1, err)
		}
	}
	if target > version {
		if _, err := tx.Exec(ctx, `UPDATE vmp_ledger_schema SET version = $1`, target); err != nil {
			return version, err
		}
		version = target
	}
	return version, tx.Commit(ctx)
}

// MigrateTo brings the database of connString to schema version v; for tests of migration
// (an older schema is made with it).
func MigrateTo(ctx context.Context, connString string, v int) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = migrate(ctx, conn, v)
	return err
}
