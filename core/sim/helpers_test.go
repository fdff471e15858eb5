package sim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// simStart is where every fake clock in these tests starts.
var simStart = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// rig is a running simulator on a fake clock plus an HTTP client that talks to it over
// loopback TCP.
type rig struct {
	t      *testing.T
	srv    *Server
	clock  *FakeClock
	client *http.Client
	token  string
}

// newRig starts a simulator. A nil opts.Clock becomes a FakeClock at simStart.
func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	clock, _ := opts.Clock.(*FakeClock)
	if opts.Clock == nil {
		clock = NewFakeClock(simStart)
		opts.Clock = clock
	}
	srv, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	r := &rig{t: t, srv: srv, clock: clock, client: &http.Client{Transport: transport, Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	r.token = r.fetchToken()
	return r
}

// with returns a view of the rig that reports failures to t (a subtest).
func (r *rig) with(t *testing.T) *rig {
	c := *r
	c.t = t
	return &c
}

// instantRig is a rig whose approving customers answer at once.
func instantRig(t *testing.T) *rig {
	return newRig(t, Options{ApproveDelay: -1})
}

// answer is a complete HTTP response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s", a.status, a.body)
}

// do sends one request. headers is a list of name, value pairs.
func (r *rig) do(method, path, body string, headers ...string) answer {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL()+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// authHeaders are the headers of an authorised ePayment call, followed by extra.
func (r *rig) authHeaders(extra ...string) []string {
	return append([]string{
		"Authorization", "Bearer " + r.token,
		"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey,
		"Merchant-Serial-Number", DefaultCredentials.MSN,
		"Content-Type", "application/json",
		"Vipps-System-Name", "vmp-tests",
	}, extra...)
}

// epay sends an authorised ePayment request.
func (r *rig) epay(method, path, body string, extra ...string) answer {
	r.t.Helper()
	return r.do(method, path, body, r.authHeaders(extra...)...)
}

func (r *rig) fetchToken() string {
	r.t.Helper()
	a := r.do(http.MethodPost, "/accesstoken/get", "",
		"client_id", DefaultCredentials.ClientID,
		"client_secret", DefaultCredentials.ClientSecret,
		"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey)
	if a.status != http.StatusOK {
		r.t.Fatalf("token: %v", a)
	}
	var tok accessTokenResponse
	mustDecode(r.t, a.body, &tok)
	return tok.AccessToken
}

// pushBody is a createPayment body for an in-store push payment of value øre to customer.
func pushBody(reference string, value int64, customer string) string {
	return fmt.Sprintf(`{"amount":{"currency":"NOK","value":%d},"paymentMethod":{"type":"WALLET"},`+
		`"customer":%s,"customerInteraction":"CUSTOMER_PRESENT","reference":%q,"userFlow":"PUSH_MESSAGE",`+
		`"paymentDescription":"Purchase at Acme Store"}`, value, customer, reference)
}

func phone(msisdn string) string { return fmt.Sprintf(`{"phoneNumber":%q}`, msisdn) }

// create makes a push payment of value øre to msisdn and fails the test unless it is created.
func (r *rig) create(reference string, value int64, msisdn string) {
	r.t.Helper()
	a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody(reference, value, phone(msisdn)), "Idempotency-Key", "create-"+reference)
	if a.status != http.StatusCreated {
		r.t.Fatalf("create %s: %v", reference, a)
	}
}

func amountBody(value int64) string {
	return fmt.Sprintf(`{"modificationAmount":{"currency":"NOK","value":%d}}`, value)
}

func (r *rig) capture(reference string, value int64, key string) answer {
	r.t.Helper()
	return r.epay(http.MethodPost, "/epayment/v1/payments/"+reference+"/capture", amountBody(value), "Idempotency-Key", key)
}

func (r *rig) refund(reference string, value int64, key string) answer {
	r.t.Helper()
	return r.epay(http.MethodPost, "/epayment/v1/payments/"+reference+"/refund", amountBody(value), "Idempotency-Key", key)
}

func (r *rig) cancel(reference, body string, extra ...string) answer {
	r.t.Helper()
	return r.epay(http.MethodPost, "/epayment/v1/payments/"+reference+"/cancel", body, extra...)
}

func (r *rig) get(reference string) getPaymentResponse {
	r.t.Helper()
	a := r.epay(http.MethodGet, "/epayment/v1/payments/"+reference, "")
	if a.status != http.StatusOK {
		r.t.Fatalf("get %s: %v", reference, a)
	}
	var p getPaymentResponse
	mustDecode(r.t, a.body, &p)
	return p
}

func (r *rig) events(reference string) []PaymentEvent {
	r.t.Helper()
	a := r.epay(http.MethodGet, "/epayment/v1/payments/"+reference+"/events", "")
	if a.status != http.StatusOK {
		r.t.Fatalf("events %s: %v", reference, a)
	}
	var evs []PaymentEvent
	mustDecode(r.t, a.body, &evs)
	return evs
}

func (r *rig) state(reference string) State {
	r.t.Helper()
	return r.get(reference).State
}

func mustDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := wirejson.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// wantProblem checks that a is a problem+json with this status and, when code is not 0, this
// ErrorCode; it returns the decoded problem.
func wantProblem(t *testing.T, a answer, status, code int) problem {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != contentProblemJSON {
		t.Fatalf("Content-Type = %q, want %q", ct, contentProblemJSON)
	}
	var p problem
	if err := wirejson.UnmarshalStrict(a.body, &p); err != nil {
		t.Fatalf("problem %s does not decode strictly: %v", a.body, err)
	}
	if p.Status != status || p.Type != fmt.Sprintf("https://httpstatuses.io/%d", status) || p.Title == "" || !strings.HasPrefix(p.TraceID, "00-") {
		t.Fatalf("malformed problem %s", a.body)
	}
	if got := p.code(); got != code {
		t.Fatalf("ErrorCode = %d, want %d; body %s", got, code, a.body)
	}
	return p
}

// namesField reports whether a problem's extraDetails name field.
func namesField(p problem, field string) bool {
	for _, d := range p.ExtraDetails {
		if d.Name == field {
			return true
		}
	}
	return false
}

func eventNames(evs []PaymentEvent) string {
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	return strings.Join(names, ",")
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }
