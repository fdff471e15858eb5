package main

import (
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core"
)

// tests/c/club_test.c covers the customer-club exports through the built library on the
// embedded simulator; these are the cases a Go test can reach without cgo.

func TestClubExportsRefuseNullAndForgedHandles(t *testing.T) {
	calls := map[string]func() int32{
		"identify_customer NULL":   func() int32 { return int32(vmpgo_identify_customer(0, nil, nil, 16)) },
		"identify_customer forged": func() int32 { return int32(vmpgo_identify_customer(0xdeadbeef, nil, nil, 0)) },
		"loyalty_check_in NULL":    func() int32 { return int32(vmpgo_loyalty_check_in(0, nil, 1)) },
		"loyalty_check_in forged":  func() int32 { return int32(vmpgo_loyalty_check_in(0xdeadbeef, nil, 7)) },
		"start_enrollment NULL":    func() int32 { return int32(vmpgo_start_enrollment(0, nil, nil, 40)) },
		"start_enrollment forged":  func() int32 { return int32(vmpgo_start_enrollment(0xdeadbeef, nil, nil, 0)) },
		"poll_enrollment NULL":     func() int32 { return int32(vmpgo_poll_enrollment(0, nil, 0, nil, nil)) },
		"poll_enrollment forged":   func() int32 { return int32(vmpgo_poll_enrollment(0xdeadbeef, nil, -1, nil, nil)) },
		"cancel_enrollment NULL":   func() int32 { return int32(vmpgo_cancel_enrollment(0, nil)) },
		"cancel_enrollment forged": func() int32 { return int32(vmpgo_cancel_enrollment(0xdeadbeef, nil)) },
	}
	for name, call := range calls {
		if got := call(); got != int32(core.CodeInvalidHandle) {
			t.Errorf("%s = %d; want VMP_ERR_INVALID_HANDLE (%d)", name, got, core.CodeInvalidHandle)
		}
	}
}

func TestOutputBuffersAreCheckedBeforeAnythingIsSent(t *testing.T) {
	tests := []struct {
		name    string
		present bool
		size    uint64
		code    core.Code
	}{
		{"a buffer of the documented size is enough", true, 16, core.CodeOK},
		{"a larger buffer is enough", true, 1 << 40, core.CodeOK},
		{"one byte short is too small", true, 15, core.CodeBufferTooSmall},
		{"a zero size is too small", true, 0, core.CodeBufferTooSmall},
		{"a NULL buffer is an invalid argument", false, 16, core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkOutBuffer("msisdn", tt.present, tt.size, msisdnSize, "VMP_MSISDN_SIZE")
			if core.CodeOf(err) != tt.code {
				t.Fatalf("checkOutBuffer = %v; want %v", err, tt.code)
			}
			if err != nil && !strings.Contains(err.Error(), "msisdn") {
				t.Fatalf("message %q does not name the buffer", err)
			}
		})
	}
	if err := checkOutBuffer("enrollment_id", true, 8, enrollmentIDSize, "VMP_ENROLLMENT_ID_SIZE"); !strings.Contains(err.Error(), "40") {
		t.Fatalf("message %q does not say the size needed", err)
	}
}
