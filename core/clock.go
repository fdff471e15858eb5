package core

import (
	"sync/atomic"
	"time"
)

// now is the engine's clock for what the journal records and for the ages the repeat rule
// compares. clockOffset sets it ahead: tests play a till whose clock jumped or that restarted
// days later; the crash and property tests, built with vmpfailpoints, set it from
// VMP_CLOCK_OFFSET_S (clock_enabled.go).
func now() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }

var clockOffset atomic.Int64

// monotonic is the engine's clock of ages within one process (payments.Deps.Monotonic): time.Now,
// whose monotonic reading a stepped wall clock does not move. monotonicOffset sets it ahead:
// tests play a till that ran on, without a restart, while Vipps' clock (the simulator's) moved
// on by hours.
func monotonic() time.Time { return time.Now().Add(time.Duration(monotonicOffset.Load())) }

var monotonicOffset atomic.Int64
