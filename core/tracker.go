package core

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/payments"
	"github.com/vmp-dev/vmp/internal/retry"
)

// tracker is what the engine knows of one payment reference: the last state read from Vipps
// (or returned by a capture, refund or cancel), when to read it next, and the per-reference
// request budget. Waiters block on changed, which is closed and replaced on every update.
type tracker struct {
	reference string
	// api reads the payment with the keys of the sales unit it belongs to.
	api *vipps.Client

	mu        sync.Mutex
	payment   Payment
	known     bool
	since     time.Time // start of the polling schedule: creation, or first interest
	lastRead  time.Time
	failures  int // consecutive failed reads, to back off
	notBefore time.Time
	reading   bool
	readSeq   uint64 // completed reads, successful or not
	lastErr   error
	changed   chan struct{}
	lastUsed  time.Time
	limits    retry.Limits
	// webhook is what webhook events told of the payment (webhook_events.go); nil when none came.
	webhook *webhookView
	// For a payment's tracker (Client.trackerFor): its sales unit's name, and the client's
	// listener, told of every update until the tracker is pruned (payment_listener.go).
	unit     string
	listener *paymentListenerSlot
	// unsettled: a create of this payment ended unknown and the till has not read the payment
	// since (settle_by_poll.go). Its reads must reach Go, so the listener is not told of it.
	unsettled bool
	forgotten bool
}

func newTracker(reference string, u *salesUnit, now time.Time) *tracker {
	return &tracker{
		reference: reference,
		api:       u.api,
		since:     now,
		lastUsed:  now,
		changed:   make(chan struct{}),
		limits:    retry.NewLimits(),
	}
}

// admit reserves one request of the kind in the per-reference window, or says how long to wait.
// A tracker in use is never idle, so it is not pruned while its windows count (upkeep.go).
func (t *tracker) Admit(mutation bool, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastUsed = now
	return t.limits.Take(mutation, now)
}

// readInterval paces status reads: quick while a customer is likely looking at the phone,
// slower later, and slower still after failures.
func (t *tracker) readInterval(now time.Time) time.Duration {
	age := now.Sub(t.since)
	d := 500 * time.Millisecond
	switch {
	case age > 5*time.Minute:
		d = 2 * time.Second
	case age > 2*time.Minute:
		d = time.Second
	}
	for i := 0; i < t.failures && d < 5*time.Second; i++ {
		d *= 2
	}
	return max(d, t.safetyNet()) // events arrive by webhook: polling is only the safety net
}

// nextReadAt is when the next status read is due. Caller holds mu.
func (t *tracker) nextReadAt(now time.Time) time.Time {
	if t.lastRead.IsZero() {
		return t.notBefore
	}
	next := t.lastRead.Add(t.readInterval(now))
	if t.notBefore.After(next) {
		next = t.notBefore
	}
	return next
}

// update stores a newer view of the payment and wakes waiters. Caller holds mu.
func (t *tracker) update(p Payment) {
	if p.RedirectURL == "" { // modification answers do not repeat the QR target
		p.RedirectURL = t.payment.RedirectURL
	}
	if t.known { // a late answer or a reordered webhook event never moves it backwards
		p = payments.NewerOf(t.payment, p)
	}
	t.payment, t.known = p, true
	if t.listener != nil {
		t.listener.known(t)
	}
	t.signal()
}

func (t *tracker) signal() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *tracker) snapshot() (Payment, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.payment, t.known
}
