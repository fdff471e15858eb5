package sim

import (
	"net/http"
	"strings"
	"testing"
)

func TestALoyaltyCheckInShowsTheMemberScreenOnlyForMembers(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name       string
		body       string
		wantPhone  string
		wantMember bool
		wantScreen string
	}{
		{"a member sees the check-in screen", `{"phoneNumber":"` + MSISDNClubMember + `","isMember":true}`, MSISDNClubMember, true, "member"},
		{"a non-member sees nothing", `{"phoneNumber":"` + MSISDNConsents + `","isMember":false}`, MSISDNConsents, false, "none"},
		{"a phone number sent as a JSON number is accepted", `{"phoneNumber":4791234567,"isMember":true}`, "4791234567", true, "member"},
		{"somebody who is not a Vipps user sees nothing", `{"phoneNumber":"` + MSISDNUnknown + `","isMember":true}`, MSISDNUnknown, true, "none"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).epay(http.MethodPost, "/point-of-sale/v1/loyalty-check-in", tc.body)
			if a.status != http.StatusOK {
				t.Fatalf("check-in: %v", a)
			}
			var ref string
			mustDecode(t, a.body, &ref)
			list := r.srv.CheckIns()
			if len(list) != i+1 {
				t.Fatalf("%d check-ins recorded, want %d", len(list), i+1)
			}
			got := list[i]
			if got.Reference != ref || len(ref) != 36 || got.PhoneNumber != tc.wantPhone || got.IsMember != tc.wantMember || got.Screen != tc.wantScreen || !got.At.Equal(simStart) {
				t.Fatalf("recorded %+v (answer %q)", got, ref)
			}
		})
	}
	a := r.do(http.MethodGet, "/sim/check-ins", "")
	if a.status != http.StatusOK || strings.Count(string(a.body), `"reference"`) != len(cases) {
		t.Fatalf("GET /sim/check-ins: %v", a)
	}
}

func TestALoyaltyCheckInIsValidatedLikeTheCheckInAPI(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"an empty body is refused", ``, "body"},
		{"a missing phone number is refused", `{"isMember":true}`, "phoneNumber"},
		{"a null phone number is refused", `{"phoneNumber":null,"isMember":true}`, "phoneNumber"},
		{"a Danish number is refused (Norway only)", `{"phoneNumber":"4512345678","isMember":true}`, "phoneNumber"},
		{"a number without country code is refused", `{"phoneNumber":"91234567","isMember":true}`, "phoneNumber"},
		{"a phone number of the wrong type is refused", `{"phoneNumber":true,"isMember":true}`, "phoneNumber"},
		{"a missing isMember is refused: the POS must decide", `{"phoneNumber":"4791234567"}`, "isMember"},
		{"an isMember that is not a boolean is refused", `{"phoneNumber":"4791234567","isMember":"yes"}`, "isMember"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).epay(http.MethodPost, "/point-of-sale/v1/loyalty-check-in", tc.body)
			if a.status != http.StatusBadRequest || a.header.Get("Content-Type") != contentProblemJSON {
				t.Fatalf("answer %v", a)
			}
			var p checkInProblem
			mustDecode(t, a.body, &p)
			if p.Title == "" || p.Instance == "" || len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tc.field {
				t.Fatalf("problem %s does not name %s", a.body, tc.field)
			}
		})
	}
	if n := len(r.srv.CheckIns()); n != 0 {
		t.Fatalf("%d refused check-ins were recorded", n)
	}
}
