package main

import (
	"strings"
	"testing"
)

func TestPanicMessageNamesTheFunctionAndThePanic(t *testing.T) {
	msg := panicMessage("vmp_capture", "in progress")
	if !strings.Contains(msg, "vmp_capture") || !strings.Contains(msg, "in progress") || !strings.Contains(msg, "internal") {
		t.Fatalf("panicMessage = %q", msg)
	}
}

func TestGuardStopsAPanic(t *testing.T) {
	func() {
		defer guard("vmp_test", nil)
		panic("boom")
	}()
}
