package property

import (
	"encoding/json"
	"fmt"
	"time"
)

// entryView is an element of vmp_pending's lists.
type entryView struct {
	ID          string `json:"id"`
	Operation   string `json:"operation"`
	Reference   string `json:"reference"`
	Amount      int64  `json:"amount"`
	OperationID string `json:"operation_id"`
	State       string `json:"state"`
	Outcome     *struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"outcome"`
}

func (e entryView) String() string {
	s := fmt.Sprintf("%s %s of %s (%d) op_id %q: %s", e.ID, e.Operation, e.Reference, e.Amount, e.OperationID, e.State)
	if e.Outcome != nil {
		s += " " + e.Outcome.Status
	}
	return s
}

type pendingView struct {
	Open           []entryView `json:"open"`
	Unacknowledged []entryView `json:"unacknowledged"`
}

func (r *run) pending(t *tillState) pendingView {
	res, err := t.proc.call("pending")
	if err != nil {
		r.abort("pending: %v", err)
	}
	if res.Lost {
		r.start(t) // the process had died (noticeDeath): the till starts vmp again and asks again
		if res, err = t.proc.call("pending"); err != nil {
			r.abort("pending: %v", err)
		}
	}
	var p pendingView
	if !res.ok() || json.Unmarshal([]byte(res.JSON), &p) != nil {
		r.abort("vmp_pending on till %s: %s %s", t.name, res, res.JSON)
	}
	return p
}

// candidates are the model's ops of till t a journal entry can be.
func (r *run) candidates(t *tillState, e entryView) []*op {
	var out []*op
	// A reference the till was given for one sale is that sale's payment, never another's.
	owned := false
	for _, s := range r.sales {
		if s.create.till == t && containsString(s.refs, e.Reference) {
			owned = true
		}
	}
	for _, o := range r.ops {
		if o.till != t || o.kind != e.Operation || o.orphan {
			continue
		}
		if o.kind == kindCreate {
			// A checkout killed before it returned never told the till its reference, and one
			// retried after a failure may have got a new one: the entry tells (same amount; an
			// explicit reference must be the same).
			s := o.sale
			if s.amount == e.Amount && (containsString(s.refs, e.Reference) || (!owned && o.state != opDone && (s.ref == "" || s.ref == e.Reference))) {
				out = append(out, o)
			}
			continue
		}
		if o.sale.payRef != e.Reference || o.opID != e.OperationID || (o.kind != kindCancel && o.amount != e.Amount) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// reconcile is what a careful till does with vmp_pending: an unacknowledged entry whose
// outcome the till already knows is acknowledged; one that can only be a single op whose
// outcome the till never saw is settled from it (or, at random, left for a repeat to finish;
// settle forces it). An open entry of an op the till was told happened is a finding.
func (r *run) reconcile(t *tillState, settle bool) {
	if t.proc == nil || !t.proc.alive() {
		return
	}
	p := r.pending(t)
	if debugging {
		r.logf("  pending of till %s: open %v unacknowledged %v", t.name, p.Open, p.Unacknowledged)
	}
	listed := map[*op]bool{}
	if t.journalKnows == nil {
		t.journalKnows, t.journalMayKnow = map[string]bool{}, map[string]bool{}
	}
	for _, e := range append(append([]entryView(nil), p.Open...), p.Unacknowledged...) {
		t.journalKnows[e.Reference] = true // an entry of the payment is in this journal
	}
	for _, e := range p.Open {
		for _, o := range r.candidates(t, e) {
			listed[o] = true
		}
		cands := r.candidates(t, e)
		if len(cands) > 0 && allState(cands, opDone) && !anyMaybeUnacked(cands) {
			r.fail("vmp_pending lists %s as open; the till was told it happened (%s)", e, describe(cands))
		}
	}
	for _, e := range p.Unacknowledged {
		if e.State == "open" {
			continue
		}
		cands := r.candidates(t, e)
		for _, o := range cands {
			listed[o] = true
		}
		var unknown []*op
		ambiguous := false
		for _, o := range cands {
			switch {
			case o.state == opUnknown:
				unknown = append(unknown, o)
			case o.maybeUnacked && toldAlike(o, e) && !o.ackedOnDisk && !o.wroteNothing():
				ambiguous = true // it may be this op's entry, not the unknown one's
			}
		}
		var owner *op // the one op the entry can be, once the till takes note of it
		switch {
		case len(cands) == 0:
			r.logf("  till %s: unacknowledged %s matches nothing the till did", t.name, e)
			continue
		case len(unknown) == 0:
			// The till knows every op it can be; the entry is only not marked seen on disk.
			if e.State == "done" && allState(cands, opFailed) {
				r.fail("vmp_pending says %s happened; the till was told it failed (%s)", e, describe(cands))
			}
			var owners []*op
			for _, o := range cands {
				if toldAlike(o, e) && !o.wroteNothing() {
					owners = append(owners, o)
				}
			}
			if len(owners) == 1 {
				owner = owners[0]
			}
		case len(unknown) == 1 && !ambiguous && !r.repeatOnly && (settle || r.chance(0.5)):
			r.settle(unknown[0], e)
			owner = unknown[0]
		default:
			continue // left for a repeat, which takes the outcome and marks it seen
		}
		res, err := t.proc.call("ack", e.ID)
		if err != nil {
			r.abort("ack: %v", err)
		}
		r.logf("  till %s: acknowledged %s: %s", t.name, e, res.Status)
		if res.ok() && owner != nil {
			owner.ackedOnDisk, owner.maybeUnacked = true, false
		}
		if res.Status == "VMP_ERR_JOURNAL" {
			// Not acknowledged: an alike call now would be taken for its repeat. The till
			// restarts vmp before its next call and acknowledges it then.
			t.journalRefused = true
			for _, o := range cands {
				if o.state != opUnknown {
					o.maybeUnacked = true
				}
			}
		}
	}
	for _, o := range r.ops {
		if o.till != t {
			continue
		}
		killed := o.killedInCall
		o.killedInCall = false
		if listed[o] {
			continue
		}
		o.maybeUnacked = false
		if o.state == opUnknown && killed && !o.orphan && !r.repeatOnly {
			// Killed inside its call, and the journal - written before anything is sent - has no
			// entry it can be: it was never sent.
			o.state, o.retryable = opFailed, true
			o.history = append(o.history, "not in vmp_pending after the restart: never sent")
			r.logf("  %s: not in vmp_pending after the restart: never sent", o)
		}
	}
}

// toldAlike: what the till was told of o agrees with the entry's outcome, so the entry may be
// o's (an op told it happened cannot own an entry that says it was rejected, nor the reverse).
func toldAlike(o *op, e entryView) bool {
	switch e.State {
	case "done":
		return o.state == opDone
	case "rejected", "failed", "not_created":
		return o.state == opFailed
	}
	return true
}

// anyMaybeUnacked: one of ops was told its outcome shortly before its process died. A done
// outcome is queued for a commit the call does not wait for (internal/payments recordOutcome),
// so the file may hold the entry open; recovery finishes it once it can read Vipps' event log.
func anyMaybeUnacked(ops []*op) bool {
	for _, o := range ops {
		if o.maybeUnacked {
			return true
		}
	}
	return false
}

func allState(ops []*op, s opState) bool {
	for _, o := range ops {
		if o.state != s {
			return false
		}
	}
	return true
}

// settle takes an unknown op's outcome from its journal entry.
func (r *run) settle(o *op, e entryView) {
	switch e.State {
	case "done":
		o.state = opDone
		if o.kind == kindCreate {
			o.sale.payRef, o.sale.refs = e.Reference, appendNew(o.sale.refs, e.Reference)
		}
	case "rejected", "failed", "not_created":
		o.state, o.retryable = opFailed, false
	default:
		return
	}
	o.history = append(o.history, "settled from vmp_pending: "+e.State)
	r.logf("  %s settled from vmp_pending: %s", o, e.State)
}

// ---- the end of a sequence -------------------------------------------------------------------

// resolve is the end of a sequence: the faults stop, every till runs (with its sales unit),
// and every unknown outcome is brought to a definite one as vmp.h says - the same call
// again, a read of the payment for a checkout, vmp_recover and vmp_pending. Whatever stays
// unknown is a finding.
func (r *run) resolve() {
	r.clearFaults()
	r.waitHolds()
	for _, t := range r.tills {
		if t.proc == nil {
			continue
		}
		if t.offset < t.highOffset {
			// A clock set back keeps what it left "on its way" unknown until the clock is past
			// it again: the till's clock is corrected.
			r.logf("resolve: till %s's clock corrected (%ds to %ds)", t.name, t.offset, t.highOffset)
			t.offset = t.highOffset
			r.stopClient(t)
			r.start(t)
			r.afterStart(t)
		}
		if !t.commitsFailedSince.IsZero() || t.journalRefused {
			t.journalRefused = true // the disk is sound again: the till restarts vmp
		}
		r.restartRefused()
		if !t.proc.alive() || t.unitGone {
			if t.unitGone {
				t.unitGone = false
				t.unitGen++
				r.stopClient(t)
			}
			r.start(t)
			r.afterStart(t)
		}
		r.reconcile(t, false)
	}
	for attempt := 0; attempt < 5; attempt++ {
		open := map[*tillState]bool{}
		for _, o := range r.ops {
			if o.state == opUnknown && !o.lost {
				open[o.till] = true
			}
		}
		if len(open) == 0 {
			break
		}
		if attempt > 0 {
			// "Ask again shortly": an attempt that timed out may still be on its way for a
			// second (twice request_ms; internal/payments/settle.go), and until then it stays unknown.
			time.Sleep(1200 * time.Millisecond)
			// The library paces money-moving requests per payment (five a minute, real time,
			// per client): a till that cannot wait a minute restarts, which starts afresh.
			for t := range open {
				r.logf("resolve: restart till %s", t.name)
				r.stopClient(t)
				r.start(t)
				r.reconcile(t, false)
			}
		}
		for _, o := range r.ops {
			if o.state == opUnknown && !o.lost {
				r.resolveOp(o, attempt)
			}
		}
	}
	for _, t := range r.tills {
		if t.proc == nil {
			continue
		}
		var rec struct {
			StillOpen []entryView `json:"still_open"`
		}
		for try := 0; try < 2; try++ {
			if try > 0 {
				// An entry whose request a killed process may have sent stays open until that
				// request can no longer land (operation_ms and twice request_ms after it left):
				// a careful till asks again after that.
				r.logf("resolve: till %s: vmp_recover leaves %d open; asking again in 4 s", t.name, len(rec.StillOpen))
				time.Sleep(4 * time.Second)
			}
			res, err := t.proc.call("recover", "5000")
			if err != nil {
				r.abort("recover: %v", err)
			}
			rec.StillOpen = nil
			if !res.ok() || json.Unmarshal([]byte(res.JSON), &rec) != nil || len(rec.StillOpen) == 0 {
				break
			}
		}
		if len(rec.StillOpen) > 0 {
			r.fail("till %s: vmp_recover leaves %d operations open with no fault injected: %v", t.name, len(rec.StillOpen), rec.StillOpen)
		}
		r.reconcile(t, true)
		p := r.pending(t)
		for _, e := range p.Open {
			r.fail("till %s: vmp_pending lists %s as open at the end", t.name, e)
		}
	}
	for _, o := range r.ops {
		if o.state == opUnknown && !o.lost {
			r.fail("%s: its outcome stays unknown: repeats, vmp_recover and vmp_pending do not resolve it [%v]", o, o.history)
		}
	}
}

// resolveOp tries once to bring an unknown op to a definite outcome.
func (r *run) resolveOp(o *op, attempt int) {
	t := o.till
	switch {
	case o.kind == kindCreate && o.sale.payRef != "" && (o.orphan || (o.sale.ref == "" && t.libNow().Sub(o.born) >= checkoutMatchAge-time.Minute)):
		// A repeat would be a new sale now: read the payment instead.
		r.pollSettle(o)
	case o.kind != kindCreate && o.opID == "" && t.libNow().Sub(o.born) >= opRefuseAge-time.Minute:
		// A repeat is refused now (24 hours): vmp_recover and vmp_pending settle it.
		r.recoverAndSettle(t)
	case r.canRepeat(o):
		r.logf("resolve: repeat %s", o)
		r.clock.Advance(61 * time.Second)
		r.call(o, killPlan{})
	default:
		r.recoverAndSettle(t)
	}
}

func (r *run) pollSettle(o *op) {
	t, s := o.till, o.sale
	res, err := t.proc.call("poll", t.unitArg(s), s.payRef, "0")
	if err != nil {
		r.abort("poll: %v", err)
	}
	r.logf("resolve: poll %s of %s: %s", s.payRef, s, res)
	switch res.Status {
	case "VMP_OK":
		o.state = opDone
		o.history = append(o.history, "settled by poll")
	case "VMP_ERR_NOT_FOUND":
		// Nothing is in flight any more (the holds are over): it was never created.
		o.state = opFailed
		o.history = append(o.history, "read: not found")
	}
}

func (r *run) recoverAndSettle(t *tillState) {
	if _, err := t.proc.call("recover", "3000"); err != nil {
		r.abort("recover: %v", err)
	}
	r.reconcile(t, true)
}
