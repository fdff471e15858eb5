package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a library loaded into a till
// must not leak them either. fasthttp's idle-connection cleaner, started by the tests that run
// a real client on its simulator, outlives Close by up to MaxIdleConnDuration and then exits
// by itself (as in core's TestMain).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}
