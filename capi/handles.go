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
	SimulatorURL() string
}

var _ engine = (*core.Client)(nil)

// registry maps the integer ids that C sees as vmp_client* to clients and their unit handles.
// Ids come from a counter that starts at 1 and never goes back, so NULL, a closed or a forged
// handle can only miss; it can never reach another, newer client. A unit handle is registered
// under its client, so closing the client takes its unit handles out in the same step.
type registry struct {
	last    atomic.Uint64
	mu      sync.RWMutex
	clients map[uintptr]engine
	// units holds each client's open unit handles; parentOf each unit handle's client.
	units    map[uintptr]map[uintptr]struct{}
	parentOf map[uintptr]uintptr
}

// handles is the process's one registry. Its zero value is ready, so loading the library does
// no work before the first vmp_init.
var handles registry

// add registers a client under a fresh id. It fails only when the id space of the platform's
// pointers is used up (2^32 clients on 32-bit), because reusing an id is never allowed.
func (r *registry) add(e engine) (uintptr, error) {
	id, err := r.nextID(e)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	r.clients[id] = e
	return id, nil
}

// addUnit registers a unit handle of the client that via is (or that the unit handle via
// belongs to). It fails when via is not open - the client may be closing at this very moment -
// and then closes e, which no caller has seen.
func (r *registry) addUnit(via uintptr, e engine) (id, parent uintptr, err error) {
	id, err = r.nextID(e)
	if err != nil {
		return 0, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	if _, open := r.clients[via]; !open {
		e.Close()
		return 0, 0, argError(core.CodeInvalidHandle, "the client handle is closed or not a vmp handle")
	}
	parent = via
	if p, isUnit := r.parentOf[via]; isUnit {
		parent = p
	}
	r.clients[id] = e
	r.parentOf[id] = parent
	if r.units[parent] == nil {
		r.units[parent] = make(map[uintptr]struct{})
	}
	r.units[parent][id] = struct{}{}
	return id, parent, nil
}

func (r *registry) nextID(e engine) (uintptr, error) {
	id := r.last.Add(1)
	if id > uint64(^uintptr(0)) {
		e.Close()
		return 0, argError(core.CodeInternal, "no client handles left in this process")
	}
	return uintptr(id), nil
}

func (r *registry) init() {
	if r.clients == nil {
		r.clients = make(map[uintptr]engine)
		r.units = make(map[uintptr]map[uintptr]struct{})
		r.parentOf = make(map[uintptr]uintptr)
	}
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

// openHandle is a handle and what it stands for.
type openHandle struct {
	id     uintptr
	engine engine
}

// remove forgets a handle and gives what its closing must close, so exactly one caller gets
// to close each: nothing when the handle was not open; a unit handle's own engine; for a
// client, its own engine first - closing it cancels every call inside it, those made through
// its unit handles too - and then those of its unit handles.
func (r *registry) remove(id uintptr) []openHandle {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.clients[id]
	if !ok {
		return nil
	}
	delete(r.clients, id)
	if parent, isUnit := r.parentOf[id]; isUnit {
		delete(r.parentOf, id)
		delete(r.units[parent], id)
		return []openHandle{{id, e}}
	}
	closing := make([]openHandle, 0, len(r.units[id])+1)
	closing = append(closing, openHandle{id, e})
	for unit := range r.units[id] {
		closing = append(closing, openHandle{unit, r.clients[unit]})
		delete(r.clients, unit)
		delete(r.parentOf, unit)
	}
	delete(r.units, id)
	return closing
}
