package core

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// A new journal refuses a capture without an id on a payment it does not know, whether or not
// Vipps can be read: the refusal depends on the journal alone. It came after the read of the
// payment's currency, and while reads failed the till was told VMP_ERR_NETWORK (found by the
// property test, seed 611658801750).
func TestANewJournalRefusesACaptureWithoutAnIdWhileVippsCannotBeRead(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("newjournal")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := newTillOn(t, s, filepath.Join(t.TempDir(), "lost.db"), "")
	defer c.Close()
	id, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 500, Operation: sim.OperationGet, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.RemoveFault(id)
	_, err = c.OwnUnit().Capture(context.Background(), ref, 1000, "")
	wantCode(t, err, CodeNewJournal, "")
}
