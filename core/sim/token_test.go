package sim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

func TestAccessTokenIsIssuedInTheVippsShape(t *testing.T) {
	r := newRig(t, Options{TokenLifetime: 90 * time.Minute})
	for _, path := range []string{"/accesstoken/get", "/accessToken/get"} {
		t.Run("at "+path, func(t *testing.T) {
			r := r.with(t)
			a := r.do(http.MethodPost, path, "",
				"client_id", DefaultCredentials.ClientID,
				"client_secret", DefaultCredentials.ClientSecret,
				"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey,
				"Merchant-Serial-Number", DefaultCredentials.MSN,
				"Content-Type", "application/json", // sent by real clients, ignored
			)
			if a.status != http.StatusOK {
				t.Fatalf("status %v", a)
			}
			if ct := a.header.Get("Content-Type"); ct != contentTokenJSON {
				t.Fatalf("Content-Type = %q", ct)
			}
			var fields map[string]any
			mustDecode(t, a.body, &fields)
			for _, name := range []string{"token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource", "access_token"} {
				if _, ok := fields[name].(string); !ok {
					t.Fatalf("field %s is %T, want a JSON string; body %s", name, fields[name], a.body)
				}
			}
			var tok accessTokenResponse
			if err := wirejson.UnmarshalStrict(a.body, &tok); err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || tok.ExpiresIn != "5400" ||
				tok.ExpiresOn != strconv.FormatInt(simStart.Add(90*time.Minute).Unix(), 10) ||
				tok.NotBefore != strconv.FormatInt(simStart.Unix(), 10) {
				t.Fatalf("token fields %+v", tok)
			}
			if len(tok.AccessToken) < 100 || strings.Count(tok.AccessToken, ".") != 2 {
				t.Fatalf("access_token %q is not a long JWT-shaped string", tok.AccessToken)
			}
		})
	}
	if got := r.srv.Stats().TokensIssued; got != 3 {
		t.Fatalf("TokensIssued = %d, want 3", got)
	}
}

func TestAccessTokenIsRefusedWithoutTheRightCredentials(t *testing.T) {
	r := instantRig(t)
	good := map[string]string{
		"client_id":                 DefaultCredentials.ClientID,
		"client_secret":             DefaultCredentials.ClientSecret,
		"Ocp-Apim-Subscription-Key": DefaultCredentials.SubscriptionKey,
	}
	cases := []struct {
		name    string
		without string
		wrong   string
	}{
		{"a missing client_id is 401", "client_id", ""},
		{"a missing client_secret is 401", "client_secret", ""},
		{"a missing subscription key is 401", "Ocp-Apim-Subscription-Key", ""},
		{"a wrong client_id is 401", "", "client_id"},
		{"a wrong client_secret is 401", "", "client_secret"},
		{"a wrong subscription key is 401", "", "Ocp-Apim-Subscription-Key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			var headers []string
			for name, value := range good {
				switch name {
				case tc.without:
					continue
				case tc.wrong:
					value += "x"
				}
				headers = append(headers, name, value)
			}
			wantProblem(t, r.do(http.MethodPost, "/accesstoken/get", "", headers...), http.StatusUnauthorized, 0)
		})
	}
}

func TestAccessTokenStopsWorkingWhenItsLifetimeHasPassed(t *testing.T) {
	r := newRig(t, Options{TokenLifetime: time.Hour})
	r.create("token-life-1", 1000, "4791234567")
	r.clock.Advance(time.Hour - time.Second)
	r.get("token-life-1")
	r.clock.Advance(time.Second)
	wantProblem(t, r.epay(http.MethodGet, "/epayment/v1/payments/token-life-1", ""), http.StatusUnauthorized, 0)
	r.token = r.fetchToken()
	r.get("token-life-1")
}

func TestCustomCredentialsReplaceTheDefaults(t *testing.T) {
	creds := Credentials{ClientID: "id-2", ClientSecret: "secret-2", SubscriptionKey: "sub-2", MSN: "654321"}
	srv, err := Start(Options{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/accesstoken/get", nil)
	req.Header.Set("client_id", "id-2")
	req.Header.Set("client_secret", "secret-2")
	req.Header.Set("Ocp-Apim-Subscription-Key", "sub-2")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestTheTokenStoreDropsExpiredTokens(t *testing.T) {
	s := newTokenStore()
	for i := range 63 {
		s.add(strconv.Itoa(i), simStart.Add(time.Minute), simStart)
	}
	s.add("fresh", simStart.Add(3*time.Minute), simStart.Add(2*time.Minute))
	if len(s.expiry) != 1 || !s.valid("fresh", simStart.Add(2*time.Minute)) || s.valid("1", simStart) {
		t.Fatalf("%d tokens kept", len(s.expiry))
	}
}
