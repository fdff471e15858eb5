package payments

import (
	"slices"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// An outcome queued for a commit is acknowledged by the next write (Ripe hands its mark out at
// once). When that write is on disk before the outcome's commit has answered, the mark is held:
// if the outcome's commit then fails, the write met the file's open copy and acknowledged
// nothing, so the mark must be written again once the outcome is saved; if it succeeds, again
// too (harmless), since the order of the two answers says nothing.
func TestASeenMarkRidingAheadOfItsOutcomesCommitIsGivenBackWhenThatCommitAnswers(t *testing.T) {
	for _, commitOK := range []bool{false, true} {
		var s SeenLog
		queued := &journal.Entry{ID: "op-1", State: journal.StateDone}
		s.Writing(queued)
		s.MarkReturned("op-1", Returned{At: time.Now()})
		if got := s.Ripe(); !slices.Equal(got, []string{"op-1"}) {
			t.Fatalf("ripe %v, want op-1 (its outcome is queued)", got)
		}
		s.Written([]string{"op-1"}, time.Now()) // the carrying write's commit came back first
		if !s.Has("op-1") {
			t.Fatal("the mark was forgotten while its outcome's commit had not answered")
		}
		if got := s.Ripe(); len(got) != 0 {
			t.Fatalf("ripe %v while held", got)
		}
		if commitOK {
			s.Committed(queued)
		} else {
			s.CommitFailed(queued)
			if got := s.Ripe(); len(got) != 0 {
				t.Fatalf("ripe %v before the failed outcome is saved", got)
			}
			s.Written(nil, time.Now())
			s.Saved("op-1") // the retried write
		}
		if got := s.Ripe(); !slices.Equal(got, []string{"op-1"}) {
			t.Fatalf("commit ok %v: ripe %v, want the mark given back", commitOK, got)
		}
		s.Written([]string{"op-1"}, time.Now())
		if s.Has("op-1") || s.PendingCount() != 0 {
			t.Fatalf("commit ok %v: the mark is still kept after its write", commitOK)
		}
	}
}
