package payments

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// An attempt that may still be on its way through Vipps (InFlightLimit) - or was carried out,
// or may have been, and is not in the payment's event log yet - is remembered twice:
// in the journal as wall-clock Unix milliseconds (InFlightUntil), the only clock a restarted
// process has, and here on the monotonic clock, which a wall clock stepped forward within the
// process (NTP) does not move. While either says it may be on its way, "not in the event log"
// does not mean "did not happen". A clock stepped back only keeps it unknown longer.

// inFlightWindows are the monotonic deadlines of this process's attempts, by entry id, and in
// the order noted (every deadline is InFlightLimit after its note, so that is their order too):
// the expired ones are dropped from the front, at no cost per note.
type inFlightWindows struct {
	mu    sync.Mutex
	until map[string]time.Time
	order []inFlightWindow
}

type inFlightWindow struct {
	id    string
	until time.Time
}

// note records that an attempt of entry id may be on its way until deadline (monotonic).
func (w *inFlightWindows) note(id string, deadline time.Time) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.until == nil {
		w.until = make(map[string]time.Time)
	}
	for len(w.order) > 0 && !now.Before(w.order[0].until) {
		if first := w.order[0]; w.until[first.id] == first.until { // not noted again since
			delete(w.until, first.id)
		}
		w.order = w.order[1:]
	}
	w.until[id] = deadline
	w.order = append(w.order, inFlightWindow{id, deadline})
}

// open reports whether an attempt of entry id noted by this process may still be on its way.
func (w *inFlightWindows) open(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	d, ok := w.until[id]
	return ok && time.Now().Before(d)
}

// markInFlight records that an attempt of e may still be on its way, for InFlightLimit from now
// (or longer, when an earlier attempt's time lasts longer).
func (eng *Engine) markInFlight(e *journal.Entry) {
	e.InFlightUntil = max(e.InFlightUntil, eng.now().Add(eng.InFlightLimit()).UnixMilli())
	eng.inFlight.note(e.ID, time.Now().Add(eng.InFlightLimit())) // time.Now: the monotonic clock, not the engine's
}

// mayBeOnItsWay reports whether an earlier attempt of e may still be on its way through Vipps,
// or not be listed in its event log yet, by this process's monotonic clock or by the
// journal's wall-clock record: the one rule for when "not in the event log" is not "absent".
func (eng *Engine) mayBeOnItsWay(e *journal.Entry) bool {
	return eng.inFlight.open(e.ID) || eng.now().UnixMilli() < e.InFlightUntil
}

// figuresMayBeAheadOfLog reports whether Vipps' figures of t's payment may show operations its
// event log does not list yet: those of other tills or threads, whose attempts this process
// cannot know the windows of. Each landed before the read that first showed it, so it is
// given InFlightLimit from the payment's last change as this process saw it (LastChanged, on
// the monotonic clock; any later change only makes it longer): after that, "not in the event
// log" is "absent" for them too.
func (eng *Engine) figuresMayBeAheadOfLog(t *Tracker) bool {
	p, known := t.Snapshot()
	return known && !p.LastChanged.IsZero() && time.Since(p.LastChanged) < eng.InFlightLimit()
}
