package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// FaultKind names what an injected fault does to a request of the Vipps API.
type FaultKind string

// The fault kinds. "Processed" (committed) means exactly what the request would have done
// without the fault: the payment is created, captured, refunded or cancelled and the answer is
// stored for the Idempotency-Key, so a retry with the same key and body replays it. Kinds that
// do not process have no effect at all: no payment change, no idempotency record, no
// rate-limit token taken.
const (
	// FaultDelay holds the request for Delay (wall-clock time, not Options.Clock), then
	// processes it and answers. The client has usually given up by then: committed, answer lost.
	// Closing the server ends the hold at once and drops the connection without processing.
	FaultDelay FaultKind = "delay"
	// FaultCloseBefore closes the connection without processing anything or writing a byte.
	FaultCloseBefore FaultKind = "close_before"
	// FaultDropAfterCommit processes (commits) the request, then closes the connection without
	// writing a single byte of the answer.
	FaultDropAfterCommit FaultKind = "drop_after_commit"
	// FaultStatus answers Status as application/problem+json without processing the request:
	// 423 carries ErrorCode 6160 (order processing) in extraDetails, and RetryAfter, when set,
	// becomes a Retry-After header (meant for 429 and 503).
	FaultStatus FaultKind = "status"
	// FaultTruncatedBody processes the request, then sends the status line and the headers with
	// the full Content-Length but only the first half of the body, and closes the connection.
	// An answer without a body (forceApprove) is cut in the middle of its header block.
	FaultTruncatedBody FaultKind = "truncated_body"
	// FaultMalformedJSON processes the request, then answers the real status and Content-Type
	// with a body that is not valid JSON (the first half of the real body, with a matching
	// Content-Length).
	FaultMalformedJSON FaultKind = "malformed_json"
	// FaultEventLogLag makes the payment's event log (operation "events", which it takes when
	// none is given) lag behind the payment: a read it hits lists only the events that
	// happened at least Delay ago, on the wall clock or on Options.Clock (a clock moved ahead
	// past them lists them). The payment itself (getPayment, its figures) never lags. With
	// Times -1 it lasts until removed, and removing it lists everything at once
	// (event_log_lag.go). It is the log's state rather than an answer: a read it hits may get
	// another fault's answer too, and it never keeps another fault from a read.
	FaultEventLogLag FaultKind = "event_log_lag"

	// Webhook delivery faults (operation "webhook"; webhook_delivery.go). They are drawn once per
	// event and registration when the event is queued for delivery.

	// FaultWebhookDuplicate delivers the event twice, the second time right after the first
	// was accepted.
	FaultWebhookDuplicate FaultKind = "webhook_duplicate"
	// FaultWebhookReorder holds the delivery back until the registration's next delivery has
	// gone out (or for half a second when none follows), so the receiver sees the two in the
	// wrong order.
	FaultWebhookReorder FaultKind = "webhook_reorder"
	// FaultWebhookBadSignature signs the delivery's first attempt with a wrong secret; a
	// receiver that verifies refuses it, and the retry is signed correctly.
	FaultWebhookBadSignature FaultKind = "webhook_bad_signature"
)

// faultKinds lists every FaultKind.
var faultKinds = []FaultKind{FaultDelay, FaultCloseBefore, FaultDropAfterCommit, FaultStatus, FaultTruncatedBody, FaultMalformedJSON,
	FaultEventLogLag, FaultWebhookDuplicate, FaultWebhookReorder, FaultWebhookBadSignature}

// forDeliveries reports whether k is a fault of webhook deliveries rather than of requests.
func (k FaultKind) forDeliveries() bool {
	return k == FaultWebhookDuplicate || k == FaultWebhookReorder || k == FaultWebhookBadSignature
}

// processes reports whether a fault of kind k lets the request take effect.
func (k FaultKind) processes() bool {
	switch k {
	case FaultDelay, FaultDropAfterCommit, FaultTruncatedBody, FaultMalformedJSON, FaultEventLogLag:
		return true
	}
	return false
}

// Fault operations: which Vipps API requests a fault applies to. The /sim control API is
// never faulted.
const (
	OperationToken        = "token"         // POST /accesstoken/get (and /accessToken/get)
	OperationCreate       = "create"        // POST /epayment/v1/payments
	OperationGet          = "get"           // GET /epayment/v1/payments/{reference}
	OperationEvents       = "events"        // GET /epayment/v1/payments/{reference}/events
	OperationCapture      = "capture"       // POST …/{reference}/capture
	OperationRefund       = "refund"        // POST …/{reference}/refund
	OperationCancel       = "cancel"        // POST …/{reference}/cancel
	OperationForceApprove = "force_approve" // POST /epayment/v1/test/payments/{reference}/approve
	OperationReceipt      = "receipt"       // POST /order-management/v2/{paymentType}/receipts/{orderId}
	OperationGetReceipt   = "get_receipt"   // GET /order-management/v2/{paymentType}/{orderId}
	// OperationWebhook is not a request but a webhook delivery; only the webhook_* kinds apply
	// to it, and they apply to nothing else.
	OperationWebhook = "webhook"
)

// faultOperations maps each faultable endpoint (route.endpoint()) to its operation name.
var faultOperations = map[string]string{
	"POST /accesstoken/get":                               OperationToken,
	"POST /accessToken/get":                               OperationToken,
	"POST /epayment/v1/payments":                          OperationCreate,
	"GET /epayment/v1/payments/{reference}":               OperationGet,
	"GET /epayment/v1/payments/{reference}/events":        OperationEvents,
	"POST /epayment/v1/payments/{reference}/capture":      OperationCapture,
	"POST /epayment/v1/payments/{reference}/refund":       OperationRefund,
	"POST /epayment/v1/payments/{reference}/cancel":       OperationCancel,
	"POST /epayment/v1/test/payments/{reference}/approve": OperationForceApprove,

	// Order Management: the reference a fault names is the orderId.
	"POST /order-management/v2/{paymentType}/receipts/{orderId}": OperationReceipt,
	"GET /order-management/v2/{paymentType}/{orderId}":           OperationGetReceipt,
}

// isFaultOperation reports whether op is a known operation name ("" is not).
func isFaultOperation(op string) bool {
	if op == OperationWebhook {
		return true
	}
	for _, known := range faultOperations {
		if op == known {
			return true
		}
	}
	return false
}

// Fault describes one injected fault: what it does (Kind) and which requests it hits.
type Fault struct {
	Kind FaultKind
	// Operation limits the fault to one operation ("token", "create", "get", "events",
	// "capture", "refund", "cancel", "force_approve", "receipt", "get_receipt"); "" means any
	// Vipps API request (never the /sim control API, never a request that matches no endpoint).
	Operation string
	// Reference limits the fault to requests for this payment reference (the path segment, or
	// the body's "reference" for create, the orderId for receipt and get_receipt); "" means
	// any. Token requests have no reference.
	Reference string
	// Times is how many matching requests get the fault: 0 means 1; -1 means every matching
	// request until the fault is removed.
	Times int
	// Probability, when strictly between 0 and 1, makes each matching request get the fault
	// with that probability (drawn from a generator seeded with Options.FaultSeed); a request
	// that escapes it does not use up Times. 0 (and 1) mean always.
	Probability float64
	// Status is the HTTP status a FaultStatus answers: 400 to 599 (500, 502, 503, 504, 429 and
	// 423 are the useful ones).
	Status int
	// ErrorCode, for FaultStatus, is a Vipps ErrorCode the problem carries in extraDetails,
	// e.g. 6250 (a cancel while the customer is approving) or 6260 (funds unavailable: retry
	// the capture with the same key); 0: none (a 423 carries 6160 either way).
	ErrorCode int
	// RetryAfter, for FaultStatus, adds a Retry-After header in whole seconds (rounded up, at
	// least 1). Zero: no header.
	RetryAfter time.Duration
	// Delay is how long a FaultDelay holds the request, or how far a FaultEventLogLag's event
	// log lags behind the payment; it must be positive.
	Delay time.Duration
}

// FaultState is an injected fault as Faults reports it.
type FaultState struct {
	ID    string
	Fault Fault // Times normalised: 1 when it was given as 0
	// Remaining is how many more requests will get the fault: -1 without limit, 0 when it is
	// used up (it stays listed until removed or cleared).
	Remaining int
	// Hits is how many requests got the fault.
	Hits int
}

// ErrInvalidFault is wrapped by every error InjectFault returns for a fault it refuses.
var ErrInvalidFault = errors.New("sim: invalid fault")

// validate checks f and returns it with Times normalised.
func (f Fault) validate() (Fault, error) {
	bad := func(format string, args ...any) (Fault, error) {
		return f, fmt.Errorf("%w: %s", ErrInvalidFault, fmt.Sprintf(format, args...))
	}
	if !slices.Contains(faultKinds, f.Kind) {
		return bad("unknown kind %q (want one of %v)", f.Kind, faultKinds)
	}
	if f.Operation != "" && !isFaultOperation(f.Operation) {
		return bad("unknown operation %q (want token, create, get, events, capture, refund, cancel, force_approve, receipt, get_receipt, webhook or empty)", f.Operation)
	}
	switch {
	case f.Kind.forDeliveries() && f.Operation == "":
		f.Operation = OperationWebhook
	case f.Kind.forDeliveries() && f.Operation != OperationWebhook:
		return bad("a %s fault applies to webhook deliveries (operation webhook), not to %s requests", f.Kind, f.Operation)
	case !f.Kind.forDeliveries() && f.Operation == OperationWebhook:
		return bad("webhook deliveries take only the webhook_* kinds, not %s", f.Kind)
	case f.Kind == FaultEventLogLag && f.Operation == "":
		f.Operation = OperationEvents
	case f.Kind == FaultEventLogLag && f.Operation != OperationEvents:
		return bad("an %s fault applies to reads of the event log (operation events), not to %s requests", f.Kind, f.Operation)
	}
	if f.Reference != "" && f.Operation == OperationToken {
		return bad("token requests have no payment reference")
	}
	switch {
	case f.Times < -1:
		return bad("times %d: want -1 (every request), 0 (once) or a positive count", f.Times)
	case f.Times == 0:
		f.Times = 1
	}
	if math.IsNaN(f.Probability) || f.Probability < 0 || f.Probability > 1 {
		return bad("probability %v is not between 0 and 1", f.Probability)
	}
	if f.Kind == FaultStatus {
		if f.Status < 400 || f.Status > 599 {
			return bad("status %d: a status fault needs a 4xx or 5xx status", f.Status)
		}
		if f.ErrorCode != 0 && (f.ErrorCode < 1000 || f.ErrorCode > 99999) {
			return bad("error code %d: want a Vipps ErrorCode (1000 to 99999) or 0", f.ErrorCode)
		}
	} else if f.Status != 0 || f.ErrorCode != 0 {
		return bad("status and error code are only for a %s fault", FaultStatus)
	}
	if f.RetryAfter < 0 {
		return bad("negative retry-after %v", f.RetryAfter)
	}
	if f.RetryAfter > 0 && f.Kind != FaultStatus {
		return bad("retry-after is only for a %s fault", FaultStatus)
	}
	if f.Kind == FaultDelay || f.Kind == FaultEventLogLag {
		if f.Delay <= 0 {
			return bad("a %s fault needs a positive delay", f.Kind)
		}
	} else if f.Delay != 0 {
		return bad("delay is only for a %s or %s fault", FaultDelay, FaultEventLogLag)
	}
	return f, nil
}

// activeFault is an injected fault and its counters.
type activeFault struct {
	id        string
	fault     Fault
	remaining int // -1 without limit
	hits      int
}

// faultTable holds the injected faults in the order they were injected. Its lock is separate
// from the server's back-end lock: picking a fault never waits for a payment operation.
type faultTable struct {
	mu     sync.Mutex
	faults []*activeFault
	nextID int
	rng    *rand.Rand

	closing   chan struct{} // closed when the server closes: ends every delay hold
	closeOnce sync.Once
}

func newFaultTable(seed int64) *faultTable {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &faultTable{
		rng:     rand.New(rand.NewPCG(uint64(seed), 0x766d702d73696d)), // "vmp-sim"
		closing: make(chan struct{}),
	}
}

// shutdown releases every delayed request; it is called once the server starts closing.
func (t *faultTable) shutdown() {
	t.closeOnce.Do(func() { close(t.closing) })
}

// empty reports whether no fault is injected (the fast path of every request).
func (t *faultTable) empty() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.faults) == 0
}

// wantsBodyReference reports whether a fault for operation op filters by reference, so a
// createPayment body has to be peeked at to decide.
func (t *faultTable) wantsBodyReference(op string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.faults {
		if a.remaining != 0 && a.fault.Reference != "" && (a.fault.Operation == "" || a.fault.Operation == op) {
			return true
		}
	}
	return false
}

// take returns the first fault, in injection order, that applies to a request for operation op
// and reference, and uses up one of its Times: an event_log_lag with lag, any other kind
// without. Faults with a Probability draw once per matching request; a miss passes on to the
// next fault.
func (t *faultTable) take(op, reference string, lag bool) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.faults {
		f := a.fault
		if a.remaining == 0 || (f.Kind == FaultEventLogLag) != lag ||
			(f.Operation != "" && f.Operation != op) ||
			(f.Operation == "" && op == OperationWebhook) ||
			(f.Reference != "" && f.Reference != reference) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && t.rng.Float64() >= f.Probability {
			continue
		}
		if a.remaining > 0 {
			a.remaining--
		}
		a.hits++
		return f, true
	}
	return Fault{}, false
}

// InjectFault adds a fault after those already injected and returns its id. It refuses
// (with an error wrapping ErrInvalidFault) an unknown kind or operation, a status fault
// without a 4xx/5xx status, a delay fault without a positive delay, a negative Times other
// than -1, a probability outside [0, 1], and fields that do not belong to the kind.
func (s *Server) InjectFault(f Fault) (id string, err error) {
	f, err = f.validate()
	if err != nil {
		return "", err
	}
	t := s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	id = "fault-" + strconv.Itoa(t.nextID)
	t.faults = append(t.faults, &activeFault{id: id, fault: f, remaining: f.Times})
	return id, nil
}

// RemoveFault removes one fault; false when there is no fault with that id.
func (s *Server) RemoveFault(id string) bool {
	t := s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, a := range t.faults {
		if a.id == id {
			t.faults = slices.Delete(t.faults, i, i+1)
			return true
		}
	}
	return false
}

// ClearFaults removes every fault. A request already being delayed stays delayed.
func (s *Server) ClearFaults() {
	t := s.faults
	t.mu.Lock()
	t.faults = nil
	t.mu.Unlock()
}

// Faults lists the injected faults in injection order, used-up ones included.
func (s *Server) Faults() []FaultState {
	t := s.faults
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]FaultState, 0, len(t.faults))
	for _, a := range t.faults {
		out = append(out, FaultState{ID: a.id, Fault: a.fault, Remaining: a.remaining, Hits: a.hits})
	}
	return out
}

// faultStatusReply is the answer of a FaultStatus fault.
func faultStatusReply(c *call, f Fault) reply {
	var p *problem
	switch {
	case f.ErrorCode != 0:
		p = codeProblem(f.ErrorCode, "The simulator injected this error.")
		p.Status = f.Status
	case f.Status == http.StatusLocked:
		p = codeProblem(codeOrderProcessing, "Another operation on this payment is in progress; retry shortly. (Injected by the simulator.)")
	default:
		p = newProblem(f.Status, http.StatusText(f.Status), "The simulator injected this error.")
	}
	answer := c.fail(p)
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		answer = answer.withHeader("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	}
	return answer
}
