package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A group commit writes each record it changed once (record_changes.go). This search runs the
// same random writes of a few payments in two journals: one commits every write alone, the
// other puts random runs of them into one commit, among them writes that fail after changing a
// record (their transaction is rolled back and run again without them), notes of status reads,
// acknowledgements of payments and prunes, with the clock crossing days. After every commit
// both must hold the same records (but for how many times each was written), the same index
// keys and the same totals.
func TestRecordsWrittenOnceACommitAreThoseOfEveryWriteAlone(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	for seed := range rounds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { searchRecordChanges(t, uint64(seed)) })
	}
}

// recordStep is one write, done the same way in either journal.
type recordStep struct {
	name string
	do   func(j *Journal) error
	// failing: a write that changes a record and then fails; only the grouped journal runs it.
	failing bool
	note    bool
}

func searchRecordChanges(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 17))
	now := time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	opts := Options{Now: clock, Retention: 48 * time.Hour, Outbox: true}
	alone, _ := openTemp(t, opts)
	grouped, _ := openTemp(t, opts)

	refs := []string{"ref-a", "ref-b", "ref-c"}
	openOps := map[string][]recordOp{}
	nextOp := 0
	newOp := func(ref string) recordOp {
		nextOp++
		o := recordOp{op: []string{OpCapture, OpRefund, OpCancel}[r.IntN(3)], ref: ref, part: int64(100 * (1 + r.IntN(5)))}
		o.id = fmt.Sprintf("k-%s-%d", o.op, nextOp)
		if r.IntN(2) == 0 {
			o.opID = fmt.Sprintf("op-%d", r.IntN(4)) // ids repeat across payments
		}
		return o
	}
	touched := map[string]bool{}
	steps := func() recordStep {
		ref := refs[r.IntN(len(refs))]
		if r.IntN(12) == 0 {
			ref = "ref-idle" // a payment seldom touched: left uncaptured for days, prunes keep it
		}
		defer func() { touched[ref] = true }()
		amount := int64(1000)
		switch k := r.IntN(10); {
		case k < 2: // the payment's create, open then done (or refused)
			e := createEntry(ref, "1", amount)
			state, view := StateOpen, (*Payment)(nil)
			if r.IntN(2) == 0 {
				state, view = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: amount}
				if !touched[ref] && r.IntN(2) == 0 {
					// Vipps never had it: only ever the first news of a payment (a payment
					// authorized and then never created would count twice in the totals as
					// each write alone counts it, once in one commit)
					state, view = StateNotCreated, nil
				}
			}
			return recordStep{name: "create " + ref + " " + string(state), do: func(j *Journal) error {
				c := *e
				c.State, c.Payment = state, view
				return j.Put(&c)
			}}
		case k < 5: // a capture, refund or cancel: a new one, open or done, or one left open finished
			op := newOp(ref)
			if open := openOps[ref]; len(open) > 0 && r.IntN(2) == 0 {
				op, openOps[ref] = open[0], open[1:]
				op.done = true
			} else {
				op.done = r.IntN(3) > 0
				if !op.done {
					openOps[ref] = append(openOps[ref], op)
				}
			}
			return recordStep{name: fmt.Sprintf("%s %s %s done=%v", op.op, ref, op.id, op.done), do: op.write}
		case k < 7: // a status read's note, written by the commit of the write that noted it
			view := ObservedPayment{State: []string{"CREATED", "AUTHORIZED"}[r.IntN(2)], Currency: "NOK", Amount: amount}
			if view.State == "AUTHORIZED" {
				view.Authorized = amount
				view.Captured = int64(100 * r.IntN(3))
			}
			return recordStep{name: "note " + ref + " " + view.State, note: true, do: func(j *Journal) error {
				return j.update(func(*wtx) error { j.NotePayment("1", ref, view); return nil })
			}}
		case k < 8:
			return recordStep{name: "acknowledge " + ref, do: func(j *Journal) error { _, err := j.AcknowledgePayment(ref); return err }}
		case k < 9:
			return recordStep{name: "prune", do: func(j *Journal) error { _, err := j.Prune(); return err }}
		default: // changes a record, then fails: its commit is run again without it
			e := createEntry(ref, "1", 7)
			e.State, e.Payment = StateDone, &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 7, Authorized: 7, Captured: 7}
			return recordStep{name: "failing " + ref, failing: true, do: func(j *Journal) error {
				return j.update(func(tx *wtx) error {
					if err := j.recordEntry(tx, e, now); err != nil {
						return err
					}
					return errFailingStep
				})
			}}
		}
	}

	latest := now
	for commit := 0; commit < 30; commit++ {
		switch k := r.IntN(12); {
		case k < 4:
			now = now.Add(time.Duration(1+r.IntN(30)) * time.Hour) // days go by; prunes start to delete
		case k < 5: // the clock is set back (across midnight, or after it ran days ahead)
			now = now.Add(-time.Duration(1+r.IntN(80)) * time.Hour)
		}
		group := make([]recordStep, 1+r.IntN(5))
		for i := range group {
			group[i] = steps()
		}
		var names []string
		for _, s := range group {
			names = append(names, s.name)
		}
		// A note is written by the commit that carries it, after that commit's writes: the
		// journal that commits each write alone writes the group's notes after its writes.
		for _, notes := range []bool{false, true} {
			for _, s := range group {
				if s.failing || s.note != notes {
					continue
				}
				if err := s.do(alone); err != nil {
					t.Fatalf("commit %d, %s alone: %v", commit, s.name, err)
				}
			}
		}
		runAsOneCommit(t, grouped, group)
		if now.After(latest) { // a prune deletes day keys before its clock's cutoff for good
			latest = now
		}
		for _, j := range []*Journal{alone, grouped} {
			if err := recordIndexesHold(j, latest.Add(-opts.Retention)); err != nil {
				t.Fatalf("commit %d (%v): %v", commit, names, err)
			}
		}
		a, b := recordsState(t, alone), recordsState(t, grouped)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("commit %d (%v): the records differ\n%s", commit, names, stateDiff(a, b))
		}
	}
}

var errFailingStep = errors.New("a write that fails")

// recordOp is a capture, refund or cancel of part of a payment of 1000.
type recordOp struct {
	op, ref, id, opID string
	part              int64
	done              bool
}

func (o recordOp) write(j *Journal) error {
	e := &Entry{ID: o.id, IdempotencyKey: o.id, Operation: o.op, Reference: o.ref, MSN: "1", Method: "POST", Path: "/x",
		Intent: o.op + "|" + o.ref, OperationID: o.opID, Amount: o.part, Currency: "NOK", State: StateOpen}
	if o.done {
		view := &Payment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000}
		switch o.op {
		case OpCapture:
			view.Captured = o.part
		case OpRefund:
			view.Captured, view.Refunded = o.part, o.part
		case OpCancel:
			view.Cancelled = 1000 - o.part
		}
		e.State, e.Payment = StateDone, view
	}
	return j.Put(e)
}

// runAsOneCommit queues the steps in order behind a held commit, then lets them commit.
func runAsOneCommit(t *testing.T, j *Journal, steps []recordStep) {
	t.Helper()
	release := holdCommit(t, j)
	errs := make([]chan error, len(steps))
	for i, s := range steps {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- s.do(j) }()
		waitQueued(t, j, i+1) // each queued before the next: the order is the steps'
	}
	release()
	for i, s := range steps {
		err := <-errs[i]
		if s.failing && !errors.Is(err, errFailingStep) || !s.failing && err != nil {
			t.Fatalf("%s in one commit: %v", s.name, err)
		}
	}
}

// recordsState is what the journal holds of payments: each record (its Rev, how many times it
// was written, left out), each index's keys, the hour totals and the records the outbox names.
func recordsState(t *testing.T, j *Journal) map[string][]string {
	t.Helper()
	state := map[string][]string{}
	err := j.view(func(tx *bolt.Tx) error {
		for _, name := range paymentRecordBuckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				switch {
				case bytes.Equal(name, bucketPayments):
					r, err := DecodePaymentRecord(v)
					if err != nil {
						return err
					}
					r.Rev = 0
					state[string(name)] = append(state[string(name)], fmt.Sprintf("%q %+v", k, *r))
				case bytes.Equal(name, bucketPaymentsOutbox):
					state[string(name)] = append(state[string(name)], string(v[8:]))
				case bytes.Equal(name, bucketPayHourTotals):
					state[string(name)] = append(state[string(name)], fmt.Sprintf("%q %+v", k, decodeHourTotal(v)))
				default:
					state[string(name)] = append(state[string(name)], fmt.Sprintf("%q", k))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := state[string(bucketPaymentsOutbox)] // which records changed, not how many times
	sort.Strings(out)
	state[string(bucketPaymentsOutbox)] = compactStrings(out)
	return state
}

func compactStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// stateDiff lists what only one of two recordsState results holds.
func stateDiff(alone, grouped map[string][]string) string {
	var out string
	for _, name := range paymentRecordBuckets {
		in := func(s []string, v string) bool { return slices.Contains(s, v) }
		for _, v := range alone[string(name)] {
			if !in(grouped[string(name)], v) {
				out += fmt.Sprintf("  %s, written alone only: %s\n", name, v)
			}
		}
		for _, v := range grouped[string(name)] {
			if !in(alone[string(name)], v) {
				out += fmt.Sprintf("  %s, in one commit only: %s\n", name, v)
			}
		}
	}
	return out
}

// recordIndexesHold checks the index keys each record implies against the file: its created
// key, receipt, operation ids, the days it was created and last changed on (unless a prune may
// have deleted them: before since's day), and the uncaptured index holding exactly the records
// that are; and that no index but the days' names a record the file no longer has.
func recordIndexesHold(j *Journal, since time.Time) error {
	return j.view(func(tx *bolt.Tx) error {
		has := func(bucket, key []byte) bool {
			k, _ := tx.Bucket(bucket).Cursor().Seek(key)
			return bytes.Equal(k, key)
		}
		records := tx.Bucket(bucketPayments)
		err := records.ForEach(func(rk, v []byte) error {
			r, err := DecodePaymentRecord(v)
			if err != nil {
				return err
			}
			want := []struct{ bucket, key []byte }{{bucketPayByCreated, createdKey(r.CreatedAt, rk)}}
			if r.ReceiptNumber != "" {
				want = append(want, struct{ bucket, key []byte }{bucketPayByReceipt, indexKey(r.ReceiptNumber, rk)})
			}
			for _, op := range r.Operations {
				if op.OperationID != "" {
					want = append(want, struct{ bucket, key []byte }{bucketPayByOpID, indexKey(op.OperationID, rk)})
				}
			}
			cut := since.UTC().Format(dayLayout)
			for _, at := range []time.Time{r.CreatedAt, r.UpdatedAt} {
				// (the day of its last change is never pruned: putRecord counts on it)
				if day := at.UTC().Format(dayLayout); day >= cut || at.Equal(r.UpdatedAt) {
					want = append(want, struct{ bucket, key []byte }{bucketPayByDay, indexKey(day, rk)})
				}
			}
			for _, w := range want {
				if !has(w.bucket, w.key) {
					return fmt.Errorf("record %q: %s lacks %q", rk, w.bucket, w.key)
				}
			}
			if has(bucketPayUncaptured, rk) != r.Uncaptured() {
				return fmt.Errorf("record %q: in the uncaptured index %v, uncaptured %v", rk, has(bucketPayUncaptured, rk), r.Uncaptured())
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, index := range [][]byte{bucketPayByCreated, bucketPayByReceipt, bucketPayByOpID, bucketPayUncaptured} {
			err := tx.Bucket(index).ForEach(func(k, _ []byte) error {
				rk := k
				switch {
				case bytes.Equal(index, bucketPayByCreated):
					rk = k[createdIndexKeyPrefix:]
				case !bytes.Equal(index, bucketPayUncaptured):
					rk = k[bytes.IndexByte(k, 0)+1:]
				}
				if records.Get(rk) == nil {
					return fmt.Errorf("%s names %q, which has no record", index, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// recordsHoldTheirEntries checks that the record of every entry in the journal has the entry's
// operation, in the entry's state (or done: a finished operation never moves back).
func recordsHoldTheirEntries(j *Journal) error {
	return j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
			e, err := DecodeEntry(v)
			if err != nil {
				return err
			}
			r, err := readRecord(tx, recordKey(e.Reference, e.MSN))
			if err != nil || r == nil {
				return fmt.Errorf("entry %s: no record of %s/%s (%v)", e.ID, e.Reference, e.MSN, err)
			}
			i := slices.IndexFunc(r.Operations, func(o RecordOperation) bool { return o.Key == e.ID })
			if i < 0 || r.Operations[i].State != e.State && r.Operations[i].State != StateDone {
				return fmt.Errorf("entry %s (%s): its record has %+v", e.ID, e.State, r.Operations)
			}
			return nil
		})
	})
}
