//go:build vmpsoak

package main

// #include <stdint.h>
import "C"

import (
	"runtime"
	"runtime/metrics"
)

// vmpdiag_goroutines is a diagnostic of the soak's build of the library only (build tag
// vmpsoak, tests/soak): the number of goroutines, which a C host cannot see any other way.
// The soak's till looks it up with dlsym and fails the run if the count keeps growing. The
// shipped library has no such symbol, so it is no part of the ABI and not in vmp.h.
//
//export vmpdiag_goroutines
func vmpdiag_goroutines() C.int64_t { return C.int64_t(runtime.NumGoroutine()) }

// vmpdiag_goroutines_in_c is the soak build's count of goroutines in a cgo call or system call.
// Once the library has been idle for a moment it must be 0: an idle worker waits in Go, where
// it holds none of Go's scheduler slots (Ps); one waiting in C holds its P, and calls stall
// until Go's monitor takes it back (capi/wall_pool.c).
//
//export vmpdiag_goroutines_in_c
func vmpdiag_goroutines_in_c() C.int64_t {
	s := []metrics.Sample{{Name: "/sched/goroutines/not-in-go:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -1
	}
	return C.int64_t(s[0].Value.Uint64())
}
