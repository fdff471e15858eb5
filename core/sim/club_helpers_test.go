package sim

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Helpers of the customer-club tests.

// basicAuth is the client_secret_basic header for the default credentials.
func basicAuth() string {
	d := DefaultCredentials
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(d.ClientID)+":"+url.QueryEscape(d.ClientSecret)))
}

// loginPost sends a form to a Login endpoint with client_secret_basic.
func (r *rig) loginPost(path string, form url.Values) answer {
	r.t.Helper()
	return r.do(http.MethodPost, path, form.Encode(), "Authorization", basicAuth(), "Content-Type", "application/x-www-form-urlencoded")
}

const (
	cibaPath       = "/vipps-login-ciba/api/backchannel/authentication"
	userExistsPath = "/vipps-login-ciba/api/v1/user-exists"
	tokenPath      = "/access-management-1.0/access/oauth2/token"
	userinfoPath   = "/vipps-userinfo-api/userinfo"
)

// cibaStart is the decoded answer of a successful authentication request.
type cibaStart struct {
	AuthReqID string `json:"auth_req_id"`
	ExpiresIn int64  `json:"expires_in"`
	Interval  int64  `json:"interval"`
}

// startLogin sends an authentication request for msisdn with scopes and fails the test
// unless it is accepted.
func (r *rig) startLogin(msisdn, scope string) cibaStart {
	r.t.Helper()
	a := r.loginPost(cibaPath, url.Values{"login_hint": {"urn:msisdn:" + msisdn}, "scope": {scope}})
	if a.status != http.StatusOK {
		r.t.Fatalf("authentication request for %s: %v", msisdn, a)
	}
	var s cibaStart
	mustDecode(r.t, a.body, &s)
	return s
}

// pollToken sends one CIBA token request.
func (r *rig) pollToken(authReqID string) answer {
	r.t.Helper()
	return r.loginPost(tokenPath, url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {authReqID}})
}

// oauthAnswer checks an OAuth error answer and returns it decoded.
func wantOAuthError(t *testing.T, a answer, status int, code string) oauthError {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, a.body)
	}
	var e oauthError
	mustDecode(t, a.body, &e)
	if e.Error != code || e.ErrorDescription == "" {
		t.Fatalf("error = %q, want %q with a description; body %s", e.Error, code, a.body)
	}
	return e
}

// advance moves the rig's fake clock.
func (r *rig) advance(d time.Duration) { r.clock.Advance(d) }
