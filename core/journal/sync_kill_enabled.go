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

// holdLimit bounds how long HoldAtSync holds a commit for writes that may never come.
const holdLimit = 10 * time.Second

// The crash and property tests kill a process at the Nth commit (fdatasync) of its journal:
// VMP_KILL_AT_SYNC=N kills it right after the Nth commit reached the disk, N:before right
// before it (the transaction is lost). KillAtSync arms the same at run time, counted from the
// commits so far (the property test's C till reaches it through capi's vmpdiag_kill_at_sync).
// Commits are numbered in the order bbolt serialises them, from 1, per process.
var (
	syncs      atomic.Int64
	groupSize  atomic.Int64 // writes in the commit being made (commits are serialised)
	killBefore atomic.Int64 // 0: off
	killAfter  atomic.Int64
	holdAt     atomic.Int64 // 0: off
	holdFor    atomic.Int64 // writes to wait for
)

// Checkpoints (long_tx.go): VMP_KILL_AT_CHECKPOINT=N:before|meta|after kills the process at
// its Nth checkpoint, and VMP_JOURNAL_CHECKPOINT_WRITES=W checkpoints every W writes, so
// that kills at commits meet checkpoints too.
var (
	checkpoints    atomic.Int64
	killCheckpoint atomic.Int64
	killPoint      atomic.Int64
)

func atCheckpoint(p checkpointPoint) {
	n := checkpoints.Load()
	if p == killBeforeCheckpoint {
		n = checkpoints.Add(1)
	}
	if n == killCheckpoint.Load() && int64(p) == killPoint.Load() {
		_, _ = os.Stderr.WriteString("vmp failpoint: killed at journal checkpoint " + strconv.FormatInt(n, 10) + "\n")
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}

func init() {
	if w, err := strconv.Atoi(os.Getenv("VMP_JOURNAL_CHECKPOINT_WRITES")); err == nil && w > 0 {
		checkpointAfter = w
	}
	if n, when, ok := strings.Cut(os.Getenv("VMP_KILL_AT_CHECKPOINT"), ":"); ok {
		at, err := strconv.ParseInt(n, 10, 64)
		p := map[string]checkpointPoint{"before": killBeforeCheckpoint, "meta": killAtCheckpointMeta, "after": killAfterCheckpoint}[when]
		if err == nil && at > 0 && p != 0 {
			killCheckpoint.Store(at)
			killPoint.Store(int64(p))
		}
	}
}

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
// committed, or just after its fdatasync returned. n <= 0 disarms both. Outcomes of earlier
// calls still queued for a commit (PutSoon) are on disk first, so the commits counted are
// those of the calls made from now: the tests arm it as a call starts, and its first commit
// is then that call's own entry.
func KillAtSync(n int64, before bool) {
	if n <= 0 {
		killBefore.Store(0)
		killAfter.Store(0)
		return
	}
	for start := time.Now(); queuedInProcess.Load() > 0 && time.Since(start) < holdLimit; {
		time.Sleep(100 * time.Microsecond)
	}
	arm(syncs.Load()+n, before)
}

// HoldAtSync makes the nth journal commit from now (n >= 1) wait, before it commits, until
// that many writes are queued for the next commit (at most holdLimit), so the next commit
// holds them all: the group a slow disk makes of many calls at once. The group-commit crash
// test (tests/crash) kills the process at that next commit.
func HoldAtSync(n, writes int64) {
	holdFor.Store(writes)
	holdAt.Store(syncs.Load() + n)
}

// beforeCommit runs inside j's write transaction of that many writes, under bbolt's writer
// lock, after them.
func beforeCommit(j *Journal, writes int) int64 {
	n := syncs.Add(1)
	groupSize.Store(int64(writes))
	if n == holdAt.Load() {
		j.holdForQueue(int(holdFor.Load()))
	}
	if n == killBefore.Load() {
		// The transaction stays uncommitted for a moment first: a write wrongly answered
		// before its commit would have time to act on it (be "sent"), and be caught.
		time.Sleep(killBeforePause)
		die(n, "before")
	}
	return n
}

// holdForQueue returns once that many writes are queued for the next group commit, or after
// holdLimit.
func (j *Journal) holdForQueue(writes int) {
	for deadline := time.Now().Add(holdLimit); groupCommit && time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		j.group.mu.Lock()
		queued := len(j.group.queue)
		j.group.mu.Unlock()
		if queued >= writes {
			return
		}
	}
}

func afterSync(n int64) {
	if n == killAfter.Load() {
		die(n, "after")
	}
}

// die kills the process, first telling stderr which commit, and how many writes it held, so a
// test can show what its kill hit.
func die(n int64, when string) {
	_, _ = os.Stderr.WriteString("vmp failpoint: killed " + when + " journal commit " + strconv.FormatInt(n, 10) +
		" of " + strconv.FormatInt(groupSize.Load(), 10) + " writes\n")
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL cannot be caught; never go on
}
