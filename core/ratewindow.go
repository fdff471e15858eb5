package core

import "time"

// rateWindow admits at most limit events in any period (a sliding window), the way Vipps
// counts requests per payment reference: 5 mutations and 120 reads a minute.
type rateWindow struct {
	limit  int
	period time.Duration
	times  []time.Time
}

// take records an event at now if the window has room and returns 0; otherwise it records
// nothing and returns how long until there is room.
func (w *rateWindow) take(now time.Time) time.Duration {
	cutoff := now.Add(-w.period)
	drop := 0
	for drop < len(w.times) && !w.times[drop].After(cutoff) {
		drop++
	}
	w.times = w.times[drop:]
	if len(w.times) >= w.limit {
		return w.times[0].Sub(cutoff)
	}
	w.times = append(w.times, now)
	return 0
}
