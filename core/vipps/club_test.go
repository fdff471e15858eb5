package vipps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Wire tests of the customer-club APIs (qr.go, checkin.go, login.go, userinfo.go) against the
// simulator, and of the headers they send against a fake.

// newClubSim starts a simulator on a fake clock and a client for it.
func newClubSim(t *testing.T, opts sim.Options) (*sim.Server, *sim.FakeClock, *Client) {
	t.Helper()
	clock := sim.NewFakeClock(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC))
	opts.Clock = clock
	s, err := sim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d := sim.DefaultCredentials
	c := newTestClient(t, s.URL(), func(cfg *Config) {
		cfg.Credentials = Credentials{ClientID: d.ClientID, ClientSecret: d.ClientSecret, SubscriptionKey: d.SubscriptionKey, MSN: d.MSN}
		cfg.Now = clock.Now
	})
	return s, clock, c
}

func TestAPersonalQRIsExchangedForTheMSISDN(t *testing.T) {
	_, clock, c := newClubSim(t, sim.Options{})
	ctx := context.Background()
	cases := []struct {
		name        string
		qr          string
		wantVersion string
		wantTime    int64
	}{
		{"a legacy code is version 1.0", sim.LegacyPersonalQR("4791234567"), "1.0", 0},
		{"a tokenised code is version 2.0 with its generation time", sim.PersonalQR("4791234567"), "2.0", clock.Now().Add(-30 * time.Second).Unix()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.ExchangePersonalQR(ctx, tc.qr)
			if err != nil || got.MSISDN != "4791234567" || got.Version != tc.wantVersion || got.Timestamp != tc.wantTime {
				t.Fatalf("exchange: %+v, %v", got, err)
			}
		})
	}
	_, err := c.ExchangePersonalQR(ctx, "https://qr.vipps.no/p/not-issued-by-the-simulator")
	var p *Problem
	if !errors.As(err, &p) || p.HTTPStatus != 400 || len(p.ExtraDetails) == 0 || p.ExtraDetails[0].Name != "qrCode" {
		t.Fatalf("an unknown code: %v", err)
	}
	if strings.Contains(err.Error(), "not-issued") {
		t.Fatalf("the error text shows the scanned code: %v", err)
	}
}

func TestALoyaltyCheckInReturnsVippsReferenceAndNamesBadFields(t *testing.T) {
	s, _, c := newClubSim(t, sim.Options{})
	ctx := context.Background()
	ref, err := c.LoyaltyCheckIn(ctx, LoyaltyCheckInRequest{PhoneNumber: sim.MSISDNClubMember, IsMember: true})
	if err != nil || len(ref) != 36 {
		t.Fatalf("check-in: %q, %v", ref, err)
	}
	if list := s.CheckIns(); len(list) != 1 || list[0].Reference != ref || list[0].Screen != "member" {
		t.Fatalf("the simulator recorded %+v", list)
	}
	_, err = c.LoyaltyCheckIn(ctx, LoyaltyCheckInRequest{PhoneNumber: "4512345678", IsMember: false})
	var p *Problem
	if !errors.As(err, &p) || p.HTTPStatus != 400 || len(p.ExtraDetails) != 1 || p.ExtraDetails[0].Name != "phoneNumber" {
		t.Fatalf("a Danish number: %v", err)
	}
	if !strings.Contains(err.Error(), "phoneNumber") || strings.Contains(err.Error(), "4512345678") {
		t.Fatalf("the error text %q should name the field and mask the number", err)
	}
}

func TestTheLoginPreCheckAndStartReportVippsOwnErrors(t *testing.T) {
	_, _, c := newClubSim(t, sim.Options{LoginInterval: 3 * time.Second, LoginExpiry: 2 * time.Minute})
	ctx := context.Background()
	for msisdn, want := range map[string]bool{"4791234567": true, sim.MSISDNUnknown: false, sim.MSISDNOldApp: true} {
		if got, err := c.LoginUserExists(ctx, MSISDNLoginHint(msisdn), LoginAuthBasic); err != nil || got != want {
			t.Errorf("user-exists %s = %v, %v; want %v", msisdn, got, err, want)
		}
	}
	start, err := c.StartLogin(ctx, CIBARequest{LoginHint: MSISDNLoginHint(sim.MSISDNIgnoresLogin), Scopes: []string{"openid", "name"},
		BindingMessage: "VMP-42", RequestedExpiry: 90 * time.Second}, LoginAuthBasic)
	if err != nil || start.AuthReqID == "" || start.Interval != 3*time.Second || start.ExpiresIn != 90*time.Second {
		t.Fatalf("start: %+v, %v", start, err)
	}
	cases := []struct {
		name      string
		msisdn    string
		scopes    []string
		status    int
		has       string
		retryWait bool
	}{
		{"a customer who is not a Vipps user is invalid_user", sim.MSISDNUnknown, []string{"openid"}, 400, LoginErrInvalidUser, false},
		{"the same customer is also unknown_user_id", sim.MSISDNUnknown, []string{"openid"}, 400, LoginErrUnknownUserID, false},
		{"a customer with an old app is old_app", sim.MSISDNOldApp, []string{"openid"}, 400, LoginErrOldApp, false},
		{"a scope without openid is invalid_scope", "4791234567", []string{"name"}, 400, "invalid_scope", false},
		{"a second request to a waiting customer is 429 with Retry-After", sim.MSISDNIgnoresLogin, []string{"openid"}, 429, "too_many_requests", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.StartLogin(ctx, CIBARequest{LoginHint: MSISDNLoginHint(tc.msisdn), Scopes: tc.scopes}, LoginAuthBasic)
			var le *LoginError
			if !errors.As(err, &le) || le.Problem.HTTPStatus != tc.status || !le.Has(tc.has) || (le.Problem.RetryAfter > 0) != tc.retryWait {
				t.Fatalf("err = %v (%#v)", err, le)
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatal("a LoginError does not unwrap to its Problem")
			}
			if strings.Contains(err.Error(), tc.msisdn) {
				t.Fatalf("the error text shows the phone number: %v", err)
			}
		})
	}
}

func TestAConsentIsPolledForAndTheProfileRead(t *testing.T) {
	for _, auth := range []LoginAuth{LoginAuthBasic, LoginAuthPost} {
		t.Run(fmt.Sprintf("with client authentication %d", auth), func(t *testing.T) {
			_, clock, c := newClubSim(t, sim.Options{ApproveDelay: 2 * time.Second, LoginInterval: time.Second})
			ctx := context.Background()
			start, err := c.StartLogin(ctx, CIBARequest{LoginHint: MSISDNLoginHint(sim.MSISDNClubMember), Scopes: []string{"openid", "name", "phoneNumber"}}, auth)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			_, err = c.PollLoginToken(ctx, start.AuthReqID, auth)
			var le *LoginError
			if !errors.As(err, &le) || le.Code != LoginErrAuthorizationPending {
				t.Fatalf("first poll: %v", err)
			}
			clock.Advance(time.Second)
			tok, err := c.PollLoginToken(ctx, start.AuthReqID, auth)
			if err != nil || tok.AccessToken == "" || tok.ExpiresIn != 300*time.Second || tok.IDToken == "" {
				t.Fatalf("second poll: %+v, %v", tok, err)
			}
			info, err := c.Userinfo(ctx, tok.AccessToken)
			if err != nil || !strings.Contains(string(info), `"name":"Mia Medlem"`) || !strings.Contains(string(info), `"phone_number":"`+sim.MSISDNClubMember+`"`) {
				t.Fatalf("userinfo: %s, %v", info, err)
			}
			_, err = c.Userinfo(ctx, "ciba.forged")
			var p *Problem
			if !errors.As(err, &p) || p.HTTPStatus != 401 {
				t.Fatalf("userinfo with a forged token: %v", err)
			}
		})
	}
}

func TestWrongLoginCredentialsAreInvalidClient(t *testing.T) {
	s, _, _ := newClubSim(t, sim.Options{})
	c := newTestClient(t, s.URL(), nil) // the fake's credentials, which the simulator refuses
	_, err := c.LoginUserExists(context.Background(), MSISDNLoginHint("4791234567"), LoginAuthBasic)
	var le *LoginError
	if !errors.As(err, &le) || le.Problem.HTTPStatus != 401 || le.Code != LoginErrInvalidClient {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginAndUserinfoRequestsCarryTheirOwnCredentials(t *testing.T) {
	type seen struct {
		path   string
		header http.Header
		body   string
	}
	got := make(chan seen, 8)
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.URL.Path, r.Header.Clone(), string(b)}
		switch r.URL.Path {
		case "/vipps-userinfo-api/userinfo":
			fmt.Fprint(w, `{"sub":"x"}`)
		default:
			fmt.Fprint(w, `{"auth_req_id":"a1","expires_in":"600","interval":5}`)
		}
	})
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.Credentials.ClientSecret = "se+cr/et=" })
	ctx := context.Background()
	if _, err := c.StartLogin(ctx, CIBARequest{LoginHint: MSISDNLoginHint("4712345678"), Scopes: []string{"openid", "name"}, BindingMessage: "AB-123"}, LoginAuthBasic); err != nil {
		t.Fatal(err)
	}
	r := <-got
	form, _ := url.ParseQuery(r.body)
	if r.path != "/vipps-login-ciba/api/backchannel/authentication" || r.header.Get("Authorization") != "Basic "+basicCredentials("id", "se+cr/et=") ||
		r.header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.header.Get("Ocp-Apim-Subscription-Key") != "" ||
		form.Get("scope") != "openid name" || form.Get("login_hint") != "urn:msisdn:4712345678" || form.Get("binding_message") != "AB-123" ||
		r.header.Get("Vipps-System-Name") != "Acme POS" {
		t.Fatalf("authentication request %+v", r)
	}
	if _, err := c.StartLogin(ctx, CIBARequest{LoginHint: "urn:msisdn:4712345678", Scopes: []string{"openid"}}, LoginAuthPost); err != nil {
		t.Fatal(err)
	}
	r = <-got
	form, _ = url.ParseQuery(r.body)
	if r.header.Get("Authorization") != "" || form.Get("client_id") != "id" || form.Get("client_secret") != "se+cr/et=" {
		t.Fatalf("client_secret_post request %+v", r)
	}
	if _, err := c.Userinfo(ctx, "ciba.tok"); err != nil {
		t.Fatal(err)
	}
	r = <-got
	if r.header.Get("Authorization") != "Bearer ciba.tok" || r.header.Get("Ocp-Apim-Subscription-Key") != "" || r.header.Get("Merchant-Serial-Number") != "" {
		t.Fatalf("userinfo request headers %v", r.header)
	}
}

func TestMalformedLoginAnswersAreMalformedAnswerErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		call func(*Client) error
	}{
		{"an authentication answer without auth_req_id", `{"expires_in":600}`, func(c *Client) error {
			_, err := c.StartLogin(context.Background(), CIBARequest{LoginHint: "urn:msisdn:4712345678", Scopes: []string{"openid"}}, LoginAuthBasic)
			return err
		}},
		{"a token answer without access_token", `{"token_type":"Bearer"}`, func(c *Client) error {
			_, err := c.PollLoginToken(context.Background(), "a1", LoginAuthBasic)
			return err
		}},
		{"a user-exists answer without exists", `{}`, func(c *Client) error {
			_, err := c.LoginUserExists(context.Background(), "urn:msisdn:4712345678", LoginAuthBasic)
			return err
		}},
		{"a userinfo answer that is not an object", `["x"]`, func(c *Client) error {
			_, err := c.Userinfo(context.Background(), "t")
			return err
		}},
		{"a token answer that is not JSON", `<html>`, func(c *Client) error {
			_, err := c.PollLoginToken(context.Background(), "a1", LoginAuthBasic)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
			var bad *MalformedAnswerError
			if err := tc.call(newTestClient(t, f.url, nil)); !errors.As(err, &bad) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
