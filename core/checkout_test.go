package core

import (
	"strings"
	"testing"
)

func TestParseCheckoutValidatesEveryField(t *testing.T) {
	cases := []struct {
		name      string
		json      string
		wantCode  Code
		wantPhone string
	}{
		{"a phone number with country code is accepted", `{"amount":49900,"phone_number":"4791234567"}`, CodeOK, "4791234567"},
		{"a typed international number is normalised", `{"amount":100,"phone_number":"+47 912 34 567"}`, CodeOK, "4791234567"},
		{"a 00-prefixed number is normalised", `{"amount":100,"phone_number":"0047-91234567"}`, CodeOK, "4791234567"},
		{"a personal QR is accepted", `{"amount":100,"personal_qr":"https://qr.vipps.no/p/abcdef"}`, CodeOK, ""},
		{"a number without country code is refused", `{"amount":100,"phone_number":"91234567"}`, CodeInvalidCustomer, ""},
		{"letters in a number are refused", `{"amount":100,"phone_number":"47912345ab"}`, CodeInvalidCustomer, ""},
		{"both phone and QR are refused", `{"amount":100,"phone_number":"4791234567","personal_qr":"https://qr.vipps.no/p/x"}`, CodeInvalidCustomer, ""},
		{"no customer is refused", `{"amount":100}`, CodeInvalidCustomer, ""},
		{"a zero amount is refused", `{"amount":0,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a negative amount is refused", `{"amount":-5,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a huge amount is refused", `{"amount":65000001,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a decimal amount is invalid JSON", `{"amount":499.5,"phone_number":"4791234567"}`, CodeInvalidJSON, ""},
		{"an unknown field is invalid JSON", `{"amount":100,"phone":"4791234567"}`, CodeInvalidJSON, ""},
		{"an invalid reference is refused", `{"amount":100,"phone_number":"4791234567","reference":"bad ref"}`, CodeInvalidReference, ""},
		{"a short reference is refused", `{"amount":100,"phone_number":"4791234567","reference":"abc"}`, CodeInvalidReference, ""},
		{"an unsupported currency is refused", `{"amount":100,"phone_number":"4791234567","currency":"USD"}`, CodeInvalidArgument, ""},
		{"a one-letter description is refused", `{"amount":100,"phone_number":"4791234567","description":"x"}`, CodeInvalidArgument, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseCheckout([]byte(tc.json))
			if got := CodeOf(err); got != tc.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tc.wantCode, err)
			}
			if err == nil && req.PhoneNumber != tc.wantPhone {
				t.Fatalf("phone = %q, want %q", req.PhoneNumber, tc.wantPhone)
			}
			if err != nil && strings.Contains(err.Error(), "91234567") {
				t.Fatalf("error text leaks the phone number: %v", err)
			}
		})
	}
}
