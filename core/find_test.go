package core

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func findJSON(t *testing.T, c *Client, query string) []PaymentRecord {
	t.Helper()
	r, err := c.FindPayments(context.Background(), []byte(query))
	if err != nil {
		t.Fatalf("find %s: %v", query, err)
	}
	return r.Payments
}

func TestTheTillFindsItsPaymentsAndAddsUpTheDay(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	u := c.OwnUnit()
	a := checkout(t, c, `{"amount":1000,"phone_number":"4791234567","receipt":{"orderLines":[{"name":"A","id":"1","totalAmount":1000,"totalAmountExcludingTax":800,"totalTaxAmount":200,"taxPercentage":25}],"bottomLine":{"currency":"NOK","receiptNumber":"R-1"}}}`)
	b := checkout(t, c, `{"amount":2000,"phone_number":"4712345678"}`)
	for _, ref := range []string{a, b} {
		if _, err := u.PollStatus(ctx, ref, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := u.Capture(ctx, a, 1000, "cap-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Refund(ctx, a, 300, "ret-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Capture(ctx, b, 500, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Cancel(ctx, b, CancelOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		`{"reference":"` + a + `"}`: {a},
		`{"receipt_number":"R-1"}`:  {a},
		`{"operation_id":"ret-a"}`:  {a},
		`{}`:                        {b, a},
		`{"amount":2000}`:           {b},
		`{"state":"AUTHORIZED"}`:    {b, a},
		`{"state":"EXPIRED"}`:       {},
		`{"limit":1}`:               {b},
		`{"msn":"no-such-store"}`:   {},
		`{"date":"` + time.Now().Format("2006-01-02") + `"}`: {b, a},
	}
	for q, want := range cases {
		var got []string
		for _, r := range findJSON(t, c, q) {
			got = append(got, r.Reference)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("find %s = %v, want %v", q, got, want)
		}
	}
	rec := findJSON(t, c, `{"reference":"`+a+`"}`)[0]
	if rec.Captured != 1000 || rec.Refunded != 300 || rec.ReceiptNumber != "R-1" || rec.Phone != "47******67" || len(rec.Operations) != 3 {
		t.Errorf("record of a: %+v", rec)
	}
	data, _ := json.Marshal(rec)
	if strings.Contains(string(data), "91234567") {
		t.Errorf("a record holds the phone number: %s", data)
	}
	totals, err := c.PaymentTotals(ctx, []byte(`{}`))
	if err != nil || len(totals.Totals) != 1 {
		t.Fatalf("totals: %+v %v", totals, err)
	}
	got := totals.Totals[0]
	if got.Currency != "NOK" || got.Payments != 2 || got.Captured != 1500 || got.Captures != 2 || got.Refunded != 300 ||
		got.Refunds != 1 || got.Cancelled != 1500 || got.Cancels != 1 {
		t.Errorf("today's totals: %+v", got)
	}
	yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	if totals, _ := c.PaymentTotals(ctx, []byte(`{"date":"`+yesterday+`"}`)); len(totals.Totals) != 0 {
		t.Errorf("yesterday had nothing: %+v", totals)
	}
}

func TestBadFindQueriesGetAClearError(t *testing.T) {
	c := newSimClient(t, "")
	for q, want := range map[string]Code{
		`{`:                               CodeInvalidJSON,
		`[]`:                              CodeInvalidJSON,
		`{"referense":"x"}`:               CodeInvalidJSON,
		`{"amount":"ten"}`:                CodeInvalidJSON,
		`{"amount":-5}`:                   CodeInvalidArgument,
		`{"limit":1001}`:                  CodeInvalidArgument,
		`{"state":"PAID"}`:                CodeInvalidArgument,
		`{"date":"05.12.2026"}`:           CodeInvalidArgument,
		`{"from":"2026-12-05T00:00:00Z"}`: CodeInvalidArgument,
		`{"from":"2026-12-05T00:00:00Z","to":"2026-12-04T00:00:00Z"}`:                     CodeInvalidArgument,
		`{"from":"2020-01-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}`:                     CodeInvalidArgument,
		`{"from":"1900-01-01T00:00:00Z","to":"1900-01-02T00:00:00Z"}`:                     CodeInvalidArgument,
		`{"date":"2026-12-05","from":"2026-12-05T00:00:00Z","to":"2026-12-06T00:00:00Z"}`: CodeInvalidArgument,
		`{"source":"chain"}`: CodeInvalidArgument, // no ledger configured
		`{"reference":"` + strings.Repeat("x", 300) + `"}`: CodeInvalidArgument,
	} {
		_, err := c.FindPayments(context.Background(), []byte(q))
		if CodeOf(err) != want || err.Error() == "" {
			t.Errorf("find %.60s: %v (%v), want %v", q, CodeOf(err), err, want)
		}
	}
	if _, err := c.PaymentTotals(context.Background(), []byte(`{"reference":"x"}`)); CodeOf(err) != CodeInvalidJSON {
		t.Errorf("totals take no reference: %v", err)
	}
}
