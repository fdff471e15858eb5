package sim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func createBody(ref, members string) string {
	return `{"amount":{"currency":"NOK","value":1500},"paymentMethod":{"type":"WALLET"},"customer":{"phoneNumber":"4791234567"},` +
		`"reference":"` + ref + `","userFlow":"PUSH_MESSAGE"` + members + `}`
}

func TestTheMembersATillSetsAreKeptAndGivenBack(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1})
	a := r.epay(http.MethodPost, "/epayment/v1/payments", createBody("options-0001",
		`,"minimumUserAge":18,"profile":{"scope":"name  email"},"metadata":{"order":"77"},"receiptUrl":"https://shop.example/r/77","returnUrl":"myapp://paid","customerInteraction":"CUSTOMER_NOT_PRESENT"`),
		"Idempotency-Key", "options-0001")
	if a.status != http.StatusCreated {
		t.Fatalf("create: %v", a)
	}
	snap, _ := r.srv.Payment("options-0001")
	if *snap.MinimumUserAge != 18 || snap.ProfileScope != "name email" || snap.Metadata["order"] != "77" ||
		snap.ReceiptURL != "https://shop.example/r/77" || snap.ReturnURL != "myapp://paid" || snap.CustomerInteraction != "CUSTOMER_NOT_PRESENT" {
		t.Fatalf("snapshot %+v", snap)
	}
	_ = r.srv.Approve("options-0001") // approved at once already with ApproveDelay -1
	get := r.epay(http.MethodGet, "/epayment/v1/payments/options-0001", "")
	for _, want := range []string{`"metadata":{"order":"77"}`, `"profile":{"sub":"`} {
		if !strings.Contains(string(get.body), want) {
			t.Fatalf("getPayment %s lacks %s", get.body, want)
		}
	}
}

func TestTheMembersATillSetsAreValidated(t *testing.T) {
	r := newRig(t, Options{ApproveDelay: -1})
	cases := []struct {
		name, members string
		code          int
		field         string
	}{
		{"an age over 100", `,"minimumUserAge":101`, 0, "minimumUserAge"},
		{"an age as text", `,"minimumUserAge":"18"`, 0, "minimumUserAge"},
		{"an unknown profile scope", `,"profile":{"scope":"name shoeSize"}`, 0, "profile.scope"},
		{"six metadata pairs", `,"metadata":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6"}`, codeMetadataCapacity, ""},
		{"a metadata key of 101 characters", `,"metadata":{"` + strings.Repeat("k", 101) + `":"1"}`, codeMetadataKeyLength, ""},
		{"a metadata value of 501 characters", `,"metadata":{"k":"` + strings.Repeat("v", 501) + `"}`, codeMetadataValueLen, ""},
		{"an http receipt URL", `,"receiptUrl":"http://shop.example/r"`, codeInvalidURL, ""},
		{"an under-age customer", `,"minimumUserAge":100`, codeCustomerNotFound, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := fmt.Sprintf("options-bad-%03d", i)
			p := wantProblem(t, r.epay(http.MethodPost, "/epayment/v1/payments", createBody(ref, tc.members), "Idempotency-Key", ref), http.StatusBadRequest, tc.code)
			if tc.field != "" && !namesField(p, tc.field) {
				t.Fatalf("extraDetails %+v do not name %s", p.ExtraDetails, tc.field)
			}
		})
	}
}
