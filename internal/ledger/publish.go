package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core/journal"
)

const (
	batchSize = 256
	// behindWarning: a backlog older than this is reported in the log, again every
	// behindRepeat while it lasts.
	behindWarning = 10 * time.Second
	behindRepeat  = time.Minute
	retryFirst    = 500 * time.Millisecond
	retryMax      = 30 * time.Second
	// idleCheck: the outbox is looked at this often even without a signal (a change a
	// previous run left, a signal lost to a full channel).
	idleCheck = time.Second
)

// run publishes the outbox until Close.
func (l *Ledger) run() {
	defer close(l.done)
	defer func() {
		if r := recover(); r != nil {
			l.cfg.Log(true, fmt.Sprintf("ledger: publishing stopped after an internal error: %v; the backlog stays in the journal", r))
		}
	}()
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(ctx)
			cancel()
		}
	}()
	ready := l.j.OutboxReady()
	wait, failing := time.Duration(0), false
	var warned time.Time
	for {
		if wait > 0 {
			select {
			case <-l.stop:
				return
			case <-time.After(wait):
			}
		}
		var err error
		conn, err = l.publishAll(conn)
		select {
		case <-l.stop:
			return // an error now is the Close cutting the batch short
		default:
		}
		if err != nil {
			if conn != nil {
				_ = conn.Close(context.Background())
				conn = nil
			}
			msg := l.clean(err)
			l.mu.Lock()
			l.lastErr = msg
			l.mu.Unlock()
			if !failing {
				st := l.Status()
				l.cfg.Log(true, fmt.Sprintf("ledger: cannot publish to PostgreSQL (%s); %d changes wait in the journal and are published when it is back", msg, st.Backlog))
				failing, warned = true, time.Now()
			}
			wait = min(max(2*wait, retryFirst), retryMax)
			l.reportBehind(&warned)
			continue
		}
		if failing {
			l.cfg.Log(false, "ledger: PostgreSQL is back; the backlog is published")
			failing = false
		}
		wait = 0
		select {
		case <-l.stop:
			return
		case <-ready:
		case <-time.After(idleCheck):
		}
	}
}

// reportBehind logs how far behind the ledger is when its backlog is old, at most once a
// behindRepeat.
func (l *Ledger) reportBehind(warned *time.Time) {
	st := l.Status()
	if time.Duration(st.LagMS)*time.Millisecond < behindWarning || time.Since(*warned) < behindRepeat {
		return
	}
	*warned = time.Now()
	l.cfg.Log(true, fmt.Sprintf("ledger: %d changes behind, the oldest %.0f s old: %s", st.Backlog, float64(st.LagMS)/1000, st.LastError))
}

// publishAll publishes the outbox until it is empty or a batch fails; it returns the
// connection to keep.
func (l *Ledger) publishAll(conn *pgx.Conn) (*pgx.Conn, error) {
	for {
		select {
		case <-l.stop:
			return conn, nil
		default:
		}
		items, err := l.j.Outbox(batchSize)
		if err != nil {
			return conn, fmt.Errorf("reading the journal's outbox: %w", err)
		}
		if len(items) == 0 {
			return conn, nil
		}
		ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
		if conn == nil {
			if conn, err = l.connect(ctx); err != nil {
				cancel()
				return nil, err
			}
		}
		records := make([]*journal.PaymentRecord, 0, len(items))
		var last uint64
		for _, it := range items {
			last = max(last, it.Seq)
			if it.Record != nil {
				records = append(records, it.Record)
			}
		}
		err = l.publishBatch(ctx, conn, records)
		cancel()
		if err != nil {
			return conn, err
		}
		l.j.OutboxPublished(last)
		if l.cfg.Published != nil {
			now, lags := time.Now(), make([]time.Duration, len(items))
			for i, it := range items {
				lags[i] = now.Sub(it.At)
			}
			l.cfg.Published(lags)
		}
		l.mu.Lock()
		l.published += uint64(len(items))
		l.lastPublished, l.lastErr = time.Now(), ""
		l.mu.Unlock()
	}
}
