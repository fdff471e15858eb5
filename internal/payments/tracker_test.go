package payments

import (
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/retry"
)

func TestATrackerInUseIsNeverIdle(t *testing.T) {
	tr := NewTracker("upkeep-in-use-01", "", nil, nil, false, DefaultCadence, time.Now())
	tr.mu.Lock()
	tr.lastUsed = time.Now().Add(-time.Hour)
	tr.mu.Unlock()
	tr.Take(retry.APICapture, time.Now())
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if time.Since(tr.lastUsed) > time.Minute {
		t.Fatal("a request admitted through the tracker did not mark it used")
	}
}

func TestEventsNeverMoveAPaymentBackwards(t *testing.T) {
	ev := func(name string, value int64, psp string) vipps.WebhookEvent {
		return vipps.WebhookEvent{MSN: "123456", PaymentEvent: vipps.PaymentEvent{Reference: "ref-12345678", PSPReference: psp, Name: name,
			Amount: vipps.Amount{Currency: "NOK", Value: value}, Success: true}}
	}
	cases := []struct {
		name   string
		events []vipps.WebhookEvent
		read   *Payment // a status read answered last, older than the events
		want   Payment
	}{
		{"a CREATED event after AUTHORIZED changes nothing", []vipps.WebhookEvent{ev("AUTHORIZED", 1000, "2"), ev("CREATED", 1000, "1")}, nil,
			Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000}},
		{"a duplicated CAPTURED counts once", []vipps.WebhookEvent{ev("CREATED", 1000, "1"), ev("AUTHORIZED", 1000, "2"), ev("CAPTURED", 400, "3"), ev("CAPTURED", 400, "3")}, nil,
			Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000, Captured: 400}},
		{"two partial captures add up", []vipps.WebhookEvent{ev("AUTHORIZED", 1000, "2"), ev("CAPTURED", 400, "3"), ev("CAPTURED", 400, "4"), ev("REFUNDED", 100, "5")}, nil,
			Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000, Captured: 800, Refunded: 100}},
		{"a capture seen before the approval still counts", []vipps.WebhookEvent{ev("CAPTURED", 400, "3"), ev("AUTHORIZED", 1000, "2")}, nil,
			Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000, Captured: 400}},
		{"a status read older than the event does not undo it", []vipps.WebhookEvent{ev("CREATED", 1000, "1"), ev("AUTHORIZED", 1000, "2")},
			&Payment{State: abi.StateCreated, Amount: 1000, Currency: "NOK"}, Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000}},
		{"a read knowing more raises what events proved", []vipps.WebhookEvent{ev("AUTHORIZED", 1000, "2")},
			&Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000, Captured: 1000, Currency: "NOK"}, Payment{State: abi.StateAuthorized, Amount: 1000, Authorized: 1000, Captured: 1000}},
		{"an EXPIRED after ABORTED keeps the first final state", []vipps.WebhookEvent{ev("ABORTED", 1000, "2"), ev("EXPIRED", 1000, "3")}, nil,
			Payment{State: abi.StateAborted}},
		{"a cancel before approval terminates and releases the amount", []vipps.WebhookEvent{ev("CREATED", 1000, "1"), ev("TERMINATED", 1000, "2")}, nil,
			Payment{State: abi.StateTerminated, Amount: 1000, Cancelled: 1000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker("ref-12345678", "", nil, nil, false, DefaultCadence, time.Now())
			for _, e := range tc.events {
				tr.applyEvent(e, time.Second)
			}
			if tc.read != nil {
				tr.update(*tc.read)
			}
			got := tr.payment
			if got.State != tc.want.State || got.Authorized != tc.want.Authorized || got.Captured != tc.want.Captured ||
				got.Refunded != tc.want.Refunded || got.Cancelled != tc.want.Cancelled || (tc.want.Amount != 0 && got.Amount != tc.want.Amount) {
				t.Fatalf("got %+v; want %+v", got, tc.want)
			}
		})
	}
}

func TestACaptureEventAloneDoesNotMakeAPaymentKnown(t *testing.T) {
	tr := NewTracker("ref-12345678", "", nil, nil, false, DefaultCadence, time.Now())
	tr.applyEvent(vipps.WebhookEvent{PaymentEvent: vipps.PaymentEvent{Reference: "ref-12345678", PSPReference: "9", Name: "CAPTURED",
		Amount: vipps.Amount{Currency: "NOK", Value: 5}, Success: true}}, time.Second)
	if tr.known {
		t.Fatal("a payment of unknown state became known: PollStatus would answer UNKNOWN without reading")
	}
}
