package main

// #include <stdlib.h>
import "C"

import (
	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/wirejson"
)

// giveJSON encodes v and hands it to the caller as a NUL-terminated string allocated with C's
// malloc, which vmp_free releases. out may be NULL when the output is optional.
func giveJSON(out **C.char, v any) error {
	if out == nil {
		return nil
	}
	data, err := wirejson.Marshal(v)
	if err != nil {
		return argError(core.CodeInternal, "encoding the answer: %v", err)
	}
	*out = C.CString(string(data))
	return nil
}
