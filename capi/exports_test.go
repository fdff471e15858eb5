package main

import (
	"testing"

	"github.com/vmp-dev/vmp/core"
)

// These call the Go halves of the exports directly, with the arguments a Go test can give
// without cgo (integer constants and NULL pointers); tests/c/abi_test.c covers the rest
// through the built library.

func TestExportsRefuseNullAndForgedHandles(t *testing.T) {
	calls := map[string]func() int32{
		"start_checkout NULL":   func() int32 { return int32(vmpgo_start_checkout(0, nil, nil, 65)) },
		"start_checkout forged": func() int32 { return int32(vmpgo_start_checkout(0xdeadbeef, nil, nil, 65)) },
		"poll_status NULL":      func() int32 { return int32(vmpgo_poll_status(0, nil, 0, nil, nil)) },
		"poll_status forged":    func() int32 { return int32(vmpgo_poll_status(0xdeadbeef, nil, 0, nil, nil)) },
		"capture NULL":          func() int32 { return int32(vmpgo_capture(0, nil, 100, nil, nil, nil)) },
		"capture forged":        func() int32 { return int32(vmpgo_capture(0xdeadbeef, nil, 100, nil, nil, nil)) },
		"refund NULL":           func() int32 { return int32(vmpgo_refund(0, nil, 100, nil, nil, nil)) },
		"refund forged":         func() int32 { return int32(vmpgo_refund(0xdeadbeef, nil, 100, nil, nil, nil)) },
		"cancel NULL":           func() int32 { return int32(vmpgo_cancel(0, nil, 0, nil, nil, nil)) },
		"cancel forged":         func() int32 { return int32(vmpgo_cancel(0xdeadbeef, nil, 0x80, nil, nil, nil)) },
	}
	for name, call := range calls {
		if got := call(); got != int32(core.CodeInvalidHandle) {
			t.Errorf("%s = %d; want VMP_ERR_INVALID_HANDLE (%d)", name, got, core.CodeInvalidHandle)
		}
	}
}

func TestCloseOfNullAndForgedHandlesIsANoOp(t *testing.T) {
	vmpgo_close(0)
	vmpgo_close(0xdeadbeef)
}
