package main

// #include "wall.h"
import "C"

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/vmp-dev/vmp/core"
)

// hostDelivery tells the engine when the result of a call through the wall has reached the
// host's thread (wall_delivery.c): only then may its outcome be recorded as seen by the till
// (core.Delivery). The C cell is released when this value is garbage.
type hostDelivery struct {
	cell *C.wall_delivery
	done atomic.Bool
}

func (d *hostDelivery) Delivered() bool {
	if d.done.Load() {
		return true
	}
	if C.wall_delivery_done(d.cell) == 0 {
		return false
	}
	d.done.Store(true)
	return true
}

// MadeBefore reports whether d's call was made before other's result reached the host (also
// when it has not yet): core.OrderedDelivery.
func (d *hostDelivery) MadeBefore(other core.Delivery) bool {
	o, ok := other.(*hostDelivery)
	if !ok {
		return false
	}
	return C.wall_delivery_made_before(d.cell, o.cell) != 0
}

// withHostDelivery gives ctx the delivery of the call the calling worker runs. On a thread that
// runs no handed-off call (the bench's build without the wall, Go's own tests) ctx is returned
// as it is: the result reaches the caller when the export returns.
func withHostDelivery(ctx context.Context) context.Context {
	cell := C.wall_delivery_take()
	if cell == nil {
		return ctx
	}
	d := &hostDelivery{cell: cell}
	runtime.AddCleanup(d, func(cell *C.wall_delivery) { C.wall_delivery_release(cell) }, cell)
	return core.WithDelivery(ctx, d)
}
