package sim

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoginEndpointsAuthenticateTheClient(t *testing.T) {
	r := instantRig(t)
	form := url.Values{"login_hint": {"urn:msisdn:4791234567"}}.Encode()
	d := DefaultCredentials
	cases := []struct {
		name    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"no client authentication is invalid_client", form, []string{"Content-Type", "application/x-www-form-urlencoded"}, 401, "invalid_client"},
		{"a wrong secret is invalid_client", form, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic " + b64(d.ClientID+":wrong")}, 401, "invalid_client"},
		{"a malformed Basic header is invalid_client", form, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic !!!"}, 401, "invalid_client"},
		{"a bearer token is not client authentication", form, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer " + r.token}, 401, "invalid_client"},
		{"two methods at once are refused", form + "&client_id=" + d.ClientID + "&client_secret=" + d.ClientSecret, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", basicAuth()}, 400, "invalid_request"},
		{"a JSON body is refused", `{"login_hint":"urn:msisdn:4791234567"}`, []string{"Content-Type", "application/json", "Authorization", basicAuth()}, 400, "invalid_request"},
		{"client_secret_post is accepted", form + "&client_id=" + d.ClientID + "&client_secret=" + d.ClientSecret, []string{"Content-Type", "application/x-www-form-urlencoded"}, 200, ""},
		{"client_secret_basic is accepted", form, []string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8", "Authorization", basicAuth()}, 200, ""},
	}
	for _, path := range []string{userExistsPath, cibaPath, tokenPath} {
		for _, tc := range cases {
			if tc.status == 200 && path != userExistsPath {
				continue // the other endpoints need more than a login_hint
			}
			t.Run(path+": "+tc.name, func(t *testing.T) {
				a := r.with(t).do(http.MethodPost, path, tc.body, tc.headers...)
				if tc.status == 200 {
					if a.status != 200 || a.header.Get("Content-Type") != contentTokenJSON {
						t.Fatalf("answer %v", a)
					}
					return
				}
				wantOAuthError(t, a, tc.status, tc.code)
				if strings.Contains(string(a.body), d.ClientSecret) {
					t.Fatalf("the answer echoes the secret: %s", a.body)
				}
			})
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestUserExistsKnowsWhoIsAVippsUser(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name string
		hint string
		want bool
	}{
		{"an ordinary customer exists", "urn:msisdn:4791234567", true},
		{"the customer with an old app exists", "urn:msisdn:" + MSISDNOldApp, true},
		{"the unknown customer does not", "urn:msisdn:" + MSISDNUnknown, false},
		{"the legacy 8-digit hint is understood", "urn:mobilenumber:91234567", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).loginPost(userExistsPath, url.Values{"login_hint": {tc.hint}})
			var got struct{ Exists bool }
			mustDecode(t, a.body, &got)
			if a.status != 200 || got.Exists != tc.want {
				t.Fatalf("answer %v", a)
			}
		})
	}
	wantOAuthError(t, r.loginPost(userExistsPath, url.Values{}), 400, "invalid_request")
	wantOAuthError(t, r.loginPost(userExistsPath, url.Values{"login_hint": {"4791234567"}}), 400, "invalid_request")
}

func TestTheAuthenticationRequestIsValidated(t *testing.T) {
	r := instantRig(t)
	hint := "urn:msisdn:4791234567"
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
		vipps  string
	}{
		{"a missing login_hint is invalid_request", url.Values{"scope": {"openid"}}, 400, "invalid_request", ""},
		{"a bare number is not a login_hint", url.Values{"scope": {"openid"}, "login_hint": {"4791234567"}}, 400, "invalid_request", ""},
		{"a short MSISDN is not a login_hint", url.Values{"scope": {"openid"}, "login_hint": {"urn:msisdn:47912"}}, 400, "invalid_request", ""},
		{"a missing scope is invalid_scope", url.Values{"login_hint": {hint}}, 400, "invalid_scope", ""},
		{"a scope without openid is invalid_scope", url.Values{"login_hint": {hint}, "scope": {"name email"}}, 400, "invalid_scope", ""},
		{"the legacy nnin scope is invalid_scope", url.Values{"login_hint": {hint}, "scope": {"openid nnin"}}, 400, "invalid_scope", ""},
		{"an unknown scope is invalid_scope", url.Values{"login_hint": {hint}, "scope": {"openid shoeSize"}}, 400, "invalid_scope", ""},
		{"a lower-case binding message is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "binding_message": {"abc-123"}}, 400, "invalid_binding_message", ""},
		{"a nine-character binding message is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "binding_message": {"ABCDE-123"}}, 400, "invalid_binding_message", ""},
		{"an empty binding message is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "binding_message": {""}}, 400, "invalid_binding_message", ""},
		{"a requested_expiry under 60 s is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "requested_expiry": {"59"}}, 400, "invalid_request", ""},
		{"a requested_expiry over 900 s is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "requested_expiry": {"901"}}, 400, "invalid_request", ""},
		{"a requested_expiry that is no number is refused", url.Values{"login_hint": {hint}, "scope": {"openid"}, "requested_expiry": {"soon"}}, 400, "invalid_request", ""},
		{"the redirect flow is not simulated", url.Values{"login_hint": {hint}, "scope": {"openid"}, "requested_flow": {"login_to_webpage"}}, 400, "invalid_request", ""},
		{"a customer who is not a Vipps user is invalid_user", url.Values{"login_hint": {"urn:msisdn:" + MSISDNUnknown}, "scope": {"openid name"}}, 400, "unknown_user_id", "invalid_user"},
		{"a customer with an old app is old_app", url.Values{"login_hint": {"urn:msisdn:" + MSISDNOldApp}, "scope": {"openid name"}}, 400, "invalid_request", "old_app"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := wantOAuthError(t, r.with(t).loginPost(cibaPath, tc.form), tc.status, tc.code)
			if e.ErrorCode != tc.vipps {
				t.Fatalf("error_code = %q, want %q", e.ErrorCode, tc.vipps)
			}
		})
	}
	if _, ok := r.srv.Login("4791234567"); ok {
		t.Fatal("a refused request was recorded")
	}
}

func TestAnAcceptedAuthenticationRequestAnnouncesLifetimeAndInterval(t *testing.T) {
	r := newRig(t, Options{LoginInterval: 1500 * time.Millisecond, LoginExpiry: 90 * time.Second})
	cases := []struct {
		name       string
		form       url.Values
		wantExpiry int64
	}{
		{"the default lifetime comes from the options", url.Values{"login_hint": {"urn:msisdn:4791234501"}, "scope": {"openid name"}, "binding_message": {"4MZ-CQ3"}}, 90},
		{"requested_expiry sets the lifetime", url.Values{"login_hint": {"urn:msisdn:4791234502"}, "scope": {"openid"}, "requested_expiry": {"300"}}, 300},
		{"a customer token from a check-in is a login_hint", url.Values{"login_hint": {"urn:customer-token:" + CustomerToken("4791234503")}, "scope": {"openid"}}, 90},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).loginPost(cibaPath, tc.form)
			var s cibaStart
			mustDecode(t, a.body, &s)
			if a.status != 200 || s.AuthReqID == "" || s.ExpiresIn != tc.wantExpiry || s.Interval != 2 {
				t.Fatalf("answer %v", a)
			}
		})
	}
	snap, ok := r.srv.Login("4791234501")
	if !ok || snap.BindingMessage != "4MZ-CQ3" || snap.State != LoginPending || len(snap.Scopes) != 2 || snap.Behaviour != "consents" {
		t.Fatalf("snapshot %+v", snap)
	}
}

func TestTokenPollingFollowsTheCIBARules(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: 20 * time.Second, LoginInterval: 2 * time.Second, LoginExpiry: time.Minute})
	s := r.startLogin(MSISDNConsents, "openid name phoneNumber")

	// Sooner than the interval after the request: slow_down, and the interval grows by 5 s.
	r.advance(time.Second)
	wantOAuthError(t, r.pollToken(s.AuthReqID), 400, "slow_down")
	if snap, _ := r.srv.Login(MSISDNConsents); snap.Interval != 7 || snap.SlowDowns != 1 {
		t.Fatalf("after slow_down: %+v", snap)
	}
	r.advance(6 * time.Second) // 6 s < 7 s: still too soon, and the interval becomes 12 s
	wantOAuthError(t, r.pollToken(s.AuthReqID), 400, "slow_down")
	r.advance(12 * time.Second) // 19 s: the customer has not answered yet
	wantOAuthError(t, r.pollToken(s.AuthReqID), 400, "authorization_pending")
	r.advance(12 * time.Second) // 31 s: the customer consented at 20 s; the tokens come once
	a := r.pollToken(s.AuthReqID)
	if a.status != 200 || a.header.Get("Content-Type") != contentTokenJSON {
		t.Fatalf("token: %v", a)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		IDToken     string `json:"id_token"`
	}
	mustDecode(t, a.body, &tok)
	if !strings.HasPrefix(tok.AccessToken, "ciba.") || tok.TokenType != "Bearer" || tok.ExpiresIn != 300 || strings.Count(tok.IDToken, ".") != 2 {
		t.Fatalf("tokens %+v", tok)
	}
	r.advance(13 * time.Second)
	wantOAuthError(t, r.pollToken(s.AuthReqID), 400, "invalid_grant")
	if snap, _ := r.srv.Login(MSISDNConsents); snap.State != LoginRedeemed || snap.Polls != 3 || snap.SlowDowns != 2 {
		t.Fatalf("at the end: %+v", snap)
	}
}

func TestTokenPollingEndsTheWayTheCustomerAnswers(t *testing.T) {
	cases := []struct {
		name     string
		msisdn   string
		after    time.Duration
		wantCode string
		control  func(*Server, string) error
	}{
		{"a pending request is authorization_pending", MSISDNIgnoresLogin, 2 * time.Second, "authorization_pending", nil},
		{"a customer who declines gives access_denied", MSISDNDenies, 2 * time.Second, "access_denied", nil},
		{"a customer who never answers gives expired_token", MSISDNIgnoresLogin, 11 * time.Minute, "expired_token", nil},
		{"the control API's deny gives access_denied", MSISDNWaitsForControl, 2 * time.Second, "access_denied", (*Server).Deny},
		{"the control API's expire gives expired_token", MSISDNWaitsForControl, 2 * time.Second, "expired_token", (*Server).ExpireLogin},
		{"a waiting customer stays pending", MSISDNWaitsForControl, 5 * time.Minute, "authorization_pending", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{ApproveDelay: time.Second, LoginExpiry: 10 * time.Minute})
			s := r.startLogin(tc.msisdn, "openid")
			if tc.control != nil {
				if err := tc.control(r.srv, tc.msisdn); err != nil {
					t.Fatal(err)
				}
			}
			r.advance(tc.after)
			wantOAuthError(t, r.pollToken(s.AuthReqID), 400, tc.wantCode)
		})
	}
}

func TestTheTokenEndpointRefusesBadRequests(t *testing.T) {
	r := instantRig(t)
	s := r.startLogin("4791234567", "openid")
	r.advance(time.Second)
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"another grant type is unsupported", url.Values{"grant_type": {"client_credentials"}, "auth_req_id": {s.AuthReqID}}, 400, "unsupported_grant_type"},
		{"a missing auth_req_id is invalid_request", url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}}, 400, "invalid_request"},
		{"an unknown auth_req_id is invalid_grant", url.Values{"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {"nope"}}, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantOAuthError(t, r.with(t).loginPost(tokenPath, tc.form), tc.status, tc.code)
		})
	}
}

func TestASecondRequestToACustomerWithOnePendingIsTooMany(t *testing.T) {
	r := newRig(t, Options{LoginExpiry: 100 * time.Second})
	r.startLogin(MSISDNIgnoresLogin, "openid")
	r.advance(30 * time.Second)
	a := r.loginPost(cibaPath, url.Values{"login_hint": {"urn:msisdn:" + MSISDNIgnoresLogin}, "scope": {"openid"}})
	wantOAuthError(t, a, http.StatusTooManyRequests, "too_many_requests")
	if ra := a.header.Get("Retry-After"); ra != "70" {
		t.Fatalf("Retry-After %q, want 70", ra)
	}
	r.advance(70 * time.Second)
	r.startLogin(MSISDNIgnoresLogin, "openid") // the first one has expired
}

func TestUserinfoGivesTheConsentedClaimsForTheLoginToken(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name    string
		msisdn  string
		scope   string
		want    []string
		notWant []string
	}{
		{"openid alone gives only sub", "4791234567", "openid", []string{`"sub":`}, []string{`"name"`, `"phone_number"`, `"email"`}},
		{"name and phone number give those", MSISDNClubMember, "openid name phoneNumber", []string{`"name":"Mia Medlem"`, `"given_name":"Mia"`, `"family_name":"Medlem"`, `"phone_number":"` + MSISDNClubMember + `"`}, []string{`"email"`, `"address"`}},
		{"gender gives the gender claim; customFlow is a consent scope", MSISDNConsents, "openid gender customFlow", []string{`"gender":"`}, nil},
		{"every scope gives every claim", MSISDNConsents, "openid name phoneNumber email address birthDate nin", []string{`"email":"kari.nordmann@example.no"`, `"email_verified":true`, `"birthdate":"1991-09-30"`, `"street_address":"Kirkegata 5"`, `"nin":"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			s := r.startLogin(tc.msisdn, tc.scope)
			r.advance(time.Second)
			a := r.pollToken(s.AuthReqID)
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			mustDecode(t, a.body, &tok)
			for _, path := range []string{userinfoPath, userinfoPath + "/"} {
				info := r.do(http.MethodGet, path, "", "Authorization", "Bearer "+tok.AccessToken)
				if info.status != 200 {
					t.Fatalf("userinfo %s: %v", path, info)
				}
				for _, w := range tc.want {
					if !strings.Contains(string(info.body), w) {
						t.Fatalf("userinfo %s lacks %s", info.body, w)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(string(info.body), w) {
						t.Fatalf("userinfo %s has %s without its scope", info.body, w)
					}
				}
			}
		})
	}
}

func TestUserinfoRefusesEverythingButAValidLoginToken(t *testing.T) {
	r := instantRig(t)
	s := r.startLogin("4791234567", "openid name")
	r.advance(time.Second)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustDecode(t, r.pollToken(s.AuthReqID).body, &tok)
	cases := []struct {
		name    string
		headers []string
	}{
		{"no token is 401", nil},
		{"the API access token is not a login token", []string{"Authorization", "Bearer " + r.token}},
		{"a subscription key is refused, as on Vipps", []string{"Authorization", "Bearer " + tok.AccessToken, "Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, r.with(t).do(http.MethodGet, userinfoPath, "", tc.headers...), http.StatusUnauthorized, 0)
		})
	}
	r.advance(loginTokenLifetime)
	wantProblem(t, r.do(http.MethodGet, userinfoPath, "", "Authorization", "Bearer "+tok.AccessToken), http.StatusUnauthorized, 0)
}
