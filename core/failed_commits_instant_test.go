//go:build vmpfailpoints && unix

package core

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
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
	payments.FailpointHook = func(point, op string) {
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
	}
	t.Cleanup(func() { payments.FailpointHook = nil })
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
	if captured, _, _ := aggregate(t, s, ref); captured != 2000 {
		t.Fatalf("two captures of 1000, both told done, came to %d", captured)
	}
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
	payments.FailpointHook = func(point, op string) {
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
	}
	t.Cleanup(func() { payments.FailpointHook = nil })
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatalf("the second capture: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 2000 {
		t.Fatalf("two captures of 1000, both told done, came to %d", captured)
	}
}
