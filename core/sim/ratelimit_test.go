package sim

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestMoreThanFiveMutationsPerMinuteOnAReferenceAre429(t *testing.T) {
	r := instantRig(t)
	r.create("rate-mutations", 10000, "4791234567") // mutation 1
	for i := range 4 {                              // mutations 2 to 5
		if a := r.capture("rate-mutations", 100, "cap-"+strconv.Itoa(i)); a.status != http.StatusOK {
			t.Fatalf("capture %d: %v", i, a)
		}
	}
	r.clock.Advance(20 * time.Second)
	a := r.capture("rate-mutations", 100, "cap-6")
	wantProblem(t, a, http.StatusTooManyRequests, 0)
	if got := a.header.Get("Retry-After"); got != "40" {
		t.Fatalf("Retry-After = %q, want 40", got)
	}
	// A 429 is not remembered for the key: the same request is accepted once the window moves.
	r.create("rate-other-ref", 10000, "4791234567")
	r.clock.Advance(40 * time.Second)
	if a := r.capture("rate-mutations", 100, "cap-6"); a.status != http.StatusOK {
		t.Fatalf("after the window: %v", a)
	}
	if st := r.srv.Stats(); st.RateLimited != 1 || st.Captures != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMoreThan120ReadsPerMinuteOnAReferenceAre429(t *testing.T) {
	r := instantRig(t)
	r.create("rate-reads-01", 1000, "4791234567")
	r.create("rate-reads-02", 1000, "4791234567")
	for i := range readsPerReference {
		path := "/epayment/v1/payments/rate-reads-01"
		if i%2 == 1 {
			path += "/events" // getPayment and the event log share the limit
		}
		if a := r.epay(http.MethodGet, path, ""); a.status != http.StatusOK {
			t.Fatalf("read %d: %v", i, a)
		}
	}
	a := r.epay(http.MethodGet, "/epayment/v1/payments/rate-reads-01", "")
	wantProblem(t, a, http.StatusTooManyRequests, 0)
	if a.header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After = %q", a.header.Get("Retry-After"))
	}
	r.get("rate-reads-02") // another reference has its own budget
	r.clock.Advance(time.Minute)
	r.get("rate-reads-01")
}

func TestTheRateLimiterForgetsIdleBuckets(t *testing.T) {
	l := newRateLimiter()
	for i := range 2048 {
		l.take(rateBucket{kind: "read", reference: strconv.Itoa(i)}, 1, simStart.Add(time.Duration(i)*time.Second))
	}
	if len(l.hits) > 1100 {
		t.Fatalf("%d buckets kept; idle ones must be dropped", len(l.hits))
	}
}
