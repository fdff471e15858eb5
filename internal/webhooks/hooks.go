package webhooks

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Package webhooks is a client's webhooks: Vipps posts ePayment events to a registered URL,
// signed with the registration's secret (contract §8). A delivery reaches the engine through
// Hooks.Handle - from the library's own receiver (receiver.go) or from a server of the host's
// own - which verifies it against the stored secrets and hands the event to the payments
// through the Apply function the client gives (internal/payments/webhook_events.go drops duplicates and
// feeds the payment's tracker), so a PollStatus waiting on that payment returns at once.
// Polling goes on as the safety net. Registration and the secrets are registration.go.

// Counters count the deliveries Handle saw.
type Counters struct {
	// Received counts every delivery handed in.
	Received int64 `json:"received"`
	// Accepted counts verified events applied to a payment; Duplicates verified events seen
	// before; Ignored verified events about no payment state (another sales unit, a failed
	// operation, an unknown event name).
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	Ignored    int64 `json:"ignored"`
	// Rejected counts deliveries that failed verification, by reason in RejectedBy
	// ("missing_header", "method", "content_hash", "signature", "date", "stale", "no_secret").
	Rejected   int64            `json:"rejected"`
	RejectedBy map[string]int64 `json:"rejected_by"`
	// Malformed counts verified deliveries whose body is not an ePayment event.
	Malformed int64 `json:"malformed"`
}

// ReceiverInfo describes the webhook set-up of a client (vmp_webhook_receiver).
type ReceiverInfo struct {
	// Listening is true while the library's own receiver runs; Address is where (host:port).
	Listening bool   `json:"listening"`
	Address   string `json:"address,omitempty"`
	Path      string `json:"path,omitempty"`
	// URL is the URL registered for the receiver ("" without a webhooks block).
	URL            string `json:"url,omitempty"`
	MaxAgeS        int64  `json:"max_age_s"`
	PollIntervalMS int64  `json:"poll_interval_ms"`
	// Secrets is how many webhook secrets the journal holds.
	Secrets int `json:"secrets"`
	// Registration is the outcome of the start-up reconcile: "" when none ran, "ok", or why
	// it failed (deliveries may then not come; polling covers).
	Registration string   `json:"registration"`
	Counters     Counters `json:"counters"`
	// MaxConnections is the receiver's connection cap; ConnectionsDropped counts connections
	// closed at the cap (the quietest evicted, or the new one when all were busy).
	MaxConnections     int   `json:"max_connections,omitempty"`
	ConnectionsDropped int64 `json:"connections_dropped"`
}

// Outcome is what applying one verified event did to its payment.
type Outcome int

const (
	Applied   Outcome = iota // new: the payment's view was updated and waiters woken
	Duplicate                // seen before: nothing changed
	Ignored                  // not about state (an unknown name, a failed operation, another unit)
)

// Apply hands one verified event to the payments: msn names the sales unit it is for, and
// pollEvery is the safety-net interval of status reads once events arrive by webhook.
type Apply func(msn, reference string, ev vipps.WebhookEvent, pollEvery time.Duration) Outcome

// Deps is what the client gives its webhooks.
type Deps struct {
	// Config is the webhooks block, checked by the configuration; nil: no block.
	Config  *Config
	Journal *journal.Journal // holds the registrations' secrets
	Retry   retry.Policy
	// RequestTimeout bounds one registration request (timeouts.request_ms).
	RequestTimeout time.Duration
	// Enter registers a call with the client: it fails once the client is closing, and the
	// context it gives ends when the client closes.
	Enter func(context.Context) (context.Context, func(), error)
	Apply Apply
}

// Hooks is one client's webhooks. Its zero config fields mean "no webhooks block".
type Hooks struct {
	deps      Deps
	cfg       Config
	publicURL string   // the URL registered for the receiver
	verifyAt  *url.URL // set when public_url was configured: verify against it
	maxAge    time.Duration
	pollEvery time.Duration
	receiver  *webhookReceiver

	// regMu serialises registration changes, so two reconciles never both register.
	regMu sync.Mutex

	mu           sync.Mutex
	secrets      []journal.WebhookSecret // the journal's, cached
	counters     Counters
	registration string
}

// Start loads the stored secrets, starts the receiver when the config asks for one and, with
// register, reconciles the registrations of own (the till's own sales unit) within
// startupWait, in closing. Only a journal that cannot be read or an address that cannot be
// listened on fail; then the hooks are nil and nothing runs.
func Start(deps Deps, own Unit, closing context.Context, startupWait time.Duration) (*Hooks, error) {
	w := &Hooks{deps: deps, pollEvery: defaultWebhookPollInterval}
	secrets, err := deps.Journal.WebhookSecrets()
	if err != nil {
		return nil, &model.Error{Code: abi.CodeJournal, Message: "journal: " + err.Error(), Err: err}
	}
	w.secrets = secrets
	cfg := deps.Config
	if cfg == nil {
		return w, nil
	}
	w.cfg = *cfg
	w.maxAge = time.Duration(cfg.MaxAgeS) * time.Second
	w.pollEvery = time.Duration(cfg.PollIntervalMS) * time.Millisecond
	w.publicURL = cfg.PublicURL
	if cfg.PublicURL != "" {
		w.verifyAt, _ = url.Parse(cfg.PublicURL) // checked by the config
	}
	if cfg.Listen != "" {
		if w.receiver, err = w.startReceiver(cfg); err != nil {
			return nil, err
		}
		if w.publicURL == "" {
			w.publicURL = "http://" + w.receiver.reachableAddress() + cfg.Path
		}
	}
	if cfg.Registers() {
		ctx, cancel := context.WithTimeout(closing, startupWait)
		_, err := w.Reconcile(ctx, own, ReconcileRequest{})
		cancel()
		w.mu.Lock()
		w.registration = "ok"
		if err != nil {
			w.registration = err.Error()
		}
		w.mu.Unlock()
	}
	return w, nil
}

// Stop stops the receiver; deliveries in progress finish first.
func (w *Hooks) Stop() {
	if w.receiver != nil {
		w.receiver.stop()
	}
}

// Receiver describes the receiver, the registration and the counters (vmp_webhook_receiver).
func (w *Hooks) Receiver() ReceiverInfo {
	info := ReceiverInfo{URL: w.publicURL, MaxAgeS: int64(w.maxAge / time.Second),
		PollIntervalMS: w.pollEvery.Milliseconds(), Path: w.cfg.Path}
	if w.receiver != nil {
		info.Listening, info.Address = true, w.receiver.address()
		info.MaxConnections, info.ConnectionsDropped = w.cfg.MaxConnections, w.receiver.conns.droppedCount()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	info.Secrets = len(w.secrets)
	info.Registration = w.registration
	info.Counters = w.counters
	info.Counters.RejectedBy = make(map[string]int64, len(w.counters.RejectedBy))
	for k, v := range w.counters.RejectedBy {
		info.Counters.RejectedBy[k] = v
	}
	return info
}

// count changes the counters under the lock.
func (w *Hooks) count(f func(*Counters)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.counters)
}

func (w *Hooks) storedSecrets() []journal.WebhookSecret {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.secrets
}

// Handle takes one delivery: it verifies it against every stored secret (and
// webhooks.max_age_s), decodes the event, and applies it to its payment unless it was seen
// before. A delivery that fails verification changes nothing and is counted. It returns nil
// for an accepted, duplicate or ignored event; abi.CodeUnverified; abi.CodeInvalidJSON for a verified
// body that is not an ePayment event.
func (w *Hooks) Handle(ctx context.Context, d vipps.WebhookDelivery) error {
	_, leave, err := w.deps.Enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	w.count(func(n *Counters) { n.Received++ })
	if err := w.verify(d); err != nil {
		reason := "no_secret"
		var ve *vipps.WebhookVerifyError
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		w.count(func(n *Counters) {
			n.Rejected++
			if n.RejectedBy == nil {
				n.RejectedBy = map[string]int64{}
			}
			n.RejectedBy[reason]++
		})
		return err
	}
	ev, err := vipps.DecodeWebhookEvent(d.Body)
	if err != nil {
		w.count(func(n *Counters) { n.Malformed++ })
		return &model.Error{Code: abi.CodeInvalidJSON, Message: "webhook: " + err.Error(), Err: err}
	}
	outcome := w.deps.Apply(ev.MSN, ev.Reference, ev, w.pollEvery)
	w.count(func(n *Counters) {
		switch outcome {
		case Applied:
			n.Accepted++
		case Duplicate:
			n.Duplicates++
		default:
			n.Ignored++
		}
	})
	return nil
}

// verify accepts d when one stored secret verifies it.
func (w *Hooks) verify(d vipps.WebhookDelivery) error {
	secrets := w.storedSecrets()
	if len(secrets) == 0 {
		return model.Errorf(abi.CodeUnverified, "webhook delivery not verified: this client holds no webhook secret (register with vmp_webhook_reconcile or vmp_webhook_register)")
	}
	opts := vipps.VerifyOptions{MaxAge: w.maxAge}
	var err error
	for _, s := range secrets {
		if err = vipps.VerifyWebhook(s.Secret, d, opts); err == nil {
			return nil
		}
		var ve *vipps.WebhookVerifyError
		if errors.As(err, &ve) && ve.Reason != vipps.VerifySignature {
			break // the same for every secret
		}
	}
	return &model.Error{Code: abi.CodeUnverified, Message: err.Error(), Err: err}
}

// Verify checks a delivery against secret, with an optional maximum age of its
// x-ms-date (0: none), for hosts that receive deliveries themselves. nil or abi.CodeUnverified.
func Verify(secret string, d vipps.WebhookDelivery, maxAge time.Duration) error {
	if err := vipps.VerifyWebhook(secret, d, vipps.VerifyOptions{MaxAge: maxAge}); err != nil {
		return &model.Error{Code: abi.CodeUnverified, Message: err.Error(), Err: err}
	}
	return nil
}
