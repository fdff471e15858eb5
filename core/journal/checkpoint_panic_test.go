package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// within runs fn and fails the test when it has not returned after a while (a deadlock).
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s has not returned after 10 s: the journal is deadlocked", what)
	}
}

// bbolt panics inside a commit on some damaged files (a page freed twice, a torn branch page
// met while it rebalances). A checkpoint's commit that panicked kept bbolt's write lock: the
// write whose group it followed (on disk in the log) was told it panicked, and it, every
// later write and Close waited forever. Now the panic is the checkpoint's failure: the
// group's writes are answered (their record is in the log) and read, later writes are refused
// as after any commit whose outcome is unknown (ErrDiskFailed, until a restart), Close
// returns, and the journal opened again holds every answered write.
func TestACheckpointWhoseCommitPanicsLeavesTheJournalWorking(t *testing.T) {
	withCheckpointsEvery(t, 1<<30)
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := j.Put(newEntry(fmt.Sprintf("before-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	var panics atomic.Int32
	panics.Store(1)
	swapPageWriter(t, j, func(real func([]byte, int64) (int, error)) func([]byte, int64) (int, error) {
		return func(b []byte, off int64) (int, error) {
			if panics.Add(-1) >= 0 {
				panic("injected: bbolt met a damaged page in its commit")
			}
			return real(b, off)
		}
	})
	checkpointAfter = 1 // the next group is checkpointed
	within(t, "the write whose checkpoint panicked", func() {
		err = j.Put(newEntry("at-checkpoint", "x"))
	})
	if err != nil {
		t.Fatalf("the write whose record is in the log was told %v", err)
	}
	if e, err := j.Get("at-checkpoint"); err != nil || e == nil {
		t.Fatalf("the write was answered but is not read: %v", err)
	}
	within(t, "a write after the checkpoint that panicked", func() {
		err = j.Put(newEntry("after", "x"))
	})
	if !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("a write after the checkpoint that panicked: %v, want ErrDiskFailed", err)
	}
	within(t, "Close", func() { err = j.Close() })
	if !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("closing: %v, want ErrDiskFailed (the log stays)", err)
	}
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, id := range []string{"before-0", "before-4", "at-checkpoint"} {
		if e, err := j.Get(id); err != nil || e == nil {
			t.Fatalf("%s is not in the journal after reopening (%v)", id, err)
		}
	}
	if err := j.Put(newEntry("after", "x")); err != nil {
		t.Fatalf("a write after reopening: %v", err)
	}
}
