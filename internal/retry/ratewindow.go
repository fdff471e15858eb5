package retry

import (
	"sync"
	"time"
)

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

// Limits are one payment reference's windows: Vipps' 5 mutations and 120 reads a minute. Not
// safe for concurrent use: the owner (a payment's tracker) locks around Take.
type Limits struct {
	mutations rateWindow
	reads     rateWindow
}

// NewLimits gives fresh windows at Vipps' limits.
func NewLimits() Limits {
	return Limits{mutations: rateWindow{limit: mutationsLimit, period: time.Minute},
		reads: rateWindow{limit: readsLimit, period: time.Minute}}
}

// Take reserves one request of the kind at now, or says how long to wait.
func (l *Limits) Take(mutation bool, now time.Time) time.Duration {
	if mutation {
		return l.mutations.take(now)
	}
	return l.reads.take(now)
}

// Pacer paces a call's attempts within Vipps' per-reference limits.
type Pacer interface {
	Admit(mutation bool, now time.Time) time.Duration
}

// oneOff paces a call that has no reference of its own (a check-in, a webhook listing): fresh
// windows for that call alone.
type oneOff struct {
	mu     sync.Mutex
	limits Limits
}

// OneOff is a Pacer for one call without a reference.
func OneOff() Pacer { return &oneOff{limits: NewLimits()} }

func (o *oneOff) Admit(mutation bool, now time.Time) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.limits.Take(mutation, now)
}
