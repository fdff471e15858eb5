package property

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// The model: what the till intended and what it was told. An op is one operation as the till
// means it - a checkout, capture, refund or cancel - however many calls (repeats) it took. The
// simulator's own records are the truth it is compared with.

const (
	kindCreate  = "create"
	kindCapture = "capture"
	kindRefund  = "refund"
	kindCancel  = "cancel"
)

type opState int

const (
	opUnknown opState = iota // the till never saw a definite outcome: UNKNOWN, killed, not yet answered
	opDone                   // told it happened
	opFailed                 // told it did not happen
)

func (s opState) String() string {
	return [...]string{"unknown", "done", "failed"}[s]
}

// op is one operation the till intended.
type op struct {
	n      int
	kind   string
	sale   *sale
	till   *tillState // the till (and journal) that runs it
	amount int64      // capture, refund; a create: the sale's amount
	flags  int        // cancel: 1 = VMP_CANCEL_TRANSACTION_ONLY
	opID   string     // capture, refund, cancel: the till's operation id; "" none

	state opState
	last  string // the last status the till got, "killed" when the process died first
	// retryable: the last definite failure changed nothing (network, busy, rate limit), so the
	// till may run the call again as vmp.h advises.
	retryable bool
	// lost: the journal was lost while the till had not seen the outcome, and the op has no
	// operation id (a checkout: no explicit reference): no call can finish it any more. The
	// simulator may hold it once or not at all.
	lost bool
	// orphan: the journal that knew the op is gone and it has no id: a repeat would be another
	// operation, so the till never repeats it (a checkout with a known reference is read).
	orphan bool
	// killedInCall: the process died inside the op's last call, and the till has not read
	// vmp_pending of that journal since (what is not listed then was never sent).
	killedInCall bool
	// maybeUnacked: the outcome was told in a process that was killed soon after, maybe before
	// the library recorded on disk that the till had seen it (it does so within a second or two:
	// internal/payments/seen.go); the till acknowledges it from vmp_pending after the restart.
	maybeUnacked bool
	// ackedOnDisk: the till acknowledged, from vmp_pending, an entry only this op can own: its
	// outcome is marked seen on disk until its next call (a kill can no longer undo that).
	ackedOnDisk bool
	toldAt      time.Time // when the till was last told a definite outcome
	// twinOf: the op was killed in its first call right after an alike op (no id, same intent)
	// was told it happened, maybe before the library had the first's seen mark on disk - the
	// one instant vmp.h calls ambiguous: after the restart the journal is that of a till killed
	// inside the first op, so a repeat of this one may be given the first one's outcome. Told
	// it happened, it counts as unknown: it may or may not have happened.
	twinOf *op
	// born is the library's clock (real time + the till's offset) at the first call: the age
	// bounds of the repeat rule (10 minutes for a checkout, 24 hours for the others).
	born    time.Time
	calls   int
	history []string
}

func (o *op) String() string {
	s := fmt.Sprintf("op%d %s", o.n, o.kind)
	switch o.kind {
	case kindCreate:
		s += " " + o.sale.String()
	case kindCancel:
		s += fmt.Sprintf(" of sale %d flags %d", o.sale.n, o.flags)
	default:
		s += fmt.Sprintf(" %d of sale %d", o.amount, o.sale.n)
	}
	if o.kind != kindCreate {
		if o.opID != "" {
			s += " op_id " + o.opID
		} else {
			s += " without op_id"
		}
	}
	return s + " on till " + o.till.name
}

// sale is one checkout the till intended.
type sale struct {
	n      int
	unit   int    // 0: the till's own MSN, 1: the sales unit
	ref    string // the explicit reference, "" when the library generates one
	amount int64
	phone  string
	desc   string
	// qr: the customer is named by a scanned personal QR instead of the phone number.
	qr bool
	// receipt: the checkout carries a receipt; receiptNo numbers it, and a repeat may carry a
	// renumbered one (spec14: the receipt is not part of what a repeat must match).
	receipt   bool
	receiptNo int
	create    *op
	// payRef is the payment's reference as the till knows it ("" before the library gave one).
	payRef string
	refs   []string // every reference the library gave for this sale (a second one is a finding)
}

func (s *sale) String() string {
	r := "generated reference"
	if s.ref != "" {
		r = "reference " + s.ref
	}
	extra := ""
	if s.qr {
		extra += ", personal QR"
	}
	if s.receipt {
		extra += ", receipt"
	}
	return fmt.Sprintf("sale %d (%d, %s, %s, unit %d%s)", s.n, s.amount, customerName(s.phone), r, s.unit, extra)
}

func customerName(phone string) string {
	switch phone {
	case phoneWaits:
		return "waiting customer"
	case phoneUnknown:
		return "unknown customer"
	}
	return "approving customer"
}

// checkoutClass is what two checkouts without a reference have in common when they ask for the
// same thing; with a reference the reference alone.
func (s *sale) checkoutClass() string {
	if s.ref != "" {
		return "ref " + s.ref
	}
	// The simulator records the customer's MSISDN however the till named them; the till's
	// intent has the QR text, so a QR sale and a phone sale of one customer differ.
	how := "phone"
	if s.qr {
		how = "qr"
	}
	return fmt.Sprintf("checkout msn %s %d %q %s %s", msnOf(s.unit), s.amount, s.desc, s.phone, how)
}

// class groups ops whose effects the simulator cannot tell apart.
func (o *op) class() string {
	switch o.kind {
	case kindCreate:
		return o.sale.checkoutClass()
	case kindCancel:
		return fmt.Sprintf("cancel of sale %d", o.sale.n)
	}
	return fmt.Sprintf("%s %d of sale %d", o.kind, o.amount, o.sale.n)
}

// wroteNothing: every call of the op was refused before the journal held anything of it
// (VMP_ERR_JOURNAL: nothing written, nothing sent; VMP_ERR_NEW_JOURNAL), so no entry is its.
func (o *op) wroteNothing() bool {
	for _, h := range o.history {
		if h != "VMP_ERR_JOURNAL" && h != "VMP_ERR_NEW_JOURNAL" {
			return false
		}
	}
	return len(o.history) > 0
}

// sameIntent: two calls without an id the library's repeat rule compares (same journal).
func (o *op) sameIntent(p *op) bool {
	if o.till != p.till || o.kind != p.kind || o.opID != "" || p.opID != "" {
		return false
	}
	if o.kind == kindCreate {
		return o.sale.ref == "" && p.sale.ref == "" && o.sale.checkoutClass() == p.sale.checkoutClass()
	}
	return o.sale == p.sale && o.amount == p.amount && o.flags == p.flags
}

// ---- the simulator's records -----------------------------------------------------------------

// simCount is how many times the simulator carried out the ops of a class.
func (r *run) simCount(class string, sample *op) int {
	switch sample.kind {
	case kindCreate:
		s := sample.sale
		if s.ref != "" {
			if _, ok := r.payment(s.unit, s.ref); ok {
				return 1
			}
			return 0
		}
		n := 0
		for _, p := range r.sequencePayments() {
			if p.MSN == msnOf(s.unit) && p.Amount.Value == s.amount && p.PaymentDescription == s.desc &&
				p.CustomerMSISDN == s.phone && byQR(p) == s.qr && !r.explicitRef(p.Reference) {
				n++
			}
		}
		return n
	}
	s := sample.sale
	if s.payRef == "" {
		return 0
	}
	p, ok := r.payment(s.unit, s.payRef)
	if !ok {
		return 0
	}
	n := 0
	for _, e := range p.Events {
		if !e.Success {
			continue
		}
		switch sample.kind {
		case kindCapture:
			if e.Name == sim.EventCaptured && e.Amount.Value == sample.amount {
				n++
			}
		case kindRefund:
			if e.Name == sim.EventRefunded && e.Amount.Value == sample.amount {
				n++
			}
		case kindCancel:
			if e.Name == sim.EventCancelled || e.Name == sim.EventTerminated {
				n = 1 // a repeated cancel changes nothing
			}
		}
	}
	return n
}

func (r *run) payment(unit int, ref string) (sim.PaymentSnapshot, bool) {
	return r.sim.PaymentOf(msnOf(unit), ref)
}

// sequencePayments are the simulator's payments whose references this sequence's tills made.
func (r *run) sequencePayments() []sim.PaymentSnapshot {
	var out []sim.PaymentSnapshot
	for unit := 0; unit < 2; unit++ {
		for _, ref := range r.sim.References(msnOf(unit)) {
			if strings.HasPrefix(ref, r.store+"-") || strings.HasPrefix(ref, r.store+"u-") {
				if p, ok := r.payment(unit, ref); ok {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func (r *run) explicitRef(ref string) bool {
	for _, s := range r.sales {
		if s.ref == ref {
			return true
		}
	}
	return false
}

// checkMoney compares every class of ops with the simulator: each op the till was told happened
// happened (done <= count), and nothing happened beyond what it was told or may not know
// (count <= done + unknown) - an op told failed that happened, or one carried out twice,
// breaks the second. final: the sequence is over and resolved.
func (r *run) checkMoney(when string) {
	classes := map[string][]*op{}
	var order []string
	for _, o := range r.ops {
		c := o.class()
		if classes[c] == nil {
			order = append(order, c)
		}
		classes[c] = append(classes[c], o)
	}
	for _, c := range order {
		if r.failedClasses[c] {
			continue // reported once
		}
		ops := classes[c]
		done, unknown, failed := 0, 0, 0
		for _, o := range ops {
			switch o.state {
			case opDone:
				if o.twinOf != nil {
					unknown++ // its outcome may be its twin's (the ambiguous instant)
					continue
				}
				done++
			case opUnknown:
				unknown++
			case opFailed:
				failed++
			}
		}
		n := r.simCount(c, ops[0])
		if ops[0].kind == kindCancel {
			switch {
			case done > 0 && n == 0:
				r.failedClasses[c] = true
				r.fail("%s: lost: the till was told a cancel happened, the simulator has none (%s)", when, describe(ops))
			case done == 0 && unknown == 0 && n > 0:
				r.failedClasses[c] = true
				r.fail("%s: the till was told every cancel failed, the simulator cancelled the payment (%s)", when, describe(ops))
			}
			continue
		}
		switch {
		case n < done:
			r.failedClasses[c] = true
			r.fail("%s: lost: %s: the till was told %d happened, the simulator has %d (%s)", when, c, done, n, describe(ops))
		case n > done+unknown:
			r.failedClasses[c] = true
			what := "moved twice"
			if failed > 0 && n <= done+unknown+failed {
				what = "told it failed, but it happened"
			}
			r.fail("%s: %s: %s: the simulator has %d, the till was told %d happened, %d failed, %d unknown (%s)",
				when, what, c, n, done, failed, unknown, describe(ops))
		}
	}
	r.checkPaymentsKnown(when)
}

// checkPaymentsKnown: every payment the till was told about is a payment of its own, no two
// sales share one, and the simulator has no payment of this sequence outside the classes.
func (r *run) checkPaymentsKnown(when string) {
	owner := map[string]*sale{}
	for _, s := range r.sales {
		if s.create.state != opDone || s.payRef == "" {
			continue
		}
		key := msnOf(s.unit) + "/" + s.payRef
		if prev := owner[key]; prev != nil {
			r.fail("%s: lost: %s and %s were both told they are payment %s", when, prev, s, s.payRef)
		}
		owner[key] = s
		p, ok := r.payment(s.unit, s.payRef)
		switch {
		case !ok:
			r.fail("%s: lost: %s was told it is payment %s, which the simulator does not have", when, s, s.payRef)
		case p.Amount.Value != s.amount || p.PaymentDescription != s.desc || p.CustomerMSISDN != s.phone:
			r.fail("%s: %s was told it is payment %s, which is %d %q for another customer", when, s, s.payRef, p.Amount.Value, p.PaymentDescription)
		}
	}
	known := map[string]bool{}
	for _, s := range r.sales {
		known[s.checkoutClass()] = true
	}
	for _, p := range r.sequencePayments() {
		if r.explicitRef(p.Reference) {
			continue
		}
		unit := 0
		if p.MSN == msnOf(1) {
			unit = 1
		}
		c := (&sale{unit: unit, amount: p.Amount.Value, desc: p.PaymentDescription, phone: p.CustomerMSISDN, qr: byQR(p)}).checkoutClass()
		if !known[c] {
			r.fail("%s: the simulator has payment %s (%s), which no checkout of the till asked for", when, p.Reference, c)
		}
	}
}

// byQR: the payment's customer was named by a scanned personal QR.
func byQR(p sim.PaymentSnapshot) bool { return p.CustomerIdentifiedBy == "personalQr" }

func describe(ops []*op) string {
	var parts []string
	for _, o := range ops {
		s := fmt.Sprintf("%s: %s", o, o.state)
		if o.lost {
			s += " (journal lost)"
		}
		if len(o.history) > 0 {
			s += " [" + strings.Join(o.history, "; ") + "]"
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, " | ")
}
