package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// oldJournal writes a journal as vmp 0.2 left it - entries (payment records with them) put
// through the journal, then entries and both indexes keyed by id, format vmp-journal-1 - with
// what an unlucky store may hold: entries created at the same instant, entries with no
// creation time, an unacknowledged index that names an acknowledged entry and misses an
// unacknowledged one (and names an id with no entry), a reference-index key of no entry, and
// with refIndex false no reference index at all. It returns the entries' bytes by id.
func oldJournal(t *testing.T, path string, n int, refIndex bool) map[string][]byte {
	t.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	j, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	for i := range n {
		e := newEntry(fmt.Sprintf("vmp-%03d-%08x", i, r.Uint32()), fmt.Sprintf("intent-%d", i%5))
		e.Operation, e.Reference, e.MSN = OpCreate, fmt.Sprintf("ref-%d", i%11), "123456"
		e.State = []State{StateOpen, StateDone, StateRejected, StateFailed}[i%4]
		e.Acknowledged = e.State != StateOpen && i%3 == 0
		if i%7 != 0 {
			now = now.Add(time.Second) // every seventh entry is created with the one before it
		}
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string][]byte{}
	err = db.Update(func(tx *bolt.Tx) error {
		var all []*Entry
		if err := tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
			e, err := DecodeEntry(v)
			all = append(all, e)
			return err
		}); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketEntries, bucketUnacked, bucketByRef} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		entries, _ := tx.CreateBucket(bucketEntries)
		unacked, _ := tx.CreateBucket(bucketUnacked)
		var byRef *bolt.Bucket
		if refIndex {
			byRef, _ = tx.CreateBucket(bucketByRef)
			byRef.Put([]byte("ref-gone\x00vmp-no-such-entry"), nil)
		}
		unacked.Put([]byte("vmp-no-such-entry"), []byte("intent-0"))
		for i, e := range all {
			if i%13 == 5 {
				e.CreatedAt = time.Time{} // written by a version that did not set it
			}
			data, err := e.encode()
			if err != nil {
				return err
			}
			stored[e.ID] = data
			entries.Put([]byte(e.ID), data)
			switch {
			case i%17 == 1 && e.Acknowledged:
				unacked.Put([]byte(e.ID), []byte(e.Intent)) // stale: acknowledged
			case i%17 == 2 && !e.Acknowledged: // missing
			case !e.Acknowledged:
				unacked.Put([]byte(e.ID), []byte(e.Intent))
			}
			if byRef != nil {
				byRef.Put([]byte(e.Reference+"\x00"+e.ID), nil)
			}
		}
		return tx.Bucket(bucketMeta).Put(keyFormat, formatV1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// rawLayout reads a journal file's format and its entries' keys by id, without the journal.
func rawLayout(t *testing.T, path string) (format string, keys map[string]string, seq uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys = map[string]string{}
	err = db.View(func(tx *bolt.Tx) error {
		format = string(tx.Bucket(bucketMeta).Get(keyFormat))
		seq = tx.Bucket(bucketEntries).Sequence()
		return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
			e, err := DecodeEntry(v)
			if err == nil {
				keys[e.ID] = string(k)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return format, keys, seq
}

// checkMoved checks a journal opened from an old one: every entry as it was, byte for byte,
// the indexes rebuilt from the entries (not copied from the old ones), the payment records
// kept.
func checkMoved(t *testing.T, j *Journal, stored map[string][]byte) {
	t.Helper()
	checkLayout(t, j)
	wantUnacked := map[string]bool{}
	refs, created := map[string]int{}, map[string]bool{}
	for id, data := range stored {
		e, err := j.Get(id)
		if err != nil || e == nil {
			t.Fatalf("%s after the move: %v, %v", id, e, err)
		}
		err = j.view(func(tx *bolt.Tx) error {
			key, _ := j.keys.read(id)
			if !bytes.Equal(tx.Bucket(bucketEntries).Get(key), data) {
				t.Fatalf("%s is not stored byte for byte as before the move", id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !e.Acknowledged {
			wantUnacked[id] = true
		}
		refs[e.Reference]++
		created[e.Reference] = created[e.Reference] || e.Operation == OpCreate
	}
	un, err := j.Unacknowledged()
	if err != nil || len(un) != len(wantUnacked) {
		t.Fatalf("%d unacknowledged after the move (%v), want %d", len(un), err, len(wantUnacked))
	}
	for _, e := range un {
		if !wantUnacked[e.ID] {
			t.Fatalf("%s is listed unacknowledged", e.ID)
		}
	}
	for ref, n := range refs {
		if list, err := j.ForReference(ref); err != nil || len(list) != n {
			t.Fatalf("%s lists %d entries (%v), want %d", ref, len(list), err, n)
		}
		if recs, err := j.PaymentsByReference(ref); err != nil || created[ref] && len(recs) != 1 {
			t.Fatalf("%s has %d payment records (%v), want 1", ref, len(recs), err)
		}
	}
	if list, _ := j.ForReference("ref-gone"); len(list) != 0 {
		t.Fatalf("ref-gone lists %d entries", len(list))
	}
}

func TestAnOldJournalWithOddIndexesIsMovedWholeAndOnlyOnce(t *testing.T) {
	for _, refIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("reference index %v", refIndex), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			stored := oldJournal(t, path, 200, refIndex)
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkMoved(t, j, stored)
			j.Close()
			format, keys, seq := rawLayout(t, path)
			if format != string(formatValue) || len(keys) != len(stored) || seq != uint64(len(stored)) {
				t.Fatalf("after the move: format %q, %d entries, sequence %d", format, len(keys), seq)
			}
			// Oldest first; the same instant by id.
			var prev *Entry
			for _, k := range sortedValues(keys) {
				e := mustEntryAt(t, path, k)
				if prev != nil && (e.CreatedAt.Before(prev.CreatedAt) || e.CreatedAt.Equal(prev.CreatedAt) && e.ID < prev.ID) {
					t.Fatalf("%s (%v) is keyed after %s (%v)", e.ID, e.CreatedAt, prev.ID, prev.CreatedAt)
				}
				prev = e
			}
			// Reopened: not moved again.
			j, err = Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkMoved(t, j, stored)
			j.Close()
			format2, keys2, seq2 := rawLayout(t, path)
			if format2 != format || seq2 != seq || !maps.Equal(keys, keys2) {
				t.Fatalf("reopening moved the journal again: format %q, sequence %d -> %d", format2, seq, seq2)
			}
		})
	}
}

func sortedValues(m map[string]string) []string {
	var list []string
	for _, v := range m {
		list = append(list, v)
	}
	slices.Sort(list)
	return list
}

func mustEntryAt(t *testing.T, path, key string) *Entry {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var e *Entry
	err = db.View(func(tx *bolt.Tx) (err error) {
		e, err = DecodeEntry(tx.Bucket(bucketEntries).Get([]byte(key)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Kill the process that opens an old journal, in the commit that moves it (before its sync:
// the old file must be as it was, and be moved by the next Open; after: the new layout,
// whole) and in the first write after it. Nothing is lost either way.
func TestKillingTheProcessWhileItMovesAnOldJournalLosesNothing(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("builds this package's tests with -tags vmpfailpoints and kills them with SIGKILL (Linux, not -short)")
	}
	bin := crashChildBinary(t)
	for _, kill := range []string{"1:before", "1", "2:before", "2"} {
		t.Run(kill, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			stored := oldJournal(t, path, 120, kill == "1")
			_, oldKeys, _ := rawLayout(t, path)
			cmd := exec.Command(bin, "-test.run=^$")
			cmd.Env = append(os.Environ(), "VMP_JOURNAL_CRASH_CHILD=open", "VMP_JOURNAL_PATH="+path, "VMP_KILL_AT_SYNC="+kill)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				t.Errorf("child: %s", sc.Text()) // killed before Put returned, it says nothing
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at the commit: %v\n%s", err, stderr.String())
			}
			format, keys, _ := rawLayout(t, path)
			moved := kill != "1:before"
			switch {
			case !moved && (format != string(formatV1) || !maps.Equal(keys, oldKeys)):
				t.Fatalf("killed before the move's commit: format %q, %d entries, want the old file as it was", format, len(keys))
			case moved && format != string(formatValue) && format != string(formatWAL):
				t.Fatalf("killed after the move's commit: format %q", format)
			case moved && len(keys) != len(stored): // the write after Open is in the log (wal.go), made again by Open below
				t.Fatalf("killed at %s: %d entries in the file, %d before", kill, len(keys), len(stored))
			}
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("reopening after the kill: %v", err)
			}
			defer j.Close()
			after, _ := j.Get("after-open")
			if kill == "2" {
				if after == nil {
					t.Fatal("the write whose commit was done is lost")
				}
				delete(keys, "after-open")
				if err := j.Put(newEntry("after-open", "x")); err != nil { // its repeat
					t.Fatal(err)
				}
			}
			stored2 := maps.Clone(stored)
			if kill == "2" {
				key, _ := j.keys.read("after-open")
				j.view(func(tx *bolt.Tx) error {
					stored2["after-open"] = bytes.Clone(tx.Bucket(bucketEntries).Get(key))
					return nil
				})
			} else if after != nil {
				t.Fatal("a write killed before its commit is in the journal")
			}
			checkMoved(t, j, stored2)
			t.Logf("killed at commit %s: %s", kill, strings.TrimSpace(stderr.String()))
		})
	}
}

// damageLayout opens a journal this vmp wrote (three entries) with bbolt alone and changes it
// with damage.
func damageLayout(t *testing.T, damage func(tx *bolt.Tx) error) string {
	t.Helper()
	j, path := openTemp(t, Options{})
	for i := range 3 {
		if err := j.Put(newEntry(fmt.Sprintf("vmp-%d", i), "i")); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(damage); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

// A journal of this layout is refused at Open when what its entries are found by is not as
// this vmp writes it, rather than read wrongly later: with no reference index (a read of
// a payment's entries would dereference a missing bucket: a panic in the till's process), or
// with an entry sequence behind its entries (the next new entry would be written over an
// older one, and Get of that one's id would return the other).
func TestAJournalWhoseKeysAreNotAsThisVmpWritesThemIsRefused(t *testing.T) {
	for name, damage := range map[string]func(tx *bolt.Tx) error{
		"no reference index": func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketByRef) },
		"sequence behind":    func(tx *bolt.Tx) error { return tx.Bucket(bucketEntries).SetSequence(1) },
	} {
		t.Run(name, func(t *testing.T) {
			path := damageLayout(t, damage)
			j, err := Open(path, Options{})
			if errors.Is(err, ErrCorrupt) {
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			var panicked any
			func() {
				defer func() { panicked = recover() }()
				if err := j.Put(newEntry("vmp-new", "n")); err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					id := fmt.Sprintf("vmp-%d", i)
					if e, err := j.Get(id); err != nil || e == nil || e.ID != id {
						t.Fatalf("opened (%v), then Get(%s) = %+v, %v", err, id, e, err)
					}
				}
				_, _ = j.ForReference("ref-12345678")
			}()
			if panicked != nil {
				t.Fatalf("opened, then a read panicked: %v", panicked)
			}
			t.Fatal("opened, and nothing was wrong: the damage did nothing?")
		})
	}
}
