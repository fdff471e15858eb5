package payments

import (
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/internal/logs"
)

func TestGeneratedReferencesAreValidAndDistinct(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for _, ids := range [][2]string{{"", ""}, {"store1", "till2"}, {strings.Repeat("s", 20), strings.Repeat("p", 20)}} {
		for i := 0; i < 50; i++ {
			ref := GenerateReference(ids[0], ids[1], now)
			if err := CheckReference(ref); err != nil {
				t.Fatalf("generated reference %q is invalid: %v", ref, err)
			}
			if seen[ref] {
				t.Fatalf("reference %q generated twice", ref)
			}
			seen[ref] = true
		}
	}
}

func TestTheStorePrefixOfAGeneratedReferenceIsNeverCut(t *testing.T) {
	now := time.Date(2026, 12, 5, 1, 2, 3, 0, time.UTC)
	store20, pos20 := "store-oslo-sentrum01", "pos-kasse-nummer-017"
	cases := []struct{ store, pos, wantPrefix string }{
		{"s1", "p1", "s1-p1-20261205T010203-"},
		{store20, pos20, store20 + "-" + pos20 + "-"},
		{strings.Repeat("b", 40), pos20, strings.Repeat("b", 40) + "-mer-017-"}, // a sales unit's name as prefix
		{"store_b", "till_1", "store-b-till-1-"},
	}
	for _, tc := range cases {
		ref := GenerateReference(tc.store, tc.pos, now)
		if err := CheckReference(ref); err != nil || !strings.HasPrefix(ref, tc.wantPrefix) {
			t.Fatalf("GenerateReference(%q, %q) = %q (%v), want it to start with %q", tc.store, tc.pos, ref, err, tc.wantPrefix)
		}
	}
}

func TestIdempotencyKeysAreStablePerOperationAndFreshWithout(t *testing.T) {
	till := TillIdentity{StoreID: "store1", PosID: "pos1"}
	a := IdempotencyKey(till, "capture", "123456", "ref-12345678", "receipt-1")
	if a != IdempotencyKey(till, "capture", "123456", "ref-12345678", "receipt-1") {
		t.Fatal("same operation id gave two keys")
	}
	for name, other := range map[string]string{
		"another operation":  IdempotencyKey(till, "refund", "123456", "ref-12345678", "receipt-1"),
		"another reference":  IdempotencyKey(till, "capture", "123456", "ref-12345679", "receipt-1"),
		"another sales unit": IdempotencyKey(till, "capture", "654321", "ref-12345678", "receipt-1"),
		"another till":       IdempotencyKey(TillIdentity{StoreID: "store1", PosID: "pos2"}, "capture", "123456", "ref-12345678", "receipt-1"),
		"another store":      IdempotencyKey(TillIdentity{StoreID: "store2", PosID: "pos1"}, "capture", "123456", "ref-12345678", "receipt-1"),
	} {
		if other == a {
			t.Fatalf("%s shares the key", name)
		}
	}
	if IdempotencyKey(till, "capture", "123456", "r", "") == IdempotencyKey(till, "capture", "123456", "r", "") {
		t.Fatal("calls without operation id share a key")
	}
	if len(a) > 50 {
		t.Fatalf("key %q longer than Vipps allows", a)
	}
}

func TestAGeneratedReferenceIsNeverMaskedAsAPhoneNumber(t *testing.T) {
	for i := 0; i < 2000; i++ {
		ref := GenerateReference("", "", time.Date(2026, 12, 4, 17, 49, 5, 0, time.UTC))
		if masked := logs.MaskText("checkout "+ref+" sent", 200); !strings.Contains(masked, ref) {
			t.Fatalf("reference %q is logged as %q", ref, masked)
		}
	}
}
