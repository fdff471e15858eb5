//go:build vmpfailpoints && unix

package core

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// An open capture an older vmp recorded under the Idempotency-Key it derived then is one
// operation for every path that works on it: a call with its operation id (found by the id,
// repeat_rule.go findByOperationID) waits for vmp_recover, or for a repeat without an id, that
// is finishing it. The call with the id took the lock of the key this vmp derives, the others
// that of the entry's own (older) key: both looked the capture up at Vipps, found it not
// carried out, and sent it - and once Vipps had forgotten the key between the two sends, it
// was captured twice. Here the other path is held, holding the operation's lock, after its
// look-up; the call with the id either waits for it (released then) or sends first; the sim's
// clock passes Vipps' key memory (a day) after the first send.
// A vmp 0.1 entry (no MSN, its unit and intent named by the unit's config name) is found by its
// id too (repeat_rule.go asksFor), and is one operation for recovery the same way.
func TestAnOpenEntryOfAnOlderJournalIsFinishedByOnePathAtATime(t *testing.T) {
	for _, tc := range []struct {
		other string
		v01   bool // the entry as vmp 0.1 wrote it
	}{{"vmp_recover", false}, {"a repeat without an id", false}, {"vmp_recover", true}} {
		other := tc.other
		name := other
		if tc.v01 {
			name += " (an entry of vmp 0.1)"
		}
		t.Run(name, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("olderlock")
			prepare(t, s, clock, journal.OpCapture, ref)
			path := olderJournalWithAnOpenCapture(t, s, ref, 3000, "cap-1", tc.v01)
			// vmp_init's recovery cannot reach Vipps (credentials refused): the capture stays open.
			refused, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationToken, Times: -1})
			if err != nil {
				t.Fatal(err)
			}
			c := clientOn(t, s, path)
			defer c.Close()
			s.RemoveFault(refused)
			if e, err := c.journal.Get(olderKey); err != nil || e == nil || e.State != journal.StateOpen {
				t.Fatalf("after vmp_init the older capture is %+v, %v; want it open", e, err)
			}
			clock.Advance(61 * time.Second) // a fresh minute of captures at Vipps

			held, release := make(chan struct{}), make(chan struct{})
			var holding atomic.Bool
			holding.Store(true)
			var releaseOnce, forgetOnce sync.Once
			atFailpoint(t, func(point, op string) {
				switch {
				case point == "before_journal_write" && op == journal.OpCapture:
					if holding.CompareAndSwap(true, false) { // the first to get there; never another
						close(held)
						<-release
					}
				case point == "lock_waits":
					releaseOnce.Do(func() { close(release) })
				case point == "after_response" && op == journal.OpCapture:
					forgetOnce.Do(func() { clock.Advance(25 * time.Hour) })
				}
			})
			ctx := context.Background()
			first := make(chan error, 1)
			go func() {
				var err error
				if other == "vmp_recover" {
					_, err = c.Recover(ctx, 3*time.Second)
				} else {
					_, err = c.OwnUnit().Capture(ctx, ref, 3000, "")
				}
				first <- err
			}()
			<-held // it holds the capture's lock, has looked it up, and is about to send it
			withID := make(chan error, 1)
			go func() {
				_, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
				withID <- err
			}()
			// The call with the id waits for the lock (lock_waits releases the other), or has
			// finished the capture by itself.
			err = <-withID
			releaseOnce.Do(func() { close(release) })
			if err != nil {
				t.Fatalf("the capture with its operation id: %v", err)
			}
			if err := <-first; err != nil {
				t.Fatalf("%s: %v", other, err)
			}
			if n := effects(s, ref)["CAPTURED"]; n != 1 {
				t.Errorf("%d captures reached Vipps, want 1", n)
			}
			wantCaptured(t, s, ref, 3000, "an open capture of 3000 finished by "+other+" and a call with its operation id")
		})
	}
}

// olderKey is the Idempotency-Key an older vmp derived for the capture: not this vmp's.
const olderKey = "vmp-0123456789abcdef0123456789abcdef01234567"

// olderJournalWithAnOpenCapture writes a journal of the older format holding a capture of
// amount on ref with operationID, open (as a till killed while sending it left it) and never
// carried out at Vipps, under olderKey. The entry is the one this vmp writes, made by a capture
// Vipps refused without processing it; v01: without an MSN and with 0.1's intent.
func olderJournalWithAnOpenCapture(t *testing.T, s *sim.Server, ref string, amount int64, operationID string, v01 bool) string {
	t.Helper()
	fault, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 400, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(t.TempDir(), "first.db")
	c := clientOn(t, s, first)
	_, err = c.OwnUnit().Capture(context.Background(), ref, amount, operationID)
	s.RemoveFault(fault)
	c.Close()
	if err == nil {
		t.Fatal("a capture Vipps refused was told done")
	}
	j, err := journal.Open(first, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := j.ForReferenceOperation(ref, journal.OpCapture)
	j.Close()
	if err != nil || len(list) != 1 {
		t.Fatalf("the first till's journal holds %d captures of %s (%v)", len(list), ref, err)
	}
	open := list[0]
	open.ID, open.IdempotencyKey = olderKey, olderKey
	open.State, open.Outcome, open.Payment, open.Acknowledged = journal.StateOpen, nil, nil, false
	if v01 {
		open.MSN, open.Intent = "", fmt.Sprintf("capture|%s|%d", ref, amount)
	}
	path := filepath.Join(t.TempDir(), "older.db")
	writeOlderJournal(t, path, []*journal.Entry{open})
	if captured, _, _ := aggregate(t, s, ref); captured != 0 {
		t.Fatalf("the refused capture captured %d", captured)
	}
	return path
}
