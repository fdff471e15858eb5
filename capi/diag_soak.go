//go:build vmpsoak

package main

// #include <stdint.h>
import "C"

import "runtime"

// vmpdiag_goroutines is a diagnostic of the soak's build of the library only (build tag
// vmpsoak, tests/soak): the number of goroutines, which a C host cannot see any other way.
// The soak's till looks it up with dlsym and fails the run if the count keeps growing. The
// shipped library has no such symbol, so it is no part of the ABI and not in vmp.h.
//
//export vmpdiag_goroutines
func vmpdiag_goroutines() C.int64_t { return C.int64_t(runtime.NumGoroutine()) }
