package webhooks

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Webhook registrations (contract §8.1). Vipps hands out a registration's secret once, in the
// answer to the registration; the library stores it in the journal before anything else, and
// never logs it, returns it or puts it in an error. A registration whose secret is not stored
// is an orphan: its deliveries can never be verified. Reconcile makes the
// registrations equal to the wanted ones, deleting duplicates and orphans.
//
// Registrations are a sales unit's: every call names its Unit; the start-up reconcile is the
// till's own.

// Webhook is a registration as the library reports it: never with its secret.
type Webhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// SecretStored says whether this client holds the secret, i.e. can verify its deliveries.
	SecretStored bool `json:"secret_stored"`
}

// Request is a registration asked for: a URL and its event types (default: every
// ePayment event).
type Request struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// ReconcileRequest says which registrations should exist. Webhooks nil (absent) means the
// receiver's own: webhooks.public_url with every ePayment event. Registrations whose URL is
// wanted, or starts with ManagedPrefix (default: webhooks.managed_prefix), are managed:
// those not wanted are deleted. Other URLs belong to someone else and are left alone.
type ReconcileRequest struct {
	Webhooks      []Request `json:"webhooks"`
	ManagedPrefix string    `json:"managed_prefix"`
}

// ReconcileReport is what Reconcile found and did.
type ReconcileReport struct {
	Kept       []Webhook        `json:"kept"`
	Registered []Webhook        `json:"registered"`
	Deleted    []DeletedWebhook `json:"deleted"`
	// Foreign are registrations outside the managed URLs, left alone.
	Foreign []Webhook `json:"foreign"`
}

// DeletedWebhook is a registration reconcile deleted, and why: "duplicate" (another for the
// same URL is kept), "no_secret" (its secret is not stored: an orphan), "events_differ" (not
// the wanted event types), "not_wanted" (a managed URL no longer wanted).
type DeletedWebhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Reason string   `json:"reason"`
}

// webhookIDPattern is a registration id as Vipps gives it: a UUID.
var webhookIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

var eventTypePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,98}\.v[0-9]+$`)

// Caps on what a registration or a reconcile asks for (Vipps documents none; its APIs have a
// few dozen event types, and it allows 25 registrations per event type).
const (
	maxWebhookEvents  = 64
	maxWantedWebhooks = 100
)

// ParseRequest decodes {"url", "events"} (strict: unknown members are an error).
func ParseRequest(data []byte) (Request, error) {
	var req Request
	if err := wirejson.UnmarshalStrict(data, &req); err != nil {
		return Request{}, &model.Error{Code: abi.CodeInvalidJSON, Message: "webhook: " + err.Error(), Err: err}
	}
	return req.normalized()
}

// ParseReconcileRequest decodes {"webhooks": [...], "managed_prefix"}; empty input is {}.
func ParseReconcileRequest(data []byte) (ReconcileRequest, error) {
	var req ReconcileRequest
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := wirejson.UnmarshalStrict(data, &req); err != nil {
			return ReconcileRequest{}, &model.Error{Code: abi.CodeInvalidJSON, Message: "webhooks: " + err.Error(), Err: err}
		}
	}
	if err := checkManagedPrefix(req.ManagedPrefix); err != nil {
		return ReconcileRequest{}, model.Errorf(abi.CodeInvalidArgument, "webhooks: %v", err)
	}
	if len(req.Webhooks) > maxWantedWebhooks {
		return ReconcileRequest{}, model.Errorf(abi.CodeInvalidArgument, "webhooks: %d webhooks are wanted; at most %d", len(req.Webhooks), maxWantedWebhooks)
	}
	for i := range req.Webhooks {
		w, err := req.Webhooks[i].normalized()
		if err != nil {
			return ReconcileRequest{}, err
		}
		req.Webhooks[i] = w
	}
	return req, nil
}

// normalized checks the URL and events and sorts the events (a set).
func (r Request) normalized() (Request, error) {
	if err := CheckURL(r.URL); err != nil {
		return Request{}, model.Errorf(abi.CodeInvalidArgument, "webhook url: %v", err)
	}
	if len(r.Events) == 0 {
		r.Events = vipps.EPaymentWebhookEvents
	}
	if len(r.Events) > maxWebhookEvents {
		return Request{}, model.Errorf(abi.CodeInvalidArgument, "webhook: %d event types; at most %d", len(r.Events), maxWebhookEvents)
	}
	events := slices.Clone(r.Events)
	for _, e := range events {
		if !eventTypePattern.MatchString(e) {
			return Request{}, model.Errorf(abi.CodeInvalidArgument, "webhook event type %q is not of the form name.v1", model.Truncate(e, 60))
		}
	}
	slices.Sort(events)
	r.Events = slices.Compact(events)
	return r, nil
}

// Register registers one webhook and stores its secret. The Webhooks API has no
// Idempotency-Key, so a registration is sent once: without an answer it may exist anyway
// (CodeUnknownOutcome) and Reconcile cleans it up.
func (w *Hooks) Register(ctx context.Context, u Unit, req Request) (Webhook, error) {
	req, err := req.normalized()
	if err != nil {
		return Webhook{}, err
	}
	ctx, leave, err := w.deps.Enter(ctx)
	if err != nil {
		return Webhook{}, err
	}
	defer leave()
	w.regMu.Lock()
	defer w.regMu.Unlock()
	return w.registerLocked(ctx, u, req)
}

func (w *Hooks) registerLocked(ctx context.Context, u Unit, req Request) (Webhook, error) {
	rctx, cancel := context.WithTimeout(ctx, w.deps.RequestTimeout)
	got, err := u.API.RegisterWebhook(rctx, vipps.RegisterWebhookRequest{URL: req.URL, Events: req.Events})
	cancel()
	what := "registering a webhook for " + model.Truncate(req.URL, 120)
	if err != nil {
		if d := retry.Decide(err); d.MaybeApplied || retry.MalformedAnswer(err) {
			return Webhook{}, model.Errorf(abi.CodeUnknownOutcome, "%s: no usable answer (%v); the webhook may be registered without its secret: "+
				"run vmp_webhook_reconcile, which deletes it", what, err)
		}
		return Webhook{}, retry.WireError(what, err, false, false)
	}
	s := journal.WebhookSecret{ID: got.ID, MSN: u.MSN, URL: req.URL, Events: req.Events, Secret: got.Secret, CreatedAt: time.Now().UTC()}
	if err := w.deps.Journal.PutWebhookSecret(s); err != nil {
		// Without its secret the registration is useless: take it back.
		dctx, cancel := context.WithTimeout(ctx, w.deps.RequestTimeout)
		_ = u.API.DeleteWebhook(dctx, got.ID)
		cancel()
		return Webhook{}, &model.Error{Code: abi.CodeJournal, Message: "journal: storing the webhook secret failed, so the registration was deleted again: " + err.Error(), Err: err}
	}
	w.mu.Lock()
	w.secrets = append(slices.Clone(w.secrets), s)
	w.mu.Unlock()
	return Webhook{ID: got.ID, URL: req.URL, Events: req.Events, SecretStored: true}, nil
}

// List lists the registrations at Vipps, marking those whose secret is stored.
func (w *Hooks) List(ctx context.Context, u Unit) ([]Webhook, error) {
	ctx, leave, err := w.deps.Enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return w.listWebhooks(ctx, u)
}

func (w *Hooks) listWebhooks(ctx context.Context, u Unit) ([]Webhook, error) {
	var list []vipps.Webhook
	err := w.deps.Retry.Call(ctx, "listing webhooks", retry.OneOff(), false, func(ctx context.Context) error {
		var err error
		list, err = u.API.ListWebhooks(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	stored := w.secretIDs()
	out := make([]Webhook, 0, len(list))
	for _, w := range list {
		events := slices.Clone(w.Events)
		slices.Sort(events)
		out = append(out, Webhook{ID: w.ID, URL: w.URL, Events: events, SecretStored: stored[w.ID]})
	}
	return out, nil
}

// Delete deletes one registration and forgets its secret. CodeNotFound when Vipps does
// not know it (its secret is forgotten all the same).
func (w *Hooks) Delete(ctx context.Context, u Unit, id string) error {
	if !webhookIDPattern.MatchString(id) {
		// Vipps answers 400 for an id that is not a UUID; a till's typo is caught before sending
		// (found by the hardening sweep, which got VMP_ERR_REJECTED, not documented here).
		return model.Errorf(abi.CodeInvalidArgument, "webhook id is not a registration id (a UUID, as vmp_webhook_list gives it)")
	}
	ctx, leave, err := w.deps.Enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	w.regMu.Lock()
	defer w.regMu.Unlock()
	return w.deleteLocked(ctx, u, id)
}

func (w *Hooks) deleteLocked(ctx context.Context, u Unit, id string) error {
	err := w.deps.Retry.Call(ctx, "deleting webhook "+model.Truncate(id, 60), retry.OneOff(), false,
		func(ctx context.Context) error { return u.API.DeleteWebhook(ctx, id) })
	if err == nil || model.CodeOf(err) == abi.CodeNotFound {
		if ferr := w.forgetSecret(id); ferr != nil {
			return ferr
		}
	}
	return err
}

// Reconcile makes the managed registrations equal to the wanted ones: for each wanted
// URL exactly one registration with the wanted events whose secret is stored is kept (or made);
// duplicates, orphans without a stored secret, registrations with other events and managed URLs
// no longer wanted are deleted first (a URL has at most 25 registrations per event). Stored
// secrets of registrations Vipps no longer has are forgotten. Running it again changes nothing.
func (w *Hooks) Reconcile(ctx context.Context, u Unit, req ReconcileRequest) (ReconcileReport, error) {
	ctx, leave, err := w.deps.Enter(ctx)
	if err != nil {
		return ReconcileReport{}, err
	}
	defer leave()
	if req.Webhooks == nil {
		if w.publicURL == "" {
			return ReconcileReport{}, model.Errorf(abi.CodeInvalidArgument, "webhooks: name the wanted webhooks, or configure webhooks.public_url or webhooks.listen")
		}
		req.Webhooks = []Request{{URL: w.publicURL}}
	}
	if req.ManagedPrefix == "" {
		req.ManagedPrefix = w.cfg.ManagedPrefix
	}
	for i := range req.Webhooks {
		if req.Webhooks[i], err = req.Webhooks[i].normalized(); err != nil {
			return ReconcileReport{}, err
		}
	}
	w.regMu.Lock()
	defer w.regMu.Unlock()
	list, err := w.listWebhooks(ctx, u)
	if err != nil {
		return ReconcileReport{}, err
	}
	plan := planReconcile(list, req)
	report := ReconcileReport{Kept: plan.keep, Foreign: plan.foreign, Deleted: []DeletedWebhook{}, Registered: []Webhook{}}
	for _, d := range plan.remove {
		if err := w.deleteLocked(ctx, u, d.ID); err != nil && model.CodeOf(err) != abi.CodeNotFound {
			return report, err
		}
		report.Deleted = append(report.Deleted, d)
	}
	if err := w.forgetSecretsNotIn(u, list); err != nil {
		return report, err
	}
	for _, want := range plan.register {
		w, err := w.registerLocked(ctx, u, want)
		if err != nil {
			return report, err
		}
		report.Registered = append(report.Registered, w)
	}
	return report, nil
}

// reconcilePlan is what a reconcile will do.
type reconcilePlan struct {
	keep, foreign []Webhook
	remove        []DeletedWebhook
	register      []Request
}

// planReconcile decides, from the registrations Vipps lists, what to keep, delete and
// register. A keeper is a registration with the wanted events and a stored secret; the first
// listed wins.
func planReconcile(list []Webhook, req ReconcileRequest) reconcilePlan {
	plan := reconcilePlan{keep: []Webhook{}, foreign: []Webhook{}}
	wanted := map[string]Request{}
	for _, w := range req.Webhooks {
		wanted[w.URL] = w
	}
	kept := map[string]bool{}
	for _, w := range list {
		if want, ok := wanted[w.URL]; ok && !kept[w.URL] && w.SecretStored && slices.Equal(w.Events, want.Events) {
			kept[w.URL] = true
			plan.keep = append(plan.keep, w)
		}
	}
	for _, w := range list {
		want, isWanted := wanted[w.URL]
		reason := ""
		switch {
		case slices.ContainsFunc(plan.keep, func(k Webhook) bool { return k.ID == w.ID }):
			continue
		case !isWanted && (req.ManagedPrefix == "" || !strings.HasPrefix(w.URL, req.ManagedPrefix)):
			plan.foreign = append(plan.foreign, w)
			continue
		case !isWanted:
			reason = "not_wanted"
		case !w.SecretStored:
			reason = "no_secret"
		case !slices.Equal(w.Events, want.Events):
			reason = "events_differ"
		default:
			reason = "duplicate"
		}
		plan.remove = append(plan.remove, DeletedWebhook{ID: w.ID, URL: w.URL, Events: w.Events, Reason: reason})
	}
	for _, w := range req.Webhooks {
		if !kept[w.URL] {
			kept[w.URL] = true // a URL wanted twice is registered once
			plan.register = append(plan.register, w)
		}
	}
	return plan
}

func (w *Hooks) secretIDs() map[string]bool {
	ids := map[string]bool{}
	for _, s := range w.storedSecrets() {
		ids[s.ID] = true
	}
	return ids
}

// forgetSecret drops one stored secret, from the journal and the cache.
func (w *Hooks) forgetSecret(id string) error {
	if err := w.deps.Journal.DeleteWebhookSecret(id); err != nil {
		return &model.Error{Code: abi.CodeJournal, Message: "journal: forgetting a webhook secret: " + err.Error(), Err: err}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = slices.DeleteFunc(slices.Clone(w.secrets), func(s journal.WebhookSecret) bool { return s.ID == id })
	return nil
}

// forgetSecretsNotIn drops the stored secrets of unit u's registrations that Vipps no longer
// lists (deleted elsewhere, or removed by Vipps after weeks of failed deliveries). Other units'
// secrets are not in u's list and are kept.
func (w *Hooks) forgetSecretsNotIn(u Unit, list []Webhook) error {
	listed := map[string]bool{}
	for _, w := range list {
		listed[w.ID] = true
	}
	for _, s := range w.storedSecrets() {
		if !listed[s.ID] && s.MSN == u.MSN {
			if err := w.forgetSecret(s.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Unit is the sales unit a registration call acts for: its wire client and MSN.
type Unit struct {
	API *vipps.Client
	MSN string
}
