package retry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/redact"
)

// Decision says what one failed attempt means for the call.
type Decision struct {
	Retry bool
	// Wait before the next attempt; 0 means use the backoff schedule.
	Wait time.Duration
	// MaybeApplied is true when Vipps may have acted on the attempt.
	MaybeApplied bool
	// InFlight is true when the attempt may still be on its way through Vipps: the library
	// stopped waiting for it (a timeout), or a gateway did (504), or - an answer of 423 - Vipps
	// is still carrying out an operation on the payment, which may be an earlier attempt of
	// this one. Vipps' event log does not show it yet, and may later.
	InFlight bool
}

// Vipps ErrorCodes that mean "busy, try the same request again shortly": 6160 order
// processing, 6260 funds unavailable and 6280 capture failed (the contract: retry with the same
// key), 6250 a cancel while the customer is approving (the approval ends within moments).
var transientErrorCodes = map[string]bool{"6160": true, "6250": true, "6260": true, "6280": true}

// Vipps ErrorCodes with a status of their own (vipps-api-contract: ePayment errors): 7010 the
// customer cannot pay (unknown number, cannot pay businesses, under age), 5080 the sales unit
// may not send PUSH_MESSAGE payments.
const (
	errorCodeCustomerNotFound = "7010"
	errorCodePushNotAllowed   = "5080"
)

// Decide classifies one failed attempt.
func Decide(err error) Decision {
	var te *vipps.TransportError
	var p *vipps.Problem
	var tok *vipps.TokenError
	switch {
	case errors.As(err, &tok):
		// The request was never sent; only whether trying again can help follows from how
		// the token endpoint failed.
		d := Decide(tok.Err)
		var bad *vipps.MalformedAnswerError
		return Decision{Retry: d.Retry || errors.As(tok.Err, &bad), Wait: d.Wait}
	case errors.Is(err, context.Canceled):
		return Decision{MaybeApplied: MaybeSent(err), InFlight: MaybeSent(err)}
	case errors.As(err, &te):
		return Decision{Retry: true, MaybeApplied: te.MaybeSent,
			InFlight: te.MaybeSent && (te.Timeout || errors.Is(te.Err, context.DeadlineExceeded))}
	case errors.As(err, &p):
		switch {
		case p.HTTPStatus == 429:
			return Decision{Retry: true, Wait: p.RetryAfter}
		case p.HTTPStatus == 423:
			// "Another operation on this payment is in progress": it may be an earlier attempt
			// of this very operation, which Vipps is still carrying out.
			return Decision{Retry: true, Wait: p.RetryAfter, InFlight: true}
		case transientErrorCodes[p.ErrorCode]:
			return Decision{Retry: true, Wait: p.RetryAfter}
		case p.HTTPStatus >= 500:
			// A 5xx may come after the operation was committed; a gateway's 504 may come while
			// it is still being carried out.
			return Decision{Retry: true, Wait: p.RetryAfter, MaybeApplied: true, InFlight: p.HTTPStatus == 504}
		}
	}
	return Decision{}
}

// MaybeSent reports whether err is a transport failure after which the request may have reached Vipps.
func MaybeSent(err error) bool {
	var te *vipps.TransportError
	return errors.As(err, &te) && te.MaybeSent
}

// WireError turns the last error of a call into the engine's Error. what names the call for the
// message ("capture of store1-pos2-..."). maybeApplied is true when any attempt of a
// money-moving call may have reached Vipps: then a missing answer is an unknown outcome, never
// a failure.
func WireError(what string, err error, maybeApplied, mutation bool) *model.Error {
	var te *vipps.TransportError
	var p *vipps.Problem
	var bad *vipps.MalformedAnswerError
	var tok *vipps.TokenError
	e := &model.Error{Err: err}
	switch {
	case errors.As(err, &tok):
		// This attempt never left; an earlier one of the same call may have. What the token
		// endpoint answered is Vipps' answer (keys refused, say).
		e.Code = tokenFailureCode(tok)
		if errors.As(tok.Err, &p) {
			e.VippsAnswer = AnswerOf(p)
		}
		if mutation && maybeApplied {
			e.Code = abi.CodeUnknownOutcome
		}
	case errors.As(err, &p):
		e.VippsAnswer = AnswerOf(p)
		switch {
		case p.HTTPStatus == 401 || p.HTTPStatus == 403:
			e.Code = abi.CodeAuth
		case p.HTTPStatus == 404:
			e.Code = abi.CodeNotFound
		case p.HTTPStatus == 409:
			e.Code = abi.CodeConflict
		case p.HTTPStatus == 429:
			e.Code = abi.CodeRateLimited
		case p.HTTPStatus == 423 || transientErrorCodes[p.ErrorCode] || p.HTTPStatus >= 500:
			e.Code = abi.CodeUnavailable
		case p.ErrorCode == errorCodeCustomerNotFound:
			e.Code = abi.CodeCustomerNotFound
		case p.ErrorCode == errorCodePushNotAllowed:
			e.Code = abi.CodePushNotAllowed
		default:
			e.Code = abi.CodeRejected
		}
		if mutation && maybeApplied && (e.Code == abi.CodeUnavailable || e.Code == abi.CodeRateLimited) {
			e.Code = abi.CodeUnknownOutcome
		}
	case errors.As(err, &bad):
		e.Code = abi.CodeUnknownOutcome
		if !mutation {
			e.Code = abi.CodeUnavailable
		}
	case errors.As(err, &te):
		e.Code = abi.CodeNetwork
		if mutation && (maybeApplied || te.MaybeSent) {
			e.Code = abi.CodeUnknownOutcome
		}
	default:
		e.Code = abi.CodeInternal
	}
	e.Message = fmt.Sprintf("%s: %s", what, err.Error())
	if e.Code == abi.CodePushNotAllowed {
		e.Message += " - this sales unit is not approved to send push requests; start a QR checkout (\"flow\": \"qr\"), or configure \"push_fallback\": \"qr\""
	}
	if e.Code == abi.CodeUnknownOutcome {
		e.Message += " - the operation may have been carried out; ask again for the payment's status, or repeat the call with the same operation id"
	}
	return e
}

// AnswerOf is Vipps' problem as the fields of a model.Error (vmp_last_vipps_error). The texts
// are masked like Problem.Error's: Vipps' titles can echo personal data.
func AnswerOf(p *vipps.Problem) model.VippsAnswer {
	return model.VippsAnswer{HTTPStatus: p.HTTPStatus, VippsErrorCode: p.ErrorCode,
		VippsTitle: redact.Text(p.Title), TraceID: p.TraceID}
}

// tokenFailureCode classifies a failure to get an access token; the request it was for was
// never sent, so it is never an unknown outcome by itself.
func tokenFailureCode(tok *vipps.TokenError) abi.Code {
	var te *vipps.TransportError
	var p *vipps.Problem
	switch {
	case errors.As(tok.Err, &p):
		switch {
		case p.HTTPStatus == 429:
			return abi.CodeRateLimited
		case p.HTTPStatus >= 500 || p.HTTPStatus == 423:
			return abi.CodeUnavailable
		default: // 400, 401, 403: the keys were refused
			return abi.CodeAuth
		}
	case errors.As(tok.Err, &te):
		return abi.CodeNetwork
	case errors.As(tok.Err, new(*vipps.MalformedAnswerError)):
		return abi.CodeUnavailable
	}
	return abi.CodeInternal
}

// MalformedAnswer reports whether err is a 2xx answer whose body could not be read: Vipps
// did act. An access token's malformed answer is not one: the request was never sent.
func MalformedAnswer(err error) bool {
	var tok *vipps.TokenError
	if errors.As(err, &tok) {
		return false
	}
	var bad *vipps.MalformedAnswerError
	return errors.As(err, &bad)
}
