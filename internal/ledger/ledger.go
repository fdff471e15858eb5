// Package ledger is the chain ledger: every till's vmp publishes its journal's payment records
// (core/journal/payment_record.go) to one PostgreSQL database of the chain's, from the journal
// as an outbox (core/journal/outbox.go), and answers vmp_find_payments and vmp_payment_totals
// for the whole chain from it (query.go).
//
// A payment never waits on PostgreSQL: the money operations only write the journal; this
// package's one goroutine publishes what the outbox names, in order, at least once, and the
// upserts (upsert.go) store each payment and operation exactly once. When PostgreSQL is down or
// slow the backlog stays in the journal; Status and the log say how far behind it is. The
// connection string's credentials never reach a log record or an error text (redact.go).
package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core/journal"
)

// Config is what the ledger needs.
type Config struct {
	// ConnString is the PostgreSQL connection string (URL or key=value); it may hold a password.
	ConnString string
	// Chain names the chain in every row: chains sharing a database never see each other's rows.
	Chain string
	// StoreID and PosID name the till in the rows it publishes.
	StoreID, PosID string
	// Timeout bounds a connect, a batch and a query; default 10 s.
	Timeout time.Duration
	// Log receives the ledger's log records (warn: a warning, else information).
	Log func(warn bool, message string)
	// Published, when set, learns after each batch how long each change in it waited between
	// its journal commit and its PostgreSQL commit (cmd/vmp-bench's lag figures).
	Published func(lags []time.Duration)
}

// Status is how far the ledger is (vmp_pending's "ledger").
type Status struct {
	Chain string `json:"chain"`
	// Backlog is how many changes of payment records wait in the journal to be published.
	Backlog uint64 `json:"backlog"`
	// LagMS is the age of the oldest of them, in milliseconds (0 when none waits).
	LagMS int64 `json:"lag_ms"`
	// Published counts the changes published since the client started.
	Published       uint64     `json:"published"`
	LastPublishedAt *time.Time `json:"last_published_at,omitempty"`
	// LastError is the last failure to publish, without credentials ("" after a success).
	LastError     string `json:"last_error,omitempty"`
	SchemaVersion int    `json:"schema_version"`
}

// Ledger publishes one till's journal to the chain ledger and queries it.
type Ledger struct {
	cfg     Config
	pg      *pgx.ConnConfig
	j       *journal.Journal
	secrets []string

	stop chan struct{}
	done chan struct{}
	// ctx ends at Close, cutting a connect or batch in progress.
	ctx    context.Context
	cancel context.CancelFunc

	mu            sync.Mutex
	published     uint64
	lastPublished time.Time
	lastErr       string
	schema        int

	queryMu   sync.Mutex // one query at a time on queryConn
	queryConn *pgx.Conn
}

// ErrConfig is a connection string that cannot be used.
var ErrConfig = errors.New("ledger.postgres is not a valid PostgreSQL connection string")

// Open starts publishing j's outbox. It does not connect: a till starts and sells with
// PostgreSQL down.
func Open(cfg Config, j *journal.Journal) (*Ledger, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = func(bool, string) {}
	}
	pg, err := pgx.ParseConfig(cfg.ConnString)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrConfig, redact(err.Error(), []string{cfg.ConnString}))
	}
	pg.ConnectTimeout = cfg.Timeout
	l := &Ledger{cfg: cfg, pg: pg, j: j, secrets: secretsOf(cfg.ConnString, pg), stop: make(chan struct{}), done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	go l.run()
	return l, nil
}

// Close stops publishing (what is left stays in the journal for the next start) and closes
// the connections.
func (l *Ledger) Close() {
	close(l.stop)
	l.cancel()
	<-l.done
	l.queryMu.Lock()
	if l.queryConn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = l.queryConn.Close(ctx)
		cancel()
		l.queryConn = nil
	}
	l.queryMu.Unlock()
}

// Status says how far behind the ledger is.
func (l *Ledger) Status() Status {
	n, oldest, err := l.j.OutboxBacklog()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Status{Chain: l.cfg.Chain, Backlog: n, Published: l.published, LastError: l.lastErr, SchemaVersion: l.schema}
	if err != nil && s.LastError == "" {
		s.LastError = "reading the journal's outbox: " + err.Error()
	}
	if n > 0 {
		s.LagMS = max(0, time.Since(oldest).Milliseconds())
	}
	if !l.lastPublished.IsZero() {
		t := l.lastPublished
		s.LastPublishedAt = &t
	}
	return s
}

// connect opens a connection and makes sure the schema is current.
func (l *Ledger) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.pg.Copy())
	if err != nil {
		return nil, err
	}
	v, err := migrate(ctx, conn, SchemaVersion)
	l.mu.Lock()
	l.schema = v
	l.mu.Unlock()
	if err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// clean is err's text without credentials.
func (l *Ledger) clean(err error) string { return redact(err.Error(), l.secrets) }
