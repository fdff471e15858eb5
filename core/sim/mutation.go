package sim

import (
	"net/http"
	"strconv"
	"time"
)

// mutation describes a money-moving request (create, capture, refund, cancel) for mutate.
type mutation struct {
	reference    string // the payment it counts against for the rate limit
	key          string // Idempotency-Key, already checked; "" when absent (cancel only)
	conflictCode int    // ErrorCode of a 409 when the key comes back with another body
}

// mutate runs one money-moving request the way the Vipps platform does, under the server's
// lock so concurrent retries are ordered:
//
//  1. rate limit: more than 5 per minute per reference, MSN and API → 429 with Retry-After;
//  2. idempotency: the key seen with the same body → the first answer, byte for byte;
//     the key seen with another body → 409 with m.conflictCode;
//  3. exec, whose answer (a 4xx included) is then remembered for the key.
func (s *Server) mutate(c *call, m mutation, exec func(now time.Time) reply) reply {
	msn := c.r.Header.Get("Merchant-Serial-Number")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if wait, ok := s.limits.take(rateBucket{api: rateAPI(c, true), owner: msn, reference: m.reference}, mutationsPerRef, now); !ok {
		return s.tooManyRequests(c, wait)
	}
	k := idempotencyKey{msn: msn, method: c.r.Method, path: c.r.URL.EscapedPath(), key: m.key}
	if m.key != "" {
		switch outcome, answer := s.idem.lookup(k, c.body, now); outcome {
		case idempotencyReplay:
			s.stats.add(func(st *Stats) { st.Replays++ })
			return answer
		case idempotencyConflict:
			s.stats.add(func(st *Stats) { st.IdempotencyConflicts++ })
			return c.fail(codeProblem(m.conflictCode, "The Idempotency-Key "+strconv.Quote(m.key)+" was already used with another request body."))
		}
	}
	answer := exec(now)
	if m.key != "" && answer.status < http.StatusInternalServerError {
		s.idem.remember(k, c.body, answer, now)
	}
	return answer
}

// read runs a getPayment or events request: rate limit (120 per minute per reference,
// subscription key, MSN and API), reference check, lookup, lazy settling, then view.
func (s *Server) read(c *call, view func(*payment) reply) reply {
	owner := c.r.Header.Get("Ocp-Apim-Subscription-Key") + " " + requestMSN(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if wait, ok := s.limits.take(rateBucket{api: rateAPI(c, false), owner: owner, reference: c.reference}, readsPerReference, now); !ok {
		return s.tooManyRequests(c, wait)
	}
	p, prob := s.lookup(requestMSN(c), c.reference, now)
	if prob != nil {
		return c.fail(prob)
	}
	return view(p)
}

// lookup finds the payment of a path reference under the request's MSN and settles it at
// now. The lock must be held.
func (s *Server) lookup(msn, reference string, now time.Time) (*payment, *problem) {
	if p := checkReference(reference); p != nil {
		return nil, p
	}
	p, ok := s.payments[paymentKey{msn: msn, reference: reference}]
	if !ok {
		return nil, paymentNotFound(reference)
	}
	p.settle(now)
	return p, nil
}

// tooManyRequests is a 429 with Retry-After in whole seconds (at least 1).
func (s *Server) tooManyRequests(c *call, wait time.Duration) reply {
	s.stats.add(func(st *Stats) { st.RateLimited++ })
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return c.fail(newProblem(http.StatusTooManyRequests, "Too Many Requests",
		"Rate limit is exceeded. Try again in "+strconv.FormatInt(secs, 10)+" seconds.")).
		withHeader("Retry-After", strconv.FormatInt(secs, 10))
}
