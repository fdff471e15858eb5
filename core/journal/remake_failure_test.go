package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// When a write fails or panics, the journal's transaction is rolled back and made again from
// the logged changes of the groups since the last checkpoint (remakeLong). Should that fail
// too - bbolt refusing or panicking on a damaged file; here a logged change it cannot make,
// put among them by the test - the file the process can read lacks writes that were
// answered. Before, a read then answered from the file as the last checkpoint left it (an
// answered entry "not found": a payment sent again). Now such reads fail, writes get
// ErrDiskFailed, Close returns, and the journal opened again (which makes the log's records
// again) has them all.
func TestAJournalWhoseTransactionCannotBeMadeAgainAnswersNoRead(t *testing.T) {
	withCheckpointsEvery(t, 1<<30)
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := j.Put(newEntry(fmt.Sprintf("answered-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	// A change the file cannot take, as the last of the groups to make again.
	j.writeMu.Lock()
	bad := &redoLog{}
	bad.note(redoPut, []byte("no-such-bucket"), []byte("k"), []byte("v"))
	j.wal.since = append(j.wal.since, bad.buf)
	j.writeMu.Unlock()

	within(t, "a write that fails", func() {
		func() {
			defer func() { _ = recover() }()
			err = j.update(func(*wtx) error { panic("damaged page") })
		}()
	})
	var e *Entry
	within(t, "a read after", func() { e, err = j.Get("answered-1") })
	if err == nil {
		t.Fatalf("a read answered from a file that lacks answered writes (entry found: %v)", e != nil)
	}
	within(t, "a write after", func() { err = j.Put(newEntry("later", "x")) })
	if !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("a write after: %v, want ErrDiskFailed", err)
	}
	within(t, "Close", func() { err = j.Close() })
	if err == nil {
		t.Fatal("Close succeeded: it cannot have committed the answered writes")
	}
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := range 3 {
		if e, err := j.Get(fmt.Sprintf("answered-%d", i)); err != nil || e == nil {
			t.Fatalf("answered-%d is not in the journal opened again (%v)", i, err)
		}
	}
}
