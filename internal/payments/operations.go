package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/retry"
)

// StartCheckout sends a push payment request (userFlow PUSH_MESSAGE, CUSTOMER_PRESENT unless
// the checkout says otherwise) or a QR one, with the checkout's other createPayment fields. The
// reference is returned on success and together with a CodeUnknownOutcome error, when the
// payment may exist. With an explicit reference the Idempotency-Key is derived from it, so the
// same checkout again is the same payment; without one, an identical checkout whose outcome the
// till never saw is resolved and its reference returned instead of creating a second payment.
func (u *Unit) StartCheckout(ctx context.Context, req CheckoutRequest) (string, error) {
	eng := u.engine
	if err := CheckAmount(req.Amount); err != nil {
		return "", err
	}
	if req.Reference != "" {
		if err := CheckReference(req.Reference); err != nil {
			return "", err
		}
	}
	currency := firstNonEmpty(req.Currency, eng.checkout.Currency)
	description := firstNonEmpty(req.Description, eng.checkout.Description)
	var warnings []string
	if req.Receipt != nil {
		var err error
		if warnings, err = eng.reviewReceipt(req.Receipt, currency, req.Amount); err != nil {
			return "", err
		}
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return "", err
	}
	defer leave()
	if req.Reference != "" {
		// A sale whose payment ended ABORTED or EXPIRED gets a new attempt (checkout_attempts.go).
		attempt, err := u.checkoutAttempt(ctx, req.Reference, func(ref string) (string, string) {
			r := req
			r.Reference = ref
			intent, _ := checkoutIntent(u, r, currency, description)
			return intent, checkoutIntent01(u, r, currency, description)
		})
		if err != nil {
			return "", err
		}
		req.Reference = attempt
	}
	intent, err := checkoutIntent(u, req, currency, description)
	if err != nil {
		return "", err
	}
	body := func(ref string) ([]byte, error) {
		create := vipps.CreatePaymentRequest{
			Amount:              vipps.Amount{Currency: currency, Value: req.Amount},
			PaymentMethod:       vipps.PaymentMethod{Type: "WALLET"},
			CustomerInteraction: firstNonEmpty(req.CustomerInteraction, CustomerPresent),
			Reference:           ref,
			UserFlow:            "PUSH_MESSAGE",
			ReturnURL:           req.ReturnURL,
			PaymentDescription:  description,
			Metadata:            req.Metadata,
			ReceiptURL:          req.ReceiptURL,
			MinimumUserAge:      req.MinimumUserAge,
		}
		if len(req.ProfileScopes) > 0 {
			create.Profile = &vipps.ProfileRequest{Scope: strings.Join(req.ProfileScopes, " ")}
		}
		if req.Flow == FlowQR {
			// The library draws the code itself, so it asks for the target URL only.
			create.UserFlow, create.QRFormat = "QR", &vipps.QRFormat{Format: "TEXT/TARGETURL"}
		} else {
			create.Customer = &vipps.Customer{PhoneNumber: req.PhoneNumber, PersonalQR: req.PersonalQR}
		}
		if req.Receipt != nil {
			create.Receipt = req.Receipt
		}
		b, err := vipps.EncodeJSON(create)
		if err == nil {
			b, err = WithExtra(b, req.Extra)
		}
		if err != nil {
			return nil, &model.Error{Code: abi.CodeInternal, Message: "encoding the payment request: " + err.Error(), Err: err}
		}
		return b, nil
	}
	op := moneyOp{unit: u, kind: journal.OpCreate, reference: req.Reference, amount: req.Amount, currency: currency,
		operationID: req.Reference, intent: intent, intent01: checkoutIntent01(u, req, currency, description)}
	if req.Reference != "" {
		if op.body, err = body(req.Reference); err != nil {
			return "", err
		}
	} else {
		// A repeat of an identical checkout whose outcome the till never saw finishes that one,
		// under its reference (repeat_rule.go); anything else is a new payment.
		op.newCheckout = func() (string, []byte, error) {
			ref := GenerateReference(u.referencePrefix, eng.till.PosID, time.Now())
			b, err := body(ref)
			return ref, b, err
		}
	}
	_, e, sent, err := eng.runMoneyOp(ctx, op)
	if sent && req.Receipt != nil {
		eng.noteReceiptWarnings(u, e.Reference, warnings)
	}
	if err != nil {
		if model.CodeOf(err) == abi.CodeUnknownOutcome && e != nil {
			return e.Reference, err
		}
		return "", err
	}
	return e.Reference, nil
}

// checkoutIntent identifies what a checkout asks for: its sales unit (by MSN), its explicit
// reference, if any, and its content (hashed, since it contains the phone number): amount,
// currency, customer (phone number, or the personal QR as scanned), description and flow. Not
// the receipt: a till retrying with its receipt renumbered still asks for the same sale.
//
// A QR checkout without a reference names no customer, so two lanes' alike QR checkouts would
// look like one; it gets a nonce instead - a repeated QR checkout only shows another code, and
// money moves only for the one the customer scans.
func checkoutIntent(u *Unit, req CheckoutRequest, currency, description string) (string, error) {
	sum := sha256.Sum256([]byte(strings.Join([]string{fmt.Sprint(req.Amount), currency, req.PhoneNumber, req.PersonalQR,
		description, req.Flow}, "\x00")))
	ref := req.Reference
	switch {
	case ref != "":
	case req.Flow == FlowQR:
		ref = "qr-" + RandomHex(8)
	default:
		ref = "auto"
	}
	return "create|" + u.msnKey() + "|" + ref + "|" + hex.EncodeToString(sum[:16]), nil
}

// checkoutIntent01 is the intent vmp 0.1 recorded for the same checkout (moneyOp.intent01):
// its unit by config name, no MSN, and the receipt in the hash - as this vmp encodes it, so a
// receipt 0.1 encoded otherwise does not match (the repeat is then refused or new, as before).
// A QR checkout without a reference has none: 0.1 gave it a nonce.
func checkoutIntent01(u *Unit, req CheckoutRequest, currency, description string) string {
	receipt, err := wirejson.Marshal(req.Receipt)
	if err != nil || (req.Reference == "" && req.Flow == FlowQR) {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{fmt.Sprint(req.Amount), currency, req.PhoneNumber, req.PersonalQR,
		description, req.Flow, string(receipt)}, "\x00")))
	return "create|" + u.scoped(firstNonEmpty(req.Reference, "auto")) + "|" + hex.EncodeToString(sum[:16])
}

// Capture captures amount (minor units) of an authorized payment.
func (u *Unit) Capture(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return u.engine.modify(ctx, u, journal.OpCapture, reference, amount, operationID)
}

// Refund refunds amount (minor units) of what was captured.
func (u *Unit) Refund(ctx context.Context, reference string, amount int64, operationID string) (Payment, error) {
	return u.engine.modify(ctx, u, journal.OpRefund, reference, amount, operationID)
}

// CancelOptions modify Cancel.
type CancelOptions struct {
	// TransactionOnly cancels only if the customer has not approved yet (6060 otherwise).
	TransactionOnly bool
}

// Cancel cancels the payment: before approval it becomes TERMINATED; after approval the
// uncaptured rest is released.
func (u *Unit) Cancel(ctx context.Context, reference string, opts CancelOptions, operationID string) (Payment, error) {
	eng := u.engine
	if err := CheckReference(reference); err != nil {
		return Payment{}, err
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	var body []byte
	if opts.TransactionOnly {
		if body, err = vipps.EncodeJSON(vipps.CancelRequest{CancelTransactionOnly: true}); err != nil {
			return Payment{}, &model.Error{Code: abi.CodeInternal, Message: "encoding the cancel request: " + err.Error(), Err: err}
		}
	}
	p, _, _, err := eng.runMoneyOp(ctx, moneyOp{unit: u, kind: journal.OpCancel, reference: reference, operationID: operationID,
		intent:   fmt.Sprintf("cancel|%s|%s|%t", u.msnKey(), reference, opts.TransactionOnly),
		intent01: fmt.Sprintf("cancel|%s|%t", u.scoped(reference), opts.TransactionOnly), body: body})
	e, ok := err.(*model.Error)
	switch {
	case ok && opts.TransactionOnly && e.VippsErrorCode == "6060":
		return eng.approvedBeforeCancel(ctx, eng.trackerFor(u, reference), e)
	case ok && e.VippsErrorCode == "6250":
		// The customer was approving while the library tried again: the approval may be done by
		// now. Nothing was cancelled (unless an earlier attempt of the call may have been: then
		// the outcome is unknown); the entry is recorded as certainly not carried out, so the
		// same call again (with its operation id) is sent again.
		t := eng.trackerFor(u, reference)
		if fresh, rerr := eng.readNow(ctx, t); rerr == nil && fresh.State == abi.StateAuthorized && opts.TransactionOnly {
			return eng.approvedBeforeCancel(ctx, t, e)
		}
		if e.Code != abi.CodeUnknownOutcome { // an earlier attempt may have cancelled it
			e.Message += " - the customer is approving the payment right now; nothing was cancelled: ask for the status, and cancel again if it is still needed"
		}
		return p, e
	}
	return p, err
}

// approvedBeforeCancel answers an abort that lost the race with the customer's approval: the
// till learns that the payment is AUTHORIZED, with its current aggregates, so it can capture it
// or release it with a plain cancel - never left guessing.
func (eng *Engine) approvedBeforeCancel(ctx context.Context, t *Tracker, cause *model.Error) (Payment, error) {
	reference := t.Reference()
	p, err := eng.readNow(ctx, t)
	if err != nil {
		return Payment{}, cause
	}
	return p, &model.Error{Code: abi.CodeAlreadyAuthorized, VippsAnswer: cause.VippsAnswer, Err: cause,
		Message: fmt.Sprintf("cancel of %s: the customer approved before the cancel, so the payment is AUTHORIZED (%d %s reserved); capture it, or cancel without VMP_CANCEL_TRANSACTION_ONLY to release it",
			reference, p.Reserved(), p.Currency)}
}

// modify runs a capture or refund of amount in the payment's currency.
func (eng *Engine) modify(ctx context.Context, u *Unit, kind, reference string, amount int64, operationID string) (Payment, error) {
	if err := CheckReference(reference); err != nil {
		return Payment{}, err
	}
	if err := CheckAmount(amount); err != nil {
		return Payment{}, err
	}
	started := time.Now()
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	// A new journal's refusal depends on the journal alone: it comes before the read of the
	// payment's currency, which fails while Vipps cannot be read (runMoneyOp asks again).
	if err := eng.newJournalRefusal(moneyOp{unit: u, kind: kind, reference: reference, operationID: operationID}); err != nil {
		return Payment{}, err
	}
	t := eng.trackerFor(u, reference)
	currency, err := eng.currencyOf(ctx, t)
	if err != nil {
		return Payment{}, err
	}
	body, err := vipps.EncodeJSON(vipps.ModificationRequest{ModificationAmount: vipps.Amount{Currency: currency, Value: amount}})
	if err != nil {
		return Payment{}, &model.Error{Code: abi.CodeInternal, Message: "encoding the " + kind + " request: " + err.Error(), Err: err}
	}
	before, knewBefore := t.Snapshot()
	p, e, sent, err := eng.runMoneyOp(ctx, moneyOp{unit: u, kind: kind, reference: reference, amount: amount, currency: currency,
		operationID: operationID, intent: fmt.Sprintf("%s|%s|%s|%d", kind, u.msnKey(), reference, amount),
		intent01: fmt.Sprintf("%s|%s|%d", kind, u.scoped(reference), amount), body: body})
	if err == nil && sent && kind == journal.OpCapture {
		return eng.checkCaptured(ctx, t, e, before, knewBefore, p, started)
	}
	return p, err
}

// PollStatus returns the payment's state. With wait 0 it answers from memory, reading Vipps
// once if the payment was never read. Otherwise it returns as soon as the state is final or
// when wait has elapsed, reading Vipps on the tracker's schedule; concurrent callers share
// the reads.
func (u *Unit) PollStatus(ctx context.Context, reference string, wait time.Duration) (Payment, error) {
	eng := u.engine
	if err := CheckReference(reference); err != nil {
		return Payment{}, err
	}
	if wait < 0 || wait > model.MaxWait {
		return Payment{}, model.Errorf(abi.CodeInvalidArgument, "wait must be between 0 and %s", model.MaxWait)
	}
	ctx, leave, err := eng.enter(ctx)
	if err != nil {
		return Payment{}, err
	}
	defer leave()
	t := eng.trackerFor(u, reference)
	return t.Poll(ctx, wait, eng.requestTimeout, func(p Payment) { eng.settleCreateByRead(ctx, u, reference, p) })
}

// readNow reads the payment from Vipps now, bypassing the poll schedule (but not the
// per-reference rate limit), and records it.
func (eng *Engine) readNow(ctx context.Context, t *Tracker) (Payment, error) {
	var resp vipps.GetPaymentResponse
	err := eng.retry.Call(ctx, "status of "+t.Reference(), t.For(retry.APIGet), false, func(ctx context.Context) error {
		var err error
		resp, err = t.API().GetPayment(ctx, t.Reference())
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	p := FromGet(resp)
	t.Read(p)
	return p, nil
}

// currencyOf gives the payment's currency, reading the payment when the engine has not seen it.
func (eng *Engine) currencyOf(ctx context.Context, t *Tracker) (string, error) {
	if p, ok := t.Snapshot(); ok && p.Currency != "" {
		return p.Currency, nil
	}
	p, err := eng.readNow(ctx, t)
	if err != nil {
		return "", err
	}
	return p.Currency, nil
}
