package sim

import (
	"net/http"
	"time"
)

// capturePayment serves POST /epayment/v1/payments/{reference}/capture.
func (s *Server) capturePayment(c *call) reply {
	key := c.r.Header.Get("Idempotency-Key")
	if p := checkIdempotencyKey(key, true); p != nil {
		return c.fail(p)
	}
	m := mutation{reference: c.reference, key: key, conflictCode: codeCaptureIdempotency}
	return s.mutate(c, m, func(now time.Time) reply {
		return s.modify(c, now, func(pay *payment) (PaymentEvent, *problem) {
			x, p := parseModificationAmount(c.body)
			if p != nil {
				return PaymentEvent{}, p
			}
			if p := s.unitRefusesCapture(pay, x); p != nil {
				return PaymentEvent{}, p
			}
			ev, p := pay.capture(x, key, now)
			if p == nil {
				s.stats.add(func(st *Stats) { st.Captures++ })
			}
			return ev, p
		})
	})
}

// refundPayment serves POST /epayment/v1/payments/{reference}/refund.
func (s *Server) refundPayment(c *call) reply {
	key := c.r.Header.Get("Idempotency-Key")
	if p := checkIdempotencyKey(key, true); p != nil {
		return c.fail(p)
	}
	m := mutation{reference: c.reference, key: key, conflictCode: codeReferenceExists}
	return s.mutate(c, m, func(now time.Time) reply {
		return s.modify(c, now, func(pay *payment) (PaymentEvent, *problem) {
			x, p := parseModificationAmount(c.body)
			if p != nil {
				return PaymentEvent{}, p
			}
			if p := s.failureAmountRefund(x); p != nil {
				return PaymentEvent{}, p
			}
			ev, p := pay.refund(x, key, now)
			if p == nil {
				s.stats.add(func(st *Stats) { st.Refunds++ })
			}
			return ev, p
		})
	})
}

// cancelPayment serves POST /epayment/v1/payments/{reference}/cancel, with an optional body
// {"cancelTransactionOnly": bool} and an optional Idempotency-Key.
func (s *Server) cancelPayment(c *call) reply {
	key := c.r.Header.Get("Idempotency-Key")
	if p := checkIdempotencyKey(key, false); p != nil {
		return c.fail(p)
	}
	m := mutation{reference: c.reference, key: key, conflictCode: codeIdempotencyKeyExists}
	return s.mutate(c, m, func(now time.Time) reply {
		return s.modify(c, now, func(pay *payment) (PaymentEvent, *problem) {
			transactionOnly, p := parseCancel(c.body)
			if p != nil {
				return PaymentEvent{}, p
			}
			ev, changed, p := pay.cancel(transactionOnly, key, now)
			if changed {
				s.stats.add(func(st *Stats) { st.Cancels++ })
			}
			return ev, p
		})
	})
}

// modify finds the payment of the path, applies op and answers a ModificationResponse. It runs
// inside mutate, with the server's lock held.
func (s *Server) modify(c *call, now time.Time, op func(*payment) (PaymentEvent, *problem)) reply {
	pay, p := s.lookup(requestMSN(c), c.reference, now)
	if p != nil {
		return c.fail(p)
	}
	ev, p := op(pay)
	if p != nil {
		return c.fail(p)
	}
	return jsonReply(http.StatusOK, pay.modificationResponse(ev))
}
