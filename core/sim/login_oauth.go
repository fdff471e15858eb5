package sim

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// The Login endpoints (CIBA authentication, user-exists, token) are OAuth endpoints, not API
// gateway ones: form-encoded bodies, client authentication with client_id and client_secret
// (client_secret_basic or client_secret_post), and errors as {"error", "error_description"}
// with Vipps' own "error_code" where it has one (contract §6).

// oauthError is the error body of the Login endpoints.
type oauthError struct {
	Error            string `json:"error"`
	ErrorCode        string `json:"error_code,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// oauthFail renders an OAuth error answer.
func oauthFail(status int, code, description string) reply {
	a := jsonReply(status, oauthError{Error: code, ErrorDescription: description})
	a.contentType = contentTokenJSON
	return a
}

// vippsOAuthFail is an OAuth error with Vipps' error_code extension.
func vippsOAuthFail(status int, code, vippsCode, description string) reply {
	a := jsonReply(status, oauthError{Error: code, ErrorCode: vippsCode, ErrorDescription: description})
	a.contentType = contentTokenJSON
	return a
}

// oauthJSON renders a successful OAuth answer.
func oauthJSON(v any) reply {
	a := jsonReply(http.StatusOK, v)
	a.contentType = contentTokenJSON
	return a
}

// loginForm parses the form body of a Login request and authenticates the client. The second
// result is the answer to give instead when either fails.
func (s *Server) loginForm(c *call) (url.Values, *reply) {
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		a := oauthFail(http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
		return nil, &a
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		a := oauthFail(http.StatusBadRequest, "invalid_request", "The form body is malformed.")
		return nil, &a
	}
	if a := s.authenticateLoginClient(c.r.Header, form); a != nil {
		return nil, a
	}
	return form, nil
}

// authenticateLoginClient checks client_secret_basic (Authorization: Basic, each part
// form-urlencoded as RFC 6749 §2.3.1 says) or client_secret_post (client_id and client_secret
// in the form). Using both, or neither, is refused. Partner keys authenticate otherwise
// (partnerLoginClient); their client secret is refused here, as Vipps refuses it.
func (s *Server) authenticateLoginClient(h http.Header, form url.Values) *reply {
	creds := s.opts.Credentials
	authorization := h.Get("Authorization")
	_, postID := form["client_id"]
	_, postSecret := form["client_secret"]
	hasBasic := authorization != ""
	var id, secret string
	switch {
	case strings.HasPrefix(authorization, "Bearer "):
		if postID || postSecret {
			a := oauthFail(http.StatusBadRequest, "invalid_request", "Use one client authentication method, not two.")
			return &a
		}
		return s.partnerLoginClient(h)
	case hasBasic && (postID || postSecret):
		a := oauthFail(http.StatusBadRequest, "invalid_request", "Use one client authentication method, not two.")
		return &a
	case hasBasic:
		var ok bool
		if id, secret, ok = parseBasic(authorization); !ok {
			a := oauthFail(http.StatusUnauthorized, "invalid_client", "The Authorization header must be 'Basic base64(client_id:client_secret)'.").
				withHeader("WWW-Authenticate", `Basic realm="vipps-login"`)
			return &a
		}
	case postID || postSecret:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	default:
		a := oauthFail(http.StatusUnauthorized, "invalid_client", "Client authentication is required.").
			withHeader("WWW-Authenticate", `Basic realm="vipps-login"`)
		return &a
	}
	if s.access.partnerClientID(id) {
		a := oauthFail(http.StatusUnauthorized, "invalid_client", "Partner keys authenticate to Login with "+
			"'Authorization: Bearer <access token from /accesstoken/get>' and the sales unit's Merchant-Serial-Number, not with the client secret.")
		return &a
	}
	if !secretEqual(id, creds.ClientID) || !secretEqual(secret, creds.ClientSecret) {
		a := oauthFail(http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown client or wrong secret.")
		return &a
	}
	return nil
}

// partnerLoginClient authenticates a partner at the Login endpoints the way Vipps' partner-key
// guide says: "Authorization: Bearer <token from /accesstoken/get>" issued to a partner key
// set, and Merchant-Serial-Number of a sales unit the partner acts for (403 without it, or for
// another). A sales unit's bearer token is not a Login client: 401.
func (s *Server) partnerLoginClient(h http.Header) *reply {
	token, _ := bearerToken(h.Get("Authorization"))
	s.mu.Lock()
	owner, valid := s.tokens.ownerOf(token, s.now())
	s.mu.Unlock()
	if !valid || !owner.partner {
		a := oauthFail(http.StatusUnauthorized, "invalid_client", "A bearer token authenticates partner keys only, and must be valid.")
		return &a
	}
	if msn := h.Get("Merchant-Serial-Number"); msn == "" || !owner.mayActFor(msn) {
		a := oauthFail(http.StatusForbidden, "invalid_client", "Invalid MSN: "+msn+". This MSN is not valid for the provided supermerchant ID.")
		return &a
	}
	return nil
}

// parseBasic decodes "Basic base64(urlencode(id):urlencode(secret))".
func parseBasic(h string) (id, secret string, ok bool) {
	enc, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// msisdnFromLoginHint resolves a login_hint: urn:msisdn:<MSISDN>, the legacy
// urn:mobilenumber:<8-digit Norwegian number>, or urn:customer-token:<token from a check-in>.
func msisdnFromLoginHint(hint string) (string, bool) {
	switch {
	case strings.HasPrefix(hint, "urn:msisdn:"):
		m := strings.TrimPrefix(hint, "urn:msisdn:")
		return m, phonePattern.MatchString(m)
	case strings.HasPrefix(hint, "urn:mobilenumber:"):
		n := strings.TrimPrefix(hint, "urn:mobilenumber:")
		return "47" + n, len(n) == 8 && phonePattern.MatchString("47"+n)
	case strings.HasPrefix(hint, "urn:customer-token:"):
		return msisdnFromCustomerToken(strings.TrimPrefix(hint, "urn:customer-token:"))
	}
	return "", false
}
