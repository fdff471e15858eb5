package retry

import (
	"sync"
	"time"
)

// rateWindow admits at most limit events in any period (a sliding window), the way Vipps
// counts requests per payment reference and API: 5 a minute for each operation, 120 reads.
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

// API is a Vipps endpoint as its per-reference rate limits count it: each API has a window of
// its own (Vipps' ePayment rate limits: createPayment, capturePayment, refundPayment and
// cancelPayment 5 a minute per reference each; getPayment and the event log 120 a minute each),
// so a create and four partial captures leave a refund and a cancel their full budget.
type API int

const (
	APIGet     API = iota // GET .../payments/{reference}
	APIEvents             // GET .../payments/{reference}/events
	APICreate             // POST .../payments
	APICapture            // POST .../capture
	APIRefund             // POST .../refund
	APICancel             // POST .../cancel
	APIReceipt            // Order Management's receipt of the payment (counted like a mutation)
	apiCount
)

// Mutation reports whether the API changes the payment (limited to 5 a minute).
func (a API) Mutation() bool { return a >= APICreate }

// Limits are one payment reference's windows, one per API. Not safe for concurrent use: the
// owner (a payment's tracker) locks around Take.
type Limits struct {
	windows [apiCount]rateWindow
}

// NewLimits gives fresh windows at Vipps' limits.
func NewLimits() Limits {
	var l Limits
	for a := range l.windows {
		l.windows[a] = rateWindow{limit: readsLimit, period: time.Minute}
		if API(a).Mutation() {
			l.windows[a].limit = mutationsLimit
		}
	}
	return l
}

// Take reserves one request to api at now, or says how long to wait.
func (l *Limits) Take(api API, now time.Time) time.Duration {
	return l.windows[api].take(now)
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
	api := APIGet
	if mutation {
		api = APICreate
	}
	return o.limits.Take(api, now)
}
