package vipps

import (
	"strings"
	"testing"
	"time"
)

func TestProblemDecodingKeepsStatusTitleCodeAndTrace(t *testing.T) {
	body := `{"type":"https://httpstatuses.io/400","title":"Cannot capture before reservation","detail":"The user must accept first.","instance":"/v1/payments/x/capture","status":400,"extraDetails":[{"name":"ErrorCode","reason":"6080"}],"traceId":"00-abc-01"}`
	p := decodeProblem(400, []byte(body), 0)
	if p.HTTPStatus != 400 || p.ErrorCode != "6080" || p.TraceID != "00-abc-01" || p.Title != "Cannot capture before reservation" {
		t.Fatalf("decoded %+v", p)
	}
	if msg := p.Error(); !strings.Contains(msg, "6080") || !strings.Contains(msg, "400") {
		t.Fatalf("message %q lacks code or status", msg)
	}
}

func TestProblemDecodingSurvivesOtherShapes(t *testing.T) {
	cases := []struct {
		name, body, wantTitle string
	}{
		{"an Azure APIM error gives its message", `{"statusCode":401,"message":"Access denied due to invalid subscription key."}`, "Access denied due to invalid subscription key."},
		{"an OAuth error gives its code", `{"error":"invalid_client","error_description":"bad"}`, "invalid_client"},
		{"an empty body gives no title", ``, ""},
		{"HTML gives no title", `<html>502 Bad Gateway</html>`, ""},
		{"truncated JSON gives no title", `{"title":"Bad`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := decodeProblem(502, []byte(tc.body), 0)
			if p.Title != tc.wantTitle || p.HTTPStatus != 502 {
				t.Fatalf("decoded %+v", p)
			}
		})
	}
}

func TestProblemMessagesMaskPhoneNumbers(t *testing.T) {
	p := decodeProblem(400, []byte(`{"title":"Invalid phone number","detail":"4791234567 is not a Vipps user","extraDetails":[{"name":"phoneNumber","reason":"4791234567"}]}`), 0)
	if msg := p.Error(); strings.Contains(msg, "4791234567") || !strings.Contains(msg, "47******67") {
		t.Fatalf("message %q", msg)
	}
}

func TestRetryAfterAcceptsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 10 ":                          10 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Mon, 23 Nov 2026 12:00:05 GMT": 5 * time.Second,
		"Mon, 23 Nov 2026 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzDecodeProblemNeverPanics(f *testing.F) {
	for _, s := range []string{`{"extraDetails":[{"name":"ErrorCode","reason":"6080"}]}`, `{"extraDetails":{}}`, `[`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = decodeProblem(400, body, 0).Error()
	})
}
