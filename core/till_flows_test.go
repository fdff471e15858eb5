package core

import (
	"context"
	"strings"
	"testing"
	"time"
)

// These tests follow the till around the payment: receipts, the customer-facing QR, the abort
// race and the capture check, each against the embedded simulator.

func TestAQRCheckoutIsDrawnLocallyAndPaidByScanning(t *testing.T) {
	c := newSimClient(t, "")
	ctx := context.Background()
	req, err := ParseCheckout([]byte(`{"amount":15000,"flow":"qr"}`))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.OwnUnit().CheckoutQR(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q.TargetURL, c.SimulatorURL()) || q.Size < 21 {
		t.Fatalf("QR for %q, %d modules", q.TargetURL, q.Size)
	}
	if p, _ := c.OwnUnit().PollStatus(ctx, ref, 300*time.Millisecond); p.State != StateCreated {
		t.Fatalf("before the scan the payment is %v", p.State)
	}
	if err := c.Simulator().ScanQR(q.TargetURL); err != nil {
		t.Fatal(err)
	}
	p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second)
	if err != nil || p.State != StateAuthorized || p.Authorized != 15000 {
		t.Fatalf("after the scan: %+v, %v", p, err)
	}
	// A fresh client (a restarted till) finds the QR through the journal or Vipps.
	if _, err := c.OwnUnit().CheckoutQR(ctx, "not-a-qr-payment-1"); CodeOf(err) != CodeNotFound {
		t.Fatalf("QR of an unknown payment: %v", err)
	}
}

func TestAPushPaymentHasNoQR(t *testing.T) {
	c := newSimClient(t, "")
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4790000004"}`)
	_, err := c.OwnUnit().CheckoutQR(context.Background(), ref)
	wantCode(t, err, CodeInvalidArgument, "")
}

func TestAReceiptTravelsWithTheCheckout(t *testing.T) {
	c := newSimClient(t, "")
	ref := checkout(t, c, `{"amount":9900,"phone_number":"4712345678","receipt":{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK","receiptNumber":"R-1"}}}`)
	got, ok := c.Simulator().Receipt("123456", ref)
	if !ok || !strings.Contains(string(got), `"receiptNumber":"R-1"`) || !strings.Contains(string(got), `"taxRate":1500`) {
		t.Fatalf("the simulator holds %s (%v)", got, ok)
	}
	// A receipt cannot be replaced afterwards.
	r, _ := ParseReceipt([]byte(`{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}`))
	wantCode(t, c.OwnUnit().AttachReceipt(context.Background(), ref, r), CodeConflict, "")
}

func TestAReceiptIsAttachedAfterASaleCompletedElsewhere(t *testing.T) {
	c := newSimClient(t, "")
	r, err := ParseReceipt([]byte(`{"orderLines":[{"name":"Coffee","id":"c1","totalAmount":4500,"totalAmountExcludingTax":3600,"totalTaxAmount":900,"taxRate":2500,"unitInfo":{"unitPrice":4500,"quantity":"1"}}],"bottomLine":{"currency":"NOK","posId":"till-1","receiptNumber":"77"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.OwnUnit().AttachReceipt(context.Background(), "cash-sale-000077", r); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Simulator().Receipt("123456", "cash-sale-000077"); !ok || !strings.Contains(string(got), "Coffee") {
		t.Fatalf("the simulator holds %s", got)
	}
	wantCode(t, c.OwnUnit().AttachReceipt(context.Background(), "cash-sale-000077", r), CodeConflict, "")
	r.OrderLines[0].TotalTaxAmount = 901 // looks wrong: sent with a warning
	if err := c.OwnUnit().AttachReceipt(context.Background(), "cash-sale-000078", r); err != nil {
		t.Fatal(err)
	}
	if ws, _ := c.OwnUnit().ReceiptWarnings("cash-sale-000078"); len(ws) != 1 {
		t.Fatalf("warnings %q", ws)
	}
}

func TestAnAbortRacingTheCustomersApprovalNeverLeavesTheTillGuessing(t *testing.T) {
	c := newSimClient(t, "")
	ctx := context.Background()
	for _, approveFirst := range []bool{false, true} {
		ref := checkout(t, c, `{"amount":3000,"phone_number":"4790000004"}`)
		if approveFirst {
			if err := c.Simulator().Approve(ref); err != nil {
				t.Fatal(err)
			}
		}
		p, err := c.OwnUnit().Cancel(ctx, ref, CancelOptions{TransactionOnly: true}, "abort-"+ref)
		if approveFirst {
			wantCode(t, err, CodeAlreadyAuthorized, "6060")
			if p.State != StateAuthorized || p.Authorized != 3000 {
				t.Fatalf("approved first: %+v", p)
			}
			// The till releases it (or would capture it).
			if p, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, ""); err != nil || p.Cancelled != 3000 {
				t.Fatalf("release: %+v, %v", p, err)
			}
		} else if err != nil || p.State != StateTerminated {
			t.Fatalf("cancelled first: %+v, %v", p, err)
		}
	}
}

func TestACaptureThatVippsReportsDifferentlyIsFlagged(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":10000,"phone_number":"4712345678"}`)
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 4000, "part-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Simulator().SkewCaptured(ref, -1000); err != nil {
		t.Fatal(err)
	}
	p, err := c.OwnUnit().Capture(ctx, ref, 1000, "part-2")
	wantCode(t, err, CodeCaptureMismatch, "")
	if p.Captured != 4000 || !strings.Contains(err.Error(), "5000") {
		t.Fatalf("payment %+v, error %v", p, err)
	}
}
