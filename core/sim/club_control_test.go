package sim

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestTheControlAPIAnswersPendingConsentRequests(t *testing.T) {
	cases := []struct {
		name     string
		action   string
		want     LoginState
		wantPoll string
	}{
		{"consent lets the token endpoint give the tokens", "consent", LoginConsented, ""},
		{"deny makes the token endpoint say access_denied", "deny", LoginDenied, "access_denied"},
		{"expire makes the token endpoint say expired_token", "expire", LoginExpired, "expired_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{})
			wantProblem(t, r.do(http.MethodPost, "/sim/logins/"+MSISDNWaitsForControl+"/"+tc.action, ""), http.StatusNotFound, 0)
			s := r.startLogin(MSISDNWaitsForControl, "openid name")
			a := r.do(http.MethodPost, "/sim/logins/"+MSISDNWaitsForControl+"/"+tc.action, "")
			if a.status != http.StatusNoContent {
				t.Fatalf("%s: %v", tc.action, a)
			}
			snap := r.do(http.MethodGet, "/sim/logins/"+MSISDNWaitsForControl, "")
			var got LoginSnapshot
			mustDecode(t, snap.body, &got)
			if snap.status != http.StatusOK || got.State != tc.want || got.AuthReqID != s.AuthReqID || got.Behaviour != "waits-for-control" {
				t.Fatalf("snapshot %v", snap)
			}
			wantProblem(t, r.do(http.MethodPost, "/sim/logins/"+MSISDNWaitsForControl+"/"+tc.action, ""), http.StatusConflict, 0)
			r.advance(time.Second)
			if tc.wantPoll == "" {
				if a := r.pollToken(s.AuthReqID); a.status != http.StatusOK {
					t.Fatalf("token after consent: %v", a)
				}
				return
			}
			wantOAuthError(t, r.pollToken(s.AuthReqID), 400, tc.wantPoll)
		})
	}
}

func TestTheLoginControlMethodsReportWhyTheyCannotAct(t *testing.T) {
	r := instantRig(t)
	if err := r.srv.Consent("4791234567"); !errors.Is(err, ErrNoLogin) {
		t.Fatalf("Consent without a request: %v", err)
	}
	r.startLogin("4791234567", "openid")
	if err := r.srv.Deny("4791234567"); !errors.Is(err, ErrLoginNotPending) {
		t.Fatalf("Deny after the customer consented at once: %v", err)
	}
	if _, ok := r.srv.Login("4790000099"); ok {
		t.Fatal("a snapshot of a customer without requests")
	}
	wantProblem(t, r.do(http.MethodGet, "/sim/logins/4790000099", ""), http.StatusNotFound, 0)
}
