package payments

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
)

// A checkout is repeated only while it is younger than CheckoutRepeatWindow. Its age by the
// wall clock (CreatedAt in the journal) is wrong after the clock was stepped forward (NTP): a
// repeat a moment later looked 11 minutes old and became a second payment request for the
// sale. This process also remembers, on the monotonic clock, when it wrote each checkout, and
// takes the younger of the two ages: a checkout taken for younger than it is is finished with
// its own key (its payment comes back, nothing new is made); one taken for older is a second
// payment. Captures, refunds and cancels keep the wall clock's age, whose error refuses a
// repeat rather than guessing (ModificationRepeatWindow).

// checkoutBirths are the monotonic times this process wrote checkouts, by entry id, and in the
// order written, so dropping those older than the window costs nothing per checkout (a sweep of
// the whole map on each one made a busy host's checkouts quadratic).
type checkoutBirths struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []checkoutBirth
}

type checkoutBirth struct {
	id string
	at time.Time
}

// note records that checkout id was written now; births older than the window are dropped.
func (b *checkoutBirths) note(id string) {
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.at == nil {
		b.at = make(map[string]time.Time)
	}
	for len(b.order) > 0 && now.Sub(b.order[0].at) > CheckoutRepeatWindow {
		delete(b.at, b.order[0].id)
		b.order = b.order[1:]
	}
	if _, ok := b.at[id]; !ok {
		b.at[id] = now
		b.order = append(b.order, checkoutBirth{id, now})
	}
}

// checkoutAge is the age of checkout e at t: by the wall clock, or by this process's monotonic
// clock when that says it is younger.
func (eng *Engine) checkoutAge(e *journal.Entry, t time.Time) time.Duration {
	age := t.Sub(e.CreatedAt)
	eng.births.mu.Lock()
	at, ok := eng.births.at[e.ID]
	eng.births.mu.Unlock()
	if ok {
		age = min(age, time.Since(at))
	}
	return age
}
