package sim

import (
	"net/http"
	"net/url"
	"strings"
)

// guard says which header checks run before a route's handler.
type guard int

const (
	guardNone     guard = iota // token endpoint, control API: the handler checks what it needs
	guardEPayment              // subscription key, bearer token and Merchant-Serial-Number
)

// route is one endpoint: a method, a path pattern whose "{…}" segments each match one path
// segment (the last of them is the call's reference), and the handler.
type route struct {
	method  string
	pattern string
	guard   guard
	handle  func(*Server, *call) reply
}

// endpoint names the route in Stats.Requests, e.g. "GET /epayment/v1/payments/{reference}".
func (rt *route) endpoint() string {
	return rt.method + " " + rt.pattern
}

// call is one request on its way through a handler.
type call struct {
	r         *http.Request
	route     *route
	reference string // the {reference} path segment, unescaped; "" when the route has none
	body      []byte
}

// instance is the problem "instance": the path as the API behind the gateway sees it
// (Vipps shows "/v1/payments/…" for ePayment).
func (c *call) instance() string {
	return strings.TrimPrefix(c.r.URL.Path, "/epayment")
}

// fail renders a problem for this request.
func (c *call) fail(p *problem) reply {
	return p.reply(c.instance())
}

// routeTable lists every endpoint the simulator serves.
type routeTable []route

func newRouteTable() routeTable {
	return routeTable{
		{http.MethodPost, "/accesstoken/get", guardNone, (*Server).accessToken},
		{http.MethodPost, "/accessToken/get", guardNone, (*Server).accessToken},

		{http.MethodPost, "/epayment/v1/payments", guardEPayment, (*Server).createPayment},
		{http.MethodGet, "/epayment/v1/payments/{reference}", guardEPayment, (*Server).getPayment},
		{http.MethodGet, "/epayment/v1/payments/{reference}/events", guardEPayment, (*Server).getPaymentEvents},
		{http.MethodPost, "/epayment/v1/payments/{reference}/capture", guardEPayment, (*Server).capturePayment},
		{http.MethodPost, "/epayment/v1/payments/{reference}/refund", guardEPayment, (*Server).refundPayment},
		{http.MethodPost, "/epayment/v1/payments/{reference}/cancel", guardEPayment, (*Server).cancelPayment},
		{http.MethodPost, "/epayment/v1/test/payments/{reference}/approve", guardEPayment, (*Server).forceApprove},

		{http.MethodGet, "/sim/payments/{reference}", guardNone, (*Server).controlSnapshot},
		{http.MethodPost, "/sim/payments/{reference}/approve", guardNone, (*Server).controlApprove},
		{http.MethodPost, "/sim/payments/{reference}/reject", guardNone, (*Server).controlReject},
		{http.MethodPost, "/sim/payments/{reference}/expire", guardNone, (*Server).controlExpire},
		{http.MethodPost, "/sim/payments/{reference}/skew", guardNone, (*Server).controlSkew},
		// Order Management receipts (order_management.go) and the customer-facing QR a phone
		// scans (qr_flow.go). Order Management checks its own headers (ErrorResponse shape).
		{http.MethodPost, "/order-management/v2/{paymentType}/receipts/{orderId}", guardNone, (*Server).postReceipt},
		{http.MethodGet, "/order-management/v2/{paymentType}/{orderId}", guardNone, (*Server).getOrder},
		{http.MethodGet, "/sim/qr/{token}", guardNone, (*Server).controlQRPage},
		{http.MethodGet, "/sim/qr/{token}/image", guardNone, (*Server).controlQRImage},
		{http.MethodPost, "/sim/qr/{token}/scan", guardNone, (*Server).controlScanQR},
		// Customer club (qr_exchange.go, checkin.go, login_ciba.go, userinfo.go, club_control.go).
		// The handlers check their own headers: the gateway's with an optional MSN, or OAuth
		// client authentication.
		{http.MethodPost, "/qr/v1/exchange", guardNone, (*Server).exchangeQR},
		{http.MethodPost, "/point-of-sale/v1/loyalty-check-in", guardNone, (*Server).loyaltyCheckIn},
		{http.MethodPost, "/vipps-login-ciba/api/v1/user-exists", guardNone, (*Server).loginUserExists},
		{http.MethodPost, "/vipps-login-ciba/api/backchannel/authentication", guardNone, (*Server).cibaAuthenticate},
		{http.MethodPost, "/access-management-1.0/access/oauth2/token", guardNone, (*Server).loginToken},
		{http.MethodGet, "/vipps-userinfo-api/userinfo", guardNone, (*Server).userinfo},
		{http.MethodGet, "/vipps-userinfo-api/userinfo/", guardNone, (*Server).userinfo},
		{http.MethodGet, "/sim/logins/{reference}", guardNone, (*Server).controlLoginSnapshot},
		{http.MethodPost, "/sim/logins/{reference}/consent", guardNone, (*Server).controlConsent},
		{http.MethodPost, "/sim/logins/{reference}/deny", guardNone, (*Server).controlDeny},
		{http.MethodPost, "/sim/logins/{reference}/expire", guardNone, (*Server).controlExpireLogin},
		{http.MethodGet, "/sim/check-ins", guardNone, (*Server).controlCheckIns},

		// Webhooks (webhooks.go): gateway checks with an optional MSN, done by the handlers.
		{http.MethodPost, "/webhooks/v1/webhooks", guardNone, (*Server).registerWebhook},
		{http.MethodGet, "/webhooks/v1/webhooks", guardNone, (*Server).listWebhooks},
		{http.MethodDelete, "/webhooks/v1/webhooks/{reference}", guardNone, (*Server).deleteWebhook},
		{http.MethodGet, "/sim/webhooks", guardNone, (*Server).controlWebhooks},

		{http.MethodGet, "/sim/clock", guardNone, (*Server).controlClock},
		{http.MethodPost, "/sim/clock/advance", guardNone, (*Server).controlAdvanceClock},
		{http.MethodGet, "/sim/faults", guardNone, (*Server).controlListFaults},
		{http.MethodPost, "/sim/faults", guardNone, (*Server).controlInjectFault},
		{http.MethodDelete, "/sim/faults", guardNone, (*Server).controlClearFaults},
		{http.MethodDelete, "/sim/faults/{reference}", guardNone, (*Server).controlRemoveFault},
	}
}

// match finds the route for method and escapedPath. When the path exists under other methods
// only, it returns no route and those methods (for a 405 answer).
func (t routeTable) match(method, escapedPath string) (rt *route, reference string, allowed []string) {
	segments := strings.Split(escapedPath, "/")
	for i := range t {
		ref, ok := matchPattern(t[i].pattern, segments)
		if !ok {
			continue
		}
		if t[i].method == method {
			return &t[i], ref, nil
		}
		allowed = append(allowed, t[i].method)
	}
	return nil, "", allowed
}

func matchPattern(pattern string, segments []string) (reference string, ok bool) {
	want := strings.Split(pattern, "/")
	if len(want) != len(segments) {
		return "", false
	}
	for i, w := range want {
		if !strings.HasPrefix(w, "{") {
			if w != segments[i] {
				return "", false
			}
			continue
		}
		ref, err := url.PathUnescape(segments[i])
		if err != nil || ref == "" {
			return "", false
		}
		reference = ref
	}
	return reference, true
}
