package core

import (
	"errors"
	"fmt"
)

// Error is the one error type the engine returns. Message is safe to show to a cashier or to
// log: it never holds secrets, tokens or full phone numbers.
type Error struct {
	Code    Code
	Message string
	// VippsErrorCode is Vipps' numeric ErrorCode (e.g. "6080") when Vipps rejected the call.
	VippsErrorCode string
	// HTTPStatus is the status Vipps answered with, 0 when there was no answer.
	HTTPStatus int
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func newError(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf classifies any error returned by the engine; nil is CodeOK and an error that is not an
// *Error is CodeInternal.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
