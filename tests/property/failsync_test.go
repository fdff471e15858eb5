package property

import (
	"flag"
	"strconv"
	"testing"
	"time"
)

var commitFailSearch = flag.Bool("commit-fail-search", false, "run TestFailAtEveryJournalCommit (make property)")

// TestFailAtEveryJournalCommit is the kill search's twin for a failing disk: every money-moving
// call of killScenarios has its journal's nth commit from the call's start (through the
// vmp_close after it) fail, before its meta page and after it - one run per commit - through
// the C ABI. The careful till restarts vmp, acknowledges from vmp_pending what it had been told,
// repeats what it never saw the outcome of, and makes again a call told VMP_ERR_JOURNAL
// (nothing sent). The simulator must then hold the operation exactly as often as the till was
// told. Only with -commit-fail-search (make property): make test's budget has no room for it.
func TestFailAtEveryJournalCommit(t *testing.T) {
	if !*commitFailSearch {
		t.Skip("the failing-commit search runs with -commit-fail-search (make property)")
	}
	searchEveryCommit(t, "failing-commit search", 2_000_000, failAt, func(sc killScenario, n int, after bool) string {
		return sc.name + ", " + commitFailure{from: n, commits: 1, after: after}.describe()
	})
}

// failAt runs one scenario with the nth commit from the call's start failing, and reports
// whether the call and the close after it made n commits.
func failAt(r *run, sc killScenario, n int, after bool) bool {
	a, target := scenarioCall(r, sc)
	f := commitFailure{from: n, commits: 1, after: after}
	r.logf("%s, %s", target, f.describe())
	before := r.syncs(a)
	r.armCommitFailure(a, f)
	target.noteFirstCall()
	verb, args := target.args()
	res, err := a.proc.send(false, verb, args...).wait(a.proc)
	if err != nil {
		r.abort("%v", err)
	}
	r.apply(target, res, killPlan{})
	r.noteJournalKnows(target, res)
	r.stopClient(a) // the commits after the call (its outcome seen, the close) count too
	reached := r.syncs(a)-before >= int64(n)
	r.disarmCommitFailure(a, f)
	r.clearFaults()
	r.waitHolds()
	r.start(a)
	r.reconcile(a, false)
	if res.Status == "VMP_ERR_JOURNAL" && target.state == opFailed && target.retryable {
		r.logf("the call told VMP_ERR_JOURNAL made again: %s", target)
		r.clock.Advance(61 * time.Second)
		if again := r.call(target, killPlan{}); again.Status == "VMP_ERR_JOURNAL" {
			r.fail("%s: VMP_ERR_JOURNAL again after the restart, on a sound disk", target)
		}
	}
	r.resolve()
	r.checkMoney("after the restart and the repeat")
	return reached
}

// syncs is the number of journal commits t's process made so far.
func (r *run) syncs(t *tillState) int64 {
	res, err := t.proc.call("syncs")
	if err != nil || !res.ok() {
		r.abort("syncs: %v %s", err, res)
	}
	n, _ := strconv.ParseInt(res.Fields["syncs"], 10, 64)
	return n
}
