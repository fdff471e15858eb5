package core

import (
	"context"
	"github.com/vmp-dev/vmp/internal/find"
	"github.com/vmp-dev/vmp/internal/ledger"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/club"
	"github.com/vmp-dev/vmp/internal/logs"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/payments"
	"github.com/vmp-dev/vmp/internal/retry"
	"github.com/vmp-dev/vmp/internal/scans"
	"github.com/vmp-dev/vmp/internal/webhooks"
)

// Client is the engine behind one vmp_client handle, and its composition root: it builds the
// subsystems - the club (internal/club), the webhooks (internal/webhooks), the log
// (internal/logs), the scanner side (internal/scans) - and gives each what it needs: a sales
// unit's wire client, the journal, the log sink, the retry policy (internal/retry), its call
// lifetime (enter). The payments' operations are its own still, acting for a Unit (unit.go).
// It is safe for concurrent use.
type Client struct {
	cfg Config
	api *vipps.Client
	sim *sim.Server // the embedded simulator, when the config asks for one

	// scans is the barcode scanner's event queue and serial reader (internal/scans).
	scans *scans.Scans
	// logs is the log sink the host reads through vmp_on_log / vmp_next_log (internal/logs).
	logs *logs.Sink

	journal        *journal.Journal
	journalCleanup func()
	intents        payments.IntentLocks
	// seen holds outcomes returned to the till that the journal does not record as seen yet
	// (seen.go); journalState whether the journal is new (newjournal.go).
	seen         payments.SeenLog
	journalState journalState
	// origins are the operations whose first call is still in progress (internal/payments/origins.go; the repeat rule, repeat_rule.go).
	origins payments.OriginCalls
	// till makes the Idempotency-Keys of operation ids this till's own (internal/payments).
	till payments.TillIdentity
	// retry is the retry policy every call to Vipps runs under (internal/retry).
	retry retry.Policy
	// InitRecovery is what the recovery run of New found and did.
	InitRecovery RecoveryReport

	// club is the customer club: identify, check-in, enrollment (internal/club).
	club *club.Club

	// hooks is the webhook receiver, the registrations, the stored secrets and the counters
	// (internal/webhooks).
	hooks *webhooks.Hooks

	// closingCtx is cancelled by Close, with ErrClosed as its cause; every call derives its
	// context from it.
	closingCtx context.Context
	cancel     context.CancelCauseFunc

	// units are the sales units the client acts for, the till's own first (sales_units.go);
	// unitViews the Unit values handed out for them, in the same order (unit.go).
	units     []*salesUnit
	unitViews []*Unit

	mu       sync.Mutex
	closed   bool
	calls    sync.WaitGroup
	trackers map[string]*payments.Tracker
	// unsettled are the creates whose outcome the till has not seen (settle_by_poll.go).
	unsettled unsettledCreates
	pruned    time.Time
	// journalPruned is when the journal was last pruned (upkeep.go).
	journalPruned time.Time
	// ledger publishes the journal to the chain ledger; ledgerSource answers find and totals
	// for the chain (both nil without a ledger; ledger_config.go, find.go).
	ledger       *ledger.Ledger
	ledgerSource find.Source
	// listener learns the payments' updates (payment_listener.go).
	listener payments.ListenerSlot
}

// New starts a client: it starts the embedded simulator when the environment asks for it and
// prepares the wire client. It sends nothing yet.
func New(cfg Config) (*Client, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, trackers: make(map[string]*payments.Tracker), till: payments.TillIdentity{StoreID: cfg.StoreID, PosID: cfg.PosID}}
	// closingCtx is made first: the log sink and every subsystem end their waits with it.
	c.closingCtx, c.cancel = context.WithCancelCause(context.Background())
	creds := vipps.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		SubscriptionKey: cfg.SubscriptionKey, MSN: cfg.MSN}
	baseURL := cfg.BaseURL
	if baseURL == "" {
		baseURL = environments[cfg.Environment]
	}
	if cfg.Environment == EnvSimulator {
		if creds == (vipps.Credentials{}) {
			d := sim.DefaultCredentials
			creds = vipps.Credentials{ClientID: d.ClientID, ClientSecret: d.ClientSecret, SubscriptionKey: d.SubscriptionKey, MSN: d.MSN}
		}
		if baseURL == "" {
			opts := simOptions(cfg.Simulator, creds)
			units := resolveSalesUnits(cfg, creds)
			opts.SalesUnits, opts.Partners = simKeySets(units)
			opts.MerchantNames = simMerchantNames(units, cfg.StoreID)
			s, err := sim.Start(opts)
			if err != nil {
				return nil, &Error{Code: CodeInternal, Message: "starting the embedded simulator: " + err.Error(), Err: err}
			}
			c.sim, baseURL = s, s.URL()
		}
	}
	c.units = resolveSalesUnits(cfg, creds)
	for _, u := range c.units {
		var err error
		if u.api, err = vipps.New(vipps.Config{
			BaseURL:        baseURL,
			Credentials:    u.creds,
			System:         vipps.System{Name: cfg.System.Name, Version: cfg.System.Version, PluginName: pluginName(cfg.System), PluginVersion: pluginVersion(cfg.System)},
			ConnectTimeout: cfg.Timeouts.connect(),
			RequestTimeout: cfg.Timeouts.request(),
		}); err != nil {
			c.closeUnits()
			if c.sim != nil {
				_ = c.sim.Close()
			}
			return nil, &Error{Code: CodeInvalidConfig, Message: "config: " + err.Error(), Err: err}
		}
	}
	c.api = c.units[0].api
	for _, u := range c.units {
		c.unitViews = append(c.unitViews, &Unit{client: c, sales: u})
	}
	c.logs = logs.NewSink(cfg.logLevel(), c.enter, c.closingCtx)
	var err error
	c.journal, c.journalCleanup, err = openJournal(cfg, c.sim != nil)
	if err != nil {
		c.logs.Close()
		c.closeUnits()
		if c.sim != nil {
			_ = c.sim.Close()
		}
		return nil, err
	}
	c.retry = retry.Policy{Budget: cfg.Timeouts.operation(), Closing: c.closingCtx, Retrying: c.logRetry}
	c.club = club.New(c.api, club.Config{DefaultCountryCode: cfg.DefaultCountryCode, LoginAuth: cfg.Login.loginAuth()}, c.retry, c.enter)
	c.logJournalOpened()
	c.listener.SetRecorder(journalRecorder{c.journal})
	if err := c.startLedger(cfg, c.journal); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.startNewJournalState(c.sim != nil); err != nil {
		c.Close()
		return nil, err
	}
	// Operations a previous run left open are resolved before the till gets the client;
	// what cannot be resolved in time stays listed by Pending.
	c.InitRecovery, _ = c.recover(c.closingCtx, cfg.Timeouts.recovery())
	c.noteUnsettledCreates()
	_, _ = c.journal.Prune()
	c.journalPruned = time.Now()
	scanCfg, framing, err := cfg.Scanner.resolve()
	if err == nil {
		c.scans, err = scans.Start(scanCfg, framing, c.logs, c.enter, c.closingCtx)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if c.hooks, err = c.startWebhooks(); err != nil {
		c.Close()
		return nil, err
	}
	c.logStarted()
	return c, nil
}

func simOptions(sc SimulatorConfig, creds vipps.Credentials) sim.Options {
	o := sim.Options{Credentials: sim.Credentials{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		SubscriptionKey: creds.SubscriptionKey, MSN: creds.MSN}}
	if sc.ApproveDelayMS != nil {
		o.ApproveDelay = time.Duration(*sc.ApproveDelayMS) * time.Millisecond
		if o.ApproveDelay == 0 {
			o.ApproveDelay = -1 // the simulator reads 0 as "default", negative as "at once"
		}
	}
	o.PaymentExpiry = time.Duration(sc.PaymentExpiryMS) * time.Millisecond
	o.QRScanDelay = time.Duration(sc.QRScanDelayMS) * time.Millisecond
	return o
}

// pluginName and pluginVersion name vmp itself in the Vipps-System-Plugin-* headers unless the
// integrator names its own plugin.
func pluginName(s SystemConfig) string {
	if s.PluginName != "" {
		return s.PluginName
	}
	return "vmp"
}

func pluginVersion(s SystemConfig) string {
	if s.PluginName != "" {
		return s.PluginVersion
	}
	return Version
}

// SimulatorURL is the embedded simulator's base URL, "" when the client talks to Vipps.
func (c *Client) SimulatorURL() string {
	if c.sim == nil {
		return ""
	}
	return c.sim.URL()
}

// Simulator is the embedded simulator, nil when the client talks to Vipps.
func (c *Client) Simulator() *sim.Server { return c.sim }

// Close cancels calls in progress, waits for them to return, and releases everything.
// Idempotent.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel(ErrClosed)
	if c.scans != nil {
		c.scans.Stop()
	}
	if c.hooks != nil {
		c.hooks.Stop()
	}
	c.calls.Wait()
	c.flushSeen() // what reached the till is seen; what did not stays unacknowledged
	c.closeUnits()
	if c.ledger != nil {
		c.ledger.Close() // what it has not published stays in the journal for the next start
	}
	_ = c.journal.Close()
	c.journalCleanup()
	if c.sim != nil {
		_ = c.sim.Close()
	}
	c.logClosed()
	c.logs.Close()
}

// enter registers a call in progress; it fails once Close has begun. The returned context
// ends when Close begins (with ErrClosed as its cause) or the caller's ctx ends (with its
// cause).
func (c *Client) enter(ctx context.Context) (context.Context, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, newError(CodeInvalidHandle, "the client is closed")
	}
	c.calls.Add(1)
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(c.closingCtx, func() { cancel(ErrClosed) })
	return ctx, func() { stop(); cancel(nil); c.calls.Done() }, nil
}

// ErrClosed is the cause with which Close ends the contexts of the calls in progress, and with
// which a handle bound to a client and closed on its own ends those made through it
// (internal/model).
var ErrClosed = model.ErrClosed

// endedByClose reports whether ctx ended because the client, or the handle the call came
// through, was closed.
func endedByClose(ctx context.Context) bool { return model.EndedByClose(ctx) }

// closedWhileWaiting is what a call answers whose wait a close ended (internal/model).
func closedWhileWaiting(what string) error { return model.ClosedWhileWaiting(what) }

// tracker returns the tracker of reference, creating it. Trackers of payments nobody asked
// about for a while are dropped so a till running for months does not grow.
func (c *Client) tracker(reference string) *payments.Tracker {
	return c.trackerFor(c.units[0], reference)
}

// trackerFor is tracker for a payment of one sales unit: references are unique per MSN only.
func (c *Client) trackerFor(u *salesUnit, reference string) *payments.Tracker {
	now := time.Now()
	key := unitScoped(u, reference)
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.trackers[key]
	if !ok {
		c.pruneTrackersIfDue(now)
		c.pruneJournalIfDue(now)
		t = payments.NewTracker(reference, u.name, u.api, &c.listener, c.unsettled[key] != "", now)
		c.trackers[key] = t
	}
	t.Touch(now)
	return t
}

// closeUnits closes the wire client of every sales unit.
func (c *Client) closeUnits() {
	for _, u := range c.units {
		if u.api != nil {
			u.api.Close()
		}
	}
}

// retryCall runs send under the client's retry policy (internal/retry), paced by t.
func (c *Client) retryCall(ctx context.Context, what string, t *payments.Tracker, mutation bool, send func(context.Context) error) error {
	return c.retry.Call(ctx, what, t, mutation, send)
}

// retryCallApplied is retryCall that also reports what the attempts may have done.
func (c *Client) retryCallApplied(ctx context.Context, what string, t *payments.Tracker, mutation bool, send func(context.Context) error) (retry.Attempts, error) {
	return c.retry.CallApplied(ctx, what, t, mutation, send)
}
