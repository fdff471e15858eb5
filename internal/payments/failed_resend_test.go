package payments

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// A failed entry is sent again unread only when both clocks of the process that wrote it say it
// is younger than FailedResendUnreadWindow and its wall-clock time is not ahead of the clock:
// every other pairing of its wall-clock age (the journal's created_at) and its monotonic age
// (this process's births, unknown after a restart) is looked up first.
func TestAFailedEntryIsSentAgainUnreadOnlyWhenBothClocksOfItsProcessSayItIsYoung(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	wallNow := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	monoNow := time.Now()
	eng := &Engine{journal: j, now: func() time.Time { return wallNow }, monotonic: func() time.Time { return monoNow }}
	const w = FailedResendUnreadWindow
	walls := []time.Duration{-48 * time.Hour, -61 * time.Second, -time.Minute, -time.Second, 0, w - time.Second, w, 25 * time.Hour}
	monos := []time.Duration{-1, 0, w - time.Second, w, 25 * time.Hour} // -1: not written by this process
	for _, wall := range walls {
		for _, mono := range monos {
			e := &journal.Entry{ID: fmt.Sprintf("op-%v-%v", wall, mono), State: journal.StateFailed, CreatedAt: wallNow.Add(-wall)}
			if mono >= 0 {
				eng.births.note(e.ID, monoNow.Add(-mono))
			}
			young := wall >= -time.Minute && wall < w && mono >= 0 && mono < w
			lookedUp, why := eng.failedButMayHaveHappened(e)
			if lookedUp == young || (lookedUp && why == "") {
				monoAge := fmt.Sprint(mono)
				if mono < 0 {
					monoAge = "unknown"
				}
				t.Errorf("wall-clock age %v, monotonic age %s: looked up %v (%q), want %v", wall, monoAge, lookedUp, why, !young)
			}
		}
	}
	e := &journal.Entry{ID: "op-created-at-missing", State: journal.StateFailed}
	eng.births.note(e.ID, monoNow)
	if lookedUp, _ := eng.failedButMayHaveHappened(e); !lookedUp {
		t.Error("a failed entry without created_at was sent again unread")
	}
	for _, state := range []journal.State{journal.StateOpen, journal.StateDone, journal.StateRejected, journal.StateNotCreated} {
		if lookedUp, _ := eng.failedButMayHaveHappened(&journal.Entry{ID: "op-" + string(state), State: state}); lookedUp {
			t.Errorf("a %s entry counted as failed", state)
		}
	}
}
