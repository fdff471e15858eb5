package core

import "github.com/vmp-dev/vmp/internal/model"

// Error is the one error type the engine returns (internal/model). Message is safe to show to a
// cashier or to log: it never holds secrets, tokens or full phone numbers.
type Error = model.Error

// VippsAnswer is Vipps' account of a failure (status, ErrorCode, title, traceId; internal/model).
type VippsAnswer = model.VippsAnswer

// VippsAnswerOf is the answer of Vipps that err carries, if any (model.VippsAnswerOf).
func VippsAnswerOf(err error) (VippsAnswer, bool) { return model.VippsAnswerOf(err) }

func newError(code Code, format string, args ...any) *Error {
	return model.Errorf(code, format, args...)
}

// CodeOf classifies any error returned by the engine; nil is CodeOK and an error that is not an
// *Error is CodeInternal.
func CodeOf(err error) Code { return model.CodeOf(err) }

func truncateForMessage(s string, max int) string { return model.Truncate(s, max) }
