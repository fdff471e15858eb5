package journal

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// bbolt can panic reading a damaged page, and the C ABI turns a panic into an error and goes
// on. A read that panicked kept the journal's lock (writeMu, taken by every read since the
// log) for ever: the till's next write or read, and vmp_close, waited for ever. Before the
// log a read was a bbolt read transaction of its own, which a panic rolls back.
func TestAReadThatPanicsLeavesTheJournalWorking(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Put(newEntry("before", "x")); err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"with a transaction open", "after a checkpoint"} {
		if when == "after a checkpoint" {
			j.writeMu.Lock()
			err := j.checkpoint(nil)
			j.writeMu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
		}
		func() {
			defer func() { _ = recover() }()
			_ = j.view(func(*bolt.Tx) error { panic("injected: a damaged page") })
		}()
		within(t, "a write after a read that panicked ("+when+")", func() { err = j.Put(newEntry("after", "x")) })
		if err != nil {
			t.Fatal(err)
		}
		within(t, "a read after a read that panicked ("+when+")", func() { _, err = j.Get("before") })
		if err != nil {
			t.Fatal(err)
		}
	}
	within(t, "Close", func() { err = j.Close() })
	if err != nil {
		t.Fatal(err)
	}
}
