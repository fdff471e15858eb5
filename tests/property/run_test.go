package property

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

const (
	phoneApproves = "4791234567"
	phoneWaits    = "4790000004" // waits for the control API (the harness approves or rejects)
	phoneUnknown  = "4790000003" // not a Vipps user: the checkout is refused (7010, CUSTOMER_NOT_FOUND)

	msnOwn  = "123456" // sim.DefaultCredentials: the till's own unit
	msnUnit = "234567" // the sales unit of the chain

	// The library's age bounds of the repeat rule (spec14): an unacknowledged checkout matches
	// for 10 minutes; a capture, refund or cancel older than 24 hours is refused.
	checkoutMatchAge = 10 * time.Minute
	opRefuseAge      = 24 * time.Hour
)

var unitCredentials = sim.Credentials{ClientID: "prop-unit-client", ClientSecret: "prop-unit-secret",
	SubscriptionKey: "prop-unit-key", MSN: msnUnit}

func msnOf(unit int) string {
	if unit == 1 {
		return msnUnit
	}
	return msnOwn
}

// tillState is one till (one journal) of a sequence: till A does almost everything, till B
// (another pos_id, its own journal) joins to refund A's sales with A's operation ids.
type tillState struct {
	name    string
	posID   string
	journal string
	proc    *process
	offset  int64 // the library's clock offset, seconds (VMP_CLOCK_OFFSET_S of its process)
	// highOffset: the furthest ahead the offset has been; a clock set back below it is
	// corrected (set to it) before the sequence's end resolves what is open.
	highOffset int64
	// unitGen names the sales unit in this till's config ("u<gen>"); a rename is a new gen.
	// unitGone: the unit is left out of the config (its operations wait for it to return).
	unitGen  int
	unitGone bool
	// newJournal: the journal was created by this till's last vmp_init (first start or after
	// it was lost) and the till has not called vmp_acknowledge(client, "new-journal") yet.
	newJournal bool
	// journalKnows: payments this journal surely has an entry of; journalMayKnow: payments a
	// call that may have written one touched (spec14's new-journal rule refuses a call without
	// an operation id on a payment the journal has no entry of).
	journalKnows, journalMayKnow map[string]bool
	// lostAt: when the journal was last deleted (zero: never).
	lostAt time.Time
	// lastTold: the op whose call last returned on this till's process (nil after a restart).
	lastTold *op
	// commitsFailedSince: when commits of the journal were first made to fail in this client
	// (zero: none); journalRefused: a call was told VMP_ERR_JOURNAL, so the till restarts vmp.
	commitsFailedSince time.Time
	journalRefused     bool
}

func (t *tillState) unitName() string { return fmt.Sprintf("u%d", t.unitGen) }

// libNow is the till's clock as the library reads it.
func (t *tillState) libNow() time.Time { return time.Now().Add(time.Duration(t.offset) * time.Second) }

// run is one sequence.
type run struct {
	w     *worker
	seed  int64
	rng   *rand.Rand
	sim   *sim.Server
	clock *sim.FakeClock
	store string
	dir   string

	tills [2]*tillState
	sales []*sale
	ops   []*op

	// holdUntil: requests the simulator holds (delay faults) are all answered by then.
	holdUntil time.Time
	faults    []string // ids of the faults this sequence injected
	// lagFault: the id of the event-log lag armed (lag_test.go), "" none; lagRelease: the
	// actions until it is released (0: it stays).
	lagFault   string
	lagRelease int

	log      []string
	failures []string
	// failedClasses were reported by checkMoney once; they are not reported again.
	failedClasses map[string]bool
	// repeatOnly: the till never settles an unknown outcome from vmp_pending; it repeats the
	// call (the kill search's till, which does what vmp.h prescribes after a crash).
	repeatOnly bool
	stats      *stats
	mu         sync.Mutex
}

func (r *run) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *run) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	for _, f := range r.failures {
		if f == msg {
			return
		}
	}
	r.failures = append(r.failures, msg)
	r.log = append(r.log, "  FAILURE: "+msg)
}

// harnessError ends the sequence: the harness itself could not go on (a hang, a bad command).
type harnessError struct{ msg string }

func (r *run) abort(format string, args ...any) {
	panic(harnessError{fmt.Sprintf(format, args...)})
}

// ---- the tills' processes ----------------------------------------------------------------------

func (r *run) config(t *tillState) string {
	cfg := map[string]any{
		"environment": "simulator", "base_url": r.sim.URL(), "journal_path": t.journal,
		"store_id": r.store, "pos_id": t.posID, "log_level": map[bool]string{false: "off", true: "debug"}[debugging],
		"timeouts": map[string]int{"connect_ms": 200, "request_ms": 500, "operation_ms": 2500, "recovery_ms": 3000},
	}
	if !t.unitGone {
		c := unitCredentials
		cfg["sales_units"] = []map[string]string{{"name": t.unitName(), "msn": c.MSN, "client_id": c.ClientID,
			"client_secret": c.ClientSecret, "subscription_key": c.SubscriptionKey, "reference_prefix": r.store + "u"}}
	}
	data, _ := json.Marshal(cfg)
	return string(data)
}

// start runs vmp_init for the till, in its running process or a new one (one with the till's
// clock offset: the offset is read once per process).
func (r *run) start(t *tillState) {
	r.noticeDeath(t)
	r.waitHolds()
	r.seenMayBeLost(t)
	t.journalRefused = false
	_, statErr := os.Stat(t.journal)
	created := os.IsNotExist(statErr)
	if t.proc == nil || !t.proc.alive() || r.w.offsets[t.name] != t.offset {
		if t.proc != nil && t.proc.alive() {
			t.proc.stop()
		}
		p, err := startProcess(r.w.bin, []string{"VMP_CLOCK_OFFSET_S=" + strconv.FormatInt(t.offset, 10)})
		if err != nil {
			r.abort("starting till %s: %v", t.name, err)
		}
		t.proc, r.w.procs[t.name], r.w.offsets[t.name] = p, p, t.offset
		r.stats.add(func(s *stats) { s.processes++ })
	}
	res, err := t.proc.call("init", r.config(t))
	if err != nil {
		r.abort("till %s vmp_init: %v", t.name, err)
	}
	if !res.ok() {
		r.abort("till %s vmp_init: %s", t.name, res)
	}
	r.stats.add(func(s *stats) { s.inits++ })
	if created {
		t.newJournal = true
		t.journalKnows, t.journalMayKnow = map[string]bool{}, map[string]bool{}
	}
	r.logf("till %s: vmp_init (offset %ds, unit %s, journal %s)", t.name, t.offset, map[bool]string{false: t.unitName(), true: "gone"}[t.unitGone],
		map[bool]string{false: "kept", true: "new"}[created])
}

// stopClient closes the till's client cleanly (the process stays for the next vmp_init).
func (r *run) stopClient(t *tillState) {
	if t.proc == nil || !t.proc.alive() {
		return
	}
	if _, err := t.proc.call("close"); err != nil {
		r.abort("till %s vmp_close: %v", t.name, err)
	}
	r.noticeDeath(t)
}

// noticeDeath takes a death of till t's process that no call saw into the model. A kill armed
// at the Nth journal commit of a call that needed fewer can land after the call returned - at
// the commit of its queued outcome or seen mark, or just after the harness disarmed it (a kill
// before a commit holds the commit a moment first) - and is then found by a later command.
func (r *run) noticeDeath(t *tillState) {
	if t.proc == nil || t.proc.alive() || t.proc.deathNoted {
		return
	}
	r.logf("till %s's process had died: a kill armed for an earlier call landed at a later journal commit", t.name)
	r.killed(t)
}

// seenWindow bounds how long after a call returned the library may still lack the mark, on
// disk, that the till saw the outcome (internal/payments/seen.go writes it within a second or two).
const seenWindow = 5 * time.Second

// killed records that till t's process died: outcomes it told shortly before may not be on
// disk as seen.
func (r *run) killed(t *tillState) {
	died := time.Now()
	if t.proc != nil && !t.proc.alive() {
		died = t.proc.exitedAt // it may have died a while before the harness noticed
		t.proc.deathNoted = true
	}
	for _, o := range r.ops {
		if o.till == t && o.state != opUnknown && o.calls > 0 && died.Sub(o.toldAt) < seenWindow && !o.ackedOnDisk {
			o.maybeUnacked = true
		}
	}
	r.stats.add(func(s *stats) { s.kills++ })
}

// waitHolds waits until the simulator has answered every request a delay fault holds, so a
// restarted till never races a request of its dead predecessor.
func (r *run) waitHolds() {
	if d := time.Until(r.holdUntil); d > 0 {
		time.Sleep(d)
	}
}

// ---- faults --------------------------------------------------------------------------------------

func (r *run) inject(f sim.Fault) {
	id, err := r.sim.InjectFault(f)
	if err != nil {
		r.abort("injecting %+v: %v", f, err)
	}
	r.faults = append(r.faults, id)
	if f.Kind == sim.FaultDelay {
		times := max(f.Times, 1)
		if until := time.Now().Add(time.Duration(times)*f.Delay + 3*time.Second); until.After(r.holdUntil) {
			r.holdUntil = until
		}
	}
}

func (r *run) clearFaults() {
	for _, id := range r.faults {
		r.sim.RemoveFault(id)
	}
	r.faults = nil
}

// ---- calls ---------------------------------------------------------------------------------------

// unitArg names the unit of a sale in the till's config for the driver.
func (t *tillState) unitArg(s *sale) string {
	if s.unit == 0 {
		return "-"
	}
	return t.unitName()
}

// args gives the driver command of one call of the op.
func (o *op) args() (string, []string) {
	s, t := o.sale, o.till
	opID := o.opID
	if opID == "" {
		opID = "-"
	}
	switch o.kind {
	case kindCreate:
		req := map[string]any{"amount": s.amount}
		if s.qr {
			req["personal_qr"] = sim.PersonalQR(s.phone)
		} else {
			req["phone_number"] = s.phone
		}
		if s.receipt {
			req["receipt"] = map[string]any{
				"orderLines": []map[string]any{{"name": "Goods", "id": "1", "totalAmount": s.amount,
					"totalAmountExcludingTax": s.amount, "totalTaxAmount": 0, "taxRate": 0}},
				"bottomLine": map[string]any{"currency": "NOK", "receiptNumber": fmt.Sprintf("R%d-%d", s.n, s.receiptNo)},
			}
		}
		if s.desc != "" {
			req["description"] = s.desc
		}
		if s.ref != "" {
			req["reference"] = s.ref
		}
		data, _ := json.Marshal(req)
		return "checkout", []string{t.unitArg(s), string(data)}
	case kindCancel:
		return "cancel", []string{t.unitArg(s), s.payRef, strconv.Itoa(o.flags), opID}
	}
	return o.kind, []string{t.unitArg(s), s.payRef, strconv.FormatInt(o.amount, 10), opID}
}

// killPlan is how a money-moving call may be interrupted.
type killPlan struct {
	atSync int  // > 0: SIGKILL at that journal commit from now
	before bool // just before that commit rather than after its fdatasync
	// instant: SIGKILL this long after the call started (only when atSync is 0)
	instant time.Duration
	on      bool
	// fail: the next commits of the till's journal fail during the call (commitfail_test.go).
	fail commitFailure
}

func (k killPlan) String() string {
	return k.killString() + k.fail.String()
}

func (k killPlan) killString() string {
	switch {
	case !k.on:
		return ""
	case k.atSync > 0 && k.before:
		return fmt.Sprintf(", killed before journal commit %d", k.atSync)
	case k.atSync > 0:
		return fmt.Sprintf(", killed after journal commit %d", k.atSync)
	}
	return fmt.Sprintf(", killed %s into the call", k.instant)
}

// call runs one call of op o on its till, synchronously, with an optional kill, and applies
// the answer. It returns the answer (Lost when the process died first).
func (r *run) call(o *op, kill killPlan) result {
	t := o.till
	if kill.on && kill.atSync > 0 {
		if _, err := t.proc.call("killsync", strconv.Itoa(kill.atSync), map[bool]string{true: "before", false: "after"}[kill.before]); err != nil {
			r.abort("arming the kill: %v", err)
		}
	}
	r.armCommitFailure(t, kill.fail)
	o.noteFirstCall()
	refuse := r.newJournalRefuses(o)
	verb, args := o.args()
	c := t.proc.send(false, verb, args...)
	if kill.on && kill.atSync == 0 {
		select {
		case <-c.started:
			time.Sleep(kill.instant)
			t.proc.kill()
		case <-time.After(callTimeout):
		}
	}
	res, err := c.wait(t.proc)
	if err != nil {
		r.abort("till %s: %v", t.name, err)
	}
	if kill.on && kill.atSync > 0 && t.proc.alive() {
		// The call needed fewer commits than the plan: disarm (a kill now is after the call).
		if _, err := t.proc.call("killsync", "0", "after"); err != nil {
			r.abort("disarming the kill: %v", err)
		}
	}
	r.disarmCommitFailure(t, kill.fail)
	r.apply(o, res, kill)
	r.noteJournalKnows(o, res)
	r.libraryLogs(t)
	if refuse && !res.Lost && res.Status != "VMP_ERR_NEW_JOURNAL" {
		r.fail("%s: the journal is new (not acknowledged) and has no entry of payment %s, so spec14 refuses this call with VMP_ERR_NEW_JOURNAL; it was %s",
			o, o.sale.payRef, res.Status)
	}
	if !t.proc.alive() {
		// SIGKILL is the harness's or the failpoint's (a kill armed for the call before may
		// land in this one: the commit it waited for came after that call returned); anything
		// else is the process's own end.
		if !t.proc.diedOfKill() {
			r.fail("%s: till %s's process ended, not killed (%s): %s", o, t.name, t.proc.cmd.ProcessState, lastLines(t.proc.stderr.String(), 30))
		}
		r.killed(t)
		r.start(t)
		r.reconcile(t, false)
	}
	r.restartRefused()
	return res
}

// lastLines is the end of a process's stderr for a failure message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// libraryLogs adds the library's log records to the sequence's log when debugging.
func (r *run) libraryLogs(t *tillState) {
	if !debugging || t.proc == nil || !t.proc.alive() {
		return
	}
	res, err := t.proc.call("logs")
	if err != nil {
		r.abort("logs: %v", err)
	}
	for _, l := range res.Logs {
		r.logf("    library: %s", l)
	}
}

// newJournalRefuses: spec14's new-journal rule refuses this call (nothing sent).
func (r *run) newJournalRefuses(o *op) bool {
	t, ref := o.till, o.sale.payRef
	return t.newJournal && o.kind != kindCreate && o.opID == "" && !t.journalKnows[ref] && !t.journalMayKnow[ref]
}

// noteJournalKnows records which payments the till's journal has entries of after a call.
func (r *run) noteJournalKnows(o *op, res result) {
	t, ref := o.till, o.sale.payRef
	if t.journalKnows == nil {
		t.journalKnows, t.journalMayKnow = map[string]bool{}, map[string]bool{}
	}
	for _, x := range o.sale.refs {
		if o.kind == kindCreate {
			t.journalMayKnow[x] = true
		}
	}
	if ref == "" {
		return
	}
	switch res.Status {
	case "VMP_OK", "VMP_ERR_UNKNOWN_OUTCOME", "VMP_ERR_REJECTED", "VMP_ERR_CUSTOMER_NOT_FOUND", "VMP_ERR_ALREADY_AUTHORIZED", "VMP_ERR_CAPTURE_MISMATCH":
		t.journalKnows[ref] = true
	case "VMP_ERR_NEW_JOURNAL":
	default:
		t.journalMayKnow[ref] = true // killed, or refused before or after its entry was written
	}
}

// noteFirstCall records the library clock at the op's first call.
func (o *op) noteFirstCall() {
	if o.calls == 0 {
		o.born = o.till.libNow()
	}
	o.calls++
}

var transient = map[string]bool{"VMP_ERR_NETWORK": true, "VMP_ERR_UNAVAILABLE": true, "VMP_ERR_RATE_LIMITED": true}

// apply records what the till was told by one call of o.
func (r *run) apply(o *op, res result, kill killPlan) {
	s := o.sale
	o.ackedOnDisk = false // a call writes its entry again, unseen
	if res.Lost {
		o.history = append(o.history, "killed"+kill.String())
		o.last = "killed"
		o.killedInCall = true
		if prev := o.till.lastTold; o.calls == 1 && o.kind != kindCreate && prev != nil && prev.sameIntent(o) &&
			prev.state == opDone && (kill.atSync == 0 || (kill.atSync == 1 && kill.before)) {
			// Killed before anything of its own can have reached the disk, right after its twin
			// returned: the instant vmp.h calls ambiguous (op.twinOf).
			o.twinOf = prev
			r.stats.add(func(st *stats) { st.ambiguous++ })
			r.logf("  %s: killed right after alike %s returned: vmp.h's ambiguous instant", o, prev)
		}
		o.till.lastTold = nil
		if o.state != opDone {
			o.state = opUnknown
			o.retryable = false
		}
		r.logf("  %s: killed%s", o, kill)
		return
	}
	o.history = append(o.history, res.Status)
	o.last = res.Status
	o.till.lastTold = o
	if res.Status != "VMP_ERR_UNKNOWN_OUTCOME" {
		o.toldAt = time.Now()
	}
	r.logf("  %s: %s", o, res)
	r.stats.add(func(st *stats) { st.statuses[res.Status]++ })
	if o.kind == kindCreate && res.Fields["ref"] != "" && res.Fields["ref"] != "-" {
		ref := res.Fields["ref"]
		if s.payRef != "" && s.payRef != ref && (res.ok() || res.Status == "VMP_ERR_UNKNOWN_OUTCOME") {
			// A repeat of the same checkout came back with another payment: the first may exist
			// too; the class count tells.
			r.logf("  note: %s got a second reference %s (first %s)", s, ref, s.payRef)
		}
		if res.ok() || res.Status == "VMP_ERR_UNKNOWN_OUTCOME" {
			s.payRef = ref
			s.refs = appendNew(s.refs, ref)
		}
	}
	switch res.Status {
	case "VMP_OK":
		if o.state == opFailed && !o.retryable {
			r.fail("%s: told it failed for good (%s), then a repeat was told it happened", o, o.last)
		}
		o.state, o.retryable = opDone, false
	case "VMP_ERR_UNKNOWN_OUTCOME":
		if o.state == opDone {
			r.fail("%s: told it happened, then a repeat was told its outcome is unknown", o)
			return
		}
		o.state = opUnknown
	case "VMP_ERR_CAPTURE_MISMATCH":
		// The capture happened; the harness never skews Vipps' figures, so the check is wrong.
		r.fail("%s: VMP_ERR_CAPTURE_MISMATCH although Vipps' figures are right: %s", o, res)
		o.state = opDone
	case "VMP_ERR_NEW_JOURNAL":
		if o.kind == kindCreate || o.opID != "" {
			r.fail("%s: refused with VMP_ERR_NEW_JOURNAL, which spec14 never does to a checkout or a call with an operation id", o)
		}
		if !o.till.newJournal {
			r.fail("%s: VMP_ERR_NEW_JOURNAL after the till acknowledged the new journal", o)
		}
		r.toFailed(o, false)
	case "VMP_ERR_JOURNAL":
		r.applyJournalRefused(o)
	case "VMP_ERR_CONFLICT":
		if o.state == opUnknown && o.calls > 1 && o.opID == "" && o.kind != kindCreate && o.till.libNow().Sub(o.born) >= opRefuseAge-time.Minute {
			// spec14: a repeat of an operation older than 24 hours is refused, nothing sent; it
			// stays what it was (the till settles it from vmp_pending).
			return
		}
		r.toFailed(o, false)
	case "VMP_ERR_INVALID_ARGUMENT", "VMP_ERR_INVALID_JSON", "VMP_ERR_INVALID_HANDLE", "VMP_ERR_INVALID_REFERENCE",
		"VMP_ERR_INVALID_AMOUNT", "VMP_ERR_INVALID_CONFIG", "VMP_ERR_INTERNAL", "VMP_ERR_BUFFER_TOO_SMALL":
		r.fail("%s: %s: the harness or the library is broken", o, res)
		r.toFailed(o, false)
	default:
		r.toFailed(o, transient[res.Status])
	}
}

func (r *run) toFailed(o *op, retryable bool) {
	if o.state == opDone && retryable {
		// Two repeats at once: one was refused before anything happened (the rate limit, say)
		// while the other finished the operation. Nothing contradicts.
		r.logf("  note: %s happened; a concurrent repeat was refused before anything happened (%s)", o, o.last)
		return
	}
	if o.state == opDone {
		r.fail("%s: told it happened, then a repeat was told it failed (%s)", o, o.last)
		return
	}
	o.state, o.retryable = opFailed, retryable
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// newOp adds an op to the model.
func (r *run) newOp(kind string, s *sale, t *tillState, amount int64, opID string) *op {
	o := &op{n: len(r.ops), kind: kind, sale: s, till: t, amount: amount, opID: opID}
	r.ops = append(r.ops, o)
	return o
}

// ---- the journal loss -----------------------------------------------------------------------------

// loseJournal deletes till t's journal (its process stopped first). Ops whose outcome the till
// never saw and that have no operation id can no longer be finished by a repeat.
func (r *run) loseJournal(t *tillState) {
	if t.proc != nil && t.proc.alive() {
		r.stopClient(t)
	}
	if err := os.Remove(t.journal); err != nil && !os.IsNotExist(err) {
		r.abort("deleting the journal: %v", err)
	}
	t.lostAt = time.Now()
	for _, o := range r.ops {
		if o.till == t {
			o.killedInCall = false // its journal is gone: no entry tells anything now
		}
		if o.till != t || o.state == opDone || (o.state == opFailed && !o.retryable) {
			continue
		}
		if o.state == opUnknown && ((o.kind == kindCreate && o.sale.ref == "") || (o.kind != kindCreate && o.opID == "")) {
			// A repeat would be another operation now. A checkout whose reference the till was
			// given can still be settled by reading the payment; anything else is beyond reach.
			o.orphan = true
			o.lost = o.kind != kindCreate || o.sale.payRef == ""
		}
	}
	r.stats.add(func(s *stats) { s.journalLosses++ })
}

func journalPath(dir, till string) string {
	return filepath.Join(dir, "till-"+strings.ToLower(till)+".db")
}
