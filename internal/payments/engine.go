package payments

import (
	"context"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Engine is a client's payments: the money-moving operations of its sales units (checkout,
// capture, refund, cancel - moneyop.go and operations.go -, recovery, pending) and what they
// keep: a Tracker per payment, the creates whose outcome the till has not seen, the seen log,
// the operation locks and the new-journal state. core.Client builds it with what it needs
// (Deps); it knows no client. Safe for concurrent use.
type Engine struct {
	journal *journal.Journal
	retry   retry.Policy
	log     model.Logger
	// till makes the Idempotency-Keys of operation ids this till's own.
	till     TillIdentity
	checkout CheckoutDefaults
	cadence  Cadence
	enter    func(context.Context) (context.Context, func(), error)
	closing  context.Context
	now      func() time.Time
	// requestTimeout is one request's time (timeouts.request_ms): a status read's, and what an
	// answer may take to come (InFlightLimit).
	requestTimeout time.Duration
	retentionDays  int
	writeFault     func(*journal.Entry) error

	// units are the sales units the engine acts for, the till's own first (unit.go).
	units   []*Unit
	intents IntentLocks
	// seen holds outcomes returned to the till that the journal does not record as seen yet
	// (seen.go, entries.go); journalState whether the journal is new (newjournal.go).
	seen         SeenLog
	journalState journalState
	// origins are the operations whose first call is still in progress (origins.go; the
	// repeat rule, repeat_rule.go).
	origins OriginCalls
	// inFlight are the attempts that may still be on their way, on the monotonic clock
	// (in_flight.go).
	inFlight inFlightWindows
	// births are when this process first wrote its entries, on the monotonic clock (births.go).
	births    births
	monotonic func() time.Time
	// listener learns the payments' updates (listener.go).
	listener ListenerSlot
	// receiptWarnings are what looked wrong in the receipts sent (receipt_warnings.go).
	receiptWarnings ReceiptWarnings

	mu       sync.Mutex
	trackers map[string]*Tracker
	// unsettled are the creates whose outcome the till has not seen (settle_by_poll.go).
	unsettled unsettledCreates
	// pruned is when the trackers were last pruned, journalPruned the journal (upkeep.go).
	pruned        time.Time
	journalPruned time.Time
}

// Deps is what the composition root gives the engine.
type Deps struct {
	Journal *journal.Journal
	// Retry is the policy every call to Vipps runs under (internal/retry).
	Retry retry.Policy
	Log   model.Logger
	// Till is the store and POS ids (store_id, pos_id) that make keys and references this till's.
	Till     TillIdentity
	Checkout CheckoutDefaults
	// Enter registers a call with the client (it fails once the client is closing); Closing
	// ends, with model.ErrClosed as its cause, when the client closes.
	Enter   func(context.Context) (context.Context, func(), error)
	Closing context.Context
	// Now is the clock of what the journal records and of the ages the repeat rule compares
	// (core's, which tests set ahead).
	Now func() time.Time
	// Monotonic is the clock of ages within this process (births.go): time.Now's monotonic
	// reading, which a stepped wall clock does not move (core's, which tests run on); nil is
	// time.Now.
	Monotonic      func() time.Time
	RequestTimeout time.Duration
	// RetentionDays is journal_retention_days, named in the log when the journal is pruned.
	RetentionDays int
	// JournalWriteFault lets a test make a journal write fail (a full disk, say); nil in use.
	JournalWriteFault func(*journal.Entry) error
	// Cadence is how often a waiting poll reads a payment (config "polling"); a zero Interval
	// is the default's.
	Cadence Cadence
}

// CheckoutDefaults are the configuration's values for what a checkout request leaves out, and
// how its receipt is reviewed.
type CheckoutDefaults struct {
	Currency    string
	Description string
	// StrictReceipts (config strict_receipts) refuses a receipt that looks wrong instead of
	// sending it with warnings (receipt_warnings.go).
	StrictReceipts bool
}

// New makes the engine of the sales units, the till's own first. It reads nothing yet: Start
// does.
func New(d Deps, units []UnitConfig) *Engine {
	eng := &Engine{journal: d.Journal, retry: d.Retry, log: d.Log, till: d.Till, checkout: d.Checkout, enter: d.Enter,
		closing: d.Closing, now: d.Now, monotonic: d.Monotonic, requestTimeout: d.RequestTimeout, retentionDays: d.RetentionDays,
		writeFault: d.JournalWriteFault, trackers: make(map[string]*Tracker), cadence: d.Cadence}
	if eng.cadence.Interval == 0 {
		eng.cadence.Interval = DefaultCadence.Interval
	}
	if eng.monotonic == nil {
		eng.monotonic = time.Now
	}
	if eng.writeFault == nil {
		eng.writeFault = func(*journal.Entry) error { return nil }
	}
	for _, u := range units {
		eng.units = append(eng.units, &Unit{engine: eng, name: u.Name, referencePrefix: u.ReferencePrefix, msn: u.MSN, api: u.API})
	}
	eng.listener.SetRecorder(journalRecorder{d.Journal}) // the journal's payment records follow every read
	return eng
}

// Start readies the engine on its journal before the till gets the client: the new-journal
// state, then the operations a previous run left open, resolved within recoveryWait (what is
// not stays listed by Pending), then the journal pruned. The report is what recovery did.
func (eng *Engine) Start(embeddedSim bool, recoveryWait time.Duration) (RecoveryReport, error) {
	if err := eng.startNewJournalState(embeddedSim); err != nil {
		return RecoveryReport{}, err
	}
	report, _ := eng.recover(eng.closing, recoveryWait)
	eng.noteUnsettledCreates()
	_, _ = eng.journal.Prune()
	eng.journalPruned = time.Now()
	return report, nil
}

// Close writes as seen the outcomes that reached the till; what did not stays unacknowledged.
// The client calls it once no call is in progress.
func (eng *Engine) Close() {
	eng.journal.WaitQueued() // outcomes still on their way to the disk are there first
	eng.flushSeen()
}

// SetListener makes l the payments' listener (nil: none).
func (eng *Engine) SetListener(l Listener) { eng.listener.Set(l) }

// ApplyWebhookEvent feeds a verified event to its payment's tracker (webhook_events.go); an
// event of a sales unit the engine does not act for, or with a reference no payment can have,
// is ignored.
func (eng *Engine) ApplyWebhookEvent(msn, reference string, ev vipps.WebhookEvent, pollEvery time.Duration) EventOutcome {
	u := eng.unitOfMSN(msn)
	if u == nil || CheckReference(reference) != nil {
		return EventIgnored
	}
	return eng.trackerFor(u, reference).ApplyEvent(ev, pollEvery)
}

// trackerFor returns the tracker of a payment of one sales unit (references are unique per
// MSN only), creating it. Trackers of payments nobody asked about for a while are dropped so a
// till running for months does not grow (upkeep.go).
func (eng *Engine) trackerFor(u *Unit, reference string) *Tracker {
	now := time.Now()
	key := u.scoped(reference)
	eng.mu.Lock()
	defer eng.mu.Unlock()
	t, ok := eng.trackers[key]
	if !ok {
		eng.pruneTrackersIfDue(now)
		eng.pruneJournalIfDue(now)
		t = NewTracker(reference, u.name, u.api, &eng.listener, eng.unsettled[key] != "", eng.cadence, now)
		eng.trackers[key] = t
	}
	t.Touch(now)
	return t
}
