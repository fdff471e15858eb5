package core

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// A money-moving request that Vipps carried out but answered with an unreadable body makes the
// library read the payment. When that read fails too, the call must not end with a definite
// failure ("certainly not carried out"): the till would repeat it and, without an operation id,
// the repeat would be a second operation - a second payment, or a second capture. Found by the
// soak (tests/soak), which saw one payment more at the simulator than the till had made.
func TestAnUnreadableAnswerFollowedByAFailedReadIsNeverADefiniteFailure(t *testing.T) {
	s, clock := externalSim(t)
	for _, op := range []string{journal.OpCreate, journal.OpCapture, journal.OpRefund, journal.OpCancel} {
		t.Run(op, func(t *testing.T) {
			ref := uniqueRef("unread")
			prepare(t, s, clock, op, ref)
			c := clientOn(t, s, filepath.Join(t.TempDir(), "journal.db"))
			defer c.Close()
			if op != journal.OpCreate {
				if _, err := c.OwnUnit().PollStatus(context.Background(), ref, 0); err != nil { // the till has seen the payment
					t.Fatal(err)
				}
			}
			malformed, _ := s.InjectFault(sim.Fault{Kind: sim.FaultMalformedJSON, Operation: op, Reference: ref})
			reads, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationGet, Reference: ref, Times: -1})
			err := runOp(c, op, ref)
			s.RemoveFault(malformed)
			s.RemoveFault(reads)
			if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
				t.Fatalf("the call ended %v although Vipps carried it out: %v", code, err)
			}
			// The till repeats the identical call, without an operation id.
			if err := runOp(c, op, ref); err != nil {
				t.Fatalf("the repeat: %v", err)
			}
			if got := effects(s, ref)[effectOf[op]]; got != 1 {
				t.Fatalf("%s happened %d times", op, got)
			}
			if pending, err := c.Pending(); err != nil || len(pending.Open) != 0 {
				t.Fatalf("left open: %+v, %v", pending.Open, err)
			}
			clock.Advance(61 * time.Second)
		})
	}
}

// A till repeats a call whose outcome was unknown; the repeat sends the same operation again
// and is refused for sure (429, 423: nothing done) or blocked by the per-payment rate limit
// before it is sent. The first call may still have carried the operation out, so the repeat
// must not report a definite failure either: the till would repeat once more, and without an
// operation id that would be a new operation - a second capture. The entry stays open.
func TestARepeatRefusedForSureLeavesAnEarlierUnknownOutcomeUnknown(t *testing.T) {
	s, clock := externalSim(t)
	ctx := context.Background()
	for _, second := range []sim.Fault{{Kind: sim.FaultStatus, Status: 429, RetryAfter: time.Second}, {Kind: sim.FaultStatus, Status: 423}} {
		for _, readable := range []bool{false, true} {
			name := faultName(second) + map[bool]string{false: ", event log unreadable", true: ", event log readable"}[readable]
			t.Run(name, func(t *testing.T) {
				ref := uniqueRef("repeat")
				prepare(t, s, clock, journal.OpCapture, ref)
				c := clientOn(t, s, filepath.Join(t.TempDir(), "journal.db"))
				defer c.Close()
				first, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationCapture, Reference: ref, Times: -1})
				_, err := c.OwnUnit().Capture(ctx, ref, 4000, "")
				s.RemoveFault(first)
				wantCode(t, err, CodeUnknownOutcome, "")
				ids := []string{}
				for _, op := range []string{sim.OperationCapture, sim.OperationEvents, sim.OperationGet} {
					if op != sim.OperationCapture && readable {
						continue
					}
					f := second
					f.Operation, f.Reference, f.Times = op, ref, -1
					id, _ := s.InjectFault(f)
					ids = append(ids, id)
				}
				_, err = c.OwnUnit().Capture(ctx, ref, 4000, "")
				for _, id := range ids {
					s.RemoveFault(id)
				}
				pending, perr := c.Pending()
				if perr != nil {
					t.Fatal(perr)
				}
				switch code := CodeOf(err); {
				case readable && code != CodeOK:
					// The event log shows the first call's capture: the repeat finishes it without sending.
					t.Fatalf("the repeat ended %v though Vipps' event log shows the capture: %v", code, err)
				case !readable && code != CodeUnknownOutcome:
					t.Fatalf("the repeat ended %v though the first call may have captured: %v", code, err)
				case code == CodeUnknownOutcome && len(pending.Open) != 1:
					t.Fatalf("the capture should stay open for the next repeat: %+v", pending)
				case code == CodeOK && len(pending.Open)+len(pending.Unacknowledged) != 0:
					t.Fatalf("finished, yet pending: %+v", pending)
				}
				if got := effects(s, ref)[sim.EventCaptured]; got != 1 {
					t.Fatalf("captured %d times", got)
				}
				clock.Advance(61 * time.Second)
			})
		}
	}
}
