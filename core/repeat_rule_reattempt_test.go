//go:build vmpfailpoints && unix

package core

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// The repeat rule asks of each unseen alike entry "in progress?", then "returned?", then reads
// the journal again ("seen since?"). A refused capture the till makes again with its id starts
// being in progress (origins) and writes its entry open and unseen again - carrying, or after,
// its refusal's seen mark, which memory then forgets. An alike call without an id that asked
// "in progress?" just before that, and the rest just after, heard "no" three times and took
// the capture made again for the call to repeat: told done, nothing of its own captured (the
// failed-commit search's open seed 1796476256371240964 has that shape: two calls told done,
// one capture, next to an alike capture with an id). Here the call without an id is held
// between its first two questions until the capture made again has written its entry.
func TestAnAlikeCallAskingWhileARefusedCaptureIsMadeAgainIsASecondOperation(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("askingagain")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	// Refused with a wait longer than the call's time: sent once, not again.
	fault, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: sim.OperationCapture, Reference: ref, Times: -1,
		RetryAfter: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The refusal reaches the till only when the alike call asks: until then its seen mark
	// stays in memory, and the journal lists the entry unseen.
	d := &heldDelivery{}
	_, err = c.OwnUnit().Capture(payments.WithDelivery(ctx, d), ref, 1000, "sale-1")
	s.RemoveFault(fault)
	wantCode(t, err, CodeRateLimited, "")
	list, err := c.journal.ForReferenceOperation(ref, journal.OpCapture)
	if err != nil || len(list) != 1 {
		t.Fatalf("the journal's captures of %s: %d, %v", ref, len(list), err)
	}
	capture := list[0].ID

	held, decided := make(chan struct{}), make(chan struct{})
	var askOnce, heldOnce, decidedOnce sync.Once
	again := make(chan error, 1)
	atFailpoint(t, func(point, op string) {
		if op != journal.OpCapture {
			return
		}
		switch point {
		case "repeat_candidate": // the call without an id: "in progress?" answered no
			askOnce.Do(func() {
				d.delivered.Store(true)
				go func() {
					_, err := c.OwnUnit().Capture(ctx, ref, 1000, "sale-1")
					again <- err
				}()
				<-held
				for deadline := time.Now().Add(5 * time.Second); c.pay.ReturnedNotWritten(capture); time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Error("the refusal's seen mark never reached the journal")
						return
					}
				}
			})
		case "after_journal_write": // the capture made again: written open and unseen
			heldOnce.Do(func() { close(held); <-decided })
		case "repeat_decided":
			select {
			case <-held:
				decidedOnce.Do(func() { close(decided) })
			default:
			}
		}
	})
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the alike capture without an id: %v", err)
	}
	if err := <-again; err != nil {
		t.Fatalf("the capture made again: %v", err)
	}
	wantCaptured(t, s, ref, 2000, "two captures of 1000, both told done,")
}
