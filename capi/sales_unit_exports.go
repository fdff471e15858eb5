package main

/*
#include "vmp.h"
*/
import "C"

import (
	"context"
	"time"

	"github.com/vmp-dev/vmp/core"
)

// unitClient is a handle bound to one sales unit of a client: the payment calls act for that
// unit (its MSN and keys); everything else is the parent's, and closing it leaves the parent
// open.
type unitClient struct {
	*core.Client
	unit   string
	parent uintptr // the handle of the client it belongs to
}

func (u *unitClient) ctx(ctx context.Context) context.Context { return core.WithSalesUnit(ctx, u.unit) }

// Close releases only the unit handle.
func (u *unitClient) Close() {}

func (u *unitClient) StartCheckout(ctx context.Context, req core.CheckoutRequest) (string, error) {
	return u.Client.StartCheckout(u.ctx(ctx), req)
}

func (u *unitClient) PollStatus(ctx context.Context, reference string, wait time.Duration) (core.Payment, error) {
	return u.Client.PollStatus(u.ctx(ctx), reference, wait)
}

func (u *unitClient) Capture(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error) {
	return u.Client.Capture(u.ctx(ctx), reference, amount, operationID)
}

func (u *unitClient) Refund(ctx context.Context, reference string, amount int64, operationID string) (core.Payment, error) {
	return u.Client.Refund(u.ctx(ctx), reference, amount, operationID)
}

func (u *unitClient) Cancel(ctx context.Context, reference string, opts core.CancelOptions, operationID string) (core.Payment, error) {
	return u.Client.Cancel(u.ctx(ctx), reference, opts, operationID)
}

func (u *unitClient) CheckoutQR(ctx context.Context, reference string) (*core.QRCode, error) {
	return u.Client.CheckoutQR(u.ctx(ctx), reference)
}

func (u *unitClient) AttachReceipt(ctx context.Context, reference string, r *core.Receipt) error {
	return u.Client.AttachReceipt(u.ctx(ctx), reference, r)
}

//export vmpgo_sales_unit
func vmpgo_sales_unit(h C.uintptr_t, name *C.char, hasOut C.int, id *C.uintptr_t) (st C.vmp_status) {
	defer guard("vmp_sales_unit", &st)
	newID, err := openSalesUnit(h, name, hasOut != 0)
	*id = C.uintptr_t(newID)
	return statusOf(err)
}

func openSalesUnit(h C.uintptr_t, name *C.char, hasOut bool) (uintptr, error) {
	e, unit, err := clientAndString(h, name, "name")
	if err != nil {
		return 0, err
	}
	if !hasOut {
		return 0, argError(core.CodeInvalidArgument, "out is NULL")
	}
	var parent *core.Client
	parentID := uintptr(h)
	switch c := e.(type) {
	case *core.Client:
		parent = c
	case *unitClient:
		parent, parentID = c.Client, c.parent
	default:
		return 0, argError(core.CodeInternal, "this client has no sales units")
	}
	if err := parent.SalesUnit(unit); err != nil {
		return 0, err
	}
	id, err := handles.add(&unitClient{Client: parent, unit: unit, parent: parentID})
	if err == nil {
		snapshotUnitHandle(id, parentID, unit)
	}
	return id, err
}
