package main

// Each vmpgo_* function is the Go half of the vmp_ function of the same name in vmp.c. It defers
// the panic guard first, does the work in a plain function that returns an error, and turns that
// error into a vmp_status and the thread's last error in one place (statusOf).

/*
#include "vmp.h"
#include "vmpshim.h"
*/
import "C"

import (
	"context"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
)

//export vmpgo_init
func vmpgo_init(config *C.char, hasOut C.int, id *C.uintptr_t) (st C.vmp_status) {
	defer guard("vmp_init", &st)
	newID, err := open(config, hasOut != 0)
	*id = C.uintptr_t(newID)
	return statusOf(err)
}

// open checks both pointers before parsing, so a NULL out can never leak a started client.
func open(config *C.char, hasOut bool) (uintptr, error) {
	text, err := goJSON(config, "config_json")
	if err != nil {
		return 0, err
	}
	if !hasOut {
		return 0, argError(core.CodeInvalidArgument, "out is NULL")
	}
	cfg, err := core.ParseConfig([]byte(text))
	if err != nil {
		return 0, err
	}
	client, err := core.New(cfg)
	if err != nil {
		return 0, err
	}
	id, err := handles.add(client)
	if err == nil {
		publishSnapshots(id, client) // vmp_poll_status from memory answers in C (snapshot.go)
	}
	return id, err
}

//export vmpgo_close
func vmpgo_close(h C.uintptr_t) {
	defer guard("vmp_close", nil)
	// Removing first makes every later call on this handle - and on a client's unit handles -
	// miss at once, while each Close cancels the calls already inside and waits for them.
	for _, o := range handles.remove(uintptr(h)) {
		o.handle.Close()
		if o.id != uintptr(h) {
			forgetSnapshotHandle(o.id) // a unit handle of the client: C answers for it no more
		}
		if client, ok := o.handle.(*core.Client); ok {
			callbackThreads.stop(client) // its callbacks have returned: their threads end
			forgetSnapshots(o.id)
		}
	}
}

//export vmpgo_simulator_url
func vmpgo_simulator_url(h C.uintptr_t, url *C.char, size C.size_t) (st C.vmp_status) {
	defer guard("vmp_simulator_url", &st)
	return statusOf(simulatorURL(h, url, size))
}

func simulatorURL(h C.uintptr_t, url *C.char, size C.size_t) error {
	client, err := handles.clientOf(uintptr(h)) // a unit handle's is its client's; nothing waits
	if err != nil {
		return err
	}
	if err := checkOutBuffer("url", url != nil, uint64(size), abi.SimulatorURLSize, "VMP_SIMULATOR_URL_SIZE"); err != nil {
		return err
	}
	u := client.SimulatorURL()
	if len(u) >= abi.SimulatorURLSize { // a loopback URL is at most 22 bytes; never cut it short
		return argError(core.CodeInternal, "the simulator's URL (%d bytes) is longer than VMP_SIMULATOR_URL_SIZE", len(u))
	}
	putCString(url, size, u)
	return nil
}

//export vmpgo_start_checkout
func vmpgo_start_checkout(h C.uintptr_t, checkout, ref *C.char, refSize C.size_t) (st C.vmp_status) {
	defer guard("vmp_start_checkout", &st)
	return statusOf(startCheckout(h, checkout, ref, refSize))
}

// startCheckout checks the reference buffer before anything is sent, so a too-small buffer
// can never lose a payment that Vipps has accepted.
func startCheckout(h C.uintptr_t, checkout, ref *C.char, refSize C.size_t) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	text, err := goJSON(checkout, "checkout_json")
	if err != nil {
		return err
	}
	if err := checkReferenceBuffer(ref != nil, uint64(refSize)); err != nil {
		return err
	}
	req, err := t.client.ParseCheckout([]byte(text)) // with default_country_code
	if err != nil {
		return err
	}
	reference, err := t.unit.StartCheckout(withHostDelivery(t.ctx), req)
	if reference != "" { // also with CodeUnknownOutcome: the till needs it to poll
		putCString(ref, refSize, reference)
	}
	return err
}

//export vmpgo_poll_status
func vmpgo_poll_status(h C.uintptr_t, ref *C.char, waitMs C.int32_t, out, full *C.vmp_payment) (st C.vmp_status) {
	defer guard("vmp_poll_status", &st)
	return statusOf(pollStatus(h, ref, waitMs, out, full))
}

func pollStatus(h C.uintptr_t, ref *C.char, waitMs C.int32_t, out, full *C.vmp_payment) error {
	t, reference, err := paymentTarget(h, ref, out, true)
	if err != nil {
		return err
	}
	defer t.leave()
	wait, err := waitDuration(int32(waitMs))
	if err != nil {
		return err
	}
	p, err := t.unit.PollStatus(withHostDelivery(t.ctx), reference, wait)
	return fillPayment(full, p, err)
}

//export vmpgo_capture
func vmpgo_capture(h C.uintptr_t, ref *C.char, amount C.int64_t, opID *C.char, out, full *C.vmp_payment) (st C.vmp_status) {
	defer guard("vmp_capture", &st)
	return statusOf(movement(h, ref, opID, out, full, func(t target, r, op string) (core.Payment, error) {
		return t.unit.Capture(withHostDelivery(t.ctx), r, int64(amount), op)
	}))
}

//export vmpgo_refund
func vmpgo_refund(h C.uintptr_t, ref *C.char, amount C.int64_t, opID *C.char, out, full *C.vmp_payment) (st C.vmp_status) {
	defer guard("vmp_refund", &st)
	return statusOf(movement(h, ref, opID, out, full, func(t target, r, op string) (core.Payment, error) {
		return t.unit.Refund(withHostDelivery(t.ctx), r, int64(amount), op)
	}))
}

//export vmpgo_cancel
func vmpgo_cancel(h C.uintptr_t, ref *C.char, flags C.uint32_t, opID *C.char, out, full *C.vmp_payment) (st C.vmp_status) {
	defer guard("vmp_cancel", &st)
	return statusOf(movement(h, ref, opID, out, full, func(t target, r, op string) (core.Payment, error) {
		opts, err := cancelOptions(uint32(flags))
		if err != nil {
			return core.Payment{}, err
		}
		return t.unit.Cancel(withHostDelivery(t.ctx), r, opts, op)
	}))
}

// movement is the shared shape of capture, refund and cancel: resolve the handle and the
// reference, check the optional out struct, run the operation, fill the payment on success.
func movement(h C.uintptr_t, ref, opID *C.char, out, full *C.vmp_payment,
	op func(t target, reference, operationID string) (core.Payment, error)) error {
	t, reference, err := paymentTarget(h, ref, out, false)
	if err != nil {
		return err
	}
	defer t.leave()
	operationID, err := optionalString(opID, "operation_id")
	if err != nil {
		return err
	}
	if err := checkOperationID(operationID); err != nil {
		return err
	}
	p, err := op(t, reference, operationID)
	return fillPayment(full, p, err)
}

// paymentTarget resolves what every payment call starts with, in the order the header lists
// the failures: the handle, then the reference, then the out struct.
// On success the caller must run the target's leave.
func paymentTarget(h C.uintptr_t, ref *C.char, out *C.vmp_payment, outRequired bool) (target, string, error) {
	t, reference, err := targetAndString(h, ref, "reference")
	if err != nil {
		return target{}, "", err
	}
	if err := checkPaymentOut(out, outRequired); err != nil {
		t.leave()
		return target{}, "", err
	}
	return t, reference, nil
}

// targetAndString resolves the handle for a call and one required text argument. On success
// the caller must run the target's leave.
func targetAndString(h C.uintptr_t, p *C.char, name string) (target, string, error) {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return target{}, "", err
	}
	s, err := goString(p, name)
	if err != nil {
		t.leave()
		return target{}, "", err
	}
	return t, s, nil
}
