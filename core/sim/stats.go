package sim

import (
	"maps"
	"sync"
)

// Stats are counters a test can read to check how a client behaved.
type Stats struct {
	// Requests counts every request by endpoint, keyed "METHOD /path/{reference}", e.g.
	// "GET /epayment/v1/payments/{reference}". Requests that match no endpoint count under
	// "unmatched".
	Requests map[string]int
	// TokensIssued counts access tokens handed out.
	TokensIssued int
	// Creates, Captures, Refunds and Cancels count operations that succeeded and changed a
	// payment; an idempotent replay or a repeated cancel does not count again.
	Creates  int
	Captures int
	Refunds  int
	Cancels  int
	// ForceApprovals counts successful test-only forceApprove calls.
	ForceApprovals int
	// Replays counts answers replayed from the idempotency store.
	Replays int
	// IdempotencyConflicts counts 409s for a key reused with another body.
	IdempotencyConflicts int
	// RateLimited counts 429 answers of the simulated rate limit (not injected ones).
	RateLimited int
	// FaultsInjected counts the requests each kind of injected fault was applied to.
	FaultsInjected map[FaultKind]int
	// WebhooksDelivered counts webhook deliveries a receiver accepted (2xx);
	// WebhookAttemptsFailed the attempts it did not (each is retried).
	WebhooksDelivered     int
	WebhookAttemptsFailed int
}

// stats is the live, lock-protected form of Stats.
type stats struct {
	mu sync.Mutex
	s  Stats
}

func newStats() *stats {
	return &stats{s: Stats{Requests: map[string]int{}, FaultsInjected: map[FaultKind]int{}}}
}

// add applies f to the counters under the lock.
func (st *stats) add(f func(*Stats)) {
	st.mu.Lock()
	f(&st.s)
	st.mu.Unlock()
}

func (st *stats) request(endpoint string) {
	st.add(func(s *Stats) { s.Requests[endpoint]++ })
}

func (st *stats) snapshot() Stats {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.s
	out.Requests = maps.Clone(st.s.Requests)
	out.FaultsInjected = maps.Clone(st.s.FaultsInjected)
	return out
}
