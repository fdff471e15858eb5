package sim

import (
	"bytes"
	"net/http"
	"testing"
)

func TestThePersonalQRExchangeGivesTheCustomersMSISDN(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name          string
		body          string
		wantVersion   string
		wantTimestamp bool
	}{
		{"a legacy clear-text code is version 1.0 without a timestamp", `{"qrCode":"` + LegacyPersonalQR("4791234567") + `"}`, "1.0", false},
		{"a tokenised code is version 2.0 with the time it was generated", `{"qrCode":"` + PersonalQR("4791234567") + `"}`, "2.0", true},
		{"requestedData MSISDN is accepted", `{"qrCode":"` + PersonalQR("4791234567") + `","requestedData":["MSISDN"]}`, "2.0", true},
		{"a null requestedData means the default", `{"qrCode":"` + LegacyPersonalQR("4791234567") + `","requestedData":null}`, "1.0", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).epay(http.MethodPost, "/qr/v1/exchange", tc.body)
			if a.status != http.StatusOK || a.header.Get("Content-Type") != contentJSON {
				t.Fatalf("exchange: %v", a)
			}
			var got qrExchangeResponse
			mustDecode(t, a.body, &got)
			if got.MSISDN != "4791234567" || got.Version != tc.wantVersion || (got.Timestamp != 0) != tc.wantTimestamp {
				t.Fatalf("answer %+v", got)
			}
			if tc.wantTimestamp && got.Timestamp != r.clock.Now().Add(-tokenQRAge).Unix() {
				t.Fatalf("timestamp %d is not the generation time", got.Timestamp)
			}
		})
	}
}

func TestThePersonalQRExchangeRefusesWhatIsNotAPersonalQR(t *testing.T) {
	r := instantRig(t)
	const foreign = "https://example.com/not-a-vipps-code-12345678"
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"an empty body names the body", ``, "body"},
		{"malformed JSON names the body", `{"qrCode":`, "body"},
		{"a missing qrCode is refused", `{}`, "qrCode"},
		{"an empty qrCode is refused", `{"qrCode":""}`, "qrCode"},
		{"a qrCode that is not a string is refused", `{"qrCode":42}`, "qrCode"},
		{"a foreign URL is not a personal QR", `{"qrCode":"` + foreign + `"}`, "qrCode"},
		{"a tokenised code the simulator never issued is refused", `{"qrCode":"https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe"}`, "qrCode"},
		{"a legacy code without its suffix is refused", `{"qrCode":"https://qr.vipps.no/28/2/01/031/4791234567"}`, "qrCode"},
		{"other requested data is refused", `{"qrCode":"` + PersonalQR("4791234567") + `","requestedData":["EMAIL"]}`, "requestedData"},
		{"requestedData that is not an array is refused", `{"qrCode":"` + PersonalQR("4791234567") + `","requestedData":"MSISDN"}`, "requestedData"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := r.with(t).epay(http.MethodPost, "/qr/v1/exchange", tc.body)
			p := wantProblem(t, a, http.StatusBadRequest, 0)
			if !namesField(p, tc.field) {
				t.Fatalf("problem does not name %s: %s", tc.field, a.body)
			}
			if bytes.Contains(a.body, []byte(foreign)) || bytes.Contains(a.body, []byte("qwjhewq")) {
				t.Fatalf("the answer echoes the scanned code: %s", a.body)
			}
		})
	}
}

func TestTheQRAndCheckInAPIsAreBehindTheGateway(t *testing.T) {
	r := instantRig(t)
	qr := `{"qrCode":"` + PersonalQR("4791234567") + `"}`
	checkIn := `{"phoneNumber":"4791234567","isMember":true}`
	for _, path := range []struct{ path, body string }{{"/qr/v1/exchange", qr}, {"/point-of-sale/v1/loyalty-check-in", checkIn}} {
		cases := []struct {
			name    string
			headers []string
			status  int
		}{
			{"no subscription key is 401", []string{"Authorization", "Bearer " + r.token, "Content-Type", "application/json"}, http.StatusUnauthorized},
			{"no access token is 401", []string{"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey}, http.StatusUnauthorized},
			{"a forged access token is 401", []string{"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Authorization", "Bearer forged"}, http.StatusUnauthorized},
			{"a foreign MSN is 403", r.authHeaders("Merchant-Serial-Number", "999999"), http.StatusForbidden},
			{"a malformed MSN is 400", r.authHeaders("Merchant-Serial-Number", "12"), http.StatusBadRequest},
			{"no MSN is accepted (it is optional here)", []string{"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey, "Authorization", "Bearer " + r.token, "Content-Type", "application/json"}, http.StatusOK},
		}
		for _, tc := range cases {
			t.Run(path.path+": "+tc.name, func(t *testing.T) {
				a := r.with(t).do(http.MethodPost, path.path, path.body, tc.headers...)
				if a.status != tc.status {
					t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
				}
			})
		}
	}
}
