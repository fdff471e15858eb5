package sim

import (
	"errors"
	"fmt"
	"time"
)

// Errors of the control API (Server.Approve, Reject, Expire).
var (
	// ErrUnknownPayment: no payment has this reference.
	ErrUnknownPayment = errors.New("sim: no payment with this reference")
	// ErrNotPending: the payment has already left CREATED, so the customer can no longer act.
	ErrNotPending = errors.New("sim: the payment is no longer waiting for the customer")
)

// payment is one ePayment payment and its state machine:
//
//	CREATED → AUTHORIZED | ABORTED | EXPIRED | TERMINATED
//
// Scheduled transitions (the customer answering, the payment expiring) are applied lazily by
// settle, against the clock, whenever the payment is read or modified. All methods must be
// called with the server's lock held.
type payment struct {
	msn                 string // the sales unit it belongs to (sales_units.go)
	receipt             []byte // given in createPayment, compacted JSON; nil without (receipts.go)
	capturedSkew        int64  // added to the capturedAmount the API reports (skew.go)
	seq                 uint64 // creation order across MSNs (the pages list newest first)
	reference           string
	pspReference        string
	amount              Amount
	state               State
	authorized          int64
	captured            int64
	refunded            int64
	cancelled           int64
	paymentMethod       string
	userFlow            string
	customerInteraction string
	returnURL           string
	options             paymentOptions // minimumUserAge, profile, metadata, receiptUrl
	description         string
	redirectURL         string
	customer            customerRef
	behaviour           behaviour
	createKey           string
	createdAt           time.Time
	answerAt            time.Time // when an approving or rejecting customer answers
	expiresAt           time.Time
	events              []PaymentEvent
	// recordedAt is when each event was recorded, on the wall clock (an event log that lags
	// lists it some time after that: event_log_lag.go).
	recordedAt []time.Time
	psp        *pspSequence
	// publish, when set, receives every event recorded after creation (webhook delivery).
	publish func(PaymentEvent)
}

func newPayment(req createRequest, key string, now time.Time, opts Options, psp *pspSequence, redirectURL string) *payment {
	p := &payment{
		reference:           req.Reference,
		pspReference:        newUUID(),
		amount:              req.Amount,
		state:               StateCreated,
		paymentMethod:       req.PaymentMethod,
		userFlow:            req.UserFlow,
		customerInteraction: req.CustomerInteraction,
		returnURL:           req.ReturnURL,
		options:             req.Options,
		description:         req.Description,
		redirectURL:         redirectURL,
		customer:            req.Customer,
		behaviour:           behaviourOf(req.Customer.MSISDN),
		createKey:           key,
		createdAt:           now,
		answerAt:            now.Add(opts.ApproveDelay),
		expiresAt:           now.Add(opts.PaymentExpiry),
		psp:                 psp,
	}
	if req.UserFlow == "QR" && opts.QRScanDelay > 0 {
		p.customer = customerRef{Kind: qrScanCustomer, MSISDN: MSISDNScansQR}
		p.behaviour, p.answerAt = behaviourApprove, now.Add(opts.QRScanDelay)
	}
	if opts.FailureAmounts {
		p.behaviour = failureAmountBehaviour(p.amount.Value, p.behaviour)
	}
	p.events = append(p.events, PaymentEvent{
		Reference:      p.reference,
		PSPReference:   p.pspReference,
		Name:           EventCreated,
		Amount:         p.amount,
		Timestamp:      now.UTC(),
		IdempotencyKey: optionalKey(key),
		Success:        true,
	})
	p.recordedAt = append(p.recordedAt, time.Now())
	return p
}

// settle applies every scheduled transition that is due at now.
func (p *payment) settle(now time.Time) {
	if p.state != StateCreated {
		return
	}
	if p.behaviour.answers() && !now.Before(p.answerAt) && p.answerAt.Before(p.expiresAt) {
		if p.behaviour != behaviourReject {
			p.authorize(p.answerAt)
		} else {
			p.leaveCreated(StateAborted, EventAborted, p.answerAt)
		}
		return
	}
	if !now.Before(p.expiresAt) {
		p.leaveCreated(StateExpired, EventExpired, p.expiresAt)
	}
}

// authorize reserves the full amount: the customer approved.
func (p *payment) authorize(at time.Time) {
	p.authorized = p.amount.Value
	p.leaveCreated(StateAuthorized, EventAuthorized, at)
}

// leaveCreated records the customer's (or time's) decision. Like Vipps, the event carries the
// createPayment Idempotency-Key.
func (p *payment) leaveCreated(state State, event string, at time.Time) {
	p.state = state
	p.addEvent(event, p.amount.Value, p.createKey, at)
}

// decide is the control API: the customer approves, rejects, or lets the payment expire now.
func (p *payment) decide(state State, now time.Time) error {
	p.settle(now)
	if p.state != StateCreated {
		return fmt.Errorf("%w (state %s)", ErrNotPending, p.state)
	}
	switch state {
	case StateAuthorized:
		p.authorize(now)
	case StateAborted:
		p.leaveCreated(StateAborted, EventAborted, now)
	default:
		p.leaveCreated(StateExpired, EventExpired, now)
	}
	return nil
}

// capture moves x from reserved to captured (contract §2.7).
func (p *payment) capture(x Amount, key string, now time.Time) (PaymentEvent, *problem) {
	switch p.state {
	case StateCreated:
		return PaymentEvent{}, codeProblem(codeCaptureBeforeReserve, "The amount you tried to capture is not reserved. The user must accept the payment before capture can be done.")
	case StateTerminated:
		return PaymentEvent{}, codeProblem(codeCaptureCancelled, "The payment has been cancelled.")
	case StateAborted, StateExpired:
		return PaymentEvent{}, codeProblem(codeCannotCapture, fmt.Sprintf("A payment in state %s cannot be captured.", p.state))
	}
	if p.cancelled > 0 {
		return PaymentEvent{}, codeProblem(codeCaptureCancelled, "The remaining reservation has been cancelled.")
	}
	if x.Currency != p.amount.Currency {
		return PaymentEvent{}, codeProblem(codeInvalidAmount, fmt.Sprintf("The currency must be %s, the currency of the payment.", p.amount.Currency))
	}
	if remaining := p.authorized - p.captured - p.cancelled; x.Value > remaining {
		return PaymentEvent{}, codeProblem(codeCaptureTooHigh, fmt.Sprintf("Only %d can be captured.", remaining))
	}
	p.captured += x.Value
	return p.addEvent(EventCaptured, x.Value, key, now), nil
}

// refund returns x of the captured amount to the customer (contract §2.7).
func (p *payment) refund(x Amount, key string, now time.Time) (PaymentEvent, *problem) {
	switch {
	case p.state == StateCreated:
		return PaymentEvent{}, codeProblem(codeRefundBeforeReserve, "The payment has not been reserved.")
	case p.state != StateAuthorized:
		return PaymentEvent{}, codeProblem(codeCannotRefund, fmt.Sprintf("A payment in state %s cannot be refunded.", p.state))
	case x.Currency != p.amount.Currency:
		return PaymentEvent{}, codeProblem(codeInvalidAmount, fmt.Sprintf("The currency must be %s, the currency of the payment.", p.amount.Currency))
	case p.captured == 0:
		return PaymentEvent{}, codeProblem(codeRefundBeforeReserve, "Nothing has been captured, so nothing can be refunded.")
	}
	if refundable := p.captured - p.refunded; x.Value > refundable {
		return PaymentEvent{}, codeProblem(codeNotEnoughRefundable, fmt.Sprintf("Only %d can be refunded.", refundable))
	}
	p.refunded += x.Value
	return p.addEvent(EventRefunded, x.Value, key, now), nil
}

// cancel releases what is still reserved (contract §2.7). Before authorization it terminates
// the payment; after authorization it cancels the whole remaining reservation, unless
// transactionOnly is set (6060). A payment that is already cancelled answers as before
// (changed is false) so a retry without an Idempotency-Key is harmless.
func (p *payment) cancel(transactionOnly bool, key string, now time.Time) (ev PaymentEvent, changed bool, prob *problem) {
	switch p.state {
	case StateCreated:
		if p.behaviour == behaviourConfirm {
			return PaymentEvent{}, false, codeProblem(codeCannotCancelProcessing, "The customer is confirming the payment right now; it cannot be cancelled.")
		}
		p.cancelled = p.amount.Value
		p.state = StateTerminated
		return p.addEvent(EventTerminated, p.amount.Value, key, now), true, nil
	case StateTerminated:
		return p.lastEvent(EventTerminated), false, nil
	case StateAborted, StateExpired:
		return PaymentEvent{}, false, codeProblem(codeCannotCancelUnreserved, fmt.Sprintf("A payment in state %s has no reservation to cancel.", p.state))
	}
	if transactionOnly {
		return PaymentEvent{}, false, codeProblem(codeCannotCancelAuthorized, "The payment is authorized and cancelTransactionOnly is set, so the reservation was not cancelled.")
	}
	remaining := p.authorized - p.captured - p.cancelled
	switch {
	case remaining == 0 && p.cancelled > 0:
		return p.lastEvent(EventCancelled), false, nil
	case remaining == 0:
		return PaymentEvent{}, false, codeProblem(codeCannotCancelCaptured, "The payment is fully captured; refund instead.")
	}
	p.cancelled += remaining
	return p.addEvent(EventCancelled, remaining, key, now), true, nil
}

func (p *payment) addEvent(name string, value int64, key string, at time.Time) PaymentEvent {
	ev := PaymentEvent{
		Reference:      p.reference,
		PSPReference:   p.psp.take(),
		Name:           name,
		Amount:         Amount{Currency: p.amount.Currency, Value: value},
		Timestamp:      at.UTC(),
		IdempotencyKey: optionalKey(key),
		Success:        true,
	}
	p.events = append(p.events, ev)
	p.recordedAt = append(p.recordedAt, time.Now())
	if p.publish != nil {
		p.publish(ev)
	}
	return ev
}

func (p *payment) lastEvent(name string) PaymentEvent {
	for i := len(p.events) - 1; i >= 0; i-- {
		if p.events[i].Name == name {
			return p.events[i]
		}
	}
	return PaymentEvent{}
}

func (p *payment) aggregate() Aggregate {
	cur := p.amount.Currency
	return Aggregate{
		AuthorizedAmount: Amount{Currency: cur, Value: p.authorized},
		CancelledAmount:  Amount{Currency: cur, Value: p.cancelled},
		CapturedAmount:   Amount{Currency: cur, Value: p.captured},
		RefundedAmount:   Amount{Currency: cur, Value: p.refunded},
	}
}

// eventLog returns a copy of the event log that shares nothing with the payment.
func (p *payment) eventLog() []PaymentEvent {
	out := make([]PaymentEvent, len(p.events))
	copy(out, p.events)
	for i := range out {
		if k := out[i].IdempotencyKey; k != nil {
			out[i].IdempotencyKey = optionalKey(*k)
		}
	}
	return out
}

func (p *payment) getResponse() getPaymentResponse {
	return getPaymentResponse{
		Aggregate:     p.reportedAggregate(),
		Amount:        p.amount,
		State:         p.state,
		PaymentMethod: paymentMethod{Type: p.paymentMethod},
		PSPReference:  p.pspReference,
		RedirectURL:   p.redirectURL,
		Reference:     p.reference,
		Profile:       p.profileResponse(),
		Metadata:      p.options.Metadata,
	}
}

// profileResponse has the customer's sub once a payment that asked for profile sharing is
// AUTHORIZED (the customer consented by approving).
func (p *payment) profileResponse() profileResponse {
	if p.options.ProfileScope == "" || p.state != StateAuthorized || p.customer.MSISDN == "" {
		return profileResponse{}
	}
	return profileResponse{Sub: subjectOf(p.msn, p.customer.MSISDN)}
}

func (p *payment) modificationResponse(ev PaymentEvent) modificationResponse {
	return modificationResponse{
		Amount:       p.amount,
		State:        p.state,
		Aggregate:    p.reportedAggregate(),
		PSPReference: ev.PSPReference,
		Reference:    p.reference,
	}
}

func optionalKey(key string) *string {
	if key == "" {
		return nil
	}
	return &key
}
