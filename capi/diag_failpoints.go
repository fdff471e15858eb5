//go:build vmpfailpoints && unix

package main

// #include <stdint.h>
import "C"

import "github.com/vmp-dev/vmp/core/journal"

// Diagnostics of the failpoint build of the library only (build tag vmpfailpoints: the crash
// matrix and the property test, tests/property): the property test's till (tests/c/prop_till.c)
// looks them up with dlsym to kill itself at a chosen journal commit, or to hold one. The shipped library has
// no such symbols; they are no part of the ABI and not in vmp.h.

// vmpdiag_journal_syncs is the number of journal commits (each one fdatasync) of the process.
//
//export vmpdiag_journal_syncs
func vmpdiag_journal_syncs() C.int64_t { return C.int64_t(journal.Syncs()) }

// vmpdiag_kill_at_sync makes the process SIGKILL itself at the nth journal commit from now:
// just before it commits when before is non-zero, else just after its fdatasync. n <= 0
// disarms.
//
//export vmpdiag_kill_at_sync
func vmpdiag_kill_at_sync(n C.int64_t, before C.int32_t) { journal.KillAtSync(int64(n), before != 0) }

// vmpdiag_hold_at_sync makes the nth journal commit from now wait, before it commits, until
// that many writes are queued for the commit after it (at most 10 s): the next commit then
// holds them all.
//
//export vmpdiag_hold_at_sync
func vmpdiag_hold_at_sync(n, writes C.int64_t) { journal.HoldAtSync(int64(n), int64(writes)) }
