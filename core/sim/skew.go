package sim

import (
	"bytes"
	"net/http"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// SkewCaptured makes the payment with this reference report a capturedAmount off by delta
// (positive or negative, in minor units) from what was really captured, in getPayment and in
// the answers of capture, refund and cancel: a discrepancy on the Vipps side that a till's
// capture check must notice. It replaces an earlier skew; 0 removes it. Nothing else changes:
// capture and refund limits, the event log and PaymentSnapshot.Aggregate keep to the real
// amounts (PaymentSnapshot.CapturedSkew shows the skew). Errors as Approve.
func (s *Server) SkewCaptured(reference string, delta int64) error {
	return s.SkewCapturedOf("", reference, delta)
}

// SkewCapturedOf is SkewCaptured for the payment with this reference under this MSN ("" as
// SkewCaptured).
func (s *Server) SkewCapturedOf(msn, reference string, delta int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.find(msn, reference)
	if err != nil {
		return err
	}
	p.capturedSkew = delta
	return nil
}

// reportedAggregate is the aggregate the API reports: the real one, with the skewed
// capturedAmount.
func (p *payment) reportedAggregate() Aggregate {
	a := p.aggregate()
	a.CapturedAmount.Value += p.capturedSkew
	return a
}

// controlSkew serves POST /sim/payments/{reference}/skew[?msn=] with {"captured_delta": N}:
// 204; 400 for a bad body or an ambiguous reference; 404 unknown payment.
func (s *Server) controlSkew(c *call) reply {
	obj, p := decodeObject(c.body, "body")
	if p != nil {
		return c.fail(p)
	}
	raw, ok := obj.member("captured_delta")
	if !ok {
		return c.fail(fieldProblem("captured_delta", "The field captured_delta is required."))
	}
	var delta int64
	if err := wirejson.Unmarshal(raw, &delta); err != nil || !integerPattern.Match(bytes.TrimSpace(raw)) {
		return c.fail(fieldProblem("captured_delta", "The field captured_delta must be an integer number of minor units."))
	}
	if err := s.SkewCapturedOf(controlMSN(c), c.reference, delta); err != nil {
		return c.fail(controlFindProblem(err))
	}
	return emptyReply(http.StatusNoContent)
}
