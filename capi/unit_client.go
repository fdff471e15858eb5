package main

import (
	"context"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/scanner"
)

// unitClient is what a handle from vmp_sales_unit stands for: the client's calls, made for one
// of its sales units. Payment and webhook-registration calls act for that unit (its MSN and
// keys); the others act on the client itself. The handle has a lifetime of its own: closing it
// cancels the calls made through it, waits for them, and leaves the client open.
//
// The methods are written out, not embedded, so a method added to one of the interfaces below
// fails to compile here until it is written too - through enter, so that a call through a
// closed unit handle cannot slip past.
type unitClient struct {
	client *core.Client
	unit   string

	// closing ends, with core.ErrClosed as its cause, when Close begins; every call's context
	// ends with it, so waits end with VMP_ERR_INVALID_HANDLE. forUnit is closing acting for
	// the unit: the context of every call the C ABI makes (it gives no context of its own).
	closing context.Context
	forUnit context.Context
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	closed  bool
	calls   sync.WaitGroup
}

var (
	_ engine        = (*unitClient)(nil)
	_ scanEngine    = (*unitClient)(nil)
	_ logEngine     = (*unitClient)(nil)
	_ clubEngine    = (*unitClient)(nil)
	_ webhookEngine = (*unitClient)(nil)
)

func newUnitClient(client *core.Client, unit string) *unitClient {
	u := &unitClient{client: client, unit: unit}
	u.closing, u.cancel = context.WithCancelCause(context.Background())
	u.forUnit = core.WithSalesUnit(u.closing, unit)
	return u
}

// enter registers a call through the handle; it fails once Close has begun. The returned
// context acts for the unit and ends when Close begins (cause core.ErrClosed) or ctx ends.
func (u *unitClient) enter(ctx context.Context) (context.Context, func(), error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil, nil, argError(core.CodeInvalidHandle, "the client handle is closed or not a vmp handle")
	}
	u.calls.Add(1)
	if ctx.Done() == nil { // never ends, as from every export: only its delivery to carry over
		if d := core.DeliveryOf(ctx); d != nil {
			return core.WithDelivery(u.forUnit, d), u.calls.Done, nil
		}
		return u.forUnit, u.calls.Done, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(u.closing, func() { cancel(core.ErrClosed) })
	return core.WithSalesUnit(ctx, u.unit), func() { stop(); cancel(nil); u.calls.Done() }, nil
}

// Close cancels the calls in progress through this handle and waits for them to return; the
// client stays open. Idempotent.
func (u *unitClient) Close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.cancel(core.ErrClosed)
	u.calls.Wait()
}

// call runs f inside enter: the shape of every method below.
func call[T any](u *unitClient, ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	ctx, leave, err := u.enter(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer leave()
	return f(ctx)
}

// run is call for methods that give only an error.
func run(u *unitClient, ctx context.Context, f func(context.Context) error) error {
	_, err := call(u, ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) })
	return err
}

// Payments, the journal, the QR and receipts (engine).

func (u *unitClient) StartCheckout(ctx context.Context, req core.CheckoutRequest) (string, error) {
	return call(u, ctx, func(ctx context.Context) (string, error) { return u.client.StartCheckout(ctx, req) })
}

func (u *unitClient) PollStatus(ctx context.Context, reference string, wait time.Duration) (core.Payment, error) {
	return call(u, ctx, func(ctx context.Context) (core.Payment, error) { return u.client.PollStatus(ctx, reference, wait) })
}

func (u *unitClient) Capture(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error) {
	return call(u, ctx, func(ctx context.Context) (core.Payment, error) {
		return u.client.Capture(ctx, reference, amount, operationID)
	})
}

func (u *unitClient) Refund(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error) {
	return call(u, ctx, func(ctx context.Context) (core.Payment, error) {
		return u.client.Refund(ctx, reference, amount, operationID)
	})
}

func (u *unitClient) Cancel(ctx context.Context, reference string, opts core.CancelOptions, operationID string) (core.Payment, error) {
	return call(u, ctx, func(ctx context.Context) (core.Payment, error) {
		return u.client.Cancel(ctx, reference, opts, operationID)
	})
}

func (u *unitClient) Pending() (core.PendingReport, error) {
	return call(u, context.Background(), func(context.Context) (core.PendingReport, error) { return u.client.Pending() })
}

func (u *unitClient) Recover(ctx context.Context, wait time.Duration) (core.RecoveryReport, error) {
	return call(u, ctx, func(ctx context.Context) (core.RecoveryReport, error) { return u.client.Recover(ctx, wait) })
}

func (u *unitClient) Acknowledge(id string) error {
	return run(u, context.Background(), func(context.Context) error { return u.client.Acknowledge(id) })
}

func (u *unitClient) CheckoutQR(ctx context.Context, reference string) (*core.QRCode, error) {
	return call(u, ctx, func(ctx context.Context) (*core.QRCode, error) { return u.client.CheckoutQR(ctx, reference) })
}

func (u *unitClient) AttachReceipt(ctx context.Context, reference string, r *core.Receipt) error {
	return run(u, ctx, func(ctx context.Context) error { return u.client.AttachReceipt(ctx, reference, r) })
}

// SimulatorURL is the client's: a unit has no simulator of its own. It does not block, so a
// close racing with it has nothing to cancel.
func (u *unitClient) SimulatorURL() string { return u.client.SimulatorURL() }

// The scanner and the log records: the client's own (scanEngine, logEngine).

func (u *unitClient) OnScan(fn func(scanner.Event), fromHandler bool) error {
	return run(u, context.Background(), func(context.Context) error { return u.client.OnScan(fn, fromHandler) })
}

func (u *unitClient) NextScan(ctx context.Context, wait time.Duration, take func(scanner.Event) error) (scanner.Event, error) {
	return call(u, ctx, func(ctx context.Context) (scanner.Event, error) { return u.client.NextScan(ctx, wait, take) })
}

func (u *unitClient) SubmitScan(text string) error {
	return run(u, context.Background(), func(context.Context) error { return u.client.SubmitScan(text) })
}

func (u *unitClient) OnLog(fn func(core.LogRecord), fromHandler bool) error {
	return run(u, context.Background(), func(context.Context) error { return u.client.OnLog(fn, fromHandler) })
}

func (u *unitClient) NextLog(ctx context.Context, wait time.Duration, take func(core.LogRecord) error) (core.LogRecord, error) {
	return call(u, ctx, func(ctx context.Context) (core.LogRecord, error) { return u.client.NextLog(ctx, wait, take) })
}

// The customer club: the client's own (clubEngine).

func (u *unitClient) ParseCheckout(data []byte) (core.CheckoutRequest, error) {
	return call(u, context.Background(), func(context.Context) (core.CheckoutRequest, error) { return u.client.ParseCheckout(data) })
}

func (u *unitClient) IdentifyCustomer(ctx context.Context, input string) (core.Customer, error) {
	return call(u, ctx, func(ctx context.Context) (core.Customer, error) { return u.client.IdentifyCustomer(ctx, input) })
}

func (u *unitClient) LoyaltyCheckIn(ctx context.Context, phone string, isMember bool) (string, error) {
	return call(u, ctx, func(ctx context.Context) (string, error) { return u.client.LoyaltyCheckIn(ctx, phone, isMember) })
}

func (u *unitClient) StartEnrollment(ctx context.Context, req core.EnrollmentRequest) (string, error) {
	return call(u, ctx, func(ctx context.Context) (string, error) { return u.client.StartEnrollment(ctx, req) })
}

func (u *unitClient) PollEnrollment(ctx context.Context, id string, wait time.Duration) (core.Enrollment, error) {
	return call(u, ctx, func(ctx context.Context) (core.Enrollment, error) { return u.client.PollEnrollment(ctx, id, wait) })
}

func (u *unitClient) CancelEnrollment(id string) error {
	return run(u, context.Background(), func(context.Context) error { return u.client.CancelEnrollment(id) })
}

// Webhooks: registrations are the unit's, the receiver the client's (webhookEngine).

func (u *unitClient) HandleWebhook(ctx context.Context, d vipps.WebhookDelivery) error {
	return run(u, ctx, func(ctx context.Context) error { return u.client.HandleWebhook(ctx, d) })
}

// WebhookReceiver reads memory and cannot fail; a closed handle is refused by the registry,
// which no longer knows it.
func (u *unitClient) WebhookReceiver() core.WebhookReceiverInfo { return u.client.WebhookReceiver() }

func (u *unitClient) RegisterWebhook(ctx context.Context, req core.WebhookRequest) (core.Webhook, error) {
	return call(u, ctx, func(ctx context.Context) (core.Webhook, error) { return u.client.RegisterWebhook(ctx, req) })
}

func (u *unitClient) ListWebhooks(ctx context.Context) ([]core.Webhook, error) {
	return call(u, ctx, func(ctx context.Context) ([]core.Webhook, error) { return u.client.ListWebhooks(ctx) })
}

func (u *unitClient) DeleteWebhook(ctx context.Context, id string) error {
	return run(u, ctx, func(ctx context.Context) error { return u.client.DeleteWebhook(ctx, id) })
}

func (u *unitClient) ReconcileWebhooks(ctx context.Context, req core.ReconcileRequest) (core.ReconcileReport, error) {
	return call(u, ctx, func(ctx context.Context) (core.ReconcileReport, error) {
		return u.client.ReconcileWebhooks(ctx, req)
	})
}
