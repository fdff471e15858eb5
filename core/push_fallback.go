package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// A sales unit Vipps has not approved for push requests (PUSH_MESSAGE skips the landing page,
// which needs Vipps' approval) is refused with ErrorCode 5080. A store that meets this on its
// first day can still sell: with "push_fallback": "qr" the same sale is started as a QR checkout
// on the customer display, and the till is told so by CodePushNotAllowed together with the QR
// checkout's reference (vmp.h, vmp_start_checkout).

// qrInsteadOfPush starts the QR checkout for a push checkout refused with pushErr. It answers
// the QR checkout's reference with a CodePushNotAllowed error that says so; when the QR checkout
// fails too, that failure (with the QR checkout's reference if it may exist).
func (unit *Unit) qrInsteadOfPush(ctx context.Context, req CheckoutRequest, pushErr error) (string, error) {
	qr := req
	qr.Flow, qr.PhoneNumber, qr.PersonalQR = FlowQR, "", ""
	qr.Reference = fallbackReference(req.Reference)
	reference, err := unit.pay.StartCheckout(ctx, qr)
	if err != nil {
		e := &Error{Code: CodeOf(err), Err: err,
			Message: "the push checkout was refused (this sales unit may not send push requests), and the QR checkout started instead failed: " + err.Error()}
		if fe, ok := err.(*Error); ok {
			e.VippsAnswer = fe.VippsAnswer
		}
		return reference, e
	}
	e := &Error{Code: CodePushNotAllowed, Err: pushErr,
		Message: "this sales unit may not send push requests (Vipps ErrorCode 5080); QR checkout " + reference +
			" was started instead (push_fallback): show its code to the customer (vmp_checkout_qr)"}
	if fe, ok := pushErr.(*Error); ok {
		e.VippsAnswer = fe.VippsAnswer
	}
	return reference, e
}

// fallbackReference is the reference of the QR checkout that replaces a push checkout: none
// (generated) when the push had none; else the push's with "-qr", so that the same checkout
// repeated is the same QR payment. A reference too long for the suffix keeps its start and a
// hash of the whole, so two long references never share a fallback.
func fallbackReference(push string) string {
	const suffix, max = "-qr", 64
	switch {
	case push == "":
		return ""
	case len(push)+len(suffix) <= max:
		return push + suffix
	}
	sum := sha256.Sum256([]byte(push))
	tag := "-" + hex.EncodeToString(sum[:4])
	return push[:max-len(tag)-len(suffix)] + tag + suffix
}
