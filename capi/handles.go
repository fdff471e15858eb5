package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmp-dev/vmp/core"
)

// engine is what a client handle stands for: a *core.Client, or a fake in the unit tests.
type engine interface {
	Close()
	StartCheckout(ctx context.Context, req core.CheckoutRequest) (string, error)
	PollStatus(ctx context.Context, reference string, wait time.Duration) (core.Payment, error)
	Capture(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error)
	Refund(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error)
	Cancel(ctx context.Context, reference string, opts core.CancelOptions, operationID string) (core.Payment, error)
	Pending() (core.PendingReport, error)
	Recover(ctx context.Context, wait time.Duration) (core.RecoveryReport, error)
	Acknowledge(id string) error
	CheckoutQR(ctx context.Context, reference string) (*core.QRCode, error)
	AttachReceipt(ctx context.Context, reference string, r *core.Receipt) error
}

var _ engine = (*core.Client)(nil)

// registry maps the integer ids that C sees as vmp_client* to clients. Ids come from a counter
// that starts at 1 and never goes back, so NULL, a closed or a forged handle can only miss;
// it can never reach another, newer client.
type registry struct {
	last    atomic.Uint64
	mu      sync.RWMutex
	clients map[uintptr]engine
}

// handles is the process's one registry. Its zero value is ready, so loading the library does
// no work before the first vmp_init.
var handles registry

// add registers a client under a fresh id. It fails only when the id space of the platform's
// pointers is used up (2^32 clients on 32-bit), because reusing an id is never allowed.
func (r *registry) add(e engine) (uintptr, error) {
	id := r.last.Add(1)
	if id > uint64(^uintptr(0)) {
		e.Close()
		return 0, argError(core.CodeInternal, "no client handles left in this process")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clients == nil {
		r.clients = make(map[uintptr]engine)
	}
	r.clients[uintptr(id)] = e
	return uintptr(id), nil
}

// get finds the client of a handle.
func (r *registry) get(id uintptr) (engine, error) {
	if id == 0 {
		return nil, argError(core.CodeInvalidHandle, "the client handle is NULL")
	}
	r.mu.RLock()
	e, ok := r.clients[id]
	r.mu.RUnlock()
	if !ok {
		return nil, argError(core.CodeInvalidHandle, "the client handle is closed or not a vmp handle")
	}
	return e, nil
}

// remove forgets a handle and gives its client (nil when the handle was not open), so exactly
// one caller gets to close it.
func (r *registry) remove(id uintptr) engine {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.clients[id]
	delete(r.clients, id)
	return e
}
