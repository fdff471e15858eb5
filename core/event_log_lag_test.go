package core

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// A checkout is created at Vipps, its answers lost, and the till dies. Vipps' event log lags
// behind the payment longer than the in-flight window (the simulator's event_log_lag): it
// lists nothing of the payment yet, not even its creation. Recovery marked the checkout
// "not_created - the payment request never reached Vipps; nothing was created", and a till
// settling it from vmp_pending was told its sale failed while the customer's payment waited at
// Vipps (the property test's event-log lag found it, seed 366788611396). A log that does not
// list the payment's creation is behind the payment, which exists (a payment Vipps does not
// know has no log: 404): it tells nothing, and the checkout stays open until it does.
func TestACheckoutTheEventLogDoesNotListYetIsNotMarkedNotCreated(t *testing.T) {
	s, _ := externalSim(t)
	ref := uniqueRef("lagcreate")
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientAt(t, s.URL(), path, 500, 1500)
	lag, err := s.InjectFault(sim.Fault{Kind: sim.FaultEventLogLag, Times: -1, Delay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	restore := dropEvery(t, s, sim.OperationCreate, ref)
	_, err = c.OwnUnit().StartCheckout(context.Background(), req)
	restore()
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	if _, ok := s.Payment(ref); !ok {
		t.Fatal("the checkout made no payment")
	}
	setClockAhead(t, time.Minute) // the restart comes after its attempts could still land
	c2 := clientAt(t, s.URL(), path, 500, 1500)
	defer c2.Close()
	for _, r := range c2.InitRecovery.Resolved {
		if r.Operation == journal.OpCreate && r.State == string(journal.StateNotCreated) {
			t.Fatalf("recovery marked the checkout %s not_created, yet Vipps has its payment: %+v", ref, c2.InitRecovery)
		}
	}
	if open := c2.InitRecovery.StillOpen; len(open) != 1 || open[0].Reference != ref {
		t.Fatalf("recovery %+v, want the checkout %s still open (the log does not tell yet)", c2.InitRecovery, ref)
	}
	if o := c2.InitRecovery.StillOpen[0].Outcome; o == nil || o.Status != "VMP_ERR_UNKNOWN_OUTCOME" {
		t.Fatalf("the open checkout's outcome is %+v, want VMP_ERR_UNKNOWN_OUTCOME", o)
	}
	s.RemoveFault(lag) // the log catches up
	rep, err := c2.Recover(context.Background(), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.StillOpen) != 0 || len(rep.Resolved) != 1 || rep.Resolved[0].State != string(journal.StateDone) {
		t.Fatalf("once the log lists the payment, recovery %+v; want the checkout done", rep)
	}
}
