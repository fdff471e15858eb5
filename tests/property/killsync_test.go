package property

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// killScenario is one money-moving call the search kills at each of its journal commits.
type killScenario struct {
	name  string
	kind  string
	opID  string // "" none; a create: an explicit reference when "ref"
	phone string // the customer: an abort needs one who waits
	flags int
	fault string // "", "drop" (the retry inside the call is answered by replay), "unknown" (the call ends UNKNOWN)
	// alike: an identical call without an id returned just before (a second sale or capture
	// of the same amount): the killed call is a new operation, and so is its repeat.
	alike bool
}

var killSearchAll = flag.Bool("kill-search-all", false, "TestKillAtEveryJournalCommit: also the calls whose answer is lost once, or lost and then refused (make property)")

func killScenarios() []killScenario {
	var out []killScenario
	faults := []string{""}
	if *killSearchAll {
		faults = append(faults, "drop", "unknown")
	}
	for _, fault := range faults {
		for _, withID := range []bool{true, false} {
			id := map[bool]string{true: "id-1", false: ""}[withID]
			out = append(out,
				killScenario{kind: kindCreate, opID: map[bool]string{true: "ref", false: ""}[withID], phone: phoneApproves},
				killScenario{kind: kindCapture, opID: id, phone: phoneApproves},
				killScenario{kind: kindRefund, opID: id, phone: phoneApproves},
				killScenario{kind: kindCancel, opID: id, phone: phoneApproves},
				killScenario{kind: kindCancel, opID: id, phone: phoneWaits, flags: 1})
		}
		for i := len(out) - 10; i < len(out); i++ {
			s := &out[i]
			s.fault = fault
			s.name = s.kind
			if s.flags == 1 {
				s.name = "abort"
			}
			if s.opID != "" {
				s.name += " with id"
			} else {
				s.name += " without id"
			}
			if fault != "" {
				s.name += ", " + map[string]string{"drop": "answer lost once", "unknown": "answer lost, then 429 with a long Retry-After"}[fault]
			}
		}
	}
	for _, kind := range []string{kindCreate, kindCapture, kindRefund} {
		out = append(out, killScenario{name: kind + " without id right after an alike one returned", kind: kind, phone: phoneApproves, alike: true})
	}
	return out
}

// TestKillAtEveryJournalCommit is the search of issue 14 case 13: for every money-moving call
// (checkout, capture, refund, cancel, abort; with and without an id; without an id right after
// an alike call returned), the till is killed just
// before and just after each journal commit (fdatasync) from the call's start through the
// vmp_close after it - one run per commit - then restarted on the same journal; it
// acknowledges from vmp_pending what it had been told and repeats, as vmp.h prescribes, the call
// whose outcome it never saw. The simulator must then hold the operation exactly as often as
// the till was told: once, or not at all when it was told it failed.
func TestKillAtEveryJournalCommit(t *testing.T) {
	searchEveryCommit(t, "kill search", 1_000_000, killAt, func(sc killScenario, n int, before bool) string {
		return fmt.Sprintf("%s, killed %s journal commit %d of the call", sc.name, map[bool]string{true: "before", false: "after"}[before], n)
	})
}

// killAt runs one scenario with a kill armed at the nth journal commit and reports whether it
// fired.
func killAt(r *run, sc killScenario, n int, before bool) bool {
	a, target := scenarioCall(r, sc)
	r.logf("%s, kill armed %s journal commit %d", target, map[bool]string{true: "before", false: "after"}[before], n)
	if _, err := a.proc.call("killsync", fmt.Sprint(n), map[bool]string{true: "before", false: "after"}[before]); err != nil {
		r.abort("arming the kill: %v", err)
	}
	target.noteFirstCall()
	verb, args := target.args()
	res, err := a.proc.send(false, verb, args...).wait(a.proc)
	if err != nil {
		r.abort("%v", err)
	}
	r.apply(target, res, killPlan{on: true, atSync: n, before: before})
	if a.proc.alive() {
		r.stopClient(a) // the commits after the call (its outcome seen, the close) count too
	}
	fired := !a.proc.alive() && a.proc.diedOfKill()
	if fired {
		r.killed(a)
	} else if _, err := a.proc.call("killsync", "0", "after"); err != nil {
		r.abort("disarming: %v", err)
	}
	r.clearFaults()
	r.waitHolds()
	r.start(a)
	r.reconcile(a, false)
	r.resolve()
	r.checkMoney("after the restart and the repeat")
	return fired
}

// scenarioCall sets a scenario up to the call it searches (the checkout, or the capture,
// refund or cancel after it; the second of two alike calls) with its simulator fault armed, and
// returns the till and that call, not yet made. The kill search and the failing-commit search
// (failsync_test.go) share it.
func scenarioCall(r *run, sc killScenario) (*tillState, *op) {
	r.repeatOnly = true
	a := r.tills[0]
	r.start(a)
	r.ackNewJournal(a)
	s := &sale{n: 0, amount: 10000, phone: sc.phone, desc: "Purchase"}
	if sc.kind == kindCreate && sc.opID == "ref" {
		s.ref = r.store + "-r0"
	}
	r.sales = append(r.sales, s)
	s.create = r.newOp(kindCreate, s, a, s.amount, "")
	target := s.create
	if sc.kind != kindCreate {
		r.call(s.create, killPlan{})
		if sc.kind == kindRefund {
			r.call(r.newOp(kindCapture, s, a, s.amount, ""), killPlan{})
		}
		target = r.newOp(sc.kind, s, a, 4000, sc.opID)
		target.flags = sc.flags
	}
	if sc.alike {
		// The first of two alike calls returns; the second is the one killed.
		first := target
		r.call(first, killPlan{})
		if sc.kind == kindCreate {
			s2 := &sale{n: 1, amount: s.amount, phone: s.phone, desc: s.desc}
			r.sales = append(r.sales, s2)
			s2.create = r.newOp(kindCreate, s2, a, s2.amount, "")
			target, s = s2.create, s2
		} else {
			target = r.newOp(sc.kind, s, a, first.amount, "")
		}
	}
	r.clock.Advance(61 * time.Second)
	ref := s.ref
	if sc.kind != kindCreate {
		ref = s.payRef
	}
	switch sc.fault {
	case "drop":
		r.inject(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sc.kind, Reference: ref, Times: 1})
	case "unknown":
		r.inject(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: sc.kind, Reference: ref, Times: 1})
		// A Retry-After beyond the call's budget ends it at once, unknown.
		r.inject(sim.Fault{Kind: sim.FaultStatus, Operation: sc.kind, Reference: ref, Status: 429, RetryAfter: time.Minute, Times: 1})
	}
	return a, target
}
