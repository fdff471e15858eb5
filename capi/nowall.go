//go:build vmpnowall

package main

// The library as it was before the wall between host and Go (wall.h), for cmd/vmp-bench only:
// its figures are measured side by side with the wall's. Every vmp_ call runs its body on the
// caller's thread, which enters Go itself, and vmp_poll_status never answers from C. Never
// shipped: a host runtime that stops its threads can hang or crash with it (issue 21).

// #cgo CFLAGS: -DVMP_NO_WALL
import "C"
