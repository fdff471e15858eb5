package sim

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// The Webhooks API (contract §8.1): registrations of a URL for event types, each with the
// secret that signs its deliveries. Delivery itself is webhook_delivery.go.

// webhookEventTypes are the event types a registration may name (contract §8.2). The
// simulator delivers the ePayment ones; the others are accepted and never fire.
var webhookEventTypes = []string{
	"epayments.payment.created.v1", "epayments.payment.aborted.v1", "epayments.payment.expired.v1",
	"epayments.payment.cancelled.v1", "epayments.payment.captured.v1", "epayments.payment.refunded.v1",
	"epayments.payment.authorized.v1", "epayments.payment.terminated.v1",
	"user.checked-in.v1", "login.merchant-initiated.ping.v1",
	"recurring.agreement-activated.v1", "recurring.agreement-rejected.v1", "recurring.agreement-stopped.v1",
	"recurring.agreement-expired.v1", "recurring.charge-reserved.v1", "recurring.charge-captured.v1",
	"recurring.charge-canceled.v1", "recurring.charge-refunded.v1", "recurring.charge-failed.v1",
	"recurring.charge-creation-failed.v1",
}

// maxWebhooksPerEvent is how many registrations may name one event type (Vipps: 25).
const maxWebhooksPerEvent = 25

var webhookIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Errors of the Go registration API (Server.RegisterWebhook, DeleteWebhook).
var (
	// ErrInvalidWebhook is wrapped by every refusal of a registration.
	ErrInvalidWebhook = errors.New("sim: invalid webhook registration")
	// ErrUnknownWebhook: no registration has this id.
	ErrUnknownWebhook = errors.New("sim: no webhook with this id")
)

// Webhook is a registration as Server.Webhooks reports it, with its delivery counters. The
// secret is not part of it: like Vipps, the simulator shows it only to the registrant.
type Webhook struct {
	// MSN is the sales unit whose payment events the registration receives.
	MSN    string   `json:"msn"`
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Pending is how many deliveries wait (the one being attempted included).
	Pending int `json:"pending"`
	// Delivered counts deliveries the receiver answered with 2xx; FailedAttempts those it did
	// not (an error status, no answer within WebhookTimeout, a refused connection).
	Delivered      int `json:"delivered"`
	FailedAttempts int `json:"failedAttempts"`
}

// webhookRegistrationWire is a registration in the GET answer.
type webhookRegistrationWire struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

type webhookListWire struct {
	Webhooks []webhookRegistrationWire `json:"webhooks"`
}

type webhookRegisteredWire struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

type webhookRequestWire struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// RegisterWebhook registers url for events of the first sales unit and returns the
// registration's id and secret, as POST /webhooks/v1/webhooks does. The URL must be http or
// https on a loopback address: the simulator never sends anything off the machine.
func (s *Server) RegisterWebhook(rawURL string, events []string) (id, secret string, err error) {
	return s.RegisterWebhookOf(s.access.msns[0], rawURL, events)
}

// RegisterWebhookOf is RegisterWebhook for the sales unit msn.
func (s *Server) RegisterWebhookOf(msn, rawURL string, events []string) (id, secret string, err error) {
	if !slices.Contains(s.access.msns, msn) {
		return "", "", fmt.Errorf("%w: no sales unit has MSN %q", ErrInvalidWebhook, msn)
	}
	target, events, p := checkWebhookRequest(rawURL, events)
	if p != nil {
		return "", "", fmt.Errorf("%w: %s", ErrInvalidWebhook, p.ExtraDetails[0].Reason)
	}
	reg, p := s.hooks.register(msn, target, events)
	if p != nil {
		return "", "", fmt.Errorf("%w: %s", ErrInvalidWebhook, p.Detail)
	}
	return reg.id, reg.secret, nil
}

// DeleteWebhook removes a registration; deliveries to it stop at once (one in flight is
// abandoned). ErrUnknownWebhook when there is no such registration.
func (s *Server) DeleteWebhook(id string) error {
	if !s.hooks.remove("", id) {
		return ErrUnknownWebhook
	}
	return nil
}

// Webhooks lists the registrations of every sales unit in the order they were made.
func (s *Server) Webhooks() []Webhook {
	return s.hooks.list("")
}

// webhookMSN is the sales unit a Webhooks API request acts for: its Merchant-Serial-Number,
// or without one the MSN of the sales unit its token was issued to (partners must name one;
// the gateway check has refused them already).
func (s *Server) webhookMSN(r *http.Request) string {
	if msn := r.Header.Get("Merchant-Serial-Number"); msn != "" {
		return msn
	}
	token, _ := bearerToken(r.Header.Get("Authorization"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.tokens.ownerOf(token, s.now()); ok && len(owner.msns) > 0 {
		return owner.msns[0]
	}
	return ""
}

// registerWebhook serves POST /webhooks/v1/webhooks for the request's sales unit (its
// Merchant-Serial-Number, or the token's own unit): 201 {"id", "secret"}; 400 for a body
// that is not {"url", "events"} (unknown members included, as the spec forbids them), a URL
// that is not an absolute http(s) URL on a loopback address, an empty or unknown event type,
// or an event type that already has 25 registrations.
func (s *Server) registerWebhook(c *call) reply {
	if p := s.checkGatewayHeaders(c.r, false); p != nil {
		return c.fail(p)
	}
	var req webhookRequestWire
	if err := wirejson.UnmarshalStrict(c.body, &req); err != nil {
		return c.fail(fieldProblem("body", "The body must be {\"url\": ..., \"events\": [...]}: "+err.Error()))
	}
	target, events, p := checkWebhookRequest(req.URL, req.Events)
	if p != nil {
		return c.fail(p)
	}
	reg, p := s.hooks.register(s.webhookMSN(c.r), target, events)
	if p != nil {
		return c.fail(p)
	}
	return jsonReply(http.StatusCreated, webhookRegisteredWire{ID: reg.id, Secret: reg.secret})
}

// listWebhooks serves GET /webhooks/v1/webhooks: 200 {"webhooks": [{"id", "url", "events"}]}.
func (s *Server) listWebhooks(c *call) reply {
	if p := s.checkGatewayHeaders(c.r, false); p != nil {
		return c.fail(p)
	}
	out := webhookListWire{Webhooks: []webhookRegistrationWire{}}
	for _, w := range s.hooks.list(s.webhookMSN(c.r)) {
		out.Webhooks = append(out.Webhooks, webhookRegistrationWire{ID: w.ID, URL: w.URL, Events: w.Events})
	}
	return jsonReply(http.StatusOK, out)
}

// deleteWebhook serves DELETE /webhooks/v1/webhooks/{id}: 204; 400 when the id is not a UUID;
// 404 when no registration has it (the spec lists only 400; the simulator's choice).
func (s *Server) deleteWebhook(c *call) reply {
	if p := s.checkGatewayHeaders(c.r, false); p != nil {
		return c.fail(p)
	}
	if !webhookIDPattern.MatchString(c.reference) {
		return c.fail(fieldProblem("id", "The id must be a UUID."))
	}
	if !s.hooks.remove(s.webhookMSN(c.r), c.reference) {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", "No webhook with id "+strconv.Quote(c.reference)+"."))
	}
	return emptyReply(http.StatusNoContent)
}

// controlWebhooks serves GET /sim/webhooks: every registration with its delivery counters.
func (s *Server) controlWebhooks(c *call) reply {
	return jsonReply(http.StatusOK, s.hooks.list(""))
}

// checkWebhookRequest validates a registration and returns the parsed URL and the event
// types without duplicates.
func checkWebhookRequest(rawURL string, events []string) (*url.URL, []string, *problem) {
	if rawURL == "" {
		return nil, nil, missingProblem("url")
	}
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "":
		return nil, nil, fieldProblem("url", "The url must be an absolute http or https URL without user info or fragment.")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, nil, fieldProblem("url", "The url must use http or https.")
	case !isLoopbackHost(u.Hostname()):
		return nil, nil, fieldProblem("url", "The simulator delivers webhooks only to loopback addresses (127.0.0.1, ::1, localhost).")
	}
	if len(events) == 0 {
		return nil, nil, missingProblem("events")
	}
	var out []string
	for _, e := range events {
		if !slices.Contains(webhookEventTypes, e) {
			return nil, nil, fieldProblem("events", "Unknown event type "+strconv.Quote(e)+
				" (ePayment events are epayments.payment.<name>.v1, with the plural epayments).")
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return u, out, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
