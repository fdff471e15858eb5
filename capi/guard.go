package main

// #include "vmp.h"
import "C"

import (
	"fmt"

	"github.com/vmp-dev/vmp/core"
)

// guard is deferred first in every export: a Go panic that reached C would abort the whole
// till, so it becomes VMP_ERR_INTERNAL and a last error naming the vmp_ function instead.
// st is the export's named result; nil for the exports that return nothing.
func guard(function string, st *C.vmp_status) {
	r := recover()
	if r == nil {
		return
	}
	if st != nil {
		*st = C.vmp_status(core.CodeInternal)
	}
	setLastError(panicMessage(function, r))
}

// panicMessage says where the bug is. Only the panic value is shown, not the stack: the text
// goes to cashiers' screens and logs, and must stay short enough for the last-error buffer.
func panicMessage(function string, r any) string {
	return fmt.Sprintf("%s: internal error (a bug in vmp): %v", function, r)
}
