package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// measureJournalWrites times one journal write (an entry put and fsynced), which every
// money-moving operation does twice: before sending and after the answer.
func measureJournalWrites(scale int) ([]row, error) {
	dir, err := os.MkdirTemp("", "vmp-bench-journal-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	j, err := journal.Open(filepath.Join(dir, "journal.db"), journal.Options{})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	n := 500 / scale
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("bench-key-%06d", i)
		e := &journal.Entry{ID: key, IdempotencyKey: key, Operation: journal.OpCapture, Reference: "bench-ref-000001",
			Method: "POST", Path: "/epayment/v1/payments/bench-ref-000001/capture",
			Body: []byte(`{"modificationAmount":{"currency":"NOK","value":49900}}`), Intent: key, Amount: 49900,
			Currency: "NOK", State: journal.StateOpen}
		start := time.Now()
		if err := j.Put(e); err != nil {
			return nil, err
		}
		times = append(times, time.Since(start))
	}
	note := fmt.Sprintf("%d writes, bbolt with fsync, on %s", n, os.TempDir())
	return []row{
		{Section: "journal", Metric: "one journal write (fsync included), median", Value: percentile(times, 50), Unit: "ms", Note: note},
		{Section: "journal", Metric: "one journal write (fsync included), p99", Value: percentile(times, 99), Unit: "ms", Note: "a money-moving call writes twice"},
	}, nil
}
