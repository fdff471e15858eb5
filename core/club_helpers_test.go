package core

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Helpers of the customer-club tests (identify, check-in, enrollment).

// newClientFor starts a client for a Vipps (simulator or fake) at url, with extra config.
func newClientFor(t *testing.T, url, extra string) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q%s}`, url, filepath.Join(t.TempDir(), "j.db"), extra)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitLog records the waits of an enrollment follower.
type waitLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *waitLog) add(d time.Duration) {
	w.mu.Lock()
	w.waits = append(w.waits, d)
	w.mu.Unlock()
}

func (w *waitLog) list() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.waits...)
}

// fakeTimeClub starts a simulator on a fake clock and a client for it whose enrollment
// follower waits by moving that clock: every timing rule of the simulator applies, and a test
// crosses minutes of polling in microseconds. skipFirst makes the follower's first wait take
// no time at all (polling too soon).
func fakeTimeClub(t *testing.T, opts sim.Options, skipFirst bool) (*Client, *sim.Server, *waitLog) {
	t.Helper()
	clock := sim.NewFakeClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	opts.Clock = clock
	s, err := sim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := newClientFor(t, s.URL(), "")
	log := &waitLog{}
	first := true
	var mu sync.Mutex
	c.club.Now = clock.Now
	c.club.Sleep = func(ctx context.Context, d time.Duration) bool {
		log.add(d)
		mu.Lock()
		skip := first && skipFirst
		first = false
		mu.Unlock()
		if !skip {
			clock.Advance(d)
		}
		return ctx.Err() == nil
	}
	return c, s, log
}

// enroll starts an enrollment and fails the test unless it starts.
func enroll(t *testing.T, c *Client, json string) string {
	t.Helper()
	req, err := ParseEnrollment([]byte(json))
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Club().StartEnrollment(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
