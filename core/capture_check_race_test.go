package core

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// Alike captures of one payment at the same moment (two tills, or threads of one) land at Vipps
// while a capture is being checked: between its answer and its read of the event log, and
// between that read and its fresh read of the payment. Each read is right for its instant;
// compared with each other they differ by the captures that landed in between. That is no
// mismatch: Vipps' figures agree with its event log, and the capture is among its events. Nor
// is a fresh read that fails. Figures that do differ are still flagged, captures landing or not.
func TestACaptureLandingDuringTheCaptureCheckIsNoMismatch(t *testing.T) {
	for _, how := range []string{"the fresh read sees one more capture", "the fresh read fails", "Vipps' figures differ"} {
		t.Run(how, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("checkrace")
			prepare(t, s, clock, journal.OpCapture, ref)
			c := clientOn(t, s, filepath.Join(t.TempDir(), "till.db"))
			defer c.Close()
			other := clientOn(t, s, filepath.Join(t.TempDir(), "other.db"))
			defer other.Close()
			ctx := context.Background()
			if _, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil { // the till knows the payment: nothing captured
				t.Fatal(err)
			}
			// The other till captures before this one: this capture's answer does not simply add
			// it to what the till knew, so it is checked against the event log.
			if _, err := other.OwnUnit().Capture(ctx, ref, 1000, "other-1"); err != nil {
				t.Fatal(err)
			}
			if how == "Vipps' figures differ" {
				if err := s.SkewCaptured(ref, -500); err != nil {
					t.Fatal(err)
				}
			}
			events := injectFault(t, s, sim.Fault{Kind: sim.FaultDelay, Operation: sim.OperationEvents, Reference: ref, Delay: 400 * time.Millisecond})
			get := sim.Fault{Kind: sim.FaultDelay, Operation: sim.OperationGet, Reference: ref, Delay: 400 * time.Millisecond}
			if how == "the fresh read fails" {
				get = sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationGet, Reference: ref, Times: -1}
			}
			fresh := injectFault(t, s, get)
			otherCapture := func(id string) { // the other till's own check flags the skew too
				if _, err := other.OwnUnit().Capture(ctx, ref, 1000, id); err != nil && !(how == "Vipps' figures differ" && CodeOf(err) == CodeCaptureMismatch) {
					t.Error(err)
				}
			}
			type result struct {
				p   Payment
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
				done <- result{p, err}
			}()
			// While the check's event-log read is held, another capture lands; while its fresh
			// read is held, one more.
			awaitFaultHit(t, s, events)
			otherCapture("other-2")
			want := int64(3000)
			if how != "the fresh read fails" {
				awaitFaultHit(t, s, fresh)
				otherCapture("other-3")
				want = 4000
			}
			r := <-done
			s.RemoveFault(fresh)
			if captured, _, _ := aggregate(t, s, ref); captured != want {
				t.Fatalf("Vipps captured %d, want %d", captured, want)
			}
			if how == "Vipps' figures differ" {
				wantCode(t, r.err, CodeCaptureMismatch, "")
				// Vipps reports 500 less than its events add up to, however many had landed.
				if !strings.Contains(r.err.Error(), fmt.Sprintf("reports %d NOK captured, but the captures in its event log add up to %d", r.p.Captured, r.p.Captured+500)) {
					t.Fatalf("payment %+v, error %v", r.p, r.err)
				}
				return
			}
			if r.err != nil {
				t.Fatalf("a capture whose figures agree with Vipps' event log ended %v: %v (payment %+v)", CodeOf(r.err), r.err, r.p)
			}
		})
	}
}

func injectFault(t *testing.T, s *sim.Server, f sim.Fault) string {
	t.Helper()
	id, err := s.InjectFault(f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// awaitFaultHit waits until a request got the fault: a delayed request is then being held.
func awaitFaultHit(t *testing.T, s *sim.Server, id string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		for _, f := range s.Faults() {
			if f.ID == id && f.Hits > 0 {
				return
			}
		}
	}
	t.Fatalf("no request got fault %s", id)
}
