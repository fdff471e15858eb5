package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/sim"
)

// benchLatency is the simulated network round trip of the webhook measurements, for the API
// requests and the deliveries alike.
const benchLatency = 20 * time.Millisecond

// approvalsAtATime is how many payments the webhook measurements run concurrently.
const approvalsAtATime = 5

// measureWebhookLatency times how long vmp_poll_status takes to return AUTHORIZED after the
// simulated customer approves, with the webhook receiver on and with polling alone, and counts
// the status reads each payment cost. Customers approve at a random moment 0.3 to 0.8 s after
// the checkout, so approvals fall anywhere in the 500 ms polling schedule. Five payments run at
// a time: the simulator delivers a registration's events one after the other, each taking a
// round trip, so many more would measure its queue rather than the library.
func measureWebhookLatency(scale int) ([]row, error) {
	n := max(4, 200/scale)
	var rows []row
	for _, mode := range []struct {
		name, webhooks string
	}{
		{"receiver on", `,"webhooks":{"listen":"127.0.0.1:0"}`},
		{"polling alone", ""},
	} {
		p50, p99, reads, err := runApprovals(n, mode.webhooks)
		if err != nil {
			return nil, fmt.Errorf("approvals, %s: %w", mode.name, err)
		}
		note := fmt.Sprintf("p99 %.1f ms; time from the customer's approval to vmp_poll_status (waiting) returning; %d payments, %d at a time, %v simulated round trip", p99, n, approvalsAtATime, benchLatency)
		rows = append(rows,
			row{Section: "webhooks", Metric: "approval to AUTHORIZED, " + mode.name + ", median / p99", Value: p50, Unit: "ms", Note: note},
			row{Section: "webhooks", Metric: "status GETs per payment, " + mode.name, Value: reads, Unit: "GETs",
				Note: "from the checkout until vmp_poll_status returned AUTHORIZED"})
	}
	return rows, nil
}

func runApprovals(n int, webhooks string) (p50, p99, readsPerPayment float64, err error) {
	srv, err := sim.Start(sim.Options{Latency: benchLatency})
	if err != nil {
		return 0, 0, 0, err
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "vmp-bench-webhooks-")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.RemoveAll(dir)
	cfg, err := core.ParseConfig([]byte(fmt.Sprintf(`{"environment":"simulator","base_url":%q,"store_id":"bench","journal_path":%q%s}`,
		srv.URL(), filepath.Join(dir, "journal.db"), webhooks)))
	if err != nil {
		return 0, 0, 0, err
	}
	c, err := core.New(cfg)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if webhooks != "" && c.Webhooks().Receiver().Registration != "ok" {
		return 0, 0, 0, fmt.Errorf("the receiver is not registered: %s", c.Webhooks().Receiver().Registration)
	}
	run := time.Now().UnixNano() % 1e9 // identical checkouts in flight would be one payment: each names its own
	reads0 := srv.Stats().Requests["GET /epayment/v1/payments/{reference}"]

	var mu sync.Mutex
	var firstErr error
	times := make([]time.Duration, 0, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < approvalsAtATime; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				d, err := approveOnce(c, srv, fmt.Sprintf("bench-hook-%d-%04d", run, i))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				times = append(times, d)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return 0, 0, 0, firstErr
	}
	reads := srv.Stats().Requests["GET /epayment/v1/payments/{reference}"] - reads0
	return percentile(times, 50), percentile(times, 99), float64(reads) / float64(n), nil
}

// approveOnce runs one checkout to a customer who waits, lets them approve at a random moment
// while the till waits in PollStatus, and returns the time from the approval to PollStatus
// returning AUTHORIZED.
func approveOnce(c *core.Client, srv *sim.Server, reference string) (time.Duration, error) {
	ctx := context.Background()
	req, err := core.ParseCheckout([]byte(`{"amount":49900,"phone_number":"4790000004","reference":"` + reference + `"}`))
	if err != nil {
		return 0, err
	}
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		return 0, err
	}
	type result struct {
		p   core.Payment
		at  time.Time
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := c.OwnUnit().PollStatus(ctx, ref, 30*time.Second)
		done <- result{p, time.Now(), err}
	}()
	time.Sleep(300*time.Millisecond + rand.N(500*time.Millisecond))
	approved := time.Now()
	if err := srv.Approve(ref); err != nil {
		<-done
		return 0, err
	}
	r := <-done
	switch {
	case r.err != nil:
		return 0, r.err
	case r.p.State != core.StateAuthorized:
		return 0, fmt.Errorf("payment %s ended %v", ref, r.p.State)
	}
	return r.at.Sub(approved), nil
}
