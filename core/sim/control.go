package sim

import (
	"errors"
	"net/http"
	"time"
)

// Approve makes the customer approve the payment now (CREATED → AUTHORIZED). It returns
// ErrUnknownPayment or ErrNotPending (wrapped) when that is not possible.
func (s *Server) Approve(reference string) error {
	return s.decide(reference, StateAuthorized)
}

// Reject makes the customer abort the payment in the app now (CREATED → ABORTED).
func (s *Server) Reject(reference string) error {
	return s.decide(reference, StateAborted)
}

// Expire lets the payment time out now (CREATED → EXPIRED).
func (s *Server) Expire(reference string) error {
	return s.decide(reference, StateExpired)
}

func (s *Server) decide(reference string, to State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[reference]
	if !ok {
		return ErrUnknownPayment
	}
	return p.decide(to, s.now())
}

// advancer is a Clock that tests can move (FakeClock is one).
type advancer interface {
	Advance(time.Duration)
}

// controlDecision answers a control-API decision: 204, 404 unknown payment, 409 not pending.
func controlDecision(c *call, err error) reply {
	switch {
	case err == nil:
		return emptyReply(http.StatusNoContent)
	case errors.Is(err, ErrUnknownPayment):
		return c.fail(newProblem(http.StatusNotFound, "Not Found", err.Error()))
	default:
		return c.fail(newProblem(http.StatusConflict, "Conflict", err.Error()))
	}
}

// controlApprove serves POST /sim/payments/{reference}/approve.
func (s *Server) controlApprove(c *call) reply {
	return controlDecision(c, s.Approve(c.reference))
}

// controlReject serves POST /sim/payments/{reference}/reject.
func (s *Server) controlReject(c *call) reply {
	return controlDecision(c, s.Reject(c.reference))
}

// controlExpire serves POST /sim/payments/{reference}/expire.
func (s *Server) controlExpire(c *call) reply {
	return controlDecision(c, s.Expire(c.reference))
}

// controlSnapshot serves GET /sim/payments/{reference}: the PaymentSnapshot as JSON.
func (s *Server) controlSnapshot(c *call) reply {
	snap, ok := s.Payment(c.reference)
	if !ok {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", ErrUnknownPayment.Error()))
	}
	return jsonReply(http.StatusOK, snap)
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
