package vipps

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// fasthttp's idle-connection cleaner outlives Close by up to MaxIdleConnDuration and then
// exits by itself; every other goroutine must be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}

// fakeVipps is a loopback server whose API handler a test chooses; it counts token requests
// and records the headers of the last API request.
type fakeVipps struct {
	t          *testing.T
	srv        *http.Server
	url        string
	tokens     atomic.Int32
	lifetime   string
	mu         sync.Mutex
	lastHeader http.Header
	api        http.HandlerFunc
}

func startFake(t *testing.T, api http.HandlerFunc) *fakeVipps {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVipps{t: t, url: "http://" + ln.Addr().String(), lifetime: "3600", api: api}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /accesstoken/get", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("client_id") != "id" || r.Header.Get("client_secret") != "secret" || r.Header.Get("Ocp-Apim-Subscription-Key") != "sub" {
			w.WriteHeader(401)
			return
		}
		n := f.tokens.Add(1)
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":"%s","ext_expires_in":"0","expires_on":"0","not_before":"0","resource":"x","access_token":"token-%d"}`, f.lifetime, n)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.lastHeader = r.Header.Clone()
		f.mu.Unlock()
		f.api(w, r)
	})
	f.srv = &http.Server{Handler: mux}
	go f.srv.Serve(ln)
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func (f *fakeVipps) header() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastHeader
}

func newTestClient(t *testing.T, baseURL string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:     baseURL,
		Credentials: Credentials{ClientID: "id", ClientSecret: "secret", SubscriptionKey: "sub", MSN: "123456"},
		System:      System{Name: "Acme POS", Version: "1.2", PluginName: "vmp", PluginVersion: "0.1.0"},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func okPayment(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, `{"aggregate":{"authorizedAmount":{"currency":"NOK","value":0},"cancelledAmount":{"currency":"NOK","value":0},"capturedAmount":{"currency":"NOK","value":0},"refundedAmount":{"currency":"NOK","value":0}},"amount":{"currency":"NOK","value":100},"state":"CREATED","paymentMethod":{"type":"WALLET"},"profile":{},"pspReference":"p","reference":"ref-12345678"}`)
}

func TestEveryRequestCarriesTheRequiredHeaders(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		fmt.Fprint(w, `{"reference":"ref-12345678"}`)
	})
	c := newTestClient(t, f.url, nil)
	if _, err := c.CreatePayment(context.Background(), "key-1", []byte(`{"reference":"ref-12345678"}`)); err != nil {
		t.Fatal(err)
	}
	h := f.header()
	want := map[string]string{
		"Authorization":               "Bearer token-1",
		"Ocp-Apim-Subscription-Key":   "sub",
		"Merchant-Serial-Number":      "123456",
		"Vipps-System-Name":           "Acme POS",
		"Vipps-System-Version":        "1.2",
		"Vipps-System-Plugin-Name":    "vmp",
		"Vipps-System-Plugin-Version": "0.1.0",
		"Idempotency-Key":             "key-1",
		"Content-Type":                "application/json",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestTheTokenIsFetchedOnceForManyConcurrentCalls(t *testing.T) {
	f := startFake(t, okPayment)
	c := newTestClient(t, f.url, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetPayment(context.Background(), "ref-12345678"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("token fetched %d times, want 1", n)
	}
}

func TestTheTokenIsRenewedBeforeItExpires(t *testing.T) {
	f := startFake(t, okPayment)
	f.lifetime = "100"
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.Now = func() time.Time { return time.Unix(0, now.Load()) } })
	get := func() {
		if _, err := c.GetPayment(context.Background(), "ref-12345678"); err != nil {
			t.Fatal(err)
		}
	}
	get()
	now.Add(int64(80 * time.Second))
	get()
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("token fetched %d times before the renewal margin, want 1", n)
	}
	now.Add(int64(15 * time.Second)) // 95 s of 100: inside the 10 s margin
	get()
	if n := f.tokens.Load(); n != 2 {
		t.Fatalf("token fetched %d times after the margin, want 2", n)
	}
}

func TestA401RefreshesTheTokenAndRetriesOnce(t *testing.T) {
	var calls atomic.Int32
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(401)
			return
		}
		okPayment(w, r)
	})
	c := newTestClient(t, f.url, nil)
	if _, err := c.GetPayment(context.Background(), "ref-12345678"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || f.tokens.Load() != 2 {
		t.Fatalf("calls %d tokens %d, want 2 and 2", calls.Load(), f.tokens.Load())
	}
}

func TestAPersistent401IsReturnedAsAProblem(t *testing.T) {
	var calls atomic.Int32
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprint(w, `{"statusCode":401,"message":"Access denied due to invalid subscription key."}`)
	})
	c := newTestClient(t, f.url, nil)
	_, err := c.GetPayment(context.Background(), "ref-12345678")
	var p *Problem
	if !errors.As(err, &p) || p.HTTPStatus != 401 || !strings.Contains(p.Title, "subscription key") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("API called %d times, want 2 (one retry)", calls.Load())
	}
}

func TestWrongCredentialsFailTheTokenWith401(t *testing.T) {
	f := startFake(t, okPayment)
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.Credentials.ClientSecret = "wrong" })
	_, err := c.GetPayment(context.Background(), "ref-12345678")
	var p *Problem
	if !errors.As(err, &p) || p.HTTPStatus != 401 {
		t.Fatalf("err = %v", err)
	}
}

func TestANonAnsweringServerTimesOutAsMaybeSent(t *testing.T) {
	release := make(chan struct{})
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.RequestTimeout = 300 * time.Millisecond })
	start := time.Now()
	_, err := c.CapturePayment(context.Background(), "ref-12345678", "k", []byte(`{}`))
	var te *TransportError
	if !errors.As(err, &te) || !te.MaybeSent || !te.Timeout {
		t.Fatalf("err = %#v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}
}

func TestARefusedConnectionIsCertainlyNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr, nil)
	_, err = c.GetPayment(context.Background(), "ref-12345678")
	var te *TransportError
	if !errors.As(err, &te) || te.MaybeSent {
		t.Fatalf("err = %#v, want a not-sent transport error", err)
	}
}

func TestACancelledContextReturnsPromptly(t *testing.T) {
	release := make(chan struct{})
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.RequestTimeout = 2 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetPayment(ctx, "ref-12345678")
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestAnOversizedAnswerIsRefused(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"reference":"%s"}`, strings.Repeat("x", 4096))
	})
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.MaxResponseBodySize = 1024 })
	if _, err := c.GetPayment(context.Background(), "ref-12345678"); err == nil {
		t.Fatal("a 4 KiB answer passed a 1 KiB cap")
	}
}

func TestAMalformedSuccessIsReportedAsSuch(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"reference": `) })
	c := newTestClient(t, f.url, nil)
	_, err := c.CapturePayment(context.Background(), "ref-12345678", "k", []byte(`{}`))
	var bad *MalformedAnswerError
	if !errors.As(err, &bad) || bad.Status != 200 {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfterIsReadFromA429(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(429)
	})
	c := newTestClient(t, f.url, nil)
	_, err := c.GetPayment(context.Background(), "ref-12345678")
	var p *Problem
	if !errors.As(err, &p) || p.HTTPStatus != 429 || p.RetryAfter != 7*time.Second {
		t.Fatalf("err = %#v", err)
	}
}

func TestBaseURLsAreCheckedAndTLSIsAtLeast12(t *testing.T) {
	for _, bad := range []string{"", "ftp://x", "api.vipps.no", "https://api.vipps.no/epayment"} {
		if _, err := New(Config{BaseURL: bad}); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
	c, err := New(Config{BaseURL: "https://api.vipps.no"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.hc.Addr != "api.vipps.no:443" || !c.hc.IsTLS || c.hc.TLSConfig.MinVersion != tls.VersionTLS12 {
		t.Fatalf("host client %s tls=%v min=%x", c.hc.Addr, c.hc.IsTLS, c.hc.TLSConfig.MinVersion)
	}
	if c.hc.MaxIdemponentCallAttempts != 1 {
		t.Fatal("fasthttp retries are on")
	}
}

// fasthttp cannot cancel a request; Close must still not wait out the request timeout of a
// Vipps that takes the request and never answers (vmp_close would block for up to
// timeouts.request_ms, 10 minutes at most, while vmp.h promises calls return promptly).
func TestCloseDoesNotWaitForAnswersThatDoNotCome(t *testing.T) {
	release := make(chan struct{})
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newTestClient(t, f.url, func(cfg *Config) { cfg.RequestTimeout = 10 * time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan error, 1)
	go func() { _, err := c.CapturePayment(ctx, "ref-12345678", "k", []byte(`{}`)); sent <- err }()
	time.Sleep(200 * time.Millisecond) // the capture waits for its answer now
	cancel()
	if err := <-sent; err == nil {
		t.Fatal("the cancelled capture succeeded")
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close was still waiting 30 s later for an answer that never comes")
	}
}
