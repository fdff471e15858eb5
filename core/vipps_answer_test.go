package core

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Issue 16 point 3: what Vipps answered, as fields - status, ErrorCode, title, traceId - for a
// till that must say "use a card" without parsing English.

func startCheckout(t *testing.T, c *Client, json string) (string, error) {
	t.Helper()
	req, err := c.ParseCheckout([]byte(json))
	if err != nil {
		t.Fatal(err)
	}
	return c.OwnUnit().StartCheckout(context.Background(), req)
}

func wantAnswer(t *testing.T, err error, status int, code, title string) VippsAnswer {
	t.Helper()
	a, ok := VippsAnswerOf(err)
	if !ok || a.HTTPStatus != status || a.VippsErrorCode != code || a.VippsTitle != title || !strings.HasPrefix(a.TraceID, "00-") {
		t.Fatalf("Vipps' answer in %v = %+v (found %v), want %d %s %q with a traceId", err, a, ok, status, code, title)
	}
	return a
}

func TestACustomerWhoCannotPayIsCustomerNotFoundWithVippsAnswer(t *testing.T) {
	c := newSimClient(t, "")
	_, err := startCheckout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNUnknown+`"}`)
	wantCode(t, err, CodeCustomerNotFound, "7010")
	wantAnswer(t, err, 400, "7010", "Customer not found")

	// The same refusal given again from the journal ("nothing was sent again") keeps the answer.
	_, again := startCheckout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNUnknown+`","reference":"till-7010-again"}`)
	_, err = startCheckout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNUnknown+`","reference":"till-7010-again"}`)
	if CodeOf(err) != CodeCustomerNotFound || !strings.Contains(err.Error(), "nothing was sent again") {
		t.Fatalf("the repeat: %v (first: %v)", err, again)
	}
	first, _ := VippsAnswerOf(again)
	if a := wantAnswer(t, err, 400, "7010", "Customer not found"); a.TraceID != first.TraceID {
		t.Fatalf("the repeat's traceId %s is not the recorded %s", a.TraceID, first.TraceID)
	}
}

func TestAFailureWithoutAnAnswerFromVippsCarriesNone(t *testing.T) {
	c := newSimClient(t, "")
	_, err := c.OwnUnit().Capture(context.Background(), "till-no-answer", 0, "")
	if _, ok := VippsAnswerOf(err); ok || err == nil {
		t.Fatalf("a failure found by vmp itself carries an answer of Vipps: %v", err)
	}
}

func TestAPushTheSalesUnitMayNotSendIsPushNotAllowed(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"push_not_allowed":true}`)
	ref, err := startCheckout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	wantCode(t, err, CodePushNotAllowed, "5080")
	wantAnswer(t, err, 400, "5080", "PUSH_MESSAGE not allowed")
	if ref != "" || !strings.Contains(err.Error(), "push_fallback") {
		t.Fatalf("without push_fallback: reference %q, %v", ref, err)
	}
	// A QR checkout is still allowed.
	if _, err := startCheckout(t, c, `{"amount":1000,"flow":"qr"}`); err != nil {
		t.Fatal(err)
	}
}

func TestPushFallbackQRTurnsARefusedPushIntoAQRCheckout(t *testing.T) {
	c := newSimClient(t, `,"push_fallback":"qr","simulator":{"push_not_allowed":true}`)
	ctx := context.Background()
	ref, err := startCheckout(t, c, `{"amount":2500,"phone_number":"4712345678","reference":"sale-000123"}`)
	wantCode(t, err, CodePushNotAllowed, "5080")
	if ref != "sale-000123-qr" || !strings.Contains(err.Error(), "QR checkout sale-000123-qr was started") {
		t.Fatalf("fallback: reference %q, %v", ref, err)
	}
	if _, err := c.OwnUnit().CheckoutQR(ctx, ref); err != nil {
		t.Fatalf("the fallback's QR code: %v", err)
	}
	p, err := c.OwnUnit().PollStatus(ctx, ref, 0)
	if err != nil || p.State != StateCreated || p.Amount != 2500 {
		t.Fatalf("the fallback payment: %+v, %v", p, err)
	}
	// The same checkout again is the same QR payment, not a second one.
	again, err := startCheckout(t, c, `{"amount":2500,"phone_number":"4712345678","reference":"sale-000123"}`)
	if again != ref || CodeOf(err) != CodePushNotAllowed {
		t.Fatalf("repeat: %q, %v", again, err)
	}
	// The customer scans the code and pays.
	if err := c.Simulator().ScanQRAs(p.RedirectURL, "4712345678"); err != nil {
		t.Fatal(err)
	}
	if p, err = c.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("after the scan: %+v, %v", p, err)
	}
}

func TestFallbackReferencesFitAndStayDistinct(t *testing.T) {
	long1, long2 := strings.Repeat("a", 63)+"1", strings.Repeat("a", 63)+"2"
	r1, r2 := fallbackReference(long1), fallbackReference(long2)
	if len(r1) != 64 || r1 == r2 || !strings.HasSuffix(r1, "-qr") {
		t.Fatalf("%q, %q", r1, r2)
	}
	if fallbackReference("") != "" || fallbackReference("sale-1") != "sale-1-qr" {
		t.Fatal("short references")
	}
}

func TestPushFallbackOtherThanQRIsAConfigError(t *testing.T) {
	_, err := ParseConfig([]byte(`{"environment":"simulator","push_fallback":"card"}`))
	wantCode(t, err, CodeInvalidConfig, "")
}

// Keys Vipps refuses at the token endpoint are VMP_ERR_AUTH with that answer: the request
// itself never left, but the till still learns what Vipps said.
func TestRefusedKeysCarryTheTokenEndpointsAnswer(t *testing.T) {
	srv, err := sim.Start(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg, err := ParseConfig([]byte(`{"environment":"simulator","base_url":"` + srv.URL() + `","client_id":"wrong-id",` +
		`"client_secret":"wrong","subscription_key":"` + sim.DefaultCredentials.SubscriptionKey + `","msn":"` + sim.DefaultCredentials.MSN +
		`","journal_path":"` + t.TempDir() + `/j.db"}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	_, err = startCheckout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	if a, ok := VippsAnswerOf(err); CodeOf(err) != CodeAuth || !ok || a.HTTPStatus != 401 {
		t.Fatalf("refused keys: %v, answer %+v (%v)", err, a, ok)
	}
}
