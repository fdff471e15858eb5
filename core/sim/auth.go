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

// checkEPaymentHeaders runs before every ePayment handler:
//
//   - Ocp-Apim-Subscription-Key missing or wrong: 401
//   - Authorization not "Bearer <token>" with a token issued here and unexpired: 401
//   - Merchant-Serial-Number missing: 400 (ErrorCode 4140); not 4 to 7 digits: 400
//   - Merchant-Serial-Number well-formed but not the credentials' MSN: 403
//
// Headers an operation does not use (Idempotency-Key on a GET, empty Vipps-System-* headers)
// are ignored.
func (s *Server) checkEPaymentHeaders(r *http.Request) *problem {
	return s.checkGatewayHeaders(r, true)
}

// checkGatewayHeaders is the API gateway's check of every API behind it (ePayment, QR,
// Check-in): subscription key and bearer token as above. Merchant-Serial-Number is required
// when msnRequired (ePayment); where the API makes it optional (QR exchange, Check-in) an
// absent header passes, but a malformed or foreign one fails as above.
func (s *Server) checkGatewayHeaders(r *http.Request, msnRequired bool) *problem {
	h := r.Header
	creds := s.opts.Credentials
	if p := checkSubscriptionKey(h, creds); p != nil {
		return p
	}
	token, ok := bearerToken(h.Get("Authorization"))
	if !ok {
		return newProblem(http.StatusUnauthorized, "Unauthorized",
			"The Authorization header must be 'Bearer <access token>'.")
	}
	s.mu.Lock()
	valid := s.tokens.valid(token, s.now())
	s.mu.Unlock()
	if !valid {
		return newProblem(http.StatusUnauthorized, "Unauthorized", "The access token is invalid or has expired.")
	}
	msn := h.Get("Merchant-Serial-Number")
	switch {
	case msn == "" && !msnRequired:
		return nil
	case msn == "":
		return missingProblem("Merchant-Serial-Number")
	case !msnPattern.MatchString(msn):
		return fieldProblem("Merchant-Serial-Number", "The Merchant-Serial-Number header must be 4 to 7 digits.")
	case msn != creds.MSN:
		return newProblem(http.StatusForbidden, "Forbidden",
			"Invalid MSN: "+msn+". This MSN is not valid for the provided credentials.")
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
