// Package abi holds the values of the C ABI (include/vmp.h) for the Go side: the status codes,
// the enums, the version and the header's integer constants. abi_gen.go is generated from the
// header's X-macro lists by internal/cmd/vmpgen (make generate); the other files add what the
// header says in words (which states are final, the config's names of the log levels).
//
// The package imports nothing, so that every package of the engine can use it.
package abi
