package core

// "Failed" (journal.StateFailed) says an operation was certainly not carried out, and a repeat
// sends it again with its own key and body without reading Vipps' event log first. These tests
// search the answers that lead there, and the repeat of such an entry after Vipps has forgotten
// its Idempotency-Key (the simulator keeps a key for a day).

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// keyForgotten is past the simulator's Idempotency-Key window (sim/idempotency.go): a key sent
// again after it is a new operation.
const keyForgotten = 25 * time.Hour

// onlyEntry is the one entry of op on ref in the journal at path (the client using it closed).
func onlyEntry(t *testing.T, path, ref, op string) *journal.Entry {
	t.Helper()
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	list, err := j.ForReferenceOperation(ref, op)
	if err != nil || len(list) != 1 {
		t.Fatalf("the journal holds %d %s entries of %s (%v), want 1", len(list), op, ref, err)
	}
	return list[0]
}

// keysOf lists the Idempotency-Keys of the simulator's successful events named name on ref.
func keysOf(t *testing.T, s *sim.Server, ref, name string) []string {
	t.Helper()
	snap, ok := s.Payment(ref)
	if !ok {
		t.Fatalf("the simulator has no payment %s", ref)
	}
	var keys []string
	for _, e := range snap.Events {
		if e.Name == name && e.Success {
			key := ""
			if e.IdempotencyKey != nil {
				key = *e.IdempotencyKey
			}
			keys = append(keys, key)
		}
	}
	return keys
}

// vmp 0.1 recorded a capture as failed when an attempt got no answer or a 5xx and the retry
// was refused with 401 or 403 (its retry layer turned only 429 and busy answers after such an
// attempt into an unknown outcome, and it never read the event log); vmp 0.2 did so when the
// event log did not list the capture yet. This vmp sent such an entry again on its repeat with
// its old key, unread: a day later, when Vipps has forgotten the key, a second capture. The
// entry is looked up first, like an open one: found, the repeat is done and sends nothing;
// the event log unreadable, nothing is sent; absent, it is sent.
func TestAFailedCaptureAnOlderVmpRecordedIsLookedUpBeforeItIsSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name              string
		carriedOut        bool
		eventLogReadable  bool
		wantCode          Code
		wantCapturedAfter int64
	}{
		{"carried out, event log readable", true, true, CodeOK, 3000},
		{"carried out, event log unreadable", true, false, CodeUnknownOutcome, 3000},
		{"not carried out", false, true, CodeOK, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("older-failed")
			prepare(t, s, clock, journal.OpCapture, ref)
			ctx := context.Background()
			first := filepath.Join(t.TempDir(), "first.db")
			c := clientOn(t, s, first)
			if !tc.carriedOut {
				refuse, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationCapture, Reference: ref, Times: -1})
				_, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
				s.RemoveFault(refuse)
				wantCode(t, err, CodeAuth, "")
			} else if _, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1"); err != nil {
				t.Fatal(err)
			}
			c.Close()
			// As the older vmp left it: failed on the retry's 401, and returned to the till.
			path, failed := failedByOlderVmp(t, first, ref, journal.OpCapture, "capture of "+ref)

			clock.Advance(keyForgotten)
			if !tc.eventLogReadable {
				if _, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationEvents, Reference: ref, Times: -1}); err != nil {
					t.Fatal(err)
				}
			}
			till := clientOn(t, s, path)
			defer till.Close()
			_, err := till.OwnUnit().Capture(ctx, ref, 3000, "cap-1") // the till repeats it, with its id
			s.ClearFaults()
			if CodeOf(err) != tc.wantCode {
				t.Fatalf("the repeat ended %v, want %v: %v", CodeOf(err), tc.wantCode, err)
			}
			if captured, _, _ := aggregate(t, s, ref); captured != tc.wantCapturedAfter {
				t.Fatalf("one capture of 3000 an older vmp recorded as failed came to %d after its repeat", captured)
			}
			if keys := keysOf(t, s, ref, sim.EventCaptured); len(keys) != 1 || keys[0] != failed.IdempotencyKey {
				t.Fatalf("captures at Vipps under keys %v, want one under the entry's %s", keys, failed.IdempotencyKey)
			}
		})
	}
}

// A checkout with an explicit reference that vmp 0.1 recorded as failed after its create was
// carried out (no answer, then 401), repeated with its reference a day later: Vipps no longer
// knows the key and refuses the create as a reference in use. That refusal says nothing of the
// first attempt: the checkout is settled by the event log (created under its key), not told
// VMP_ERR_CONFLICT - which tells the till to make the sale again under a new reference, a second
// payment request for a sale the customer may have paid.
func TestAFailedCheckoutAnOlderVmpRecordedIsSettledByTheEventLog(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("older-failed-checkout")
	ctx := context.Background()
	first := filepath.Join(t.TempDir(), "first.db")
	c := clientOn(t, s, first)
	checkout, err := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.OwnUnit().StartCheckout(ctx, checkout); err != nil {
		t.Fatal(err)
	}
	c.Close()
	path, _ := failedByOlderVmp(t, first, ref, journal.OpCreate, "checkout "+ref)

	clock.Advance(keyForgotten)
	till := clientOn(t, s, path)
	defer till.Close()
	again, err := till.OwnUnit().StartCheckout(ctx, checkout)
	if err != nil {
		t.Fatalf("the checkout repeated: %v", err)
	}
	if again != ref {
		t.Fatalf("the checkout repeated is payment %s, want %s", again, ref)
	}
	if refs := s.References(""); len(refs) != 1 {
		t.Fatalf("one sale made %d payments at Vipps: %v", len(refs), refs)
	}
}

// moveWithID makes op on ref as the till does, with an operation id (for a checkout: the
// explicit reference).
func moveWithID(c *Client, op, ref, id string) error {
	ctx := context.Background()
	var err error
	switch op {
	case journal.OpCreate:
		req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
		_, err = c.OwnUnit().StartCheckout(ctx, req)
	case journal.OpCapture:
		_, err = c.OwnUnit().Capture(ctx, ref, 10000, id)
	case journal.OpRefund:
		_, err = c.OwnUnit().Refund(ctx, ref, 4000, id)
	case journal.OpCancel:
		_, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, id)
	}
	return err
}

// laterAnswers are the answers Vipps (or its gateway) can give an attempt without carrying it
// out: each, after an earlier attempt of the call that was carried out, says nothing of that
// one.
var laterAnswers = []sim.Fault{
	{Kind: sim.FaultStatus, Status: 400},
	{Kind: sim.FaultStatus, Status: 401},
	{Kind: sim.FaultStatus, Status: 403},
	{Kind: sim.FaultStatus, Status: 404},
	{Kind: sim.FaultStatus, Status: 408},
	{Kind: sim.FaultStatus, Status: 409},
	{Kind: sim.FaultStatus, Status: 423},
	{Kind: sim.FaultStatus, Status: 429},
	{Kind: sim.FaultStatus, Status: 503, ErrorCode: 6260}, // busy by its ErrorCode, not by its 5xx
}

func answerName(f sim.Fault) string {
	if f.ErrorCode != 0 {
		return fmt.Sprintf("%s with ErrorCode %d", faultName(f), f.ErrorCode)
	}
	return faultName(f)
}

// Every money-moving operation whose first attempt is carried out and loses its answer, with
// every later attempt of the call given one answer that carries nothing out: the call ends
// done or unknown, never a definite failure (which the till may follow with a new operation,
// and which a repeat would send again unread, after Vipps forgot the key a second one), and
// the till's repeat finishes the one operation.
func TestNoAnswerAfterAnAttemptThatWasCarriedOutEndsItFailed(t *testing.T) {
	s, clock := externalSim(t)
	for _, op := range []string{journal.OpCreate, journal.OpCapture, journal.OpRefund, journal.OpCancel} {
		for _, then := range laterAnswers {
			t.Run(fmt.Sprintf("%s then %s", op, answerName(then)), func(t *testing.T) {
				ref := uniqueRef("carried")
				prepare(t, s, clock, op, ref)
				c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
				defer c.Close()
				first, _ := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: op, Reference: ref})
				then.Operation, then.Reference, then.Times = op, ref, -1
				later, err := s.InjectFault(then)
				if err != nil {
					t.Fatal(err)
				}
				err = moveWithID(c, op, ref, "op-1")
				s.RemoveFault(first)
				s.RemoveFault(later)
				if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
					t.Fatalf("the call ended %v (certainly not carried out) after an attempt that was: %v", code, err)
				}
				if err != nil {
					clock.Advance(61 * time.Second) // the call's attempts used Vipps' rate limit up
					if err := moveWithID(c, op, ref, "op-1"); err != nil {
						t.Fatalf("the till's repeat: %v", err)
					}
				}
				if n := effects(s, ref)[effectOf[op]]; n != 1 {
					t.Fatalf("one %s happened %d times at Vipps", op, n)
				}
				clock.Advance(61 * time.Second)
			})
		}
	}
}

// An operation certainly not carried out - every attempt refused without being carried out - is
// recorded failed, and its repeat with the same operation id a
// day later, when Vipps no longer knows the key, sends it with the same key and body: the one
// operation, carried out once.
func TestAFailedOperationRepeatedAfterVippsForgotItsKeyIsCarriedOutOnce(t *testing.T) {
	s, clock := externalSim(t)
	refusals := []sim.Fault{
		{Kind: sim.FaultStatus, Status: 401},
		{Kind: sim.FaultStatus, Status: 403},
		{Kind: sim.FaultStatus, Status: 423},
		{Kind: sim.FaultStatus, Status: 429},
		{Kind: sim.FaultStatus, Status: 503, ErrorCode: 6260},
	}
	for _, op := range []string{journal.OpCapture, journal.OpRefund, journal.OpCancel} {
		for _, refusal := range refusals {
			t.Run(fmt.Sprintf("%s refused with %s", op, answerName(refusal)), func(t *testing.T) {
				ref := uniqueRef("failed")
				prepare(t, s, clock, op, ref)
				path := filepath.Join(t.TempDir(), "j.db")
				f := refusal
				f.Operation, f.Reference, f.Times = op, ref, -1
				id, err := s.InjectFault(f)
				if err != nil {
					t.Fatal(err)
				}
				c := clientOn(t, s, path)
				err = moveWithID(c, op, ref, "op-1")
				c.Close()
				s.RemoveFault(id)
				switch CodeOf(err) {
				case CodeAuth, CodeUnavailable, CodeRateLimited, CodeNetwork:
				default:
					t.Fatalf("the call ended %v: %v", CodeOf(err), err)
				}
				e := onlyEntry(t, path, ref, op)
				if e.State != journal.StateFailed {
					t.Fatalf("the entry is %s, want failed", e.State)
				}
				if n := effects(s, ref)[effectOf[op]]; n != 0 {
					t.Fatalf("a %s recorded failed happened %d times at Vipps", op, n)
				}

				clock.Advance(keyForgotten)
				till := clientOn(t, s, path)
				defer till.Close()
				if err := moveWithID(till, op, ref, "op-1"); err != nil {
					t.Fatalf("the repeat a day later: %v", err)
				}
				if n := effects(s, ref)[effectOf[op]]; n != 1 {
					t.Fatalf("one %s happened %d times at Vipps", op, n)
				}
				if keys := keysOf(t, s, ref, effectOf[op]); op != journal.OpCancel && (len(keys) != 1 || keys[0] != e.IdempotencyKey) {
					t.Fatalf("%s at Vipps under keys %v, want the entry's %s", op, keys, e.IdempotencyKey)
				}
			})
		}
	}
}

// Vipps' event log lags behind longer than InFlightLimit (Vipps documents no bound on it): a
// capture carried out, its answers lost, is left open; the till's repeat after the in-flight
// window finds it absent from the log, its sends are refused with 401, and it ends failed -
// "certainly not carried out" on the log's word. The till repeats it with its id 25 hours
// later, when Vipps has forgotten the key and the log lists the capture: sent again unread,
// it was a second capture.
func TestAnOldFailedCaptureTheEventLogListedLateIsNotSentAgain(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("old-failed")
	prepare(t, s, clock, journal.OpCapture, ref)
	var lag atomic.Bool
	lag.Store(true)
	path := filepath.Join(t.TempDir(), "j.db")
	vipps := laggingEventLog(t, s, &lag, "CAPTURED")
	c := clientAt(t, vipps, path, 500, 1500)
	ctx := context.Background()

	restore := dropEvery(t, s, sim.OperationCapture, ref)
	_, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	time.Sleep(1200 * time.Millisecond) // past InFlightLimit (2 x request_ms, at least 1 s)
	clock.Advance(61 * time.Second)     // a fresh rate-limit minute at the simulator
	refuse, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	_, err = c.OwnUnit().Capture(ctx, ref, 3000, "cap-1") // the till's repeat: the log still lags
	s.RemoveFault(refuse)
	wantCode(t, err, CodeAuth, "")
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("captured %d before the repeat, want the one capture of 3000", captured)
	}

	c.Close()
	if e := onlyEntry(t, path, ref, journal.OpCapture); e.State != journal.StateFailed {
		t.Fatalf("the capture is %s after its repeat was refused, want failed", e.State)
	}

	lag.Store(false)
	clock.Advance(keyForgotten)
	setClockAhead(t, keyForgotten) // the till's clock too: the failed capture is a day old
	till := clientAt(t, vipps, path, 500, 1500)
	defer till.Close()
	if _, err := till.OwnUnit().Capture(ctx, ref, 3000, "cap-1"); err != nil {
		t.Fatalf("the repeat a day later: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("one capture of 3000, recorded failed while the event log lagged, came to %d after its repeat a day later", captured)
	}
	if keys := keysOf(t, s, ref, sim.EventCaptured); len(keys) != 1 {
		t.Fatalf("captures at Vipps under keys %v, want one", keys)
	}
}

// The guard costs nothing on the hot path: a capture refused with 401 (certainly not carried
// out) and repeated at once is sent again without reading the event log - here unreadable, so
// a read would have ended the repeat VMP_ERR_UNKNOWN_OUTCOME. Repeated a day later, it is read
// first: unreadable, nothing is sent; readable and absent, it is sent, once.
func TestAFailedCaptureIsLookedUpBeforeItIsSentAgainOnlyWhenOld(t *testing.T) {
	for _, tc := range []struct {
		name             string
		later            time.Duration
		eventLogReadable bool
		wantCode         Code
		wantCaptured     int64
		// clockBack: the till's clock was a day ahead when the capture was refused and is
		// set right before the repeat, so the entry's CreatedAt lies in the future: its age
		// cannot be told, and it is looked up.
		clockBack bool
	}{
		{"repeated at once, event log unreadable", 0, false, CodeOK, 3000, false},
		{"repeated a day later, event log unreadable", keyForgotten, false, CodeUnknownOutcome, 0, false},
		{"repeated a day later, event log readable", keyForgotten, true, CodeOK, 3000, false},
		{"repeated a day later after the till's clock stepped back, event log unreadable", keyForgotten, false, CodeUnknownOutcome, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("failed-age")
			prepare(t, s, clock, journal.OpCapture, ref)
			c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
			defer c.Close()
			ctx := context.Background()
			if tc.clockBack {
				setClockAhead(t, 2*tc.later)
			}
			refuse, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 401, Operation: sim.OperationCapture, Reference: ref, Times: -1})
			_, err := c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
			s.RemoveFault(refuse)
			wantCode(t, err, CodeAuth, "")

			if tc.later > 0 {
				clock.Advance(tc.later)
				setClockAhead(t, tc.later)
			}
			if !tc.eventLogReadable {
				s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationEvents, Reference: ref, Times: -1})
			}
			_, err = c.OwnUnit().Capture(ctx, ref, 3000, "cap-1")
			s.ClearFaults()
			if CodeOf(err) != tc.wantCode {
				t.Fatalf("the repeat ended %v, want %v: %v", CodeOf(err), tc.wantCode, err)
			}
			if captured, _, _ := aggregate(t, s, ref); captured != tc.wantCaptured {
				t.Fatalf("captured %d after the repeat, want %d", captured, tc.wantCaptured)
			}
		})
	}
}

// failedByOlderVmp writes an older vmp's journal (writeOlderJournal) holding the op entry of ref
// from the journal at first as that vmp left it: failed on a retry's 401 and returned to the
// till (what: the operation's words in its message). It returns the journal's path and the entry.
func failedByOlderVmp(t *testing.T, first, ref, op, what string) (string, *journal.Entry) {
	t.Helper()
	failed := onlyEntry(t, first, ref, op)
	failed.State, failed.Payment, failed.Acknowledged = journal.StateFailed, nil, true
	failed.Outcome = &journal.Outcome{Code: int32(CodeAuth), HTTPStatus: 401, Message: what + ": Vipps answered HTTP 401"}
	path := filepath.Join(t.TempDir(), "older.db")
	writeOlderJournal(t, path, []*journal.Entry{failed})
	return path, failed
}
