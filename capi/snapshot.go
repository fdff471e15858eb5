package main

// #include "wall.h"
import "C"

import (
	"sync"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
)

// The Go side of wall_snapshot.c: every client publishes each update of its payments into the
// C table from which vmp_poll_status with wait 0 answers without entering Go, and registers the
// handles that may read them - its own, and its sales units'.

// snapshotPublisher is a client's core.PaymentListener. A payment's key in C is the client's
// handle, a number for its sales unit (scope) and the reference.
type snapshotPublisher struct {
	parent uintptr
	mu     sync.Mutex
	scopes map[string]uint64 // sales unit name -> scope; the till's own unit ("") is 0
}

// publishers holds the publisher of each open client, by handle.
var publishers sync.Map

// publishSnapshots makes the client of handle id publish its payments to C.
func publishSnapshots(id uintptr, client *core.Client) {
	p := &snapshotPublisher{parent: id, scopes: map[string]uint64{}}
	publishers.Store(id, p)
	C.wall_snapshot_handle_open(C.uintptr_t(id), C.uintptr_t(id), 0)
	client.SetPaymentListener(p)
}

// snapshotUnitHandle lets the sales-unit handle id read its unit's payments of client parent.
func snapshotUnitHandle(id, parent uintptr, unit string) {
	if v, ok := publishers.Load(parent); ok {
		C.wall_snapshot_handle_open(C.uintptr_t(id), C.uintptr_t(parent), C.uint64_t(v.(*snapshotPublisher).scope(unit)))
	}
}

// forgetSnapshots drops a closed client's publisher (C dropped its payments in vmp_close).
func forgetSnapshots(id uintptr) { publishers.Delete(id) }

// forgetSnapshotHandle closes the C entry of a unit handle closed with its client (vmp_close
// closed only the handle it was given).
func forgetSnapshotHandle(id uintptr) { C.wall_snapshot_handle_close(C.uintptr_t(id)) }

func (p *snapshotPublisher) scope(unit string) uint64 {
	if unit == "" {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.scopes[unit]
	if !ok {
		s = uint64(len(p.scopes) + 1)
		p.scopes[unit] = s
	}
	return s
}

func (p *snapshotPublisher) PaymentKnown(unit, reference string, pay core.Payment) {
	var full C.vmp_payment
	putPayment(&full, pay)
	C.wall_snapshot_publish(C.uintptr_t(p.parent), C.uint64_t(p.scope(unit)),
		(*C.char)(unsafe.Pointer(unsafe.StringData(reference))), C.size_t(len(reference)), &full)
}

func (p *snapshotPublisher) PaymentForgotten(unit, reference string) {
	C.wall_snapshot_forget(C.uintptr_t(p.parent), C.uint64_t(p.scope(unit)),
		(*C.char)(unsafe.Pointer(unsafe.StringData(reference))), C.size_t(len(reference)))
}
