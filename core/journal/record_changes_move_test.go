package journal

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A journal of vmp 0.2 (format 1, no payment records) gets its records at Open, from the
// entries it still has, in one transaction (ensurePaymentBuckets): all changes of a payment
// are merged into one write of its record, with the list of days it changed on
// (record_changes.go). This search writes random lifecycles of a few payments over several
// days (operations with and without ids, open and finished, finished days later, an entry with
// no creation time), makes the file one of vmp 0.2, opens it, and compares the records, every
// index key and the hour totals with those of the same entries taken in one at a time (a
// record write after each entry, as before record_changes.go), and checks that each payment
// is found on every day one of its entries was last written on.
func TestAnOldJournalsRecordsAreThoseOfItsEntriesTakenInOneAtATime(t *testing.T) {
	for seed := range 20 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { searchMovedRecords(t, uint64(seed)) })
	}
}

func searchMovedRecords(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 29))
	now := time.Date(2026, 3, 27, 22, 30, 0, 0, time.UTC)
	opts := Options{Now: func() time.Time { return now }, Retention: 365 * 24 * time.Hour}
	j, path := openTemp(t, opts)

	refs := []string{"ref-a", "ref-b", "ref-c", "ref-d"}
	var open []*Entry                    // written open, finished later
	lastWritten := map[string]string{}   // entry id -> the day it was last written on
	days := map[string]map[string]bool{} // record key -> the days its entries were last written on
	put := func(e *Entry) {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
		lastWritten[e.ID] = now.UTC().Format(dayLayout)
		rk := string(recordKey(e.Reference, e.MSN))
		if days[rk] == nil {
			days[rk] = map[string]bool{}
		}
	}
	n := 0
	for range 40 {
		now = now.Add(time.Duration(r.IntN(8*60)) * time.Minute)
		ref := refs[r.IntN(len(refs))]
		switch k := r.IntN(10); {
		case len(open) > 0 && k < 4: // one written open is finished (a later day, maybe)
			i := r.IntN(len(open))
			e := open[i]
			open = append(open[:i], open[i+1:]...)
			e.State = StateDone
			view := &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000}
			switch e.Operation {
			case OpCapture:
				view.Captured = e.Amount
			case OpRefund:
				view.Captured, view.Refunded = e.Amount, e.Amount
			case OpCancel:
				view.Cancelled = 1000 - e.Amount
			}
			if r.IntN(5) == 0 {
				e.State, view = StateRejected, nil
			}
			e.Payment = view
			put(e)
		case k < 6:
			e := createEntry(ref, "1", 1000)
			e.ID = fmt.Sprintf("k-create-%s-%d", ref, n)
			e.IdempotencyKey = e.ID
			n++
			if r.IntN(2) == 0 {
				e.State, e.Payment = StateDone, &Payment{State: []string{"CREATED", "AUTHORIZED"}[r.IntN(2)], Currency: "NOK", Amount: 1000}
				if e.Payment.State == "AUTHORIZED" {
					e.Payment.Authorized = 1000
				}
			} else {
				open = append(open, e)
			}
			put(e)
		default:
			op := []string{OpCapture, OpRefund, OpCancel}[r.IntN(3)]
			e := &Entry{ID: fmt.Sprintf("k-%s-%d", op, n), Operation: op, Reference: ref, MSN: "1", Method: "POST", Path: "/x",
				Intent: op + "|" + ref, Amount: int64(100 * (1 + r.IntN(5))), Currency: "NOK", State: StateOpen}
			e.IdempotencyKey = e.ID
			n++
			if r.IntN(2) == 0 {
				e.OperationID = fmt.Sprintf("op-%d", r.IntN(6)) // ids repeat across payments
			}
			open = append(open, e)
			put(e)
		}
	}
	for id, day := range lastWritten {
		e, err := j.Get(id)
		if err != nil || e == nil {
			t.Fatalf("%s: %v", id, err)
		}
		days[string(recordKey(e.Reference, e.MSN))][day] = true
	}
	j.Close()
	makeFormat1WithoutRecords(t, path, r)

	j, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	moved := recordsState(t, j)
	if err := recordIndexesHold(j, time.Time{}); err != nil {
		t.Fatalf("after the move: %v", err)
	}
	for rk, want := range days {
		for day := range want {
			at, _ := time.Parse(dayLayout, day)
			found := false
			err := j.PaymentsChanged(at, at, func(p *PaymentRecord) {
				found = found || string(recordKey(p.Reference, p.MSN)) == rk
			})
			if err != nil || !found {
				t.Errorf("%q changed on %s is not found on that day (%v)", rk, day, err)
			}
		}
	}

	// The same entries, each taken into its record and written on its own.
	err = j.update(func(tx *wtx) error {
		for _, b := range paymentRecordBuckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		var entries []*Entry
		if err := tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
			e, err := DecodeEntry(v)
			entries = append(entries, e)
			return err
		}); err != nil {
			return err
		}
		sortByCreated(entries)
		for _, e := range entries {
			if err := j.recordEntry(tx, e, e.UpdatedAt); err != nil {
				return err
			}
			if err := j.flushRecords(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	alone := recordsState(t, j)
	if !reflect.DeepEqual(alone, moved) {
		t.Fatalf("the records moved differ from those of each entry alone\n%s", stateDiff(alone, moved))
	}
}

// makeFormat1WithoutRecords makes the journal at path one vmp 0.2 could have written: format 1
// (entries and indexes keyed by id) with no payment records; one entry has no creation time.
func makeFormat1WithoutRecords(t *testing.T, path string, r *rand.Rand) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		var all []*Entry
		if err := tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
			e, err := DecodeEntry(v)
			all = append(all, e)
			return err
		}); err != nil {
			return err
		}
		for _, b := range append([][]byte{bucketEntries, bucketUnacked, bucketByRef}, paymentRecordBuckets...) {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		entries, _ := tx.CreateBucket(bucketEntries)
		unacked, _ := tx.CreateBucket(bucketUnacked)
		byRef, _ := tx.CreateBucket(bucketByRef)
		noCreated := r.IntN(len(all))
		for i, e := range all {
			if i == noCreated {
				e.CreatedAt = time.Time{}
			}
			data, err := e.encode()
			if err != nil {
				return err
			}
			entries.Put([]byte(e.ID), data)
			if !e.Acknowledged {
				unacked.Put([]byte(e.ID), []byte(e.Intent))
			}
			byRef.Put([]byte(e.Reference+"\x00"+e.ID), nil)
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, formatV1)
	})
	if err != nil {
		t.Fatal(err)
	}
}
