package core

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttp's idle-connection cleaner outlives Close by up to MaxIdleConnDuration and then
// exits by itself; every other goroutine must be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}
