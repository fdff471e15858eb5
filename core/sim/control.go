package sim

import (
	"errors"
	"net/http"
	"time"
)

// Approve makes the customer approve the payment now (CREATED → AUTHORIZED). It returns
// ErrUnknownPayment or ErrNotPending (wrapped) when that is not possible, and
// ErrAmbiguousPayment when the reference exists under several MSNs (use ApproveOf).
func (s *Server) Approve(reference string) error {
	return s.ApproveOf("", reference)
}

// Reject makes the customer abort the payment in the app now (CREATED → ABORTED).
func (s *Server) Reject(reference string) error {
	return s.RejectOf("", reference)
}

// Expire lets the payment time out now (CREATED → EXPIRED).
func (s *Server) Expire(reference string) error {
	return s.ExpireOf("", reference)
}

// advancer is a Clock that tests can move (FakeClock is one).
type advancer interface {
	Advance(time.Duration)
}

// controlDecision answers a control-API decision: 204, 404 unknown payment, 400 ambiguous
// reference without ?msn=, 409 not pending.
func controlDecision(c *call, err error) reply {
	switch {
	case err == nil:
		return emptyReply(http.StatusNoContent)
	case errors.Is(err, ErrUnknownPayment), errors.Is(err, ErrAmbiguousPayment):
		return c.fail(controlFindProblem(err))
	default:
		return c.fail(newProblem(http.StatusConflict, "Conflict", err.Error()))
	}
}

// controlApprove serves POST /sim/payments/{reference}/approve.
func (s *Server) controlApprove(c *call) reply {
	return controlDecision(c, s.ApproveOf(controlMSN(c), c.reference))
}

// controlReject serves POST /sim/payments/{reference}/reject.
func (s *Server) controlReject(c *call) reply {
	return controlDecision(c, s.RejectOf(controlMSN(c), c.reference))
}

// controlExpire serves POST /sim/payments/{reference}/expire.
func (s *Server) controlExpire(c *call) reply {
	return controlDecision(c, s.ExpireOf(controlMSN(c), c.reference))
}

// controlSnapshot serves GET /sim/payments/{reference}[?msn=]: the PaymentSnapshot as JSON.
func (s *Server) controlSnapshot(c *call) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.find(controlMSN(c), c.reference)
	if err != nil {
		return c.fail(controlFindProblem(err))
	}
	p.settle(s.now())
	return jsonReply(http.StatusOK, s.snapshotOf(p))
}

// clockAnswer is the answer of the clock endpoints.
type clockAnswer struct {
	Now time.Time `json:"now"`
}

// controlClock serves GET /sim/clock: the simulator's current time.
func (s *Server) controlClock(c *call) reply {
	return jsonReply(http.StatusOK, clockAnswer{Now: s.now().UTC()})
}

// controlAdvanceClock serves POST /sim/clock/advance with {"ms": N}: the fake clock moves N
// milliseconds forward. 409 when the simulator runs on a clock that cannot be moved.
func (s *Server) controlAdvanceClock(c *call) reply {
	obj, p := decodeObject(c.body, "body")
	if p != nil {
		return c.fail(p)
	}
	raw, ok := obj.member("ms")
	if !ok {
		return c.fail(fieldProblem("ms", "The field ms is required."))
	}
	ms, ok := parseNonNegativeInt(raw)
	if !ok {
		return c.fail(fieldProblem("ms", "The field ms must be a non-negative integer number of milliseconds."))
	}
	clock, ok := s.opts.Clock.(advancer)
	if !ok {
		return c.fail(newProblem(http.StatusConflict, "Conflict", "The simulator runs on the real clock, which cannot be advanced."))
	}
	clock.Advance(time.Duration(ms) * time.Millisecond)
	return jsonReply(http.StatusOK, clockAnswer{Now: s.now().UTC()})
}
