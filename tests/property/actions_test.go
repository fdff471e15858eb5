package property

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// An action is one thing a till does; it reports false when it does not apply now (no sale to
// capture, say), and the generator draws another.
type action struct {
	name   string
	weight int
	do     func(r *run) bool
}

var actions = []action{
	{"sale", 14, (*run).actSale},
	{"capture", 12, (*run).actCapture},
	{"refund", 8, (*run).actRefund},
	{"cancel", 4, (*run).actCancel},
	{"repeat", 16, (*run).actRepeat},
	{"poll", 3, (*run).actPoll},
	{"restart", 5, (*run).actRestart},
	{"kill idle", 2, (*run).actKillIdle},
	{"simulator clock +25h", 1, (*run).actSimJump},
	{"recover", 3, (*run).actRecover},
	{"pending", 3, (*run).actPending},
	{"two tills", 3, (*run).actTwoTills},
	{"customer", 3, (*run).actCustomer},
	{"ack new journal", 2, (*run).actAckNewJournal},
}

// without is -without: actions and faults (by the start of their names) left out of the
// random sequences, to look past a finding that is known already.
func without(name string) bool {
	for _, w := range strings.Split(*withoutFlag, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.HasPrefix(name, w) {
			return true
		}
	}
	return false
}

func (r *run) step() {
	r.restartRefused()
	total := 0
	for _, a := range actions {
		if !without(a.name) {
			total += a.weight
		}
	}
	for tries := 0; tries < 20; tries++ {
		n := r.rng.IntN(total)
		for _, a := range actions {
			if without(a.name) {
				continue
			}
			if n -= a.weight; n < 0 {
				start := time.Now()
				if a.do(r) {
					r.releaseLag()
					took := time.Since(start)
					r.stats.add(func(s *stats) { s.actions[a.name]++; s.time[a.name] += took })
					return
				}
				break
			}
		}
	}
}

func (r *run) chance(p float64) bool { return r.rng.Float64() < p }

func pick[T any](r *run, xs []T) T { return xs[r.rng.IntN(len(xs))] }

// ---- money-moving calls with faults and kills ------------------------------------------------

// money runs one call of o as an action: a fresh rate-limit minute at the simulator, maybe a
// fault injected for it, maybe a kill inside it.
func (r *run) money(o *op) result {
	r.clock.Advance(61 * time.Second)
	r.maybeLag(o)
	delay := r.maybeFault(o)
	plan := r.maybeKill(delay)
	plan.fail = r.maybeFailCommits()
	res := r.call(o, plan)
	if res.Status == "VMP_ERR_UNKNOWN_OUTCOME" && r.chance(0.3) && r.canRepeat(o) {
		r.logf("repeat at once: %s", o)
		r.clock.Advance(61 * time.Second)
		res = r.call(o, killPlan{})
	}
	return res
}

func (r *run) faultRef(o *op) string {
	if o.kind == kindCreate {
		return o.sale.ref // "" (a generated reference): the next create anywhere
	}
	return o.sale.payRef
}

// maybeFault injects a fault for the next request(s) of o, and returns how long a delay fault
// holds a request (0 without one).
func (r *run) maybeFault(o *op) time.Duration {
	if !r.chance(0.35) {
		return 0
	}
	ref, opName := r.faultRef(o), o.kind
	f := func(kind sim.FaultKind, times int) sim.Fault {
		return sim.Fault{Kind: kind, Operation: opName, Reference: ref, Times: times}
	}
	status := func(code, times int) sim.Fault {
		x := f(sim.FaultStatus, times)
		x.Status = code
		return x
	}
	read := func(op string, code, times int) sim.Fault {
		return sim.Fault{Kind: sim.FaultStatus, Operation: op, Reference: o.sale.payRef, Status: code, Times: times}
	}
	var faults []sim.Fault
	var name string
	switch n := r.rng.IntN(13); n {
	case 0:
		name, faults = "drop after commit", []sim.Fault{f(sim.FaultDropAfterCommit, 1)}
	case 1:
		name, faults = "close before", []sim.Fault{f(sim.FaultCloseBefore, 1+r.rng.IntN(2))}
	case 2:
		code := pick(r, []int{500, 502, 503})
		name, faults = fmt.Sprintf("status %d", code), []sim.Fault{status(code, 1+r.rng.IntN(2))}
	case 3:
		name, faults = "423", []sim.Fault{status(423, 1)}
	case 4:
		d := f(sim.FaultDelay, 1)
		d.Delay = 700 * time.Millisecond
		name, faults = "delay past the request timeout", []sim.Fault{d}
	case 5:
		name, faults = "truncated body", []sim.Fault{f(sim.FaultTruncatedBody, 1)}
	case 6:
		name, faults = "malformed JSON", []sim.Fault{f(sim.FaultMalformedJSON, 1)}
	case 7, 8:
		// Case 2 of issue 14: the first attempt is carried out, its answer lost; the retry is
		// answered with a 4xx.
		code := pick(r, []int{400, 401, 403, 409})
		name, faults = fmt.Sprintf("4xx after commit (%d)", code), []sim.Fault{f(sim.FaultDropAfterCommit, 1), status(code, 1)}
	case 9:
		// Longer than the call's five attempts: it ends, and the library's per-payment window
		// (five a minute) is full for a while.
		if r.chance(0.5) {
			name, faults = "outage", []sim.Fault{status(503, 6)}
		} else {
			name, faults = "drop after commit, then an outage", []sim.Fault{f(sim.FaultDropAfterCommit, 1), status(503, 6)}
		}
	case 10:
		if o.sale.payRef == "" {
			return 0
		}
		code := pick(r, []int{500, 503})
		name, faults = "reads fail", []sim.Fault{read(sim.OperationGet, code, 1+r.rng.IntN(4)), read(sim.OperationEvents, code, 1+r.rng.IntN(4))}
	case 12:
		// Vipps' transient ErrorCodes (case 12): 6250 on a cancel (the customer is approving),
		// 6260 and 6280 on a capture or refund; retried with the same key, longer than the call
		// too; and after an attempt whose answer was lost.
		code := map[string]int{kindCancel: 6250, kindCapture: pick(r, []int{6260, 6280}), kindRefund: 6260}[o.kind]
		if code == 0 {
			return 0
		}
		x := status(400, pick(r, []int{1, 2, 6}))
		x.ErrorCode = code
		name, faults = fmt.Sprintf("ErrorCode %d", code), []sim.Fault{x}
		if r.chance(0.3) {
			name, faults = fmt.Sprintf("drop after commit, then ErrorCode %d", code), []sim.Fault{f(sim.FaultDropAfterCommit, 1), x}
		}
	case 11:
		name, faults = "token endpoint fails", []sim.Fault{{Kind: sim.FaultStatus, Operation: sim.OperationToken, Status: 503, Times: 1}}
	}
	if without(name) {
		return 0
	}
	var delay time.Duration
	for _, x := range faults {
		r.inject(x)
		delay = max(delay, x.Delay)
	}
	r.logf("  fault: %s on %s", name, opName)
	r.stats.add(func(s *stats) { s.faults[name]++ })
	return delay
}

func (r *run) maybeKill(delay time.Duration) killPlan {
	if !r.chance(0.12) {
		return killPlan{}
	}
	if r.chance(0.5) {
		return killPlan{on: true, atSync: 1 + r.rng.IntN(5), before: r.chance(0.5)}
	}
	window := 4 * time.Millisecond
	if delay > 0 {
		window = delay + 200*time.Millisecond
	}
	return killPlan{on: true, instant: time.Duration(r.rng.Int64N(int64(window)))}
}

// ---- sales ---------------------------------------------------------------------------------------

func (r *run) actSale() bool {
	t := r.tills[0]
	s := &sale{n: len(r.sales), amount: 10000 + 1000*int64(len(r.sales)) + int64(r.rng.IntN(900)),
		phone: phoneApproves, desc: "Purchase"}
	switch x := r.rng.Float64(); {
	case x < 0.10:
		s.phone = phoneWaits
	case x < 0.14:
		s.phone = phoneUnknown
	}
	if r.chance(0.5) {
		s.desc = "Sale " + strconv.Itoa(s.n)
	}
	if !t.unitGone && r.chance(0.25) {
		s.unit = 1
	}
	s.qr, s.receipt = r.chance(0.2), r.chance(0.3)
	if like := r.alikeSale(); like != nil && r.chance(0.15) {
		// Two alike sales: the first one's outcome was seen, so this is a new sale.
		s.amount, s.phone, s.desc, s.unit, s.qr = like.amount, like.phone, like.desc, like.unit, like.qr
		r.logf("sale %d: alike to sale %d", s.n, like.n)
	} else if r.chance(0.5) {
		s.ref = r.store + "-r" + strconv.Itoa(s.n)
	}
	r.sales = append(r.sales, s)
	o := r.newOp(kindCreate, s, t, s.amount, "")
	s.create = o
	r.logf("checkout: %s", s)
	r.money(o)
	return true
}

// alikeSale is a sale without reference whose checkout class has only ops with a definite
// outcome the till saw (so an identical checkout now is a new sale), or nil.
func (r *run) alikeSale() *sale {
	var cands []*sale
	for _, s := range r.sales {
		if s.ref == "" && s.create.till == r.tills[0] && r.settledClass(s.create) && (s.unit == 0 || !r.tills[0].unitGone) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return pick(r, cands)
}

// settledClass: every op the library would compare with a new call like o has a definite
// outcome the till saw, and the journal surely knows it saw it.
func (r *run) settledClass(o *op) bool {
	for _, p := range r.ops {
		if p.sameIntent(o) && (p.state == opUnknown || p.maybeUnacked || p.orphan) {
			return false
		}
	}
	return true
}

// usable: the till can act on the sale now (its payment known, its unit configured).
func (r *run) usable(s *sale, t *tillState) bool {
	return s.payRef != "" && s.create.state == opDone && (s.unit == 0 || !t.unitGone)
}

func (r *run) sums(s *sale) (captured, maybeCaptured, refunded, maybeRefunded int64, cancelled bool) {
	for _, o := range r.ops {
		if o.sale != s {
			continue
		}
		switch {
		case o.kind == kindCapture && o.state == opDone:
			captured += o.amount
		case o.kind == kindCapture && o.state == opUnknown:
			maybeCaptured += o.amount
		case o.kind == kindRefund && o.state == opDone:
			refunded += o.amount
		case o.kind == kindRefund && o.state == opUnknown:
			maybeRefunded += o.amount
		case o.kind == kindCancel && o.state != opFailed:
			cancelled = true
		}
	}
	return
}

func (r *run) pickSale(t *tillState, ok func(*sale) bool) *sale {
	var cands []*sale
	for _, s := range r.sales {
		if r.usable(s, t) && ok(s) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return pick(r, cands)
}

// amountFor gives an amount no other op of the kind on the sale has, near want, or (alike) the
// amount of an earlier op without id whose outcome the till saw.
func (r *run) amountFor(kind string, s *sale, t *tillState, want int64) int64 {
	if r.chance(0.12) {
		var cands []*op
		for _, o := range r.ops {
			if o.sale == s && o.kind == kind && o.till == t && o.opID == "" && r.settledClass(o) {
				cands = append(cands, o)
			}
		}
		if len(cands) > 0 {
			return pick(r, cands).amount
		}
	}
	want = max(want, 1)
	for used := true; used; {
		used = false
		for _, o := range r.ops {
			if o.sale == s && o.kind == kind && o.amount == want {
				used, want = true, want+1
			}
		}
	}
	return want
}

func (r *run) opID(prefix string) string {
	if r.chance(0.5) {
		return fmt.Sprintf("%s%d", prefix, len(r.ops))
	}
	return ""
}

func (r *run) actCapture() bool {
	t := r.tills[0]
	s := r.pickSale(t, func(s *sale) bool { return s.phone != phoneUnknown })
	if s == nil {
		return false
	}
	captured, maybe, _, _, _ := r.sums(s)
	rest := s.amount - captured - maybe
	want := rest
	switch x := r.rng.Float64(); {
	case rest <= 0 || x < 0.08:
		want = s.amount/3 + 1 // more than is left: Vipps refuses it (6090), or it fits
	case x < 0.5:
		want = rest / 2
	}
	o := r.newOp(kindCapture, s, t, r.amountFor(kindCapture, s, t, want), r.opID("cap-"))
	r.logf("capture: %s", o)
	r.money(o)
	return true
}

func (r *run) actRefund() bool {
	t := r.tills[0]
	s := r.pickSale(t, func(s *sale) bool {
		captured, _, refunded, maybe, _ := r.sums(s)
		return captured-refunded-maybe > 0
	})
	if s == nil {
		return false
	}
	captured, _, refunded, maybe, _ := r.sums(s)
	left := captured - refunded - maybe
	want := left
	if r.chance(0.5) {
		want = left/2 + 1
	}
	o := r.newOp(kindRefund, s, t, r.amountFor(kindRefund, s, t, want), r.opID("ret-"))
	r.logf("refund: %s", o)
	r.money(o)
	return true
}

func (r *run) actCancel() bool {
	t := r.tills[0]
	s := r.pickSale(t, func(s *sale) bool { _, _, _, _, c := r.sums(s); return !c && s.phone != phoneUnknown })
	if s == nil {
		return false
	}
	o := r.newOp(kindCancel, s, t, 0, r.opID("abort-"))
	if s.phone == phoneWaits || r.chance(0.2) {
		o.flags = 1 // the till's abort: only while the customer has not approved
	}
	r.logf("cancel: %s", o)
	r.money(o)
	return true
}

// ---- repeats -------------------------------------------------------------------------------------

// repeatable lists the ops a till repeats as vmp.h says: unknown outcome (not beyond the
// journal's reach), or a passing failure.
func (r *run) repeatable() []*op {
	var out []*op
	for _, o := range r.ops {
		if !r.canRepeat(o) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func (r *run) canRepeat(o *op) bool {
	t := o.till
	if o.orphan || o.lost || (o.sale.unit == 1 && t.unitGone) || t.proc == nil || !t.proc.alive() {
		return false
	}
	if o.state != opUnknown && !(o.state == opFailed && o.retryable) {
		return false
	}
	if o.state == opFailed && o.opID == "" {
		for _, p := range r.ops {
			if p != o && p.state == opUnknown && !p.orphan && !p.lost && takenForRepeatOf(o, p) {
				// Without an id, vmp takes a call alike to an operation whose outcome the till
				// has not seen for that one's repeat (vmp.h): the careful till repeats that one.
				// Made as this op's, it was given the other's payment, and the other's "repeats"
				// were then new sales (seed 827519871084); or the other's capture, told done
				// twice (seed 789846137873).
				return false
			}
		}
	}
	if o.kind == kindCreate {
		// An unknown checkout without reference matches for 10 minutes only; the till reads it.
		return o.sale.ref != "" || t.libNow().Sub(o.born) < checkoutMatchAge-time.Minute || o.state == opFailed
	}
	return o.sale.payRef != ""
}

// takenForRepeatOf: vmp takes a call of o, which has no id, for the repeat of p while p's
// outcome is unseen - p asks for the same (vmp.h: a capture or refund's payment and amount, a
// cancel's flags, with or without an id of its own; a checkout's class).
func takenForRepeatOf(o, p *op) bool {
	if o.kind == kindCreate {
		return p.sameIntent(o)
	}
	return p.till == o.till && p.kind == o.kind && p.sale == o.sale && p.amount == o.amount && p.flags == o.flags
}

func (r *run) actRepeat() bool {
	cands := r.repeatable()
	if len(cands) == 0 {
		return false
	}
	o := pick(r, cands)
	if o.kind == kindCreate && o.sale.receipt && r.chance(0.3) {
		// The till printed a new receipt number for the retry (case 11): still the same sale.
		o.sale.receiptNo++
		r.logf("receipt of %s renumbered for the repeat", o.sale)
	}
	switch x := r.rng.Float64(); {
	case x < 0.45:
		r.logf("repeat: %s", o)
		r.money(o)
	case x < 0.55:
		r.logf("repeat with a kill: %s", o)
		r.clock.Advance(61 * time.Second)
		plan := r.maybeKillSure()
		plan.fail = r.maybeFailCommits()
		r.call(o, plan)
	case x < 0.78 && (o.opID != "" || o.last == "VMP_ERR_UNKNOWN_OUTCOME" || o.kind == kindCreate && o.sale.ref != ""):
		r.repeatTwice(o)
	default:
		r.repeatDuringRecover(o)
	}
	return true
}

func (r *run) maybeKillSure() killPlan {
	for {
		if k := r.maybeKill(0); k.on {
			return k
		}
	}
}

// holdNext makes the simulator hold o's next request (for a create being resolved: the read
// of its payment), so concurrent calls overlap.
func (r *run) holdNext(o *op, hold time.Duration) {
	ref := r.faultRef(o)
	opName := o.kind
	if o.kind == kindCreate && o.sale.payRef != "" {
		ref = o.sale.payRef
	}
	f := sim.Fault{Kind: sim.FaultDelay, Operation: opName, Reference: ref, Times: 1, Delay: hold}
	r.inject(f)
	if o.kind == kindCreate && o.sale.payRef != "" {
		f.Operation = sim.OperationGet
		r.inject(f)
	}
}

// repeatTwice: two repeats of one operation at once, from two threads (case 7).
func (r *run) repeatTwice(o *op) {
	r.logf("two repeats at once: %s", o)
	r.clock.Advance(61 * time.Second)
	r.holdNext(o, 300*time.Millisecond)
	t := o.till
	fail := r.maybeFailCommits()
	r.armCommitFailure(t, fail)
	o.noteFirstCall()
	o.calls++
	verb, args := o.args()
	c1 := t.proc.sendPaired(verb, args...) // neither can return before the other is made
	c2 := t.proc.sendPaired(verb, args...)
	res1, err1 := c1.wait(t.proc)
	res2, err2 := c2.wait(t.proc)
	if err1 != nil || err2 != nil {
		r.abort("two repeats: %v %v", err1, err2)
	}
	if _, err := t.proc.call("wait"); err != nil {
		r.abort("two repeats: %v", err)
	}
	r.disarmCommitFailure(t, fail)
	if res2.Seq < res1.Seq { // the model takes the answers in the order the till got them
		res1, res2 = res2, res1
	}
	r.apply(o, res1, killPlan{})
	r.apply(o, res2, killPlan{})
	r.noteJournalKnows(o, res1)
	r.noteJournalKnows(o, res2)
	if o.kind == kindCreate && res1.ok() && res2.ok() && res1.Fields["ref"] != res2.Fields["ref"] {
		r.fail("%s: two repeats at once got two payments, %s and %s", o, res1.Fields["ref"], res2.Fields["ref"])
	}
	r.stats.add(func(s *stats) { s.concurrent++ })
}

// repeatDuringRecover: the till repeats o while vmp_recover works on another thread (case 1).
func (r *run) repeatDuringRecover(o *op) {
	r.logf("repeat during vmp_recover: %s", o)
	r.clock.Advance(61 * time.Second)
	r.holdNext(o, 300*time.Millisecond)
	t := o.till
	fail := r.maybeFailCommits()
	r.armCommitFailure(t, fail)
	o.noteFirstCall()
	verb, args := o.args()
	rec := t.proc.send(true, "recover", "3000")
	time.Sleep(time.Duration(r.rng.IntN(40)) * time.Millisecond)
	c := t.proc.send(true, verb, args...)
	res, err := c.wait(t.proc)
	if err != nil {
		r.abort("repeat during recover: %v", err)
	}
	if _, err := rec.wait(t.proc); err != nil {
		r.abort("recover: %v", err)
	}
	if _, err := t.proc.call("wait"); err != nil {
		r.abort("repeat during recover: %v", err)
	}
	r.disarmCommitFailure(t, fail)
	r.apply(o, res, killPlan{})
	r.noteJournalKnows(o, res)
	r.stats.add(func(s *stats) { s.concurrent++ })
}

// actPoll settles an unknown checkout by reading its payment (vmp.h's first option).
func (r *run) actPoll() bool {
	var cands []*op
	for _, o := range r.ops {
		if o.kind == kindCreate && o.state == opUnknown && o.sale.payRef != "" && !o.lost &&
			(o.sale.unit == 0 || !o.till.unitGone) && o.till.proc.alive() {
			cands = append(cands, o)
		}
	}
	if len(cands) == 0 {
		return false
	}
	r.poll(pick(r, cands))
	return true
}

// poll reads the payment of an unknown checkout; VMP_OK settles it (the payment exists).
func (r *run) poll(o *op) {
	t, s := o.till, o.sale
	res, err := t.proc.call("poll", t.unitArg(s), s.payRef, "0")
	if err != nil {
		r.abort("poll: %v", err)
	}
	r.logf("poll %s of %s: %s", s.payRef, s, res)
	if res.ok() {
		o.state = opDone
		o.history = append(o.history, "settled by poll")
	}
}

// ---- restarts, kills, clocks ---------------------------------------------------------------------

func (r *run) actRestart() bool {
	t := r.tills[0]
	if r.tills[1].proc != nil && r.chance(0.3) {
		t = r.tills[1]
	}
	var what []string
	lose := r.chance(0.12)
	switch x := r.rng.Float64(); {
	case x < 0.25:
		jump := pick(r, []int64{11 * 60, 25 * 3600, 31 * 24 * 3600})
		t.offset += jump
		t.highOffset = max(t.highOffset, t.offset)
		what = append(what, fmt.Sprintf("library clock +%s", time.Duration(jump)*time.Second))
	case x < 0.33 && !without("library clock set back"):
		// Set back (a wrong NTP step, a dead CMOS battery): entries written "in the future".
		jump := pick(r, []int64{90, 11 * 60, 25 * 3600})
		t.offset -= jump
		what = append(what, fmt.Sprintf("library clock set back %s", time.Duration(jump)*time.Second))
		r.stats.add(func(s *stats) { s.faults["library clock set back"]++ })
	}
	switch x := r.rng.Float64(); {
	case x < 0.2 && !t.unitGone:
		t.unitGen++
		what = append(what, "sales unit renamed to "+t.unitName())
	case x < 0.3 && !t.unitGone:
		t.unitGone = true
		what = append(what, "sales unit left out")
	case x < 0.6 && t.unitGone:
		t.unitGone = false
		t.unitGen++
		what = append(what, "sales unit back as "+t.unitName())
	}
	r.logf("restart of till %s %v", t.name, what)
	if lose {
		r.logf("  journal of till %s lost", t.name)
		r.loseJournal(t)
	} else {
		r.stopClient(t)
	}
	r.start(t)
	r.afterStart(t)
	return true
}

// afterStart is what a careful till does after vmp_init: it reads vmp_pending and
// acknowledges what it already knows; after a new journal it may accept the loss at once.
func (r *run) afterStart(t *tillState) {
	if t.newJournal && r.chance(0.6) {
		r.ackNewJournal(t)
	}
	r.reconcile(t, true)
}

func (r *run) actKillIdle() bool {
	t := r.tills[0]
	if t.proc == nil || !t.proc.alive() {
		return false
	}
	r.logf("till %s killed between calls", t.name)
	t.proc.kill()
	r.killed(t)
	r.start(t)
	r.afterStart(t)
	return true
}

func (r *run) actSimJump() bool {
	r.logf("simulator clock +25h (Vipps forgets idempotency keys)")
	r.clock.Advance(25 * time.Hour)
	r.stats.add(func(s *stats) { s.simJumps++ })
	return true
}

func (r *run) actRecover() bool {
	t := r.tills[0]
	res, err := t.proc.call("recover", "3000")
	if err != nil {
		r.abort("recover: %v", err)
	}
	r.logf("vmp_recover on till %s: %s %s", t.name, res.Status, shorten(res.JSON))
	return true
}

func (r *run) actPending() bool {
	t := r.tills[0]
	if r.tills[1].proc != nil && r.chance(0.3) {
		t = r.tills[1]
	}
	r.reconcile(t, false)
	return true
}

func (r *run) actAckNewJournal() bool {
	for _, t := range r.tills {
		if t.proc != nil && t.proc.alive() && t.newJournal {
			r.ackNewJournal(t)
			return true
		}
	}
	return false
}

func (r *run) ackNewJournal(t *tillState) {
	res, err := t.proc.call("ack", "new-journal")
	if err != nil {
		r.abort("ack new-journal: %v", err)
	}
	if res.Lost {
		// The process had died (noticeDeath), maybe before the acknowledgement reached the
		// disk, maybe after: the till starts vmp again and acknowledges again.
		r.start(t)
		if res, err = t.proc.call("ack", "new-journal"); err != nil {
			r.abort("ack new-journal: %v", err)
		}
	}
	r.logf("till %s: vmp_acknowledge new-journal: %s", t.name, res.Status)
	if res.Status == "VMP_ERR_JOURNAL" {
		t.journalRefused = true // not acknowledged: the journal is still new
		return
	}
	t.newJournal = false
}

// ---- the customer, the second till ---------------------------------------------------------------

// actCustomer: a waiting customer approves or rejects in the app.
func (r *run) actCustomer() bool {
	var cands []*sale
	for _, s := range r.sales {
		if s.phone == phoneWaits && s.payRef != "" {
			if p, ok := r.payment(s.unit, s.payRef); ok && p.State == sim.StateCreated {
				cands = append(cands, s)
			}
		}
	}
	if len(cands) == 0 {
		return false
	}
	s := pick(r, cands)
	var err error
	if r.chance(0.8) {
		err = r.sim.ApproveOf(msnOf(s.unit), s.payRef)
		r.logf("customer of %s approves", s)
	} else {
		err = r.sim.RejectOf(msnOf(s.unit), s.payRef)
		r.logf("customer of %s rejects", s)
	}
	if err != nil {
		r.logf("  %v", err)
	}
	return true
}

// actTwoTills: till B refunds a sale of till A with the same operation id as A's refund (case
// 6): two refunds, both told done, both at the simulator.
func (r *run) actTwoTills() bool {
	a, b := r.tills[0], r.tills[1]
	s := r.pickSale(a, func(s *sale) bool {
		captured, _, refunded, maybe, _ := r.sums(s)
		return captured-refunded-maybe >= 2
	})
	if s == nil || (s.unit == 1 && b.proc != nil && b.unitGone) {
		return false
	}
	if b.proc == nil || !b.proc.alive() {
		r.start(b)
		r.afterStart(b)
	}
	captured, _, refunded, maybe, _ := r.sums(s)
	amount := r.amountFor(kindRefund, s, a, (captured-refunded-maybe)/2)
	id := fmt.Sprintf("ret-%d", len(r.ops))
	oa := r.newOp(kindRefund, s, a, amount, id)
	ob := r.newOp(kindRefund, s, b, amount, id)
	r.logf("two tills refund %s with one operation id: %s, %s", s, oa, ob)
	r.money(oa)
	r.money(ob)
	r.stats.add(func(st *stats) { st.twoTills++ })
	return true
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
