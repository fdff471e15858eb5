package core

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// externalSim is a simulator outside any client, with a fake clock, so clients can come and go
// (a crash and a restart) while it keeps its records.
func externalSim(t *testing.T) (*sim.Server, *sim.FakeClock) {
	t.Helper()
	clock := sim.NewFakeClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	s, err := sim.Start(sim.Options{Clock: clock, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func clientOn(t *testing.T, s *sim.Server, journalPath string) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"timeouts":{"connect_ms":300,"request_ms":500,"operation_ms":1500,"recovery_ms":3000}}`,
		s.URL(), journalPath)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Most tests play a till with a history; TestALostJournal... plays the new one.
	if err := c.Acknowledge(payments.NewJournalAck); err != nil {
		t.Fatal(err)
	}
	return c
}

var refCounter atomic.Int64

func uniqueRef(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, refCounter.Add(1))
}

// effects counts what the simulator itself recorded for a reference: payments created and the
// successful events of each kind.
func effects(s *sim.Server, ref string) map[string]int {
	n := map[string]int{}
	snap, ok := s.Payment(ref)
	if !ok {
		return n
	}
	n["CREATED"] = 1
	for _, e := range snap.Events {
		if e.Name != "CREATED" && e.Success {
			n[string(e.Name)]++
		}
	}
	return n
}

// prepare brings a payment to the state the operation under test needs, through its own client
// so the client under test starts with fresh per-payment rate windows.
func prepare(t *testing.T, s *sim.Server, clock *sim.FakeClock, op, ref string) {
	t.Helper()
	if op == journal.OpCreate {
		return
	}
	c := clientOn(t, s, filepath.Join(t.TempDir(), "setup.db"))
	defer c.Close()
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	if _, err := c.OwnUnit().StartCheckout(ctx, req); err != nil {
		t.Fatal(err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("setup poll: %+v %v", p, err)
	}
	if op == journal.OpRefund {
		if _, err := c.OwnUnit().Capture(ctx, ref, 10000, "setup"); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(61 * time.Second) // a fresh rate-limit minute at the simulator
}

func runOp(c *Client, op, ref string) error {
	ctx := context.Background()
	var err error
	switch op {
	case journal.OpCreate:
		req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
		_, err = c.OwnUnit().StartCheckout(ctx, req)
	case journal.OpCapture:
		_, err = c.OwnUnit().Capture(ctx, ref, 10000, "")
	case journal.OpRefund:
		_, err = c.OwnUnit().Refund(ctx, ref, 4000, "")
	case journal.OpCancel:
		_, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, "")
	}
	return err
}

var effectOf = map[string]string{journal.OpCreate: "CREATED", journal.OpCapture: "CAPTURED", journal.OpRefund: "REFUNDED", journal.OpCancel: "CANCELLED"}

var faultKinds = []sim.Fault{
	{Kind: sim.FaultDelay, Delay: 800 * time.Millisecond},
	{Kind: sim.FaultCloseBefore},
	{Kind: sim.FaultDropAfterCommit},
	{Kind: sim.FaultStatus, Status: 500},
	{Kind: sim.FaultStatus, Status: 502},
	{Kind: sim.FaultStatus, Status: 503},
	{Kind: sim.FaultStatus, Status: 504},
	{Kind: sim.FaultStatus, Status: 429, RetryAfter: time.Second},
	{Kind: sim.FaultStatus, Status: 423},
	{Kind: sim.FaultTruncatedBody},
	{Kind: sim.FaultMalformedJSON},
}

func faultName(f sim.Fault) string {
	if f.Kind == sim.FaultStatus {
		return fmt.Sprintf("status %d", f.Status)
	}
	return string(f.Kind)
}

// TestNoFaultEverMovesMoneyTwiceOrLosesIt injects every fault kind into every money-moving
// operation, first once (the call's own retries must finish it) and then on every attempt (the
// call must end definite or UNKNOWN, and a restart's recovery must resolve the UNKNOWN). The
// simulator's own records must show each operation carried out at most once, and exactly once
// whenever the library reported it done.
func TestNoFaultEverMovesMoneyTwiceOrLosesIt(t *testing.T) {
	s, clock := externalSim(t)
	for _, op := range []string{journal.OpCreate, journal.OpCapture, journal.OpRefund, journal.OpCancel} {
		for _, f := range faultKinds {
			for _, times := range []int{1, -1} {
				name := fmt.Sprintf("%s with %s on %s", op, faultName(f), map[int]string{1: "one attempt", -1: "every attempt"}[times])
				t.Run(name, func(t *testing.T) {
					ref := uniqueRef("fm")
					prepare(t, s, clock, op, ref)
					f := f
					f.Operation, f.Reference, f.Times = op, ref, times
					if _, err := s.InjectFault(f); err != nil {
						t.Fatal(err)
					}
					jpath := filepath.Join(t.TempDir(), "journal.db")
					c := clientOn(t, s, jpath)
					err := runOp(c, op, ref)
					code := CodeOf(err)
					c.Close()
					s.ClearFaults()
					clock.Advance(61 * time.Second)

					switch code {
					case CodeOK, CodeUnknownOutcome, CodeRateLimited, CodeUnavailable, CodeNetwork:
					default:
						t.Fatalf("the call ended %v: %v", code, err)
					}
					if times == 1 && code != CodeOK {
						t.Fatalf("one faulted attempt: the call's retries should finish it, got %v: %v", code, err)
					}
					got := effects(s, ref)[effectOf[op]]
					if got > 1 {
						t.Fatalf("%s happened %d times", op, got)
					}
					if code == CodeOK && got != 1 {
						t.Fatalf("reported done but the simulator saw %d", got)
					}
					if code != CodeOK && code != CodeUnknownOutcome && got != 0 {
						t.Fatalf("reported %v (certainly not done) but the simulator saw %d", code, got)
					}

					// A restart on the same journal resolves whatever is open.
					c2 := clientOn(t, s, jpath)
					defer c2.Close()
					if open := c2.InitRecovery.StillOpen; len(open) != 0 {
						// A request the library stopped waiting for (a timeout, a gateway's 504)
						// may still be on its way through Vipps: its absence from the event log
						// proves nothing until that time (settle.go inFlightLimit) has passed.
						time.Sleep(c2.pay.InFlightLimit())
						if r, err := c2.Recover(context.Background(), 3*time.Second); err != nil || len(r.StillOpen) != 0 {
							t.Fatalf("still open after recovery: %+v, then %+v, %v", open, r, err)
						}
					}
					pending, err := c2.Pending()
					if err != nil || len(pending.Open) != 0 {
						t.Fatalf("pending %+v, %v", pending, err)
					}
					after := effects(s, ref)[effectOf[op]]
					if after > 1 {
						t.Fatalf("%s happened %d times after recovery", op, after)
					}
					if code == CodeUnknownOutcome && op != journal.OpCreate && after != 1 {
						t.Fatalf("an unknown %s was not finished by recovery (simulator saw %d)", op, after)
					}
					for _, v := range pending.Unacknowledged {
						if v.Reference == ref && v.State == "done" && after != 1 {
							t.Fatalf("recovery says done, simulator saw %d", after)
						}
					}
				})
			}
		}
	}
}

func TestRepeatingACallAfterAnUnknownOutcomeFinishesTheSameOperation(t *testing.T) {
	s, clock := externalSim(t)
	for _, withID := range []bool{false, true} {
		t.Run(map[bool]string{false: "without an operation id", true: "with an operation id"}[withID], func(t *testing.T) {
			ref := uniqueRef("rep")
			prepare(t, s, clock, journal.OpCapture, ref)
			// A 1 s budget fits at most four attempts (backoff 100+200+400 ms at least before the
			// fourth), so the repeat below still has one of Vipps' five requests a minute.
			cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"timeouts":{"request_ms":500,"operation_ms":1000}}`,
				s.URL(), filepath.Join(t.TempDir(), "j.db"))))
			if err != nil {
				t.Fatal(err)
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Acknowledge(payments.NewJournalAck); err != nil { // a till with a history
				t.Fatal(err)
			}
			opID := ""
			if withID {
				opID = "receipt-9"
			}
			id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: "capture", Reference: ref, Times: -1})
			_, err = c.OwnUnit().Capture(context.Background(), ref, 10000, opID)
			wantCode(t, err, CodeUnknownOutcome, "")
			pending, _ := c.Pending()
			if len(pending.Open) != 1 || pending.Open[0].Reference != ref || pending.Open[0].Operation != "capture" {
				t.Fatalf("pending %+v", pending)
			}
			s.RemoveFault(id)
			p, err := c.OwnUnit().Capture(context.Background(), ref, 10000, opID)
			if err != nil || p.Captured != 10000 {
				t.Fatalf("repeat: %+v, %v", p, err)
			}
			if n := effects(s, ref)["CAPTURED"]; n != 1 {
				t.Fatalf("captured %d times", n)
			}
			if pending, _ := c.Pending(); len(pending.Open)+len(pending.Unacknowledged) != 0 {
				t.Fatalf("left pending: %+v", pending)
			}
		})
	}
}

func TestARestartReportsWhatHappenedWhileTheTillWasDown(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("down")
	prepare(t, s, clock, journal.OpCapture, ref)
	jpath := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, jpath)
	s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: "capture", Reference: ref, Times: -1})
	_, err := c.OwnUnit().Capture(context.Background(), ref, 10000, "")
	wantCode(t, err, CodeUnknownOutcome, "")
	c.Close()
	s.ClearFaults()
	clock.Advance(61 * time.Second)

	c2 := clientOn(t, s, jpath)
	defer c2.Close()
	if len(c2.InitRecovery.Resolved) != 1 || c2.InitRecovery.Resolved[0].State != "done" {
		t.Fatalf("init recovery %+v", c2.InitRecovery)
	}
	pending, _ := c2.Pending()
	if len(pending.Unacknowledged) != 1 || pending.Unacknowledged[0].Payment == nil || pending.Unacknowledged[0].Payment.Captured != 10000 {
		t.Fatalf("pending %+v", pending)
	}
	// The till, not knowing, repeats the capture: it gets the recorded outcome, nothing is sent.
	p, err := c2.OwnUnit().Capture(context.Background(), ref, 10000, "")
	if err != nil || p.Captured != 10000 {
		t.Fatalf("repeat: %+v %v", p, err)
	}
	if n := effects(s, ref)["CAPTURED"]; n != 1 {
		t.Fatalf("captured %d times", n)
	}
	if pending, _ := c2.Pending(); len(pending.Unacknowledged) != 0 {
		t.Fatalf("still unacknowledged: %+v", pending)
	}
}

func TestACheckoutThatNeverReachedVippsIsNotCreatedByRecovery(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("nc")
	jpath := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, jpath)
	s.InjectFault(sim.Fault{Kind: sim.FaultCloseBefore, Operation: "create", Reference: ref, Times: -1})
	req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	got, err := c.OwnUnit().StartCheckout(context.Background(), req)
	wantCode(t, err, CodeUnknownOutcome, "")
	if got != ref {
		t.Fatalf("reference %q", got)
	}
	c.Close()
	s.ClearFaults()
	clock.Advance(61 * time.Second)
	// The restart comes after InFlightLimit: until then Vipps' event log might not list a
	// create the attempts made, and recovery leaves it open.
	setClockAhead(t, 5*time.Second)
	c2 := clientOn(t, s, jpath)
	defer c2.Close()
	if r := c2.InitRecovery.Resolved; len(r) != 1 || r[0].State != "not_created" {
		t.Fatalf("recovery %+v", c2.InitRecovery)
	}
	if _, ok := s.Payment(ref); ok {
		t.Fatal("recovery created the payment")
	}
	// The till repeats the checkout: now it is created, once.
	if _, err := c2.OwnUnit().StartCheckout(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Payment(ref); !ok {
		t.Fatal("the repeated checkout did not create the payment")
	}
}

func TestAnOperationIDUsedForSomethingElseIsAConflictAndNothingIsSent(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("oid")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "r-1"); err != nil {
		t.Fatal(err)
	}
	before := s.Stats().Requests["POST /epayment/v1/payments/{reference}/capture"]
	_, err := c.OwnUnit().Capture(context.Background(), ref, 2000, "r-1")
	wantCode(t, err, CodeConflict, "")
	if !strings.Contains(err.Error(), "r-1") {
		t.Fatalf("error %v does not name the operation id", err)
	}
	if after := s.Stats().Requests["POST /epayment/v1/payments/{reference}/capture"]; after != before {
		t.Fatalf("a conflicting call was sent (%d -> %d requests)", before, after)
	}
}

func TestEveryMoneyMoveIsJournaledWithItsExactRequest(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("jr")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 2500, "rcpt-1"); err != nil {
		t.Fatal(err)
	}
	// The request was on disk before it left; the outcome is queued for the next commit when
	// the call returns (journal.PutSoon) and is on disk once that commit is.
	c.journal.WaitQueued()
	e, err := c.journal.Get(payments.IdempotencyKey(payments.TillIdentity{StoreID: c.cfg.StoreID, PosID: c.cfg.PosID}, "capture", c.OwnUnit().pay.MSN(), ref, "rcpt-1"))
	if err != nil || e == nil {
		t.Fatalf("entry %v, %v", e, err)
	}
	if string(e.Body) != `{"modificationAmount":{"currency":"NOK","value":2500}}` || e.State != journal.StateDone || e.Payment.Captured != 2500 {
		t.Fatalf("entry %+v body %s", e, e.Body)
	}
	// Seen by the till only once the call has returned: in memory now, in the file later.
	if e.Acknowledged || !c.pay.ReturnedNotWritten(e.ID) {
		t.Fatalf("acknowledged in the file %v, seen in memory %v", e.Acknowledged, c.pay.ReturnedNotWritten(e.ID))
	}
}

func TestAJournalInUseOrDamagedStopsInitWithAClearError(t *testing.T) {
	s, _ := externalSim(t)
	jpath := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, jpath)
	defer c.Close()
	cfg, _ := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q}`, s.URL(), jpath)))
	_, err := New(cfg)
	wantCode(t, err, CodeJournal, "")
	if !strings.Contains(err.Error(), "journal_path") {
		t.Fatalf("error %v gives no hint", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	writeFile(t, bad, strings.Repeat("garbage", 1000))
	cfg, _ = ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q}`, s.URL(), bad)))
	_, err = New(cfg)
	wantCode(t, err, CodeJournal, "")
}

func TestAlikeCheckoutsInProgressAtOnceAreTwoSales(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	// The first checkout is held at the simulator while the second, identical one starts.
	s.InjectFault(sim.Fault{Kind: sim.FaultDelay, Operation: "create", Delay: 300 * time.Millisecond, Times: 1})
	req, _ := ParseCheckout([]byte(`{"amount":4900,"phone_number":"4712345678"}`))
	refs := make(chan string, 2)
	for i := 0; i < 2; i++ {
		go func() {
			ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
			if err != nil {
				t.Error(err)
			}
			refs <- ref
		}()
		time.Sleep(50 * time.Millisecond)
	}
	a, b := <-refs, <-refs
	if a == b || a == "" || b == "" {
		t.Fatalf("two sales got references %q and %q", a, b)
	}
	for _, ref := range []string{a, b} {
		if _, ok := s.Payment(ref); !ok {
			t.Fatalf("payment %s does not exist", ref)
		}
	}
}
