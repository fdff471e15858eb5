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
// subsystems - the payments (internal/payments), the club (internal/club), the webhooks
// (internal/webhooks), the log (internal/logs), the scanner side (internal/scans) - and gives
// each what it needs: its sales units' wire clients, the journal, the log sink, the retry
// policy (internal/retry), its call lifetime (enter). Acting for a store is a Unit (unit.go).
// It is safe for concurrent use.
type Client struct {
	cfg Config
	api *vipps.Client // the till's own unit's wire client
	// wireClients are every sales unit's, the till's own first.
	wireClients []*vipps.Client
	sim         *sim.Server // the embedded simulator, when the config asks for one

	// scans is the barcode scanner's event queue and serial reader (internal/scans).
	scans *scans.Scans
	// logs is the log sink the host reads through vmp_on_log / vmp_next_log (internal/logs).
	logs *logs.Sink

	journal        *journal.Journal
	journalCleanup func()
	// retry is the retry policy every call to Vipps runs under (internal/retry).
	retry retry.Policy
	// InitRecovery is what the recovery run of New found and did.
	InitRecovery RecoveryReport

	// pay is the payments: every money-moving operation and what it keeps (internal/payments).
	pay *payments.Engine

	// club is the customer club: identify, check-in, enrollment (internal/club).
	club *club.Club

	// hooks is the webhook receiver, the registrations, the stored secrets and the counters
	// (internal/webhooks).
	hooks *webhooks.Hooks

	// closingCtx is cancelled by Close, with ErrClosed as its cause; every call derives its
	// context from it.
	closingCtx context.Context
	cancel     context.CancelCauseFunc

	// units are the Unit values handed out for the sales units, the till's own first (unit.go).
	units []*Unit

	mu     sync.Mutex
	closed bool
	calls  sync.WaitGroup
	// ledger publishes the journal to the chain ledger; ledgerSource answers find and totals
	// for the chain (both nil without a ledger; ledger_config.go, find.go).
	ledger       *ledger.Ledger
	ledgerSource find.Source
}

// New starts a client: it starts the embedded simulator when the environment asks for it and
// prepares the wire client. It sends nothing yet.
func New(cfg Config) (*Client, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
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
			opts.UnitRules = simUnitRules(cfg, units)
			opts.FailureAmounts = cfg.Simulator.FailureAmounts
			s, err := sim.Start(opts)
			if err != nil {
				return nil, &Error{Code: CodeInternal, Message: "starting the embedded simulator: " + err.Error(), Err: err}
			}
			c.sim, baseURL = s, s.URL()
		}
	}
	keys := resolveSalesUnits(cfg, creds)
	units := make([]payments.UnitConfig, 0, len(keys))
	for _, u := range keys {
		api, err := vipps.New(vipps.Config{
			BaseURL:        baseURL,
			Credentials:    u.creds,
			System:         vipps.System{Name: cfg.System.Name, Version: cfg.System.Version, PluginName: pluginName(cfg.System), PluginVersion: pluginVersion(cfg.System)},
			ConnectTimeout: cfg.Timeouts.connect(),
			RequestTimeout: cfg.Timeouts.request(),
		})
		if err != nil {
			c.closeWireClients()
			if c.sim != nil {
				_ = c.sim.Close()
			}
			return nil, &Error{Code: CodeInvalidConfig, Message: "config: " + err.Error(), Err: err}
		}
		c.wireClients = append(c.wireClients, api)
		units = append(units, payments.UnitConfig{Name: u.name, ReferencePrefix: u.referencePrefix, MSN: u.creds.MSN, API: api})
	}
	c.api = units[0].API
	c.logs = logs.NewSink(cfg.logLevel(), c.enter, c.closingCtx)
	var err error
	c.journal, c.journalCleanup, err = openJournal(cfg, c.sim != nil)
	if err != nil {
		c.logs.Close()
		c.closeWireClients()
		if c.sim != nil {
			_ = c.sim.Close()
		}
		return nil, err
	}
	c.retry = retry.Policy{Budget: cfg.Timeouts.operation(), Closing: c.closingCtx, Retrying: c.logRetry}
	c.pay = payments.New(payments.Deps{Journal: c.journal, Retry: c.retry, Log: c.logs,
		Till:     payments.TillIdentity{StoreID: cfg.StoreID, PosID: cfg.PosID},
		Checkout: payments.CheckoutDefaults{Currency: cfg.Currency, Description: cfg.Description, StrictReceipts: cfg.StrictReceipts},
		Enter:    c.enter, Closing: c.closingCtx, Now: now, Monotonic: monotonic, RequestTimeout: cfg.Timeouts.request(),
		RetentionDays: cfg.JournalRetentionDays, JournalWriteFault: func(e *journal.Entry) error { return journalWriteFault(e) },
		Cadence: cfg.Polling.cadence()}, units)
	for _, u := range c.pay.Units() {
		c.units = append(c.units, &Unit{client: c, pay: u})
	}
	c.club = club.New(c.api, club.Config{DefaultCountryCode: cfg.DefaultCountryCode, LoginAuth: cfg.Login.loginAuth(keys[0].partner)}, c.retry, c.enter)
	c.logJournalOpened()
	if err := c.startLedger(cfg, c.journal); err != nil {
		c.Close()
		return nil, err
	}
	// Operations a previous run left open are resolved before the till gets the client;
	// what cannot be resolved in time stays listed by Pending.
	if c.InitRecovery, err = c.pay.Start(c.sim != nil, cfg.Timeouts.recovery()); err != nil {
		c.Close()
		return nil, err
	}
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
	c.pay.Close() // what reached the till is seen; what did not stays unacknowledged
	c.closeWireClients()
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

// closeWireClients closes the wire client of every sales unit.
func (c *Client) closeWireClients() {
	for _, api := range c.wireClients {
		api.Close()
	}
}
