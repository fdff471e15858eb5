package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core"
)

func TestWaitDuration(t *testing.T) {
	tests := []struct {
		name string
		ms   int32
		want time.Duration
		code core.Code
	}{
		{"zero answers at once", 0, 0, core.CodeOK},
		{"one millisecond is allowed", 1, time.Millisecond, core.CodeOK},
		{"ten minutes is the longest wait", 600000, 10 * time.Minute, core.CodeOK},
		{"one past ten minutes is refused", 600001, 0, core.CodeInvalidArgument},
		{"a negative wait is refused", -1, 0, core.CodeInvalidArgument},
		{"the most negative int32 is refused", -2147483648, 0, core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := waitDuration(tt.ms)
			if got != tt.want || core.CodeOf(err) != tt.code {
				t.Fatalf("waitDuration(%d) = %v, %v; want %v, %v", tt.ms, got, err, tt.want, tt.code)
			}
			if err != nil && !strings.Contains(err.Error(), "wait_ms") {
				t.Fatalf("message %q does not name wait_ms", err)
			}
		})
	}
}

func TestCheckReferenceBuffer(t *testing.T) {
	tests := []struct {
		name    string
		present bool
		size    uint64
		code    core.Code
	}{
		{"a buffer of VMP_REFERENCE_SIZE is enough", true, 65, core.CodeOK},
		{"a larger buffer is enough", true, 1 << 40, core.CodeOK},
		{"one byte short is too small", true, 64, core.CodeBufferTooSmall},
		{"a zero size is too small", true, 0, core.CodeBufferTooSmall},
		{"a NULL buffer is an invalid argument", false, 65, core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkReferenceBuffer(tt.present, tt.size); core.CodeOf(err) != tt.code {
				t.Fatalf("checkReferenceBuffer(%v, %d) = %v; want %v", tt.present, tt.size, err, tt.code)
			}
		})
	}
	if err := checkReferenceBuffer(true, 8); !strings.Contains(err.Error(), "65") {
		t.Fatalf("message %q does not say the size needed", err)
	}
}

func TestCancelOptions(t *testing.T) {
	tests := []struct {
		name  string
		flags uint32
		want  core.CancelOptions
		code  core.Code
	}{
		{"no flags cancels whatever is left", 0, core.CancelOptions{}, core.CodeOK},
		{"transaction-only is passed on", 1, core.CancelOptions{TransactionOnly: true}, core.CodeOK},
		{"an unknown bit is refused", 2, core.CancelOptions{}, core.CodeInvalidArgument},
		{"a known bit with an unknown one is refused", 3, core.CancelOptions{}, core.CodeInvalidArgument},
		{"all bits are refused", 0xffffffff, core.CancelOptions{}, core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cancelOptions(tt.flags)
			if got != tt.want || core.CodeOf(err) != tt.code {
				t.Fatalf("cancelOptions(%#x) = %+v, %v; want %+v, %v", tt.flags, got, err, tt.want, tt.code)
			}
		})
	}
}

func TestCheckStructSize(t *testing.T) {
	if err := checkStructSize("out", 120, 120); err != nil {
		t.Fatalf("the exact size was refused: %v", err)
	}
	if err := checkStructSize("out", 200, 120); err != nil {
		t.Fatalf("a newer, larger struct was refused: %v", err)
	}
	err := checkStructSize("out", 119, 120)
	if core.CodeOf(err) != core.CodeInvalidArgument || !strings.Contains(err.Error(), "struct_size") {
		t.Fatalf("a too-small struct gave %v; want CodeInvalidArgument naming struct_size", err)
	}
}
