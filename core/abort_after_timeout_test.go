package core

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// REGRESSION (found by the property test with failing journal commits, seed 226461619184: a
// refused abort outlived its call and met the repeat): the till's abort of an approved payment
// whose first attempt got no answer in time, and whose retry Vipps refused with 6060 (approved
// before the cancel), is told VMP_ERR_ALREADY_AUTHORIZED - nothing was cancelled, and the
// payment as read says so - yet its entry stayed open with an unknown outcome: listed as open
// by vmp_pending for an abort the till was told the outcome of.
func TestAnAbortAnsweredAlreadyAuthorizedAfterATimeoutIsNotLeftOpen(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("abortlate")
	prepare(t, s, clock, journal.OpCapture, ref) // authorized
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	if _, err := s.InjectFault(sim.Fault{Kind: sim.FaultDelay, Operation: sim.OperationCancel, Reference: ref, Delay: 700 * time.Millisecond, Times: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := c.OwnUnit().Cancel(context.Background(), ref, CancelOptions{TransactionOnly: true}, "abort-1")
	wantCode(t, err, CodeAlreadyAuthorized, "")
	if p.State != StateAuthorized {
		t.Fatalf("payment %+v", p)
	}
	time.Sleep(time.Second) // the held attempt is answered; its in-flight window ends
	pending, err := c.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if len(pending.Open) > 0 {
		t.Errorf("vmp_pending lists the abort the till was told VMP_ERR_ALREADY_AUTHORIZED as open: %+v", pending.Open)
	}
	rec, err := c.Recover(context.Background(), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.StillOpen) > 0 {
		t.Errorf("vmp_recover leaves the abort open: %+v", rec.StillOpen)
	}
	// The same abort again is given the same answer, and sends nothing that could cancel.
	if _, err := c.OwnUnit().Cancel(context.Background(), ref, CancelOptions{TransactionOnly: true}, "abort-1"); err == nil {
		t.Error("the abort again: VMP_OK")
	} else {
		wantCode(t, err, CodeAlreadyAuthorized, "")
	}
	if n := effects(s, ref); n["CANCELLED"]+n["TERMINATED"] > 0 {
		t.Errorf("the simulator cancelled the approved payment: %v", n)
	}
}
