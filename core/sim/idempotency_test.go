package sim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestARetryWithTheSameKeyAndBodyReplaysTheFirstAnswer(t *testing.T) {
	r := newRig(t, Options{})
	create := pushBody("replay-0001", 10000, phone(MSISDNWaitsForControl))
	first := r.epay(http.MethodPost, "/epayment/v1/payments", create, "Idempotency-Key", "k-create")
	again := r.epay(http.MethodPost, "/epayment/v1/payments", create, "Idempotency-Key", "k-create")
	if first.status != http.StatusCreated || !sameBytes(first.body, again.body) || again.status != first.status {
		t.Fatalf("create replay: first %v, again %v", first, again)
	}

	// A 4xx is sticky for its key: the capture before approval stays 6080 after approval.
	early := r.capture("replay-0001", 4000, "k-capture")
	wantProblem(t, early, http.StatusBadRequest, codeCaptureBeforeReserve)
	if err := r.srv.Approve("replay-0001"); err != nil {
		t.Fatal(err)
	}
	late := r.capture("replay-0001", 4000, "k-capture")
	if !sameBytes(early.body, late.body) || late.status != early.status || late.header.Get("Content-Type") != contentProblemJSON {
		t.Fatalf("a 4xx was not replayed byte for byte:\n%s\n%s", early.body, late.body)
	}

	cases := []struct {
		name, kind, body, key string
	}{
		{"a capture retried with its key is captured once", "capture", amountBody(4000), "k-capture-2"},
		{"a refund retried with its key is refunded once", "refund", amountBody(1000), "k-refund"},
		{"a cancel retried with its key is cancelled once", "cancel", `{"cancelTransactionOnly":false}`, "k-cancel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			r.clock.Advance(rateWindow)
			path := "/epayment/v1/payments/replay-0001/" + tc.kind
			first := r.epay(http.MethodPost, path, tc.body, "Idempotency-Key", tc.key)
			again := r.epay(http.MethodPost, path, tc.body, "Idempotency-Key", tc.key)
			if first.status != http.StatusOK || again.status != http.StatusOK || !sameBytes(first.body, again.body) {
				t.Fatalf("first %v, again %v", first, again)
			}
		})
	}
	st := r.srv.Stats()
	if st.Creates != 1 || st.Captures != 1 || st.Refunds != 1 || st.Cancels != 1 || st.Replays != 5 {
		t.Fatalf("stats %+v", st)
	}
	snap, _ := r.srv.Payment("replay-0001")
	if got := eventNames(snap.Events); got != "CREATED,AUTHORIZED,CAPTURED,REFUNDED,CANCELLED" {
		t.Fatalf("events %s", got)
	}
}

func TestReusingAKeyWithAnotherBodyIs409(t *testing.T) {
	r := instantRig(t)
	r.create("conflict-0001", 10000, "4791234567")
	r.capture("conflict-0001", 5000, "k-cap")
	r.refund("conflict-0001", 1000, "k-ref")
	r.cancel("conflict-0001", "", "Idempotency-Key", "k-can")
	r.clock.Advance(rateWindow)
	cases := []struct {
		name, path, body, key string
		code                  int
	}{
		{"a create key with another body is 4020", "/epayment/v1/payments", pushBody("conflict-0002", 10000, phone("4791234567")), "create-conflict-0001", codeIdempotencyKeyExists},
		{"a capture key with another amount is 4010", "/epayment/v1/payments/conflict-0001/capture", amountBody(5001), "k-cap", codeCaptureIdempotency},
		{"a refund key with another amount is 4150", "/epayment/v1/payments/conflict-0001/refund", amountBody(1001), "k-ref", codeReferenceExists},
		{"a cancel key with another body is 4020", "/epayment/v1/payments/conflict-0001/cancel", `{"cancelTransactionOnly":true}`, "k-can", codeIdempotencyKeyExists},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			wantProblem(t, r.epay(http.MethodPost, tc.path, tc.body, "Idempotency-Key", tc.key), http.StatusConflict, tc.code)
		})
	}
	if _, exists := r.srv.Payment("conflict-0002"); exists {
		t.Fatal("a conflicting create made a payment")
	}
	if st := r.srv.Stats(); st.IdempotencyConflicts != len(cases) {
		t.Fatalf("IdempotencyConflicts = %d", st.IdempotencyConflicts)
	}
}

func TestKeysAreScopedToTheirEndpoint(t *testing.T) {
	r := instantRig(t)
	r.create("scoped-key-01", 10000, "4791234567")
	if a := r.capture("scoped-key-01", 5000, "same-key"); a.status != http.StatusOK {
		t.Fatalf("capture: %v", a)
	}
	if a := r.refund("scoped-key-01", 5000, "same-key"); a.status != http.StatusOK {
		t.Fatalf("refund with the capture's key: %v", a)
	}
}

func TestANewKeyForAnExistingReferenceIs409With4150(t *testing.T) {
	r := instantRig(t)
	r.create("existing-ref-1", 10000, "4791234567")
	a := r.epay(http.MethodPost, "/epayment/v1/payments", pushBody("existing-ref-1", 10000, phone("4791234567")), "Idempotency-Key", "another-key")
	wantProblem(t, a, http.StatusConflict, codeReferenceExists)
}

func TestIdempotencyKeyHeaderRules(t *testing.T) {
	r := instantRig(t)
	r.create("key-rules-001", 10000, "4791234567")
	long := strings.Repeat("k", maxIdempotencyKeyLength+1)
	cases := []struct {
		name, path, body, key string
		status, code          int
	}{
		{"a create without a key is 4140", "/epayment/v1/payments", pushBody("key-rules-002", 1000, phone("4791234567")), "", 400, codeMissingParameter},
		{"a capture without a key is 4140", "/epayment/v1/payments/key-rules-001/capture", amountBody(100), "", 400, codeMissingParameter},
		{"a refund without a key is 4140", "/epayment/v1/payments/key-rules-001/refund", amountBody(100), "", 400, codeMissingParameter},
		{"a key of 51 characters is 400", "/epayment/v1/payments/key-rules-001/capture", amountBody(100), long, 400, 0},
		{"a key of 50 characters is accepted", "/epayment/v1/payments/key-rules-001/capture", amountBody(100), long[1:], 200, 0},
		{"a cancel without a key is accepted", "/epayment/v1/payments/key-rules-001/cancel", "", "", 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := r.with(t)
			var extra []string
			if tc.key != "" {
				extra = []string{"Idempotency-Key", tc.key}
			}
			a := r.epay(http.MethodPost, tc.path, tc.body, extra...)
			if tc.status == http.StatusOK {
				if a.status != http.StatusOK {
					t.Fatalf("%v", a)
				}
				return
			}
			p := wantProblem(t, a, tc.status, tc.code)
			if !namesField(p, "Idempotency-Key") {
				t.Fatalf("extraDetails %+v do not name Idempotency-Key", p.ExtraDetails)
			}
		})
	}
}

func TestTheIdempotencyStoreForgetsKeysAfterItsWindow(t *testing.T) {
	s := newIdempotencyStore()
	k := idempotencyKey{msn: "123456", method: "POST", path: "/p", key: "k"}
	s.remember(k, []byte("a"), emptyReply(200), simStart)
	if got, _ := s.lookup(k, []byte("b"), simStart.Add(idempotencyWindow)); got != idempotencyConflict {
		t.Fatalf("inside the window: %v", got)
	}
	if got, _ := s.lookup(k, []byte("b"), simStart.Add(idempotencyWindow+1)); got != idempotencyNew {
		t.Fatalf("after the window: %v", got)
	}
}

func TestTheIdempotencyStoreDropsExpiredRecordsToBoundMemory(t *testing.T) {
	s := newIdempotencyStore()
	for i := range 255 {
		s.remember(idempotencyKey{key: strings.Repeat("o", i+1)}, nil, emptyReply(200), simStart)
	}
	later := simStart.Add(idempotencyWindow + time.Second)
	s.remember(idempotencyKey{key: "fresh"}, nil, emptyReply(200), later)
	if len(s.records) != 1 {
		t.Fatalf("%d records kept, want only the fresh one", len(s.records))
	}
}
