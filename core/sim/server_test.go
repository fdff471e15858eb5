package sim

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStartListensOnlyOnLoopbackAddresses(t *testing.T) {
	cases := []struct {
		name    string
		addr    string
		wantErr bool
	}{
		{"the default address is accepted", "", false},
		{"an explicit 127.0.0.1 port is accepted", "127.0.0.1:0", false},
		{"another 127/8 address is accepted", "127.0.0.2:0", false},
		{"localhost is accepted", "localhost:0", false},
		{"all interfaces written as an empty host are refused", ":0", true},
		{"all IPv4 interfaces are refused", "0.0.0.0:0", true},
		{"all IPv6 interfaces are refused", "[::]:0", true},
		{"a routable address is refused", "192.0.2.10:0", true},
		{"a host name other than localhost is refused", "example.com:0", true},
		{"an address without a port is refused", "127.0.0.1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := Start(Options{Addr: tc.addr})
			if tc.wantErr {
				if err == nil {
					srv.Close()
					t.Fatalf("Start(%q) succeeded, want an error", tc.addr)
				}
				return
			}
			if err != nil {
				if strings.Contains(err.Error(), "listen") && tc.addr == "127.0.0.2:0" {
					t.Skipf("this machine cannot listen on 127.0.0.2: %v", err)
				}
				t.Fatalf("Start(%q): %v", tc.addr, err)
			}
			defer srv.Close()
			host, _, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				t.Fatalf("URL %s is not on a loopback address", srv.URL())
			}
		})
	}
}

func TestStartRefusesAnMSNThatIsNotFourToSevenDigits(t *testing.T) {
	for _, msn := range []string{"123", "12345678", "12a456"} {
		if srv, err := Start(Options{Credentials: Credentials{MSN: msn}}); err == nil {
			srv.Close()
			t.Errorf("Start with MSN %q succeeded", msn)
		}
	}
}

func TestCloseStopsTheServerAndCanBeCalledTwice(t *testing.T) {
	srv, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(srv.URL(), "http://")
	if err := srv.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Close", addr)
	}
}

func TestRequestsOutsideTheContractAreAnsweredWithProblems(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"an unknown path is 404", http.MethodGet, "/epayment/v2/payments", http.StatusNotFound},
		{"a trailing slash is 404", http.MethodPost, "/epayment/v1/payments/", http.StatusNotFound},
		{"a GET of the token endpoint is 405", http.MethodGet, "/accesstoken/get", http.StatusMethodNotAllowed},
		{"a DELETE of a payment is 405", http.MethodDelete, "/epayment/v1/payments/abcdefgh-1", http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			a := r.epay(tc.method, tc.path, "")
			wantProblem(t, a, tc.status, 0)
			if tc.status == http.StatusMethodNotAllowed && a.header.Get("Allow") == "" {
				t.Fatal("405 without an Allow header")
			}
		})
	}
	if got := r.srv.Stats().Requests["unmatched"]; got != len(cases) {
		t.Fatalf("Stats.Requests[unmatched] = %d, want %d", got, len(cases))
	}
}

func TestAnOversizedBodyIsRefused(t *testing.T) {
	r := instantRig(t)
	big := `{"reference":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	a := r.epay(http.MethodPost, "/epayment/v1/payments", big, "Idempotency-Key", "big")
	wantProblem(t, a, http.StatusRequestEntityTooLarge, 0)
}

func TestConcurrentClientsKeepEveryPaymentConsistent(t *testing.T) {
	r := instantRig(t)
	// Three create attempts and two captures per payment: five mutations, the most one
	// reference may take per minute (replays count too).
	const payments = 8
	const retries = 3
	var wg sync.WaitGroup
	for i := range payments {
		ref := fmt.Sprintf("concurrent-%03d", i)
		for range retries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The same create retried at once: one payment, every answer 201.
				a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody(ref, 1000, phone("4791234567")), "Idempotency-Key", "k-"+ref)
				if a.status != http.StatusCreated {
					t.Errorf("create %s: %v", ref, a)
				}
			}()
		}
	}
	wg.Wait()
	for i := range payments {
		ref := fmt.Sprintf("concurrent-%03d", i)
		wg.Add(3)
		go func() { defer wg.Done(); r.capture(ref, 400, "cap-a-"+ref) }()
		go func() { defer wg.Done(); r.capture(ref, 400, "cap-b-"+ref) }()
		go func() { defer wg.Done(); r.get(ref); r.srv.Payment(ref); r.srv.Stats() }()
	}
	wg.Wait()
	st := r.srv.Stats()
	if st.Creates != payments || st.Replays != payments*(retries-1) {
		t.Fatalf("Creates = %d, Replays = %d; want %d and %d", st.Creates, st.Replays, payments, payments*(retries-1))
	}
	if st.Captures != 2*payments || st.RateLimited != 0 {
		t.Fatalf("Captures = %d, RateLimited = %d; want %d and 0", st.Captures, st.RateLimited, 2*payments)
	}
	for i := range payments {
		snap, _ := r.srv.Payment(fmt.Sprintf("concurrent-%03d", i))
		if snap.Aggregate.CapturedAmount.Value != 800 || eventNames(snap.Events) != "CREATED,AUTHORIZED,CAPTURED,CAPTURED" {
			t.Fatalf("payment %s: captured %d, events %s", snap.Reference, snap.Aggregate.CapturedAmount.Value, eventNames(snap.Events))
		}
	}
}

func TestAPanicInAHandlerBecomesA500Problem(t *testing.T) {
	srv, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Called directly, without the network, so the route table is not shared with a connection.
	srv.routes = append(routeTable{{http.MethodGet, "/boom", guardNone, func(*Server, *call) reply { panic("boom") }}}, srv.routes...)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	wantProblem(t, answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, http.StatusInternalServerError, codeInternal)
}
