package core

import (
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/internal/logs"
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
// are many, once a second while there are too many. c.mu is held.
func (c *Client) pruneTrackersIfDue(now time.Time) {
	n, since := len(c.trackers), now.Sub(c.pruned)
	if n < trackersKept || (since <= time.Minute && (n < trackersMax || since <= time.Second)) {
		return
	}
	limit := trackerIdleLimit
	if n >= trackersMax {
		limit = trackerWindowsEmpty
	}
	for key, t := range c.trackers {
		if t.ForgetIfIdle(now, limit) {
			delete(c.trackers, key)
		}
	}
	c.pruned = now
}

// pruneJournalIfDue prunes the journal on a library goroutine when the last prune is
// journalPruneEvery old. c.mu is held, so the goroutine registers itself as a call (Close
// waits for it) only once it runs.
func (c *Client) pruneJournalIfDue(now time.Time) {
	if now.Sub(c.journalPruned) < journalPruneEvery {
		return
	}
	c.journalPruned = now
	go func() {
		_, leave, err := c.enter(c.closingCtx)
		if err != nil {
			return // closing
		}
		defer leave()
		defer func() {
			if r := recover(); r != nil {
				c.log(LogError, "journal", fmt.Sprintf("pruning the journal failed: internal error (a bug in vmp): %v", r))
			}
		}()
		n, err := c.journal.Prune()
		if err != nil {
			c.log(LogWarn, "journal", "pruning the journal failed: "+err.Error())
			return
		}
		c.log(LogDebug, "journal", fmt.Sprintf("pruned %d finished operation(s) older than %d days", n, c.cfg.JournalRetentionDays),
			logs.Int("pruned", int64(n)))
	}()
}
