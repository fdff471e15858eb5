package property

import (
	"flag"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Vipps' event log lagging behind the payment (the simulator's event_log_lag): vmp decides
// from the log whether an operation happened - recovery, a failure's settlement, the capture
// check, a failed operation sent again - and counts "not listed" as "not listed yet" only
// within its in-flight window (InFlightLimit: twice request_ms, 1 s here; for an attempt of a
// process that died, operation_ms plus that, 3.5 s). The lags drawn are shorter than the window,
// longer than it, longer than a dead process's, two minutes (on the simulator's clock: the
// calls before the last listed, the last not), and one that lasts until the till has done a
// few more things. Once armed a lag stays for the rest of the sequence (or until released), on
// every payment or on one; the simulator's clock, moved a minute before every money-moving
// call, ends a lag shorter than that for what happened before.

var lagChance = flag.Float64("event-log-lags", 0.1, "the chance that a money-moving call arms an event log that lags (when none is armed)")

// lagChoice is one kind of lag the sequences draw.
type lagChoice struct {
	name string
	lag  time.Duration
	// release: the lag ends after this many more actions of the till (0: it stays).
	release bool
}

var lagChoices = []lagChoice{
	{name: "event log lags 0.3s", lag: 300 * time.Millisecond},
	{name: "event log lags 2s", lag: 2 * time.Second},
	{name: "event log lags 8s", lag: 8 * time.Second},
	// On the simulator's clock, moved 61 s before each money-moving call: the log lists what
	// happened two such calls ago, not the latest (the payment's creation, not its capture).
	{name: "event log lags 2 min", lag: 2 * time.Minute},
	{name: "event log lags until released", lag: time.Hour, release: true},
	{name: "event log lags until released", lag: time.Hour, release: true},
}

// maybeLag arms, now and then, an event log that lags from this money-moving call of o on.
func (r *run) maybeLag(o *op) {
	if r.lagFault != "" || !r.chance(*lagChance) {
		return
	}
	c := pick(r, lagChoices)
	if without(c.name) {
		return
	}
	ref, scope := "", "every payment"
	if o.sale.payRef != "" && r.chance(0.5) {
		ref, scope = o.sale.payRef, "payment "+o.sale.payRef
	}
	id, err := r.sim.InjectFault(sim.Fault{Kind: sim.FaultEventLogLag, Reference: ref, Times: -1, Delay: c.lag})
	if err != nil {
		r.abort("injecting an event-log lag: %v", err)
	}
	r.faults = append(r.faults, id)
	r.lagFault = id
	if c.release {
		r.lagRelease = 1 + r.rng.IntN(6)
	}
	r.logf("  fault: %s on %s (from %s on)", c.name, scope, o)
	r.stats.add(func(s *stats) { s.faults[c.name]++ })
}

// releaseLag ends a lag that lasts until released once its actions are done: the log then
// lists everything at once.
func (r *run) releaseLag() {
	if r.lagRelease == 0 {
		return
	}
	if r.lagRelease--; r.lagRelease == 0 {
		r.sim.RemoveFault(r.lagFault)
		r.logf("  the event log catches up (lag released)")
	}
}
