package payments

import (
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Tracker is what the engine knows of one payment reference: the last state read from Vipps
// (or returned by a capture, refund or cancel), when to read it next, and the per-reference
// request budget. Waiters block on changed, which is closed and replaced on every update.
type Tracker struct {
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
	cadence   Cadence
	// webhook is what webhook events told of the payment (webhook_events.go); nil when none came.
	webhook *webhookView
	// unit is its sales unit's name; listener the client's, told of every update until the
	// Tracker is forgotten (listener.go).
	unit     string
	listener *ListenerSlot
	// unsettled: a create of this payment ended unknown and the till has not read the payment
	// since (settle_by_poll.go). Its reads must reach Go, so the listener is not told of it.
	unsettled bool
	forgotten bool
	// loggedCreation is the time of the CREATED event, once the event log was read.
	loggedCreation time.Time
}

// NewTracker makes the Tracker of a payment of the sales unit named unit, read with api.
// unsettled says that a create of it ended unknown and the till has not read it since.
func NewTracker(reference, unit string, api *vipps.Client, listener *ListenerSlot, unsettled bool, cadence Cadence, now time.Time) *Tracker {
	return &Tracker{
		cadence:   cadence,
		reference: reference,
		api:       api,
		since:     now,
		lastUsed:  now,
		changed:   make(chan struct{}),
		limits:    retry.NewLimits(),
		unit:      unit,
		listener:  listener,
		unsettled: unsettled,
	}
}

// Reference is the payment's reference.
func (t *Tracker) Reference() string { return t.reference }

// API is the wire client of the payment's sales unit.
func (t *Tracker) API() *vipps.Client { return t.api }

// Touch marks the Tracker used at now: an idle one is forgotten (upkeep.go).
func (t *Tracker) Touch(now time.Time) {
	t.mu.Lock()
	t.lastUsed = now
	t.mu.Unlock()
}

// ForgetIfIdle forgets the Tracker, telling the listener, when it was not used for limit and
// no read is in flight; it reports whether it did. A call still holding it updates it no more
// for the listener.
func (t *Tracker) ForgetIfIdle(now time.Time, limit time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	idle := now.Sub(t.lastUsed) > limit && !t.reading
	if idle && t.listener != nil {
		t.forgotten = true
		t.listener.forgotten(t)
	}
	return idle
}

// Answered stores what a capture, refund or cancel answer (or a create: from now its status
// reads are scheduled) told of the payment.
func (t *Tracker) Answered(p Payment, created bool) {
	t.mu.Lock()
	if created {
		t.since = time.Now()
		if p.CreatedAt.IsZero() {
			p.CreatedAt = t.since
		}
	}
	t.update(p)
	t.mu.Unlock()
}

// CreatedAt stores when Vipps' event log says the payment was created: it wins over the
// library's own time of the create's answer.
func (t *Tracker) CreatedAt(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.loggedCreation = at
	if t.known && !t.payment.CreatedAt.Equal(at) {
		t.update(t.payment)
	}
}

// Read stores a status read made outside the poll's schedule.
func (t *Tracker) Read(p Payment) {
	t.mu.Lock()
	t.lastRead = time.Now()
	t.update(p)
	t.mu.Unlock()
}

// SetUnsettled marks whether the payment's reads must reach the engine to settle its create
// (settle_by_poll.go), and tells the listener (the C ABI's copy for reads from memory)
// accordingly.
func (t *Tracker) SetUnsettled(unsettled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unsettled == unsettled {
		return
	}
	t.unsettled = unsettled
	if t.known && t.listener != nil {
		t.listener.known(t)
	}
}

// Take reserves one request to api in the payment's window for that API, or says how long to
// wait. A Tracker in use is never idle, so it is not pruned while its windows count
// (upkeep.go).
func (t *Tracker) Take(api retry.API, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastUsed = now
	return t.limits.Take(api, now)
}

// For is the tracker as the retry layer's pacer of calls to api.
func (t *Tracker) For(api retry.API) retry.Pacer { return trackerPacer{t, api} }

type trackerPacer struct {
	t   *Tracker
	api retry.API
}

func (p trackerPacer) Admit(_ bool, now time.Time) time.Duration { return p.t.Take(p.api, now) }

// readInterval paces status reads: at the cadence's interval while a customer is likely
// looking at the phone, twice as long after 2 minutes, four times after 5, and longer still
// after failures.
func (t *Tracker) readInterval(now time.Time) time.Duration {
	age := now.Sub(t.since)
	d := t.cadence.Interval
	switch {
	case age > 5*time.Minute:
		d *= 4
	case age > 2*time.Minute:
		d *= 2
	}
	for i := 0; i < t.failures && d < 5*time.Second; i++ {
		d *= 2
	}
	return max(d, t.safetyNet()) // events arrive by webhook: polling is only the safety net
}

// nextReadAt is when the next status read is due. Caller holds mu.
func (t *Tracker) nextReadAt(now time.Time) time.Time {
	if t.lastRead.IsZero() {
		// A payment known from its create is first read after the cadence's first delay, when
		// one is configured; an unknown one at once (a till asking about it needs an answer).
		// Without a delay the schedule is exactly the default's: no read waits for since.
		if first := t.since.Add(t.cadence.FirstDelay); t.cadence.FirstDelay > 0 && t.known && first.After(t.notBefore) {
			return first
		}
		return t.notBefore
	}
	next := t.lastRead.Add(t.readInterval(now))
	if t.notBefore.After(next) {
		next = t.notBefore
	}
	return next
}

// update stores a newer view of the payment and wakes waiters. Caller holds mu.
func (t *Tracker) update(p Payment) {
	if p.RedirectURL == "" { // modification answers do not repeat the QR target
		p.RedirectURL = t.payment.RedirectURL
	}
	if t.known { // a late answer or a reordered webhook event never moves it backwards
		p = NewerOf(t.payment, p)
	}
	if !t.known || !sameFigures(t.payment, p) {
		p.LastChanged = time.Now()
	}
	if !t.loggedCreation.IsZero() {
		p.CreatedAt = t.loggedCreation
	}
	t.payment, t.known = p, true
	if t.listener != nil {
		t.listener.known(t)
	}
	t.signal()
}

func (t *Tracker) signal() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// Snapshot is what is known of the payment, and whether anything is.
func (t *Tracker) Snapshot() (Payment, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.payment, t.known
}
