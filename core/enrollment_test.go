package core

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestAConsentingCustomerIsEnrolledOnTheRealClockWithoutPollingTooSoon(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":300}`)
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNConsents+`","binding_message":"VMP-1"}`)
	e, err := c.Club().PollEnrollment(context.Background(), id, 0)
	if err != nil || e.State != EnrollmentPending || e.Profile != nil || e.ID != id {
		t.Fatalf("at once: %+v, %v", e, err)
	}
	e, err = c.Club().PollEnrollment(context.Background(), id, 30*time.Second)
	if err != nil || e.State != EnrollmentConsented {
		t.Fatalf("after waiting: %+v, %v", e, err)
	}
	for _, want := range []string{`"name":"Kari Nordmann"`, `"phone_number":"` + sim.MSISDNConsents + `"`, `"email":"kari.nordmann@example.no"`, `"sub":"`} {
		if !strings.Contains(string(e.Profile), want) {
			t.Fatalf("profile %s lacks %s", e.Profile, want)
		}
	}
	snap, _ := c.Simulator().Login(sim.MSISDNConsents)
	if snap.SlowDowns != 0 || snap.Polls < 1 || snap.BindingMessage != "VMP-1" || strings.Join(snap.Scopes, " ") != "openid name phoneNumber email" {
		t.Fatalf("the simulator saw %+v", snap)
	}
	// A finished enrollment keeps answering the same.
	if again, err := c.Club().PollEnrollment(context.Background(), id, time.Second); err != nil || again.State != EnrollmentConsented || string(again.Profile) != string(e.Profile) {
		t.Fatalf("again: %+v, %v", again, err)
	}
}

func TestEachCustomerEndsTheEnrollmentTheirWay(t *testing.T) {
	cases := []struct {
		name    string
		msisdn  string
		control func(*sim.Server, string) error
		want    EnrollmentState
	}{
		{"the club member consents", sim.MSISDNClubMember, nil, EnrollmentConsented},
		{"the consenting non-member consents", sim.MSISDNConsents, nil, EnrollmentConsented},
		{"the declining customer is denied", sim.MSISDNDenies, nil, EnrollmentDenied},
		{"the silent customer expires", sim.MSISDNIgnoresLogin, nil, EnrollmentExpired},
		{"the waiting customer consents through the control API", sim.MSISDNWaitsForControl, (*sim.Server).Consent, EnrollmentConsented},
		{"the waiting customer declines through the control API", sim.MSISDNWaitsForControl, (*sim.Server).Deny, EnrollmentDenied},
		{"the waiting customer's request expires through the control API", sim.MSISDNWaitsForControl, (*sim.Server).ExpireLogin, EnrollmentExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, s, log := fakeTimeClub(t, sim.Options{ApproveDelay: 7 * time.Second, LoginInterval: 2 * time.Second, LoginExpiry: 3 * time.Minute}, false)
			if tc.control != nil {
				// Decide before the follower's first poll: the request exists once Start returns.
				c.club.Sleep = blockFirstWait(c.club.Sleep, func() {
					if err := tc.control(s, tc.msisdn); err != nil {
						t.Error(err)
					}
				})
			}
			id := enroll(t, c, `{"phone_number":"`+tc.msisdn+`"}`)
			e, err := c.Club().PollEnrollment(context.Background(), id, 30*time.Second)
			if err != nil || e.State != tc.want || (e.State == EnrollmentConsented) != (e.Profile != nil) {
				t.Fatalf("enrollment %+v, %v; want %v", e, err, tc.want)
			}
			snap, _ := s.Login(tc.msisdn)
			if snap.SlowDowns != 0 {
				t.Fatalf("the follower polled too soon %d times", snap.SlowDowns)
			}
			for _, w := range log.list() {
				if w < 2*time.Second {
					t.Fatalf("the follower waited %v, less than the 2 s interval: %v", w, log.list())
				}
			}
		})
	}
}

// blockFirstWait runs before() once, on the follower's first wait, before that wait.
func blockFirstWait(sleep func(context.Context, time.Duration) bool, before func()) func(context.Context, time.Duration) bool {
	var done atomic.Bool
	return func(ctx context.Context, d time.Duration) bool {
		if done.CompareAndSwap(false, true) {
			before()
		}
		return sleep(ctx, d)
	}
}

func TestSlowDownGrowsThePollingIntervalForGood(t *testing.T) {
	c, s, log := fakeTimeClub(t, sim.Options{ApproveDelay: 30 * time.Second, LoginInterval: time.Second}, true)
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNConsents+`"}`)
	e, err := c.Club().PollEnrollment(context.Background(), id, 30*time.Second)
	if err != nil || e.State != EnrollmentConsented {
		t.Fatalf("enrollment %+v, %v", e, err)
	}
	snap, _ := s.Login(sim.MSISDNConsents)
	waits := log.list()
	if snap.SlowDowns != 1 || snap.Interval != 6 || len(waits) < 3 {
		t.Fatalf("simulator %+v, waits %v", snap, waits)
	}
	// The first wait was skipped (too soon: slow_down); every later one is the grown interval.
	for _, w := range waits[1:] {
		if w < 6*time.Second || w > 7*time.Second {
			t.Fatalf("waits %v: after slow_down each should be 6 s and a margin", waits)
		}
	}
}

func TestVippsRefusalsAtTheStartAreTypedStatuses(t *testing.T) {
	c := newSimClient(t, "")
	cases := []struct {
		name string
		json string
		want Code
	}{
		{"the pre-check finds no Vipps user", `{"phone_number":"` + sim.MSISDNUnknown + `"}`, CodeCustomerNotFound},
		{"without the pre-check Vipps says invalid_user", `{"phone_number":"` + sim.MSISDNUnknown + `","check_user_exists":false}`, CodeCustomerNotFound},
		{"an app too old is its own status", `{"phone_number":"` + sim.MSISDNOldApp + `"}`, CodeAppTooOld},
		{"a national number without a default country is an invalid customer", `{"phone_number":"91234567"}`, CodeInvalidCustomer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseEnrollment([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			id, err := c.Club().StartEnrollment(context.Background(), req)
			wantCode(t, err, tc.want, "")
			if id != "" || strings.Contains(err.Error(), "90000") {
				t.Fatalf("id %q, error %q", id, err)
			}
		})
	}
	if n := c.Simulator().Stats().Requests["POST /vipps-login-ciba/api/backchannel/authentication"]; n != 2 {
		t.Fatalf("%d authentication requests, want 2 (the pre-check stops the first)", n)
	}
}

func TestAPendingRequestCannotBeRepeatedNorWithdrawn(t *testing.T) {
	c, _, _ := fakeTimeClub(t, sim.Options{}, false)
	c.club.Sleep = func(ctx context.Context, d time.Duration) bool { <-ctx.Done(); return false } // never polls
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNIgnoresLogin+`"}`)
	req, _ := ParseEnrollment([]byte(`{"phone_number":"` + sim.MSISDNIgnoresLogin + `"}`))
	_, err := c.Club().StartEnrollment(context.Background(), req)
	wantCode(t, err, CodeRateLimited, "")
	if err := c.Club().CancelEnrollment(id); err != nil {
		t.Fatal(err)
	}
	_, err = c.Club().StartEnrollment(context.Background(), req)
	wantCode(t, err, CodeRateLimited, "")
	if !strings.Contains(err.Error(), "expired") {
		t.Fatalf("the error %q does not say to wait for the expiry", err)
	}
}

func TestCancelStopsTheFollowerAndIsFinal(t *testing.T) {
	c, _, _ := fakeTimeClub(t, sim.Options{}, false)
	c.club.Sleep = func(ctx context.Context, d time.Duration) bool { <-ctx.Done(); return false }
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNIgnoresLogin+`"}`)
	if err := c.Club().CancelEnrollment(id); err != nil {
		t.Fatal(err)
	}
	e, err := c.Club().PollEnrollment(context.Background(), id, 0)
	if err != nil || e.State != EnrollmentCancelled {
		t.Fatalf("after cancel: %+v, %v", e, err)
	}
	select {
	case <-c.Club().FollowerDone(id):
	case <-time.After(10 * time.Second):
		t.Fatal("the follower did not stop")
	}
	if err := c.Club().CancelEnrollment(id); err != nil {
		t.Fatalf("a second cancel: %v", err)
	}
	wantCode(t, c.Club().CancelEnrollment("enr-unknown"), CodeInvalidArgument, "")
	_, err = c.Club().PollEnrollment(context.Background(), "enr-unknown", 0)
	wantCode(t, err, CodeInvalidArgument, "")
	_, err = c.Club().PollEnrollment(context.Background(), id, -time.Second)
	wantCode(t, err, CodeInvalidArgument, "")
}

func TestCloseStopsEveryFollowerPromptly(t *testing.T) {
	cfg, _ := ParseConfig([]byte(`{}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range []string{sim.MSISDNIgnoresLogin, sim.MSISDNWaitsForControl} {
		ids = append(ids, enroll(t, c, `{"phone_number":"`+m+`"}`))
	}
	waiter := make(chan error, 1)
	go func() {
		_, err := c.Club().PollEnrollment(context.Background(), ids[0], time.Minute)
		waiter <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Close took %v", el)
	}
	select {
	case <-waiter:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting poll did not return after Close")
	}
	_, err = c.Club().PollEnrollment(context.Background(), ids[1], 0)
	wantCode(t, err, CodeInvalidHandle, "")
	req, _ := ParseEnrollment([]byte(`{"phone_number":"4791234567"}`))
	_, err = c.Club().StartEnrollment(context.Background(), req)
	wantCode(t, err, CodeInvalidHandle, "")
}

// fakeLogin is a Vipps Login that answers the token endpoint from a script.
type fakeLogin struct {
	tokenAnswers []func(w http.ResponseWriter)
	userinfo     func(w http.ResponseWriter)
	polls        atomic.Int32
}

func startFakeLogin(t *testing.T, f *fakeLogin) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/vipps-login-ciba/api/v1/user-exists":
			fmt.Fprint(w, `{"exists":true}`)
		case "/vipps-login-ciba/api/backchannel/authentication":
			fmt.Fprint(w, `{"auth_req_id":"req-1","expires_in":600,"interval":5}`)
		case "/access-management-1.0/access/oauth2/token":
			n := int(f.polls.Add(1)) - 1
			f.tokenAnswers[min(n, len(f.tokenAnswers)-1)](w)
		case "/vipps-userinfo-api/userinfo":
			f.userinfo(w)
		default:
			w.WriteHeader(404)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func oauthAnswer(status int, code string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q,"error_description":"scripted"}`, code)
	}
}

func tokensAnswer(w http.ResponseWriter) {
	fmt.Fprint(w, `{"access_token":"ciba.t","token_type":"Bearer","expires_in":300,"id_token":"a.b.c"}`)
}

func TestTheFollowerRidesOutBusyAnswersAndReportsFinalFailures(t *testing.T) {
	profile := func(w http.ResponseWriter) { fmt.Fprint(w, `{"sub":"s-1","name":"Ada"}`) }
	cases := []struct {
		name      string
		token     []func(http.ResponseWriter)
		userinfo  func(http.ResponseWriter)
		want      EnrollmentState
		wantCode  Code
		wantPolls int32
	}{
		{"a 503 and a 429 are ridden out", []func(http.ResponseWriter){oauthAnswer(503, "temporarily_unavailable"), oauthAnswer(429, "too_many_requests"), oauthAnswer(400, "authorization_pending"), tokensAnswer}, profile, EnrollmentConsented, CodeOK, 4},
		{"refused client credentials fail the enrollment", []func(http.ResponseWriter){oauthAnswer(401, "invalid_client")}, profile, EnrollmentFailed, CodeAuth, 1},
		{"an unknown auth_req_id fails the enrollment", []func(http.ResponseWriter){oauthAnswer(400, "authorization_pending"), oauthAnswer(400, "invalid_grant")}, profile, EnrollmentFailed, CodeRejected, 2},
		{"a refused userinfo fails the enrollment", []func(http.ResponseWriter){tokensAnswer}, func(w http.ResponseWriter) { w.WriteHeader(401) }, EnrollmentFailed, CodeAuth, 1},
		{"Vipps busy until the request's lifetime is over fails it", []func(http.ResponseWriter){oauthAnswer(503, "temporarily_unavailable")}, profile, EnrollmentFailed, CodeUnavailable, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLogin{tokenAnswers: tc.token, userinfo: tc.userinfo}
			c := newClientFor(t, startFakeLogin(t, f), `,"timeouts":{"request_ms":1000,"operation_ms":3000}`)
			var fake atomic.Int64 // the follower's clock, moved by its waits
			base := time.Now()
			c.club.Now = func() time.Time { return base.Add(time.Duration(fake.Load())) }
			c.club.Sleep = func(ctx context.Context, d time.Duration) bool { fake.Add(int64(d)); return ctx.Err() == nil }
			id := enroll(t, c, `{"phone_number":"4791234567"}`)
			e, err := c.Club().PollEnrollment(context.Background(), id, 30*time.Second)
			if e.State != tc.want || CodeOf(err) != tc.wantCode {
				t.Fatalf("enrollment %+v, %v; want %v with %v", e, err, tc.want, tc.wantCode)
			}
			if tc.want == EnrollmentConsented && string(e.Profile) != `{"sub":"s-1","name":"Ada"}` {
				t.Fatalf("profile %s", e.Profile)
			}
			if tc.wantPolls > 0 && f.polls.Load() != tc.wantPolls {
				t.Fatalf("%d polls, want %d", f.polls.Load(), tc.wantPolls)
			}
			if err != nil && (err.Error() == "" || strings.Contains(err.Error(), "ciba.t")) {
				t.Fatalf("error text %q", err)
			}
		})
	}
}

func TestTheConsentScopesCustomFlowAndGenderAreAskedFor(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	id := enroll(t, c, `{"phone_number":"`+sim.MSISDNConsents+`","scopes":["name","customFlow","gender"]}`)
	e, err := c.Club().PollEnrollment(context.Background(), id, 30*time.Second)
	if err != nil || e.State != EnrollmentConsented || !strings.Contains(string(e.Profile), `"gender":"`) {
		t.Fatalf("%+v (%s), %v", e, e.Profile, err)
	}
	if snap, _ := c.Simulator().Login(sim.MSISDNConsents); strings.Join(snap.Scopes, " ") != "openid name customFlow gender" {
		t.Fatalf("the simulator saw scopes %q", snap.Scopes)
	}
}
