//go:build vmpfailpoints && unix

package core

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// The till dies while a request is on its way to Vipps, and restarts at once: the journal holds
// the entry open as it was written before the request left. Recovery must not take "Vipps does
// not show it yet" for "it never reached Vipps" - a create marked not_created, a capture failed
// on the answer to its repeat - while the dead process's request may still land. Here the
// journal the restart opens is the file as it was after the entry's write (copied at that
// failpoint; the first process goes on, its request held at Vipps), so the restart is exactly
// one that died right after sending.
func TestARestartWhileAnAttemptIsOnItsWayDoesNotEndIt(t *testing.T) {
	for _, op := range []string{journal.OpCreate, journal.OpCapture} {
		t.Run(op, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("restart-" + op)
			prepare(t, s, clock, op, ref)
			dir := t.TempDir()
			alive, image := filepath.Join(dir, "alive.db"), filepath.Join(dir, "image.db")
			var once sync.Once
			atFailpoint(t, func(point, o string) {
				if point != "after_journal_write" || o != op {
					return
				}
				once.Do(func() {
					// The journal's disk as it is now: the file and its log (the entry just
					// written is in the log until a checkpoint).
					for _, suffix := range []string{"", ".wal"} {
						data, err := os.ReadFile(alive + suffix)
						if err == nil {
							err = os.WriteFile(image+suffix, data, 0o600)
						}
						if err != nil {
							t.Error(err)
						}
					}
				})
			})
			faultOp := map[string]string{journal.OpCreate: sim.OperationCreate, journal.OpCapture: sim.OperationCapture}[op]
			holdFirst(t, s, faultOp, ref, 4*time.Second, -1) // the dead process's request, held at Vipps
			c1 := clientAt(t, s.URL(), alive, 500, 1500)
			err := runOp(c1, op, ref)
			c1.Close()
			wantCode(t, err, CodeUnknownOutcome, "")
			atFailpoint(t, nil)
			s.ClearFaults()
			// Vipps answers the restart's repeat of the capture 409 while the first is in
			// progress (any definite answer will do: it says nothing of the held attempt).
			s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 409, Operation: faultOp, Reference: ref, Times: -1})

			c2 := clientAt(t, s.URL(), image, 500, 1500)
			defer c2.Close()
			for _, e := range c2.InitRecovery.Resolved {
				t.Errorf("recovery resolved the %s %s (state %s: %+v) while its request was still on its way", e.Operation, e.Reference, e.State, e.Outcome)
			}
			landed := time.Now().Add(6 * time.Second)
			for effects(s, ref)[effectOf[op]] == 0 {
				if time.Now().After(landed) {
					t.Fatalf("the held %s never landed", op)
				}
				time.Sleep(20 * time.Millisecond)
			}
			s.ClearFaults()
			if err := runOp(c2, op, ref); err != nil { // the till's repeat finishes it
				t.Fatalf("the repeat after the %s landed: %v", op, err)
			}
			if got := effects(s, ref)[effectOf[op]]; got != 1 {
				t.Fatalf("one %s made %d", op, got)
			}
		})
	}
}
