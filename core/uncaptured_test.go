package core

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/internal/payments"
)

func uncapturedRefs(t *testing.T, c *Client) map[string]PaymentRecord {
	t.Helper()
	r, err := c.Pending()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]PaymentRecord{}
	for _, p := range r.Uncaptured {
		m[p.Reference] = p
	}
	return m
}

// Failed before: an AUTHORIZED payment the till had not captured was listed nowhere after a
// restart (vmp_pending and vmp_recover showed nothing).
func TestAnAuthorizedPaymentLeftUncapturedIsListedAcrossARestartUntilCaptured(t *testing.T) {
	s, _ := externalSim(t)
	path := filepath.Join(t.TempDir(), "journal.db")
	ctx := context.Background()
	c := clientOn(t, s, path)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4790000004","receipt":{"orderLines":[{"name":"Coffee","id":"1","totalAmount":1000,"totalAmountExcludingTax":800,"totalTaxAmount":200,"taxPercentage":25}],"bottomLine":{"currency":"NOK","receiptNumber":"Z-42"}}}`)
	if err := s.Approve(ref); err != nil {
		t.Fatal(err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("poll: %+v %v", p, err)
	}
	c.Close()

	c = clientOn(t, s, path)
	defer c.Close()
	got, ok := uncapturedRefs(t, c)[ref]
	if !ok || got.State != "AUTHORIZED" || got.Authorized != 1000 || got.ReceiptNumber != "Z-42" || got.Phone != "47******04" {
		t.Fatalf("after a restart the authorized payment is listed: %+v (%v)", got, ok)
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 400, "part-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := uncapturedRefs(t, c)[ref]; !ok {
		t.Fatal("600 of 1000 still reserved: still listed")
	}
	if _, err := c.OwnUnit().Capture(ctx, ref, 600, "part-2"); err != nil {
		t.Fatal(err)
	}
	if _, ok := uncapturedRefs(t, c)[ref]; ok {
		t.Fatal("fully captured: no longer listed")
	}
}

func TestAPaymentThatExpiredWhileTheTillWasDownLeavesTheListWhenRecoverReadsIt(t *testing.T) {
	s, _ := externalSim(t)
	path := filepath.Join(t.TempDir(), "journal.db")
	c := clientOn(t, s, path)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4790000004"}`)
	c.Close()
	if err := s.Expire(ref); err != nil {
		t.Fatal(err)
	}
	c = clientOn(t, s, path)
	defer c.Close()
	if got, ok := uncapturedRefs(t, c)[ref]; !ok || got.State != "CREATED" {
		t.Fatalf("a payment last seen CREATED may hold money: listed, got %+v", got)
	}
	report, err := c.Recover(context.Background(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range report.Uncaptured {
		if p.Reference == ref {
			t.Fatalf("recover read it EXPIRED, yet lists it: %+v", p)
		}
	}
	if _, ok := uncapturedRefs(t, c)[ref]; ok {
		t.Fatal("expired: no longer listed by Pending")
	}
}

func TestTheHostCanAcknowledgeAPaymentItLeavesUncaptured(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "journal.db"))
	defer c.Close()
	ref := checkout(t, c, `{"amount":1000,"phone_number":"4790000004"}`)
	wantCode(t, c.Acknowledge(payments.AckPaymentPrefix+"no-such-ref"), CodeNotFound, "")
	if err := c.Acknowledge(payments.AckPaymentPrefix + ref); err != nil {
		t.Fatal(err)
	}
	if _, ok := uncapturedRefs(t, c)[ref]; ok {
		t.Fatal("acknowledged: no longer listed")
	}
}
