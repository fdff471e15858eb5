package main

// #include "vmpshim.h"
import "C"

import "unsafe"

// setLastError sets the calling thread's vmp_last_error() text. It must run on the goroutine of
// the export that C called, which is locked to the caller's thread for the call; a goroutine of
// its own would write to some other thread's buffer.
func setLastError(msg string) {
	msg = truncateUTF8(msg, C.VMPSHIM_LAST_ERROR_SIZE-1)
	// The bytes are only read during the call and hold no Go pointers, so cgo allows passing
	// them without a copy.
	C.vmpshim_set_last_error((*C.char)(unsafe.Pointer(unsafe.StringData(msg))), C.size_t(len(msg)))
}
