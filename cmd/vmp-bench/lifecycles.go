package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmp-dev/vmp/core"
)

// lifecycleConcurrency are the numbers of checkouts at a time the lifecycle figures are
// measured at, with vmp here and without it in baseline.go.
var lifecycleConcurrency = []int{1, 8, 32, 64}

// lifecycleCount is how many lifecycles a figure at conc concurrent runs, with vmp and without
// it alike: 2 000 at 8 or more concurrent, so each of 64 workers runs about 30 and the start
// (64 checkouts at once into an empty journal) and the end (the last workers alone) weigh
// little. (Until issue 17 vmp ran 400 at 64, about six each, and the plain client five times
// as many: vmp's figure was mostly its start and its end.)
func lifecycleCount(conc, scale int) int {
	if conc == 1 {
		return max(20, 1000/scale)
	}
	return max(conc*4, 2000/scale)
}

// measureLifecycles runs complete payment lifecycles (checkout, wait for AUTHORIZED, full
// capture) against the embedded simulator, with the journal on, at several concurrencies.
func measureLifecycles(scale int) ([]row, error) {
	var rows []row
	for _, conc := range lifecycleConcurrency {
		total := lifecycleCount(conc, scale)
		perSec, p50, p99, err := runLifecycles(conc, total)
		if err != nil {
			return nil, err
		}
		rows = append(rows, lifecycleRows("lifecycles (journal on)", conc, perSec, p50, p99,
			fmt.Sprintf("%d lifecycles: checkout, poll until AUTHORIZED, capture; embedded simulator, customer approves at once", total))...)
	}
	return rows, nil
}

// lifecycleRows are the two rows of a lifecycle figure: throughput and one lifecycle's time.
func lifecycleRows(section string, conc int, perSec, p50, p99 float64, note string) []row {
	return []row{
		{Section: section, Metric: fmt.Sprintf("payment lifecycles per second, %d concurrent", conc), Value: perSec, Unit: "1/s", Note: note},
		{Section: section, Metric: fmt.Sprintf("one lifecycle, %d concurrent, median / p99", conc), Value: p50, Unit: "ms", Note: fmt.Sprintf("p99 %.1f ms", p99)},
	}
}

func runLifecycles(conc, total int) (perSec, p50, p99 float64, err error) {
	cfg, err := core.ParseConfig([]byte(`{"environment":"simulator","store_id":"bench","simulator":{"approve_delay_ms":0}}`))
	if err != nil {
		return 0, 0, 0, err
	}
	c, err := core.New(cfg)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	perSec, p50, p99, err = runConcurrently(conc, total, func() error { return lifecycle(c) })
	if err != nil {
		return 0, 0, 0, fmt.Errorf("lifecycle at %d concurrent: %w", conc, err)
	}
	return perSec, p50, p99, nil
}

// runConcurrently runs total calls of one, conc at a time, and reports calls per second and
// the median and 99th percentile of one call in milliseconds.
func runConcurrently(conc, total int, one func() error) (perSec, p50, p99 float64, err error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	times := make([]time.Duration, 0, total)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				t0 := time.Now()
				err := one()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				times = append(times, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, 0, firstErr
	}
	return float64(total) / time.Since(start).Seconds(), percentile(times, 50), percentile(times, 99), nil
}

// lifecycleSeq numbers the lifecycles' references: identical checkouts without a reference
// that overlap in time would be one payment under the journal's repeat rule.
var lifecycleSeq atomic.Int64

func lifecycle(c *core.Client) error {
	ctx := context.Background()
	req, err := core.ParseCheckout([]byte(fmt.Sprintf(`{"amount":49900,"phone_number":"4791234567","reference":"bench-%d-%06d"}`,
		time.Now().UnixNano()%1e9, lifecycleSeq.Add(1))))
	if err != nil {
		return err
	}
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		return err
	}
	p, err := c.OwnUnit().PollStatus(ctx, ref, 30*time.Second)
	if err != nil {
		return err
	}
	if p.State != core.StateAuthorized {
		return fmt.Errorf("payment %s ended %v", ref, p.State)
	}
	_, err = c.OwnUnit().Capture(ctx, ref, p.Amount, "bench-capture")
	return err
}
