//go:build vmpfailpoints && unix

package main

// #include <stdint.h>
import "C"

import (
	"sync/atomic"

	"github.com/vmp-dev/vmp/core/journal"
)

// Diagnostics of the failpoint build of the library only (build tag vmpfailpoints: the crash
// matrix and the property test, tests/property): the property test's till (tests/c/prop_till.c)
// looks them up with dlsym to kill itself at a chosen journal commit, to hold one, or to make
// some fail. The shipped library has
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

// vmpdiag_fail_commits makes n commits of the journal at path fail, the first of them the
// from-th commit from now (1: the next), as a full or failing disk fails them
// (journal.FailCommits): before their meta page (nothing of them visible) when after is zero,
// else after it (the commit is told it failed, yet the file holds it, and the journal takes no
// write until it is opened again). n <= 0 disarms.
//
//export vmpdiag_fail_commits
func vmpdiag_fail_commits(path *C.char, from, n C.int64_t, after C.int32_t) {
	p := C.GoString(path)
	if n <= 0 {
		journal.FailCommits(p, nil)
		return
	}
	how := journal.FailBeforeMeta
	if after != 0 {
		how = journal.FailAfterMeta
	}
	var seen atomic.Int64 // commits asked about since the call
	journal.FailCommits(p, func(int64) journal.CommitFailure {
		if k := seen.Add(1); k >= int64(from) && k < int64(from+n) {
			return how
		}
		return journal.CommitSucceeds
	})
}
