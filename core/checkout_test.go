package core

import (
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/internal/logs"
)

func TestParseCheckoutValidatesEveryField(t *testing.T) {
	cases := []struct {
		name      string
		json      string
		wantCode  Code
		wantPhone string
	}{
		{"a phone number with country code is accepted", `{"amount":49900,"phone_number":"4791234567"}`, CodeOK, "4791234567"},
		{"a typed international number is normalised", `{"amount":100,"phone_number":"+47 912 34 567"}`, CodeOK, "4791234567"},
		{"a 00-prefixed number is normalised", `{"amount":100,"phone_number":"0047-91234567"}`, CodeOK, "4791234567"},
		{"a personal QR is accepted", `{"amount":100,"personal_qr":"https://qr.vipps.no/p/abcdef"}`, CodeOK, ""},
		{"a number without country code is refused", `{"amount":100,"phone_number":"91234567"}`, CodeInvalidCustomer, ""},
		{"letters in a number are refused", `{"amount":100,"phone_number":"47912345ab"}`, CodeInvalidCustomer, ""},
		{"both phone and QR are refused", `{"amount":100,"phone_number":"4791234567","personal_qr":"https://qr.vipps.no/p/x"}`, CodeInvalidCustomer, ""},
		{"no customer is refused", `{"amount":100}`, CodeInvalidCustomer, ""},
		{"a zero amount is refused", `{"amount":0,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a negative amount is refused", `{"amount":-5,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a huge amount is refused", `{"amount":65000001,"phone_number":"4791234567"}`, CodeInvalidAmount, ""},
		{"a decimal amount is invalid JSON", `{"amount":499.5,"phone_number":"4791234567"}`, CodeInvalidJSON, ""},
		{"an unknown field is invalid JSON", `{"amount":100,"phone":"4791234567"}`, CodeInvalidJSON, ""},
		{"an invalid reference is refused", `{"amount":100,"phone_number":"4791234567","reference":"bad ref"}`, CodeInvalidReference, ""},
		{"a short reference is refused", `{"amount":100,"phone_number":"4791234567","reference":"abc"}`, CodeInvalidReference, ""},
		{"an unsupported currency is refused", `{"amount":100,"phone_number":"4791234567","currency":"USD"}`, CodeInvalidArgument, ""},
		{"a one-letter description is refused", `{"amount":100,"phone_number":"4791234567","description":"x"}`, CodeInvalidArgument, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseCheckout([]byte(tc.json))
			if got := CodeOf(err); got != tc.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tc.wantCode, err)
			}
			if err == nil && req.PhoneNumber != tc.wantPhone {
				t.Fatalf("phone = %q, want %q", req.PhoneNumber, tc.wantPhone)
			}
			if err != nil && strings.Contains(err.Error(), "91234567") {
				t.Fatalf("error text leaks the phone number: %v", err)
			}
		})
	}
}

func TestGeneratedReferencesAreValidAndDistinct(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for _, ids := range [][2]string{{"", ""}, {"store1", "till2"}, {strings.Repeat("s", 20), strings.Repeat("p", 20)}} {
		for i := 0; i < 50; i++ {
			ref := generateReference(ids[0], ids[1], now)
			if err := checkReference(ref); err != nil {
				t.Fatalf("generated reference %q is invalid: %v", ref, err)
			}
			if seen[ref] {
				t.Fatalf("reference %q generated twice", ref)
			}
			seen[ref] = true
		}
	}
}

func TestIdempotencyKeysAreStablePerOperationAndFreshWithout(t *testing.T) {
	till := tillIdentity{storeID: "store1", posID: "pos1"}
	a := idempotencyKey(till, "capture", "123456", "ref-12345678", "receipt-1")
	if a != idempotencyKey(till, "capture", "123456", "ref-12345678", "receipt-1") {
		t.Fatal("same operation id gave two keys")
	}
	for name, other := range map[string]string{
		"another operation":  idempotencyKey(till, "refund", "123456", "ref-12345678", "receipt-1"),
		"another reference":  idempotencyKey(till, "capture", "123456", "ref-12345679", "receipt-1"),
		"another sales unit": idempotencyKey(till, "capture", "654321", "ref-12345678", "receipt-1"),
		"another till":       idempotencyKey(tillIdentity{storeID: "store1", posID: "pos2"}, "capture", "123456", "ref-12345678", "receipt-1"),
		"another store":      idempotencyKey(tillIdentity{storeID: "store2", posID: "pos1"}, "capture", "123456", "ref-12345678", "receipt-1"),
	} {
		if other == a {
			t.Fatalf("%s shares the key", name)
		}
	}
	if idempotencyKey(till, "capture", "123456", "r", "") == idempotencyKey(till, "capture", "123456", "r", "") {
		t.Fatal("calls without operation id share a key")
	}
	if len(a) > 50 {
		t.Fatalf("key %q longer than Vipps allows", a)
	}
}

func TestAGeneratedReferenceIsNeverMaskedAsAPhoneNumber(t *testing.T) {
	for i := 0; i < 2000; i++ {
		ref := generateReference("", "", time.Date(2026, 12, 4, 17, 49, 5, 0, time.UTC))
		if masked := logs.MaskText("checkout "+ref+" sent", 200); !strings.Contains(masked, ref) {
			t.Fatalf("reference %q is logged as %q", ref, masked)
		}
	}
}
