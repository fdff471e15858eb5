package model

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmp-dev/vmp/internal/abi"
)

// Error is the one error type the engine returns. Message is safe to show to a cashier or to
// log: it never holds secrets, tokens or full phone numbers.
type Error struct {
	Code    abi.Code
	Message string
	// VippsAnswer is what Vipps answered, when the failure carries an answer (its fields are
	// promoted: e.HTTPStatus, e.VippsErrorCode).
	VippsAnswer
	Err error
}

// VippsAnswer is Vipps' account of a failed request, as fields a till can branch on (the C
// ABI's vmp_last_vipps_error): from the problem+json body (title, traceId and the ErrorCode of
// extraDetails).
type VippsAnswer struct {
	// HTTPStatus is the status Vipps answered with, 0 when there was no answer.
	HTTPStatus int
	// VippsErrorCode is Vipps' numeric ErrorCode (e.g. "6080") when Vipps rejected the call.
	VippsErrorCode string
	// VippsTitle is the problem's title ("Customer not found").
	VippsTitle string
	// TraceID is the problem's traceId, for Vipps' support.
	TraceID string
}

// VippsAnswerOf is the answer of Vipps that err carries: the first Error in its chain that has
// one (an error that wraps another may carry none of its own).
func VippsAnswerOf(err error) (VippsAnswer, bool) {
	for err != nil {
		if e, ok := err.(*Error); ok && e.HTTPStatus != 0 {
			return e.VippsAnswer, true
		}
		err = errors.Unwrap(err)
	}
	return VippsAnswer{}, false
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is an Error of code with a formatted message.
func Errorf(code abi.Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf classifies any error returned by the engine; nil is CodeOK and an error that is not an
// *Error is CodeInternal.
func CodeOf(err error) abi.Code {
	if err == nil {
		return abi.CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return abi.CodeInternal
}

// ErrClosed is the cause with which a client's Close ends the contexts of the calls in progress.
// A handle that is bound to a client and closed on its own (the C ABI's sales-unit handles) ends
// the contexts of the calls made through it with ErrClosed too, so that the calls tell a close
// from a caller that gave up.
var ErrClosed = &Error{Code: abi.CodeInvalidHandle, Message: "the client was closed"}

// EndedByClose reports whether ctx ended because the client, or the handle the call came
// through, was closed.
func EndedByClose(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrClosed)
}

// Truncate cuts s to max bytes for a message, marking the cut.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// ClosedWhileWaiting is what a call answers whose wait a close ended: the handle is gone, and
// what it waited for is unknown - never a last known state that could pass for an answer.
func ClosedWhileWaiting(what string) error {
	return Errorf(abi.CodeInvalidHandle, "the client was closed while waiting for %s", what)
}
