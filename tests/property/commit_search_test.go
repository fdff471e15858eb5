package property

import (
	"strings"
	"testing"
	"time"
)

// searchEveryCommit runs every scenario of killScenarios with something done at its nth
// journal commit from the call's start (n from 1, through the vmp_close after it), both ways
// (flag false and true: after or before the meta page, say), one run each, until at reports
// that the call and its close made fewer than n commits. where names a run in its failure.
// The kill search and the failing-commit search are this loop with their own at.
func searchEveryCommit(t *testing.T, name string, seedBase int64, at func(r *run, sc killScenario, n int, flag bool) (reached bool), where func(sc killScenario, n int, flag bool) string) {
	tb := newTestbed(t)
	w := tb.worker(t, 0)
	defer w.close()
	st := newStats()
	start := time.Now()
	runs, failed := 0, 0
	for si, sc := range killScenarios() {
		for _, flag := range []bool{false, true} {
			for n := 1; n <= 40; n++ {
				seed := seedBase + int64(si*1000+n*2)
				if flag {
					seed++
				}
				var reached bool
				r := w.script(seed, st, func(r *run) { reached = at(r, sc, n, flag) })
				runs++
				if len(r.failures) > 0 {
					failed++
					t.Errorf("%s:\n  %s\nsequence:\n%s", where(sc, n, flag), strings.Join(r.failures, "\n  "), strings.Join(r.log, "\n"))
				} else if *showLogs {
					t.Logf("%s:\n%s", where(sc, n, flag), strings.Join(r.log, "\n"))
				}
				if !reached {
					break // the call and its close made fewer commits than n
				}
			}
		}
	}
	t.Logf("%s: %d runs (%d failing) over %d calls in %s", name, runs, failed, len(killScenarios()), time.Since(start).Round(time.Second))
}
