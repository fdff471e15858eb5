package core

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// A till's disk fails for a moment (full, EIO) while an outcome waits for its write: the call
// returned it, memory keeps it, and the write is tried again. The till's next alike call, made
// meanwhile, is a new operation - so the earlier outcome counts as seen, and must still be
// recorded as seen once the journal holds it. Otherwise it stays listed as unseen for good,
// and the till's third alike call is taken for its repeat: told done, nothing moved.
func TestASeenMarkWrittenWhileItsOutcomeWaitsForTheDiskIsNotLost(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("seenlost")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	var mu sync.Mutex
	broken, first := true, ""
	journalWriteFault = func(e *journal.Entry) error {
		mu.Lock()
		defer mu.Unlock()
		if e.State == journal.StateDone && first == "" {
			first = e.ID
		}
		if broken && e.ID == first {
			return errors.New("no space left on device")
		}
		return nil
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
	}
	mu.Lock()
	broken = false // the disk works again: the first outcome is written by the next flush
	mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		p, err := c.Pending()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Open)+len(p.Unacknowledged) == 0 && c.journal.CommitQueued() == nil {
			if e, _ := c.journal.Get(first); e != nil && e.Acknowledged {
				break
			}
		}
		if time.Now().After(deadline) {
			e, _ := c.journal.Get(first)
			t.Fatalf("the first capture, returned to the till, is not recorded as seen: pending %+v, journal %+v", p, e)
		}
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("capture 3: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("three captures of 1000 came to %d", captured)
	}
}
