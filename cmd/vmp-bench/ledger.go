package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/ledger"
	"github.com/vmp-dev/vmp/internal/ledger/pgtest"
)

// measureLedger measures the chain ledger against a real PostgreSQL (Debian's, started in a
// temporary folder with fsync on): 8 tills' journals publishing to one database. Throughput:
// each journal holds a backlog when its ledger starts; records a second until all are in.
// Lag: the tills sell at a steady pace while publishing; the time from a change's journal
// commit to its PostgreSQL commit.
func measureLedger(scale int) ([]row, error) {
	pg, err := pgtest.StartServer(pgtest.Options{Durable: true})
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	dir, err := os.MkdirTemp("", "vmp-bench-ledger-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	const tills = 8
	journals := make([]*journal.Journal, tills)
	for i := range journals {
		if journals[i], err = journal.Open(filepath.Join(dir, fmt.Sprintf("till-%d.db", i)), journal.Options{Outbox: true}); err != nil {
			return nil, err
		}
		defer journals[i].Close()
	}
	// Throughput: a backlog of per payments in each journal (each payment: a create and a
	// capture, so two changes of its record).
	per := 2500 / scale
	for i, j := range journals {
		if err := fillJournal(j, fmt.Sprintf("t%d", i), per); err != nil {
			return nil, err
		}
	}
	var lagMu sync.Mutex
	var lags []time.Duration
	measuring := false
	start := time.Now()
	ledgers := make([]*ledger.Ledger, tills)
	for i, j := range journals {
		ledgers[i], err = ledger.Open(ledger.Config{ConnString: pg.ConnString("postgres"), Chain: "bench", StoreID: fmt.Sprintf("s%d", i), PosID: "p",
			Published: func(l []time.Duration) {
				lagMu.Lock()
				if measuring {
					lags = append(lags, l...)
				}
				lagMu.Unlock()
			}}, j)
		if err != nil {
			return nil, err
		}
		defer ledgers[i].Close()
	}
	if err := waitCaughtUp(ledgers, 5*time.Minute); err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	records := tills * per
	// Lag under load: every till sells rate payments a second for the run.
	lagMu.Lock()
	measuring = true
	lagMu.Unlock()
	const rate = 40 // payments a second per till: 320 payments, 640 record changes a second in all
	run := 15 * time.Second / time.Duration(scale)
	var wg sync.WaitGroup
	errs := make(chan error, tills)
	for i, j := range journals {
		wg.Add(1)
		go func(i int, j *journal.Journal) {
			defer wg.Done()
			tick := time.NewTicker(time.Second / rate)
			defer tick.Stop()
			end := time.Now().Add(run)
			for k := per; time.Now().Before(end); k++ {
				<-tick.C
				if err := putSale(j, fmt.Sprintf("t%d", i), k); err != nil {
					errs <- err
					return
				}
			}
		}(i, j)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	if err := waitCaughtUp(ledgers, time.Minute); err != nil {
		return nil, err
	}
	lagMu.Lock()
	defer lagMu.Unlock()
	return []row{
		{Section: "ledger", Metric: "publish throughput, 8 tills", Value: float64(records) / elapsed.Seconds(), Unit: "rec/s",
			Note: fmt.Sprintf("%d payment records (2 changes each) waiting in 8 journals, into PostgreSQL %s with fsync; target ≥ 2 000", records, filepath.Base(filepath.Dir(pgtest.Bin())))},
		{Section: "ledger", Metric: "lag while selling, p99", Value: percentile(lags, 99), Unit: "ms",
			Note: fmt.Sprintf("8 tills × %d payments/s for %.0f s, journal commit to PostgreSQL commit, %d changes; target < 1 000 ms", rate, run.Seconds(), len(lags))},
		{Section: "ledger", Metric: "lag while selling, median", Value: percentile(lags, 50), Unit: "ms", Note: ""},
	}, nil
}

func waitCaughtUp(ledgers []*ledger.Ledger, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		behind := uint64(0)
		for _, l := range ledgers {
			st := l.Status()
			behind += st.Backlog
		}
		if behind == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ledger: %d changes still unpublished after %s: %+v", behind, limit, ledgers[0].Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
