//go:build vmpfailpoints && unix

package core

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// A call with an operation id finds an entry an older vmp recorded by (operation, reference,
// id) - and must find it as it is, which is memory's state while its latest write is queued for
// a commit (or failed and is kept to be written again), as it does an entry under this vmp's key.
// Here the older vmp sent the capture long ago (Vipps has forgotten its key) and was killed
// before its outcome was written; vmp_recover finds it at Vipps and records it done, its commit
// held. The call with the id read the file's open copy, looked the capture up again, could not
// read the event log, and sent it again with the older key: captured twice.
func TestACallWithAnIdFindsAnOlderEntryAsMemoryHasIt(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("olderunsaved")
	prepare(t, s, clock, journal.OpCapture, ref)
	older := olderJournalWithAnOpenCapture(t, s, ref, 3000, "cap-1", false)
	killed := filepath.Join(t.TempDir(), "killed.db") // the journal the older till left: open
	data, err := os.ReadFile(older)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(killed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sender := clientOn(t, s, older) // its vmp_init sends the open capture under olderKey
	sender.Close()
	wantCaptured(t, s, ref, 3000, "the older till's capture of 3000")
	clock.Advance(25 * time.Hour) // Vipps has forgotten olderKey

	// vmp_init's recovery cannot reach Vipps (credentials refused): the capture stays open.
	refused, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationToken, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := clientOn(t, s, killed)
	defer c.Close()
	s.RemoveFault(refused)
	var holding atomic.Bool
	release := make(chan struct{})
	var releaseOnce sync.Once
	journal.FailCommits(killed, func(int64) journal.CommitFailure {
		if holding.Load() {
			select { // bounded: a write a call waits for would otherwise never come back
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(killed, nil) })
	holding.Store(true)
	ctx := context.Background()
	report, err := c.Recover(ctx, 3*time.Second) // finds it at Vipps: done, its commit held
	if err != nil || len(report.Resolved) != 1 || report.Resolved[0].State != string(journal.StateDone) {
		t.Fatalf("recover: %+v, %v; want the capture resolved done", report, err)
	}
	unreadable, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 500, Operation: sim.OperationEvents, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	atFailpoint(t, func(point, op string) {
		if point == "before_journal_write" && op == journal.OpCapture {
			releaseOnce.Do(func() { close(release) }) // it sends it again: let the writes through
		}
	})
	_, err = c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
	releaseOnce.Do(func() { close(release) })
	s.RemoveFault(unreadable)
	if err != nil {
		t.Fatalf("the capture repeated with its operation id: %v", err)
	}
	if n := effects(s, ref)["CAPTURED"]; n != 1 {
		t.Errorf("%d captures reached Vipps, want 1", n)
	}
	wantCaptured(t, s, ref, 3000, "a capture of 3000 recovered, then repeated with its operation id,")
}

// Two repeats without an id of a capture vmp 0.1 left unseen, the second made before the first's
// outcome reached the till, are that one capture also once the first's outcome is written as
// seen while the second looks (TestARepeatIsTheSameOperationWhenTheOtherRepeatsOutcomeIsWrittenAsSeenWhileItLooks
// for this vmp's entries): the second finds it among the recent repeats, which must know the
// entry by vmp 0.1's intent too.
func TestTwoRepeatsOfACaptureVmp01LeftUnseenAreOneCapture(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("v01twins")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, v01JournalWithAnUnseenCapture(t, s, ref, 1000)) // vmp_init recovers it: done, unseen
	defer c.Close()
	list, err := c.journal.ForReferenceOperation(ref, journal.OpCapture)
	if err != nil || len(list) != 1 || list[0].State != journal.StateDone || list[0].Acknowledged {
		t.Fatalf("the journal's captures of %s: %+v, %v; want the 0.1 one, done and unseen", ref, list, err)
	}
	capture := list[0].ID
	a := &orderedDelivery{made: 1}
	late := &orderedDelivery{made: 2} // made before a's answer reached the till
	if _, err := c.OwnUnit().Capture(WithDelivery(context.Background(), a), ref, 1000, ""); err != nil {
		t.Fatalf("the first repeat: %v", err)
	}
	var once sync.Once
	atFailpoint(t, func(point, op string) {
		if point != "repeat_candidate" || op != journal.OpCapture {
			return
		}
		once.Do(func() {
			a.deliveredAt.Store(3)
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if e, _ := c.journal.Get(capture); e != nil && e.Acknowledged && !c.pay.ReturnedNotWritten(capture) {
					return
				}
			}
			t.Error("the first repeat's seen mark never reached the journal")
		})
	})
	if _, err := c.OwnUnit().Capture(WithDelivery(context.Background(), late), ref, 1000, ""); err != nil {
		t.Fatalf("the second repeat: %v", err)
	}
	late.deliveredAt.Store(4)
	if n := effects(s, ref)["CAPTURED"]; n != 1 {
		t.Errorf("%d captures reached Vipps, want 1", n)
	}
	wantCaptured(t, s, ref, 1000, "a capture of 1000 vmp 0.1 left unseen and two repeats of it, made before either's answer reached the till,")
}
