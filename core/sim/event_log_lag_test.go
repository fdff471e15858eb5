package sim

import (
	"net/http"
	"testing"
	"time"
)

// An event log that lags lists an operation only once the lag has passed, on the wall clock or
// on the simulator's, while the payment's figures show it at once; removing the fault lists
// everything.
func TestAnEventLogThatLagsListsAnOperationOnlyOnceTheLagHasPassed(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("lagging-log-1", 10000, "4791234567")
	r.get("lagging-log-1") // approves (ApproveDelay -1)
	id := r.inject(Fault{Kind: FaultEventLogLag, Reference: "lagging-log-1", Times: -1, Delay: 30 * time.Minute})
	if got := r.srv.Faults()[0].Fault.Operation; got != OperationEvents {
		t.Fatalf("an event-log lag without an operation applies to %q, want events", got)
	}
	if got := eventNames(r.events("lagging-log-1")); got != "" {
		t.Fatalf("a log half an hour behind lists %s of a payment made just now", got)
	}
	r.clock.Advance(31 * time.Minute) // Vipps' clock past the lag
	if got := eventNames(r.events("lagging-log-1")); got != "CREATED,AUTHORIZED" {
		t.Fatalf("the log lists %s once the simulator's clock is past the lag", got)
	}
	if a := r.capture("lagging-log-1", 4000, "cap-lag-1"); a.status != http.StatusOK {
		t.Fatalf("capture: %v", a)
	}
	if got := r.get("lagging-log-1").Aggregate.CapturedAmount.Value; got != 4000 {
		t.Fatalf("the payment shows %d captured: its figures must not lag", got)
	}
	if got := eventNames(r.events("lagging-log-1")); got != "CREATED,AUTHORIZED" {
		t.Fatalf("the lagging log lists %s right after the capture", got)
	}
	// The lag is the log's state, not an answer: a fault injected after it still answers.
	r.inject(Fault{Kind: FaultStatus, Operation: OperationEvents, Status: http.StatusServiceUnavailable})
	if a := r.epay(http.MethodGet, "/epayment/v1/payments/lagging-log-1/events", ""); a.status != http.StatusServiceUnavailable {
		t.Fatalf("a status fault injected after the lag: the read got %v", a)
	}
	r.srv.RemoveFault(id)
	if got := eventNames(r.events("lagging-log-1")); got != "CREATED,AUTHORIZED,CAPTURED" {
		t.Fatalf("the log lists %s once the lag is removed", got)
	}

	// A short lag ends on the wall clock, the simulator's standing still (moved a second on, past
	// the first capture, first).
	r.clock.Advance(time.Second)
	r.inject(Fault{Kind: FaultEventLogLag, Times: -1, Delay: 150 * time.Millisecond})
	if a := r.capture("lagging-log-1", 1000, "cap-lag-2"); a.status != http.StatusOK {
		t.Fatalf("capture: %v", a)
	}
	if got := eventNames(r.events("lagging-log-1")); got != "CREATED,AUTHORIZED,CAPTURED" {
		t.Fatalf("the log lists %s within 150 ms of the second capture", got)
	}
	time.Sleep(200 * time.Millisecond)
	if got := eventNames(r.events("lagging-log-1")); got != "CREATED,AUTHORIZED,CAPTURED,CAPTURED" {
		t.Fatalf("the log lists %s once 150 ms have passed", got)
	}
}
