package vipps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// The ePayment webhook event types (contract §8.2). Note the plural "epayments.".
var EPaymentWebhookEvents = []string{
	"epayments.payment.created.v1",
	"epayments.payment.aborted.v1",
	"epayments.payment.expired.v1",
	"epayments.payment.cancelled.v1",
	"epayments.payment.captured.v1",
	"epayments.payment.refunded.v1",
	"epayments.payment.authorized.v1",
	"epayments.payment.terminated.v1",
}

// RegisterWebhookRequest is the body of POST /webhooks/v1/webhooks.
type RegisterWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// RegisterWebhookResponse is its 201 answer. Secret is handed out only here: it signs every
// delivery to the webhook. It must be stored, and never logged.
type RegisterWebhookResponse struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// String keeps the secret out of logs and error texts.
func (r RegisterWebhookResponse) String() string { return "webhook " + r.ID + " (secret withheld)" }

// GoString keeps the secret out of %#v.
func (r RegisterWebhookResponse) GoString() string { return r.String() }

// Webhook is one registration as GET /webhooks/v1/webhooks lists it (without its secret).
type Webhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

type webhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

const webhooksPath = "/webhooks/v1/webhooks"

// RegisterWebhook registers url for events. The Webhooks API has no Idempotency-Key: a request
// that got no answer may have registered the webhook anyway, which only listing can tell.
func (c *Client) RegisterWebhook(ctx context.Context, req RegisterWebhookRequest) (RegisterWebhookResponse, error) {
	body, err := EncodeJSON(req)
	if err != nil {
		return RegisterWebhookResponse{}, err
	}
	var out RegisterWebhookResponse
	if err := c.doJSON(ctx, Request{Method: "POST", Path: webhooksPath, Body: body}, &out); err != nil {
		return RegisterWebhookResponse{}, err
	}
	if out.ID == "" || out.Secret == "" {
		return RegisterWebhookResponse{}, &MalformedAnswerError{Status: 201, Err: errors.New("the answer lacks the webhook's id or secret")}
	}
	return out, nil
}

// ListWebhooks lists the sales unit's webhook registrations.
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out webhookList
	if err := c.doJSON(ctx, Request{Method: "GET", Path: webhooksPath}, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook deletes one registration (204).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := c.Do(ctx, Request{Method: "DELETE", Path: webhooksPath + "/" + url.PathEscape(id)})
	return err
}

// WebhookEvent is the body of an ePayment webhook delivery (contract §8.3): an event as the
// event log has it, and the MSN of the sales unit. Vipps may add members (userDetails,
// captureGuaranteedUntil); they are ignored.
type WebhookEvent struct {
	MSN string `json:"msn"`
	PaymentEvent
}

// webhookEventWire finds out which required members are present.
type webhookEventWire struct {
	MSN          *string `json:"msn"`
	Reference    *string `json:"reference"`
	PSPReference *string `json:"pspReference"`
	Name         *string `json:"name"`
	Amount       *struct {
		Currency *string `json:"currency"`
		Value    *int64  `json:"value"`
	} `json:"amount"`
	Timestamp      *string `json:"timestamp"`
	IdempotencyKey *string `json:"idempotencyKey"`
	Success        *bool   `json:"success"`
}

// DecodeWebhookEvent decodes and checks a delivery's body: every required member (msn,
// reference, pspReference, name, amount with currency and value, timestamp, success) present
// and of its type. The error never quotes the body.
func DecodeWebhookEvent(body []byte) (WebhookEvent, error) {
	var w webhookEventWire
	if err := wirejson.Unmarshal(body, &w); err != nil {
		// The decoder's text may quote the body, which can carry personal data: say less.
		return WebhookEvent{}, errors.New("the event is not a JSON object of the ePayment event shape")
	}
	var missing []string
	for name, present := range map[string]bool{
		"msn": w.MSN != nil, "reference": w.Reference != nil && *w.Reference != "",
		"pspReference": w.PSPReference != nil, "name": w.Name != nil && *w.Name != "",
		"amount":    w.Amount != nil && w.Amount.Currency != nil && w.Amount.Value != nil,
		"timestamp": w.Timestamp != nil, "success": w.Success != nil,
	} {
		if !present {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return WebhookEvent{}, fmt.Errorf("the event lacks %s", strings.Join(missing, ", "))
	}
	ev := WebhookEvent{MSN: *w.MSN, PaymentEvent: PaymentEvent{Reference: *w.Reference, PSPReference: *w.PSPReference, Name: *w.Name,
		Amount: Amount{Currency: *w.Amount.Currency, Value: *w.Amount.Value}, Timestamp: *w.Timestamp, Success: *w.Success}}
	if w.IdempotencyKey != nil {
		ev.IdempotencyKey = *w.IdempotencyKey
	}
	return ev, nil
}
