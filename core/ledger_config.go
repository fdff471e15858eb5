package core

import (
	"errors"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/ledger"
)

// LedgerConfig is the config's "ledger": the chain ledger on PostgreSQL (internal/ledger,
// docs/FINDING.md).
type LedgerConfig struct {
	// Postgres is the connection string (URL or key=value) of the chain's database. It may
	// hold a password: it never appears in a log record or an error.
	Postgres string `json:"postgres"`
	// Chain names the chain in the ledger's rows; chains sharing a database never see each
	// other's payments. Default "default".
	Chain string `json:"chain"`
}

func (l *LedgerConfig) check() error {
	if l == nil {
		return nil
	}
	if l.Postgres == "" {
		return newError(CodeInvalidConfig, "config: ledger.postgres (the chain database's connection string) is missing")
	}
	if l.Chain == "" {
		l.Chain = "default"
	}
	if len(l.Chain) > 64 {
		return newError(CodeInvalidConfig, "config: ledger.chain is at most 64 bytes")
	}
	return nil
}

// LedgerStatus is how far the chain ledger is (vmp_pending's "ledger").
type LedgerStatus = ledger.Status

// startLedger starts publishing the journal to the chain ledger, when one is configured. It
// does not connect: the till sells while PostgreSQL is down.
func (c *Client) startLedger(cfg Config, j *journal.Journal) error {
	if cfg.Ledger == nil {
		return nil
	}
	l, err := ledger.Open(ledger.Config{ConnString: cfg.Ledger.Postgres, Chain: cfg.Ledger.Chain, StoreID: cfg.StoreID, PosID: cfg.PosID,
		Timeout: time.Duration(cfg.Timeouts.RequestMS) * time.Millisecond,
		Log: func(warn bool, msg string) {
			level := LogInfo
			if warn {
				level = LogWarn
			}
			c.log(level, "ledger", msg)
		}}, j)
	if errors.Is(err, ledger.ErrConfig) {
		return newError(CodeInvalidConfig, "config: %v", err)
	}
	if err != nil {
		return err
	}
	c.ledger, c.ledgerSource = l, l
	return nil
}
