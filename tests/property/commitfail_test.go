package property

import (
	"flag"
	"fmt"
	"strconv"
	"time"
)

var commitFailChance = flag.Float64("commit-failures", 0.1, "the chance that a money-moving call (or a pair of repeats) meets failing journal commits")

// Failing journal commits (a full or failing disk) as a fault of the sequences: the till's
// library (the failpoint build, vmpdiag_fail_commits) fails one to three commits of its
// journal in a row, from the call's first to its fourth, before their meta page (nothing of
// them reaches the file) or after it (the commit is told it failed, yet the file holds it,
// and the journal takes no write until vmp is restarted: journal.ErrDiskFailed). vmp.h: a call told VMP_ERR_JOURNAL sent nothing; a write
// that failed so late that the file may hold it ends VMP_ERR_UNKNOWN_OUTCOME. The careful till
// restarts vmp (vmp_close, vmp_init) once a call tells it VMP_ERR_JOURNAL, as
// core/failed_commits_search_test.go's till does.

// commitFailure is how the commits of one call fail; the zero value leaves them alone.
type commitFailure struct {
	from    int  // the first commit that fails, counted from the call (1: the call's first)
	commits int  // how many fail, from that one
	after   bool // after their meta page rather than before it
}

func (f commitFailure) name() string {
	if f.after {
		return "journal commits fail after the meta page"
	}
	return "journal commits fail before the meta page"
}

func (f commitFailure) describe() string {
	return fmt.Sprintf("%s (%d from commit %d)", f.name(), f.commits, f.from)
}

func (f commitFailure) String() string {
	if f.commits == 0 {
		return ""
	}
	return fmt.Sprintf(", %s", f.describe())
}

// maybeFailCommits draws whether commits of the till's journal fail during the next call.
func (r *run) maybeFailCommits() commitFailure {
	if !r.chance(*commitFailChance) {
		return commitFailure{}
	}
	// Mostly from the call's first commit (its entry) or second (its outcome); now and then
	// from a later one: a seen mark, or a commit of what runs beside it.
	f := commitFailure{from: pick(r, []int{1, 1, 2, 2, 3, 4}), commits: 1 + r.rng.IntN(3), after: r.chance(0.5)}
	if without(f.name()) {
		return commitFailure{}
	}
	r.stats.add(func(s *stats) { s.faults[f.name()]++ })
	r.logf("  fault: %s", f.describe())
	return f
}

// armCommitFailure makes the next commits of t's journal fail as f says.
func (r *run) armCommitFailure(t *tillState, f commitFailure) {
	if f.commits == 0 {
		return
	}
	if _, err := t.proc.call("failcommits", t.journal, strconv.Itoa(f.from), strconv.Itoa(f.commits), map[bool]string{true: "after", false: "before"}[f.after]); err != nil {
		r.abort("arming the failing commits: %v", err)
	}
	if t.commitsFailedSince.IsZero() {
		t.commitsFailedSince = time.Now()
	}
}

// disarmCommitFailure stops failing t's commits after a call, now and then a few milliseconds
// late: the write of the call's seen mark (at most internal/payments.SeenFlushDelay after it
// returned) may fail too.
func (r *run) disarmCommitFailure(t *tillState, f commitFailure) {
	if f.commits == 0 || t.proc == nil || !t.proc.alive() {
		return
	}
	if r.chance(0.5) {
		time.Sleep(time.Duration(r.rng.IntN(20)) * time.Millisecond)
	}
	if _, err := t.proc.call("failcommits", t.journal, "0", "0", "before"); err != nil {
		r.abort("disarming the failing commits: %v", err)
	}
}

// seenMayBeLost: commits of t's journal failed in this process, so the seen marks of outcomes
// told since (or just before) may be missing from the file - a commit that failed before its
// meta page held them, or the journal took no write after one that failed past it - as after
// a kill: the outcomes are unacknowledged after the restart until the till acknowledges them.
func (r *run) seenMayBeLost(t *tillState) {
	if t.commitsFailedSince.IsZero() {
		return
	}
	for _, o := range r.ops {
		if o.till == t && o.state != opUnknown && o.calls > 0 && o.toldAt.After(t.commitsFailedSince.Add(-seenWindow)) && !o.ackedOnDisk {
			o.maybeUnacked = true
		}
	}
	t.commitsFailedSince = time.Time{}
}

// restartRefused restarts every till whose journal refused a write (VMP_ERR_JOURNAL), as a
// careful till does: after a commit failed past its meta page no write is taken until then.
func (r *run) restartRefused() {
	for _, t := range r.tills {
		if !t.journalRefused || t.proc == nil || !t.proc.alive() {
			continue
		}
		t.journalRefused = false
		r.logf("till %s restarts vmp: its journal refused a write", t.name)
		r.stopClient(t)
		r.start(t)
		r.afterStart(t)
		r.stats.add(func(s *stats) { s.journalRestarts++ })
	}
}

// applyJournalRefused is what a call told VMP_ERR_JOURNAL means: nothing was sent. The first
// call of an op made nothing; a repeat leaves the op as its earlier calls left it (an unknown
// outcome stays unknown). Either way the till may make it again after the restart.
func (r *run) applyJournalRefused(o *op) {
	t := o.till
	t.journalRefused = true
	if t.commitsFailedSince.IsZero() {
		r.fail("%s: VMP_ERR_JOURNAL, though no journal commit was made to fail in this process", o)
	}
	switch {
	case o.state == opDone:
		r.logf("  note: %s happened; a concurrent repeat was refused by the journal, nothing sent", o)
	case o.state == opUnknown && o.calls > 1:
		// An earlier call may have been carried out; this one sent nothing.
	default:
		o.state, o.retryable = opFailed, true
	}
}
