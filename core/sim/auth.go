package sim

import "net/http"

// checkSubscriptionKey is the API gateway's first check: 401 without the right
// Ocp-Apim-Subscription-Key, with the texts Azure API Management uses.
func checkSubscriptionKey(h http.Header, creds Credentials) *problem {
	key := h.Get("Ocp-Apim-Subscription-Key")
	switch {
	case key == "":
		return newProblem(http.StatusUnauthorized, "Unauthorized",
			"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.")
	case !secretEqual(key, creds.SubscriptionKey):
		return newProblem(http.StatusUnauthorized, "Unauthorized",
			"Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.")
	}
	return nil
}

// checkAnySubscriptionKey is the token endpoint's first check: the key must belong to one of
// the simulator's key sets (sales units and partners).
func (s *Server) checkAnySubscriptionKey(h http.Header) *problem {
	key := h.Get("Ocp-Apim-Subscription-Key")
	if key != "" && s.access.knownSubscriptionKey(key) {
		return nil
	}
	return checkSubscriptionKey(h, Credentials{})
}

// checkEPaymentHeaders runs before every ePayment handler:
//
//   - Ocp-Apim-Subscription-Key missing or not one of the simulator's keys: 401
//   - Authorization not "Bearer <token>" with a token issued here and unexpired: 401
//   - a subscription key of another key set than the token's: 401
//   - Merchant-Serial-Number missing: 400 (ErrorCode 4140), but 403 for partner keys;
//     not 4 to 7 digits: 400
//   - Merchant-Serial-Number well-formed but not one the key set may act for (a sales unit's
//     own, a partner's listed ones): 403 "Invalid MSN"
//
// Headers an operation does not use (Idempotency-Key on a GET, empty Vipps-System-* headers)
// are ignored.
func (s *Server) checkEPaymentHeaders(r *http.Request) *problem {
	return s.checkGatewayHeaders(r, true)
}

// checkGatewayHeaders is the API gateway's check of every API behind it (ePayment, QR,
// Check-in, Order Management): subscription key and bearer token as above.
// Merchant-Serial-Number is required when msnRequired (ePayment, Order Management) and always
// for partner keys; where the API makes it optional (QR exchange, Check-in) an absent header
// passes, but a malformed or foreign one fails as above.
func (s *Server) checkGatewayHeaders(r *http.Request, msnRequired bool) *problem {
	h := r.Header
	if p := s.checkAnySubscriptionKey(h); p != nil {
		return p
	}
	token, ok := bearerToken(h.Get("Authorization"))
	if !ok {
		return newProblem(http.StatusUnauthorized, "Unauthorized",
			"The Authorization header must be 'Bearer <access token>'.")
	}
	s.mu.Lock()
	owner, valid := s.tokens.ownerOf(token, s.now())
	s.mu.Unlock()
	if !valid {
		return newProblem(http.StatusUnauthorized, "Unauthorized", "The access token is invalid or has expired.")
	}
	if !secretEqual(h.Get("Ocp-Apim-Subscription-Key"), owner.subscriptionKey) {
		return newProblem(http.StatusUnauthorized, "Unauthorized",
			"The subscription key does not belong to the key set the access token was issued to.")
	}
	msn := h.Get("Merchant-Serial-Number")
	switch {
	case msn == "" && owner.partner:
		return newProblem(http.StatusForbidden, "Invalid MSN",
			"Partner keys must send the Merchant-Serial-Number of the sales unit they act for.")
	case msn == "" && !msnRequired:
		return nil
	case msn == "":
		return missingProblem("Merchant-Serial-Number")
	case !msnPattern.MatchString(msn):
		return fieldProblem("Merchant-Serial-Number", "The Merchant-Serial-Number header must be 4 to 7 digits.")
	case !owner.mayActFor(msn):
		return invalidMSN(msn)
	}
	return nil
}

// bearerToken extracts the token of "Bearer <token>". The scheme word is case-sensitive, as
// on the real gateway.
func bearerToken(header string) (string, bool) {
	const prefix = "Bearer "
	if len(header) <= len(prefix) || header[:len(prefix)] != prefix {
		return "", false
	}
	return header[len(prefix):], true
}
