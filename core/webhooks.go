package core

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/payments"
	"github.com/vmp-dev/vmp/internal/webhooks"
)

// Webhooks are their own subsystem, internal/webhooks: the receiver, the registrations and
// their secrets, the verification of deliveries. Client.Webhooks gives a client's (Handle,
// Receiver); registrations are a sales unit's, so they are methods of Unit. A verified event
// comes back to the payments through applyWebhookEvent. Its types are named here for users of
// core.

// WebhookConfig is the "webhooks" block of the configuration.
type WebhookConfig = webhooks.Config

// Webhook is a registration as the library reports it: never with its secret.
type Webhook = webhooks.Webhook

// WebhookRequest is one registration asked for (vmp_webhook_register).
type WebhookRequest = webhooks.Request

// ReconcileRequest and ReconcileReport are vmp_webhook_reconcile's question and answer.
type (
	ReconcileRequest = webhooks.ReconcileRequest
	ReconcileReport  = webhooks.ReconcileReport
	DeletedWebhook   = webhooks.DeletedWebhook
)

// WebhookReceiverInfo and WebhookCounters describe a client's webhook set-up and deliveries.
type (
	WebhookReceiverInfo = webhooks.ReceiverInfo
	WebhookCounters     = webhooks.Counters
)

// ParseWebhookRequest decodes and checks vmp_webhook_register's JSON.
func ParseWebhookRequest(data []byte) (WebhookRequest, error) { return webhooks.ParseRequest(data) }

// ParseReconcileRequest decodes and checks vmp_webhook_reconcile's JSON ("" or {} is "the
// receiver's public URL").
func ParseReconcileRequest(data []byte) (ReconcileRequest, error) {
	return webhooks.ParseReconcileRequest(data)
}

// VerifyWebhook checks a delivery against secret, with an optional maximum age of its
// x-ms-date (0: none), for hosts that receive deliveries themselves. nil or CodeUnverified.
func VerifyWebhook(secret string, d vipps.WebhookDelivery, maxAge time.Duration) error {
	return webhooks.Verify(secret, d, maxAge)
}

// Webhooks is the client's webhooks: Handle takes a delivery, Receiver describes the set-up.
func (c *Client) Webhooks() *webhooks.Hooks { return c.hooks }

// startWebhooks starts the webhooks with what they need; the start-up reconcile is the till's
// own unit's, within timeouts.recovery_ms.
func (c *Client) startWebhooks() (*webhooks.Hooks, error) {
	return webhooks.Start(webhooks.Deps{Config: c.cfg.Webhooks, Journal: c.journal, Retry: c.retry,
		RequestTimeout: c.cfg.Timeouts.request(), Enter: c.enter, Apply: c.applyWebhookEvent},
		c.OwnUnit().hookUnit(), c.closingCtx, c.cfg.Timeouts.recovery())
}

// applyWebhookEvent feeds a verified event to the payments (payments.Engine.ApplyWebhookEvent).
func (c *Client) applyWebhookEvent(msn, reference string, ev vipps.WebhookEvent, pollEvery time.Duration) webhooks.Outcome {
	switch c.pay.ApplyWebhookEvent(msn, reference, ev, pollEvery) {
	case payments.EventApplied:
		return webhooks.Applied
	case payments.EventDuplicate:
		return webhooks.Duplicate
	}
	return webhooks.Ignored
}

// hookUnit is the unit as the webhooks see it: its wire client and MSN.
func (unit *Unit) hookUnit() webhooks.Unit {
	return webhooks.Unit{API: unit.pay.API(), MSN: unit.pay.MSN()}
}

// RegisterWebhook registers one webhook for the unit and stores its secret. The Webhooks API
// has no Idempotency-Key, so a registration is sent once: without an answer it may exist anyway
// (CodeUnknownOutcome) and ReconcileWebhooks cleans it up.
func (unit *Unit) RegisterWebhook(ctx context.Context, req WebhookRequest) (Webhook, error) {
	return unit.client.hooks.Register(ctx, unit.hookUnit(), req)
}

// ListWebhooks lists the unit's registrations at Vipps, marking those whose secret is stored.
func (unit *Unit) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	return unit.client.hooks.List(ctx, unit.hookUnit())
}

// DeleteWebhook deletes one of the unit's registrations and forgets its secret. CodeNotFound
// when Vipps does not know it (its secret is forgotten all the same).
func (unit *Unit) DeleteWebhook(ctx context.Context, id string) error {
	return unit.client.hooks.Delete(ctx, unit.hookUnit(), id)
}

// ReconcileWebhooks makes the unit's managed registrations equal to the wanted ones
// (webhooks.Hooks.Reconcile).
func (unit *Unit) ReconcileWebhooks(ctx context.Context, req ReconcileRequest) (ReconcileReport, error) {
	return unit.client.hooks.Reconcile(ctx, unit.hookUnit(), req)
}
