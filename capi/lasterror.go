package main

// #include "vmpshim.h"
import "C"

import (
	"unsafe"

	"github.com/vmp-dev/vmp/internal/model"
)

// setLastError sets the calling thread's vmp_last_error() text. It must run on the goroutine of
// the export that C called, which is locked to the caller's thread for the call; a goroutine of
// its own would write to some other thread's buffer.
func setLastError(msg string) {
	msg = truncateUTF8(msg, C.VMPSHIM_LAST_ERROR_SIZE-1)
	// The bytes are only read during the call and hold no Go pointers, so cgo allows passing
	// them without a copy.
	C.vmpshim_set_last_error(cText(msg))
}

// setVippsError sets the calling thread's vmp_last_vipps_error() account from what err carries
// of Vipps' answer; an error without one leaves it empty (begin_call cleared it). Same thread
// rule as setLastError.
func setVippsError(err error) {
	a, ok := model.VippsAnswerOf(err)
	if !ok {
		return
	}
	code, codeLen := cText(truncateUTF8(a.VippsErrorCode, C.VMP_VIPPS_ERROR_CODE_SIZE-1))
	title, titleLen := cText(truncateUTF8(a.VippsTitle, C.VMP_VIPPS_TITLE_SIZE-1))
	trace, traceLen := cText(truncateUTF8(a.TraceID, C.VMP_VIPPS_TRACE_ID_SIZE-1))
	C.vmpshim_set_vipps_error(C.int32_t(a.HTTPStatus), code, codeLen, title, titleLen, trace, traceLen)
}

// cText is s as the (bytes, length) pair the shim's setters copy; see setLastError on why no
// copy is needed.
func cText(s string) (*C.char, C.size_t) {
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}
