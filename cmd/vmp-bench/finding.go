package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/find"
)

// fillJournal writes n payments into j - each a create and a full capture, with a receipt
// number - from 64 writers at once (the journal's group commit shares their commits), as a
// till's history of n sales.
func fillJournal(j *journal.Journal, tag string, n int) error {
	const writers = 64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += writers {
				if err := putSale(j, tag, i); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func putSale(j *journal.Journal, tag string, i int) error {
	ref, amount := fmt.Sprintf("%s-ref-%07d", tag, i), int64(1000+i%5000)
	body := fmt.Sprintf(`{"customer":{"phoneNumber":"4791234567"},"receipt":{"bottomLine":{"receiptNumber":"%s-R%07d"}}}`, tag, i)
	p := &journal.Payment{State: "AUTHORIZED", Currency: "NOK", Amount: amount, Authorized: amount}
	create := &journal.Entry{ID: "c-" + ref, IdempotencyKey: "c-" + ref, Operation: journal.OpCreate, Reference: ref, MSN: "123456",
		Method: "POST", Path: "/epayment/v1/payments", Body: []byte(body), Intent: "create|" + ref, Amount: amount, Currency: "NOK",
		State: journal.StateDone, Payment: p}
	if err := j.Put(create); err != nil {
		return err
	}
	q := *p
	q.Captured = amount
	capture := &journal.Entry{ID: "k-" + ref, IdempotencyKey: "k-" + ref, Operation: journal.OpCapture, Reference: ref, MSN: "123456",
		Method: "POST", Path: "/epayment/v1/payments/" + ref + "/capture", Intent: "capture|" + ref, OperationID: "op-" + ref,
		Amount: amount, Currency: "NOK", State: journal.StateDone, Payment: &q}
	return j.Put(capture)
}

// measureFinding times vmp_find_payments' and vmp_payment_totals' work in a journal of 100 000
// payments (the journal's indexes and hour totals; the C call adds only its JSON handoff).
func measureFinding(scale int) ([]row, error) {
	dir, err := os.MkdirTemp("", "vmp-bench-find-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	j, err := journal.Open(filepath.Join(dir, "journal.db"), journal.Options{})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	n := 100000 / scale
	start := time.Now()
	if err := fillJournal(j, "bench", n); err != nil {
		return nil, err
	}
	fill := time.Since(start)
	src, ctx, rng := find.JournalSource{J: j}, context.Background(), rand.New(rand.NewSource(1))
	lookups := 2000 / scale
	timeQueries := func(query func(i int) string) ([]time.Duration, error) {
		times := make([]time.Duration, 0, lookups)
		for k := 0; k < lookups; k++ {
			text := query(rng.Intn(n))
			t0 := time.Now()
			q, err := find.ParseQuery([]byte(text), time.Now())
			if err != nil {
				return nil, err
			}
			r, err := src.Find(ctx, q)
			if err != nil {
				return nil, err
			}
			times = append(times, time.Since(t0))
			if len(r.Payments) != 1 {
				return nil, fmt.Errorf("find %s: %d payments", text, len(r.Payments))
			}
		}
		return times, nil
	}
	byRef, err := timeQueries(func(i int) string { return fmt.Sprintf(`{"reference":"bench-ref-%07d"}`, i) })
	if err != nil {
		return nil, err
	}
	byReceipt, err := timeQueries(func(i int) string { return fmt.Sprintf(`{"receipt_number":"bench-R%07d"}`, i) })
	if err != nil {
		return nil, err
	}
	totals := func(text string) ([]time.Duration, error) {
		var times []time.Duration
		for k := 0; k < 50; k++ {
			t0 := time.Now()
			q, err := find.ParseTotalsQuery([]byte(text), time.Now())
			if err != nil {
				return nil, err
			}
			r, err := src.Totals(ctx, q)
			if err != nil {
				return nil, err
			}
			times = append(times, time.Since(t0))
			if len(r.Totals) != 1 || r.Totals[0].Captures != n {
				return nil, fmt.Errorf("totals %s: %+v", text, r.Totals)
			}
		}
		return times, nil
	}
	day, err := totals(`{}`) // today, local time: whole hours
	if err != nil {
		return nil, err
	}
	from := start.Add(-time.Hour).Add(time.Second).Format(time.RFC3339)
	scan, err := totals(fmt.Sprintf(`{"from":%q,"to":%q}`, from, time.Now().Add(time.Hour).Format(time.RFC3339)))
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("journal of %d payments (filled in %.0f s by 64 writers)", n, fill.Seconds())
	return []row{
		{Section: "find", Metric: "find by reference, p99", Value: percentile(byRef, 99), Unit: "ms", Note: note + "; target ≤ 5 ms"},
		{Section: "find", Metric: "find by reference, median", Value: percentile(byRef, 50), Unit: "ms", Note: fmt.Sprintf("%d look-ups", lookups)},
		{Section: "find", Metric: "find by receipt number, p99", Value: percentile(byReceipt, 99), Unit: "ms", Note: "target ≤ 5 ms"},
		{Section: "find", Metric: "find by receipt number, median", Value: percentile(byReceipt, 50), Unit: "ms", Note: ""},
		{Section: "find", Metric: "day totals, p99", Value: percentile(day, 99), Unit: "ms", Note: fmt.Sprintf("%d payments that day, from the hour totals; target ≤ 50 ms", n)},
		{Section: "find", Metric: "totals of a range not on whole hours, p99", Value: percentile(scan, 99), Unit: "ms", Note: "adds up every record of the days"},
	}, nil
}
