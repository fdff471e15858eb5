package main

import (
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/scanner"
)

// tests/c/scan_test.c covers the scanner exports through the built library with a
// pseudo-terminal; these are the cases a Go test can reach without cgo.

func TestScannerExportsRefuseNullAndForgedHandles(t *testing.T) {
	calls := map[string]func() int32{
		"on_scan NULL":       func() int32 { return int32(vmpgo_on_scan(0, nil, nil, 0, nil)) },
		"on_scan forged":     func() int32 { return int32(vmpgo_on_scan(0xdeadbeef, nil, nil, 1, nil)) },
		"next_scan NULL":     func() int32 { return int32(vmpgo_next_scan(0, 0, nil, nil, 0, nil)) },
		"next_scan forged":   func() int32 { return int32(vmpgo_next_scan(0xdeadbeef, -5, nil, nil, 0, nil)) },
		"submit_scan NULL":   func() int32 { return int32(vmpgo_submit_scan(0, nil)) },
		"submit_scan forged": func() int32 { return int32(vmpgo_submit_scan(0xdeadbeef, nil)) },
	}
	for name, call := range calls {
		if got := call(); got != int32(core.CodeInvalidHandle) {
			t.Errorf("%s = %d; want VMP_ERR_INVALID_HANDLE (%d)", name, got, core.CodeInvalidHandle)
		}
	}
}

func TestTheScanTextIsTheCodeOrTheReason(t *testing.T) {
	scan := scanner.Event{Kind: scanner.EventScan, Time: time.Now(), Scan: scanner.Scan{Text: "7038010055720", Kind: scanner.KindEAN13}}
	if eventText(scan) != "7038010055720" || eventKind(scan) != scanner.KindEAN13 {
		t.Fatalf("scan: %q %v", eventText(scan), eventKind(scan))
	}
	gone := scanner.Event{Kind: scanner.EventDisconnected, Detail: "scanner COM3: gone", Scan: scanner.Scan{Kind: scanner.KindEAN8}}
	if eventText(gone) != "scanner COM3: gone" || eventKind(gone) != scanner.KindOther {
		t.Fatalf("disconnect: %q %v", eventText(gone), eventKind(gone))
	}
}

// The scanner package keeps its own Kind and EventKind (with their own names); the build checks
// its values against the header's (scan_exports.go), and this the other way: every value of
// the header's lists is one the scanner has, and the scanner has none beyond them.
func TestScannerKnowsEveryHeaderValue(t *testing.T) {
	for _, k := range abi.CodeKinds {
		if scanner.Kind(k).String() == "unknown" {
			t.Errorf("vmp.h's %v (%d) is no scanner.Kind", k, k)
		}
	}
	if k := scanner.Kind(len(abi.CodeKinds)); k.String() != "unknown" {
		t.Errorf("scanner.Kind %d (%v) is not in vmp.h's VMP_CODE_KIND_LIST", int(k), k)
	}
	for _, e := range abi.ScanEvents {
		if scanner.EventKind(e).String() == "unknown" {
			t.Errorf("vmp.h's %v (%d) is no scanner.EventKind", e, e)
		}
	}
	if e := scanner.EventKind(len(abi.ScanEvents)); e.String() != "unknown" {
		t.Errorf("scanner.EventKind %d (%v) is not in vmp.h's VMP_SCAN_EVENT_LIST", int(e), e)
	}
}
