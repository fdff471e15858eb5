//go:build vmpfailpoints

package journal

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A commit that fails after its meta page (the fdatasync after it: EIO) is rolled back by
// bbolt, which then reloads its free pages from the meta page now in the file - the failed
// commit's. The pages that commit replaced become free at once, although a read begun before
// it still reads them: a later commit would write over them, and the read would see another
// payment's bytes, an undecodable record, or a torn tree (bbolt panics in Cursor.search).
// So after such a commit the journal takes no write until it is closed and opened again.
func TestAReadBegunBeforeACommitThatFailedAfterItsMetaPageStillReadsItsFile(t *testing.T) {
	j, path := openTemp(t, Options{})
	var failNext atomic.Bool
	FailCommits(path, func(int64) CommitFailure {
		if failNext.Swap(false) {
			return FailAfterMeta
		}
		return CommitSucceeds
	})
	t.Cleanup(func() { FailCommits(path, nil) })
	const n = 60
	entry := func(i int, intent string) *Entry {
		e := newEntry(fmt.Sprintf("vmp-%03d", i), strings.Repeat(intent, 200))
		e.Reference = fmt.Sprintf("ref-%d", i%4)
		return e
	}
	// Large records first, then small ones: the file keeps free pages, so the writes below
	// need not grow it (bbolt's remapping of a grown file waits for every read to end).
	for _, intent := range []string{strings.Repeat("A", 20), "a"} {
		for i := range n {
			if err := j.Put(entry(i, intent)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if j.wal.file != nil {
		// With the log the writes are in the file once a checkpoint has committed them.
		j.writeMu.Lock()
		err := j.checkpoint(nil)
		j.writeMu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
	}
	read, err := j.db.Begin(false) // a View of ForReference, say, still running
	if err != nil {
		t.Fatal(err)
	}
	defer read.Rollback()
	before, err := readAll(read)
	if err != nil || len(before) != n {
		t.Fatalf("the read lists %d entries (%v), want %d", len(before), err, n)
	}

	failNext.Store(true)
	failed := entry(0, "b")
	failed.State = StateDone
	if err := j.Put(failed); err == nil {
		t.Fatal("the commit that failed after its meta page returned no error")
	}
	refused := 0
	for i := range n {
		switch err := j.Put(entry(i, "c")); {
		case errors.Is(err, ErrDiskFailed):
			refused++
		case err != nil:
			t.Fatalf("write %d after the failed commit: %v, want ErrDiskFailed", i, err)
		}
	}

	after, err := readAll(read)
	if err != nil {
		t.Fatalf("the read begun before the failed commit, read again: %v", err)
	}
	for i := range n {
		if after[i] != before[i] {
			t.Fatalf("the read begun before the failed commit now reads entry %d as %.60q, it read %.60q", i, after[i], before[i])
		}
	}
	if refused != n {
		t.Fatalf("%d of %d writes after the failed commit were refused, want all", refused, n)
	}
	// A new read finds the file as the failed commit left it.
	list, err := j.ForReferenceOperation(failed.Reference, OpCapture)
	i := slices.IndexFunc(list, func(e *Entry) bool { return e.ID == failed.ID })
	if err != nil || len(list) != n/4 || i < 0 || list[i].State != StateDone {
		t.Fatalf("after the failed commit ForReferenceOperation lists %d entries (%v), want %d with %s done", len(list), err, n/4, failed.ID)
	}

	// Closed and opened again, the journal writes again.
	read.Rollback()
	j.Close()
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, err := j.Get(failed.ID); err != nil || got == nil || got.State != StateDone {
		t.Fatalf("after reopening %s is %+v (%v), want done", failed.ID, got, err)
	}
	if err := j.Put(entry(1, "d")); err != nil {
		t.Fatalf("a write after reopening: %v", err)
	}
	checkLayout(t, j)
}

// readAll lists tx's entries by id order as "id state intent", or the error (a panic of
// bbolt's included) that reading them met.
func readAll(tx *bolt.Tx) (list []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading panicked: %v", r)
		}
	}()
	err = tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
		e, err := DecodeEntry(v)
		if err != nil {
			return fmt.Errorf("entry %x: %w", k, err)
		}
		list = append(list, fmt.Sprintf("%s %s %s", e.ID, e.State, e.Intent))
		return nil
	})
	return list, err
}
