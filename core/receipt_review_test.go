package core

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// Receipts a store sends on its first day that only look wrong (issue 16, point 1): each was
// refused by vmp 0.2.0 before anything was sent; now each goes with warnings, and
// strict_receipts refuses it as before.
var receiptsThatOnlyLookWrong = []struct {
	name    string
	amount  int64
	receipt string
	warning string
}{
	{"the in-store example of Vipps' documentation (7475 tax on 22425 at 25.50 %)", 29900,
		`{"orderLines":[{"name":"Vipps socks","id":"1234567890","totalAmount":29900,"totalAmountExcludingTax":22425,"totalTaxAmount":7475,"taxRate":2550,"unitInfo":{"unitPrice":29900,"quantity":"1","quantityUnit":"PCS"}}],"bottomLine":{"currency":"NOK","posId":"pos_122","receiptNumber":"0527013501"}}`,
		"does not match 25.50 %"},
	{"a gift card and Vipps split the payment without paymentSources", 30000,
		`{"orderLines":[{"name":"Jacket","id":"j-1","totalAmount":50000,"totalAmountExcludingTax":40000,"totalTaxAmount":10000,"taxRate":2500}],"bottomLine":{"currency":"NOK"}}`,
		"add up to 50000, but the payment is 30000"},
	{"a cosmetic quantity (a bundle priced as one)", 4500,
		`{"orderLines":[{"name":"Coffee, 3 for 2","id":"c3","totalAmount":4500,"totalAmountExcludingTax":3600,"totalTaxAmount":900,"taxRate":2500,"unitInfo":{"unitPrice":2250,"quantity":"3"}}],"bottomLine":{"currency":"NOK"}}`,
		"unitPrice 2250 x quantity 3"},
}

func TestAReceiptThatOnlyLooksWrongGoesWithTheCheckoutWithWarnings(t *testing.T) {
	lenient := newSimClient(t, "")
	strict := newSimClient(t, `,"strict_receipts":true`)
	ctx := context.Background()
	for _, tc := range receiptsThatOnlyLookWrong {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseCheckout([]byte(`{"amount":` + strconv.FormatInt(tc.amount, 10) + `,"phone_number":"4712345678","receipt":` + tc.receipt + `}`))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := lenient.OwnUnit().StartCheckout(ctx, req)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got, ok := lenient.Simulator().Receipt("123456", ref); !ok || !strings.Contains(string(got), `"orderLines"`) {
				t.Fatalf("the simulator holds %s (%v)", got, ok)
			}
			ws, err := lenient.OwnUnit().ReceiptWarnings(ref)
			if err != nil || len(ws) == 0 || !strings.Contains(strings.Join(ws, "\n"), tc.warning) {
				t.Fatalf("warnings %q (%v), want one saying %q", ws, err, tc.warning)
			}
			if r, ok := findRecord(pullLogs(t, lenient), "receipt", tc.warning); !ok || r.Level != LogWarn {
				t.Fatalf("the warning was not logged as a warning: %+v", r)
			}
			_, err = strict.OwnUnit().StartCheckout(ctx, req)
			wantCode(t, err, CodeInvalidArgument, "")
			if !strings.Contains(err.Error(), tc.warning) || !strings.Contains(err.Error(), "strict_receipts") {
				t.Fatalf("strict refusal %q does not say why", err)
			}
		})
	}
}

func TestASplitTenderToldWithPaymentSourcesHasNoWarning(t *testing.T) {
	for _, sources := range []string{`{"giftCard":20000}`, `{"giftCard":20000,"card":30000}`} {
		for _, strictness := range []string{"", `,"strict_receipts":true`} {
			c := newSimClient(t, strictness)
			ref := checkout(t, c, `{"amount":30000,"phone_number":"4712345678","receipt":{"orderLines":[{"name":"Jacket","id":"j-1","totalAmount":50000,"totalAmountExcludingTax":40000,"totalTaxAmount":10000,"taxRate":2500}],"bottomLine":{"currency":"NOK","paymentSources":`+sources+`}}}`)
			if ws, _ := c.OwnUnit().ReceiptWarnings(ref); len(ws) != 0 {
				t.Fatalf("paymentSources %s: warnings %q", sources, ws)
			}
			got, _ := c.Simulator().Receipt("123456", ref)
			if !strings.Contains(string(got), `"giftCard":20000`) {
				t.Fatalf("the simulator holds %s", got)
			}
		}
	}
	r, _ := ParseReceipt([]byte(`{"orderLines":[{"name":"Jacket","id":"j-1","totalAmount":50000,"totalAmountExcludingTax":40000,"totalTaxAmount":10000,"taxRate":2500}],"bottomLine":{"currency":"NOK","paymentSources":{"giftCard":15000}}}`))
	if ws, err := r.Review("NOK", 30000); err != nil || len(ws) != 1 || !strings.Contains(ws[0], "other payment sources (15000)") {
		t.Fatalf("sources that do not cover the rest: %q, %v", ws, err)
	}
}

func TestAMalformedReceiptIsStillRefusedBeforeAnythingIsSent(t *testing.T) {
	c := newSimClient(t, "")
	line := `"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500`
	cases := []struct {
		name, receipt string
		code          Code
		want          string
	}{
		{"a missing totalAmount", `{"orderLines":[{"name":"Bag","id":"bag","totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidJSON, "orderLines[0].totalAmount is required"},
		{"a null totalTaxAmount", `{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":null,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidJSON, "totalTaxAmount is required"},
		{"no tax rate", `{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidJSON, "taxRate"},
		{"an amount given as text", `{"orderLines":[{"name":"Bag","id":"bag","totalAmount":"99.00","totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidJSON, ""},
		{"no bottom line currency", `{"orderLines":[{` + line + `}],"bottomLine":{"posId":"1"}}`, CodeInvalidJSON, "bottomLine.currency is required"},
		{"no bottom line", `{"orderLines":[{` + line + `}]}`, CodeInvalidArgument, "bottomLine is missing"},
		{"no lines", `{"orderLines":[],"bottomLine":{"currency":"NOK"}}`, CodeInvalidArgument, "no order lines"},
		{"a quantity that is not a decimal", `{"orderLines":[{` + line + `,"unitInfo":{"unitPrice":9900,"quantity":"1,5"}}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidArgument, "quantity"},
		{"a tax rate over 100 %", `{"orderLines":[{"name":"Bag","id":"bag","totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":25000}],"bottomLine":{"currency":"NOK"}}`, CodeInvalidArgument, "taxRate"},
		{"an unknown currency", `{"orderLines":[{` + line + `}],"bottomLine":{"currency":"SEK"}}`, CodeInvalidArgument, "SEK"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseCheckout([]byte(`{"amount":9900,"phone_number":"4712345678","receipt":` + tc.receipt + `}`))
			if err == nil {
				_, err = c.OwnUnit().StartCheckout(context.Background(), req)
			}
			wantCode(t, err, tc.code, "")
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%q does not say %q", err, tc.want)
			}
		})
	}
	if refs := c.Simulator().References("123456"); len(refs) != 0 {
		t.Fatalf("payments reached the simulator: %v", refs)
	}
}

func TestAReceiptAttachedAfterTheSaleIsAsLenient(t *testing.T) {
	lenient := newSimClient(t, "")
	strict := newSimClient(t, `,"strict_receipts":true`)
	ctx := context.Background()
	for _, tc := range receiptsThatOnlyLookWrong {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseReceipt([]byte(tc.receipt))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []*Client{lenient, strict} {
				ref := checkout(t, c, `{"amount":`+strconv.FormatInt(tc.amount, 10)+`,"phone_number":"4712345678"}`)
				err := c.OwnUnit().AttachReceipt(ctx, ref, r)
				if c == strict {
					wantCode(t, err, CodeInvalidArgument, "")
					continue
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if ws, _ := c.OwnUnit().ReceiptWarnings(ref); !strings.Contains(strings.Join(ws, "\n"), tc.warning) {
					t.Fatalf("warnings %q", ws)
				}
				if _, ok := c.Simulator().Receipt("123456", ref); !ok {
					t.Fatal("the receipt did not reach the simulator")
				}
			}
		})
	}
}
