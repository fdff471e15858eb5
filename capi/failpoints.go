//go:build vmpfailpoints && unix

package main

// The crash tests' build (core/failpoint_enabled.go) also has the wall's failpoint: C's
// (wall_pool.c, WALL_FAILPOINTS).

// #cgo CFLAGS: -DWALL_FAILPOINTS
import "C"
