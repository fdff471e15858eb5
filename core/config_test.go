package core

import (
	"strings"
	"testing"
)

func TestParseConfigAcceptsGoodConfigsAndExplainsBadOnes(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		wantCode Code
		wantText string
	}{
		{"an empty object means the embedded simulator", `{}`, CodeOK, ""},
		{"a full test config is accepted", `{"environment":"test","client_id":"a","client_secret":"b","subscription_key":"c","msn":"123456","system":{"name":"Acme POS","version":"1.2"},"store_id":"s1","pos_id":"p-2","currency":"NOK","timeouts":{"connect_ms":1000,"request_ms":5000,"operation_ms":20000}}`, CodeOK, ""},
		{"malformed JSON is invalid JSON", `{"environment":`, CodeInvalidJSON, "config"},
		{"an unknown field is invalid JSON", `{"enviroment":"test"}`, CodeInvalidJSON, "enviroment"},
		{"a wrong type is invalid JSON", `{"timeouts":{"connect_ms":"fast"}}`, CodeInvalidJSON, "config"},
		{"an unknown environment is named", `{"environment":"staging"}`, CodeInvalidConfig, "staging"},
		{"production without credentials names what is missing", `{"environment":"production","client_id":"a"}`, CodeInvalidConfig, "client_secret, msn, subscription_key"},
		{"a malformed MSN is refused", `{"msn":"12a"}`, CodeInvalidConfig, "msn"},
		{"a long system name is refused", `{"system":{"name":"` + strings.Repeat("x", 31) + `"}}`, CodeInvalidConfig, "system.name"},
		{"a store id with spaces is refused", `{"store_id":"store 1"}`, CodeInvalidConfig, "store_id"},
		{"an unsupported currency is refused", `{"currency":"SEK"}`, CodeInvalidConfig, "SEK"},
		{"a too short description is refused", `{"description":"ab"}`, CodeInvalidConfig, "description"},
		{"a timeout out of range is refused", `{"timeouts":{"request_ms":10}}`, CodeInvalidConfig, "request_ms"},
		{"an operation budget below one request is refused", `{"timeouts":{"request_ms":5000,"operation_ms":1000}}`, CodeInvalidConfig, "operation_ms"},
		{"simulator settings outside the simulator are refused", `{"environment":"test","client_id":"a","client_secret":"b","subscription_key":"c","msn":"1234","simulator":{"payment_expiry_ms":5}}`, CodeInvalidConfig, "simulator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.json))
			if got := CodeOf(err); got != tc.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tc.wantCode, err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("error %q does not mention %q", err, tc.wantText)
			}
			if err == nil && (cfg.Currency == "" || cfg.Timeouts.RequestMS == 0 || cfg.Environment == "") {
				t.Fatalf("defaults not filled: %+v", cfg)
			}
		})
	}
}

func TestConfigErrorsNeverEchoSecrets(t *testing.T) {
	_, err := ParseConfig([]byte(`{"environment":"test","client_id":"id","client_secret":"TOPSECRET","subscription_key":"SUBKEY","msn":"12"}`))
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") || strings.Contains(err.Error(), "SUBKEY") {
		t.Fatalf("error %v", err)
	}
}
