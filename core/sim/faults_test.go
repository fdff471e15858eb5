package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Timings of the delay tests: the client gives up long before the simulator lets go.
const (
	heldFor       = 200 * time.Millisecond
	clientGivesUp = 30 * time.Millisecond
	pollBudget    = 3 * time.Second
)

// faultRig is a rig with a second client that opens a new connection for every request.
// net/http's Transport silently re-sends a request that carries an Idempotency-Key (or is a
// GET) when a reused keep-alive connection closes without an answer; a fresh connection per
// request makes the client see each fault as it happened.
type faultRig struct {
	*rig
	oneShot *http.Client
}

func newFaultRig(t *testing.T, opts Options) *faultRig {
	t.Helper()
	if opts.ApproveDelay == 0 {
		opts.ApproveDelay = -1
	}
	r := newRig(t, opts)
	transport := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(transport.CloseIdleConnections)
	return &faultRig{rig: r, oneShot: &http.Client{Transport: transport}}
}

// attempt is what a client got for one request.
type attempt struct {
	answer
	err     error // no answer at all: the request failed (closed, reset, timed out)
	readErr error // an answer arrived, but reading its body failed
}

// try sends one request on a new connection, giving up after timeout, and reports whatever
// happened instead of failing the test.
func (r *faultRig) try(timeout time.Duration, method, path, body string, headers ...string) attempt {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.srv.URL()+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := r.oneShot.Do(req)
	if err != nil {
		return attempt{err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(resp.Body)
	return attempt{answer: answer{status: resp.StatusCode, header: resp.Header, body: data}, readErr: readErr}
}

// inject adds a fault and fails the test if it is refused.
func (r *faultRig) inject(f Fault) string {
	r.t.Helper()
	id, err := r.srv.InjectFault(f)
	if err != nil {
		r.t.Fatalf("InjectFault(%+v): %v", f, err)
	}
	return id
}

// eventually polls cond (bounded) until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollBudget)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %v for %s", pollBudget, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// moneyOperation is a money-moving request and how its single effect shows in the simulator.
type moneyOperation struct {
	op       string
	endpoint string
	status   int                               // its answer without a fault
	setup    func(r *rig, ref string)          // brings the payment to where the operation applies
	request  func(ref string) (string, string) // path and body
	effects  func(Stats) int                   // the Stats counter of real effects
	before   string                            // event log before the operation
	after    string                            // event log after exactly one effect
	amount   func(PaymentSnapshot) int64       // the aggregate the operation moves
	moved    int64                             // by how much
}

func moneyOperations() []moneyOperation {
	created := func(r *rig, ref string) { r.create(ref, 1000, "4791234567") }
	return []moneyOperation{
		{
			op: OperationCreate, endpoint: "POST /epayment/v1/payments", status: http.StatusCreated,
			setup: func(*rig, string) {},
			request: func(ref string) (string, string) {
				return "/epayment/v1/payments", pushBody(ref, 1000, phone("4791234567"))
			},
			effects: func(s Stats) int { return s.Creates },
			before:  "", after: "CREATED,AUTHORIZED",
			amount: func(p PaymentSnapshot) int64 { return p.Aggregate.AuthorizedAmount.Value }, moved: 1000,
		},
		{
			op: OperationCapture, endpoint: "POST /epayment/v1/payments/{reference}/capture", status: http.StatusOK,
			setup:   created,
			request: func(ref string) (string, string) { return "/epayment/v1/payments/" + ref + "/capture", amountBody(400) },
			effects: func(s Stats) int { return s.Captures },
			before:  "CREATED,AUTHORIZED", after: "CREATED,AUTHORIZED,CAPTURED",
			amount: func(p PaymentSnapshot) int64 { return p.Aggregate.CapturedAmount.Value }, moved: 400,
		},
		{
			op: OperationRefund, endpoint: "POST /epayment/v1/payments/{reference}/refund", status: http.StatusOK,
			setup: func(r *rig, ref string) {
				created(r, ref)
				if a := r.capture(ref, 1000, "setup-capture"); a.status != http.StatusOK {
					r.t.Fatalf("setup capture: %v", a)
				}
			},
			request: func(ref string) (string, string) { return "/epayment/v1/payments/" + ref + "/refund", amountBody(300) },
			effects: func(s Stats) int { return s.Refunds },
			before:  "CREATED,AUTHORIZED,CAPTURED", after: "CREATED,AUTHORIZED,CAPTURED,REFUNDED",
			amount: func(p PaymentSnapshot) int64 { return p.Aggregate.RefundedAmount.Value }, moved: 300,
		},
		{
			op: OperationCancel, endpoint: "POST /epayment/v1/payments/{reference}/cancel", status: http.StatusOK,
			setup:   created,
			request: func(ref string) (string, string) { return "/epayment/v1/payments/" + ref + "/cancel", `{}` },
			effects: func(s Stats) int { return s.Cancels },
			before:  "CREATED,AUTHORIZED", after: "CREATED,AUTHORIZED,CANCELLED",
			amount: func(p PaymentSnapshot) int64 { return p.Aggregate.CancelledAmount.Value }, moved: 1000,
		},
	}
}

// checkRecord fails t unless the payment's own record shows the operation exactly once (done)
// or not at all.
func (m moneyOperation) checkRecord(t *testing.T, srv *Server, ref string, done bool) {
	t.Helper()
	snap, ok := srv.Payment(ref)
	want, wantAmount := m.before, int64(0)
	if done {
		want, wantAmount = m.after, m.moved
	}
	if got := eventNames(snap.Events); got != want || (ok && m.amount(snap) != wantAmount) {
		t.Fatalf("payment %s: events %q (want %q), amount %d (want %d)", ref, got, want, m.amount(snap), wantAmount)
	}
}

// faultCase is one fault kind in the matrix: the fault, whether it commits, and what the
// client must see.
type faultCase struct {
	sentence string
	fault    Fault
	commits  bool
	sees     func(t *testing.T, a attempt, m moneyOperation)
}

func faultCases() []faultCase {
	noAnswer := func(t *testing.T, a attempt, _ moneyOperation) {
		t.Helper()
		if a.err == nil {
			t.Fatalf("the client got an answer: %v", a.answer)
		}
	}
	return []faultCase{
		{
			sentence: "that is held past the client's timeout takes effect once and its retry replays",
			fault:    Fault{Kind: FaultDelay, Delay: heldFor},
			commits:  true,
			sees: func(t *testing.T, a attempt, _ moneyOperation) {
				t.Helper()
				if !errors.Is(a.err, context.DeadlineExceeded) {
					t.Fatalf("want the client to time out, got %v / %v", a.err, a.answer)
				}
			},
		},
		{
			sentence: "whose connection is closed before processing has no effect and its retry takes effect once",
			fault:    Fault{Kind: FaultCloseBefore},
			sees:     noAnswer,
		},
		{
			sentence: "whose connection is dropped after commit takes effect once and its retry replays",
			fault:    Fault{Kind: FaultDropAfterCommit},
			commits:  true,
			sees:     noAnswer,
		},
		{
			sentence: "answered 503 with Retry-After has no effect and its retry takes effect once",
			fault:    Fault{Kind: FaultStatus, Status: http.StatusServiceUnavailable, RetryAfter: 1500 * time.Millisecond},
			sees: func(t *testing.T, a attempt, _ moneyOperation) {
				t.Helper()
				if a.err != nil {
					t.Fatal(a.err)
				}
				wantProblem(t, a.answer, http.StatusServiceUnavailable, 0)
				if got := a.header.Get("Retry-After"); got != "2" {
					t.Fatalf("Retry-After = %q, want 2 (1.5 s rounded up)", got)
				}
			},
		},
		{
			sentence: "whose answer is truncated takes effect once and its retry replays",
			fault:    Fault{Kind: FaultTruncatedBody},
			commits:  true,
			sees: func(t *testing.T, a attempt, m moneyOperation) {
				t.Helper()
				if a.err != nil {
					t.Fatal(a.err)
				}
				full, err := strconv.Atoi(a.header.Get("Content-Length"))
				if a.status != m.status || err != nil || full == 0 || len(a.body) != full/2 || !errors.Is(a.readErr, io.ErrUnexpectedEOF) {
					t.Fatalf("status %d, Content-Length %q, got %d bytes, read error %v; want %d, half the body, unexpected EOF",
						a.status, a.header.Get("Content-Length"), len(a.body), a.readErr, m.status)
				}
			},
		},
		{
			sentence: "answered with malformed JSON takes effect once and its retry replays",
			fault:    Fault{Kind: FaultMalformedJSON},
			commits:  true,
			sees: func(t *testing.T, a attempt, m moneyOperation) {
				t.Helper()
				if a.err != nil || a.readErr != nil {
					t.Fatal(a.err, a.readErr)
				}
				if a.status != m.status || len(a.body) == 0 || wirejson.Valid(a.body) || a.header.Get("Content-Type") != contentJSON {
					t.Fatalf("got %v (%s); want status %d with a body that is not JSON", a.answer, a.header.Get("Content-Type"), m.status)
				}
			},
		},
	}
}

func TestEveryFaultOnAMoneyMovingOperationLeavesExactlyOneEffectAfterARetry(t *testing.T) {
	for _, m := range moneyOperations() {
		for _, fc := range faultCases() {
			t.Run("a "+m.op+" "+fc.sentence, func(t *testing.T) {
				t.Parallel()
				r := newFaultRig(t, Options{})
				ref := "fault-" + m.op + "-" + strings.ReplaceAll(string(fc.fault.Kind), "_", "-")
				m.setup(r.rig, ref)
				f := fc.fault
				f.Operation = m.op
				id := r.inject(f)

				path, body := m.request(ref)
				key := "key-" + ref
				send := func(timeout time.Duration) attempt {
					return r.try(timeout, http.MethodPost, path, body, r.authHeaders("Idempotency-Key", key)...)
				}
				timeout := 5 * time.Second
				if fc.fault.Kind == FaultDelay {
					timeout = clientGivesUp
				}
				first := send(timeout)
				fc.sees(t, first, m)

				if fc.fault.Kind == FaultDelay {
					// The answer is lost, but the simulator has not let go of the request yet.
					if n := m.effects(r.srv.Stats()); n != 0 {
						t.Fatalf("the held request took effect before its delay was over (%d)", n)
					}
					eventually(t, "the held request to commit", func() bool { return m.effects(r.srv.Stats()) == 1 })
				}
				st := r.srv.Stats()
				if got, want := m.effects(st), map[bool]int{true: 1, false: 0}[fc.commits]; got != want {
					t.Fatalf("after the fault the simulator counts %d effects, want %d", got, want)
				}
				m.checkRecord(t, r.srv, ref, fc.commits)
				if st.FaultsInjected[fc.fault.Kind] != 1 {
					t.Fatalf("FaultsInjected = %v", st.FaultsInjected)
				}
				if fs := r.srv.Faults(); len(fs) != 1 || fs[0].ID != id || fs[0].Hits != 1 || fs[0].Remaining != 0 {
					t.Fatalf("Faults() = %+v", fs)
				}

				// The client cannot know what happened, so it sends the very same request again.
				retry := send(5 * time.Second)
				if retry.err != nil || retry.readErr != nil || retry.status != m.status || !wirejson.Valid(retry.body) {
					t.Fatalf("retry: %v %v %v", retry.err, retry.readErr, retry.answer)
				}
				st = r.srv.Stats()
				if m.effects(st) != 1 {
					t.Fatalf("after the retry the simulator counts %d effects, want exactly 1", m.effects(st))
				}
				if wantReplays := map[bool]int{true: 1, false: 0}[fc.commits]; st.Replays != wantReplays {
					t.Fatalf("Replays = %d, want %d: the retry must replay a committed request and perform an uncommitted one", st.Replays, wantReplays)
				}
				if st.Requests[m.endpoint] != 2 {
					t.Fatalf("Requests[%s] = %d, want 2 (the faulted request counts too)", m.endpoint, st.Requests[m.endpoint])
				}
				m.checkRecord(t, r.srv, ref, true)
			})
		}
	}
}

// rawExchange sends one HTTP/1.1 request over a bare TCP connection and returns every byte the
// simulator wrote before it closed the connection.
func (r *faultRig) rawExchange(method, path, body string, headers ...string) []byte {
	r.t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(r.srv.URL(), "http://"), 5*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: sim\r\nContent-Length: %d\r\n", method, path, len(body))
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(w, "%s: %s\r\n", headers[i], headers[i+1])
	}
	fmt.Fprintf(w, "\r\n%s", body)
	if err := w.Flush(); err != nil {
		r.t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		r.t.Fatalf("the simulator neither answered nor closed the connection (got %q)", got)
	}
	return got // a reset instead of an orderly close is fine: what matters is what arrived
}

func TestOnTheWireAFaultSendsExactlyWhatItPromises(t *testing.T) {
	cases := []struct {
		name    string
		kind    FaultKind
		commits bool
		check   func(t *testing.T, got []byte)
	}{
		{"a connection closed before processing carries not a single byte", FaultCloseBefore, false, func(t *testing.T, got []byte) {
			if len(got) != 0 {
				t.Fatalf("the client received %q", got)
			}
		}},
		{"a connection dropped after commit carries not a single byte", FaultDropAfterCommit, true, func(t *testing.T, got []byte) {
			if len(got) != 0 {
				t.Fatalf("the client received %q", got)
			}
		}},
		{"a truncated answer carries the head and exactly half the announced body", FaultTruncatedBody, true, func(t *testing.T, got []byte) {
			head, body, ok := strings.Cut(string(got), "\r\n\r\n")
			if !ok || !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") {
				t.Fatalf("received %q", got)
			}
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head+"\r\n\r\n")), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.ContentLength <= 1 || int64(len(body)) != resp.ContentLength/2 || resp.Header.Get("Content-Type") != contentJSON {
				t.Fatalf("Content-Length %d, %d body bytes, Content-Type %q", resp.ContentLength, len(body), resp.Header.Get("Content-Type"))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t, Options{})
			r.create("raw-wire-fault", 1000, "4791234567")
			r.inject(Fault{Kind: tc.kind, Operation: OperationCapture})
			got := r.rawExchange(http.MethodPost, "/epayment/v1/payments/raw-wire-fault/capture", amountBody(250), r.authHeaders("Idempotency-Key", "raw-key")...)
			tc.check(t, got)
			want := map[bool]int64{true: 250, false: 0}[tc.commits]
			if snap, _ := r.srv.Payment("raw-wire-fault"); snap.Aggregate.CapturedAmount.Value != want {
				t.Fatalf("captured %d, want %d", snap.Aggregate.CapturedAmount.Value, want)
			}
		})
	}
}

func TestARetryWhileTheDelayedRequestIsHeldTakesEffectOnceAndTheHeldOneReplays(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.inject(Fault{Kind: FaultDelay, Operation: OperationCreate, Delay: heldFor})
	body := pushBody("held-then-retried", 1000, phone("4791234567"))
	headers := r.authHeaders("Idempotency-Key", "held-key")
	if a := r.try(clientGivesUp, http.MethodPost, "/epayment/v1/payments", body, headers...); !errors.Is(a.err, context.DeadlineExceeded) {
		t.Fatalf("first attempt: %v %v", a.err, a.answer)
	}
	retry := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments", body, headers...)
	if retry.err != nil || retry.status != http.StatusCreated {
		t.Fatalf("retry: %v %v", retry.err, retry.answer)
	}
	if st := r.srv.Stats(); st.Creates != 1 || st.Replays != 0 {
		t.Fatalf("after the retry: Creates %d, Replays %d; want 1 and 0", st.Creates, st.Replays)
	}
	eventually(t, "the held request to be answered from the idempotency store", func() bool { return r.srv.Stats().Replays == 1 })
	if st := r.srv.Stats(); st.Creates != 1 {
		t.Fatalf("Creates = %d after the held request ran, want 1", st.Creates)
	}
}

func TestStatusFaultsAnswerProblemsAndChangeNothing(t *testing.T) {
	cases := []struct {
		name       string
		fault      Fault
		code       int
		retryAfter string
	}{
		{"a 500 is a plain internal server error", Fault{Status: 500}, 0, ""},
		{"a 502 is a bad gateway", Fault{Status: 502}, 0, ""},
		{"a 503 carries Retry-After in whole seconds", Fault{Status: 503, RetryAfter: time.Second}, 0, "1"},
		{"a 504 is a gateway timeout", Fault{Status: 504}, 0, ""},
		{"a 429 carries Retry-After rounded up", Fault{Status: 429, RetryAfter: 2500 * time.Millisecond}, 0, "3"},
		{"a 429 with a sub-second Retry-After says 1", Fault{Status: 429, RetryAfter: time.Millisecond}, 0, "1"},
		{"a 429 without RetryAfter has no Retry-After header", Fault{Status: 429}, 0, ""},
		{"a 423 carries ErrorCode 6160", Fault{Status: 423}, codeOrderProcessing, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newFaultRig(t, Options{})
			r.create("status-fault-1", 1000, "4791234567")
			f := tc.fault
			f.Kind, f.Operation, f.Reference = FaultStatus, OperationCapture, "status-fault-1"
			r.inject(f)
			a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/status-fault-1/capture", amountBody(500), r.authHeaders("Idempotency-Key", "cap-1")...)
			if a.err != nil {
				t.Fatal(a.err)
			}
			p := wantProblem(t, a.answer, tc.fault.Status, tc.code)
			if p.Instance != "/v1/payments/status-fault-1/capture" {
				t.Fatalf("instance %q", p.Instance)
			}
			if got := a.header.Get("Retry-After"); got != tc.retryAfter {
				t.Fatalf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if st := r.srv.Stats(); st.Captures != 0 || st.RateLimited != 0 || st.FaultsInjected[FaultStatus] != 1 {
				t.Fatalf("Captures %d, RateLimited %d, FaultsInjected %v", st.Captures, st.RateLimited, st.FaultsInjected)
			}
			if a := r.capture("status-fault-1", 500, "cap-1"); a.status != http.StatusOK {
				t.Fatalf("the retry: %v", a)
			}
			if st := r.srv.Stats(); st.Captures != 1 || st.Replays != 0 {
				t.Fatalf("after the retry: Captures %d, Replays %d", st.Captures, st.Replays)
			}
		})
	}
}

func TestAFaultCountsItsTimesAndThenLetsRequestsThrough(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("times-fault-1", 1000, "4791234567")
	get := func() int {
		a := r.try(5*time.Second, http.MethodGet, "/epayment/v1/payments/times-fault-1", "", r.authHeaders()...)
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a.status
	}

	id := r.inject(Fault{Kind: FaultStatus, Operation: OperationGet, Status: 502, Times: 2})
	for i, want := range []int{502, 502, 200, 200} {
		if got := get(); got != want {
			t.Fatalf("GET %d: %d, want %d", i+1, got, want)
		}
	}
	if fs := r.srv.Faults(); len(fs) != 1 || fs[0].ID != id || fs[0].Remaining != 0 || fs[0].Hits != 2 || fs[0].Fault.Times != 2 {
		t.Fatalf("a used-up fault: %+v", fs)
	}

	r.srv.ClearFaults()
	r.inject(Fault{Kind: FaultStatus, Operation: OperationGet, Status: 500}) // Times 0 means once
	if got := get(); got != 500 {
		t.Fatalf("a fault with Times 0: %d, want 500", got)
	}
	if got := get(); got != 200 {
		t.Fatalf("after a fault with Times 0: %d, want 200", got)
	}
	if fs := r.srv.Faults(); fs[0].Fault.Times != 1 {
		t.Fatalf("Times 0 is reported as %d, want 1", fs[0].Fault.Times)
	}

	r.srv.ClearFaults()
	forever := r.inject(Fault{Kind: FaultStatus, Operation: OperationGet, Status: 500, Times: -1})
	for i := range 10 {
		if got := get(); got != 500 {
			t.Fatalf("GET %d under a fault with Times -1: %d", i+1, got)
		}
	}
	if fs := r.srv.Faults(); fs[0].Remaining != -1 || fs[0].Hits != 10 {
		t.Fatalf("a fault with Times -1: %+v", fs)
	}
	if !r.srv.RemoveFault(forever) || r.srv.RemoveFault(forever) {
		t.Fatal("RemoveFault should remove the fault once")
	}
	if got := get(); got != 200 {
		t.Fatalf("after RemoveFault: %d", got)
	}
	if st := r.srv.Stats(); st.FaultsInjected[FaultStatus] != 13 {
		t.Fatalf("FaultsInjected %v, want 13 status faults", st.FaultsInjected)
	}
}

func TestFaultsAreUsedInTheOrderTheyWereInjected(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("order-fault-1", 1000, "4791234567")
	r.inject(Fault{Kind: FaultStatus, Operation: OperationCapture, Status: 503})
	r.inject(Fault{Kind: FaultStatus, Status: 502})
	r.inject(Fault{Kind: FaultStatus, Operation: OperationCapture, Status: 504})
	for i, want := range []int{503, 502, 504, 200} {
		a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/order-fault-1/capture", amountBody(100), r.authHeaders("Idempotency-Key", "cap")...)
		if a.err != nil || a.status != want {
			t.Fatalf("capture %d: %v %v, want %d", i+1, a.err, a.answer, want)
		}
	}
}

func TestAFaultHitsOnlyItsOperationAndReference(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("filter-ref-aaa", 1000, "4791234567")
	r.create("filter-ref-bbb", 1000, "4791234567")
	r.inject(Fault{Kind: FaultCloseBefore, Operation: OperationCapture, Reference: "filter-ref-bbb", Times: -1})
	r.inject(Fault{Kind: FaultCloseBefore, Operation: OperationCreate, Reference: "filter-ref-ccc"})

	if a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/filter-ref-aaa/capture", amountBody(100), r.authHeaders("Idempotency-Key", "c")...); a.err != nil || a.status != 200 {
		t.Fatalf("capture of another reference: %v %v", a.err, a.answer)
	}
	if a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/filter-ref-bbb/refund", amountBody(100), r.authHeaders("Idempotency-Key", "c")...); a.err != nil || a.status != 400 {
		t.Fatalf("another operation on the reference is answered normally (6020): %v %v", a.err, a.answer)
	}
	if a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/filter-ref-bbb/capture", amountBody(100), r.authHeaders("Idempotency-Key", "c")...); a.err == nil {
		t.Fatalf("capture of the faulted reference got an answer: %v", a.answer)
	}
	if got := r.get("filter-ref-bbb").Aggregate.CapturedAmount.Value; got != 0 {
		t.Fatalf("the closed capture took effect: %d", got)
	}

	// A create is matched by the reference in its body.
	createOf := func(ref string) attempt {
		return r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments", pushBody(ref, 1000, phone("4791234567")), r.authHeaders("Idempotency-Key", "k-"+ref)...)
	}
	if a := createOf("filter-ref-ddd"); a.err != nil || a.status != http.StatusCreated {
		t.Fatalf("create of another reference: %v %v", a.err, a.answer)
	}
	if a := createOf("filter-ref-ccc"); a.err == nil {
		t.Fatalf("create of the faulted reference got an answer: %v", a.answer)
	}
	if _, ok := r.srv.Payment("filter-ref-ccc"); ok {
		t.Fatal("the closed create made a payment")
	}
	if a := createOf("filter-ref-ccc"); a.err != nil || a.status != http.StatusCreated {
		t.Fatalf("the retried create: %v %v", a.err, a.answer)
	}
	if st := r.srv.Stats(); st.Creates != 4 || st.Captures != 1 || st.FaultsInjected[FaultCloseBefore] != 2 {
		t.Fatalf("Creates %d, Captures %d, FaultsInjected %v", st.Creates, st.Captures, st.FaultsInjected)
	}
}

func TestTheControlAPIAndUnknownPathsAreNeverFaulted(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.inject(Fault{Kind: FaultCloseBefore, Times: -1})
	checks := []struct {
		method, path, body string
		status             int
	}{
		{http.MethodGet, "/sim/clock", "", http.StatusOK},
		{http.MethodPost, "/sim/clock/advance", `{"ms":1}`, http.StatusOK},
		{http.MethodGet, "/sim/payments/no-such-payment", "", http.StatusNotFound},
		{http.MethodGet, "/sim/faults", "", http.StatusOK},
		{http.MethodGet, "/no/such/path", "", http.StatusNotFound},
		{http.MethodDelete, "/epayment/v1/payments/abcdefgh-1", "", http.StatusMethodNotAllowed},
	}
	for _, c := range checks {
		if a := r.try(5*time.Second, c.method, c.path, c.body); a.err != nil || a.status != c.status {
			t.Fatalf("%s %s: %v %v, want %d", c.method, c.path, a.err, a.answer, c.status)
		}
	}
	if a := r.try(5*time.Second, http.MethodGet, "/epayment/v1/payments/abcdefgh-1", "", r.authHeaders()...); a.err == nil {
		t.Fatalf("an API request escaped a fault for any operation: %v", a.answer)
	}
	if a := r.try(5*time.Second, http.MethodDelete, "/sim/faults", ""); a.err != nil || a.status != http.StatusNoContent {
		t.Fatalf("DELETE /sim/faults under a fault for every request: %v %v", a.err, a.answer)
	}
	if a := r.try(5*time.Second, http.MethodGet, "/epayment/v1/payments/abcdefgh-1", "", r.authHeaders()...); a.err != nil || a.status != http.StatusNotFound {
		t.Fatalf("after clearing: %v %v", a.err, a.answer)
	}
	if st := r.srv.Stats(); st.FaultsInjected[FaultCloseBefore] != 1 {
		t.Fatalf("FaultsInjected %v, want one close_before", st.FaultsInjected)
	}
}

func TestATokenFaultHitsBothSpellingsOfTheTokenEndpoint(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.inject(Fault{Kind: FaultStatus, Operation: OperationToken, Status: 503, RetryAfter: time.Second, Times: 2})
	r.inject(Fault{Kind: FaultMalformedJSON, Operation: OperationToken})
	creds := []string{
		"client_id", DefaultCredentials.ClientID,
		"client_secret", DefaultCredentials.ClientSecret,
		"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey,
	}
	// The GET of a payment is not a token request: it is answered normally (404).
	if a := r.try(5*time.Second, http.MethodGet, "/epayment/v1/payments/abcdefgh-1", "", r.authHeaders()...); a.status != http.StatusNotFound {
		t.Fatalf("GET under a token fault: %v %v", a.err, a.answer)
	}
	for _, path := range []string{"/accesstoken/get", "/accessToken/get"} {
		a := r.try(5*time.Second, http.MethodPost, path, "", creds...)
		if a.err != nil || a.status != 503 || a.header.Get("Retry-After") != "1" {
			t.Fatalf("%s: %v %v", path, a.err, a.answer)
		}
	}
	a := r.try(5*time.Second, http.MethodPost, "/accesstoken/get", "", creds...)
	if a.err != nil || a.status != 200 || wirejson.Valid(a.body) || a.header.Get("Content-Type") != contentTokenJSON {
		t.Fatalf("a malformed token answer: %v %v", a.err, a.answer)
	}
	if st := r.srv.Stats(); st.TokensIssued != 2 { // the rig's own token and the malformed one
		t.Fatalf("TokensIssued = %d, want 2", st.TokensIssued)
	}
}

func TestAnAnswerWithoutABodyIsTruncatedInsideItsHeaders(t *testing.T) {
	r := newFaultRig(t, Options{ApproveDelay: time.Hour})
	r.create("force-truncated", 1000, MSISDNWaitsForControl)
	r.inject(Fault{Kind: FaultTruncatedBody, Operation: OperationForceApprove})
	a := r.try(5*time.Second, http.MethodPost, "/epayment/v1/test/payments/force-truncated/approve", "", r.authHeaders()...)
	if a.err == nil {
		t.Fatalf("the client got a complete answer: %v", a.answer)
	}
	if s := r.state("force-truncated"); s != StateAuthorized {
		t.Fatalf("state %s: the truncated forceApprove must still have approved", s)
	}
	r.create("force-malformed", 1000, MSISDNWaitsForControl)
	r.inject(Fault{Kind: FaultMalformedJSON, Operation: OperationForceApprove})
	a = r.try(5*time.Second, http.MethodPost, "/epayment/v1/test/payments/force-malformed/approve", "", r.authHeaders()...)
	if a.err != nil || a.status != http.StatusOK || len(a.body) == 0 || wirejson.Valid(a.body) {
		t.Fatalf("a malformed empty answer: %v %v", a.err, a.answer)
	}
	if st := r.srv.Stats(); st.ForceApprovals != 2 {
		t.Fatalf("ForceApprovals = %d, want 2", st.ForceApprovals)
	}
}

// probabilityRun sends n token requests to a simulator seeded with seed under a fault that hits
// with probability p, and returns which requests it hit.
func probabilityRun(t *testing.T, seed int64, f Fault, n int) []bool {
	t.Helper()
	r := newFaultRig(t, Options{FaultSeed: seed})
	r.inject(f)
	hits := make([]bool, 0, n)
	count := 0
	for range n {
		a := r.do(http.MethodPost, "/accesstoken/get", "",
			"client_id", DefaultCredentials.ClientID,
			"client_secret", DefaultCredentials.ClientSecret,
			"Ocp-Apim-Subscription-Key", DefaultCredentials.SubscriptionKey)
		hit := a.status == http.StatusServiceUnavailable
		if !hit && a.status != http.StatusOK {
			t.Fatalf("token: %v", a)
		}
		if hit {
			count++
		}
		hits = append(hits, hit)
	}
	st := r.srv.Stats()
	if fs := r.srv.Faults(); fs[0].Hits != count || st.FaultsInjected[FaultStatus] != count || st.TokensIssued != 1+n-count {
		t.Fatalf("Hits %d, FaultsInjected %v, TokensIssued %d; %d of %d requests were hit", fs[0].Hits, st.FaultsInjected, st.TokensIssued, count, n)
	}
	return hits
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestAProbabilisticFaultIsRepeatableWithTheSameSeed(t *testing.T) {
	const n = 200
	f := Fault{Kind: FaultStatus, Operation: OperationToken, Status: 503, Probability: 0.25, Times: -1}
	first := probabilityRun(t, 42, f, n)
	second := probabilityRun(t, 42, f, n)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Fatal("two runs with the same seed hit different requests")
	}
	// 50 expected, standard deviation about 6.
	if hits := countTrue(first); hits < 25 || hits > 75 {
		t.Fatalf("%d of %d requests hit with probability 0.25", hits, n)
	}

	limited := probabilityRun(t, 7, Fault{Kind: FaultStatus, Operation: OperationToken, Status: 503, Probability: 0.5, Times: 3}, 40)
	if hits := countTrue(limited); hits != 3 {
		t.Fatalf("a probabilistic fault with Times 3 hit %d requests", hits)
	}
}

func TestConcurrentRequestsUseUpAFaultExactlyTimesTimes(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("concurrent-fault", 1000, "4791234567")
	r.inject(Fault{Kind: FaultStatus, Operation: OperationGet, Status: 503, Times: 5})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			a := r.try(5*time.Second, http.MethodGet, "/epayment/v1/payments/concurrent-fault", "", r.authHeaders()...)
			mu.Lock()
			defer mu.Unlock()
			if a.err != nil {
				statuses[-1]++
				return
			}
			statuses[a.status]++
		})
	}
	wg.Wait()
	if statuses[503] != 5 || statuses[200] != 15 {
		t.Fatalf("statuses %v, want 5 × 503 and 15 × 200", statuses)
	}
}

func TestCloseReturnsPromptlyWhileADelayedRequestIsHeld(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.inject(Fault{Kind: FaultDelay, Operation: OperationCreate, Delay: time.Hour})
	done := make(chan attempt, 1)
	go func() {
		done <- r.try(10*time.Second, http.MethodPost, "/epayment/v1/payments", pushBody("held-at-close", 1000, phone("4791234567")),
			r.authHeaders("Idempotency-Key", "close-key")...)
	}()
	eventually(t, "the request to be held", func() bool { return r.srv.Faults()[0].Hits == 1 })
	start := time.Now()
	if err := r.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("Close took %v while a delayed request was held", took)
	}
	select {
	case a := <-done:
		if a.err == nil {
			t.Fatalf("the held request got an answer: %v", a.answer)
		}
	case <-time.After(pollBudget):
		t.Fatal("the held request's client never returned")
	}
	if st := r.srv.Stats(); st.Creates != 0 {
		t.Fatal("a request dropped at Close took effect")
	}
	if _, ok := r.srv.Payment("held-at-close"); ok {
		t.Fatal("a request dropped at Close made a payment")
	}
}

func TestInjectFaultRefusesFaultsThatCannotWork(t *testing.T) {
	cases := []struct {
		name  string
		fault Fault
	}{
		{"an empty kind is refused", Fault{}},
		{"an unknown kind is refused", Fault{Kind: "explode"}},
		{"an unknown operation is refused", Fault{Kind: FaultCloseBefore, Operation: "delete"}},
		{"a control-API operation is refused", Fault{Kind: FaultCloseBefore, Operation: "approve"}},
		{"a status fault without a status is refused", Fault{Kind: FaultStatus}},
		{"a 2xx status is refused", Fault{Kind: FaultStatus, Status: 200}},
		{"a status past 599 is refused", Fault{Kind: FaultStatus, Status: 600}},
		{"a status on another kind is refused", Fault{Kind: FaultCloseBefore, Status: 503}},
		{"a negative Retry-After is refused", Fault{Kind: FaultStatus, Status: 429, RetryAfter: -time.Second}},
		{"a Retry-After on another kind is refused", Fault{Kind: FaultDropAfterCommit, RetryAfter: time.Second}},
		{"a delay fault without a delay is refused", Fault{Kind: FaultDelay}},
		{"a negative delay is refused", Fault{Kind: FaultDelay, Delay: -time.Second}},
		{"a delay on another kind is refused", Fault{Kind: FaultMalformedJSON, Delay: time.Second}},
		{"an event-log lag without a lag is refused", Fault{Kind: FaultEventLogLag}},
		{"an event-log lag on another operation is refused", Fault{Kind: FaultEventLogLag, Operation: OperationCapture, Delay: time.Second}},
		{"times below -1 is refused", Fault{Kind: FaultCloseBefore, Times: -2}},
		{"a negative probability is refused", Fault{Kind: FaultCloseBefore, Probability: -0.1}},
		{"a probability over 1 is refused", Fault{Kind: FaultCloseBefore, Probability: 1.5}},
		{"a reference on token requests is refused", Fault{Kind: FaultCloseBefore, Operation: OperationToken, Reference: "abcdefgh"}},
	}
	srv, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if id, err := srv.InjectFault(tc.fault); !errors.Is(err, ErrInvalidFault) {
				t.Fatalf("InjectFault(%+v) = %q, %v; want ErrInvalidFault", tc.fault, id, err)
			}
		})
	}
	if fs := srv.Faults(); len(fs) != 0 {
		t.Fatalf("refused faults were kept: %+v", fs)
	}
	for _, f := range []Fault{
		{Kind: FaultDelay, Delay: time.Millisecond},
		{Kind: FaultCloseBefore, Operation: OperationEvents, Reference: "abcdefgh", Times: -1},
		{Kind: FaultStatus, Status: 423, Probability: 1},
		{Kind: FaultTruncatedBody, Operation: OperationRefund, Times: 3, Probability: 0.5},
	} {
		if _, err := srv.InjectFault(f); err != nil {
			t.Errorf("InjectFault(%+v): %v", f, err)
		}
	}
}

// faultListEntry is one element of GET /sim/faults, decoded strictly so the field names are
// pinned.
type faultListEntry struct {
	ID           string  `json:"id"`
	Kind         string  `json:"kind"`
	Operation    string  `json:"operation"`
	Reference    string  `json:"reference"`
	Times        int     `json:"times"`
	Probability  float64 `json:"probability"`
	Status       int     `json:"status"`
	RetryAfterMS int64   `json:"retry_after_ms"`
	DelayMS      int64   `json:"delay_ms"`
	Remaining    int     `json:"remaining"`
	Hits         int     `json:"hits"`
}

func TestTheFaultControlAPIRoundTrips(t *testing.T) {
	r := newFaultRig(t, Options{})
	r.create("control-fault-1", 1000, "4791234567")
	list := func() []faultListEntry {
		t.Helper()
		a := r.do(http.MethodGet, "/sim/faults", "")
		if a.status != http.StatusOK {
			t.Fatalf("GET /sim/faults: %v", a)
		}
		var out []faultListEntry
		if err := wirejson.UnmarshalStrict(a.body, &out); err != nil {
			t.Fatalf("GET /sim/faults %s: %v", a.body, err)
		}
		return out
	}
	if got := list(); got == nil || len(got) != 0 {
		t.Fatalf("no faults should list as [], got %v", got)
	}

	a := r.do(http.MethodPost, "/sim/faults", `{"kind":"status","operation":"capture","reference":"control-fault-1","times":2,"status":503,"retry_after_ms":2500}`)
	if a.status != http.StatusCreated {
		t.Fatalf("POST /sim/faults: %v", a)
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := wirejson.UnmarshalStrict(a.body, &created); err != nil || created.ID == "" {
		t.Fatalf("POST answer %s: %v", a.body, err)
	}
	want := faultListEntry{ID: created.ID, Kind: "status", Operation: "capture", Reference: "control-fault-1", Times: 2, Status: 503, RetryAfterMS: 2500, Remaining: 2}
	if got := list(); len(got) != 1 || got[0] != want {
		t.Fatalf("listed %+v, want %+v", got, want)
	}

	c := r.try(5*time.Second, http.MethodPost, "/epayment/v1/payments/control-fault-1/capture", amountBody(100), r.authHeaders("Idempotency-Key", "c1")...)
	if c.err != nil || c.status != 503 || c.header.Get("Retry-After") != "3" {
		t.Fatalf("capture under the fault: %v %v", c.err, c.answer)
	}
	want.Remaining, want.Hits = 1, 1
	if got := list(); len(got) != 1 || got[0] != want {
		t.Fatalf("after one hit: %+v, want %+v", got, want)
	}

	if a := r.do(http.MethodDelete, "/sim/faults/"+created.ID, ""); a.status != http.StatusNoContent {
		t.Fatalf("DELETE /sim/faults/{id}: %v", a)
	}
	wantProblem(t, r.do(http.MethodDelete, "/sim/faults/"+created.ID, ""), http.StatusNotFound, 0)
	if a := r.capture("control-fault-1", 100, "c1"); a.status != http.StatusOK {
		t.Fatalf("capture after the fault was removed: %v", a)
	}

	for _, body := range []string{
		`{"kind":"delay","delay_ms":150}`,
		`{"kind":"truncated_body","operation":"refund","probability":0.5,"times":-1}`,
	} {
		if a := r.do(http.MethodPost, "/sim/faults", body); a.status != http.StatusCreated {
			t.Fatalf("POST %s: %v", body, a)
		}
	}
	got := list()
	if len(got) != 2 || got[0].Kind != "delay" || got[0].DelayMS != 150 || got[0].Times != 1 ||
		got[1].Probability != 0.5 || got[1].Remaining != -1 || got[1].ID == got[0].ID {
		t.Fatalf("listed %+v", got)
	}
	if a := r.do(http.MethodDelete, "/sim/faults", ""); a.status != http.StatusNoContent {
		t.Fatalf("DELETE /sim/faults: %v", a)
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("after DELETE /sim/faults: %+v", got)
	}
}

func TestTheFaultControlAPIRefusesInvalidFaults(t *testing.T) {
	r := newFaultRig(t, Options{})
	cases := []struct {
		name string
		body string
	}{
		{"an empty body is refused", ``},
		{"a body that is not an object is refused", `[]`},
		{"an unknown kind is refused", `{"kind":"explode"}`},
		{"an unknown operation is refused", `{"kind":"close_before","operation":"approve"}`},
		{"a status fault without a status is refused", `{"kind":"status"}`},
		{"a status of 200 is refused", `{"kind":"status","status":200}`},
		{"a delay fault without delay_ms is refused", `{"kind":"delay"}`},
		{"a negative delay_ms is refused", `{"kind":"delay","delay_ms":-5}`},
		{"a negative retry_after_ms is refused", `{"kind":"status","status":429,"retry_after_ms":-1}`},
		{"a probability over 1 is refused", `{"kind":"close_before","probability":2}`},
		{"a fractional times is refused", `{"kind":"close_before","times":1.5}`},
		{"an unknown member such as a typo is refused", `{"kind":"delay","delay":150}`},
		{"a reported member such as hits is refused", `{"kind":"close_before","hits":3}`},
		{"trailing data is refused", `{"kind":"close_before"} {}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, r.with(t).do(http.MethodPost, "/sim/faults", tc.body), http.StatusBadRequest, 0)
		})
	}
	if fs := r.srv.Faults(); len(fs) != 0 {
		t.Fatalf("refused faults were kept: %+v", fs)
	}
}
