package payments

import (
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// A till runs for months inside the POS process, so nothing the engine keeps may grow with the
// number of payments it has seen. Two things would: the trackers (one per payment reference)
// and the journal (finished operations are kept for journal_retention_days). The soak
// (tests/soak) found both: about 1 kB of memory per payment that stayed for 30 minutes, and a
// journal pruned only by vmp_init.

const (
	// trackerIdleLimit: a tracker nobody used for this long is dropped at the next prune.
	trackerIdleLimit = 30 * time.Minute
	// trackersKept: with fewer trackers than this, nothing is pruned.
	trackersKept = 1024
	// trackersMax: with more trackers than this, one idle for trackerWindowsEmpty goes too. Its
	// per-payment rate windows (one minute) are empty by then and the payment's state can be
	// read from Vipps again, so memory stays bounded however many payments pass through.
	trackersMax         = 4096
	trackerWindowsEmpty = 65 * time.Second
	// journalPruneEvery is how often a client that stays open deletes the finished,
	// acknowledged journal entries older than the retention (New does it at start-up).
	journalPruneEvery = time.Hour
)

// pruneTrackersIfDue drops idle trackers before a new one is added: once a minute while there
// are many, once a second while there are too many. eng.mu is held.
func (eng *Engine) pruneTrackersIfDue(now time.Time) {
	n, since := len(eng.trackers), now.Sub(eng.pruned)
	if n < trackersKept || (since <= time.Minute && (n < trackersMax || since <= time.Second)) {
		return
	}
	limit := trackerIdleLimit
	if n >= trackersMax {
		limit = trackerWindowsEmpty
	}
	for key, t := range eng.trackers {
		if t.ForgetIfIdle(now, limit) {
			delete(eng.trackers, key)
		}
	}
	eng.pruned = now
}

// pruneJournalIfDue prunes the journal on a library goroutine when the last prune is
// journalPruneEvery old. eng.mu is held, so the goroutine registers itself as a call (the
// client's Close waits for it) only once it runs.
func (eng *Engine) pruneJournalIfDue(now time.Time) {
	if now.Sub(eng.journalPruned) < journalPruneEvery {
		return
	}
	eng.journalPruned = now
	go func() {
		_, leave, err := eng.enter(eng.closing)
		if err != nil {
			return // closing
		}
		defer leave()
		defer func() {
			if r := recover(); r != nil {
				eng.log.Log(abi.LogError, "journal", fmt.Sprintf("pruning the journal failed: internal error (a bug in vmp): %v", r))
			}
		}()
		n, err := eng.journal.Prune()
		if err != nil {
			eng.log.Log(abi.LogWarn, "journal", "pruning the journal failed: "+err.Error())
			return
		}
		eng.log.Log(abi.LogDebug, "journal", fmt.Sprintf("pruned %d finished operation(s) older than %d days", n, eng.retentionDays),
			model.LogInt("pruned", int64(n)))
	}()
}
