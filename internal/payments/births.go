package payments

import (
	"sync"
	"time"
)

// births are the times this process first wrote its entries, on the monotonic clock (the
// engine's, Deps.Monotonic), by entry id and in the order written, so dropping those older
// than birthsKept costs nothing per entry (a sweep of the whole map on each one made a busy
// host's checkouts quadratic). The wall clock's age of an entry (CreatedAt in the journal) is
// wrong after the clock was stepped; within a process this one is not. Two rules read it: a
// checkout's age for the repeat rule (checkout_age.go) and a failed operation's for its resend
// (failed_resend.go).
type births struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []birth
}

type birth struct {
	id string
	at time.Time
}

// birthsKept is how long a birth is kept: the longest window a rule reading them asks about.
const birthsKept = max(CheckoutRepeatWindow, FailedResendUnreadWindow)

// note records that entry id was first written at now (monotonic); births older than
// birthsKept are dropped. A later note of the same id keeps the first.
func (b *births) note(id string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at == nil {
		b.at = make(map[string]time.Time)
	}
	for len(b.order) > 0 && now.Sub(b.order[0].at) > birthsKept {
		delete(b.at, b.order[0].id)
		b.order = b.order[1:]
	}
	if _, ok := b.at[id]; !ok {
		b.at[id] = now
		b.order = append(b.order, birth{id, now})
	}
}

// age is how long ago, at now (monotonic), this process first wrote entry id; known is false
// for an entry it did not write, or wrote longer than birthsKept ago and has dropped since.
func (b *births) age(id string, now time.Time) (age time.Duration, known bool) {
	b.mu.Lock()
	at, ok := b.at[id]
	b.mu.Unlock()
	if !ok {
		return 0, false
	}
	return now.Sub(at), true
}
