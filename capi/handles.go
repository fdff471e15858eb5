package main

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vmp-dev/vmp/core"
)

// handle is what an id stands for: a *core.Client (vmp_init) or a *unitHandle (vmp_sales_unit).
// The registry only closes it; calls reach what it stands for through enter.
type handle interface{ Close() }

// registry maps the integer ids that C sees as vmp_client* to clients and their unit handles.
// Ids come from a counter that starts at 1 and never goes back, so NULL, a closed or a forged
// handle can only miss; it can never reach another, newer client. A unit handle is registered
// under its client, so closing the client takes its unit handles out in the same step.
type registry struct {
	last    atomic.Uint64
	mu      sync.RWMutex
	clients map[uintptr]handle
	// units holds each client's open unit handles; parentOf each unit handle's client.
	units    map[uintptr]map[uintptr]struct{}
	parentOf map[uintptr]uintptr
}

// errNotAHandle is the answer for an id that is not open: closed, forged, or never given.
func errNotAHandle() error {
	return argError(core.CodeInvalidHandle, "the client handle is closed or not a vmp handle")
}

// handles is the process's one registry. Its zero value is ready, so loading the library does
// no work before the first vmp_init.
var handles registry

// add registers a client under a fresh id. It fails only when the id space of the platform's
// pointers is used up (2^32 clients on 32-bit), because reusing an id is never allowed.
func (r *registry) add(e handle) (uintptr, error) {
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
func (r *registry) addUnit(via uintptr, e handle) (id, parent uintptr, err error) {
	id, err = r.nextID(e)
	if err != nil {
		return 0, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	if _, open := r.clients[via]; !open {
		e.Close()
		return 0, 0, errNotAHandle()
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

func (r *registry) nextID(e handle) (uintptr, error) {
	id := r.last.Add(1)
	if id > uint64(^uintptr(0)) {
		e.Close()
		return 0, argError(core.CodeInternal, "no client handles left in this process")
	}
	return uintptr(id), nil
}

func (r *registry) init() {
	if r.clients == nil {
		r.clients = make(map[uintptr]handle)
		r.units = make(map[uintptr]map[uintptr]struct{})
		r.parentOf = make(map[uintptr]uintptr)
	}
}

// get finds the client of a handle.
func (r *registry) get(id uintptr) (handle, error) {
	if id == 0 {
		return nil, argError(core.CodeInvalidHandle, "the client handle is NULL")
	}
	r.mu.RLock()
	e, ok := r.clients[id]
	r.mu.RUnlock()
	if !ok {
		return nil, errNotAHandle()
	}
	return e, nil
}

// openHandle is a handle and what it stands for.
type openHandle struct {
	id     uintptr
	handle handle
}

// remove forgets a handle and gives what its closing must close, so exactly one caller gets
// to close each: nothing when the handle was not open; a unit handle itself; for a
// client, the client first - closing it cancels every call inside it, those made through
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

// target is what a call through a handle reaches: the client, the sales unit it acts for (the
// till's own through a client handle) and the call's context, which - through a unit handle -
// ends when that handle is closed. leave must run when the call returns.
type target struct {
	client *core.Client
	unit   *core.Unit
	ctx    context.Context
	leave  func()
}

// enter resolves a handle for one call made with ctx.
func (r *registry) enter(id uintptr, ctx context.Context) (target, error) {
	e, err := r.get(id)
	if err != nil {
		return target{}, err
	}
	switch h := e.(type) {
	case *core.Client:
		return target{client: h, unit: h.OwnUnit(), ctx: ctx, leave: func() {}}, nil
	case *unitHandle:
		ctx, leave, err := h.enter(ctx)
		if err != nil {
			return target{}, err
		}
		return target{client: h.unit.Client(), unit: h.unit, ctx: ctx, leave: leave}, nil
	}
	return target{}, errNotAHandle()
}

// clientOf gives the client a handle reaches: itself, or a unit handle's client.
func (r *registry) clientOf(id uintptr) (*core.Client, error) {
	e, err := r.get(id)
	if err != nil {
		return nil, err
	}
	switch h := e.(type) {
	case *core.Client:
		return h, nil
	case *unitHandle:
		return h.unit.Client(), nil
	}
	return nil, errNotAHandle()
}
