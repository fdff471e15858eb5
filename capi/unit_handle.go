package main

import (
	"context"
	"sync"

	"github.com/vmp-dev/vmp/core"
)

// unitHandle is what a handle from vmp_sales_unit stands for: one sales unit of a client
// (core.Unit). Payment and webhook-registration calls through it act for that unit; the others
// act on its client. The handle has a lifetime of its own: closing it cancels the calls made
// through it, waits for them, and leaves the client open.
type unitHandle struct {
	unit *core.Unit

	// closing ends, with core.ErrClosed as its cause, when Close begins; every call's context
	// ends with it, so waits end with VMP_ERR_INVALID_HANDLE.
	closing context.Context
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	closed  bool
	calls   sync.WaitGroup
}

func newUnitHandle(unit *core.Unit) *unitHandle {
	u := &unitHandle{unit: unit}
	u.closing, u.cancel = context.WithCancelCause(context.Background())
	return u
}

// enter registers a call through the handle; it fails once Close has begun. The returned
// context ends when Close begins (cause core.ErrClosed) or ctx ends.
func (u *unitHandle) enter(ctx context.Context) (context.Context, func(), error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil, nil, argError(core.CodeInvalidHandle, "the client handle is closed or not a vmp handle")
	}
	u.calls.Add(1)
	if ctx.Done() == nil { // never ends, as from every export: only its delivery to carry over
		if d := core.DeliveryOf(ctx); d != nil {
			return core.WithDelivery(u.closing, d), u.calls.Done, nil
		}
		return u.closing, u.calls.Done, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(u.closing, func() { cancel(core.ErrClosed) })
	return ctx, func() { stop(); cancel(nil); u.calls.Done() }, nil
}

// Close cancels the calls in progress through this handle and waits for them to return; the
// client stays open. Idempotent.
func (u *unitHandle) Close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.cancel(core.ErrClosed)
	u.calls.Wait()
}
