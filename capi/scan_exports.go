package main

// The scanner exports: vmp_on_scan, vmp_next_scan and vmp_submit_scan. Like the others they
// only translate: the queue, the classification and the threading rules live in core and
// scanner.

/*
#include "vmp.h"
#include "vmpshim_scan.h"
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/scanner"
)

//export vmpgo_on_scan
func vmpgo_on_scan(h C.uintptr_t, fn C.vmp_scan_fn, userData unsafe.Pointer, inCallback C.int, mask *C.wall_sigmask) (st C.vmp_status) {
	defer guard("vmp_on_scan", &st)
	return statusOf(onScan(h, fn, userData, inCallback != 0, mask))
}

// onScan registers fn; it runs on the client's scan callback thread (callback_threads.go),
// which takes the registering thread's signal mask.
func onScan(h C.uintptr_t, fn C.vmp_scan_fn, userData unsafe.Pointer, inCallback bool, mask *C.wall_sigmask) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	var handler func(scanner.Event)
	if fn != nil {
		t, err := callbackThreads.forHandle(h, C.WALL_IN_SCAN_CALLBACK, mask)
		if err != nil {
			return err
		}
		handler = func(ev scanner.Event) { deliverScan(t, fn, userData, ev) }
	}
	return t.client.Scans().OnScan(handler, inCallback)
}

// deliverScan hands the event to the callback thread and returns when the till's callback
// has; it runs on the queue's goroutine. The text and AIM id are Go memory without pointers,
// which cgo lets C read during the call: C copies them for the callback.
func deliverScan(t *C.wall_callback_thread, fn C.vmp_scan_fn, userData unsafe.Pointer, ev scanner.Event) {
	text := eventText(ev)
	buf := make([]byte, len(text)+1)
	copy(buf, text)
	var aim [C.VMP_AIM_ID_SIZE]byte
	copy(aim[:C.VMP_AIM_ID_SIZE-1], ev.Scan.AIM)
	C.vmpshim_deliver_scan(t, fn, userData, C.vmp_scan_event(ev.Kind), C.vmp_code_kind(eventKind(ev)),
		C.vmp_scan_source(ev.Source), C.uint64_t(ev.Seq), C.int64_t(ev.Time.UnixMilli()),
		(*C.char)(unsafe.Pointer(&aim[0])), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(text)))
}

// eventText is what vmp_scan.text carries: the code of a scan, the reason of anything else.
func eventText(ev scanner.Event) string {
	if ev.Kind == scanner.EventScan {
		return ev.Scan.Text
	}
	return ev.Detail
}

// eventKind is vmp_scan.kind: the code's kind for a scan, VMP_CODE_OTHER for anything else.
func eventKind(ev scanner.Event) scanner.Kind {
	if ev.Kind == scanner.EventScan {
		return ev.Scan.Kind
	}
	return scanner.KindOther
}

//export vmpgo_next_scan
func vmpgo_next_scan(h C.uintptr_t, waitMs C.int32_t, out *C.vmp_scan, text *C.char, textSize C.size_t, full *C.vmp_scan) (st C.vmp_status) {
	defer guard("vmp_next_scan", &st)
	return statusOf(nextScan(h, waitMs, out, text, textSize, full))
}

// nextScan checks every argument before it waits, so a bad call never takes an event. An
// event whose text does not fit stays queued; its length goes to out->text_len.
func nextScan(h C.uintptr_t, waitMs C.int32_t, out *C.vmp_scan, text *C.char, textSize C.size_t, full *C.vmp_scan) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	wait, err := waitDuration(int32(waitMs))
	if err != nil {
		return err
	}
	if out == nil {
		return argError(core.CodeInvalidArgument, "out is NULL")
	}
	if err := checkStructSize("out", uint32(out.struct_size), uint32(C.sizeof_vmp_scan)); err != nil {
		return err
	}
	if text == nil || textSize == 0 {
		return argError(core.CodeInvalidArgument, "text is NULL or text_size is 0")
	}
	ev, err := t.client.Scans().NextScan(t.ctx, wait, func(ev scanner.Event) error {
		if n := len(eventText(ev)); uint64(n) >= uint64(textSize) {
			out.text_len = C.size_t(n)
			return argError(core.CodeBufferTooSmall,
				"text_size is %d; this %s event needs %d bytes (text_len + 1); it stays queued", textSize, ev.Kind, n+1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	body := eventText(ev)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(text)), len(body)+1)
	copy(dst, body)
	dst[len(body)] = 0
	*full = C.vmp_scan{
		struct_size: C.uint32_t(C.sizeof_vmp_scan),
		event:       C.vmp_scan_event(ev.Kind),
		kind:        C.vmp_code_kind(eventKind(ev)),
		source:      C.vmp_scan_source(ev.Source),
		sequence:    C.uint64_t(ev.Seq),
		text_len:    C.size_t(len(body)),
		text:        text,
	}
	if ev.Kind != scanner.EventNone {
		full.time_unix_ms = C.int64_t(ev.Time.UnixMilli())
	}
	putChars(full.aim_id[:], ev.Scan.AIM)
	return nil
}

//export vmpgo_submit_scan
func vmpgo_submit_scan(h C.uintptr_t, text *C.char) (st C.vmp_status) {
	defer guard("vmp_submit_scan", &st)
	return statusOf(submitScan(h, text))
}

func submitScan(h C.uintptr_t, text *C.char) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	s, err := goData(text, "text") // a code as scanned: any bytes (vmp_scan.text)
	if err != nil {
		return err
	}
	return t.client.Scans().SubmitScan(s)
}

// Like abi_constants_gen.go: the build fails when the header's scanner values drift from the
// scanner package's (a value the header adds is caught by TestScannerKnowsEveryHeaderValue).
func _() {
	var same [1]struct{}
	_ = same[C.VMP_SCAN_NONE-scanner.EventNone]
	_ = same[C.VMP_SCAN_CODE-scanner.EventScan]
	_ = same[C.VMP_SCAN_DISCONNECTED-scanner.EventDisconnected]
	_ = same[C.VMP_SCAN_RECONNECTED-scanner.EventReconnected]
	_ = same[C.VMP_SCAN_DROPPED-scanner.EventDropped]
	_ = same[C.VMP_CODE_OTHER-scanner.KindOther]
	_ = same[C.VMP_CODE_PERSONAL_QR-scanner.KindPersonalQR]
	_ = same[C.VMP_CODE_VIPPS_LEGACY_QR-scanner.KindVippsLegacyQR]
	_ = same[C.VMP_CODE_VIPPS_TOKEN_QR-scanner.KindVippsTokenQR]
	_ = same[C.VMP_CODE_EAN8-scanner.KindEAN8]
	_ = same[C.VMP_CODE_EAN13-scanner.KindEAN13]
	_ = same[C.VMP_CODE_UPCA-scanner.KindUPCA]
	_ = same[C.VMP_CODE_CODE128-scanner.KindCode128]
	_ = same[C.VMP_CODE_BARCODE-scanner.KindBarcode]
	_ = same[C.VMP_SCAN_SOURCE_SERIAL-scanner.SourceSerial]
	_ = same[C.VMP_SCAN_SOURCE_SUBMITTED-scanner.SourceSubmitted]
}
