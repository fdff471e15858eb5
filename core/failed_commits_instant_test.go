//go:build vmpfailpoints && unix

package core

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// An alike call made while the first is still returning is a second operation (two alike
// sales, vmp.h): the first counts as in progress until its outcome counts as returned, with
// no instant between in which the second takes it for a call to repeat. Found by the
// failed-commit search (a capture told done, nothing captured); here the first call is held
// in that instant until the second has decided what it is.
func TestAnAlikeCallMadeWhileTheFirstIsReturningIsASecondOperation(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("returning")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	held, decided := make(chan struct{}), make(chan struct{})
	var holdOnce, decideOnce sync.Once
	atFailpoint(t, func(point, op string) {
		switch {
		case point == "returning" && op == journal.OpCapture:
			holdOnce.Do(func() { close(held); <-decided })
		case point == "repeat_decided" && op == journal.OpCapture:
			select {
			case <-held:
				decideOnce.Do(func() { close(decided) })
			default:
			}
		}
	})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
		first <- err
	}()
	<-held
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the second capture: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first capture: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}

// The repeat rule reads the journal's unseen entries, then asks memory which were returned. An
// outcome whose seen mark is written in between is in neither: the second alike call must not
// take it for a call to repeat. Here the second call is held after its read of the journal
// until the first call's seen mark is on disk.
func TestAnAlikeCallIsNotARepeatOfAnOutcomeWrittenAsSeenWhileItLooked(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("lookedup")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	atFailpoint(t, func(point, op string) {
		if point != "repeat_candidates" || op != journal.OpCapture {
			return
		}
		once.Do(func() {
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if list, _ := c.journal.ForReference(ref); len(list) > 0 && list[len(list)-1].Acknowledged && !c.pay.ReturnedNotWritten(list[len(list)-1].ID) {
					return
				}
			}
			t.Error("the first capture's seen mark never reached the journal")
		})
	})
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the second capture: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}

// A capture the till is told was not carried out (Vipps answered 429 to every attempt) whose
// outcome never reached the disk stays open in the file. Recovery after a restart looked it
// up, found nothing and sent it again: the capture the till was told had not happened - and
// may have settled otherwise - was carried out. A definite failure of a capture, refund or
// cancel must be on disk before the call says so; when it cannot be, the outcome is unknown.
func TestACaptureToldNotCarriedOutIsNotSentByRecoveryWhenTheJournalLostThat(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("failedlost")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	var dead atomic.Bool // from the capture's outcome on, every commit fails
	journal.FailCommits(path, func(int64) journal.CommitFailure {
		if dead.Load() {
			return journal.FailBeforeMeta
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(path, nil) })
	var armed atomic.Bool
	armed.Store(true)
	journalWriteFault = func(e *journal.Entry) error {
		if e.Operation == journal.OpCapture && e.State != journal.StateOpen && armed.CompareAndSwap(true, false) {
			dead.Store(true)
		}
		return nil
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })
	fault, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OwnUnit().Capture(context.Background(), ref, 1000, "")
	code := CodeOf(err)
	s.RemoveFault(fault)
	if code == CodeOK {
		t.Fatal("a capture answered 429 every time was told done")
	}
	c.Close() // nothing more reaches the disk: as if killed
	dead.Store(false)
	clock.Advance(61 * time.Second)
	c = clientOn(t, s, path)
	defer c.Close()
	if captured, _, _ := aggregate(t, s, ref); captured != 0 && code != CodeUnknownOutcome {
		t.Fatalf("the till was told %v (%v), and recovery carried the capture out: %d captured", code, err, captured)
	}
	t.Logf("the capture ended %v", code)
}

// A capture whose entry's commit failed after its meta page was written (the fdatasync after
// it: EIO) was not sent, and the call said so (VMP_ERR_JOURNAL, "nothing was sent") - yet the
// journal this process reads, and the next one after a restart without a reboot, holds the
// entry open, and recovery sent it: a capture the till was told had not happened. Nothing is
// promised about such an entry but that it may be carried out: the call's outcome is unknown.
func TestACaptureWhoseEntryMayBeOnDiskIsNotToldNotSent(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("latefail")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	defer c.Close()
	var armed atomic.Bool
	journal.FailCommits(path, func(int64) journal.CommitFailure {
		if armed.CompareAndSwap(true, false) {
			return journal.FailAfterMeta
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(path, nil) })
	armed.Store(true) // the capture's entry is the next commit
	_, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "sale-1")
	code := CodeOf(err)
	if code == CodeOK {
		t.Fatal("a capture whose entry's commit failed was sent")
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 0 {
		t.Fatalf("a capture whose entry's commit failed was sent: %d captured", captured)
	}
	if _, err := c.Recover(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 0 && code != CodeUnknownOutcome {
		t.Fatalf("the till was told %v (%v), and recovery carried the capture out: %d captured", code, err, captured)
	}
	t.Logf("the capture ended %v", code)
}

// After a commit failed past its meta page the journal takes no write until vmp is restarted
// (journal.ErrDiskFailed: bbolt would reuse pages a read still reads). The capture of that
// commit and its repeats are of unknown outcome - the file holds its entry open - and a new
// capture is refused, nothing sent, saying vmp must be restarted. After the restart the repeat
// finishes the capture, once.
func TestAfterACommitFailedPastItsMetaPageNoWriteIsTakenUntilARestart(t *testing.T) {
	s, clock := externalSim(t)
	ref, other := uniqueRef("diskfailed"), uniqueRef("diskfailed2")
	prepare(t, s, clock, journal.OpCapture, ref)
	prepare(t, s, clock, journal.OpCapture, other)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	var armed atomic.Bool
	journal.FailCommits(path, func(int64) journal.CommitFailure {
		if armed.CompareAndSwap(true, false) {
			return journal.FailAfterMeta
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(path, nil) })
	armed.Store(true) // the capture's entry is the next commit
	for try := range 2 {
		if _, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "sale-1"); CodeOf(err) != CodeUnknownOutcome {
			t.Fatalf("call %d of the capture whose commit failed past its meta page: %v (%v), want VMP_ERR_UNKNOWN_OUTCOME", try+1, CodeOf(err), err)
		}
	}
	_, err := c.OwnUnit().Capture(context.Background(), other, 500, "sale-2")
	if CodeOf(err) != CodeJournal || !strings.Contains(err.Error(), "restarted") {
		t.Fatalf("a new capture after the failed commit: %v (%v), want VMP_ERR_JOURNAL saying vmp must be restarted", CodeOf(err), err)
	}
	for _, r := range []string{ref, other} {
		if captured, _, _ := aggregate(t, s, r); captured != 0 {
			t.Fatalf("%s: %d captured before the restart, want 0", r, captured)
		}
	}
	c.Close()
	c = clientOn(t, s, path)
	defer c.Close()
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "sale-1"); err != nil {
		t.Fatalf("the capture repeated after the restart: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 1000 {
		t.Fatalf("%d captured, want 1000", captured)
	}
}

// heldDelivery is a Delivery that reaches the till only when the test says so.
type heldDelivery struct{ delivered atomic.Bool }

func (d *heldDelivery) Delivered() bool { return d.delivered.Load() }

// The repeat rule asks memory two things of each unseen alike entry: whether its first call is
// still in progress, and whether its outcome was returned. The first call ends in progress only
// after its outcome counts as returned; a rule that asked "returned?" first and "in progress?"
// after could hear "no" twice when that call returned in between - and take an operation whose
// outcome the till was told for the call to repeat: a capture told done that captured nothing
// (found by the failed-commit search: "capture ... 320 id - (session 2): VMP_OK", with the
// alike capture of id op-18 told VMP_OK too, and Vipps had one of them). Here the alike call
// is held between its two questions while the first call returns.
func TestAnAlikeCallIsNotARepeatOfACallThatReturnedWhileItAsked(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("asking")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	// The first call's outcome reaches the till only once the second has asked: until then its
	// seen mark is not written, so the journal lists it unseen.
	d := &heldDelivery{}
	returning, asking, firstDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var returningOnce, askingOnce sync.Once
	atFailpoint(t, func(point, op string) {
		if op != journal.OpCapture {
			return
		}
		switch point {
		case "returning":
			returningOnce.Do(func() { close(returning); <-asking })
		case "repeat_candidate":
			askingOnce.Do(func() {
				close(asking)
				<-firstDone
				d.delivered.Store(true)
			})
		}
	})
	first := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().Capture(payments.WithDelivery(context.Background(), d), ref, 1000, "sale-1")
		close(firstDone)
		first <- err
	}()
	<-returning // the first capture is done at Vipps and in the journal, and returning
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 1000, ""); err != nil {
		t.Fatalf("the second capture: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first capture: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}

// A repeat made before another repeat's outcome reached the till repeats the same operation,
// also once that outcome is written as seen (vmp.h): the repeat rule finds it among the recent
// repeats, then among the journal's unseen entries. An outcome written as seen while the rule
// was between the two was in neither - the journal had it seen, memory no longer returned - and
// the repeat became a second capture. Here the repeat is held among the unseen entries until
// the other repeat's outcome is written as seen.
func TestARepeatIsTheSameOperationWhenTheOtherRepeatsOutcomeIsWrittenAsSeenWhileItLooks(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("recentrepeat")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	list, err := c.journal.ForReferenceOperation(ref, journal.OpCapture)
	if err != nil || len(list) != 1 {
		t.Fatalf("the journal's captures of %s: %d, %v", ref, len(list), err)
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
	wantCaptured(t, s, ref, 1000, "one capture of 1000 and two repeats of it, made before either's answer reached the till,")
}

// A call without an id that repeats an operation with an id - an alike capture the till was
// told VMP_ERR_UNKNOWN_OUTCOME - must wait for whatever is finishing that operation
// (vmp_recover, or a repeat with the id), as a repeat of an operation without an id does: they
// must never work on one entry at once (IntentLocks). It took the lock of its own intent, not
// the operation's, and finished the entry a second time while recovery was finishing it. Here
// recovery is held as it writes the outcome, until the repeat, once it has decided, waits for
// a lock (the failpoint lock_waits); a repeat that does not wait reaches the outcome's write
// while recovery is still held there.
func TestARepeatWithoutAnIdWaitsForRecoveryOfTheOperationWithAnIdItRepeats(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("idlock")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	held, decided, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var writers atomic.Int32
	var twice atomic.Bool
	var heldOnce, decidedOnce, releaseOnce sync.Once
	journalWriteFault = func(e *journal.Entry) error {
		if e.Operation != journal.OpCapture || e.State != journal.StateDone {
			return nil
		}
		if writers.Add(1) == 1 {
			heldOnce.Do(func() { close(held) })
			<-release
		} else {
			twice.Store(true) // two at once
			releaseOnce.Do(func() { close(release) })
		}
		writers.Add(-1)
		return nil
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })
	atFailpoint(t, func(point, op string) {
		switch {
		case point == "repeat_decided" && op == journal.OpCapture:
			decidedOnce.Do(func() { close(decided) })
		case point == "lock_waits":
			select {
			case <-decided: // the repeat has decided, and waits for a lock
				releaseOnce.Do(func() { close(release) })
			default:
			}
		}
	})
	recovered := make(chan error, 1)
	go func() {
		_, err := c.Recover(ctx, 3*time.Second)
		recovered <- err
	}()
	<-held // recovery holds the capture's lock and writes its outcome
	repeated := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
		repeated <- err
	}()
	if err := <-recovered; err != nil {
		t.Fatalf("recover: %v", err)
	}
	if err := <-repeated; err != nil {
		t.Fatalf("the repeat without an id: %v", err)
	}
	if twice.Load() {
		t.Fatal("the repeat without an id finished the capture while recovery was finishing it")
	}
	wantCaptured(t, s, ref, 1000, "a capture and its repeat")
}

// A capture with an id that Vipps refused (VMP_ERR_RATE_LIMITED: certainly not carried out, and
// the till was told so) and that the till makes again with its id is in progress like a first
// call: an alike call without an id made meanwhile is a second capture, not a repeat - the
// first's outcome was never unknown to the till. The entry, written open and unseen again for
// the new attempt, was taken for the call to repeat: told done, nothing captured. Here the
// second attempt is held after its entry's write until the alike call has decided.
func TestAnAlikeCallMadeWhileARefusedCaptureIsMadeAgainIsASecondOperation(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("refusedagain")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	ctx := context.Background()
	fault, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
	s.RemoveFault(fault)
	wantCode(t, err, CodeRateLimited, "")
	list, err := c.journal.ForReferenceOperation(ref, journal.OpCapture)
	if err != nil || len(list) != 1 {
		t.Fatalf("the journal's captures of %s: %d, %v", ref, len(list), err)
	}
	capture := list[0].ID
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) { // the refusal is written as seen
		if e, _ := c.journal.Get(capture); e != nil && e.Acknowledged && !c.pay.ReturnedNotWritten(capture) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refusal's seen mark never reached the journal")
		}
	}
	// The refused attempts used up the payment's minute of captures: the till is restarted
	// (its own pacing starts afresh) a minute later (Vipps' too).
	c.Close()
	clock.Advance(61 * time.Second)
	c = clientOn(t, s, path)
	defer c.Close()
	held, decided := make(chan struct{}), make(chan struct{})
	var heldOnce, decidedOnce sync.Once
	atFailpoint(t, func(point, op string) {
		if op != journal.OpCapture {
			return
		}
		switch point {
		case "after_journal_write":
			heldOnce.Do(func() { close(held); <-decided })
		case "repeat_decided":
			select {
			case <-held:
				decidedOnce.Do(func() { close(decided) })
			default:
			}
		}
	})
	again := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
		again <- err
	}()
	<-held // the capture made again is written open and unseen, and about to be sent
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the alike capture without an id: %v", err)
	}
	if err := <-again; err != nil {
		t.Fatalf("the capture made again: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}

// vmp_pending reads the journal's unseen entries, then the states memory keeps of those whose
// latest write is not on disk. An outcome queued for a commit that landed in between was in
// neither: vmp_pending listed as open an operation recovery had just finished (found by the
// failed-commit search: "after the final recovery 1 operations are open", attempts 1, no
// outcome). Here the commit is held until vmp_pending has read the journal.
func TestPendingDoesNotListAsOpenAnOutcomeCommittedWhileItLooked(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("pendinglook")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	defer c.Close()
	ctx := context.Background()
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	var holding atomic.Bool
	release := make(chan struct{})
	journal.FailCommits(path, func(int64) journal.CommitFailure {
		if holding.Load() {
			select { // bounded: a write recovery waited for would otherwise never come back
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		return journal.CommitSucceeds
	})
	t.Cleanup(func() { journal.FailCommits(path, nil) })
	holding.Store(true)
	report, err := c.Recover(ctx, 3*time.Second) // its outcome is queued for a commit, held
	if err != nil || len(report.Resolved) != 1 {
		t.Fatalf("recover: %+v, %v", report, err)
	}
	var once sync.Once
	atFailpoint(t, func(point, _ string) {
		if point == "pending_read" {
			once.Do(func() {
				holding.Store(false)
				close(release)
				c.journal.WaitQueued() // the outcome is on disk, and memory no longer keeps it
			})
		}
	})
	p, err := c.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Open) > 0 {
		t.Fatalf("vmp_pending lists as open what recovery finished: %+v", p.Open)
	}
}

// atFailpoint makes hook the engine's failpoint hook until the test ends.
func atFailpoint(t *testing.T, hook func(point, op string)) {
	payments.FailpointHook = hook
	t.Cleanup(func() { payments.FailpointHook = nil })
}

// wantCaptured fails the test unless Vipps captured want on ref; what names the calls made.
func wantCaptured(t *testing.T, s *sim.Server, ref string, want int64, what string) {
	t.Helper()
	if captured, _, _ := aggregate(t, s, ref); captured != want {
		t.Fatalf("%s came to %d", what, captured)
	}
}
