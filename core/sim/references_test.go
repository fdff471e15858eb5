package sim

import (
	"slices"
	"testing"
)

func TestReferencesListsEveryPaymentOnce(t *testing.T) {
	r := newRig(t, Options{})
	if got := r.srv.References(""); len(got) != 0 {
		t.Fatalf("a new simulator holds %v", got)
	}
	for _, ref := range []string{"refs-b-000001", "refs-a-000001", "refs-c-000001"} {
		r.create(ref, 1000, MSISDNWaitsForControl)
	}
	want := []string{"refs-a-000001", "refs-b-000001", "refs-c-000001"}
	if got := r.srv.References(""); !slices.Equal(got, want) {
		t.Fatalf("References(\"\") = %v; want %v", got, want)
	}
	if got := r.srv.References(DefaultCredentials.MSN); !slices.Equal(got, want) {
		t.Fatalf("References(its MSN) = %v; want %v", got, want)
	}
	if got := r.srv.References("999999"); len(got) != 0 {
		t.Fatalf("References(another MSN) = %v", got)
	}
}
