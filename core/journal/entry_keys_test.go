package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV1Journal writes a journal as vmp 0.2 laid it out: entries, the unacknowledged index
// and the reference index keyed by the entry's id; with refIndex false, as a journal from
// before the reference index.
func writeV1Journal(t *testing.T, path string, entries []*Entry, refIndex bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		meta.Put(keyFormat, formatV1)
		meta.Put([]byte("engine.kept"), []byte("yes"))
		eb, _ := tx.CreateBucket(bucketEntries)
		ub, _ := tx.CreateBucket(bucketUnacked)
		var rb *bolt.Bucket
		if refIndex {
			rb, _ = tx.CreateBucket(bucketByRef)
		}
		for _, e := range entries {
			data, err := e.encode()
			if err != nil {
				return err
			}
			eb.Put([]byte(e.ID), data)
			if !e.Acknowledged {
				ub.Put([]byte(e.ID), []byte(e.Intent))
			}
			if rb != nil {
				rb.Put([]byte(e.Reference+"\x00"+e.ID), nil)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAJournalOfTheOldLayoutIsMovedOnceAndReadsAsBefore(t *testing.T) {
	for _, refIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("reference index %v", refIndex), func(t *testing.T) {
			base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			var old []*Entry
			for i := range 40 {
				e := newEntry(fmt.Sprintf("vmp-%040x", rand.Uint64()), fmt.Sprintf("intent-%d", i%3))
				e.Reference = fmt.Sprintf("ref-%d", i%7)
				e.CreatedAt, e.UpdatedAt = base.Add(time.Duration(40-i)*time.Second), base.Add(time.Hour)
				switch i % 4 {
				case 1:
					e.State = StateDone
				case 2:
					e.State, e.Acknowledged = StateDone, true
				case 3:
					e.State, e.Acknowledged = StateRejected, true
				}
				old = append(old, e)
			}
			path := filepath.Join(t.TempDir(), "journal.db")
			writeV1Journal(t, path, old, refIndex)

			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			check := func(j *Journal, wantUnacked int) {
				t.Helper()
				for _, e := range old {
					got, err := j.Get(e.ID)
					if err != nil || got == nil || got.Reference != e.Reference || got.Acknowledged != e.Acknowledged || !got.CreatedAt.Equal(e.CreatedAt) {
						t.Fatalf("entry %s after the move: %+v, %v", e.ID, got, err)
					}
				}
				for r := range 7 {
					list, err := j.ForReference(fmt.Sprintf("ref-%d", r))
					if err != nil || len(list) == 0 {
						t.Fatalf("ref-%d: %d entries, %v", r, len(list), err)
					}
					for _, e := range list {
						if e.Reference != fmt.Sprintf("ref-%d", r) {
							t.Fatalf("ref-%d lists an entry of %s", r, e.Reference)
						}
					}
				}
				un, err := j.Unacknowledged()
				if err != nil || len(un) != wantUnacked {
					t.Fatalf("%d unacknowledged entries, %v; want %d", len(un), err, wantUnacked)
				}
				if v, _ := j.Meta("kept"); v != "yes" {
					t.Fatalf("the engine's own values were lost in the move: %q", v)
				}
			}
			check(j, 20)
			if !j.MayHoldOlderKeys() {
				t.Fatal("a journal moved from format 1 does not say it may hold older keys")
			}
			// Written to after the move, and reopened: the new layout stays.
			e := newEntry("vmp-after-the-move", "after")
			if err := j.Put(e); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j, err = Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			check(j, 21)
			if !j.MayHoldOlderKeys() {
				t.Fatal("reopened, the moved journal forgot that it may hold older keys")
			}
			if got, _ := j.Get("vmp-after-the-move"); got == nil {
				t.Fatal("the entry written after the move is gone")
			}
			j.view(func(tx *bolt.Tx) error {
				if f := tx.Bucket(bucketMeta).Get(keyFormat); !bytes.Equal(f, formatWAL) { // formatValue once closed
					t.Fatalf("format %q after the move", f)
				}
				// Oldest first in the file.
				var prev time.Time
				return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
					e, _ := DecodeEntry(v)
					if len(k) != 8 || e.CreatedAt.Before(prev) {
						t.Fatalf("key %x holds an entry of %v after one of %v", k, e.CreatedAt, prev)
					}
					prev = e.CreatedAt
					return nil
				})
			})
		})
	}
}

func TestAJournalOfANewerFormatIsRefusedByName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		tx.CreateBucket(bucketEntries)
		tx.CreateBucket(bucketUnacked)
		return meta.Put(keyFormat, []byte("vmp-journal-9"))
	})
	db.Close()
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) || !bytes.Contains([]byte(err.Error()), []byte("newer vmp")) {
		t.Fatalf("Open = %v, want a refusal naming a newer vmp", err)
	}
}

// TestTheEntryKeysAgreeWithTheFileAfterAnySequenceOfWrites searches: random puts, queued
// puts, acknowledgements, writes that fail inside a shared commit, prunes and reopens, many
// of them concurrent, against a model of what must be on disk. After every round the
// journal's answers by id, by reference and by the unacknowledged index are the model's, and
// a reopened journal (whose keys come from the file alone) answers the same.
func TestTheEntryKeysAgreeWithTheFileAfterAnySequenceOfWrites(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	opts := Options{Retention: time.Hour, Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}
	j, path := openTemp(t, opts)
	type modelEntry struct {
		reference string
		state     State
		acked     bool
		updated   time.Time
	}
	model := map[string]*modelEntry{}
	ids := []string{}
	for round := range 60 {
		type op struct {
			id    string
			e     *Entry
			fail  bool
			soon  bool
			acks  []string
			after *modelEntry
		}
		var ops []op
		for range 1 + rng.IntN(24) {
			var id string
			if len(ids) > 0 && rng.IntN(2) == 0 {
				id = ids[rng.IntN(len(ids))]
			} else {
				id = fmt.Sprintf("vmp-%d-%d", round, rng.Uint32())
			}
			if slices.ContainsFunc(ops, func(o op) bool { return o.id == id }) {
				continue // one write per id in a round: their order within a group is not the model's
			}
			ref := fmt.Sprintf("ref-%d", rng.IntN(9))
			if m := model[id]; m != nil {
				ref = m.reference
			}
			e := newEntry(id, "intent-"+id)
			e.Reference = ref
			e.State = []State{StateOpen, StateDone, StateRejected}[rng.IntN(3)]
			e.Acknowledged = e.State != StateOpen && rng.IntN(2) == 0
			o := op{id: id, e: e, fail: rng.IntN(8) == 0, soon: rng.IntN(2) == 0}
			if len(ids) > 0 && rng.IntN(3) == 0 {
				o.acks = []string{ids[rng.IntN(len(ids))]}
			}
			ops = append(ops, o)
		}
		for i := range ops { // an acknowledgement of an entry written in the same commit has no order
			ops[i].acks = slices.DeleteFunc(ops[i].acks, func(a string) bool {
				return slices.ContainsFunc(ops, func(x op) bool { return x.id == a })
			})
		}
		release := func() {}
		if rng.IntN(2) == 0 {
			release = holdCommit(t, j) // the round's writes share commits
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ops))
		for i := range ops {
			o := ops[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				if o.fail {
					// A write that fails inside the transaction after making its key.
					errs[i] = j.update(func(tx *wtx) error {
						if _, _, err := j.keys.create(tx, o.id+"-never"); err != nil {
							return err
						}
						return errors.New("this write fails")
					})
					return
				}
				if o.soon {
					var done sync.WaitGroup
					done.Add(1)
					var committed error
					if err := j.PutSoon(o.e, func(*Entry) {}, func(_ *Entry, err error) { committed = err; done.Done() }, o.acks...); err != nil {
						errs[i] = err
						return
					}
					done.Wait()
					errs[i] = committed
					return
				}
				errs[i] = j.Put(o.e, o.acks...)
			}()
		}
		time.Sleep(time.Millisecond)
		release()
		wg.Wait()
		for i, o := range ops {
			if o.fail {
				if errs[i] == nil {
					t.Fatalf("round %d: the failing write of %s succeeded", round, o.id)
				}
				continue
			}
			if errs[i] != nil {
				t.Fatalf("round %d: write of %s: %v", round, o.id, errs[i])
			}
			for _, a := range o.acks {
				if m := model[a]; m != nil && m.state != StateOpen && !m.acked {
					m.acked = true
					m.updated = opts.Now()
				}
			}
		}
		for i, o := range ops {
			if o.fail || errs[i] != nil {
				continue
			}
			if model[o.id] == nil {
				ids = append(ids, o.id)
			}
			model[o.id] = &modelEntry{reference: o.e.Reference, state: o.e.State, acked: o.e.Acknowledged, updated: opts.Now()}
		}
		switch rng.IntN(6) {
		case 0:
			clock.Lock()
			now = now.Add(time.Duration(rng.IntN(90)) * time.Minute)
			clock.Unlock()
			if _, err := j.Prune(); err != nil {
				t.Fatal(err)
			}
			cutoff := opts.Now().Add(-time.Hour)
			for id, m := range model {
				if m.state != StateOpen && m.acked && m.updated.Before(cutoff) {
					delete(model, id)
					ids = slices.DeleteFunc(ids, func(x string) bool { return x == id })
				}
			}
		case 1:
			j.Close()
			var err error
			if j, err = Open(path, opts); err != nil {
				t.Fatal(err)
			}
		}
		// Compare with the model.
		for id, m := range model {
			e, err := j.Get(id)
			if err != nil || e == nil {
				t.Fatalf("round %d: %s is missing (%v)", round, id, err)
			}
			if e.State != m.state || e.Acknowledged != m.acked || e.Reference != m.reference {
				t.Fatalf("round %d: %s is %s acked %v on %s, want %s acked %v on %s", round, id, e.State, e.Acknowledged, e.Reference, m.state, m.acked, m.reference)
			}
		}
		un, err := j.Unacknowledged()
		if err != nil {
			t.Fatal(err)
		}
		wantUn := 0
		for _, m := range model {
			if !m.acked {
				wantUn++
			}
		}
		if len(un) != wantUn {
			t.Fatalf("round %d: %d unacknowledged, want %d", round, len(un), wantUn)
		}
		for r := range 9 {
			ref := fmt.Sprintf("ref-%d", r)
			list, err := j.ForReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, m := range model {
				if m.reference == ref {
					want++
				}
			}
			if len(list) != want {
				t.Fatalf("round %d: %s lists %d entries, want %d", round, ref, len(list), want)
			}
		}
		j.keys.mu.RLock()
		if len(j.keys.committed) != len(model) {
			t.Fatalf("round %d: %d ids in memory, %d entries", round, len(j.keys.committed), len(model))
		}
		j.keys.mu.RUnlock()
		for _, o := range ops {
			if o.fail {
				if _, ok := j.keys.read(o.id + "-never"); ok {
					t.Fatalf("round %d: the key made by a write that failed is in memory", round)
				}
			}
		}
	}
	j.Close()
}

// Get never answers with another operation's entry: when the id -> key map and the file
// disagree (a bug, or a file changed behind vmp's back), it is an error.
func TestGetOfAnIDWhoseKeyHoldsAnotherEntryIsAnError(t *testing.T) {
	j, _ := openTemp(t, Options{})
	for _, id := range []string{"vmp-a", "vmp-b"} {
		if err := j.Put(newEntry(id, "i")); err != nil {
			t.Fatal(err)
		}
	}
	j.keys.mu.Lock()
	j.keys.committed["vmp-a"], j.keys.committed["vmp-b"] = j.keys.committed["vmp-b"], j.keys.committed["vmp-a"]
	j.keys.mu.Unlock()
	if e, err := j.Get("vmp-a"); !errors.Is(err, ErrCorrupt) || e != nil {
		t.Fatalf("Get(vmp-a) = %v, %v; want no entry and ErrCorrupt", e, err)
	}
}
