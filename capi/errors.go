package main

import (
	"fmt"

	"github.com/vmp-dev/vmp/core"
)

// argError is a failure capi finds itself (NULL pointers, handles, buffer sizes, ranges),
// typed like the engine's errors so that one mapping serves both.
func argError(code core.Code, format string, args ...any) error {
	return &core.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// codeOf is core.CodeOf, except that a non-nil error never reads as success: a till that saw
// VMP_OK would hand over the goods.
func codeOf(err error) core.Code {
	code := core.CodeOf(err)
	if err != nil && code == core.CodeOK {
		return core.CodeInternal
	}
	return code
}

// describe is the last-error text for err. The header promises a detail after every failure,
// so an error with no text of its own is described by its code.
func describe(err error) string {
	if msg := err.Error(); msg != "" {
		return msg
	}
	return codeOf(err).String()
}
