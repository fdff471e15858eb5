package journal

import (
	"slices"
	"testing"
)

// An acknowledgement that meets an entry the file has open (its outcome not written yet: queued,
// or its write failed) marks nothing; the writer is told which, so the till's seen mark is kept
// and given again once the outcome is on disk, not forgotten.
func TestAnAcknowledgementOfAnEntryTheFileHasOpenIsReportedNotRecorded(t *testing.T) {
	j, _ := openTemp(t, Options{})
	open, done := newEntry("vmp-open", "intent"), newEntry("vmp-done", "intent")
	done.State, done.Outcome = StateDone, &Outcome{}
	for _, e := range []*Entry{open, done} {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	notMarked, err := j.AcknowledgeAllOpen([]string{"vmp-open", "vmp-done"})
	if err != nil || !slices.Equal(notMarked, []string{"vmp-open"}) {
		t.Fatalf("AcknowledgeAllOpen reports %v (%v), want [vmp-open]", notMarked, err)
	}
	carrier := newEntry("vmp-carrier", "other")
	if notMarked, err = j.PutAcking(carrier, []string{"vmp-open"}); err != nil || !slices.Equal(notMarked, []string{"vmp-open"}) {
		t.Fatalf("PutAcking reports %v (%v), want [vmp-open]", notMarked, err)
	}
	if e, _ := j.Get("vmp-done"); e == nil || !e.Acknowledged {
		t.Fatalf("the finished entry was not acknowledged: %+v", e)
	}
	if e, _ := j.Get("vmp-open"); e == nil || e.Acknowledged {
		t.Fatalf("the open entry: %+v", e)
	}
}
