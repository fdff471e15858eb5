package club

import (
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/internal/model"
)

func TestAnEnrollmentRequestIsValidatedBeforeAnythingIsSent(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		wantCode model.Code
		text     string
	}{
		{"a phone number alone is enough", `{"phone_number":"4791234567"}`, model.CodeOK, ""},
		{"every option is accepted", `{"phone_number":"4791234567","scopes":["name","address"],"binding_message":"AB-123","check_user_exists":false,"requested_expiry_s":120}`, model.CodeOK, ""},
		{"malformed JSON is invalid JSON", `{"phone_number":`, model.CodeInvalidJSON, "enrollment"},
		{"an unknown field is invalid JSON", `{"phone_number":"4791234567","phone":"x"}`, model.CodeInvalidJSON, "phone"},
		{"a missing phone number is an invalid customer", `{"scopes":["name"]}`, model.CodeInvalidCustomer, "phone_number"},
		{"an unknown scope is refused", `{"phone_number":"4791234567","scopes":["shoeSize"]}`, model.CodeInvalidArgument, "shoeSize"},
		{"a lower-case binding message is refused", `{"phone_number":"4791234567","binding_message":"ab-123"}`, model.CodeInvalidArgument, "binding_message"},
		{"a long binding message is refused", `{"phone_number":"4791234567","binding_message":"ABCDEFGHI"}`, model.CodeInvalidArgument, "binding_message"},
		{"an expiry under a minute is refused", `{"phone_number":"4791234567","requested_expiry_s":59}`, model.CodeInvalidArgument, "requested_expiry_s"},
		{"an expiry over 15 minutes is refused", `{"phone_number":"4791234567","requested_expiry_s":901}`, model.CodeInvalidArgument, "requested_expiry_s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEnrollment([]byte(tc.json))
			if model.CodeOf(err) != tc.wantCode || (err != nil && !strings.Contains(err.Error(), tc.text)) {
				t.Fatalf("err = %v (%v), want %v mentioning %q", err, model.CodeOf(err), tc.wantCode, tc.text)
			}
		})
	}
	req, _ := ParseEnrollment([]byte(`{"phone_number":"4791234567","scopes":["email","openid","email"]}`))
	if got := strings.Join(req.scopes(), " "); got != "openid email" {
		t.Fatalf("scopes sent: %q", got)
	}
	req, _ = ParseEnrollment([]byte(`{"phone_number":"4791234567"}`))
	if got := strings.Join(req.scopes(), " "); got != "openid name phoneNumber email" {
		t.Fatalf("default scopes: %q", got)
	}
}
