package main

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/sim"
)

// These drive the exports of a real client on its embedded simulator and a unit handle of it,
// the way a careless till would: closing the unit handle, or the client, while other threads
// wait in calls made through the unit handle. tests/c/careless_test.c does the same through
// the built library.

// callBound bounds how long a test waits for a call that should return at once: a call still
// blocked after it would otherwise hang the test until wait_ms (10 minutes) has passed.
const callBound = 30 * time.Second

const unitConfig = `{"simulator":{"approve_delay_ms":0},"log_level":"off",` +
	`"sales_units":[{"name":"store-b","msn":"234567"}]}`

// openClientAndUnit registers a client and a unit handle of it, as vmp_init and vmp_sales_unit.
func openClientAndUnit(t testing.TB) (client, unit _Ctype_uintptr_t) {
	t.Helper()
	cfg, err := core.ParseConfig([]byte(unitConfig))
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := handles.add(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vmpgo_close(_Ctype_uintptr_t(id)) })
	var u _Ctype_uintptr_t
	if st := vmpgo_sales_unit(_Ctype_uintptr_t(id), cString([]byte("store-b")), 1, &u); st != 0 || u == 0 {
		t.Fatalf("vmp_sales_unit = %d, handle %d", st, u)
	}
	return _Ctype_uintptr_t(id), u
}

// waitingCheckout starts, through h, a payment whose customer never answers until told to.
func waitingCheckout(t *testing.T, h _Ctype_uintptr_t) string {
	t.Helper()
	buf := make([]byte, 65)
	st := vmpgo_start_checkout(h, cString([]byte(`{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)),
		(*_Ctype_char)(unsafe.Pointer(&buf[0])), 65)
	if st != 0 {
		t.Fatalf("vmp_start_checkout = %d", st)
	}
	return string(buf[:clen(buf)])
}

func clen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// blockingCalls starts, on h, the three calls that wait: a poll of reference, vmp_next_scan and
// vmp_next_log, each with wait_ms 600000. Their statuses arrive on the channel.
func blockingCalls(h _Ctype_uintptr_t, reference string) map[string]chan core.Code {
	calls := map[string]func() _Ctype_vmp_status{
		"vmp_poll_status": func() _Ctype_vmp_status {
			var p, full _Ctype_vmp_payment
			p.struct_size = _Ctype_uint32_t(unsafe.Sizeof(p))
			return vmpgo_poll_status(h, cString([]byte(reference)), 600000, &p, &full)
		},
		"vmp_next_scan": func() _Ctype_vmp_status {
			var s, full _Ctype_vmp_scan
			s.struct_size = _Ctype_uint32_t(unsafe.Sizeof(s))
			text := make([]byte, 64)
			return vmpgo_next_scan(h, 600000, &s, (*_Ctype_char)(unsafe.Pointer(&text[0])), 64, &full)
		},
		"vmp_next_log": func() _Ctype_vmp_status {
			var r, full _Ctype_vmp_log_record
			r.struct_size = _Ctype_uint32_t(unsafe.Sizeof(r))
			text := make([]byte, 4096)
			return vmpgo_next_log(h, 600000, &r, (*_Ctype_char)(unsafe.Pointer(&text[0])), 4096, &full)
		},
	}
	out := map[string]chan core.Code{}
	for name, call := range calls {
		done := make(chan core.Code, 1)
		out[name] = done
		go func() { done <- core.Code(call()) }()
	}
	return out
}

// expectEnded checks that every blocked call returned VMP_ERR_INVALID_HANDLE.
func expectEnded(t *testing.T, calls map[string]chan core.Code) {
	t.Helper()
	deadline := time.After(callBound)
	for name, done := range calls {
		select {
		case code := <-done:
			if code != core.CodeInvalidHandle {
				t.Errorf("%s woken by the close answered %v; want VMP_ERR_INVALID_HANDLE", name, code)
			}
		case <-deadline:
			t.Fatalf("%s on the unit handle was still blocked %v after the close", name, callBound)
		}
	}
}

func TestClosingAUnitHandleEndsTheCallsWaitingOnItAndLeavesTheClientOpen(t *testing.T) {
	client, unit := openClientAndUnit(t)
	reference := waitingCheckout(t, unit)
	calls := blockingCalls(unit, reference)
	time.Sleep(100 * time.Millisecond) // let them start waiting; one that had not would fail at once
	vmpgo_close(unit)
	expectEnded(t, calls)

	var p, full _Ctype_vmp_payment
	p.struct_size = _Ctype_uint32_t(unsafe.Sizeof(p))
	if st := core.Code(vmpgo_poll_status(unit, cString([]byte(reference)), 0, &p, &full)); st != core.CodeInvalidHandle {
		t.Errorf("vmp_poll_status on the closed unit handle = %v; want VMP_ERR_INVALID_HANDLE", st)
	}
	var s, sfull _Ctype_vmp_scan
	s.struct_size = _Ctype_uint32_t(unsafe.Sizeof(s))
	text := make([]byte, 64)
	if st := core.Code(vmpgo_next_scan(client, 0, &s, (*_Ctype_char)(unsafe.Pointer(&text[0])), 64, &sfull)); st != core.CodeOK {
		t.Errorf("vmp_next_scan on the client after its unit handle closed = %v; want VMP_OK", st)
	}
}

func TestClosingTheClientClosesItsUnitHandles(t *testing.T) {
	client, unit := openClientAndUnit(t)
	reference := waitingCheckout(t, unit)
	var second _Ctype_uintptr_t
	if st := vmpgo_sales_unit(unit, cString([]byte("")), 1, &second); st != 0 {
		t.Fatalf("vmp_sales_unit on a unit handle = %d", st)
	}
	calls := blockingCalls(unit, reference)
	time.Sleep(100 * time.Millisecond)
	vmpgo_close(client)
	expectEnded(t, calls)

	// Every function on a unit handle of the closed client, also those that need no network.
	msisdn := make([]byte, 16)
	var newUnit _Ctype_uintptr_t
	var out *_Ctype_char
	for _, h := range []_Ctype_uintptr_t{unit, second} {
		checks := map[string]_Ctype_vmp_status{
			"vmp_identify_customer": vmpgo_identify_customer(h, cString([]byte("+47 912 34 567")),
				(*_Ctype_char)(unsafe.Pointer(&msisdn[0])), 16),
			"vmp_webhook_receiver":  vmpgo_webhook_receiver(h, &out),
			"vmp_sales_unit":        vmpgo_sales_unit(h, cString([]byte("store-b")), 1, &newUnit),
			"vmp_attach_receipt":    vmpgo_attach_receipt(h, cString([]byte(reference)), cString([]byte("{"))),
			"vmp_receipt_warnings":  vmpgo_receipt_warnings(h, cString([]byte(reference)), &out),
			"vmp_payment_events":    vmpgo_payment_events(h, cString([]byte(reference)), &out),
			"vmp_submit_scan":       vmpgo_submit_scan(h, cString([]byte("5901234123457"))),
			"vmp_cancel_enrollment": vmpgo_cancel_enrollment(h, cString([]byte("x"))),
		}
		for name, st := range checks {
			if core.Code(st) != core.CodeInvalidHandle {
				t.Errorf("%s on a unit handle of a closed client = %v; want VMP_ERR_INVALID_HANDLE", name, core.Code(st))
			}
		}
	}
	if newUnit != 0 || out != nil {
		t.Errorf("a refused call handed out a handle (%d) or JSON (%p)", newUnit, out)
	}
}

func TestAUnitHandleCannotBeOpenedOnAClientBeingClosed(t *testing.T) {
	var r registry
	parent := &fakeHandle{}
	id, _ := r.add(parent)
	unit := &fakeHandle{}
	uid, _, err := r.addUnit(id, unit)
	if err != nil {
		t.Fatal(err)
	}
	closing := r.remove(id)
	if len(closing) != 2 || closing[0] != (openHandle{id, parent}) || closing[1] != (openHandle{uid, unit}) {
		t.Fatalf("remove(client) = %v; want its own engine, then its unit handle's", closing)
	}
	if _, err := r.get(uid); core.CodeOf(err) != core.CodeInvalidHandle {
		t.Fatalf("get(unit of a removed client) = %v; want CodeInvalidHandle", err)
	}
	late := &fakeHandle{}
	for _, via := range []uintptr{id, uid} {
		if _, _, err := r.addUnit(via, late); core.CodeOf(err) != core.CodeInvalidHandle {
			t.Fatalf("addUnit(%d) after the client was removed = %v; want CodeInvalidHandle", via, err)
		}
	}
	if got := r.remove(uid); got != nil {
		t.Fatalf("remove(unit) after its client = %v; want nothing left to close", got)
	}
}

func TestCallsThroughAUnitHandleSeeItsClosingAsTheCauseOfTheirContext(t *testing.T) {
	callerCtx, cancelCaller := context.WithCancel(context.Background())
	defer cancelCaller()
	for name, caller := range map[string]context.Context{"the exports' Background": context.Background(), "a caller's own": callerCtx} {
		u := newUnitHandle(nil)
		ctx, leave, err := u.enter(caller)
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() { u.Close(); close(closed) }()
		<-ctx.Done()
		if got := core.CodeOf(context.Cause(ctx)); got != core.CodeInvalidHandle {
			t.Errorf("%s: cause = %v; want CodeInvalidHandle", name, context.Cause(ctx))
		}
		select {
		case <-closed:
			t.Fatalf("%s: Close returned while a call was still inside", name)
		case <-time.After(50 * time.Millisecond):
		}
		leave()
		<-closed
		if _, _, err := u.enter(caller); core.CodeOf(err) != core.CodeInvalidHandle {
			t.Fatalf("%s: enter after Close = %v; want CodeInvalidHandle", name, err)
		}
	}
}
