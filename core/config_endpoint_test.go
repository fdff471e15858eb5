package core

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vmp-dev/vmp/core/vipps"
)

const liveSecret = "Live-Secret-0f3a"

// Issue 14, case 14: real keys without an "environment" line ran the embedded simulator, which
// "approved" and "captured" a 1499.00 NOK sale that moved no money.
func TestKeysWithoutAnEnvironmentAreRefused(t *testing.T) {
	for name, body := range map[string]string{
		"a full key set":   `"client_id":"id","client_secret":"` + liveSecret + `","subscription_key":"sub","msn":"123456"`,
		"a client_id":      `"client_id":"id"`,
		"a client_secret":  `"client_secret":"` + liveSecret + `"`,
		"a subscription":   `"subscription_key":"` + liveSecret + `"`,
		"an msn":           `"msn":"123456"`,
		"partner keys":     `"partner":{"client_id":"p","client_secret":"` + liveSecret + `","subscription_key":"k"}`,
		"a unit with keys": `"sales_units":[{"name":"b","msn":"234567","client_id":"x","client_secret":"` + liveSecret + `","subscription_key":"z"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(`{` + body + `}`))
			if CodeOf(err) != CodeInvalidConfig || !strings.Contains(err.Error(), `"environment"`) {
				t.Fatalf("err = %v, want VMP_ERR_INVALID_CONFIG about the missing environment", err)
			}
			if strings.Contains(err.Error(), liveSecret) {
				t.Fatalf("the error echoes the secret: %v", err)
			}
		})
	}
	// New checks a Config built in Go too, before it starts any simulator.
	if c, err := New(Config{ClientID: "id", ClientSecret: liveSecret, SubscriptionKey: "sub", MSN: "123456"}); CodeOf(err) != CodeInvalidConfig {
		if c != nil {
			c.Close()
		}
		t.Fatalf("New with keys and no environment: %v", err)
	}
	// Without keys, no environment still means the embedded simulator (make demo relies on it),
	// and keyless sales units are not keys.
	for _, ok := range []string{`{}`, `{"store_id":"s1"}`, `{"base_url":"http://127.0.0.1:8080"}`,
		`{"sales_units":[{"name":"b","msn":"234567"}]}`} {
		cfg, err := ParseConfig([]byte(ok))
		if err != nil || cfg.Environment != EnvSimulator {
			t.Errorf("%s: environment %q, err %v; want the simulator", ok, cfg.Environment, err)
		}
	}
	// An explicit environment takes keys as before.
	if _, err := ParseConfig([]byte(`{"environment":"simulator","client_id":"id","client_secret":"s","subscription_key":"k","msn":"123456"}`)); err != nil {
		t.Fatalf("keys for an explicit simulator: %v", err)
	}
}

// Issue 14, case 15: environment production with an http:// base_url sent the client secret in
// clear text.
func TestBaseURLKeepsTheKeysOffPlainHTTP(t *testing.T) {
	keys := `"client_id":"id","client_secret":"` + liveSecret + `","subscription_key":"sub","msn":"123456"`
	cases := []struct {
		env, url string
		ok       bool
	}{
		{"production", "http://127.0.0.1:8080", false},
		{"production", "http://api.vipps.no", false},
		{"test", "http://apitest.vipps.no", false},
		{"test", "http://localhost:8080", false},
		{"production", "https://api.vipps.no", true},
		{"test", "https://vipps-proxy.example.com:8443", true},
		// The simulator: http only on this machine; https anywhere but at Vipps itself.
		{"simulator", "http://127.0.0.1:8080", true},
		{"simulator", "http://127.8.9.10:8080/", true},
		{"simulator", "http://[::1]:8080", true},
		{"simulator", "http://LOCALHOST:8080", true},
		{"simulator", "http://192.168.1.20:8080", false},
		{"simulator", "http://0.0.0.0:8080", false},
		{"simulator", "http://sim.example.com", false},
		{"simulator", "http://localhost.example.com", false},
		{"simulator", "http://[::ffff:10.0.0.1]:8080", false},
		{"simulator", "https://sim.example.com", true},
		{"simulator", "https://api.vipps.no", false},
		{"simulator", "https://APItest.vipps.no.", false},
		// Shapes that are no base URL at all.
		{"test", "https://api.vipps.no/epayment", false},
		{"test", "https://api.vipps.no?key=1", false},
		{"test", "ftp://api.vipps.no", false},
		{"simulator", "127.0.0.1:8080", false},
	}
	for _, tc := range cases {
		_, err := ParseConfig([]byte(`{"environment":"` + tc.env + `","base_url":"` + tc.url + `",` + keys + `}`))
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s %s refused: %v", tc.env, tc.url, err)
		case !tc.ok && CodeOf(err) != CodeInvalidConfig:
			t.Errorf("%s %s: err = %v, want VMP_ERR_INVALID_CONFIG", tc.env, tc.url, err)
		case err != nil && strings.Contains(err.Error(), liveSecret):
			t.Errorf("%s %s: the error echoes the secret: %v", tc.env, tc.url, err)
		}
	}
	// And New, given a Config built in Go, sends nothing to a plain-http production URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()
	c, err := New(Config{Environment: EnvProduction, BaseURL: "http://" + ln.Addr().String(), ClientID: "id",
		ClientSecret: liveSecret, SubscriptionKey: "sub", MSN: "123456", JournalPath: t.TempDir() + "/j.db"})
	if err == nil {
		defer c.Close()
		_, _ = c.OwnUnit().PollStatus(t.Context(), "ref-00000001", 0)
	}
	if CodeOf(err) != CodeInvalidConfig || accepted.Load() != 0 {
		t.Fatalf("New: %v; connections to the plain-http production URL: %d", err, accepted.Load())
	}
}

// Issue 14, case 17: a malformed base_url was echoed into the error text with its
// user:password.
func TestURLErrorsNeverEchoUserInfo(t *testing.T) {
	const pw = "hunter2-pw"
	for _, u := range []string{
		"http://vmp:" + pw + "@127.0.0.1:8080",          // well-formed, with user info
		"https://vmp:" + pw + "@api.vipps.no",           // the same in production
		"http://vmp:" + pw + "@127.0.0.1:99999",         // a bad port
		"http://vmp:" + pw + "@[::1",                    // a broken IPv6 literal
		"ht tp://vmp:" + pw + "@127.0.0.1",              // a bad scheme
		"http://vmp:" + pw + "@127.0.0.1:8080/x%zz",     // a bad escape
		"http://vmp:" + pw + "@127.0.0.1:8080/?k=" + pw, // a query
		"vmp:" + pw + "@127.0.0.1:8080",                 // no scheme
	} {
		for _, env := range []string{"simulator", "production"} {
			_, err := ParseConfig([]byte(`{"environment":"` + env + `","base_url":` + strconv.Quote(u) +
				`,"client_id":"id","client_secret":"s","subscription_key":"k","msn":"123456"}`))
			if CodeOf(err) != CodeInvalidConfig || strings.Contains(err.Error(), pw) {
				t.Errorf("%s %q: %v", env, u, err)
			}
		}
		if _, err := vipps.New(vipps.Config{BaseURL: u}); err == nil || strings.Contains(err.Error(), pw) {
			t.Errorf("vipps.New(%q): %v", u, err)
		}
		_, err := ParseConfig([]byte(`{"webhooks":{"public_url":` + strconv.Quote(u) + `}}`))
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("webhooks.public_url %q: %v", u, err)
		}
	}
}
