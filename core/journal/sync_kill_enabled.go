//go:build vmpfailpoints && unix

package journal

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// killBeforePause is how long a process killed before a commit holds that commit first.
const killBeforePause = 20 * time.Millisecond

// The crash and property tests kill a process at the Nth commit (fdatasync) of its journal:
// VMP_KILL_AT_SYNC=N kills it right after the Nth commit reached the disk, N:before right
// before it (the transaction is lost). KillAtSync arms the same at run time, counted from the
// commits so far (the property test's C till reaches it through capi's vmpdiag_kill_at_sync).
// Commits are numbered in the order bbolt serialises them, from 1, per process.
var (
	syncs      atomic.Int64
	killBefore atomic.Int64 // 0: off
	killAfter  atomic.Int64
)

func init() {
	v := os.Getenv("VMP_KILL_AT_SYNC")
	n, before := strings.CutSuffix(v, ":before")
	if at, err := strconv.ParseInt(n, 10, 64); err == nil && at > 0 {
		arm(at, before)
	}
}

func arm(at int64, before bool) {
	if before {
		killBefore.Store(at)
	} else {
		killAfter.Store(at)
	}
}

// Syncs is the number of journal commits of this process so far.
func Syncs() int64 { return syncs.Load() }

// KillAtSync arms a SIGKILL at the nth journal commit from now (n >= 1): just before it is
// committed, or just after its fdatasync returned. n <= 0 disarms both.
func KillAtSync(n int64, before bool) {
	if n <= 0 {
		killBefore.Store(0)
		killAfter.Store(0)
		return
	}
	arm(syncs.Load()+n, before)
}

// beforeCommit runs inside the write transaction, under bbolt's writer lock, after fn.
func beforeCommit() int64 {
	n := syncs.Add(1)
	if n == killBefore.Load() {
		// The transaction stays uncommitted for a moment first: a write wrongly answered
		// before its commit would have time to act on it (be "sent"), and be caught.
		time.Sleep(killBeforePause)
		die()
	}
	return n
}

func afterSync(n int64) {
	if n == killAfter.Load() {
		die()
	}
}

func die() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL cannot be caught; never go on
}
