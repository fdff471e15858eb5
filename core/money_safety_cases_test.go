package core

// One test per case of issue 14 ("close every way a repeat, a restart or a second till moves
// money twice"), each reproducing what a store did. Each failed on main before the fix (the
// commit that added them says how each failed).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// newTillOn is clientOn for a till that starts with a journal it has never acknowledged as new
// (journal loss is what the test is about), with extra config members.
func newTillOn(t *testing.T, s *sim.Server, journalPath, extra string) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"environment":"simulator","base_url":%q,"journal_path":%q,"timeouts":{"connect_ms":300,"request_ms":500,"operation_ms":1500,"recovery_ms":3000}%s}`,
		s.URL(), journalPath, extra)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tillWithHistory is newTillOn for a till whose new journal was acknowledged.
func tillWithHistory(t *testing.T, s *sim.Server, journalPath, extra string) *Client {
	t.Helper()
	c := newTillOn(t, s, journalPath, extra)
	if err := c.Acknowledge(payments.NewJournalAck); err != nil {
		t.Fatal(err)
	}
	return c
}

// dropEvery makes every attempt of op on ref commit and lose its answer; the returned func
// removes the fault.
func dropEvery(t *testing.T, s *sim.Server, op, ref string) func() {
	t.Helper()
	id, err := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: op, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	return func() { s.RemoveFault(id) }
}

func aggregate(t *testing.T, s *sim.Server, ref string) (captured, refunded, cancelled int64) {
	t.Helper()
	snap, ok := s.Payment(ref)
	if !ok {
		t.Fatalf("the simulator has no payment %s", ref)
	}
	return snap.Aggregate.CapturedAmount.Value, snap.Aggregate.RefundedAmount.Value, snap.Aggregate.CancelledAmount.Value
}

func setClockAhead(t *testing.T, d time.Duration) {
	clockOffset.Store(int64(d))
	t.Cleanup(func() { clockOffset.Store(0) })
}

// Case 1: a till repeats a checkout that ended VMP_ERR_UNKNOWN_OUTCOME while vmp_recover works
// on it on another thread. The repeat waits for recovery and finishes the same payment.
func TestARepeatDuringRecoveryFinishesTheSameCheckout(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":4990,"phone_number":"4712345678"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	// Recovery's reads are slow, so the repeat arrives while recovery holds the operation.
	for _, op := range []string{sim.OperationGet, sim.OperationEvents} {
		s.InjectFault(sim.Fault{Kind: sim.FaultDelay, Operation: op, Delay: 300 * time.Millisecond, Times: 1})
	}
	recovered := make(chan error, 1)
	go func() {
		_, err := c.Recover(ctx, 3*time.Second)
		recovered <- err
	}()
	time.Sleep(80 * time.Millisecond)
	again, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil || again != ref {
		t.Fatalf("the repeat during recovery gave %q, %v; want the first checkout %q", again, err, ref)
	}
	if err := <-recovered; err != nil {
		t.Fatal(err)
	}
	if refs := s.References(""); len(refs) != 1 {
		t.Fatalf("one sale made %d payments at Vipps: %v", len(refs), refs)
	}
}

// Case 2: an attempt is carried out but its answer is lost; the retry inside the same call is
// answered 400/401/403/409. That answer says nothing of the first attempt: the call ends OK
// (Vipps' event log shows the operation) or unknown, never as a definite failure that makes
// the till's next identical call a second operation.
func TestAFailureAfterAnAttemptThatMayHaveBeenAppliedIsNeverDefinite(t *testing.T) {
	s, clock := externalSim(t)
	for _, op := range []string{journal.OpCapture, journal.OpRefund} {
		for _, status := range []int{400, 401, 403, 409} {
			t.Run(fmt.Sprintf("%s answered %d on the retry", op, status), func(t *testing.T) {
				ref := uniqueRef("late4xx")
				prepare(t, s, clock, op, ref)
				c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
				defer c.Close()
				first, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: op, Reference: ref, Times: 1})
				then, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: status, Operation: op, Reference: ref, Times: -1})
				move := func() error {
					if op == journal.OpCapture {
						_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "")
						return err
					}
					_, err := c.OwnUnit().Refund(context.Background(), ref, 2500, "")
					return err
				}
				err := move()
				s.RemoveFault(first)
				s.RemoveFault(then)
				if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
					t.Fatalf("the call ended %v after an attempt that was carried out: %v", code, err)
				}
				if CodeOf(err) == CodeUnknownOutcome {
					if err := move(); err != nil { // the till's repeat, as vmp.h says
						t.Fatalf("repeat: %v", err)
					}
				}
				captured, refunded, _ := aggregate(t, s, ref)
				if op == journal.OpCapture && captured != 3000 || op == journal.OpRefund && refunded != 2500 {
					t.Fatalf("captured %d, refunded %d for one %s", captured, refunded, op)
				}
				// The outcome was definite and returned: the next identical call is a new one.
				if err := move(); err != nil {
					t.Fatalf("a second %s: %v", op, err)
				}
				captured, refunded, _ = aggregate(t, s, ref)
				if op == journal.OpCapture && captured != 6000 || op == journal.OpRefund && refunded != 5000 {
					t.Fatalf("after a second %s: captured %d, refunded %d", op, captured, refunded)
				}
				clock.Advance(61 * time.Second)
			})
		}
	}
}

// Case 3: a checkout ended unknown, the till read its status (vmp.h's first option) and
// captured it. That settles it: the next identical checkout, minutes or days later, is a new
// sale. An unseen checkout is matched only while young; an unseen capture too old to be a
// plain repeat is refused rather than guessed at.
func TestACheckoutSettledByReadingItIsNotTakenForTheNextSale(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":12900,"phone_number":"4712345678","description":"Groceries"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	first, err := c.OwnUnit().StartCheckout(ctx, req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	if p, err := c.OwnUnit().PollStatus(ctx, first, 3*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("status: %+v, %v", p, err)
	}
	if _, err := c.OwnUnit().Capture(ctx, first, 12900, "sale-1"); err != nil {
		t.Fatal(err)
	}
	if pending, _ := c.Pending(); len(pending.Open)+len(pending.Unacknowledged) != 0 {
		t.Fatalf("the settled checkout is still pending: %+v", pending)
	}
	second, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil || second == first {
		t.Fatalf("the next sale got %q, %v (the first was %q)", second, err, first)
	}
	if refs := s.References(""); len(refs) != 2 {
		t.Fatalf("two sales, %d payments: %v", len(refs), refs)
	}
}

func TestAnUnseenCheckoutIsMatchedOnlyWhileYoung(t *testing.T) {
	s, _ := externalSim(t)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":12900,"phone_number":"4712345678","description":"Groceries"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	first, err := c.OwnUnit().StartCheckout(ctx, req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	// 11 minutes pass. Within one process the library counts a checkout's age on the monotonic
	// clock too (a clock stepped forward must not make a repeat a second payment:
	// TestAClockSteppedForwardDoesNotMakeARepeatedCheckoutASecondPayment), so the till restarts,
	// and the journal's time is all it has.
	c.Close()
	setClockAhead(t, payments.CheckoutRepeatWindow+time.Minute)
	c = clientOn(t, s, path)
	defer c.Close()
	second, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil || second == first {
		t.Fatalf("an alike sale 11 minutes later got %q, %v (the unseen one was %q)", second, err, first)
	}
	// The old one is not forgotten: it is there for the till to settle (recovery found it made).
	pending, _ := c.Pending()
	if len(pending.Unacknowledged) != 1 || pending.Unacknowledged[0].Reference != first {
		t.Fatalf("pending %+v", pending)
	}
}

func TestAnUnseenCaptureTooOldToBeARepeatIsRefused(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("oldcap")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	setClockAhead(t, payments.ModificationRepeatWindow+time.Hour)
	_, err = c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	wantCode(t, err, CodeConflict, "")
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("captured %d", captured)
	}
}

// Case 4: Vipps keeps an Idempotency-Key for a limited time (the simulator: 24 hours). A refund
// left open and finished 25 hours later is looked up in the event log, not sent again.
func TestAnOldOpenRefundIsLookedUpBeforeItIsSentAgain(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("stale")
	prepare(t, s, clock, journal.OpRefund, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	restore := dropEvery(t, s, sim.OperationRefund, ref)
	_, err := c.OwnUnit().Refund(context.Background(), ref, 4000, "")
	restore()
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	clock.Advance(25 * time.Hour) // the simulator forgets the key
	c2 := clientOn(t, s, path)
	defer c2.Close()
	if len(c2.InitRecovery.Resolved) != 1 || c2.InitRecovery.Resolved[0].State != string(journal.StateDone) {
		t.Fatalf("recovery %+v", c2.InitRecovery)
	}
	if _, refunded, _ := aggregate(t, s, ref); refunded != 4000 {
		t.Fatalf("one refund of 4000 became %d", refunded)
	}
}

// Case 4b: the same refund when Vipps' event log cannot be read. Sent again blind, its key
// (forgotten) would be a second refund: it stays open, recovery and the repeat say the outcome
// is unknown and send nothing, and once the log can be read the repeat finds it done.
func TestAnOldOpenRefundIsNotSentAgainWhenTheEventLogCannotBeRead(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("stale")
	prepare(t, s, clock, journal.OpRefund, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	restore := dropEvery(t, s, sim.OperationRefund, ref)
	_, err := c.OwnUnit().Refund(context.Background(), ref, 4000, "ret-1")
	restore()
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	clock.Advance(25 * time.Hour) // the simulator forgets the key
	id, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 500, Operation: sim.OperationEvents, Reference: ref, Times: -1})
	if err != nil {
		t.Fatal(err)
	}
	c2 := clientOn(t, s, path)
	defer c2.Close()
	if len(c2.InitRecovery.StillOpen) != 1 || len(c2.InitRecovery.Resolved) != 0 {
		t.Fatalf("recovery with the event log unreadable: %+v, want the refund still open", c2.InitRecovery)
	}
	_, err = c2.OwnUnit().Refund(context.Background(), ref, 4000, "ret-1")
	wantCode(t, err, CodeUnknownOutcome, "")
	if !strings.Contains(err.Error(), "event log") {
		t.Fatalf("the repeat's error does not say why nothing was sent: %v", err)
	}
	if _, refunded, _ := aggregate(t, s, ref); refunded != 4000 {
		t.Fatalf("one refund of 4000 became %d while the event log could not be read", refunded)
	}
	s.RemoveFault(id)
	if _, err = c2.OwnUnit().Refund(context.Background(), ref, 4000, "ret-1"); err != nil {
		t.Fatalf("the repeat once the event log can be read: %v", err)
	}
	if _, refunded, _ := aggregate(t, s, ref); refunded != 4000 {
		t.Fatalf("one refund of 4000 became %d", refunded)
	}
}

// Case 5: operations of a sales unit are its MSN's, whatever the unit is called.
func TestAnOperationOfASalesUnitNoLongerConfiguredStaysOpen(t *testing.T) {
	s, err := sim.Start(sim.Options{SalesUnits: []sim.Credentials{storeA, storeB}, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ref := chainSale(t, s)
	path := filepath.Join(t.TempDir(), "j.db")
	unitA := func(name string) string {
		return `,` + keysJSON(storeB) + `,"sales_units":[{"name":"` + name + `",` + keysJSON(storeA) + `}]`
	}
	till := tillWithHistory(t, s, path, unitA("store-a"))
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationRefund, Times: -1})
	_, err = unitOf(t, till, "store-a").Refund(context.Background(), ref, 2000, "")
	s.RemoveFault(id)
	till.Close()
	wantCode(t, err, CodeUnknownOutcome, "")

	// The unit is taken out of the configuration: its refund is neither failed nor forgotten.
	till = newTillOn(t, s, path, ","+keysJSON(storeB))
	if len(till.InitRecovery.StillOpen) != 1 || !strings.Contains(till.InitRecovery.StillOpen[0].Outcome.Message, "111111") {
		t.Fatalf("recovery without the unit: %+v", till.InitRecovery)
	}
	pending, _ := till.Pending()
	till.Close()
	if len(pending.Open) != 1 || pending.Open[0].State != "open" {
		t.Fatalf("pending without the unit: %+v", pending)
	}
	// Configured again under another name, the refund is finished: it happened once.
	till = newTillOn(t, s, path, unitA("butikk-a"))
	defer till.Close()
	if len(till.InitRecovery.Resolved) != 1 || till.InitRecovery.Resolved[0].State != "done" {
		t.Fatalf("recovery with the unit renamed: %+v", till.InitRecovery)
	}
	if snap, _ := s.PaymentOf(storeA.MSN, ref); snap.Aggregate.RefundedAmount.Value != 2000 {
		t.Fatalf("refunded %d", snap.Aggregate.RefundedAmount.Value)
	}
}

func TestARenamedSalesUnitRepeatsWithTheSameKey(t *testing.T) {
	s, err := sim.Start(sim.Options{SalesUnits: []sim.Credentials{storeA, storeB}, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ref := chainSale(t, s)
	path := filepath.Join(t.TempDir(), "j.db")
	unitA := func(name string) string {
		return `,` + keysJSON(storeB) + `,"sales_units":[{"name":"` + name + `",` + keysJSON(storeA) + `}]`
	}
	till := tillWithHistory(t, s, path, unitA("store-a"))
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationRefund, Times: -1})
	_, err = unitOf(t, till, "store-a").Refund(context.Background(), ref, 5000, "return-7")
	wantCode(t, err, CodeUnknownOutcome, "")
	till.Close()
	// Recovery at start cannot reach Vipps either; the till repeats under the new name.
	till = newTillOn(t, s, path, unitA("butikk-a")+`,"timeouts":{"recovery_ms":100}`)
	defer till.Close()
	s.RemoveFault(id)
	p, err := unitOf(t, till, "butikk-a").Refund(context.Background(), ref, 5000, "return-7")
	if err != nil || p.Refunded != 5000 {
		t.Fatalf("repeat under the new name: %+v, %v", p, err)
	}
	if snap, _ := s.PaymentOf(storeA.MSN, ref); snap.Aggregate.RefundedAmount.Value != 5000 {
		t.Fatalf("one refund of 5000 became %d", snap.Aggregate.RefundedAmount.Value)
	}
}

// chainSale makes a captured sale of 20000 in store A.
func chainSale(t *testing.T, s *sim.Server) string {
	t.Helper()
	tillA := chainClient(t, s, ","+keysJSON(storeA))
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":20000,"phone_number":"4712345678"}`))
	ref, err := tillA.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tillA.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := tillA.OwnUnit().Capture(ctx, ref, 20000, "sale"); err != nil {
		t.Fatal(err)
	}
	return ref
}

// Case 6: two tills number their returns alike; each refund is its own. The same till repeating
// an operation id after it lost its journal still sends the same key.
func TestTwoTillsNeverShareAKeyAndATillKeepsItsOwnAfterLosingItsJournal(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("twotills")
	prepare(t, s, clock, journal.OpRefund, ref)
	ctx := context.Background()
	till1 := clientOn(t, s, filepath.Join(t.TempDir(), "till1.db"))
	till2 := tillWithHistory(t, s, filepath.Join(t.TempDir(), "till2.db"), `,"store_id":"oslo","pos_id":"2"`)
	defer till2.Close()
	if _, err := till1.OwnUnit().Refund(ctx, ref, 1000, "return-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := till2.OwnUnit().Refund(ctx, ref, 1000, "return-1"); err != nil {
		t.Fatal(err)
	}
	if _, refunded, _ := aggregate(t, s, ref); refunded != 2000 {
		t.Fatalf("two tills' refunds of 1000 came to %d", refunded)
	}
	restore := dropEvery(t, s, sim.OperationRefund, ref)
	_, err := till2.OwnUnit().Refund(ctx, ref, 500, "return-2")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	till2.Close()
	till1.Close()
	clock.Advance(61 * time.Second) // Vipps' five requests a minute per payment
	// Till 2 loses its journal and repeats the return with its id.
	again := newTillOn(t, s, filepath.Join(t.TempDir(), "till2-new.db"), `,"store_id":"oslo","pos_id":"2"`)
	defer again.Close()
	if _, err := again.OwnUnit().Refund(ctx, ref, 500, "return-2"); err != nil {
		t.Fatal(err)
	}
	if _, refunded, _ := aggregate(t, s, ref); refunded != 2500 {
		t.Fatalf("refunded %d, want 2500", refunded)
	}
}

// Case 7: two threads repeat one unknown capture at once; the second waits for the first and
// gets the same operation's outcome.
func TestTwoRepeatsAtOnceOfOneUnknownCaptureCaptureOnce(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("tworepeats")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(ctx, ref, 3000, "")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	for _, op := range []string{sim.OperationCapture, sim.OperationEvents, sim.OperationGet} {
		s.InjectFault(sim.Fault{Kind: sim.FaultDelay, Operation: op, Reference: ref, Delay: 200 * time.Millisecond, Times: 1})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.OwnUnit().Capture(ctx, ref, 3000, "")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("repeat: %v", err)
		}
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("one capture of 3000 became %d", captured)
	}
}

// Case 8: the journal vanished between two runs. The till does not start as if nothing had
// happened: the repeat of the unknown capture is refused until the host says the loss is
// accepted; with an operation id it is never refused.
func TestALostJournalDoesNotForgetAnUnknownCapture(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("lost")
	prepare(t, s, clock, journal.OpCapture, ref)
	dir := t.TempDir()
	path := filepath.Join(dir, "j.db")
	c := clientOn(t, s, path)
	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	restore()
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	c = newTillOn(t, s, path, "")
	pending, _ := c.Pending()
	if !pending.Journal.New || pending.Journal.NewSince == "" {
		t.Fatalf("pending does not say the journal is new: %+v", pending.Journal)
	}
	_, err = c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	wantCode(t, err, CodeNewJournal, "")
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("captured %d after the repeat on a new journal", captured)
	}
	// With an operation id the call is never refused: its key does not depend on the journal.
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "rest"); err != nil {
		t.Fatal(err)
	}
	// Checkouts are never refused either.
	req, _ := ParseCheckout([]byte(`{"amount":1000,"phone_number":"4712345678"}`))
	if _, err := c.OwnUnit().StartCheckout(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := c.Acknowledge(payments.NewJournalAck); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c = newTillOn(t, s, path, "")
	defer c.Close()
	if pending, _ := c.Pending(); pending.Journal.New {
		t.Fatalf("the acknowledgement did not last: %+v", pending.Journal)
	}
}

// Case 9: the capture check compares with Vipps' own record, not with a journal that has
// forgotten earlier captures (pruned after journal_retention_days, or early by a clock set
// ahead).
func TestTheCaptureCheckHoldsAfterTheJournalForgotEarlierCaptures(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("pruned")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 4000, "part-1"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	setClockAhead(t, 31*24*time.Hour)
	clock.Advance(61 * time.Second)
	c = clientOn(t, s, path) // prunes what is older than 30 days
	defer c.Close()
	if entries, _ := c.journal.ForReference(ref); len(entries) != 0 {
		t.Fatalf("the journal was not pruned: %d entries", len(entries))
	}
	p, err := c.OwnUnit().Capture(context.Background(), ref, 1000, "part-2")
	if err != nil || p.Captured != 5000 {
		t.Fatalf("a correct partial capture: %+v, %v", p, err)
	}
}

// Case 10a: the outcome of a capture could not be written (a full disk), though the capture was
// done and returned. The next identical call is the till's second capture, not a repeat.
func TestAnOutcomeTheJournalFailedToRecordIsNotTakenForTheNextCall(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("nowrite")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	var once sync.Once
	journalWriteFault = func(e *journal.Entry) error {
		var err error
		if e.State == journal.StateDone {
			once.Do(func() { err = errors.New("no space left on device") })
		}
		return err
	}
	t.Cleanup(func() { journalWriteFault = func(*journal.Entry) error { return nil } })
	for i := 1; i <= 2; i++ {
		if _, err := c.OwnUnit().Capture(context.Background(), ref, 3000, ""); err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 6000 {
		t.Fatalf("two captures of 3000 came to %d", captured)
	}
	if pending, _ := c.Pending(); len(pending.Open) != 0 {
		t.Fatalf("pending %+v", pending)
	}
}

// Case 10b: a refund sent again after an unknown outcome is answered with the first attempt's
// stored answer; the till gets the payment as it is now.
func TestARefundSentAgainReportsThePaymentAsItIsNow(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("fresh")
	prepare(t, s, clock, journal.OpRefund, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	restore := dropEvery(t, s, sim.OperationRefund, ref)
	_, err := c.OwnUnit().Refund(ctx, ref, 1000, "r-1")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	if _, err := c.OwnUnit().Refund(ctx, ref, 2000, "r-2"); err != nil {
		t.Fatal(err)
	}
	p, err := c.OwnUnit().Refund(ctx, ref, 1000, "r-1")
	if err != nil || p.Refunded != 3000 {
		t.Fatalf("the repeat reports %+v, %v; Vipps has 3000 refunded", p, err)
	}
}

// Case 11: the till retries a checkout with its receipt renumbered; it asks for the same sale.
func TestARetriedCheckoutWithItsReceiptRenumberedIsTheSamePayment(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	checkoutWith := func(receiptNumber string) (string, error) {
		req, err := ParseCheckout([]byte(`{"amount":9900,"phone_number":"4791234567","receipt":{"orderLines":[{"name":"Bag","id":"bag",` +
			`"totalAmount":9900,"totalAmountExcludingTax":8609,"totalTaxAmount":1291,"taxRate":1500}],"bottomLine":{"currency":"NOK",` +
			`"receiptNumber":"` + receiptNumber + `"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		return c.OwnUnit().StartCheckout(context.Background(), req)
	}
	restore := dropEvery(t, s, sim.OperationCreate, "")
	first, err := checkoutWith("1001")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	again, err := checkoutWith("1002")
	if err != nil || again != first {
		t.Fatalf("the retry gave %q, %v; want %q", again, err, first)
	}
	if refs := s.References(""); len(refs) != 1 {
		t.Fatalf("%d payments: %v", len(refs), refs)
	}
}

// Case 12: the till's abort is refused with 6250 while the customer is approving: not a final
// rejection - the same abort again (with its operation id) is sent again, and an approval that
// won the race is reported as such. 6260 (funds unavailable) is retried with the same key.
func TestAnAbortRefusedWhileTheCustomerApprovesCanBeRepeated(t *testing.T) {
	s, clock := externalSim(t)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":5000,"phone_number":"` + sim.MSISDNNeverAnswers + `"}`))
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 400, ErrorCode: 6250, Operation: sim.OperationCancel, Reference: ref, Times: -1})
	_, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{TransactionOnly: true}, "abort-1")
	s.RemoveFault(id)
	wantCode(t, err, CodeUnavailable, "6250")
	// The retries used up Vipps' five requests a minute for the payment; the cashier presses
	// abort again a minute later (the till restarted meanwhile).
	c.Close()
	clock.Advance(61 * time.Second)
	c = clientOn(t, s, path)
	defer c.Close()
	p, err := c.OwnUnit().Cancel(ctx, ref, CancelOptions{TransactionOnly: true}, "abort-1")
	if err != nil || p.State != StateTerminated {
		t.Fatalf("the abort again: %+v, %v", p, err)
	}

	// The customer approved while the abort was refused: the till learns it is AUTHORIZED.
	clock.Advance(61 * time.Second)
	req, _ = ParseCheckout([]byte(`{"amount":5000,"phone_number":"` + sim.MSISDNNeverAnswers + `"}`))
	ref, err = c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 400, ErrorCode: 6250, Operation: sim.OperationCancel, Reference: ref, Times: -1})
	if err := s.Approve(ref); err != nil {
		t.Fatal(err)
	}
	p, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{TransactionOnly: true}, "abort-2")
	wantCode(t, err, CodeAlreadyAuthorized, "6250")
	if p.State != StateAuthorized {
		t.Fatalf("payment %+v", p)
	}

	// 6260 on a capture: the same request again, within the call.
	req, _ = ParseCheckout([]byte(`{"amount":5000,"phone_number":"4712345678"}`))
	if ref, err = c.OwnUnit().StartCheckout(ctx, req); err != nil {
		t.Fatal(err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 3*time.Second); err != nil || p.State != StateAuthorized {
		t.Fatalf("status %+v, %v", p, err)
	}
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 400, ErrorCode: 6260, Operation: sim.OperationCapture, Reference: ref, Times: 2})
	if p, err := c.OwnUnit().Capture(ctx, ref, 5000, "sale"); err != nil || p.Captured != 5000 {
		t.Fatalf("capture after 6260: %+v, %v", p, err)
	}
}

// Found while fixing case 7: two calls with one operation id but different amounts, at once,
// are one operation id - one is refused, nothing is captured twice, and the journal keeps the
// record of the one that happened.
func TestOneOperationIDAskedForTwoAmountsAtOnceIsOneOperation(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("oneid")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	for round := 0; round < 4; round++ {
		opID := fmt.Sprintf("receipt-%d", round)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i, amount := range []int64{1000, 1500} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = c.OwnUnit().Capture(context.Background(), ref, amount, opID)
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		if CodeOf(errs[1]) == CodeOK {
			won = 1
		}
		if CodeOf(errs[won]) != CodeOK || CodeOf(errs[1-won]) != CodeConflict {
			t.Fatalf("round %d: %v and %v; want one done, one a conflict", round, errs[0], errs[1])
		}
		amount := []int64{1000, 1500}[won]
		if _, err := c.OwnUnit().Capture(context.Background(), ref, amount, opID); err != nil {
			t.Fatalf("round %d: the one that happened, again: %v", round, err)
		}
		clock.Advance(61 * time.Second)
	}
}

// unsettledListener remembers which payments a PaymentListener was last told are known.
type unsettledListener struct {
	mu    sync.Mutex
	known map[string]bool
}

func (l *unsettledListener) PaymentKnown(unit, reference string, p Payment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.known[reference] = true
}

func (l *unsettledListener) PaymentForgotten(unit, reference string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.known, reference)
}

func (l *unsettledListener) has(reference string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.known[reference]
}

// Case 3 through the C ABI's copy for reads from memory (vmp_poll_status with wait 0 answers in
// C from what the listener is told): a checkout that ended unknown is kept out of it until the
// till's read has settled it, so that read reaches the engine.
func TestAnUnsettledCheckoutIsNotAnsweredFromTheCopyOutsideTheEngine(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	l := &unsettledListener{known: map[string]bool{}}
	c.SetPaymentListener(l)
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":12900,"phone_number":"4712345678","description":"Groceries"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	if _, err := c.Recover(ctx, 3*time.Second); err != nil { // recovery reads the payment
		t.Fatal(err)
	}
	if l.has(ref) {
		t.Fatal("the unsettled checkout is in the copy that answers reads without the engine")
	}
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	if !l.has(ref) {
		t.Fatal("once settled by the till's read, the payment is not in the copy")
	}
	if again, err := c.OwnUnit().StartCheckout(ctx, req); err != nil || again == ref {
		t.Fatalf("the next alike sale got %q, %v", again, err)
	}
}

// orderedDelivery plays the C ABI's delivery (capi/delivery.go): made is when the till made the
// call, deliveredAt when it took the result (0: not yet), on one count.
type orderedDelivery struct {
	made        int64
	deliveredAt atomic.Int64
}

func (d *orderedDelivery) Delivered() bool { return d.deliveredAt.Load() > 0 }

func (d *orderedDelivery) MadeBefore(other Delivery) bool {
	o := other.(*orderedDelivery)
	return !o.Delivered() || d.made < o.deliveredAt.Load()
}

// Case 7 through the C ABI (found by the property test, seed 629087798290): two repeats at once
// of a checkout that ended unknown. The first found it settled and returned at once, before the
// second had reached the library's decision, though the till made the second before it had the
// first's answer: the second became a new payment. A call made before a repeat's outcome
// reached the till repeats the same operation; one made after it is new, and an alike call
// made while the call that made the payment was still in progress is another sale.
func TestARepeatMadeBeforeTheOtherRepeatsAnswerReachedTheTillIsTheSameOperation(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	req, _ := ParseCheckout([]byte(`{"amount":13747,"phone_number":"4712345678","description":"Purchase"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	first, err := c.OwnUnit().StartCheckout(context.Background(), req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")

	a := &orderedDelivery{made: 1}
	b := &orderedDelivery{made: 2} // made before a's answer reached the till
	gotA, err := c.OwnUnit().StartCheckout(WithDelivery(context.Background(), a), req)
	if err != nil || gotA != first {
		t.Fatalf("the first repeat got %q, %v; want %q", gotA, err, first)
	}
	gotB, err := c.OwnUnit().StartCheckout(WithDelivery(context.Background(), b), req)
	if err != nil || gotB != first {
		t.Fatalf("the second repeat, made before the first one's answer reached the till, got %q, %v; want %q", gotB, err, first)
	}
	a.deliveredAt.Store(3)
	b.deliveredAt.Store(4)
	time.Sleep(200 * time.Millisecond) // a's and b's outcomes are written as seen
	if pending, _ := c.Pending(); len(pending.Unacknowledged) != 0 {
		t.Fatalf("the repeated checkout is not recorded as seen: %+v", pending.Unacknowledged)
	}
	late := &orderedDelivery{made: 2} // made with b, but it reached the library only now
	gotLate, err := c.OwnUnit().StartCheckout(WithDelivery(context.Background(), late), req)
	if err != nil || gotLate != first {
		t.Fatalf("a repeat made before the others' answers reached the till, deciding after they were written as seen, got %q, %v; want %q", gotLate, err, first)
	}
	late.deliveredAt.Store(5)
	next := &orderedDelivery{made: 6} // after every answer: the till's next alike sale
	gotNext, err := c.OwnUnit().StartCheckout(WithDelivery(context.Background(), next), req)
	if err != nil || gotNext == first {
		t.Fatalf("the next alike sale got %q, %v (the repeated one was %q)", gotNext, err, first)
	}
	y := &orderedDelivery{made: 7} // made while next's call was still in progress for the till
	go func() { time.Sleep(50 * time.Millisecond); next.deliveredAt.Store(8) }()
	gotY, err := c.OwnUnit().StartCheckout(WithDelivery(context.Background(), y), req)
	if err != nil || gotY == gotNext || gotY == first {
		t.Fatalf("an alike sale made while another was in progress got %q, %v (others %q, %q)", gotY, err, gotNext, first)
	}
	if refs := s.References(""); len(refs) != 3 {
		t.Fatalf("three sales, %d payments: %v", len(refs), refs)
	}
}
