package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// LoginState is the state of a simulated consent request (merchant-initiated login).
type LoginState string

// Consent-request states. A request leaves PENDING once; CONSENTED becomes REDEEMED when the
// token endpoint hands out the tokens (an auth_req_id is good for one token answer).
const (
	LoginPending   LoginState = "PENDING"
	LoginConsented LoginState = "CONSENTED"
	LoginDenied    LoginState = "DENIED"
	LoginExpired   LoginState = "EXPIRED"
	LoginRedeemed  LoginState = "REDEEMED"
)

// Errors of the login control API (Server.Consent, Deny, ExpireLogin).
var (
	// ErrNoLogin: the customer has no consent request.
	ErrNoLogin = errors.New("sim: this customer has no consent request")
	// ErrLoginNotPending: the customer's newest consent request is no longer pending.
	ErrLoginNotPending = errors.New("sim: the consent request is no longer pending")
)

// Login rules (contract §6.2, §6.3).
var (
	bindingMessagePattern = regexp.MustCompile(`^[A-Z0-9\-]{5,8}$`)
	loginScopes           = []string{"openid", "name", "phoneNumber", "address", "birthDate", "email", "nin", "delegatedConsents", "customFlow", "gender"}
)

const (
	minRequestedExpiry = 60 * time.Second
	maxRequestedExpiry = 900 * time.Second
	slowDownStep       = 5 * time.Second // CIBA: slow_down raises the interval by at least 5 s
	loginTokenLifetime = 300 * time.Second
)

// login is one consent request. Its scheduled transitions are applied lazily by settle, like
// a payment's. All methods need the server's lock.
type login struct {
	authReqID      string
	msisdn         string
	scopes         []string
	bindingMessage string
	behaviour      loginBehaviour
	state          LoginState
	createdAt      time.Time
	answerAt       time.Time
	expiresAt      time.Time
	decidedAt      time.Time
	interval       time.Duration
	lastPoll       time.Time
	polls          int
	slowDowns      int
}

func (l *login) settle(now time.Time) {
	if l.state != LoginPending {
		return
	}
	answers := l.behaviour == loginConsents || l.behaviour == loginDenies
	if answers && !now.Before(l.answerAt) && l.answerAt.Before(l.expiresAt) {
		l.state, l.decidedAt = LoginConsented, l.answerAt
		if l.behaviour == loginDenies {
			l.state = LoginDenied
		}
		return
	}
	if !now.Before(l.expiresAt) {
		l.state, l.decidedAt = LoginExpired, l.expiresAt
	}
}

// loginGrant is what a login access token gives access to.
type loginGrant struct {
	msisdn    string
	scopes    []string
	expiresAt time.Time
}

// cibaAuthenticate serves POST /vipps-login-ciba/api/backchannel/authentication.
func (s *Server) cibaAuthenticate(c *call) reply {
	form, fail := s.loginForm(c)
	if fail != nil {
		return *fail
	}
	hint := form.Get("login_hint")
	if hint == "" {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The login_hint parameter is required.")
	}
	msisdn, ok := msisdnFromLoginHint(hint)
	if !ok {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The login_hint must be urn:msisdn:<MSISDN> (or urn:customer-token:<token>).")
	}
	scopes := strings.Fields(form.Get("scope"))
	if len(scopes) == 0 {
		return oauthFail(http.StatusBadRequest, "invalid_scope", "The scope parameter is required.")
	}
	if !slices.Contains(scopes, "openid") {
		return oauthFail(http.StatusBadRequest, "invalid_scope", "The scope must include openid.")
	}
	for _, sc := range scopes {
		if sc == "nnin" {
			return oauthFail(http.StatusBadRequest, "invalid_scope", "The legacy scope nnin is not supported; use nin.")
		}
		if !slices.Contains(loginScopes, sc) {
			return oauthFail(http.StatusBadRequest, "invalid_scope", "Unknown scope "+strconv.Quote(sc)+".")
		}
	}
	binding := form.Get("binding_message")
	if _, given := form["binding_message"]; given && !bindingMessagePattern.MatchString(binding) {
		return oauthFail(http.StatusBadRequest, "invalid_binding_message", "The binding_message must match ^[A-Z0-9\\-]{5,8}$.")
	}
	lifetime := s.opts.LoginExpiry
	if v, given := form["requested_expiry"]; given {
		secs, err := strconv.Atoi(v[0])
		d := time.Duration(secs) * time.Second
		if err != nil || d < minRequestedExpiry || d > maxRequestedExpiry {
			return oauthFail(http.StatusBadRequest, "invalid_request", "The requested_expiry must be 60 to 900 seconds.")
		}
		lifetime = d
	}
	if _, given := form["requested_flow"]; given {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The simulator has only the flow that completes in the app; requested_flow is not simulated.")
	}
	switch loginBehaviourOf(msisdn) {
	case loginUnknownUser:
		return vippsOAuthFail(http.StatusBadRequest, "unknown_user_id", "invalid_user",
			"No account exists, the account is not active, or the user cannot use this login flow.")
	case loginOldApp:
		return vippsOAuthFail(http.StatusBadRequest, "invalid_request", "old_app",
			"The user's app is outdated and does not support this login flow.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.club.init()
	now := s.now()
	if prev := s.club.latestLogin[msisdn]; prev != nil {
		prev.settle(now)
		if prev.state == LoginPending {
			secs := int64((prev.expiresAt.Sub(now) + time.Second - 1) / time.Second)
			return oauthFail(http.StatusTooManyRequests, "too_many_requests",
				"Too many login requests started towards the same user at the same time.").
				withHeader("Retry-After", strconv.FormatInt(max(secs, 1), 10))
		}
	}
	if len(s.club.logins)%64 == 63 {
		s.club.forget(now)
	}
	l := &login{
		authReqID:      newOpaqueToken(20),
		msisdn:         msisdn,
		scopes:         scopes,
		bindingMessage: binding,
		behaviour:      loginBehaviourOf(msisdn),
		state:          LoginPending,
		createdAt:      now,
		answerAt:       now.Add(s.opts.ApproveDelay),
		expiresAt:      now.Add(lifetime),
		interval:       s.opts.LoginInterval,
		lastPoll:       now, // the first poll, too, must wait one interval
	}
	s.club.logins[l.authReqID] = l
	s.club.latestLogin[msisdn] = l
	return oauthJSON(map[string]any{
		"auth_req_id": l.authReqID,
		"expires_in":  int64(lifetime / time.Second),
		"interval":    int64(l.interval / time.Second),
	})
}

// loginUserExists serves POST /vipps-login-ciba/api/v1/user-exists.
func (s *Server) loginUserExists(c *call) reply {
	form, fail := s.loginForm(c)
	if fail != nil {
		return *fail
	}
	hint := form.Get("login_hint")
	if hint == "" {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The login_hint parameter is required.")
	}
	msisdn, ok := msisdnFromLoginHint(hint)
	if !ok {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The login_hint must be urn:msisdn:<MSISDN>.")
	}
	return oauthJSON(map[string]bool{"exists": loginBehaviourOf(msisdn) != loginUnknownUser})
}

// loginToken serves POST /access-management-1.0/access/oauth2/token for the CIBA grant: the
// client polls it until the customer answers (contract §6.3).
//
//   - polled sooner than the interval after the authentication request or the previous poll:
//     slow_down, and the interval grows by 5 s for every later poll;
//   - pending: authorization_pending; declined: access_denied; past its lifetime:
//     expired_token; consented: the tokens, once; afterwards, or unknown: invalid_grant.
func (s *Server) loginToken(c *call) reply {
	form, fail := s.loginForm(c)
	if fail != nil {
		return *fail
	}
	if gt := form.Get("grant_type"); gt != "urn:openid:params:grant-type:ciba" {
		return oauthFail(http.StatusBadRequest, "unsupported_grant_type", "The simulator serves only grant_type urn:openid:params:grant-type:ciba.")
	}
	id := form.Get("auth_req_id")
	if id == "" {
		return oauthFail(http.StatusBadRequest, "invalid_request", "The auth_req_id parameter is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.club.init()
	now := s.now()
	l, ok := s.club.logins[id]
	if !ok {
		return oauthFail(http.StatusBadRequest, "invalid_grant", "The auth_req_id is unknown.")
	}
	l.settle(now)
	if l.state == LoginPending && now.Sub(l.lastPoll) < l.interval {
		l.interval += slowDownStep
		l.lastPoll = now
		l.slowDowns++
		return oauthFail(http.StatusBadRequest, "slow_down",
			fmt.Sprintf("Polled too often; wait at least %d seconds between polls.", int64(l.interval/time.Second)))
	}
	l.lastPoll = now
	l.polls++
	switch l.state {
	case LoginPending:
		return oauthFail(http.StatusBadRequest, "authorization_pending", "The authorization request is still pending.")
	case LoginDenied:
		return oauthFail(http.StatusBadRequest, "access_denied", "The user declined the request.")
	case LoginExpired:
		return oauthFail(http.StatusBadRequest, "expired_token", "The auth_req_id has expired.")
	case LoginRedeemed:
		return oauthFail(http.StatusBadRequest, "invalid_grant", "The auth_req_id has already been used.")
	}
	l.state = LoginRedeemed
	token := "ciba." + newOpaqueToken(32)
	s.club.loginTokens[token] = loginGrant{msisdn: l.msisdn, scopes: l.scopes, expiresAt: now.Add(loginTokenLifetime)}
	return oauthJSON(map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int64(loginTokenLifetime / time.Second),
		"scope":        strings.Join(l.scopes, " "),
		"id_token":     s.idToken(l, now),
	})
}

// idToken is shaped like the JWT Vipps returns (header.payload.signature) but is not signed:
// nothing in vmp validates it, and only the simulator could.
func (s *Server) idToken(l *login, now time.Time) string {
	payload, _ := wirejson.Marshal(map[string]any{
		"iss":         "https://vmp-sim.invalid/access-management-1.0/access/",
		"aud":         s.opts.Credentials.ClientID,
		"sub":         subjectOf(s.opts.Credentials.MSN, l.msisdn),
		"auth_req_id": l.authReqID,
		"iat":         now.Unix(),
		"exp":         now.Add(time.Hour).Unix(),
	})
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","kid":"vmp-sim"}`)) + "." + enc.EncodeToString(payload) + "." + newOpaqueToken(32)
}
