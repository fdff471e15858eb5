package core

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
)

// Webhooks: Vipps posts ePayment events to a registered URL, signed with the registration's
// secret (contract §8). A delivery reaches the engine through HandleWebhook - from the
// library's own receiver (webhook_receiver.go) or from a server of the host's own - which
// verifies it against the stored secrets, drops duplicates and feeds the event to the
// payment's tracker (webhook_events.go), so a PollStatus waiting on that payment returns at
// once. Polling goes on as the safety net. Registration and the secrets are
// webhook_registration.go.

// WebhookCounters count the deliveries HandleWebhook saw.
type WebhookCounters struct {
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

// WebhookReceiverInfo describes the webhook set-up of a client (vmp_webhook_receiver).
type WebhookReceiverInfo struct {
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
	Registration string          `json:"registration"`
	Counters     WebhookCounters `json:"counters"`
	// MaxConnections is the receiver's connection cap; ConnectionsDropped counts connections
	// closed at the cap (the quietest evicted, or the new one when all were busy).
	MaxConnections     int   `json:"max_connections,omitempty"`
	ConnectionsDropped int64 `json:"connections_dropped"`
}

// webhookState is a client's webhook part. Its zero fields mean "no webhooks block".
type webhookState struct {
	cfg       WebhookConfig
	publicURL string   // the URL registered for the receiver
	verifyAt  *url.URL // set when public_url was configured: verify against it
	maxAge    time.Duration
	pollEvery time.Duration
	receiver  *webhookReceiver

	// regMu serialises registration changes, so two reconciles never both register.
	regMu sync.Mutex

	mu           sync.Mutex
	secrets      []journal.WebhookSecret // the journal's, cached
	counters     WebhookCounters
	registration string
}

// startWebhooks loads the stored secrets, starts the receiver when the config asks for one
// and, with register, reconciles the registration within timeouts.recovery_ms. Only a
// journal that cannot be read or an address that cannot be listened on fail New.
func (c *Client) startWebhooks() error {
	w := &webhookState{pollEvery: defaultWebhookPollInterval}
	c.hooks = w
	secrets, err := c.journal.WebhookSecrets()
	if err != nil {
		return &Error{Code: CodeJournal, Message: "journal: " + err.Error(), Err: err}
	}
	w.secrets = secrets
	cfg := c.cfg.Webhooks
	if cfg == nil {
		return nil
	}
	w.cfg = *cfg
	w.maxAge = time.Duration(cfg.MaxAgeS) * time.Second
	w.pollEvery = time.Duration(cfg.PollIntervalMS) * time.Millisecond
	w.publicURL = cfg.PublicURL
	if cfg.PublicURL != "" {
		w.verifyAt, _ = url.Parse(cfg.PublicURL) // checked by the config
	}
	if cfg.Listen != "" {
		if w.receiver, err = c.startWebhookReceiver(cfg); err != nil {
			return err
		}
		if w.publicURL == "" {
			w.publicURL = "http://" + w.receiver.reachableAddress() + cfg.Path
		}
	}
	if cfg.registers() {
		ctx, cancel := context.WithTimeout(c.closingCtx, c.cfg.Timeouts.recovery())
		_, err := c.OwnUnit().ReconcileWebhooks(ctx, ReconcileRequest{})
		cancel()
		w.mu.Lock()
		w.registration = "ok"
		if err != nil {
			w.registration = err.Error()
		}
		w.mu.Unlock()
	}
	return nil
}

// stopWebhooks stops the receiver; deliveries in progress finish first.
func (c *Client) stopWebhooks() {
	if c.hooks != nil && c.hooks.receiver != nil {
		c.hooks.receiver.stop()
	}
}

// WebhookReceiver describes the receiver, the registration and the counters.
func (c *Client) WebhookReceiver() WebhookReceiverInfo {
	w := c.hooks
	info := WebhookReceiverInfo{URL: w.publicURL, MaxAgeS: int64(w.maxAge / time.Second),
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
func (w *webhookState) count(f func(*WebhookCounters)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.counters)
}

func (w *webhookState) storedSecrets() []journal.WebhookSecret {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.secrets
}

// HandleWebhook takes one delivery: it verifies it against every stored secret (and
// webhooks.max_age_s), decodes the event, and applies it to its payment unless it was seen
// before. A delivery that fails verification changes nothing and is counted. It returns nil
// for an accepted, duplicate or ignored event; CodeUnverified; CodeInvalidJSON for a verified
// body that is not an ePayment event.
func (c *Client) HandleWebhook(ctx context.Context, d vipps.WebhookDelivery) error {
	_, leave, err := c.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	w := c.hooks
	w.count(func(n *WebhookCounters) { n.Received++ })
	if err := w.verify(d); err != nil {
		reason := "no_secret"
		var ve *vipps.WebhookVerifyError
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		w.count(func(n *WebhookCounters) {
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
		w.count(func(n *WebhookCounters) { n.Malformed++ })
		return &Error{Code: CodeInvalidJSON, Message: "webhook: " + err.Error(), Err: err}
	}
	outcome := eventIgnored
	if u := c.unitOfMSN(ev.MSN); u != nil && checkReference(ev.Reference) == nil {
		t := c.trackerFor(u, ev.Reference)
		t.mu.Lock()
		outcome = t.applyEvent(ev, w.pollEvery)
		t.mu.Unlock()
	}
	w.count(func(n *WebhookCounters) {
		switch outcome {
		case eventApplied:
			n.Accepted++
		case eventDuplicate:
			n.Duplicates++
		default:
			n.Ignored++
		}
	})
	return nil
}

// verify accepts d when one stored secret verifies it.
func (w *webhookState) verify(d vipps.WebhookDelivery) error {
	secrets := w.storedSecrets()
	if len(secrets) == 0 {
		return newError(CodeUnverified, "webhook delivery not verified: this client holds no webhook secret (register with vmp_webhook_reconcile or vmp_webhook_register)")
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
	return &Error{Code: CodeUnverified, Message: err.Error(), Err: err}
}

// unitOfMSN is the sales unit with this MSN, nil when the client acts for none.
func (c *Client) unitOfMSN(msn string) *salesUnit {
	for _, u := range c.units {
		if u.creds.MSN == msn {
			return u
		}
	}
	return nil
}

// VerifyWebhook checks a delivery against secret, with an optional maximum age of its
// x-ms-date (0: none), for hosts that receive deliveries themselves. nil or CodeUnverified.
func VerifyWebhook(secret string, d vipps.WebhookDelivery, maxAge time.Duration) error {
	if err := vipps.VerifyWebhook(secret, d, vipps.VerifyOptions{MaxAge: maxAge}); err != nil {
		return &Error{Code: CodeUnverified, Message: err.Error(), Err: err}
	}
	return nil
}
