package sim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/wirejson"
)

func TestCreatePaymentAnswers201WithOnlyTheReferenceForPushMessages(t *testing.T) {
	r := newRig(t, Options{})
	a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody("store12-pos3-000184", 49900, phone("4712345678")), "Idempotency-Key", "k-184")
	if a.status != http.StatusCreated || a.header.Get("Content-Type") != contentJSON {
		t.Fatalf("create: %v (%s)", a, a.header.Get("Content-Type"))
	}
	if string(a.body) != `{"reference":"store12-pos3-000184"}` {
		t.Fatalf("body %s", a.body)
	}
	if st := r.srv.Stats(); st.Creates != 1 || st.Requests["POST /epayment/v1/payments"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGetPaymentAnswersTheVippsShape(t *testing.T) {
	r := newRig(t, Options{})
	r.create("get-shape-0001", 49900, MSISDNWaitsForControl)
	a := r.epay(http.MethodGet, "/epayment/v1/payments/get-shape-0001", "")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != contentJSON {
		t.Fatalf("get: %v", a)
	}
	var got getPaymentResponse
	if err := wirejson.UnmarshalStrict(a.body, &got); err != nil {
		t.Fatal(err)
	}
	zero := Amount{Currency: "NOK"}
	want := getPaymentResponse{
		Aggregate:     Aggregate{AuthorizedAmount: zero, CancelledAmount: zero, CapturedAmount: zero, RefundedAmount: zero},
		Amount:        Amount{Currency: "NOK", Value: 49900},
		State:         StateCreated,
		PaymentMethod: paymentMethod{Type: "WALLET"},
		PSPReference:  got.PSPReference,
		Reference:     "get-shape-0001",
	}
	if !reflect.DeepEqual(got, want) || got.PSPReference == "" {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for _, field := range []string{`"profile":{}`, `"aggregate":{"authorizedAmount":{"currency":"NOK","value":0}`} {
		if !strings.Contains(string(a.body), field) {
			t.Fatalf("body %s lacks %s", a.body, field)
		}
	}
	if evs := r.events("get-shape-0001"); len(evs) != 1 || evs[0].PSPReference != got.PSPReference {
		t.Fatalf("the getPayment pspReference must be the CREATED event's; events %+v", evs)
	}
}

func TestEventLogListsEveryEventWithItsOwnPSPReference(t *testing.T) {
	r := instantRig(t)
	r.create("event-log-0001", 10000, "4791234567")
	r.capture("event-log-0001", 4000, "cap-1")
	r.refund("event-log-0001", 1000, "ref-1")
	r.cancel("event-log-0001", "")
	a := r.epay(http.MethodGet, "/epayment/v1/payments/event-log-0001/events", "")
	if a.header.Get("Content-Type") != contentJSON {
		t.Fatalf("Content-Type %q", a.header.Get("Content-Type"))
	}
	var evs []PaymentEvent
	if err := wirejson.UnmarshalStrict(a.body, &evs); err != nil {
		t.Fatal(err)
	}
	if got := eventNames(evs); got != "CREATED,AUTHORIZED,CAPTURED,REFUNDED,CANCELLED" {
		t.Fatalf("events %s", got)
	}
	wantValues := []int64{10000, 10000, 4000, 1000, 6000}
	wantKeys := []string{"create-event-log-0001", "create-event-log-0001", "cap-1", "ref-1", ""}
	seen := map[string]bool{}
	for i, e := range evs {
		if e.Reference != "event-log-0001" || !e.Success || e.Amount != (Amount{"NOK", wantValues[i]}) || e.Timestamp.IsZero() {
			t.Fatalf("event %d: %+v", i, e)
		}
		if key := derefKey(e.IdempotencyKey); key != wantKeys[i] {
			t.Fatalf("event %d idempotencyKey %q, want %q", i, key, wantKeys[i])
		}
		if seen[e.PSPReference] || e.PSPReference == "" {
			t.Fatalf("pspReference %q repeats or is empty", e.PSPReference)
		}
		seen[e.PSPReference] = true
	}
	if strings.Contains(string(a.body), `"idempotencyKey":null`) {
		t.Fatalf("a missing idempotencyKey is left out, not null: %s", a.body)
	}
}

func TestRedirectFlowsAnswerWithARedirectURL(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name   string
		extra  string
		prefix string
	}{
		{"a web redirect goes to the landing page", `"userFlow":"WEB_REDIRECT","returnUrl":"https://shop.example/return"`, "https://landing.vipps.no?token="},
		{"a native redirect is an app link", `"userFlow":"NATIVE_REDIRECT"`, "vipps://"},
		{"a QR flow links to a QR image the simulator serves by default", `"userFlow":"QR"`, r.srv.URL() + "/sim/qr/"},
		{"a QR flow with TEXT/TARGETURL gives the simulator's target URL", `"userFlow":"QR","qrFormat":{"format":"TEXT/TARGETURL"}`, r.srv.URL() + "/sim/qr/"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			ref := "redirect-flow-" + string(rune('a'+i))
			body := `{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"` + ref + `",` + tc.extra + `}`
			a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", ref)
			if a.status != http.StatusCreated {
				t.Fatalf("create: %v", a)
			}
			var resp createPaymentResponse
			mustDecode(t, a.body, &resp)
			if !strings.HasPrefix(resp.RedirectURL, tc.prefix) || resp.Reference != ref {
				t.Fatalf("answer %s, want redirectUrl starting %s", a.body, tc.prefix)
			}
			if got := r.get(ref); got.RedirectURL != resp.RedirectURL || got.State != StateCreated {
				t.Fatalf("getPayment %+v: without a customer the payment waits", got)
			}
		})
	}
}

func TestUnknownReferencesAre404With5090(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name, method, path, body string
		headers                  []string
	}{
		{"getPayment", http.MethodGet, "/epayment/v1/payments/unknown-ref-1", "", nil},
		{"the event log", http.MethodGet, "/epayment/v1/payments/unknown-ref-1/events", "", nil},
		{"capture", http.MethodPost, "/epayment/v1/payments/unknown-ref-1/capture", amountBody(100), []string{"Idempotency-Key", "u1"}},
		{"refund", http.MethodPost, "/epayment/v1/payments/unknown-ref-1/refund", amountBody(100), []string{"Idempotency-Key", "u2"}},
		{"cancel", http.MethodPost, "/epayment/v1/payments/unknown-ref-1/cancel", "", nil},
		{"forceApprove", http.MethodPost, "/epayment/v1/test/payments/unknown-ref-1/approve", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name+" of an unknown reference is 404 with 5090", func(t *testing.T) {
			r := r.with(t)
			p := wantProblem(t, r.epay(tc.method, tc.path, tc.body, tc.headers...), http.StatusNotFound, codeReferenceNotFound)
			if !strings.HasPrefix(p.Instance, "/v1/payments/unknown-ref-1") && !strings.HasPrefix(p.Instance, "/v1/test/") {
				t.Fatalf("instance %q", p.Instance)
			}
		})
	}
}

func TestPathReferencesMustMatchThePattern(t *testing.T) {
	r := instantRig(t)
	for _, ref := range []string{"short", "has_underscore", "has%20space", strings.Repeat("a", 65)} {
		t.Run("the reference "+ref+" is 400", func(t *testing.T) {
			r := r.with(t)
			p := wantProblem(t, r.epay(http.MethodGet, "/epayment/v1/payments/"+ref, ""), http.StatusBadRequest, 0)
			if !namesField(p, "reference") {
				t.Fatalf("extraDetails do not name reference: %+v", p.ExtraDetails)
			}
		})
	}
}

func derefKey(k *string) string {
	if k == nil {
		return ""
	}
	return *k
}
