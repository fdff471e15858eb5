//go:build vmpfailpoints && unix

package core

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// The repeat rule against a capture the till makes again, searched over schedules. A capture of
// 1000 with an id is refused (certainly not carried out); the till, told so, makes it again
// with its id (R) while it also makes an alike capture without an id (N), a second sale. N is
// held at each of its repeat rule's steps until R reaches each step of its way (the lock taken,
// its entry written open and unseen again, the answer, the outcome, the return), and R is
// held there until N has gone on; the refusal's seen mark reaches the journal before N starts,
// while N is held, or only after both (its delivery held). Whatever the schedule, N is another
// operation than R: both are told done, and Vipps holds two captures. (Two such schedules were
// bugs once: TestAnAlikeCallAskingWhileARefusedCaptureIsMadeAgainIsASecondOperation,
// TestTheSeenFlushDoesNotWriteAnOutcomeQueuedForACommitOverItsSeenMark.) And with an alike
// call without an id that ended unknown before N (playRepeatSchedule): N is its repeat. 162
// schedules, about 2.5 minutes (a held seen mark makes the alike call wait up to 2 s for it, by
// design): not in make test-go's list; run it with
// go test -tags vmpfailpoints -run TestNoScheduleMakesAnAlikeCallTheRepeatOfARefusedCaptureMadeAgain ./core
func TestNoScheduleMakesAnAlikeCallTheRepeatOfARefusedCaptureMadeAgain(t *testing.T) {
	nPoints := []string{"repeat_candidates", "repeat_candidate", "repeat_decided"}
	rPoints := []string{"repeat_decided", "before_journal_write", "after_journal_write", "after_response", "after_outcome", "returning"}
	refusals := []sim.Fault{
		{Kind: sim.FaultStatus, Status: 429, RetryAfter: 5 * time.Second},
		{Kind: sim.FaultStatus, Status: 401},
	}
	s, clock := externalSim(t)
	for _, unknown := range []bool{false, true} {
		for _, delivered := range []string{"before", "while held", "after"} {
			for _, refusal := range refusals {
				if unknown && refusal.Status != 429 {
					continue // the till paces its own attempts, 5 a minute: one refusal kind is room enough
				}
				for _, atN := range nPoints {
					for _, atR := range rPoints {
						name := fmt.Sprintf("unknown alike call %v, seen mark %s, refused %d, N held at %s until R is at %s", unknown, delivered, refusal.Status, atN, atR)
						t.Run(name, func(t *testing.T) {
							clock.Advance(61 * time.Second) // a fresh rate-limit minute at the simulator
							playRepeatSchedule(t, s, clock, refusal, unknown, delivered, atN, atR)
						})
					}
				}
			}
		}
	}
}

// With unknown, an alike capture without an id (U) ends VMP_ERR_UNKNOWN_OUTCOME after the refusal,
// not carried out (its first attempt's connection closed before Vipps read it, the next refused
// with 429): N, made after it, is U's repeat and must finish U - R's capture and U's, two in all.
// Taken for R's repeat instead, N would be told done while U stayed undone: one capture.
func playRepeatSchedule(t *testing.T, s *sim.Server, clock *sim.FakeClock, refusal sim.Fault, unknown bool, delivered, atN, atR string) {
	ref := uniqueRef("schedule")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	refusal.Operation, refusal.Reference, refusal.Times = sim.OperationCapture, ref, -1
	fault, err := s.InjectFault(refusal)
	if err != nil {
		t.Fatal(err)
	}
	d := &heldDelivery{}
	_, err = c.OwnUnit().Capture(payments.WithDelivery(ctx, d), ref, 1000, "sale-1")
	s.RemoveFault(fault)
	if code := CodeOf(err); code != CodeRateLimited && code != CodeAuth {
		t.Fatalf("the refused capture: %v (%v)", code, err)
	}
	if delivered == "before" {
		d.delivered.Store(true)
	}
	if unknown {
		closed, _ := s.InjectFault(sim.Fault{Kind: sim.FaultCloseBefore, Operation: sim.OperationCapture, Reference: ref})
		refused, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, RetryAfter: 5 * time.Second,
			Operation: sim.OperationCapture, Reference: ref, Times: -1})
		_, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
		s.RemoveFault(closed)
		s.RemoveFault(refused)
		wantCode(t, err, CodeUnknownOutcome, "")
		if captured, _, _ := aggregate(t, s, ref); captured != 0 {
			t.Fatalf("the unknown capture was carried out (%d captured)", captured)
		}
	}

	var mu sync.Mutex
	phase := 0 // 0: N runs; 1: N held, R runs; 2: R held, N runs; 3: both run
	rAt, nOn := make(chan struct{}), make(chan struct{})
	var rAtOnce, nOnOnce sync.Once
	again := make(chan error, 1)
	wait := func(ch chan struct{}) {
		select { // bounded: a schedule that cannot happen (one call waits for the other's lock) goes on
		case <-ch:
		case <-time.After(3 * time.Second):
		}
	}
	atFailpoint(t, func(point, op string) {
		if op != journal.OpCapture {
			return
		}
		mu.Lock()
		p := phase
		switch {
		case p == 0 && point == atN: // N, at its step: R starts, and N waits for it there
			phase = 1
			mu.Unlock()
			if delivered == "while held" {
				d.delivered.Store(true)
			}
			go func() {
				_, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
				again <- err
			}()
			wait(rAt)
			return
		case p == 1 && point == atR: // R, at its step: N goes on, and R waits for it
			phase = 2
			mu.Unlock()
			rAtOnce.Do(func() { close(rAt) })
			wait(nOn)
			return
		case p == 2: // N's next step
			phase = 3
			mu.Unlock()
			nOnOnce.Do(func() { close(nOn) })
			return
		}
		mu.Unlock()
	})
	_, errN := c.OwnUnit().Capture(ctx, ref, 1000, "")
	nOnOnce.Do(func() { close(nOn) })
	rAtOnce.Do(func() { close(rAt) })
	var errR error
	select {
	case errR = <-again:
	case <-time.After(10 * time.Second):
		t.Fatal("the capture made again never returned")
	}
	d.delivered.Store(true)
	if errN != nil || errR != nil {
		t.Fatalf("the alike capture without an id: %v; the capture made again: %v", errN, errR)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}
