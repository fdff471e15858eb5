package sim

import (
	"net/http"
	"strconv"
	"time"
)

// createPayment serves POST /epayment/v1/payments.
func (s *Server) createPayment(c *call) reply {
	key := c.r.Header.Get("Idempotency-Key")
	if p := checkIdempotencyKey(key, true); p != nil {
		return c.fail(p)
	}
	m := mutation{reference: peekReference(c.body), key: key, conflictCode: codeIdempotencyKeyExists}
	return s.mutate(c, m, func(now time.Time) reply {
		req, p := validateCreate(c.body)
		if p != nil {
			return c.fail(p)
		}
		if p := s.checkCreateReceipt(req); p != nil {
			return c.fail(p)
		}
		if p := checkMinimumAge(req, now); p != nil {
			return c.fail(p)
		}
		pk := paymentKey{msn: requestMSN(c), reference: req.Reference}
		if p := s.unitRefusesCreate(pk.msn, req); p != nil {
			return c.fail(p)
		}
		if _, exists := s.payments[pk]; exists {
			return c.fail(codeProblem(codeReferenceExists, "Reference "+strconv.Quote(req.Reference)+" already exists."))
		}
		pay := newPayment(req, key, now, s.opts, s.psp, s.qrRedirectURL(pk, req))
		pay.msn = pk.msn
		s.created++
		pay.seq = s.created
		s.payments[pk] = pay
		s.keepCreateReceipt(pay, req, now)
		s.watch(pay)
		s.stats.add(func(st *Stats) { st.Creates++ })
		return jsonReply(http.StatusCreated, createPaymentResponse{RedirectURL: pay.redirectURL, Reference: pay.reference})
	})
}

// peekReference reads the reference of a createPayment body for the rate limit, whatever else
// is wrong with the body ("" when there is none: such requests share one bucket, as on Vipps).
func peekReference(body []byte) string {
	obj, _ := decodeObject(body, "body")
	ref, _, _ := obj.str("reference", "reference")
	return ref
}

// redirectURL is where a customer would continue: nothing for PUSH_MESSAGE, a landing page
// for WEB_REDIRECT, an app link for NATIVE_REDIRECT, a QR image or target URL for QR.
func redirectURL(req createRequest) string {
	token := newOpaqueToken(24)
	switch req.UserFlow {
	case "WEB_REDIRECT":
		return "https://landing.vipps.no?token=" + token
	case "NATIVE_REDIRECT":
		return "vipps://?token=" + token
	case "QR":
		if req.QRFormat == "TEXT/TARGETURL" {
			return "https://landing.vipps.no?token=" + token
		}
		return "https://qr-image.vipps.no/v1?token=" + token
	}
	return ""
}

// getPayment serves GET /epayment/v1/payments/{reference}.
func (s *Server) getPayment(c *call) reply {
	return s.read(c, func(p *payment) reply {
		return jsonReply(http.StatusOK, p.getResponse())
	})
}

// getPaymentEvents serves GET /epayment/v1/payments/{reference}/events.
func (s *Server) getPaymentEvents(c *call) reply {
	return s.read(c, func(p *payment) reply {
		if lag, ok := eventLogLagOf(c.r); ok {
			return jsonReply(http.StatusOK, p.eventLogBehind(lag, s.now()))
		}
		return jsonReply(http.StatusOK, p.eventLog())
	})
}

// forceApprove serves the test-environment POST /epayment/v1/test/payments/{reference}/approve:
// the customer approves at once. 200 without a body; ErrorCode 10010 when the payment is no
// longer CREATED.
func (s *Server) forceApprove(c *call) reply {
	if p := parseForceApprove(c.body); p != nil {
		return c.fail(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	pay, p := s.lookup(requestMSN(c), c.reference, now)
	if p != nil {
		return c.fail(p)
	}
	if pay.state != StateCreated {
		return c.fail(codeProblem(codeApproveFailed, "The payment is "+string(pay.state)+" and can no longer be approved."))
	}
	pay.authorize(now)
	s.stats.add(func(st *Stats) { st.ForceApprovals++ })
	return emptyReply(http.StatusOK)
}
