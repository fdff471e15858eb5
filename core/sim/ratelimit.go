package sim

import (
	"path"
	"time"
)

// Rate limits per payment and API (Vipps' ePayment rate limits: createPayment,
// capturePayment, refundPayment, cancelPayment 5 a minute per reference each; getPayment and
// the event log 120), measured against the simulator's clock. Each API counts on its own: a
// create and four partial captures leave a refund and a cancel their full budget.
const (
	rateWindow        = time.Minute
	mutationsPerRef   = 5   // each of create, capture, refund, cancel per reference + MSN
	readsPerReference = 120 // each of getPayment and events per reference + subscription key
)

// rateBucket is one counted stream of requests.
type rateBucket struct {
	api       string // "create", "capture", "refund", "cancel", "get" or "events"
	owner     string // MSN for mutations, subscription key for reads
	reference string
}

// rateAPI names the API of a request for its bucket: the last path segment of an operation or
// of the event log ("capture", "events"), "create" and "get" for the payment itself.
func rateAPI(c *call, mutation bool) string {
	last := path.Base(c.r.URL.Path)
	switch {
	case mutation && last == "payments":
		return "create"
	case !mutation && last != "events":
		return "get"
	}
	return last
}

// rateLimiter is a sliding-window counter per bucket. Not safe for concurrent use; the
// server's lock guards it.
type rateLimiter struct {
	hits  map[rateBucket][]time.Time
	calls int
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{hits: map[rateBucket][]time.Time{}}
}

// take counts one request in b if fewer than limit were counted in the last minute. Otherwise
// it counts nothing and returns how long until a request would be accepted.
func (l *rateLimiter) take(b rateBucket, limit int, now time.Time) (retryAfter time.Duration, ok bool) {
	l.calls++
	if l.calls%1024 == 0 {
		l.forgetIdle(now)
	}
	hits := l.hits[b]
	live := hits[:0]
	for _, t := range hits {
		if now.Sub(t) < rateWindow {
			live = append(live, t)
		}
	}
	if len(live) >= limit {
		l.hits[b] = live
		return live[0].Add(rateWindow).Sub(now), false
	}
	l.hits[b] = append(live, now)
	return 0, true
}

// forgetIdle drops buckets with no request inside the window, so memory stays bounded.
func (l *rateLimiter) forgetIdle(now time.Time) {
	for b, hits := range l.hits {
		if len(hits) == 0 || now.Sub(hits[len(hits)-1]) >= rateWindow {
			delete(l.hits, b)
		}
	}
}
