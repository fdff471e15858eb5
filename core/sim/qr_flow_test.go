package sim

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// createQR creates a customer-facing QR payment with this qrFormat member ("" for none) and
// returns its redirectUrl.
func (r *rig) createQR(ref string, qrFormat string) string {
	r.t.Helper()
	body := `{"amount":{"currency":"NOK","value":4990},"paymentMethod":{"type":"WALLET"},"reference":"` + ref +
		`","userFlow":"QR","customerInteraction":"CUSTOMER_PRESENT","paymentDescription":"Till 3"`
	if qrFormat != "" {
		body += `,"qrFormat":` + qrFormat
	}
	a := r.epay(http.MethodPost, "/epayment/v1/payments", body+"}", "Idempotency-Key", "qr-"+ref)
	if a.status != http.StatusCreated {
		r.t.Fatalf("create %s: %v", ref, a)
	}
	var resp createPaymentResponse
	mustDecode(r.t, a.body, &resp)
	return resp.RedirectURL
}

func TestAScannedTargetURLApprovesTheQRPayment(t *testing.T) {
	r := newRig(t, Options{})
	target := r.createQR("qr-flow-0001", `{"format":"TEXT/TARGETURL"}`)
	prefix := r.srv.URL() + "/sim/qr/"
	token := strings.TrimPrefix(target, prefix)
	if !strings.HasPrefix(target, prefix) || token == "" || strings.Contains(token, "/") {
		t.Fatalf("redirectUrl %q is not <base>/sim/qr/<token>", target)
	}
	if got := r.get("qr-flow-0001"); got.State != StateCreated || got.RedirectURL != target {
		t.Fatalf("before the scan: %+v", got)
	}

	page := r.do(http.MethodGet, "/sim/qr/"+token, "")
	var shown qrPage
	if err := wirejson.UnmarshalStrict(page.body, &shown); err != nil || page.status != http.StatusOK {
		t.Fatalf("page: %v (%v)", page, err)
	}
	want := qrPage{MSN: DefaultCredentials.MSN, Reference: "qr-flow-0001", Amount: Amount{"NOK", 4990}, PaymentDescription: "Till 3",
		State: StateCreated, ScanURL: target + "/scan"}
	if shown != want {
		t.Fatalf("page %+v, want %+v", shown, want)
	}
	if html := r.do(http.MethodGet, "/sim/qr/"+token, "", "Accept", "text/html"); html.status != http.StatusOK ||
		!strings.HasPrefix(html.header.Get("Content-Type"), "text/html") || !bytes.Contains(html.body, []byte("49.90 NOK")) {
		t.Fatalf("HTML page: %v", html)
	}

	if a := r.do(http.MethodPost, "/sim/qr/"+token+"/scan", ""); a.status != http.StatusNoContent {
		t.Fatalf("scan: %v", a)
	}
	if got := r.get("qr-flow-0001"); got.State != StateAuthorized || got.Aggregate.AuthorizedAmount.Value != 4990 {
		t.Fatalf("after the scan: %+v", got)
	}
	snap, _ := r.srv.Payment("qr-flow-0001")
	if snap.CustomerMSISDN != MSISDNScansQR || snap.CustomerIdentifiedBy != "qrScan" || eventNames(snap.Events) != "CREATED,AUTHORIZED" ||
		!snap.Events[1].Timestamp.Equal(simStart) {
		t.Fatalf("snapshot %+v", snap)
	}
	wantProblem(t, r.do(http.MethodPost, "/sim/qr/"+token+"/scan", ""), http.StatusConflict, 0)
	if err := r.srv.ScanQR(target); !errors.Is(err, ErrNotPending) {
		t.Fatalf("ScanQR of an authorized payment: %v", err)
	}
}

func TestScanningNamesTheCustomerAndRefusesWhatCannotPay(t *testing.T) {
	r := newRig(t, Options{})
	cases := []struct {
		name   string
		body   string
		status int
		msisdn string
	}{
		{"a scan without a body is the default customer", "", http.StatusNoContent, MSISDNScansQR},
		{"an empty object is the default customer", "{}", http.StatusNoContent, MSISDNScansQR},
		{"a phone number makes that customer pay", `{"phone_number":"4798765432"}`, http.StatusNoContent, "4798765432"},
		{"a phone number that is not an MSISDN is 400", `{"phone_number":"98765432x"}`, http.StatusBadRequest, ""},
		{"a customer who is not a Vipps user is 400", `{"phone_number":"` + MSISDNUnknown + `"}`, http.StatusBadRequest, ""},
		{"an unknown member is 400", `{"phone":"4798765432"}`, http.StatusBadRequest, ""},
		{"a body that is not JSON is 400", `{`, http.StatusBadRequest, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			ref := fmt.Sprintf("qr-scan-case-%02d", i)
			target := r.createQR(ref, `{"format":"TEXT/TARGETURL"}`)
			a := r.do(http.MethodPost, strings.TrimPrefix(target, r.srv.URL())+"/scan", tc.body)
			if tc.status != http.StatusNoContent {
				wantProblem(t, a, tc.status, 0)
				if r.state(ref) != StateCreated {
					t.Fatal("a refused scan changed the payment")
				}
				return
			}
			if a.status != tc.status {
				t.Fatalf("scan: %v", a)
			}
			if snap, _ := r.srv.Payment(ref); snap.State != StateAuthorized || snap.CustomerMSISDN != tc.msisdn {
				t.Fatalf("snapshot %+v", snap)
			}
		})
	}
}

func TestScanQRTakesTheTargetURLTheImageURLOrTheToken(t *testing.T) {
	r := newRig(t, Options{})
	target := r.createQR("qr-go-00001", `{"format":"TEXT/TARGETURL"}`)
	image := r.createQR("qr-go-00002", "")
	token := strings.TrimPrefix(r.createQR("qr-go-00003", `{"format":"TEXT/TARGETURL"}`), r.srv.URL()+"/sim/qr/")
	for _, u := range []string{target, image, token} {
		if err := r.srv.ScanQR(u); err != nil {
			t.Fatalf("ScanQR(%q): %v", u, err)
		}
	}
	for _, ref := range []string{"qr-go-00001", "qr-go-00002", "qr-go-00003"} {
		if s := r.state(ref); s != StateAuthorized {
			t.Fatalf("%s is %s", ref, s)
		}
	}
	if err := r.srv.ScanQR(r.srv.URL() + "/sim/qr/no-such-token"); !errors.Is(err, ErrUnknownQR) {
		t.Fatalf("an unknown token: %v", err)
	}
	if err := r.srv.ScanQRAs(target, MSISDNUnknown); err == nil {
		t.Fatal("a customer who is not a Vipps user scanned")
	}
	for _, path := range []string{"/sim/qr/no-such-token", "/sim/qr/no-such-token/image"} {
		wantProblem(t, r.do(http.MethodGet, path, ""), http.StatusNotFound, 0)
	}
	wantProblem(t, r.do(http.MethodPost, "/sim/qr/no-such-token/scan", ""), http.StatusNotFound, 0)
}

func TestAnUnscannedQRPaymentExpires(t *testing.T) {
	r := newRig(t, Options{PaymentExpiry: 5 * time.Minute})
	target := r.createQR("qr-expiry-001", `{"format":"TEXT/TARGETURL"}`)
	r.clock.Advance(5*time.Minute - time.Millisecond)
	if s := r.state("qr-expiry-001"); s != StateCreated {
		t.Fatalf("before expiry: %s", s)
	}
	r.clock.Advance(time.Millisecond)
	if s := r.state("qr-expiry-001"); s != StateExpired {
		t.Fatalf("after expiry: %s", s)
	}
	wantProblem(t, r.do(http.MethodPost, strings.TrimPrefix(target, r.srv.URL())+"/scan", ""), http.StatusConflict, 0)
}

func TestTheImageFormatsAreServedByTheSimulator(t *testing.T) {
	r := newRig(t, Options{})
	svg := r.createQR("qr-image-svg1", "")
	if !strings.HasSuffix(svg, "/image") {
		t.Fatalf("the default format is an image URL: %s", svg)
	}
	a := r.do(http.MethodGet, strings.TrimPrefix(svg, r.srv.URL()), "")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(a.body, []byte("<svg")) {
		t.Fatalf("SVG: %d %s %.60s", a.status, a.header.Get("Content-Type"), a.body)
	}
	pngURL := r.createQR("qr-image-png1", `{"format":"IMAGE/PNG","size":120}`)
	a = r.do(http.MethodGet, strings.TrimPrefix(pngURL, r.srv.URL()), "")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG: %d %s", a.status, a.header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(a.body))
	if err != nil || img.Bounds().Dx() != 120 || img.Bounds().Dy() != 120 {
		t.Fatalf("PNG decodes to %v (%v)", img.Bounds(), err)
	}
	if err := r.srv.ScanQR(pngURL); err != nil {
		t.Fatalf("scan of an image URL: %v", err)
	}
}

func TestQRFormatIsCheckedAgainstTheUserFlow(t *testing.T) {
	r := instantRig(t)
	cases := []struct {
		name  string
		extra string
		field string // "" when created
		code  int
	}{
		{"PNG with the largest size is accepted", `"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":2000}`, "", 0},
		{"PNG without a size is accepted", `"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG"}`, "", 0},
		{"a null qrFormat on a push payment is ignored", `"userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"4712345678"},"qrFormat":null`, "", 0},
		{"qrFormat on a push payment is 400", `"userFlow":"PUSH_MESSAGE","customer":{"phoneNumber":"4712345678"},"qrFormat":{"format":"TEXT/TARGETURL"}`, "qrFormat", 0},
		{"qrFormat on a web redirect is 400", `"userFlow":"WEB_REDIRECT","returnUrl":"https://a.example/","qrFormat":{"format":"IMAGE/SVG+XML"}`, "qrFormat", 0},
		{"a size with SVG is 400", `"userFlow":"QR","qrFormat":{"format":"IMAGE/SVG+XML","size":500}`, "qrFormat.size", 0},
		{"a size with a target URL is 400", `"userFlow":"QR","qrFormat":{"format":"TEXT/TARGETURL","size":500}`, "qrFormat.size", 0},
		{"a size below 100 is 400", `"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":99}`, "qrFormat.size", 0},
		{"a size above 2000 is 400", `"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":2001}`, "qrFormat.size", 0},
		{"a decimal size is 400", `"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":150.5}`, "qrFormat.size", 0},
		{"a qrFormat without format is 400 with 4140", `"userFlow":"QR","qrFormat":{"size":150}`, "qrFormat.format", codeMissingParameter},
		{"a qrFormat that is not an object is 400", `"userFlow":"QR","qrFormat":"IMAGE/PNG"`, "qrFormat", 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			ref := fmt.Sprintf("qr-format-%02d", i)
			body := `{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"` + ref + `",` + tc.extra + `}`
			a := r.epay(http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", ref)
			if tc.field == "" {
				if a.status != http.StatusCreated {
					t.Fatalf("create: %v", a)
				}
				return
			}
			if p := wantProblem(t, a, http.StatusBadRequest, tc.code); !namesField(p, tc.field) {
				t.Fatalf("extraDetails %+v do not name %s", p.ExtraDetails, tc.field)
			}
		})
	}
}

func TestAQRPaymentUnderAnotherSalesUnitShowsItsMSN(t *testing.T) {
	r := newRig(t, multiUnitOptions())
	b := r.loginUnit(unitB)
	body := `{"amount":{"currency":"NOK","value":1000},"paymentMethod":{"type":"WALLET"},"reference":"qr-unit-b-01","userFlow":"QR","qrFormat":{"format":"TEXT/TARGETURL"}}`
	a := r.as(b, unitB.MSN, http.MethodPost, "/epayment/v1/payments", body, "Idempotency-Key", "qb")
	var resp createPaymentResponse
	mustDecode(t, a.body, &resp)
	page := r.do(http.MethodGet, strings.TrimPrefix(resp.RedirectURL, r.srv.URL()), "")
	var shown qrPage
	mustDecode(t, page.body, &shown)
	if shown.MSN != unitB.MSN {
		t.Fatalf("page %s", page.body)
	}
	if err := r.srv.ScanQR(resp.RedirectURL); err != nil {
		t.Fatal(err)
	}
	if snap, _ := r.srv.PaymentOf(unitB.MSN, "qr-unit-b-01"); snap.State != StateAuthorized {
		t.Fatalf("state %s", snap.State)
	}
}

func TestAQRScanDelayMakesTheSimulatedCustomerScanByItself(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	s, err := Start(Options{Clock: clock, QRScanDelay: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.mu.Lock()
	now := s.now()
	p := newPayment(createRequest{Reference: "qr-auto-scan-1", UserFlow: "QR", Amount: Amount{Currency: "NOK", Value: 1000}}, "k", now, s.opts, &pspSequence{}, "u")
	s.mu.Unlock()
	p.settle(now.Add(time.Second))
	if p.state != StateCreated {
		t.Fatalf("scanned before the delay: %s", p.state)
	}
	p.settle(now.Add(2 * time.Second))
	if p.state != StateAuthorized || p.customer.MSISDN != MSISDNScansQR {
		t.Fatalf("after the delay: %s by %q", p.state, p.customer.MSISDN)
	}
}
