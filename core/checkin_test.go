package core

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestACheckInCarriesThePOSsOwnMembershipAnswer(t *testing.T) {
	c := newSimClient(t, `,"default_country_code":"47"`)
	cases := []struct {
		name       string
		phone      string
		member     bool
		wantPhone  string
		wantScreen string
	}{
		{"a member gets the check-in screen", sim.MSISDNClubMember, true, sim.MSISDNClubMember, "member"},
		{"a non-member is checked in without a screen", sim.MSISDNConsents, false, sim.MSISDNConsents, "none"},
		{"a typed national number takes the default country", "900 00 010", true, sim.MSISDNClubMember, "member"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := c.Club().LoyaltyCheckIn(context.Background(), tc.phone, tc.member)
			if err != nil || len(ref) != 36 {
				t.Fatalf("check-in: %q, %v", ref, err)
			}
			got := c.Simulator().CheckIns()[i]
			if got.PhoneNumber != tc.wantPhone || got.IsMember != tc.member || got.Screen != tc.wantScreen || got.Reference != ref {
				t.Fatalf("the simulator recorded %+v", got)
			}
		})
	}
}

func TestACheckInOutsideNorwayOrWithABadNumberIsRefusedBeforeSending(t *testing.T) {
	c := newSimClient(t, "")
	for _, phone := range []string{"+45 2012 3456", "912 34 567", "12", ""} {
		_, err := c.Club().LoyaltyCheckIn(context.Background(), phone, true)
		wantCode(t, err, CodeInvalidCustomer, "")
		if longDigitRun.MatchString(err.Error()) {
			t.Fatalf("error %q shows the number", err)
		}
	}
	if n := c.Simulator().Stats().Requests["POST /point-of-sale/v1/loyalty-check-in"]; n != 0 {
		t.Fatalf("%d check-ins were sent", n)
	}
}

func TestACheckInIsRetriedWhileVippsIsBusy(t *testing.T) {
	var calls atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/accesstoken/get" {
			fmt.Fprint(w, `{"token_type":"Bearer","expires_in":"3600","access_token":"t"}`)
			return
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusInternalServerError) // as Check-in answers in the test environment
			return
		}
		fmt.Fprint(w, `"0f0e0d0c-0000-4000-8000-000000000001"`)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := newClientFor(t, "http://"+ln.Addr().String(), "")
	ref, err := c.Club().LoyaltyCheckIn(context.Background(), "4791234567", false)
	if err != nil || ref != "0f0e0d0c-0000-4000-8000-000000000001" || calls.Load() != 3 {
		t.Fatalf("check-in: %q, %v after %d calls", ref, err, calls.Load())
	}
}
