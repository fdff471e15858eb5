package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Order Management payment types (contract §7.1). The path segment is matched without regard
// to case ("ecom" as the 2023 guide writes it, "ECOM" as the spec does).
const (
	paymentTypeEcom      = "ECOM"
	paymentTypeRecurring = "RECURRING"
)

var orderIDPattern = regexp.MustCompile(`^[0-9A-Za-z\-_.]+$`)

// orderKey names an Order Management order: per MSN, payment type and order id.
type orderKey struct {
	msn         string
	paymentType string // upper case
	orderID     string
}

// orderRecord is what Order Management holds for an order: its receipt (immutable once sent).
type orderRecord struct {
	id      string
	receipt json.RawMessage
	at      time.Time
}

// storeReceipt records the receipt of an order unless it already has one; it reports whether
// it stored it. The lock must be held.
func (s *Server) storeReceipt(k orderKey, rc json.RawMessage, now time.Time) (*orderRecord, bool) {
	if o, ok := s.orders[k]; ok {
		return o, false
	}
	if s.orders == nil {
		s.orders = map[orderKey]*orderRecord{}
	}
	o := &orderRecord{id: newUUID(), receipt: rc, at: now}
	s.orders[k] = o
	return o, true
}

// Receipt returns the receipt of the order orderID under msn: the ECOM order (the payment
// type ePayment uses; orderID is the payment reference), or else the RECURRING one. A
// receipt given in createPayment counts as its order's receipt.
func (s *Server) Receipt(msn, orderID string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pt := range []string{paymentTypeEcom, paymentTypeRecurring} {
		if o, ok := s.orders[orderKey{msn: msn, paymentType: pt, orderID: orderID}]; ok {
			return append(json.RawMessage(nil), o.receipt...), true
		}
	}
	return nil, false
}

// orderError is Order Management's ErrorResponse (contract §7.1): type, title, detail,
// instance and invalidParams, sent as application/problem+json like the ASP.NET validation
// answer it is modelled on.
type orderError struct {
	Type          string        `json:"type"`
	Title         string        `json:"title"`
	Detail        string        `json:"detail"`
	Instance      string        `json:"instance"`
	InvalidParams []extraDetail `json:"invalidParams"`
}

var orderErrorTypes = map[int]string{
	http.StatusBadRequest: "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
	http.StatusNotFound:   "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
	http.StatusConflict:   "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.8",
}

func orderFail(status int, title, detail, field, reason string) reply {
	a := jsonReply(status, orderError{
		Type:          orderErrorTypes[status],
		Title:         title,
		Detail:        detail,
		Instance:      newTraceID(),
		InvalidParams: []extraDetail{{Name: field, Reason: reason}},
	})
	a.contentType = contentProblemJSON
	return a
}

func orderInvalid(field, reason string) reply {
	return orderFail(http.StatusBadRequest, "One or more validation errors occurred.", "BadRequest", field, reason)
}

// orderCall checks an Order Management request up to its body: the gateway headers
// (Merchant-Serial-Number required; 401 and 403 as the gateway answers them, a missing or
// malformed MSN as an ErrorResponse), then paymentType (ecom or recurring, any case) and
// orderId (^[0-9A-Za-z-_\.]+$).
func (s *Server) orderCall(c *call) (orderKey, *reply) {
	if p := s.checkGatewayHeaders(c.r, true); p != nil {
		a := c.fail(p)
		if p.Status == http.StatusBadRequest {
			a = orderInvalid("Merchant-Serial-Number", "The Merchant-Serial-Number header is required and must be 4 to 7 digits.")
		}
		return orderKey{}, &a
	}
	segments := strings.Split(c.r.URL.EscapedPath(), "/")
	pt, err := url.PathUnescape(segments[3])
	pt = strings.ToUpper(pt)
	if err != nil || (pt != paymentTypeEcom && pt != paymentTypeRecurring) {
		a := orderInvalid("paymentType", "The paymentType must be ECOM or RECURRING (use ECOM for ePayment payments).")
		return orderKey{}, &a
	}
	if !orderIDPattern.MatchString(c.reference) {
		a := orderInvalid("orderId", `The orderId must match '^[0-9A-Za-z-_\.]+$'.`)
		return orderKey{}, &a
	}
	return orderKey{msn: requestMSN(c), paymentType: pt, orderID: c.reference}, nil
}

// postReceipt serves POST /order-management/v2/{paymentType}/receipts/{orderId}: 201 with the
// receipt's id as a JSON string; 400 ErrorResponse naming the field; 409 when the order
// already has a receipt (from an earlier POST or from createPayment). Whether the order
// exists is not checked (contract §7.1). With Options.StrictReceipts the arithmetic is
// checked too, against the payment's amount when an ECOM order is a payment under the MSN.
func (s *Server) postReceipt(c *call) reply {
	k, fail := s.orderCall(c)
	if fail != nil {
		return *fail
	}
	rc, issue := parseReceipt(c.body, "")
	if issue != nil {
		return orderInvalid(issue.field, issue.reason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.StrictReceipts {
		var amount *Amount
		if pay, ok := s.payments[paymentKey{msn: k.msn, reference: k.orderID}]; ok && k.paymentType == paymentTypeEcom {
			amount = &pay.amount
		}
		if issue := rc.checkArithmetic("", amount); issue != nil {
			return orderInvalid(issue.field, issue.reason)
		}
	}
	o, stored := s.storeReceipt(k, rc.raw, s.now())
	if !stored {
		return orderFail(http.StatusConflict, "Conflict",
			"Order "+k.orderID+" already has a receipt; a receipt is immutable and cannot be overwritten.",
			"orderId", "A receipt was already sent for this order.")
	}
	return jsonReply(http.StatusCreated, o.id)
}

// orderV2Response is the answer of GET /order-management/v2/{paymentType}/{orderId}. The
// simulator keeps no categories, so category is always null.
type orderV2Response struct {
	Category *struct{}       `json:"category"`
	Receipt  json.RawMessage `json:"receipt"`
}

// getOrder serves GET /order-management/v2/{paymentType}/{orderId}: the order's receipt, or 404
// when the order has none.
func (s *Server) getOrder(c *call) reply {
	k, fail := s.orderCall(c)
	if fail != nil {
		return *fail
	}
	s.mu.Lock()
	o, ok := s.orders[k]
	var rc json.RawMessage
	if ok {
		rc = append(json.RawMessage(nil), o.receipt...)
	}
	s.mu.Unlock()
	if !ok {
		return orderFail(http.StatusNotFound, "Not Found", "No order "+k.orderID+" with a receipt for this MSN and payment type.",
			"orderId", "No such order.")
	}
	return jsonReply(http.StatusOK, orderV2Response{Receipt: rc})
}
