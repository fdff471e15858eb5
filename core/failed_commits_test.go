package core

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
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

// After a restart that lost the seen mark of a capture the till was told was not carried out
// (VMP_ERR_RATE_LIMITED; the till gave it up), the journal holds two unseen alike captures: that
// one, and the till's own capture without an id that ended VMP_ERR_UNKNOWN_OUTCOME - carried out,
// or finished by recovery. The till's repeat of its own capture took the oldest of them, the
// refused one, and sent it: a second capture, for one the till was told had not happened (found
// by the failed-commit search: "Vipps has 600 captured ... the till was told 300"). A repeat
// takes an unseen operation whose repeat moves no money of its own - open or finished - before
// one certainly not carried out, which it would send.
func TestARepeatAfterARestartFinishesTheUnknownCaptureNotARefusedOne(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("refusedfirst")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	ctx := context.Background()
	c := clientOn(t, s, path)
	fault, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	never := &orderedDelivery{made: 1} // the till dies before the refusal reaches it as seen
	_, err = c.OwnUnit().Capture(WithDelivery(ctx, never), ref, 1000, "sale-1")
	s.RemoveFault(fault)
	wantCode(t, err, CodeRateLimited, "") // the till gives it up
	// The till's alike capture without an id, made with the refusal in hand: a new capture.
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err = c.OwnUnit().Capture(ctx, ref, 1000, "")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	c.Close()
	clock.Advance(61 * time.Second)

	c = clientOn(t, s, path) // its recovery finishes the unknown capture
	defer c.Close()
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the repeat of the capture without an id: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 1000 {
		t.Fatalf("a capture given up and a capture told done came to %d", captured)
	}
}
