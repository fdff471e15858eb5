package vipps

import (
	"context"
	"errors"
	"testing"

	"github.com/vmp-dev/vmp/core/sim"
)

// newSimAndClient starts a simulator whose customers answer at once and a client for it.
func newSimAndClient(t *testing.T) (*sim.Server, *Client) {
	t.Helper()
	s, err := sim.Start(sim.Options{ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d := sim.DefaultCredentials
	c := newTestClient(t, s.URL(), func(cfg *Config) {
		cfg.Credentials = Credentials{ClientID: d.ClientID, ClientSecret: d.ClientSecret, SubscriptionKey: d.SubscriptionKey, MSN: d.MSN}
	})
	return s, c
}

func mustEncode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := EncodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func createBody(t *testing.T, ref, phone string, value int64) []byte {
	return mustEncode(t, CreatePaymentRequest{
		Amount: Amount{Currency: "NOK", Value: value}, PaymentMethod: PaymentMethod{Type: "WALLET"},
		Customer: &Customer{PhoneNumber: phone}, CustomerInteraction: "CUSTOMER_PRESENT",
		Reference: ref, UserFlow: "PUSH_MESSAGE", PaymentDescription: "Wire test",
	})
}

func TestTheWireClientRunsALifecycleAgainstTheSimulator(t *testing.T) {
	_, c := newSimAndClient(t)
	ctx := context.Background()
	const ref = "wire-lifecycle-0001"
	created, err := c.CreatePayment(ctx, "key-create-1", createBody(t, ref, "4712345678", 49900))
	if err != nil || created.Reference != ref {
		t.Fatalf("create: %+v, %v", created, err)
	}
	got, err := c.GetPayment(ctx, ref)
	if err != nil || got.State != "AUTHORIZED" || got.Aggregate.AuthorizedAmount.Value != 49900 || got.PSPReference == "" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	mod, err := c.CapturePayment(ctx, ref, "key-capture-1", mustEncode(t, ModificationRequest{ModificationAmount: Amount{Currency: "NOK", Value: 49900}}))
	if err != nil || mod.Aggregate.CapturedAmount.Value != 49900 || mod.State != "AUTHORIZED" {
		t.Fatalf("capture: %+v, %v", mod, err)
	}
	mod, err = c.RefundPayment(ctx, ref, "key-refund-1", mustEncode(t, ModificationRequest{ModificationAmount: Amount{Currency: "NOK", Value: 10000}}))
	if err != nil || mod.Aggregate.RefundedAmount.Value != 10000 {
		t.Fatalf("refund: %+v, %v", mod, err)
	}
	events, err := c.GetPaymentEvents(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	want := []string{"CREATED", "AUTHORIZED", "CAPTURED", "REFUNDED"}
	if len(names) != len(want) {
		t.Fatalf("events %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("events %v, want %v", names, want)
		}
	}
}

func TestTheWireClientCancelsWithAndWithoutABody(t *testing.T) {
	_, c := newSimAndClient(t)
	ctx := context.Background()
	if _, err := c.CreatePayment(ctx, "k1", createBody(t, "wire-cancel-0001", sim.MSISDNWaitsForControl, 1000)); err != nil {
		t.Fatal(err)
	}
	mod, err := c.CancelPayment(ctx, "wire-cancel-0001", "k2", nil)
	if err != nil || mod.State != "TERMINATED" || mod.Aggregate.CancelledAmount.Value != 1000 {
		t.Fatalf("cancel: %+v, %v", mod, err)
	}
	if _, err := c.CreatePayment(ctx, "k3", createBody(t, "wire-cancel-0002", "4712345678", 1000)); err != nil {
		t.Fatal(err)
	}
	_, err = c.CancelPayment(ctx, "wire-cancel-0002", "k4", mustEncode(t, CancelRequest{CancelTransactionOnly: true}))
	var p *Problem
	if !errors.As(err, &p) || p.ErrorCode != "6060" {
		t.Fatalf("cancelTransactionOnly on an authorized payment: %v", err)
	}
}

func TestSimulatorErrorsArriveAsTypedProblems(t *testing.T) {
	_, c := newSimAndClient(t)
	ctx := context.Background()
	cases := []struct {
		name       string
		call       func() error
		wantStatus int
		wantCode   string
	}{
		{"an unknown reference is 404 with 5090", func() error { _, err := c.GetPayment(ctx, "wire-unknown-0001"); return err }, 404, "5090"},
		{"an unknown customer is 400 with 7010", func() error {
			_, err := c.CreatePayment(ctx, "k-unknown", createBody(t, "wire-unknown-cust-1", sim.MSISDNUnknown, 1000))
			return err
		}, 400, "7010"},
		{"a malformed phone number is 400 with 4070", func() error {
			_, err := c.CreatePayment(ctx, "k-badphone", createBody(t, "wire-bad-phone-0001", "12", 1000))
			return err
		}, 400, "4070"},
		{"a key reused with another body is 409", func() error {
			if _, err := c.CreatePayment(ctx, "k-reuse", createBody(t, "wire-reuse-000001", "4712345678", 1000)); err != nil {
				return err
			}
			_, err := c.CreatePayment(ctx, "k-reuse", createBody(t, "wire-reuse-000001", "4712345678", 2000))
			return err
		}, 409, "4020"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p *Problem
			if err := tc.call(); !errors.As(err, &p) || p.HTTPStatus != tc.wantStatus || p.ErrorCode != tc.wantCode || p.TraceID == "" {
				t.Fatalf("err = %v, want HTTP %d ErrorCode %s with a traceId", err, tc.wantStatus, tc.wantCode)
			}
		})
	}
}

func TestTheSameKeyAndBodyReplayTheOriginalAnswer(t *testing.T) {
	s, c := newSimAndClient(t)
	ctx := context.Background()
	body := createBody(t, "wire-replay-000001", "4712345678", 1000)
	for i := 0; i < 3; i++ {
		if _, err := c.CreatePayment(ctx, "k-replay", body); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if n := s.Stats().Creates; n != 1 {
		t.Fatalf("simulator created %d payments, want 1", n)
	}
}
