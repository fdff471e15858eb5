package find

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// The journal's hour totals (what a day's totals read) must say what adding up the payment
// records says, whatever happened when: payments made one day and refunded the next, partial
// captures, cancels, payments that never got approved, two stores and two currencies.
func TestHourTotalsAgreeWithAddingUpTheRecords(t *testing.T) {
	clock := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rng := rand.New(rand.NewSource(7))
	put := func(e *journal.Entry) {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 300; i++ {
		clock = clock.Add(time.Duration(rng.Intn(20)) * time.Minute)
		msn, cur := []string{"111", "222"}[rng.Intn(2)], []string{"NOK", "EUR"}[rng.Intn(2)]
		ref := fmt.Sprintf("ref-%d", i)
		amount := int64(100 + rng.Intn(1000))
		state := "AUTHORIZED"
		if rng.Intn(5) == 0 {
			state = "EXPIRED"
		}
		key := func(op string) string { return op + "-" + ref }
		p := &journal.Payment{State: state, Currency: cur, Amount: amount}
		if state == "AUTHORIZED" {
			p.Authorized = amount
		}
		put(&journal.Entry{ID: key("create"), IdempotencyKey: key("create"), Operation: journal.OpCreate, Reference: ref, MSN: msn, Method: "POST",
			Path: "/p", Intent: "i", Amount: amount, Currency: cur, State: journal.StateDone, Payment: p})
		if state != "AUTHORIZED" {
			continue
		}
		captured := amount - int64(rng.Intn(3))*amount/4
		clock = clock.Add(time.Duration(rng.Intn(90)) * time.Minute)
		q := *p
		q.Captured = captured
		put(&journal.Entry{ID: key("capture"), IdempotencyKey: key("capture"), Operation: journal.OpCapture, Reference: ref, MSN: msn, Method: "POST",
			Path: "/p", Intent: "c", Amount: captured, Currency: cur, State: journal.StateDone, Payment: &q})
		if captured < amount {
			r := q
			r.Cancelled = amount - captured
			put(&journal.Entry{ID: key("cancel"), IdempotencyKey: key("cancel"), Operation: journal.OpCancel, Reference: ref, MSN: msn, Method: "POST",
				Path: "/p", Intent: "x", Currency: cur, State: journal.StateDone, Payment: &r})
		}
		if rng.Intn(3) == 0 {
			clock = clock.Add(time.Duration(rng.Intn(30)) * time.Hour)
			r := q
			r.Refunded = captured / 2
			put(&journal.Entry{ID: key("refund"), IdempotencyKey: key("refund"), Operation: journal.OpRefund, Reference: ref, MSN: msn, Method: "POST",
				Path: "/p", Intent: "r", Amount: captured / 2, Currency: cur, State: journal.StateDone, Payment: &r})
		}
	}
	src := JournalSource{J: j}
	days := 0
	for day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC); day.Before(clock.Add(48 * time.Hour)); day = day.AddDate(0, 0, 1) {
		for _, msn := range []string{"", "222"} {
			q, err := ParseTotalsQuery([]byte(fmt.Sprintf(`{"from":%q,"to":%q,"msn":%q}`, day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339), msn)), clock)
			if err != nil {
				t.Fatal(err)
			}
			fromHours, err := src.Totals(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			tally := NewTally(q)
			if err := j.PaymentsChanged(q.from, q.to, tally.Add); err != nil {
				t.Fatal(err)
			}
			added := tally.Result()
			if fmt.Sprint(fromHours.Totals) != fmt.Sprint(added.Totals) {
				t.Errorf("%s msn %q: hour totals %+v, records add up to %+v", day.Format("2006-01-02"), msn, fromHours.Totals, added.Totals)
			}
			if len(added.Totals) > 0 {
				days++
			}
		}
	}
	if days < 4 {
		t.Fatalf("the data spans too few days to test anything: %d", days)
	}
}
