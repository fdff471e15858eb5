// Command capi is the C ABI of vmp. Built with
//
//	go build -buildmode=c-shared -o build/libvmp.so ./capi
//
// it becomes libvmp.so (vmp.dll on Windows), whose contract is include/vmp.h.
//
// The package is a thin skin over package core: vmp.c implements every function of vmp.h in a
// few lines by calling a //export'ed vmpgo_* function of this package - on one of the library's
// worker threads, never on the caller's (the wall between host and Go: wall.h) - and the Go side only
// translates arguments, maps handles to clients, turns errors into vmp_status plus a last-error
// text, and stops panics at the boundary. Validation of JSON, amounts and references, and all
// payment logic, live in core.
package main

// The include path finds the public header; the warnings keep vmp.c as clean as the header
// promises its users to be.

// #cgo CFLAGS: -I${SRCDIR}/../include -Wall -Wextra -Werror
import "C"

// main is required by -buildmode=c-shared and never runs: the host process owns main. On
// purpose nothing here (or in any init) starts work, installs signal handlers or exits.
func main() {}
