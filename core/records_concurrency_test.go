package core

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/ledger/pgtest"
)

// Many threads of a till work on a few payments at once - captures, refunds and cancels with
// and without ids, status reads, new sales, acknowledgements, finds, totals, vmp_pending - so
// that group commits hold several writes and notes of one payment (the journal writes each
// record once a commit, record_changes.go). Afterwards the journal's payment records must be
// the simulator's truth: every operation Vipps carried out done in its record, the amounts as
// Vipps has them, and the indexes and hour totals those records imply.
func TestPaymentRecordsOfManyThreadsAreVippsTruth(t *testing.T) {
	for seed := range 3 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { recordsOfManyThreads(t, uint64(seed), "") })
	}
}

// The same with the chain ledger: PostgreSQL must end with each payment as the journal's record
// has it (the outbox publishes a record once for several changes in one commit).
func TestTheLedgerOfManyThreadsHoldsTheRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	pg := pgtest.Start(t, pgtest.Options{})
	for seed := range 2 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			db := fmt.Sprintf("threads%d", seed)
			if err := pg.CreateDatabase(db); err != nil {
				t.Fatal(err)
			}
			recordsOfManyThreads(t, uint64(seed), pg.ConnString(db))
		})
	}
}

// recordsOfManyThreads runs the threads on a till of its own (publishing to the PostgreSQL of
// ledger, when not "") and checks what they leave.
func recordsOfManyThreads(t *testing.T, seed uint64, ledger string) {
	s, clock := externalSim(t)
	path := filepath.Join(t.TempDir(), "till.db")
	c := clientOn(t, s, path)
	if ledger != "" {
		c.Close()
		cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"store_id":"s1","pos_id":"p1","ledger":{"postgres":%q,"chain":"c"},`+
			`"timeouts":{"connect_ms":300,"request_ms":500,"operation_ms":1500,"recovery_ms":3000}}`, s.URL(), path, ledger)))
		if err != nil {
			t.Fatal(err)
		}
		if c, err = New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	u := c.OwnUnit()
	var refsMu sync.Mutex
	var refs []string
	sale := func(amount int64) (string, error) {
		req, err := ParseCheckout([]byte(fmt.Sprintf(`{"amount":%d,"phone_number":"4712345678","receipt":{"orderLines":[{"name":"A","id":"1","totalAmount":%d,"totalAmountExcludingTax":%d,"totalTaxAmount":%d,"taxPercentage":25}],"bottomLine":{"currency":"NOK","receiptNumber":"R-%d"}}}`,
			amount, amount, amount*4/5, amount-amount*4/5, amount)))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := u.StartCheckout(ctx, req)
		if err != nil {
			return "", err
		}
		refsMu.Lock()
		refs = append(refs, ref)
		refsMu.Unlock()
		_, err = u.PollStatus(ctx, ref, 5*time.Second)
		return ref, err
	}
	for i := range 4 {
		if _, err := sale(10000 + int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { clockOffset.Store(0) })
	var toldMu sync.Mutex
	told := map[string]int{}
	tell := func(what string, err error) {
		toldMu.Lock()
		told[what+" "+CodeOf(err).String()]++
		toldMu.Unlock()
	}
	const workers, phases, perPhase = 8, 3, 6
	for phase := range phases {
		clockOffset.Add(int64(61 * time.Second)) // a fresh rate-limit minute, at the till and at Vipps
		clock.Advance(61 * time.Second)
		var wg sync.WaitGroup
		for w := range workers {
			rng := rand.New(rand.NewPCG(seed, uint64(100*phase+w)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perPhase {
					refsMu.Lock()
					ref := refs[rng.IntN(min(len(refs), 4))] // the first four: shared by every thread
					if rng.IntN(4) == 0 {
						ref = refs[rng.IntN(len(refs))]
					}
					refsMu.Unlock()
					id := ""
					if rng.IntN(2) == 0 {
						id = fmt.Sprintf("op-%d-%d-%d", phase, w, i)
					}
					switch k := rng.IntN(20); {
					case k < 6:
						_, err := u.Capture(ctx, ref, int64(100+rng.IntN(400)), id)
						tell("capture", err)
					case k < 9:
						_, err := u.Refund(ctx, ref, int64(50+rng.IntN(100)), id)
						tell("refund", err)
					case k < 10:
						_, err := u.Cancel(ctx, ref, CancelOptions{}, id)
						tell("cancel", err)
					case k < 12:
						_, _ = u.PollStatus(ctx, ref, 0)
					case k < 13:
						_, err := sale(2000 + int64(rng.IntN(1000)))
						tell("sale", err)
					case k < 14:
						_ = c.Acknowledge("payment:" + ref)
					case k < 16:
						_, _ = c.FindPayments(ctx, []byte(`{"reference":"`+ref+`"}`))
					case k < 17:
						_, _ = c.PaymentTotals(ctx, []byte(`{}`))
					case k < 18:
						_, _ = c.Pending()
					default:
						if id != "" {
							_, _ = c.FindPayments(ctx, []byte(`{"operation_id":"`+id+`"}`))
						}
					}
				}
			}()
		}
		wg.Wait()
	}
	if _, err := c.Recover(ctx, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, ref := range refs { // each record learns the payment as it is now
		if _, err := u.PollStatus(ctx, ref, 0); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d commits; %v", c.journal.Commits(), told)
	for deadline := time.Now().Add(30 * time.Second); ledger != ""; time.Sleep(20 * time.Millisecond) {
		p, err := c.Pending()
		if err == nil && p.Ledger != nil && p.Ledger.Backlog == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ledger did not catch up: %+v %v", p.Ledger, err)
		}
	}
	c.Close()
	problems := recordsAreVippsTruth(t, s, path, refs)
	if ledger != "" {
		problems = append(problems, ledgerHoldsTheRecords(t, ledger, path)...)
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// ledgerHoldsTheRecords compares the payments and operations in the ledger's PostgreSQL with
// the records of the journal at path.
func ledgerHoldsTheRecords(t *testing.T, connString, path string) []string {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Retention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	err = j.PaymentsCreated(time.Unix(0, 0), time.Now().Add(48*time.Hour), func(r *journal.PaymentRecord) bool {
		want["payment "+r.Reference] = fmt.Sprintf("%s %d %d %d %d %d", r.State, r.Amount, r.Authorized, r.Captured, r.Refunded, r.Cancelled)
		for _, op := range r.Operations {
			want["operation "+r.Reference+" "+op.Key] = fmt.Sprintf("%s %s %d %s", op.Operation, op.OperationID, op.Amount, op.State)
		}
		return true
	})
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	got := map[string]string{}
	rows, err := conn.Query(ctx, `SELECT reference, state, amount, authorized, captured, refunded, cancelled FROM vmp_payments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref, state string
		var a, au, c, r, x int64
		if err := rows.Scan(&ref, &state, &a, &au, &c, &r, &x); err != nil {
			t.Fatal(err)
		}
		got["payment "+ref] = fmt.Sprintf("%s %d %d %d %d %d", state, a, au, c, r, x)
	}
	rows.Close()
	rows, err = conn.Query(ctx, `SELECT reference, key, operation, operation_id, amount, state FROM vmp_payment_operations`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref, key, op, id, state string
		var amount int64
		if err := rows.Scan(&ref, &key, &op, &id, &amount, &state); err != nil {
			t.Fatal(err)
		}
		got["operation "+ref+" "+key] = fmt.Sprintf("%s %s %d %s", op, id, amount, state)
	}
	rows.Close()
	var problems []string
	for k, w := range want {
		if got[k] != w {
			problems = append(problems, fmt.Sprintf("%s: the ledger has %q, the journal %q", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			problems = append(problems, fmt.Sprintf("%s: the ledger has %q, the journal nothing", k, g))
		}
	}
	return problems
}

// recordsAreVippsTruth compares the payment records of refs in the (closed) journal at path
// with the simulator's payments, and checks their index keys and the hour totals; it returns
// what differs.
func recordsAreVippsTruth(t *testing.T, s *sim.Server, path string, refs []string) []string {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Retention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var problems []string
	var all []*journal.PaymentRecord
	for _, ref := range refs {
		snap, ok := s.Payment(ref)
		if !ok {
			problems = append(problems, ref+": not at Vipps")
			continue
		}
		list, err := j.PaymentsByReference(ref)
		if err != nil || len(list) != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d records (%v)", ref, len(list), err))
			continue
		}
		r := list[0]
		all = append(all, r)
		agg := snap.Aggregate
		if r.State != string(snap.State) || r.Captured != agg.CapturedAmount.Value || r.Refunded != agg.RefundedAmount.Value ||
			r.Cancelled != agg.CancelledAmount.Value || r.Authorized != agg.AuthorizedAmount.Value {
			problems = append(problems, fmt.Sprintf("%s: the record has %s authorized %d captured %d refunded %d cancelled %d; Vipps %s %+v",
				ref, r.State, r.Authorized, r.Captured, r.Refunded, r.Cancelled, snap.State, agg))
		}
		// Every operation Vipps carried out is done in the record, under its Idempotency-Key.
		done, amounts := map[string]string{}, map[string]int64{}
		for _, op := range r.Operations {
			if op.State == journal.StateDone {
				done[op.Key], amounts[op.Key] = op.Operation, op.Amount
			}
		}
		var carried []string
		for _, e := range snap.Events {
			if !e.Success || e.IdempotencyKey == nil {
				continue
			}
			var op string
			switch e.Name {
			case "CAPTURED":
				op = journal.OpCapture
			case "REFUNDED":
				op = journal.OpRefund
			case "CANCELLED":
				op = journal.OpCancel
			default:
				continue
			}
			carried = append(carried, *e.IdempotencyKey)
			if done[*e.IdempotencyKey] != op {
				problems = append(problems, fmt.Sprintf("%s: Vipps carried out %s %s (%d), the record has it %q", ref, e.Name, *e.IdempotencyKey, e.Amount.Value, done[*e.IdempotencyKey]))
			}
		}
		for key, op := range done {
			// A cancel of a payment with nothing left to cancel is done too. Which of two cancels
			// at once gets the amount is the order their outcomes are written in (applyEntry):
			// the amounts are checked added up, below.
			if op != journal.OpCreate && op != journal.OpCancel && !slices.Contains(carried, key) {
				problems = append(problems, fmt.Sprintf("%s: the record has %s %s (%d) done, Vipps never carried it out", ref, op, key, amounts[key]))
			}
		}
		var cancelled int64
		for key, op := range done {
			if op == journal.OpCancel {
				cancelled += amounts[key]
			}
		}
		if cancelled != agg.CancelledAmount.Value {
			problems = append(problems, fmt.Sprintf("%s: the record's cancels add up to %d, Vipps cancelled %d; its operations %+v", ref, cancelled, agg.CancelledAmount.Value, r.Operations))
		}
		// Its index keys: receipt, operation ids, the day, the uncaptured list.
		has := func(list []*journal.PaymentRecord) bool {
			return slices.ContainsFunc(list, func(x *journal.PaymentRecord) bool { return x.Reference == r.Reference && x.MSN == r.MSN })
		}
		if r.ReceiptNumber != "" {
			if list, _ := j.PaymentsByReceipt(r.ReceiptNumber); !has(list) {
				problems = append(problems, ref+": not found by its receipt number "+r.ReceiptNumber)
			}
		}
		for _, op := range r.Operations {
			if op.OperationID != "" {
				if list, _ := j.PaymentsByOperationID(op.OperationID); !has(list) {
					problems = append(problems, ref+": not found by its operation id "+op.OperationID)
				}
			}
		}
		for _, at := range []time.Time{r.CreatedAt, r.UpdatedAt} {
			found := false
			_ = j.PaymentsChanged(at, at, func(x *journal.PaymentRecord) { found = found || x.Reference == r.Reference })
			if !found {
				problems = append(problems, fmt.Sprintf("%s: not found on %s", ref, at.UTC().Format("2006-01-02")))
			}
		}
	}
	uncaptured, err := j.UncapturedPayments()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		listed := slices.ContainsFunc(uncaptured, func(x *journal.PaymentRecord) bool { return x.Reference == r.Reference })
		if listed != r.Uncaptured() {
			problems = append(problems, fmt.Sprintf("%s: listed uncaptured %v, uncaptured %v", r.Reference, listed, r.Uncaptured()))
		}
	}
	// The hour totals are the records' own, each payment and operation counted once.
	want, got := map[string]journal.HourTotal{}, map[string]journal.HourTotal{}
	for _, r := range all {
		if r.Own && r.State == "AUTHORIZED" {
			k := r.CreatedAt.UTC().Format("2006-01-02T15")
			h := want[k]
			h.Payments++
			want[k] = h
		}
		for _, op := range r.Operations {
			if op.State != journal.StateDone {
				continue
			}
			k := op.At.UTC().Format("2006-01-02T15")
			h := want[k]
			switch op.Operation {
			case journal.OpCapture:
				h.Captures, h.Captured = h.Captures+1, h.Captured+op.Amount
			case journal.OpRefund:
				h.Refunds, h.Refunded = h.Refunds+1, h.Refunded+op.Amount
			case journal.OpCancel:
				h.Cancels, h.Cancelled = h.Cancels+1, h.Cancelled+op.Amount
			}
			want[k] = h
		}
	}
	from := time.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	ok, err := j.HourTotals(from, from.Add(96*time.Hour), func(msn, currency string, h journal.HourTotal) {
		// the hour is not given: add all of this range's hours up, per MSN and currency
		k := msn + "/" + currency
		g := got[k]
		g.Payments, g.Captures, g.Refunds, g.Cancels = g.Payments+h.Payments, g.Captures+h.Captures, g.Refunds+h.Refunds, g.Cancels+h.Cancels
		g.Captured, g.Refunded, g.Cancelled = g.Captured+h.Captured, g.Refunded+h.Refunded, g.Cancelled+h.Cancelled
		got[k] = g
	})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	var sum journal.HourTotal
	for _, h := range want {
		sum.Payments, sum.Captures, sum.Refunds, sum.Cancels = sum.Payments+h.Payments, sum.Captures+h.Captures, sum.Refunds+h.Refunds, sum.Cancels+h.Cancels
		sum.Captured, sum.Refunded, sum.Cancelled = sum.Captured+h.Captured, sum.Refunded+h.Refunded, sum.Cancelled+h.Cancelled
	}
	if len(got) != 1 {
		problems = append(problems, fmt.Sprintf("hour totals of %d stores/currencies: %+v", len(got), got))
	}
	for k, g := range got {
		if g != sum {
			problems = append(problems, fmt.Sprintf("hour totals %s: %+v, the records add up to %+v", k, g, sum))
		}
	}
	sort.Strings(problems)
	return problems
}
