package sim

import (
	"sync"
	"time"
)

// Clock is the simulator's source of time. Payment expiry, the customer's answer delay, token
// lifetime and rate-limit windows are all measured against it, so a test that uses a FakeClock
// can cross ten minutes of payment expiry in microseconds.
type Clock interface {
	Now() time.Time
}

// realClock is the default Clock: the machine's wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// FakeClock is a Clock that only moves when told to. It is safe for concurrent use.
//
// The simulator evaluates scheduled transitions (a customer approving, a payment expiring)
// lazily whenever a payment is read or modified, so advancing a FakeClock needs no timers:
// the next request sees the new time.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock that reads start until it is advanced.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. A zero or negative d leaves the clock where it is:
// simulated time never runs backwards.
func (c *FakeClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
