package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: a library loaded into a till
// must not leak them either.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
