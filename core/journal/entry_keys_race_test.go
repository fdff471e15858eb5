package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkLayout checks what the file holds against itself and the journal's id -> key map: every
// id once, under the key the map has for it; every reference-index key and unacknowledged key
// naming an entry of that reference, or unacknowledged; every entry in the reference index.
func checkLayout(t *testing.T, j *Journal) {
	t.Helper()
	j.keys.mu.RLock()
	defer j.keys.mu.RUnlock()
	err := j.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		ids := map[string][]byte{}
		refs := map[string]string{} // key -> reference
		err := entries.ForEach(func(k, v []byte) error {
			e, err := DecodeEntry(v)
			if err != nil {
				return err
			}
			if prev, dup := ids[e.ID]; dup {
				return fmt.Errorf("id %s is stored under %x and %x", e.ID, prev, k)
			}
			ids[e.ID], refs[string(k)] = append([]byte(nil), k...), e.Reference
			if seq, ok := j.keys.committed[e.ID]; !ok || string(seqKey(seq)) != string(k) {
				return fmt.Errorf("id %s is stored under %x; the map has %x (%v)", e.ID, k, seqKey(seq), ok)
			}
			if listed := tx.Bucket(bucketUnacked).Get(k) != nil; listed == e.Acknowledged {
				return fmt.Errorf("id %s acknowledged %v, in the unacknowledged index %v", e.ID, e.Acknowledged, listed)
			}
			if c, _ := tx.Bucket(bucketByRef).Cursor().Seek(refKey(e.Reference, k)); string(c) != string(refKey(e.Reference, k)) {
				return fmt.Errorf("id %s (%s, key %x) is not in the reference index", e.ID, e.Reference, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) != len(j.keys.committed) {
			return fmt.Errorf("%d ids in the file, %d in the map", len(ids), len(j.keys.committed))
		}
		err = tx.Bucket(bucketUnacked).ForEach(func(k, _ []byte) error {
			if _, ok := refs[string(k)]; !ok {
				return fmt.Errorf("the unacknowledged index names key %x, which holds no entry", k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketByRef).ForEach(func(k, _ []byte) error {
			if len(k) < 9 || k[len(k)-9] != 0 {
				return fmt.Errorf("reference index key %q", k)
			}
			key, ref := k[len(k)-8:], string(k[:len(k)-9])
			if refs[string(key)] != ref {
				return fmt.Errorf("the reference index names %s under key %x, which holds %q", ref, key, refs[string(key)])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A search of concurrent writers, readers and prunes over a few ids, so that writes of one id
// meet in one group commit, in consecutive commits, as Put and PutSoon, and next to writes
// that fail inside a shared commit (and are committed alone while the next group leads).
// "Kept" ids are never acknowledged, so never pruned: once a write of one has returned, every
// read finds it, and once only. "Old" ids are acknowledged and pruned all the time, and written
// again afterwards (a repeat of an old operation). The file must agree with itself and with
// the map at the end, and again after reopening.
func TestConcurrentWritesOfTheSameIDsAreOneEntryFoundByEveryRead(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	j, path := openTemp(t, Options{Retention: time.Nanosecond})
	const writers, rounds, ids = 8, 400, 10
	kept := func(i int) (id, ref string) { return fmt.Sprintf("kept-%d", i), fmt.Sprintf("ref-kept-%d", i%3) }
	old := func(i int) (id, ref string) { return fmt.Sprintf("old-%d", i), fmt.Sprintf("ref-old-%d", i%3) }
	var written [ids]atomic.Bool // a write of kept-i has returned
	var stop atomic.Bool
	var failures atomic.Int32
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
		stop.Store(true)
	}
	onceIn := func(list []*Entry, id string) int {
		n := 0
		for _, e := range list {
			if e.ID == id {
				n++
			}
		}
		return n
	}
	noTwice := func(what string, list []*Entry) {
		seen := map[string]bool{}
		for _, e := range list {
			if seen[e.ID] {
				fail("%s lists %s twice", what, e.ID)
			}
			seen[e.ID] = true
		}
	}
	write := func(r *rand.Rand, e *Entry, acks []string) error {
		if r.IntN(3) > 0 {
			return j.Put(e, acks...)
		}
		done := make(chan error, 1)
		if err := j.PutSoon(e, func(*Entry) {}, func(_ *Entry, err error) { done <- err }, acks...); err != nil {
			return err
		}
		return <-done
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for range rounds {
				if stop.Load() {
					return
				}
				i := r.IntN(ids)
				switch r.IntN(8) {
				case 0: // a write that fails after making the key of an id not written yet
					err := j.update(func(tx *wtx) error {
						id := fmt.Sprintf("never-%d", i)
						key, _, err := j.keys.create(tx, id)
						if err != nil {
							return err
						}
						e := newEntry(id, "never")
						data, _ := e.encode()
						if err := tx.put(bucketEntries, key, data); err != nil {
							return err
						}
						return errors.New("this write fails")
					})
					if err == nil {
						fail("the failing write succeeded")
					}
				case 1, 2, 3: // an old id: acknowledged (pruned soon), or acknowledged by a later write
					id, ref := old(i)
					e := newEntry(id, "intent-"+id)
					e.Reference = ref
					e.State, e.Acknowledged = StateDone, r.IntN(2) == 0
					var acks []string
					if r.IntN(2) == 0 {
						a, _ := old(r.IntN(ids))
						acks = append(acks, a)
					}
					if err := write(r, e, acks); err != nil {
						fail("writing %s: %v", id, err)
						return
					}
					list, err := j.ForReference(ref)
					if err != nil || onceIn(list, id) > 1 {
						fail("ForReference(%s) lists %s %d times (%v)", ref, id, onceIn(list, id), err)
					}
				default: // a kept id: open, or finished and not acknowledged
					id, ref := kept(i)
					e := newEntry(id, "intent-"+id)
					e.Reference = ref
					if r.IntN(2) == 0 {
						e.State = StateDone
					}
					if err := write(r, e, nil); err != nil {
						fail("writing %s: %v", id, err)
						return
					}
					written[i].Store(true)
					if got, err := j.Get(id); err != nil || got == nil {
						fail("Get(%s) right after its write returned: %v, %v", id, got, err)
					}
					list, err := j.ForReference(ref)
					if err != nil || onceIn(list, id) != 1 {
						fail("ForReference(%s) lists %s %d times (%v), want once", ref, id, onceIn(list, id), err)
					}
				}
			}
		}()
	}
	var readers sync.WaitGroup
	done := make(chan struct{})
	readers.Add(2)
	go func() { // reads
		defer readers.Done()
		r := rand.New(rand.NewPCG(seed, 99))
		for {
			select {
			case <-done:
				return
			default:
			}
			i := r.IntN(ids)
			id, ref := kept(i)
			wasWritten := written[i].Load()
			if got, err := j.Get(id); err != nil || (wasWritten && got == nil) {
				fail("Get(%s) of a written kept id: %v, %v", id, got, err)
			}
			if list, err := j.ForReference(ref); err != nil || (wasWritten && onceIn(list, id) != 1) {
				fail("ForReference(%s) lists %s %d times (%v)", ref, id, onceIn(list, id), err)
			} else {
				noTwice("ForReference("+ref+")", list)
			}
			_, oref := old(i)
			if list, err := j.ForReference(oref); err != nil {
				fail("ForReference(%s): %v", oref, err)
			} else {
				noTwice("ForReference("+oref+")", list)
			}
			un, err := j.Unacknowledged()
			if err != nil {
				fail("Unacknowledged: %v", err)
			}
			noTwice("Unacknowledged", un)
			if wasWritten && onceIn(un, id) != 1 {
				fail("Unacknowledged lists kept %s %d times", id, onceIn(un, id))
			}
			if list, err := j.UnacknowledgedWithIntent("intent-" + id); err != nil || (wasWritten && len(list) != 1) {
				fail("UnacknowledgedWithIntent of %s: %d entries (%v)", id, len(list), err)
			}
			if _, err := j.PaymentsByReference(ref); err != nil {
				fail("PaymentsByReference(%s): %v", ref, err)
			}
		}
	}()
	go func() { // prunes and acknowledgements
		defer readers.Done()
		r := rand.New(rand.NewPCG(seed, 98))
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(r.IntN(3)) * time.Millisecond):
			}
			if _, err := j.Prune(); err != nil {
				fail("Prune: %v", err)
			}
			a, _ := old(r.IntN(ids))
			if err := j.AcknowledgeAll([]string{a}); err != nil {
				fail("AcknowledgeAll: %v", err)
			}
		}
	}()
	wg.Wait()
	close(done)
	readers.Wait()
	if t.Failed() {
		return
	}
	checkLayout(t, j)
	for i := range ids {
		if id, _ := kept(i); written[i].Load() {
			if e, _ := j.Get(id); e == nil {
				t.Fatalf("%s is missing", id)
			}
		}
	}
	j.Close()
	j2, err := Open(path, Options{Retention: time.Nanosecond})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer j2.Close()
	checkLayout(t, j2)
	for i := range ids {
		if id, _ := kept(i); written[i].Load() {
			if e, _ := j2.Get(id); e == nil {
				t.Fatalf("%s is missing after reopening", id)
			}
		}
	}
}

// Writes of one new id queued for one group commit - Puts and PutSoons, with a write that
// fails among them, so the group is rolled back and run again without it - are one entry,
// under one key, and all of them are answered after it is on disk.
func TestWritesOfOneNewIDInOneGroupCommitAreOneEntry(t *testing.T) {
	j, path := openTemp(t, Options{})
	release := holdCommit(t, j)
	const writers = 12
	errs := make(chan error, writers+1)
	for i := range writers {
		e := newEntry("vmp-one-id", "i")
		e.Attempts = i
		if i%2 == 0 {
			go func() { errs <- j.Put(e) }()
			continue
		}
		if err := j.PutSoon(e, func(*Entry) {}, func(_ *Entry, err error) { errs <- err }); err != nil {
			t.Fatal(err)
		}
	}
	waitQueued(t, j, writers/2)
	go func() { errs <- j.Put(newEntry("", "no id")) }() // fails inside the group
	waitQueued(t, j, writers+1)
	release()
	failed := 0
	for range writers + 1 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d writes failed, want the one without an id", failed)
	}
	if n, indexed := entriesWithID(t, j, "vmp-one-id"); n != 1 || indexed != 1 {
		t.Fatalf("%d entries for one id (%d in the reference index)", n, indexed)
	}
	checkLayout(t, j)
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer j2.Close()
	checkLayout(t, j2)
}
