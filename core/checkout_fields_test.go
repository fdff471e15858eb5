package core

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

func TestTheCheckoutFieldsATillSetsReachVipps(t *testing.T) {
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0}`)
	ctx := context.Background()
	ref := checkout(t, c, `{"amount":19900,"phone_number":"4712345678","customer_interaction":"CUSTOMER_NOT_PRESENT","minimum_user_age":18,
		"profile_scopes":["name","email","name"],"receipt_url":"https://shop.example/receipt/77","return_url":"myapp://paid",
		"metadata":{"order":"77","lane":"3"},"extra":{"industryData":{"airlineData":{"airlineCode":"123"}}}}`)
	snap, ok := c.Simulator().Payment(ref)
	if !ok || snap.CustomerInteraction != "CUSTOMER_NOT_PRESENT" || snap.MinimumUserAge == nil || *snap.MinimumUserAge != 18 ||
		snap.ProfileScope != "name email" || snap.ReceiptURL != "https://shop.example/receipt/77" || snap.ReturnURL != "myapp://paid" ||
		snap.Metadata["order"] != "77" || snap.Metadata["lane"] != "3" {
		t.Fatalf("the simulator holds %+v", snap)
	}
	entries, err := c.journal.ForReference(ref)
	if err != nil || len(entries) != 1 || !strings.Contains(string(entries[0].Body), `"industryData":{"airlineData":{"airlineCode":"123"}}`) {
		t.Fatalf("the journaled body does not carry extra: %v %v", entries, err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("%+v, %v", p, err)
	}
	// A QR checkout takes the return URL (the fallback when the code is opened outside the app).
	qr := checkout(t, c, `{"amount":1000,"flow":"qr","return_url":"https://shop.example/after-qr"}`)
	if snap, _ := c.Simulator().Payment(qr); snap.ReturnURL != "https://shop.example/after-qr" || snap.CustomerInteraction != "CUSTOMER_PRESENT" {
		t.Fatalf("the QR payment holds %+v", snap)
	}
}

func TestAnUnderAgeCustomerIsRefusedByVipps(t *testing.T) {
	c := newSimClient(t, "")
	req, err := ParseCheckout([]byte(`{"amount":5000,"phone_number":"` + sim.MSISDNIgnoresLogin + `","minimum_user_age":60}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.OwnUnit().StartCheckout(context.Background(), req)
	if e, _ := err.(*Error); e == nil || e.VippsErrorCode != "7010" {
		t.Fatalf("err = %v, want Vipps' 7010", err)
	}
}

func TestCheckoutFieldsAreCheckedBeforeAnythingIsSent(t *testing.T) {
	cases := []struct {
		name, field string
		code        Code
		want        string
	}{
		{"an unknown customer interaction", `"customer_interaction":"ONLINE"`, CodeInvalidArgument, "customer_interaction"},
		{"an age over 100", `"minimum_user_age":101`, CodeInvalidArgument, "minimum_user_age"},
		{"an unknown profile scope", `"profile_scopes":["shoeSize"]`, CodeInvalidArgument, "shoeSize"},
		{"an http receipt URL", `"receipt_url":"http://shop.example/r"`, CodeInvalidArgument, "receipt_url"},
		{"a return URL without a scheme", `"return_url":"shop.example"`, CodeInvalidArgument, "return_url"},
		{"six metadata pairs", `"metadata":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6"}`, CodeInvalidArgument, "metadata"},
		{"a metadata value of 501 characters", `"metadata":{"a":"` + strings.Repeat("x", 501) + `"}`, CodeInvalidArgument, "500"},
		{"extra that is not an object", `"extra":[1]`, CodeInvalidJSON, "extra"},
		{"extra that sets the reference", `"extra":{"reference":"other-ref-1"}`, CodeInvalidArgument, `extra.reference is set by vmp; use "reference"`},
		{"extra that sets the amount", `"extra":{"amount":{"currency":"NOK","value":1}}`, CodeInvalidArgument, "extra.amount"},
		{"extra that sets the customer", `"extra":{"customer":{"phoneNumber":"4700000000"}}`, CodeInvalidArgument, "extra.customer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCheckout([]byte(`{"amount":100,"phone_number":"4712345678",` + tc.field + `}`))
			wantCode(t, err, tc.code, "")
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%q does not say %q", err, tc.want)
			}
		})
	}
}
