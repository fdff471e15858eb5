//go:build vmpfailpoints

package core

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// The search of what failed journal commits do to money safety: a till whose disk refuses
// commits now and then (full, EIO; one or several in a row, before or after the meta page),
// several threads capturing, refunding and selling with and without ids, restarts - some while
// the disk refuses everything, which is a kill from the journal's point of view - and the till
// repeating every call that did not end definite, or giving up a call that was certainly not
// carried out. The simulator's records must show every operation the till was told done
// exactly once, and none it gave up; recovery must leave nothing open.
//
// go test -tags vmpfailpoints -run TestFailedCommitsNeverMoveMoneyTwiceOrLoseIt ./core
// -failed-commit-seed=N replays one round (its seed is logged), -failed-commit-rounds=N runs more.
// -failed-commit-payments=2 -failed-commit-calls=8 runs denser: more calls meet on each payment,
// which found a way money moved wrongly that the default density meets about once in 800 rounds.

var (
	failedCommitSeed   = flag.Uint64("failed-commit-seed", 0, "replay one round of the failed-commit search with this seed")
	failedCommitRounds = flag.Int("failed-commit-rounds", 6, "rounds of the failed-commit search")
	failedCommitLate   = flag.Bool("failed-commit-late", true, "fail commits after their meta page too")
	failedCommitPays   = flag.Int("failed-commit-payments", 8, "authorized payments each round of the failed-commit search captures and refunds")
	failedCommitCalls  = flag.Int("failed-commit-calls", 5, "new calls per worker and session in the failed-commit search")
)

// flakyDisk decides how each commit of the till's journal fails.
type flakyDisk struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rate   float64 // the chance that a commit starts a run of failures
	late   bool    // failures after the meta page too
	run    int     // failures left in the current run
	how    journal.CommitFailure
	dead   bool // every commit fails: the process is as good as killed
	failed map[journal.CommitFailure]int
}

func (d *flakyDisk) choose(int64) journal.CommitFailure {
	d.mu.Lock()
	defer d.mu.Unlock()
	how := journal.CommitSucceeds
	switch {
	case d.dead:
		return journal.FailBeforeMeta
	case d.run > 0:
		d.run--
		how = d.how
	case d.rng.Float64() < d.rate:
		d.run = d.rng.IntN(3) // 1 to 3 commits in a row
		d.how = journal.FailBeforeMeta
		if d.late && d.rng.IntN(3) == 0 {
			d.how = journal.FailAfterMeta
		}
		how = d.how
	}
	if how != journal.CommitSucceeds {
		d.failed[how]++
	}
	return how
}

func (d *flakyDisk) set(rate float64, dead bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rate, d.dead, d.run = rate, dead, 0
}

// fcOp is one operation the till means to make, and what it was told.
type fcOp struct {
	kind   string // journal.OpCreate, OpCapture, OpRefund
	ref    string // the payment; for a create, the reference it gives ("" none)
	amount int64
	id     string   // operation id ("" none)
	told   []string // every status the till got, in order
	// why are the messages of the failures among them, in order: VMP_ERR_JOURNAL has several
	// causes (the operation's own write, or the repeat rule's write of outcomes seen), and a
	// failure's report must say which.
	why      []string
	final    string // "ok", "definite" (a failure that stands), "gave-up" (certainly not carried out, not repeated); "" open
	resultRF string // a create's reference, once told OK
	session  int    // when the till first made it
	// okSession is when it was told done. A call without an id made before a restart and
	// told done after it may have been taken for the repeat of an alike call whose outcome
	// was returned before the restart but not written as seen (a failing disk keeps that
	// instant open): it may have moved nothing. vmp.h documents that instant.
	okSession int
}

func (o *fcOp) String() string {
	id := o.id
	if id == "" {
		id = "-"
	}
	s := fmt.Sprintf("%s %s %d id %s (session %d): %s", o.kind, o.ref, o.amount, id, o.session, strings.Join(o.told, ", "))
	for _, why := range o.why {
		s += "\n      " + why
	}
	return s
}

// fcTill is the model of what the till asked for and may still ask for.
type fcTill struct {
	mu       sync.Mutex
	refs     []string
	reserved map[string]int64 // captures asked for, per payment (never beyond its 10 000)
	// captured are the captures told done that certainly moved money: not one without an id
	// that may have been taken for an alike call's repeat (fcOp.okSession; check's twins).
	// Vipps rightly refuses a refund of a maybe twin's money (VMP_ERR_REJECTED, "Only N can be
	// refunded"), so the till refunds only what is certainly captured.
	captured map[string]int64
	refunds  map[string]int64 // refunds asked for
	// unknownAlike: kinds, payments and amounts an operation was told VMP_ERR_UNKNOWN_OUTCOME
	// of; a call without an id alike it may be taken for its repeat (check's twins).
	unknownAlike map[string]bool
	ops          []*fcOp
	// minute gives every payment a fresh rate-limit minute at Vipps (and moves the till's
	// clock as far); freshMinutes counts them at the end (the clocks stay well within a
	// checkout's 10 minutes).
	minute       func()
	freshMinutes atomic.Int32
	// The till paces its own calls by the wall clock (5 of each operation a minute per
	// payment, internal/retry), which no test clock moves on: the last session's repeats of
	// many open calls on few payments meet that limit. A call it refuses ends the session's
	// try, and the till settles again in a fresh session (fresh windows, a fresh minute at
	// Vipps) - settleAgain says it may (at most settleSessions more, in proportion to the
	// calls per payment); rateLimited says one was refused.
	settleAgain    atomic.Bool
	rateLimited    atomic.Bool
	settleSessions int
	// diskFailed: the journal refused a write until vmp is restarted (journal.ErrDiskFailed,
	// after a commit failed past its meta page). The till stops calling and restarts: the
	// session ends.
	diskFailed atomic.Bool
}

func TestFailedCommitsNeverMoveMoneyTwiceOrLoseIt(t *testing.T) {
	rounds, base := *failedCommitRounds, *failedCommitSeed
	if base == 0 {
		base = uint64(time.Now().UnixNano())
	} else {
		rounds = 1
	}
	for i := range rounds {
		seed := base + uint64(i)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (replay: -failed-commit-seed=%d)", seed, seed)
			failedCommitRound(t, seed)
		})
	}
}

func failedCommitRound(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	s, clock := externalSim(t)
	m := &fcTill{reserved: map[string]int64{}, captured: map[string]int64{}, refunds: map[string]int64{}, unknownAlike: map[string]bool{}}
	m.refs = authorizedPayments(t, s, clock, fmt.Sprintf("fc%d", seed%1e6), *failedCommitPays)
	setup := s.References("")

	path := filepath.Join(t.TempDir(), "till.db")
	disk := &flakyDisk{rng: rand.New(rand.NewPCG(seed, 2)), late: *failedCommitLate && rng.IntN(2) == 0, failed: map[journal.CommitFailure]int{}}
	journal.FailCommits(path, disk.choose)
	t.Cleanup(func() { journal.FailCommits(path, nil) })

	const sessions, workers = 3, 4
	perWorker := *failedCommitCalls
	// The calls a payment meets in a round, 5 of each operation a session: 1 at the default
	// density (8 payments, 5 calls), 9 at 2 payments and 8 calls.
	m.settleSessions = max(1, sessions*workers*perWorker/len(m.refs)/5)
	rate := []float64{0.1, 0.25, 0.4}[rng.IntN(3)]
	var told map[string]int
	restarts := 0 // sessions whose journal asked for a restart
	told = map[string]int{}
	var toldMu sync.Mutex
	t.Cleanup(func() { clockOffset.Store(0) })
	m.minute = func() { // a fresh rate-limit minute for every payment, at the till and at Vipps
		clockOffset.Add(int64(61 * time.Second))
		clock.Advance(61 * time.Second)
	}
	for session := 0; ; session++ {
		final := session >= sessions
		m.settleAgain.Store(final && session < sessions+m.settleSessions)
		m.rateLimited.Store(false)
		m.minute()
		m.diskFailed.Store(false)
		c := reopenTill(t, s, path, disk)
		if final {
			disk.set(0, false)
		} else {
			disk.set(rate, false)
		}
		if _, err := c.Recover(context.Background(), 3*time.Second); err != nil {
			t.Logf("session %d: recover: %v", session, err)
		}
		// Now and then Vipps refuses a payment's captures and refunds with 429 for a session:
		// those calls end certainly not carried out, and their outcome must reach the disk
		// before the till is told so (recovery would send an open one again).
		var refusing []string
		if !final && rng.IntN(3) == 0 {
			ref := m.refs[rng.IntN(len(m.refs))]
			for _, op := range []string{sim.OperationCapture, sim.OperationRefund} {
				id, err := s.InjectFault(sim.Fault{Kind: sim.FaultStatus, Status: 429, Operation: op, Reference: ref, Times: -1})
				if err != nil {
					t.Fatal(err)
				}
				refusing = append(refusing, id)
			}
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		left := m.unfinished(workers) // taken before any worker makes a new call
		for w := range workers {
			wrng := rand.New(rand.NewPCG(seed, uint64(10+session*workers+w)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				// First what this worker left unfinished, then new calls.
				for _, o := range left[w] {
					m.call(c, o, session, wrng, final, told, &toldMu)
				}
				for i := 0; i < perWorker && !final && !m.diskFailed.Load(); i++ {
					select {
					case <-stop:
						return
					default:
					}
					if o := m.newOp(wrng, session, w, workers); o != nil {
						m.call(c, o, session, wrng, false, told, &toldMu)
					}
				}
			}()
		}
		ending := rng.IntN(3) // 0: close, 1: close while the disk refuses everything, 2: killed mid-session
		if !final && ending == 2 {
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
			disk.set(0, true) // from here nothing reaches the disk: the process is as good as dead
			close(stop)
		}
		wg.Wait()
		for _, id := range refusing {
			s.RemoveFault(id)
		}
		if !final && ending == 1 {
			disk.set(0, true)
		}
		settled := final && !(m.settleAgain.Load() && m.rateLimited.Load())
		if settled {
			if _, err := c.Recover(context.Background(), 3*time.Second); err != nil {
				t.Errorf("final recover: %v", err)
			}
			p, err := c.Pending()
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Open) > 0 {
				t.Errorf("after the final recovery %d operations are open: %+v", len(p.Open), p.Open)
			}
		}
		c.Close()
		how := []string{"closed", "closed on a dead disk", "killed"}[ending]
		if final {
			how = "closed (the last session)"
		}
		if final && !settled {
			how = "closed (the till's own rate limit refused repeats: it settles again after a restart)"
		}
		if m.diskFailed.Load() {
			restarts++
			how += " (the journal asked for a restart)"
		}
		t.Logf("session %d ended %s", session, how)
		if settled {
			break
		}
	}
	t.Logf("commits failed: %d before the meta page, %d after; %d sessions ended asking for a restart; statuses %v",
		disk.failed[journal.FailBeforeMeta], disk.failed[journal.FailAfterMeta], restarts, told)
	m.check(t, s, setup, path)
	// The payment records too are Vipps' truth, once each has read its payment as it is now.
	refs := slices.DeleteFunc(s.References(""), func(ref string) bool { return slices.Contains(setup, ref) })
	for _, ref := range m.refs { // those the till moved money of: it has their records
		if snap, _ := s.Payment(ref); snap.Aggregate.CapturedAmount.Value > 0 {
			refs = append(refs, ref)
		}
	}
	c := reopenTill(t, s, path, disk)
	for _, ref := range refs {
		if _, err := c.OwnUnit().PollStatus(context.Background(), ref, 0); err != nil {
			t.Fatalf("reading %s: %v", ref, err)
		}
	}
	c.Close()
	if problems := recordsAreVippsTruth(t, s, path, refs); len(problems) > 0 {
		t.Fatalf("the payment records: %d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// authorizedPayments makes n payments of 10 000, authorized, through a client of their own.
func authorizedPayments(t *testing.T, s *sim.Server, clock *sim.FakeClock, prefix string, n int) []string {
	t.Helper()
	c := clientOn(t, s, filepath.Join(t.TempDir(), "setup.db"))
	defer c.Close()
	ctx := context.Background()
	var refs []string
	for i := range n {
		ref := fmt.Sprintf("%s-%d", prefix, i)
		req, _ := ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
		if _, err := c.OwnUnit().StartCheckout(ctx, req); err != nil {
			t.Fatal(err)
		}
		if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != StateAuthorized {
			t.Fatalf("setup poll: %+v %v", p, err)
		}
		refs = append(refs, ref)
	}
	clock.Advance(61 * time.Second)
	return refs
}

// reopenTill starts the till on its journal; a journal that cannot be written at start is
// tried again (the disk is given back to it: a till that cannot start is restarted).
func reopenTill(t *testing.T, s *sim.Server, path string, disk *flakyDisk) *Client {
	t.Helper()
	for try := 0; ; try++ {
		cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q,"timeouts":{"connect_ms":300,"request_ms":500,"operation_ms":1500,"recovery_ms":3000}}`,
			s.URL(), path)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(cfg)
		if err == nil {
			if err = c.Acknowledge("new-journal"); err == nil {
				return c
			}
			c.Close()
		}
		if try == 3 {
			t.Fatalf("the till cannot start on its journal: %v", err)
		}
		disk.set(0, false)
	}
}

// newOp picks the worker's next call: a capture (most), a refund of what is captured, or a
// sale, each with an id or without. Calls without an id are alike within a session (the same
// amount on the same payment), never across sessions: after a restart whose seen marks did
// not reach the disk an alike call is taken for a repeat, which vmp.h documents.
func (m *fcTill) newOp(rng *rand.Rand, session, worker, workers int) *fcOp {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := &fcOp{session: session}
	withID := rng.IntN(2) == 0
	n := len(m.ops)
	switch r := rng.IntN(10); {
	case r < 6:
		o.kind, o.ref, o.amount = journal.OpCapture, m.refs[rng.IntN(len(m.refs))], int64(300+session*10)
		if m.reserved[o.ref]+o.amount > 10000 {
			return nil
		}
		m.reserved[o.ref] += o.amount
	case r < 8:
		o.kind, o.ref, o.amount = journal.OpRefund, m.refs[rng.IntN(len(m.refs))], int64(100+session*10)
		if m.captured[o.ref]-m.refunds[o.ref] < o.amount {
			return nil
		}
		m.refunds[o.ref] += o.amount
	default:
		o.kind, o.amount = journal.OpCreate, int64(2000+session*10)
		if withID {
			o.ref = fmt.Sprintf("%s-sale-%d", m.refs[0], n)
		}
		withID = false
	}
	if withID {
		o.id = fmt.Sprintf("op-%d", n)
	}
	m.ops = append(m.ops, o)
	_ = worker
	_ = workers
	return o
}

// unfinished are the calls the workers must still make again, those without a definite
// end, each worker's own.
func (m *fcTill) unfinished(workers int) [][]*fcOp {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := make([][]*fcOp, workers)
	for i, o := range m.ops {
		if o.final == "" {
			list[i%workers] = append(list[i%workers], o)
		}
	}
	return list
}

// call makes o's call once and books what the till was told. A call certainly not carried
// out (the journal refused it, say) is made again or given up; one of unknown outcome is left
// to the next session (or, in the last, made again until it ends).
func (m *fcTill) call(c *Client, o *fcOp, session int, rng *rand.Rand, last bool, told map[string]int, toldMu *sync.Mutex) {
	for try := 0; ; try++ {
		ctx := context.Background()
		var err error
		var gotRef string
		switch o.kind {
		case journal.OpCapture:
			_, err = c.OwnUnit().Capture(ctx, o.ref, o.amount, o.id)
		case journal.OpRefund:
			_, err = c.OwnUnit().Refund(ctx, o.ref, o.amount, o.id)
		case journal.OpCreate:
			body := fmt.Sprintf(`{"amount":%d,"phone_number":"4712345678"`, o.amount)
			if o.ref != "" {
				body += fmt.Sprintf(`,"reference":%q`, o.ref)
			}
			req, perr := ParseCheckout([]byte(body + "}"))
			if perr != nil {
				panic(perr)
			}
			gotRef, err = c.OwnUnit().StartCheckout(ctx, req)
		}
		code := CodeOf(err)
		if errors.Is(err, journal.ErrDiskFailed) {
			if code != CodeJournal && code != CodeUnknownOutcome {
				panic(fmt.Sprintf("a write refused until a restart answered %v: %v", code, err))
			}
			m.diskFailed.Store(true)
		}
		toldMu.Lock()
		told[code.String()]++
		toldMu.Unlock()
		m.mu.Lock()
		o.told = append(o.told, code.String())
		if err != nil {
			o.why = append(o.why, code.String()+": "+err.Error())
		}
		switch code {
		case CodeOK:
			o.final, o.resultRF, o.okSession = "ok", gotRef, session
			m.certainlyCaptured(o)
		case CodeCaptureMismatch: // the capture happened; the simulator never skews its figures, so check reports it
			o.final, o.okSession = "ok", session
			m.certainlyCaptured(o)
		case CodeUnknownOutcome:
			m.unknownAlike[alikeKey(o)] = true
		case CodeInternal:
		case CodeJournal, CodeNetwork, CodeRateLimited, CodeUnavailable, CodeAuth:
			// Certainly not carried out: the till makes it again, or gives it up (pays cash) -
			// not after an unknown outcome: that one may still be carried out.
			if !last && rng.IntN(3) == 0 && !slices.Contains(o.told, CodeUnknownOutcome.String()) {
				o.final = "gave-up"
			}
		default:
			o.final = "definite"
		}
		// A journal that asks for a restart refuses every write until then: the rest of the
		// call waits for the next session.
		done := o.final != "" || (!last && code == CodeUnknownOutcome) || m.diskFailed.Load()
		m.mu.Unlock()
		if done {
			return
		}
		if code == CodeRateLimited && last && m.settleAgain.Load() {
			m.rateLimited.Store(true) // made again in the next session
			return
		}
		if try >= 6 {
			return
		}
		if code == CodeRateLimited && last && m.freshMinutes.Add(1) <= 3 {
			m.minute() // the rest of the till's calls at the end are not held back by Vipps
		}
		if code == CodeUnknownOutcome {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// alikeKey is what makes two calls alike: the repeat rule compares what is asked for.
func alikeKey(o *fcOp) string { return fmt.Sprint(o.kind, o.ref, o.amount) }

// certainlyCaptured books o, told done, in captured if it is a capture that is no maybe twin
// (as check decides, with what is known now; check's slack covers a later alike unknown).
func (m *fcTill) certainlyCaptured(o *fcOp) {
	if o.kind != journal.OpCapture {
		return
	}
	if o.id == "" && (o.okSession > o.session || m.unknownAlike[alikeKey(o)]) {
		return
	}
	m.captured[o.ref] += o.amount
}

// check compares the till's model with the simulator's own records.
func (m *fcTill) check(t *testing.T, s *sim.Server, setup []string, path string) {
	t.Helper()
	want := map[string][2]int64{}  // per payment: captured, refunded
	slack := map[string][2]int64{} // of which possibly taken for an alike call's repeat
	var problems []string
	sales, twinSales := 0, 0
	// A call without an id made while an alike operation's outcome is unknown is taken for its
	// repeat (vmp.h) - also of one with an id: the repeat rule compares what is asked for.
	unknownAlike := map[string]bool{}
	for _, o := range m.ops {
		if slices.Contains(o.told, CodeUnknownOutcome.String()) {
			unknownAlike[alikeKey(o)] = true
		}
	}
	for _, o := range m.ops {
		if slices.Contains(o.told, CodeCaptureMismatch.String()) {
			problems = append(problems, "told VMP_ERR_CAPTURE_MISMATCH although the simulator's figures are right: "+o.String())
		}
		switch o.final {
		case "":
			problems = append(problems, "never ended: "+o.String())
			continue
		case "ok":
		default:
			if o.kind == journal.OpCreate && o.ref != "" {
				if _, ok := s.Payment(o.ref); ok {
					problems = append(problems, "a sale the till ended ("+o.final+") exists at Vipps: "+o.String())
				}
			}
			continue
		}
		w, sl := want[o.ref], slack[o.ref]
		twin := o.id == "" && (o.okSession > o.session || unknownAlike[alikeKey(o)])
		switch o.kind {
		case journal.OpCapture:
			w[0] += o.amount
			if twin {
				sl[0] += o.amount
			}
		case journal.OpRefund:
			w[1] += o.amount
			if twin {
				sl[1] += o.amount
			}
		case journal.OpCreate:
			sales++
			if twin && o.ref == "" {
				twinSales++
			}
			if _, ok := s.Payment(o.resultRF); !ok {
				problems = append(problems, "a sale told done is not at Vipps: "+o.String())
			}
		}
		want[o.ref], slack[o.ref] = w, sl
	}
	for _, ref := range m.refs {
		captured, refunded, _ := aggregate(t, s, ref)
		w, sl := want[ref], slack[ref]
		if captured > w[0] || captured < w[0]-sl[0] || refunded > w[1] || refunded < w[1]-sl[1] {
			var ops []string
			for _, o := range m.ops {
				if o.ref == ref {
					ops = append(ops, "  "+o.String()+" -> "+o.final)
				}
			}
			problems = append(problems, fmt.Sprintf("%s: Vipps has %d captured, %d refunded; the till was told %d (%d maybe twins) and %d (%d):\n%s\n  the journal:\n%s",
				ref, captured, refunded, w[0], sl[0], w[1], sl[1], strings.Join(ops, "\n"), journalOf(t, path, ref)))
		}
	}
	var created []string
	for _, ref := range s.References("") {
		if !slices.Contains(setup, ref) {
			created = append(created, ref)
		}
	}
	if len(created) > sales || len(created) < sales-twinSales {
		problems = append(problems, fmt.Sprintf("Vipps has %d new payments, the till was told of %d sales (%d maybe twins)", len(created), sales, twinSales))
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// journalOf lists the journal's entries of ref, for a failure's message.
func journalOf(t *testing.T, path, ref string) string {
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		return err.Error()
	}
	defer j.Close()
	list, err := j.ForReference(ref)
	if err != nil {
		return err.Error()
	}
	var lines []string
	for _, e := range list {
		lines = append(lines, fmt.Sprintf("  %s %s %d id %q: %s acked %v attempts %d created %s",
			e.ID[:12], e.Operation, e.Amount, e.OperationID, e.State, e.Acknowledged, e.Attempts, e.CreatedAt.Format("15:04:05.000")))
	}
	return strings.Join(lines, "\n")
}
