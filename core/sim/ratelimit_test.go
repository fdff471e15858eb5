package sim

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Vipps counts each API on its own (5 a minute per reference for each of create, capture,
// refund and cancel): after a create and four partial captures a refund and a cancel still go.
// With one shared window (the simulator before issue 16) the refund was the sixth and got 429.
func TestEachOperationHasItsOwnFivePerMinuteOnAReference(t *testing.T) {
	r := instantRig(t)
	r.create("rate-mutations", 10000, "4791234567")
	for i := range 4 {
		if a := r.capture("rate-mutations", 100, "cap-"+strconv.Itoa(i)); a.status != http.StatusOK {
			t.Fatalf("capture %d: %v", i, a)
		}
	}
	if a := r.refund("rate-mutations", 100, "refund-1"); a.status != http.StatusOK {
		t.Fatalf("a refund after a create and four captures: %v", a)
	}
	if a := r.capture("rate-mutations", 100, "cap-4"); a.status != http.StatusOK {
		t.Fatalf("the fifth capture: %v", a)
	}
	r.clock.Advance(20 * time.Second)
	a := r.capture("rate-mutations", 100, "cap-5")
	wantProblem(t, a, http.StatusTooManyRequests, 0)
	if got := a.header.Get("Retry-After"); got != "40" {
		t.Fatalf("Retry-After = %q, want 40", got)
	}
	// A 429 is not remembered for the key: the same request is accepted once the window moves.
	r.clock.Advance(40 * time.Second)
	if a := r.capture("rate-mutations", 100, "cap-5"); a.status != http.StatusOK {
		t.Fatalf("after the window: %v", a)
	}
	if a := r.cancel("rate-mutations", ""); a.status != http.StatusOK {
		t.Fatalf("the cancel: %v", a)
	}
	if st := r.srv.Stats(); st.RateLimited != 1 || st.Captures != 6 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMoreThan120ReadsPerMinuteOfOneAPIOnAReferenceAre429(t *testing.T) {
	r := instantRig(t)
	r.create("rate-reads-01", 1000, "4791234567")
	r.create("rate-reads-02", 1000, "4791234567")
	for i := range readsPerReference {
		if a := r.epay(http.MethodGet, "/epayment/v1/payments/rate-reads-01", ""); a.status != http.StatusOK {
			t.Fatalf("read %d: %v", i, a)
		}
	}
	a := r.epay(http.MethodGet, "/epayment/v1/payments/rate-reads-01", "")
	wantProblem(t, a, http.StatusTooManyRequests, 0)
	if a.header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After = %q", a.header.Get("Retry-After"))
	}
	r.events("rate-reads-01") // the event log counts on its own
	r.get("rate-reads-02")    // another reference has its own budget
	r.clock.Advance(time.Minute)
	r.get("rate-reads-01")
}

func TestTheRateLimiterForgetsIdleBuckets(t *testing.T) {
	l := newRateLimiter()
	for i := range 2048 {
		l.take(rateBucket{api: "get", reference: strconv.Itoa(i)}, 1, simStart.Add(time.Duration(i)*time.Second))
	}
	if len(l.hits) > 1100 {
		t.Fatalf("%d buckets kept; idle ones must be dropped", len(l.hits))
	}
}
