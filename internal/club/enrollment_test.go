package club

import (
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

func TestAnEnrollmentRequestIsValidatedBeforeAnythingIsSent(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		wantCode abi.Code
		text     string
	}{
		{"a phone number alone is enough", `{"phone_number":"4791234567"}`, abi.CodeOK, ""},
		{"every option is accepted", `{"phone_number":"4791234567","scopes":["name","address"],"binding_message":"AB-123","check_user_exists":false,"requested_expiry_s":120}`, abi.CodeOK, ""},
		{"malformed JSON is invalid JSON", `{"phone_number":`, abi.CodeInvalidJSON, "enrollment"},
		{"an unknown field is invalid JSON", `{"phone_number":"4791234567","phone":"x"}`, abi.CodeInvalidJSON, "phone"},
		{"a missing phone number is an invalid customer", `{"scopes":["name"]}`, abi.CodeInvalidCustomer, "phone_number"},
		{"the consent scopes customFlow and gender are accepted", `{"phone_number":"4791234567","scopes":["customFlow","gender"]}`, abi.CodeOK, ""},
		{"an unknown scope is refused", `{"phone_number":"4791234567","scopes":["shoeSize"]}`, abi.CodeInvalidArgument, "shoeSize"},
		{"a lower-case binding message is refused", `{"phone_number":"4791234567","binding_message":"ab-123"}`, abi.CodeInvalidArgument, "binding_message"},
		{"a long binding message is refused", `{"phone_number":"4791234567","binding_message":"ABCDEFGHI"}`, abi.CodeInvalidArgument, "binding_message"},
		{"an expiry under a minute is refused", `{"phone_number":"4791234567","requested_expiry_s":59}`, abi.CodeInvalidArgument, "requested_expiry_s"},
		{"an expiry over 15 minutes is refused", `{"phone_number":"4791234567","requested_expiry_s":901}`, abi.CodeInvalidArgument, "requested_expiry_s"},
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
