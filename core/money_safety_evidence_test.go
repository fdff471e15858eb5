package core

// The evidence the engine decides on - "it did not happen", "it happened", "it may be sent
// again" - made stale or wrong the way an unlucky store would see it: Vipps still working on an
// earlier attempt when the repeat comes, the till's clock stepped forward between an attempt
// and its settlement, an event log that lists an operation without its own key. Each test
// failed before the fix named in the commit that added it.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/internal/payments"
)

// clientAt is clientOn for a Vipps at baseURL (a proxy in front of the simulator, say) with the
// given request and operation timeouts.
func clientAt(t *testing.T, baseURL, journalPath string, requestMS, operationMS int) *Client {
	t.Helper()
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"timeouts":{"connect_ms":300,"request_ms":%d,"operation_ms":%d,"recovery_ms":%d}}`,
		baseURL, journalPath, requestMS, operationMS, 2*operationMS)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Acknowledge(payments.NewJournalAck); err != nil {
		t.Fatal(err)
	}
	return c
}

// holdFirst makes the first attempt of op on ref wait at Vipps for hold before it is carried
// out (the till gives up on it first), and answers the next `then` attempts 503.
func holdFirst(t *testing.T, s *sim.Server, op, ref string, hold time.Duration, then int) {
	t.Helper()
	if _, err := s.InjectFault(sim.Fault{Kind: sim.FaultDelay, Operation: op, Reference: ref, Delay: hold}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: op, Reference: ref, Times: then}); err != nil {
		t.Fatal(err)
	}
}

// waitCaptured waits (bounded) until the simulator has carried out the held capture.
func waitCaptured(t *testing.T, s *sim.Server, ref string, want int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if captured, _, _ := aggregate(t, s, ref); captured == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the held capture of %s was not carried out within %v", ref, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Vipps is still carrying out a capture the till gave up on, longer than InFlightLimit, and
// answers the next attempt 423 ("another operation on this payment is in progress"): that
// answer is evidence that the first may still land, not that it did not happen.
func TestAnAttemptStillBeingCarriedOutIsNotFailedOnA423(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("held423")
	prepare(t, s, clock, journal.OpCapture, ref)
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientOn(t, s, path)
	holdFirst(t, s, sim.OperationCapture, ref, 5*time.Second, -1)
	_, err := c.OwnUnit().Capture(context.Background(), ref, 10000, "sale-1")
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	s.ClearFaults()
	if _, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 423, Operation: sim.OperationCapture, Reference: ref, Times: -1}); err != nil {
		t.Fatal(err)
	}
	c2 := clientOn(t, s, path) // a restart: its recovery finds the capture open
	defer c2.Close()
	if len(c2.InitRecovery.Resolved) != 0 {
		t.Fatalf("recovery resolved the capture (%+v) while Vipps was still carrying it out", c2.InitRecovery.Resolved)
	}
	waitCaptured(t, s, ref, 10000, 6*time.Second)
	s.ClearFaults()
	if _, err := c2.OwnUnit().Capture(context.Background(), ref, 10000, "sale-1"); err != nil {
		t.Fatalf("the repeat after the held capture landed: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 10000 {
		t.Fatalf("one capture of 10000 became %d", captured)
	}
}

// The till's clock steps forward (NTP) between a capture that got no answer and the repeat.
// The repeat is refused by the per-payment rate limit the first call's attempts used up: a
// definite failure, after which only Vipps' event log, and whether the first attempt may still
// be on its way, decide. The wall clock said the attempt was long gone; it was not.
func TestAClockSteppedForwardDoesNotEndAnAttemptStillOnItsWay(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("ntpstep")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientAt(t, s.URL(), filepath.Join(t.TempDir(), "j.db"), 500, 5000)
	defer c.Close()
	holdFirst(t, s, sim.OperationCapture, ref, 5*time.Second, 4) // 5 attempts: Vipps' limit a minute
	_, err := c.OwnUnit().Capture(context.Background(), ref, 10000, "")
	wantCode(t, err, CodeUnknownOutcome, "")
	setClockAhead(t, time.Hour)
	_, err = c.OwnUnit().Capture(context.Background(), ref, 10000, "") // the till's repeat
	if code := CodeOf(err); code != CodeUnknownOutcome && code != CodeOK {
		t.Errorf("the repeat ended %v while the first attempt was still on its way: %v", code, err)
	}
	waitCaptured(t, s, ref, 10000, 6*time.Second)
	if code := CodeOf(err); code != CodeUnknownOutcome && code != CodeOK {
		t.Fatalf("... and that attempt was carried out: the till was told %v for a capture that happened", code)
	}
}

// eventLogProxy is a Vipps in front of the simulator whose event log answers pass through
// rewrite.
func eventLogProxy(t *testing.T, s *sim.Server, rewrite func([]map[string]any) []map[string]any) string {
	t.Helper()
	target, _ := url.Parse(s.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method != http.MethodGet || !strings.HasSuffix(r.Request.URL.Path, "/events") || r.StatusCode != 200 {
			return nil
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return err
		}
		var events []map[string]any
		if err := json.Unmarshal(body, &events); err == nil {
			body, _ = json.Marshal(rewrite(events))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	// A connection Vipps dropped is dropped on to the till, not answered 502 - nor sent again by
	// the proxy's transport, which replays a request without a body that carries an
	// Idempotency-Key (a cancel) on a dropped connection: the till would never see the drop.
	proxy.ErrorHandler = func(http.ResponseWriter, *http.Request, error) { panic(http.ErrAbortHandler) }
	proxy.Transport = noReplay{http.DefaultTransport}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// noReplay sends every request once: a POST without a body gets an empty one that cannot be
// rewound, so the transport does not replay it.
type noReplay struct{ http.RoundTripper }

func (n noReplay) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body == nil {
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(strings.NewReader(""))
	}
	return n.RoundTripper.RoundTrip(r)
}

// eventKeys rewrites the idempotencyKey of the events named in names: "absent" drops it (the
// contract: the key is nullable), "payment" gives the payment's own key (that of its CREATED
// event, as the contract's example lists a CAPTURED event).
func eventKeys(t *testing.T, s *sim.Server, mode string, names ...string) string {
	return eventLogProxy(t, s, func(events []map[string]any) []map[string]any {
		var created any
		for _, ev := range events {
			if ev["name"] == "CREATED" {
				created = ev["idempotencyKey"]
			}
		}
		for _, ev := range events {
			if !slices.Contains(names, ev["name"].(string)) {
				continue
			}
			if mode == "absent" {
				delete(ev, "idempotencyKey")
			} else {
				ev["idempotencyKey"] = created
			}
		}
		return events
	})
}

// laggingEventLog leaves the events named in names out of the event log while lag is set: the
// operation happened, the log does not list it yet.
func laggingEventLog(t *testing.T, s *sim.Server, lag *atomic.Bool, names ...string) string {
	return eventLogProxy(t, s, func(events []map[string]any) []map[string]any {
		if !lag.Load() {
			return events
		}
		return slices.DeleteFunc(events, func(ev map[string]any) bool { return slices.Contains(names, ev["name"].(string)) })
	})
}

// A refund left open is repeated a day later, when Vipps has forgotten its key, and Vipps'
// event log lists the refund that happened without its key (or under the payment's): "not
// under this key" is not "did not happen", and sent again the key made a second refund.
func TestAnOldOpenRefundListedWithoutItsKeyIsNotSentAgain(t *testing.T) {
	for _, mode := range []string{"absent", "payment"} {
		t.Run("key "+mode, func(t *testing.T) {
			s, clock := externalSim(t)
			ref := uniqueRef("nokey")
			prepare(t, s, clock, journal.OpRefund, ref)
			vipps := eventKeys(t, s, mode, "REFUNDED", "CAPTURED")
			path := filepath.Join(t.TempDir(), "j.db")
			c := clientAt(t, vipps, path, 500, 1500)
			restore := dropEvery(t, s, sim.OperationRefund, ref)
			_, err := c.OwnUnit().Refund(context.Background(), ref, 4000, "ret-1")
			restore()
			c.Close()
			wantCode(t, err, CodeUnknownOutcome, "")
			clock.Advance(25 * time.Hour) // Vipps forgets the key
			c2 := clientAt(t, vipps, path, 500, 1500)
			defer c2.Close()
			if _, refunded, _ := aggregate(t, s, ref); refunded != 4000 {
				t.Fatalf("one refund of 4000 became %d (recovery: %+v)", refunded, c2.InitRecovery)
			}
			_, err = c2.OwnUnit().Refund(context.Background(), ref, 4000, "ret-1")
			wantCode(t, err, CodeUnknownOutcome, "")
			if _, refunded, _ := aggregate(t, s, ref); refunded != 4000 {
				t.Fatalf("one refund of 4000 became %d", refunded)
			}
		})
	}
}

// Inside one call: a capture is carried out, its answer lost, and the retry answered 409; the
// event log lists the capture without its key. The call must not say the capture failed.
func TestACaptureListedWithoutItsKeyIsNotFailedOnALaterAnswer(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("nokey409")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientAt(t, eventKeys(t, s, "absent", "CAPTURED"), filepath.Join(t.TempDir(), "j.db"), 500, 1500)
	defer c.Close()
	s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationCapture, Reference: ref})
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 409, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
		t.Fatalf("the call ended %v for a capture that was carried out: %v", code, err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("captured %d", captured)
	}
}

// Two tills of one sales unit use the same explicit reference (their receipt series overlap).
// Till A's checkout never reached Vipps (answered 503 throughout: unknown outcome); till B's
// made the payment. A reads the reference's status - B's payment - and must not take it for
// its own sale: A's repeat would be told its checkout was made, and A would capture B's
// customer's payment for its own sale.
func TestAReadOfAnotherTillsPaymentDoesNotSettleACheckout(t *testing.T) {
	s, _ := externalSim(t)
	ref := uniqueRef("shared")
	till := func(pos string) *Client {
		cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"store_id":"s1","pos_id":%q,"timeouts":{"connect_ms":300,"request_ms":500,"operation_ms":1500,"recovery_ms":3000}}`,
			s.URL(), filepath.Join(t.TempDir(), "j.db"), pos)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Acknowledge(payments.NewJournalAck)
		t.Cleanup(c.Close)
		return c
	}
	a, b := till("pos1"), till("pos2")
	ctx := context.Background()
	sale := func(amount int) CheckoutRequest {
		req, err := ParseCheckout([]byte(fmt.Sprintf(`{"amount":%d,"phone_number":"4712345678","reference":%q}`, amount, ref)))
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationCreate, Reference: ref, Times: -1})
	_, err := a.OwnUnit().StartCheckout(ctx, sale(10000))
	s.RemoveFault(id)
	wantCode(t, err, CodeUnknownOutcome, "")
	if _, err := b.OwnUnit().StartCheckout(ctx, sale(25000)); err != nil {
		t.Fatal(err)
	}
	if p, err := a.OwnUnit().PollStatus(ctx, ref, 0); err != nil || p.Amount != 25000 {
		t.Fatalf("till A's read of %s: %+v, %v", ref, p, err)
	}
	if got, err := a.OwnUnit().StartCheckout(ctx, sale(10000)); err == nil {
		t.Fatalf("till A's repeat of its sale of 10000 was told done (%s): the payment is till B's sale of 25000", got)
	}
}

// Vipps' event log lags behind: a capture whose answer was lost, and whose retry was answered
// 409, is not listed yet when the library looks. "Not listed" right after an attempt that may
// have been carried out is not "did not happen".
func TestACaptureTheEventLogDoesNotListYetIsNotFailed(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("lag")
	prepare(t, s, clock, journal.OpCapture, ref)
	var lag atomic.Bool
	lag.Store(true)
	c := clientAt(t, laggingEventLog(t, s, &lag, "CAPTURED"), filepath.Join(t.TempDir(), "j.db"), 500, 1500)
	defer c.Close()
	s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationCapture, Reference: ref})
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 409, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "")
	if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
		t.Fatalf("the call ended %v for a capture that was carried out (the event log did not list it yet): %v", code, err)
	}
	lag.Store(false)
	s.RemoveFault(id)
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 3000, ""); err != nil { // the till's repeat
		t.Fatalf("the repeat: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("one capture of 3000 came to %d", captured)
	}
}

// A capture with an operation id is repeated a day later on a till whose journal no longer
// holds it (lost, or pruned early by a clock set ahead): the key derived from the id is the
// same, but Vipps has forgotten it. vmp.h promises the repeat finishes the same operation,
// "also after a lost journal".
func TestAnOperationIdRepeatedADayAfterItsJournalWasLostIsNotMadeAgain(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("lostday")
	prepare(t, s, clock, journal.OpCapture, ref)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "sale-1"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	clock.Advance(25 * time.Hour)
	c2 := clientOn(t, s, filepath.Join(t.TempDir(), "new.db"))
	defer c2.Close()
	p, err := c2.OwnUnit().Capture(context.Background(), ref, 3000, "sale-1")
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("the capture sale-1 of 3000, repeated on a new journal a day later, came to %d (%+v, %v)", captured, p, err)
	}
	if err != nil {
		t.Fatalf("the repeat: %v", err)
	}
}

// The till's clock steps forward 11 minutes (NTP) between a checkout that ended unknown and
// the cashier's repeat a moment later. The repeat is judged by the checkout's age: by the wall
// clock it is past the 10 minutes a checkout is repeated within, and the repeat became a second
// payment request for the one sale.
func TestAClockSteppedForwardDoesNotMakeARepeatedCheckoutASecondPayment(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":12900,"phone_number":"4712345678"}`))
	restore := dropEvery(t, s, sim.OperationCreate, "")
	first, err := c.OwnUnit().StartCheckout(ctx, req)
	restore()
	wantCode(t, err, CodeUnknownOutcome, "")
	setClockAhead(t, 11*time.Minute)
	again, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil || again != first {
		t.Fatalf("the repeat gave %q, %v; want the first checkout %q", again, err, first)
	}
	if refs := s.References(""); len(refs) != 1 {
		t.Fatalf("one sale made %d payments at Vipps: %v", len(refs), refs)
	}
}

// Holds (a regression test): Vipps' event log lists a failed attempt of the capture under its
// key (success false). That is not the capture: an open capture is sent again, never taken as
// done on it.
func TestAFailedEventUnderTheKeyIsNotTheOperation(t *testing.T) {
	s, clock := externalSim(t)
	ref := uniqueRef("failedev")
	prepare(t, s, clock, journal.OpCapture, ref)
	var key atomic.Value
	key.Store("")
	vipps := eventLogProxy(t, s, func(events []map[string]any) []map[string]any {
		if k := key.Load().(string); k != "" {
			events = append(events, map[string]any{"reference": ref, "pspReference": "1", "name": "CAPTURED",
				"amount": map[string]any{"currency": "NOK", "value": 3000}, "timestamp": "2026-11-23T12:00:00Z", "idempotencyKey": k, "success": false})
		}
		return events
	})
	c := clientAt(t, vipps, filepath.Join(t.TempDir(), "j.db"), 500, 1500)
	defer c.Close()
	id, _ := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 503, Operation: sim.OperationCapture, Reference: ref, Times: -1})
	_, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "sale-1")
	s.RemoveFault(id)
	wantCode(t, err, CodeUnknownOutcome, "")
	pending, _ := c.Pending()
	if len(pending.Open) != 1 {
		t.Fatalf("pending %+v", pending)
	}
	key.Store(pending.Open[0].ID) // a new entry's id is its key
	setClockAhead(t, time.Minute) // past InFlightLimit: the repeat comes a minute later
	if _, err := c.OwnUnit().Capture(context.Background(), ref, 3000, "sale-1"); err != nil {
		t.Fatalf("the repeat: %v", err)
	}
	if captured, _, _ := aggregate(t, s, ref); captured != 3000 {
		t.Fatalf("the capture told done came to %d", captured)
	}
}

// An abort whose first attempt may have been carried out (a 5xx) and whose retries were refused
// with 6250 has an unknown outcome: its message must not tell the cashier that nothing was
// cancelled (the cashier would act on it as on a definite failure).
func TestAnAbortThatMayHaveBeenCarriedOutIsNotSaidToHaveCancelledNothing(t *testing.T) {
	s, _ := externalSim(t)
	c := clientOn(t, s, filepath.Join(t.TempDir(), "j.db"))
	defer c.Close()
	ctx := context.Background()
	req, _ := ParseCheckout([]byte(`{"amount":5000,"phone_number":"` + sim.MSISDNNeverAnswers + `"}`))
	ref, err := c.OwnUnit().StartCheckout(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 500, Operation: sim.OperationCancel, Reference: ref})
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 400, ErrorCode: 6250, Operation: sim.OperationCancel, Reference: ref, Times: -1})
	_, err = c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, "abort-1")
	wantCode(t, err, CodeUnknownOutcome, "6250")
	if strings.Contains(err.Error(), "nothing was cancelled") {
		t.Fatalf("an abort that may have been carried out says: %v", err)
	}
}

// Another till captures part of the payment after this till read it, so this till's capture is
// checked against Vipps' event log - which lists the captures without a key of their own. That
// the log does not show this capture under its key does not make it missing: the figures agree,
// and the capture Vipps answered as done is no mismatch. Figures that differ still are.
func TestACaptureListedWithoutItsKeyIsNoCaptureMismatch(t *testing.T) {
	for _, mode := range []string{"absent", "payment"} {
		for _, skew := range []bool{false, true} {
			t.Run(fmt.Sprintf("key %s, figures differ %v", mode, skew), func(t *testing.T) {
				s, clock := externalSim(t)
				ref := uniqueRef("nokeycheck")
				prepare(t, s, clock, journal.OpCapture, ref)
				vipps := eventKeys(t, s, mode, "CAPTURED")
				c := clientAt(t, vipps, filepath.Join(t.TempDir(), "j.db"), 500, 1500)
				defer c.Close()
				other := clientAt(t, vipps, filepath.Join(t.TempDir(), "other.db"), 500, 1500)
				defer other.Close()
				ctx := context.Background()
				if _, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil { // the till knows the payment: nothing captured
					t.Fatal(err)
				}
				if _, err := other.OwnUnit().Capture(ctx, ref, 1000, "other-1"); err != nil {
					t.Fatal(err)
				}
				if skew {
					if err := s.SkewCaptured(ref, -500); err != nil {
						t.Fatal(err)
					}
				}
				p, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
				if captured, _, _ := aggregate(t, s, ref); captured != 2000 {
					t.Fatalf("captured %d, want 2000", captured)
				}
				if skew {
					wantCode(t, err, CodeCaptureMismatch, "")
					if !strings.Contains(err.Error(), "reports 1500 NOK captured, but the captures in its event log add up to 2000") {
						t.Fatalf("payment %+v, error %v", p, err)
					}
					return
				}
				if err != nil || p.Captured != 2000 {
					t.Fatalf("a capture Vipps carried out, listed without its key, ended %v: %v (payment %+v)", CodeOf(err), err, p)
				}
			})
		}
	}
}

// eventLogBehind leaves events named name out of the event log, as many as behind says: the
// latest ones (the log lists the operations up to some point, not the latest ones yet), or with
// earliest the earliest ones (the log lists a later operation before an earlier one).
func eventLogBehind(t *testing.T, s *sim.Server, behind *atomic.Int32, name string, earliest bool) string {
	return eventLogProxy(t, s, func(events []map[string]any) []map[string]any {
		n := int(behind.Load())
		for k := range events {
			i := len(events) - 1 - k
			if earliest {
				i = k
			}
			if n > 0 && events[i]["name"] == name {
				events[i] = nil
				n--
			}
		}
		return slices.DeleteFunc(events, func(ev map[string]any) bool { return ev == nil })
	})
}

// lagCase is a capture of 1000 made right after another till's capture of 1000, checked
// against an event log that leaves CAPTURED events out for a while.
type lagCase struct {
	name     string
	behind   int32         // the CAPTURED events the log leaves out
	earliest bool          // the earliest ones (the other till's first), not the latest
	until    time.Duration // when it lists them (0: not within the test)
	skew     int64
	opMS     int // the call's budget (timeouts.operation_ms), 3000 unless set
	want     Code
	says     string
}

// Another till captures part of the payment after this till read it, so this till's capture is
// checked against Vipps' event log - which does not list this capture yet (it lags). Within
// InFlightLimit of a capture, "not in the log" is "not listed yet" (as for a failure's
// settlement): a capture Vipps answered as done, with figures that have room for it beside what
// the log lists, is no mismatch; a log that lacks other captures too is read again until it
// tells, within the call's budget. Figures that leave no room for it are still a mismatch, and
// so is a log that has not listed it once that time is over.
func TestACaptureTheEventLogDoesNotListYetIsNoCaptureMismatch(t *testing.T) {
	for _, tc := range []lagCase{
		{name: "the log lists the other till's capture, not this one yet", behind: 1, want: CodeOK},
		{name: "the log lists neither yet, and soon does", behind: 2, until: 300 * time.Millisecond, want: CodeOK},
		{name: "Vipps' figures leave no room for this capture", behind: 1, skew: -500, want: CodeCaptureMismatch,
			says: "Vipps reports 1500 NOK captured, but the captures its event log lists add up to 1000 without this capture of 1000"},
		{name: "the log lists neither yet, and then figures that differ", behind: 2, until: 300 * time.Millisecond, skew: -500, want: CodeCaptureMismatch,
			says: "Vipps reports 1500 NOK captured, but the captures in its event log add up to 2000"},
		{name: "the log has not listed it once InFlightLimit is over", behind: 2, want: CodeCaptureMismatch,
			says: "its event log does not show a capture of 1000 NOK under this call's key"},
		{name: "the call's budget is spent before InFlightLimit is over", behind: 2, opMS: 500, want: CodeOK},
	} {
		t.Run(tc.name, func(t *testing.T) { captureWhileTheLogLags(t, tc) })
	}
}

// Another till captures part of the payment moments before this till does, and Vipps' event
// log lists this till's capture but not the other one yet (it lags for that one). Vipps'
// figures - the other capture and this one - decide: a log that may still be behind for a
// capture the figures show (seen first in figures read less than InFlightLimit ago) is read
// again until it tells, within the call's budget, and makes no mismatch. Figures that leave
// no room for this capture still are one, and so is a log that has not listed the other
// capture once that time is over.
func TestAnotherTillsCaptureTheEventLogDoesNotListYetIsNoCaptureMismatch(t *testing.T) {
	for _, tc := range []lagCase{
		{name: "the log lists this capture, not the other till's yet, and soon does", behind: 1, earliest: true, until: 300 * time.Millisecond, want: CodeOK},
		{name: "the call's budget is spent before InFlightLimit is over", behind: 1, earliest: true, opMS: 500, want: CodeOK},
		{name: "Vipps' figures leave no room for this capture", behind: 1, earliest: true, skew: -1500, want: CodeCaptureMismatch,
			says: "Vipps reports 500 NOK captured, but the captures in its event log add up to 1000"},
		{name: "the log lists the other till's capture only after that, with figures that differ", behind: 1, earliest: true, until: 300 * time.Millisecond, skew: -500, want: CodeCaptureMismatch,
			says: "Vipps reports 1500 NOK captured, but the captures in its event log add up to 2000"},
		{name: "the log has not listed the other till's capture once InFlightLimit is over", behind: 1, earliest: true, want: CodeCaptureMismatch,
			says: "Vipps reports 2000 NOK captured, but the captures in its event log add up to 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) { captureWhileTheLogLags(t, tc) })
	}
}

func captureWhileTheLogLags(t *testing.T, tc lagCase) {
	s, clock := externalSim(t)
	ref := uniqueRef("lagcheck")
	prepare(t, s, clock, journal.OpCapture, ref)
	var behind atomic.Int32
	// InFlightLimit is a second (request_ms 500); the call's budget outlasts it, unless set.
	opMS := cmp.Or(tc.opMS, 3000)
	c := clientAt(t, eventLogBehind(t, s, &behind, "CAPTURED", tc.earliest), filepath.Join(t.TempDir(), "j.db"), 500, opMS)
	defer c.Close()
	other := clientOn(t, s, filepath.Join(t.TempDir(), "other.db"))
	defer other.Close()
	ctx := context.Background()
	if _, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil { // the till knows the payment: nothing captured
		t.Fatal(err)
	}
	if _, err := other.OwnUnit().Capture(ctx, ref, 1000, "other-1"); err != nil {
		t.Fatal(err)
	}
	if tc.skew != 0 {
		if err := s.SkewCaptured(ref, tc.skew); err != nil {
			t.Fatal(err)
		}
	}
	behind.Store(tc.behind)
	if tc.until > 0 {
		catchUp := time.AfterFunc(tc.until, func() { behind.Store(0) })
		defer catchUp.Stop()
	}
	p, err := c.OwnUnit().Capture(ctx, ref, 1000, "")
	if captured, _, _ := aggregate(t, s, ref); captured != 2000 {
		t.Fatalf("captured %d, want 2000", captured)
	}
	if tc.want == CodeOK {
		if err != nil || p.Captured != 2000 {
			t.Fatalf("a capture Vipps carried out, with a capture its event log does not list yet, ended %v: %v (payment %+v)", CodeOf(err), err, p)
		}
		return
	}
	wantCode(t, err, tc.want, "")
	if !strings.Contains(err.Error(), tc.says) {
		t.Fatalf("payment %+v, error %v", p, err)
	}
}

// A cancel is carried out, its answer lost, and Vipps refuses every later attempt (409); the
// event log lists the cancel under the payment's own key, as Vipps' example lists a capture
// (or with none, as it lists a cancel). A payment is cancelled once: a cancel without a key of
// its own is this one. The till's repeat a minute later must not be told the cancel failed.
func TestACancelListedWithoutItsKeyIsNotFailedOnALaterAnswer(t *testing.T) {
	for _, mode := range []string{"absent", "payment"} {
		t.Run("key "+mode, func(t *testing.T) { cancelListedWithoutItsKey(t, mode) })
	}
}

func cancelListedWithoutItsKey(t *testing.T, mode string) {
	s, clock := externalSim(t)
	ref := uniqueRef("nokeycancel")
	prepare(t, s, clock, journal.OpCancel, ref)
	c := clientAt(t, eventKeys(t, s, mode, "CANCELLED", "TERMINATED"), filepath.Join(t.TempDir(), "j.db"), 500, 1500)
	defer c.Close()
	ctx := context.Background()
	s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sim.OperationCancel, Reference: ref})
	s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 409, Operation: sim.OperationCancel, Reference: ref, Times: -1})
	_, err := c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, "void-1")
	if code := CodeOf(err); code != CodeOK && code != CodeUnknownOutcome {
		t.Fatalf("the call ended %v for a cancel that was carried out: %v", code, err)
	}
	if _, _, cancelled := aggregate(t, s, ref); cancelled != 10000 {
		t.Fatalf("cancelled %d", cancelled)
	}
	time.Sleep(1200 * time.Millisecond) // past InFlightLimit on the monotonic clock...
	setClockAhead(t, time.Minute)       // ... and the wall clock: the repeat comes a minute later
	clock.Advance(61 * time.Second)     // a fresh rate-limit minute at the simulator
	if _, err := c.OwnUnit().Cancel(ctx, ref, CancelOptions{}, "void-1"); err != nil {
		t.Fatalf("the repeat of a cancel that was carried out ended %v: %v", CodeOf(err), err)
	}
}

// A checkout with an explicit reference is created, its answer lost on every attempt; the
// event log lists the payment's CREATED event without a key (the contract: nullable). After a
// restart, recovery must not mark the checkout "not_created - nothing was created": the
// payment is there, waiting for the customer.
func TestACheckoutListedWithoutItsKeyIsNotMarkedNotCreated(t *testing.T) {
	s, _ := externalSim(t)
	ref := uniqueRef("nokeycreate")
	vipps := eventKeys(t, s, "absent", "CREATED")
	path := filepath.Join(t.TempDir(), "j.db")
	c := clientAt(t, vipps, path, 500, 1500)
	req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	restore := dropEvery(t, s, sim.OperationCreate, ref)
	_, err := c.OwnUnit().StartCheckout(context.Background(), req)
	restore()
	c.Close()
	wantCode(t, err, CodeUnknownOutcome, "")
	if _, ok := s.Payment(ref); !ok {
		t.Fatal("the checkout made no payment")
	}
	setClockAhead(t, time.Minute) // the restart comes after its attempts could still land
	c2 := clientAt(t, vipps, path, 500, 1500)
	defer c2.Close()
	for _, r := range c2.InitRecovery.Resolved {
		if r.Operation == journal.OpCreate && r.State == string(journal.StateNotCreated) {
			t.Fatalf("recovery marked the checkout %s not_created, yet Vipps has its payment: %+v", ref, c2.InitRecovery)
		}
	}
	if open := c2.InitRecovery.StillOpen; len(open) != 1 || open[0].Reference != ref {
		t.Fatalf("recovery %+v, want the checkout %s still open (the log does not tell)", c2.InitRecovery, ref)
	}
	// Reading the payment settles it (vmp.h: a read settles a checkout whose log lists no key).
	if _, err := c2.OwnUnit().PollStatus(context.Background(), ref, 0); err != nil {
		t.Fatal(err)
	}
	if pending, _ := c2.Pending(); len(pending.Open) != 0 {
		t.Fatalf("the read left %+v open", pending.Open)
	}
}
