package main

// The log exports: vmp_on_log and vmp_next_log. Like the scanner's they only translate: the
// records, their levels and masking, and the queue's threading rules live in core.

/*
#include "vmp.h"
#include "vmpshim_log.h"
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/vmp-dev/vmp/core"
)

// logText lays a record's three strings out one after the other, each with its NUL, as the
// record's text; the offsets say where message and fields start.
func logText(r core.LogRecord) (text []byte, message, fields int) {
	fj := r.FieldsJSON()
	text = make([]byte, 0, len(r.Component)+len(r.Message)+len(fj)+3)
	text = append(append(text, r.Component...), 0)
	message = len(text)
	text = append(append(text, r.Message...), 0)
	fields = len(text)
	text = append(append(text, fj...), 0)
	return text, message, fields
}

//export vmpgo_on_log
func vmpgo_on_log(h C.uintptr_t, fn C.vmp_log_fn, userData unsafe.Pointer, inCallback C.int, mask *C.wall_sigmask) (st C.vmp_status) {
	defer guard("vmp_on_log", &st)
	return statusOf(onLog(h, fn, userData, inCallback != 0, mask))
}

// onLog registers fn; it runs on the client's log callback thread (callback_threads.go).
func onLog(h C.uintptr_t, fn C.vmp_log_fn, userData unsafe.Pointer, inCallback bool, mask *C.wall_sigmask) error {
	t, err := handles.enter(uintptr(h), context.Background())
	if err != nil {
		return err
	}
	defer t.leave()
	var handler func(core.LogRecord)
	if fn != nil {
		t, err := callbackThreads.forHandle(h, C.WALL_IN_LOG_CALLBACK, mask)
		if err != nil {
			return err
		}
		handler = func(r core.LogRecord) { deliverLog(t, fn, userData, r) }
	}
	return t.client.Logs().OnLog(handler, inCallback)
}

// deliverLog hands the record to the callback thread and returns when the till's callback
// has; it runs on the queue's goroutine. The text is Go memory without pointers, which cgo lets
// C read during the call: C copies it for the callback.
func deliverLog(t *C.wall_callback_thread, fn C.vmp_log_fn, userData unsafe.Pointer, r core.LogRecord) {
	text, message, fields := logText(r)
	C.vmpshim_deliver_log(t, fn, userData, C.vmp_log_level(r.Level), C.uint64_t(r.Seq), C.int64_t(r.Time.UnixMilli()),
		(*C.char)(unsafe.Pointer(&text[0])), C.size_t(message), C.size_t(fields), C.size_t(len(text)))
}

//export vmpgo_next_log
func vmpgo_next_log(h C.uintptr_t, waitMs C.int32_t, out *C.vmp_log_record, text *C.char, textSize C.size_t, full *C.vmp_log_record) (st C.vmp_status) {
	defer guard("vmp_next_log", &st)
	return statusOf(nextLog(h, waitMs, out, text, textSize, full))
}

// nextLog checks every argument before it waits, so a bad call never takes a record. A record
// whose text does not fit stays queued; the bytes it needs go to out->text_len.
func nextLog(h C.uintptr_t, waitMs C.int32_t, out *C.vmp_log_record, text *C.char, textSize C.size_t, full *C.vmp_log_record) error {
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
	if err := checkStructSize("out", uint32(out.struct_size), uint32(C.sizeof_vmp_log_record)); err != nil {
		return err
	}
	if text == nil {
		return argError(core.CodeInvalidArgument, "text is NULL")
	}
	var body []byte
	var message, fields int
	r, err := t.client.Logs().NextLog(t.ctx, wait, func(r core.LogRecord) error {
		body, message, fields = logText(r)
		if uint64(len(body)) > uint64(textSize) {
			out.text_len = C.size_t(len(body))
			return argError(core.CodeBufferTooSmall,
				"text_size is %d; this log record needs %d bytes (VMP_LOG_TEXT_SIZE always suffices); it stays queued", textSize, len(body))
		}
		return nil
	})
	if err != nil {
		return err
	}
	*full = C.vmp_log_record{struct_size: C.uint32_t(C.sizeof_vmp_log_record)}
	if r.Level == core.LogNone {
		// Nothing came: the strings are "" so that a caller may print them anyway.
		if textSize > 0 {
			*text = 0
			full.component, full.message, full.fields_json = text, text, text
			full.text_len = 1
		}
		return nil
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(text)), len(body)), body)
	full.level = C.vmp_log_level(r.Level)
	full.sequence = C.uint64_t(r.Seq)
	full.time_unix_ms = C.int64_t(r.Time.UnixMilli())
	full.component = text
	full.message = (*C.char)(unsafe.Add(unsafe.Pointer(text), message))
	full.fields_json = (*C.char)(unsafe.Add(unsafe.Pointer(text), fields))
	full.text_len = C.size_t(len(body))
	return nil
}

// The build fails when the text buffer the header promises could not hold the largest record
// (the levels are the header's own: abi_constants_gen.go).
func _() {
	var same [1]struct{}
	_ = same[C.VMP_LOG_TEXT_SIZE-core.MaxLogTextSize]
}
