package scanner

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a test starts - readers, dispatchers - must be gone when the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
