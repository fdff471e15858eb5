package core

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// newSimClient starts a client on its own embedded simulator.
func newSimClient(t *testing.T, extra string) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(`{"environment":"simulator","store_id":"s1","pos_id":"p1"` + extra + `}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func checkout(t *testing.T, c *Client, json string) string {
	t.Helper()
	req, err := ParseCheckout([]byte(json))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func wantCode(t *testing.T, err error, want Code, vippsCode string) {
	t.Helper()
	if got := CodeOf(err); got != want {
		t.Fatalf("code = %v, want %v (err: %v)", got, want, err)
	}
	if vippsCode != "" {
		e, _ := err.(*Error)
		if e == nil || e.VippsErrorCode != vippsCode {
			t.Fatalf("Vipps ErrorCode of %v is not %s", err, vippsCode)
		}
	}
}

func TestAPushPaymentGoesFromCheckoutToCaptureAndRefund(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":100}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":49900,"phone_number":"+47 912 34 567"}`)
	p, err := c.OwnUnit().PollStatus(ctx, ref, 10*time.Second)
	if err != nil || p.State != StateAuthorized || p.Authorized != 49900 || p.Currency != "NOK" {
		t.Fatalf("poll: %+v, %v", p, err)
	}
	if p, err = c.OwnUnit().Capture(ctx, ref, 49900, "receipt-1"); err != nil || p.Captured != 49900 {
		t.Fatalf("capture: %+v, %v", p, err)
	}
	if p, err = c.OwnUnit().Refund(ctx, ref, 10000, "return-1"); err != nil || p.Refunded != 10000 || p.Captured != 49900 {
		t.Fatalf("refund: %+v, %v", p, err)
	}
	snap, ok := c.Simulator().Payment(ref)
	if !ok || snap.Aggregate.CapturedAmount.Value != 49900 || snap.Aggregate.RefundedAmount.Value != 10000 {
		t.Fatalf("simulator sees %+v", snap)
	}
}

func TestCustomersWhoDoNotApproveEndInTheirFinalState(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":50,"payment_expiry_ms":300}`)
	cases := []struct {
		name  string
		phone string
		want  State
	}{
		{"a customer who declines ends ABORTED", sim.MSISDNRejects, StateAborted},
		{"a customer who never answers ends EXPIRED", sim.MSISDNNeverAnswers, StateExpired},
		{"a customer who approves ends AUTHORIZED", "4712345678", StateAuthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := checkout(t, c, fmt.Sprintf(`{"amount":1000,"phone_number":"%s"}`, tc.phone))
			p, err := c.OwnUnit().PollStatus(context.Background(), ref, 10*time.Second)
			if err != nil || p.State != tc.want {
				t.Fatalf("got %v, %v; want %v", p.State, err, tc.want)
			}
		})
	}
}

func TestAnUnknownCustomerIsRejectedWithVippsCode7010(t *testing.T) {
	c := newSimClient(t, "")
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"` + sim.MSISDNUnknown + `"}`))
	ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
	wantCode(t, err, CodeCustomerNotFound, "7010")
	if ref != "" {
		t.Fatalf("a rejected checkout returned reference %q", ref)
	}
}

func TestCancellingBeforeApprovalTerminatesThePayment(t *testing.T) {
	c := newSimClient(t, "")
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	p, err := c.OwnUnit().Cancel(context.Background(), ref, CancelOptions{TransactionOnly: true}, "")
	if err != nil || p.State != StateTerminated || p.Cancelled != 1000 {
		t.Fatalf("cancel: %+v, %v", p, err)
	}
	if p, err = c.OwnUnit().PollStatus(context.Background(), ref, 0); err != nil || p.State != StateTerminated {
		t.Fatalf("poll after cancel: %+v, %v", p, err)
	}
}

func TestCancellingAfterPartialCaptureReleasesTheRest(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p, err := c.OwnUnit().Cancel(ctx, ref, CancelOptions{TransactionOnly: true}, "")
	wantCode(t, err, CodeAlreadyAuthorized, "6060")
	if p.State != StateAuthorized || p.Authorized != 1000 || p.Cancelled != 0 {
		t.Fatalf("an abort after approval must tell the payment is authorized: %+v", p)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 250, ""); err != nil {
		t.Fatal(err)
	}
	p, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, "")
	if err != nil || p.State != StateAuthorized || p.Captured != 250 || p.Cancelled != 750 {
		t.Fatalf("cancel: %+v, %v", p, err)
	}
}

func TestVippsRulesOnCaptureAndRefundReachTheTill(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	waiting := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	_, err := c.OwnUnit().Capture(ctx, waiting, 1000, "")
	wantCode(t, err, CodeRejected, "6080")

	ref := checkout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = c.OwnUnit().Refund(ctx, ref, 100, "")
	wantCode(t, err, CodeRejected, "6020")
	_, err = c.OwnUnit().Capture(ctx, ref, 1001, "")
	wantCode(t, err, CodeRejected, "6090")
	if _, err := c.OwnUnit().Capture(ctx, ref, 1000, ""); err != nil {
		t.Fatal(err)
	}
	_, err = c.OwnUnit().Refund(ctx, ref, 1001, "")
	wantCode(t, err, CodeRejected, "6150")

	_, err = c.OwnUnit().PollStatus(ctx, "no-such-payment-1", 0)
	wantCode(t, err, CodeNotFound, "5090")
	_, err = c.OwnUnit().Capture(ctx, "no-such-payment-2", 100, "")
	wantCode(t, err, CodeNotFound, "")
}

func TestRepeatingAnOperationIDNeverMovesMoneyTwice(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":5000,"phone_number":"4712345678"}`)
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		p, err := c.OwnUnit().Capture(ctx, ref, 2000, "receipt-77")
		if err != nil || p.Captured != 2000 {
			t.Fatalf("capture %d: %+v, %v", i, p, err)
		}
	}
	_, err := c.OwnUnit().Capture(ctx, ref, 3000, "receipt-77")
	wantCode(t, err, CodeConflict, "")
	if n := c.Simulator().Stats().Captures; n != 1 {
		t.Fatalf("simulator saw %d captures, want 1", n)
	}
}

func TestRepeatingACheckoutWithItsReferenceNeverCreatesTwoPayments(t *testing.T) {
	c := newSimClient(t, "")
	body := `{"amount":1000,"phone_number":"4712345678","reference":"till-receipt-000123"}`
	for i := 0; i < 2; i++ {
		if ref := checkout(t, c, body); ref != "till-receipt-000123" {
			t.Fatalf("reference %q", ref)
		}
	}
	req, _ := ParseCheckout([]byte(`{"amount":2000,"phone_number":"4712345678","reference":"till-receipt-000123"}`))
	_, err := c.OwnUnit().StartCheckout(context.Background(), req)
	wantCode(t, err, CodeConflict, "")
	if n := c.Simulator().Stats().Creates; n != 1 {
		t.Fatalf("simulator created %d payments, want 1", n)
	}
}

func TestManyWaitersOnOnePaymentShareTheReads(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":1000}`)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4712345678"}`)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.OwnUnit().PollStatus(context.Background(), ref, 10*time.Second)
			if err == nil && p.State != StateAuthorized {
				err = fmt.Errorf("state %v", p.State)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reads := c.Simulator().Stats().Requests["GET /epayment/v1/payments/{reference}"]
	if reads < 1 || reads > 6 {
		t.Fatalf("20 waiters over ~1 s caused %d reads, want a shared handful", reads)
	}
}

func TestAWaitReturnsTheLastStateWhenTimeRunsOut(t *testing.T) {
	c := newSimClient(t, "")
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	start := time.Now()
	p, err := c.OwnUnit().PollStatus(context.Background(), ref, 700*time.Millisecond)
	if err != nil || p.State != StateCreated {
		t.Fatalf("%+v, %v", p, err)
	}
	if el := time.Since(start); el < 700*time.Millisecond || el > 5*time.Second {
		t.Fatalf("waited %v for a 700 ms wait", el)
	}
	if err := c.Simulator().Approve(ref); err != nil {
		t.Fatal(err)
	}
	if p, err = c.OwnUnit().PollStatus(context.Background(), ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("after approval: %+v, %v", p, err)
	}
}

func TestCloseEndsAWaitPromptlyAndRefusesLaterCalls(t *testing.T) {
	cfg, _ := ParseConfig([]byte(`{}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	done := make(chan error, 1)
	go func() {
		_, err := c.OwnUnit().PollStatus(context.Background(), ref, time.Minute)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	c.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting poll did not return after Close")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("Close took %v", el)
	}
	_, err = c.OwnUnit().PollStatus(context.Background(), ref, 0)
	wantCode(t, err, CodeInvalidHandle, "")
	c.Close() // idempotent
}

// hangingVipps issues tokens and then accepts every API request without ever answering,
// like a network that drops the answer.
func hangingVipps(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/accesstoken/get" {
			fmt.Fprint(w, `{"token_type":"Bearer","expires_in":"3600","access_token":"t"}`)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { close(release); srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestAMoneyCallWithoutAnAnswerIsAnUnknownOutcomeNeverAFailure(t *testing.T) {
	url := hangingVipps(t)
	cfg, err := ParseConfig([]byte(`{"journal_path":"` + filepath.Join(t.TempDir(), "j.db") + `","base_url":"` + url + `","timeouts":{"request_ms":500,"operation_ms":1500}}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678","reference":"hang-test-0001"}`))
	ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
	wantCode(t, err, CodeUnknownOutcome, "")
	if ref != "hang-test-0001" {
		t.Fatalf("reference %q not returned with the unknown outcome", ref)
	}
	_, err = c.OwnUnit().PollStatus(context.Background(), ref, 0)
	wantCode(t, err, CodeNetwork, "")
}

func TestAnUnreachableVippsIsANetworkErrorAndNothingWasSent(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cfg, _ := ParseConfig([]byte(`{"journal_path":"` + filepath.Join(t.TempDir(), "j.db") + `","base_url":"http://` + addr + `","timeouts":{"connect_ms":200,"request_ms":500,"operation_ms":2000}}`))
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678"}`))
	ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
	wantCode(t, err, CodeNetwork, "")
	if ref != "" {
		t.Fatalf("reference %q returned for a request that was never sent", ref)
	}
}

func TestAPaymentHasItsPSPReferenceTimesAndEventLog(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":2000,"phone_number":"4712345678"}`)
	p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second)
	if err != nil || p.State != StateAuthorized || p.PSPReference == "" || p.CreatedAt.IsZero() || p.LastChanged.Before(p.CreatedAt) {
		t.Fatalf("%+v, %v", p, err)
	}
	events, err := c.OwnUnit().PaymentEvents(ctx, ref)
	if err != nil || len(events) < 2 || events[0].Name != "CREATED" || events[1].Name != "AUTHORIZED" {
		t.Fatalf("events %+v, %v", events, err)
	}
	created, _ := time.Parse(time.RFC3339Nano, events[0].Timestamp)
	if after, _ := c.OwnUnit().PollStatus(ctx, ref, 0); !after.CreatedAt.Equal(created) || !after.LastChanged.Equal(p.LastChanged) {
		t.Fatalf("after the event log: created %v (want %v), last changed %v (want %v)", after.CreatedAt, created, after.LastChanged, p.LastChanged)
	}
	_, err = c.OwnUnit().PaymentEvents(ctx, "no-such-payment-1")
	wantCode(t, err, CodeNotFound, "")
}
