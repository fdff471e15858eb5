//go:build vmpfailpoints && unix

package core

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/payments"
)

// The seen flush writes again the entries whose write failed. It lists them, then takes each
// one's lock and reads memory's state of it again - which, when a call made the operation again
// meanwhile, is no longer the failed write but that call's outcome queued for a commit. The
// flush wrote that outcome itself, unseen, over the seen mark another write had just recorded,
// and memory forgot the mark: the journal listed unseen an operation whose outcome the till had
// been told, and an alike call without an id took it for the call to repeat - told done,
// nothing captured (found by the failed-commit search: an id-less refund of 120 told VMP_OK
// with no entry of its own, next to an alike refund whose first write had failed; and the open
// seed 1796476256371240964 has the same shape). Here a capture with an id meets a failing disk
// (VMP_ERR_JOURNAL) while the flush lists it; the flush is held until the capture, made again,
// is done and its outcome queued, and that commit is held until another write carries the
// capture's seen mark ahead of the flush's.
func TestTheSeenFlushDoesNotWriteAnOutcomeQueuedForACommitOverItsSeenMark(t *testing.T) {
	s, clock := externalSim(t)
	ref, other := uniqueRef("flushrewrite"), uniqueRef("flushrewrite2")
	prepare(t, s, clock, journal.OpCapture, ref)
	prepare(t, s, clock, journal.OpCapture, other)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	defer c.Close()
	ctx := context.Background()

	var failNext, holdNext atomic.Bool
	commitHeld, releaseCommit := make(chan struct{}), make(chan struct{})
	var commitHeldOnce sync.Once
	journal.FailCommits(path, func(int64) journal.CommitFailure {
		if failNext.CompareAndSwap(true, false) {
			return journal.FailBeforeMeta
		}
		if holdNext.CompareAndSwap(true, false) {
			commitHeldOnce.Do(func() { close(commitHeld) })
			select { // bounded: a test gone wrong must not hang the package
			case <-releaseCommit:
			case <-time.After(10 * time.Second):
			}
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(path, nil) })
	// The capture's outcome made again: its commit waits until the flush has read it.
	journalWriteFault = func(e *journal.Entry) error {
		if e.Reference == ref && e.Operation == journal.OpCapture && e.State == journal.StateDone && e.OperationID == "sale-1" {
			holdNext.Store(true)
		}
		return nil
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })

	// An outcome that never reaches the till keeps the seen flush coming back.
	if _, err := c.OwnUnit().Capture(payments.WithDelivery(ctx, &heldDelivery{}), other, 500, "other-1"); err != nil {
		t.Fatal(err)
	}
	c.journal.WaitQueued() // its outcome is on disk: the next commit is the capture's entry
	listed, releaseFlush := make(chan struct{}), make(chan struct{})
	var listedOnce, failedOnce, releaseFlushOnce, releaseCommitOnce sync.Once
	release := func() { // nothing stays held once the test ends, also when it fails
		releaseFlushOnce.Do(func() { close(releaseFlush) })
		releaseCommitOnce.Do(func() { close(releaseCommit) })
	}
	defer release()
	atFailpoint(t, func(point, op string) {
		if op != journal.OpCapture {
			return
		}
		switch point {
		case "entry_write_failed": // the capture's failed write: kept in memory until the flush lists it
			failedOnce.Do(func() {
				select {
				case <-listed:
				case <-time.After(5 * time.Second):
					t.Error("the seen flush never listed the failed write")
				}
			})
		case "flush_unsaved": // held before it takes the capture's lock
			listedOnce.Do(func() {
				close(listed)
				select {
				case <-releaseFlush:
				case <-time.After(10 * time.Second):
				}
			})
		}
	})
	failNext.Store(true)
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1"); CodeOf(err) != CodeJournal {
		t.Fatalf("the capture whose entry's commit failed: %v (%v), want VMP_ERR_JOURNAL", CodeOf(err), err)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1"); err != nil {
		t.Fatalf("the capture made again: %v", err)
	}
	<-commitHeld // its outcome is queued, its commit held
	// Another write carries the capture's seen mark; it queues behind the held commit, ahead
	// of the flush's.
	otherDone := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().Capture(ctx, other, 500, "other-2")
		otherDone <- err
	}()
	writesWaiting(t, c, 1)
	releaseFlushOnce.Do(func() { close(releaseFlush) })
	// The flush reads the capture's state again and, writing it, queues behind the other
	// write; a flush that leaves it to its commit queues nothing (given a second to show it).
	for deadline := time.Now().Add(time.Second); c.journal.WritesWaiting() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	releaseCommitOnce.Do(func() { close(releaseCommit) })
	if err := <-otherDone; err != nil {
		t.Fatalf("the capture of the other payment: %v", err)
	}
	c.journal.WaitQueued()
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the alike capture without an id: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}

// writesWaiting waits until n writes wait for the journal's next group commit.
func writesWaiting(t *testing.T, c *Client, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.journal.WritesWaiting() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes wait for the next commit, want %d", c.journal.WritesWaiting(), n)
		}
	}
}
