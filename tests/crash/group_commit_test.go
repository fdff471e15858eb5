package crash

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// The group-commit crash test: a till (tests/c/prop_till.c through the real library, built
// with the vmpfailpoints tag) runs 64 money operations at once, each on a thread of its own -
// checkouts with and without a reference, captures and refunds with and without an operation
// id - against a simulator that lives in this process, so its records outlive the till. The
// till is killed with SIGKILL just before or just after its Nth journal commit from the moment
// the 64 calls start (the first commit, one call's intent, is held until the other 63 intents
// are queued, so the second is their group): while a commit holds the intents of 63 calls,
// while requests are in flight, while outcomes are queued for a commit the calls did not wait
// for. Then:
//   - every request the simulator received (by Idempotency-Key) has its entry in the journal
//     the dead till left: the intent was on disk before the request left;
//   - every call the till saw return (it prints each result, flushed, as it gets it) has its
//     entry in that journal;
//   - a new till process opens the journal (vmp_init, vmp_recover) and repeats every call that
//     did not return VMP_OK, as a till would; then every payment, capture and refund exists
//     exactly once at the simulator and vmp_pending shows nothing open.
//
// The child is the C till rather than core in a Go child: the calls cross the C ABI's wall
// (host threads handing calls to Go workers, capi/wall*.c) as a till's do, and the "seen"
// marks follow the host's taking of each result, which a Go child would skip.

// groupOps is how many money operations the till runs at once.
const groupOps = 64

// groupOp is one of the 64 operations: its prop_till command and what it must leave at the
// simulator once done.
type groupOp struct {
	id      string // prop_till's command id: "o<i>"
	kind    string // "checkout", "capture", "refund"
	ref     string // the payment's reference; "" for a checkout without one until the till says
	amount  int64
	opID    string // "-": none
	command string // the prop_till line without its id
}

// groupOpsFor lays out the 64 operations: each i%8 picks a kind, so every kind is spread over
// the whole batch. Captures act on authorized payments, refunds on captured ones; prepared
// returns those references.
func groupOpsFor() (ops []*groupOp, authorized, captured []string) {
	checkout := func(amount int64, ref string) string {
		body := map[string]any{"amount": amount, "phone_number": "4712345678"}
		if ref != "" {
			body["reference"] = ref
		}
		data, _ := json.Marshal(body)
		return "checkout - " + string(data)
	}
	for i := range groupOps {
		op := &groupOp{id: fmt.Sprintf("o%d", i), opID: "-"}
		switch i % 8 {
		case 0: // a checkout with its reference (the operation id of a checkout)
			op.kind, op.ref, op.amount = "checkout", fmt.Sprintf("gc-new-%d", i), 30000+int64(i)
			op.command = checkout(op.amount, op.ref)
		case 1: // a checkout without one: known at the simulator by its amount, unique here
			op.kind, op.amount = "checkout", 40000+int64(i)
			op.command = checkout(op.amount, "")
		case 2, 3, 6:
			op.kind, op.ref, op.amount = "capture", fmt.Sprintf("gc-auth-%d", i), 10000
			if i%8 != 3 {
				op.opID = "cap-" + op.id
			}
			authorized = append(authorized, op.ref)
		default: // 4, 5, 7
			op.kind, op.ref, op.amount = "refund", fmt.Sprintf("gc-capt-%d", i), 4000
			if i%8 == 4 {
				op.opID = "ret-" + op.id
			}
			captured = append(captured, op.ref)
		}
		if op.kind != "checkout" {
			op.command = fmt.Sprintf("%s - %s %d %s", op.kind, op.ref, op.amount, op.opID)
		}
		ops = append(ops, op)
	}
	return ops, authorized, captured
}

// keyRecorder stands in front of the simulator and records the Idempotency-Key of every
// request as it arrives, before the simulator acts on it.
type keyRecorder struct {
	sim  *sim.Server
	mu   sync.Mutex
	keys map[string]string // key -> "POST /path"
}

func (k *keyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		k.mu.Lock()
		k.keys[key] = r.Method + " " + r.URL.Path
		k.mu.Unlock()
	}
	k.sim.ServeHTTP(w, r)
}

// received returns the keys recorded so far and starts a new record.
func (k *keyRecorder) received() map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	keys := k.keys
	k.keys = map[string]string{}
	return keys
}

// tillLine is one answer line of prop_till: "ID start", or "ID STATUS key=value ... msg=TEXT".
type tillLine struct {
	id, status string
	fields     map[string]string
	raw        string
}

func parseTillLine(line string) tillLine {
	l := tillLine{raw: line, fields: map[string]string{}}
	rest := line
	l.id, rest, _ = strings.Cut(rest, " ")
	l.status, rest, _ = strings.Cut(rest, " ")
	for rest != "" && !strings.HasPrefix(rest, "msg=") {
		var kv string
		kv, rest, _ = strings.Cut(rest, " ")
		if k, v, ok := strings.Cut(kv, "="); ok {
			l.fields[k] = v
		}
	}
	l.fields["msg"] = strings.TrimPrefix(rest, "msg=")
	return l
}

// tillRun is what one prop_till process printed, and how it ended.
type tillRun struct {
	started map[string]bool     // money calls that printed "start"
	results map[string]tillLine // answers by command id
	lines   []string
	killed  string // the failpoint build's last words: which commit, and how many writes it held
	stderr  string
	err     error
}

// runTill runs prop_till with the commands on its stdin and waits for it to end (killed at a
// commit, or at the end of its input).
func runTill(t *testing.T, bin string, commands []string) tillRun {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(strings.Join(commands, "\n") + "\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	run := tillRun{started: map[string]bool{}, results: map[string]tillLine{}}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := parseTillLine(sc.Text())
		run.lines = append(run.lines, sc.Text())
		if l.status == "start" {
			run.started[l.id] = true
		} else {
			run.results[l.id] = l
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	run.err, run.stderr = cmd.Wait(), stderr.String()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		run.err = nil
		run.killed = "killed (by whom it does not say)"
		if _, words, ok := strings.Cut(run.stderr, "vmp failpoint: "); ok {
			run.killed, _, _ = strings.Cut(words, "\n")
		}
	}
	if run.err != nil {
		t.Fatalf("prop_till ended with %v; stderr:\n%s\nstdout:\n%s", run.err, stderr.String(), strings.Join(run.lines, "\n"))
	}
	return run
}

// writesOfKilledCommit reads the number of writes from the failpoint build's "killed before
// journal commit N of W writes"; 0 when it is not there.
func writesOfKilledCommit(words string) int {
	var n, w int
	for _, when := range []string{"before", "after"} {
		if _, err := fmt.Sscanf(words, "killed "+when+" journal commit %d of %d writes", &n, &w); err == nil {
			return w
		}
	}
	return 0
}

// prepareGroup makes the payments the captures and refunds act on, with a client and journal
// of its own: authorized ones for the captures, captured ones for the refunds.
func prepareGroup(t *testing.T, s *sim.Server, authorized, captured []string) {
	t.Helper()
	cfg, err := core.ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q}`, s.URL(), filepath.Join(t.TempDir(), "prep.db"))))
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	errs := make(chan error, len(authorized)+len(captured))
	var wg sync.WaitGroup
	prep := func(ref string, capture bool) {
		defer wg.Done()
		req, _ := core.ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
		if _, err := c.OwnUnit().StartCheckout(ctx, req); err != nil {
			errs <- err
			return
		}
		if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != core.StateAuthorized {
			errs <- fmt.Errorf("prepare %s: %+v %v", ref, p, err)
			return
		}
		if capture {
			if _, err := c.OwnUnit().Capture(ctx, ref, 10000, "prep"); err != nil {
				errs <- err
			}
		}
	}
	for _, ref := range authorized {
		wg.Add(1)
		go prep(ref, false)
	}
	for _, ref := range captured {
		wg.Add(1)
		go prep(ref, true)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// openCopy opens a copy of the journal file, so reading it changes nothing the next till sees.
func openCopy(t *testing.T, path string) *journal.Journal {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// The journal's write-ahead log beside it holds the writes since its last checkpoint.
	if log, err := os.ReadFile(path + ".wal"); err == nil {
		if err := os.WriteFile(cp+".wal", log, 0o600); err != nil {
			t.Fatal(err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	j, err := journal.Open(cp, journal.Options{})
	if err != nil {
		t.Fatalf("opening the journal the till left: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

var journalOp = map[string]string{"checkout": journal.OpCreate, "capture": journal.OpCapture, "refund": journal.OpRefund}

// entryOf is the journal entry of op, or nil.
func entryOf(t *testing.T, j *journal.Journal, op *groupOp, ref string) *journal.Entry {
	t.Helper()
	entries, err := j.ForReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Operation == journalOp[op.kind] {
			return e
		}
	}
	return nil
}

func TestKillingTheTillDuringAGroupCommitOf64MoneyOperations(t *testing.T) {
	_, till := tills(t)
	type point struct {
		n      int
		before bool
	}
	var points []point
	for _, n := range []int{1, 2, 3, 4, 5, 6} {
		points = append(points, point{n, true}, point{n, false})
	}
	for _, p := range points {
		name := fmt.Sprintf("commit %d %s", p.n, map[bool]string{true: "before its sync", false: "after its sync"}[p.before])
		t.Run(name, func(t *testing.T) {
			s, err := sim.Start(sim.Options{ApproveDelay: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rec := &keyRecorder{sim: s, keys: map[string]string{}}
			front := httptest.NewServer(rec)
			defer front.Close()

			ops, authorized, captured := groupOpsFor()
			prepareGroup(t, s, authorized, captured)
			preparedPayments := len(s.References(""))
			path := filepath.Join(t.TempDir(), "till.db")
			config, _ := json.Marshal(map[string]any{"environment": "simulator", "base_url": front.URL, "journal_path": path,
				"log_level": "off", "timeouts": map[string]int{"connect_ms": 1000, "request_ms": 2000, "operation_ms": 10000, "recovery_ms": 10000}})

			// The till: its journal is new, the payments were made elsewhere (a till with a
			// history). Just before the 64 calls start, the kill is armed and the first commit
			// from then (the first call's intent) is held until the other 63 intents are queued,
			// so commit 2 is their group, as on a slow disk. Later commits - outcomes queued by
			// calls that did not wait for them, the seen marks - fall as the answers come.
			when := map[bool]string{true: "before", false: "after"}[p.before]
			commands := []string{"i init " + string(config), "a ack new-journal", fmt.Sprintf("h holdsync 1 %d", groupOps-1),
				fmt.Sprintf("k killsync %d %s", p.n, when)}
			for _, op := range ops {
				commands = append(commands, "&"+op.id+" "+op.command)
			}
			commands = append(commands, "w wait", "s syncs")
			first := runTill(t, till, commands)
			switch {
			case first.killed == "" && p.n <= 2:
				t.Fatalf("the till was not killed at commit %d:\n%s", p.n, strings.Join(first.lines, "\n"))
			case first.killed == "":
				// The commits after the intents' depend on when the answers come; a run may
				// make fewer. Its journal, closed cleanly, is checked all the same.
				first.killed = fmt.Sprintf("not killed (the calls made fewer than %d commits)", p.n)
			case p.n == 2 && writesOfKilledCommit(first.killed) < groupOps-1:
				// The other 63 intents, and the first call's outcome when it came in time.
				t.Fatalf("commit 2 should hold the intents of the other %d calls (the first one's commit was held for them): %s", groupOps-1, first.killed)
			}
			for _, id := range []string{"i", "a"} {
				if r := first.results[id]; r.status != "VMP_OK" {
					t.Fatalf("the till before the calls: %s", r.raw)
				}
			}
			sentBefore := rec.received()

			// What the dead till left on disk.
			j := openCopy(t, path)
			for key, what := range sentBefore {
				if e, err := j.Get(key); err != nil || e == nil {
					t.Errorf("the simulator received %s with Idempotency-Key %s, but the journal has no entry of it (%v)", what, key, err)
				}
			}
			returned, onDisk, openOnDisk := 0, 0, 0
			for _, op := range ops {
				if e := entryOf(t, j, op, op.ref); op.ref != "" && e != nil {
					onDisk++
					if e.State == journal.StateOpen {
						openOnDisk++
					}
				}
				r, ok := first.results[op.id]
				if !ok {
					continue
				}
				returned++
				ref := op.ref
				if op.kind == "checkout" {
					ref = r.fields["ref"]
				}
				if ref == "" || ref == "-" || entryOf(t, j, op, ref) == nil {
					t.Errorf("%s (%s) returned %s before the kill, but the journal has no entry of it", op.id, op.command, r.raw)
				}
			}
			t.Logf("%s: %d calls started, %d returned, %d requests reached the simulator; "+
				"entries on disk of the %d with a known reference: %d, %d of them still open",
				first.killed, len(first.started), returned, len(sentBefore), groupOps-groupOps/8, onDisk, openOnDisk)

			// A new till on the same journal: vmp_init and vmp_recover finish what is open, then
			// the till repeats every call it did not see return VMP_OK.
			commands = []string{"i init " + string(config), "a ack new-journal", "r recover 10000"}
			repeats := 0
			for _, op := range ops {
				if r, ok := first.results[op.id]; !ok || r.status != "VMP_OK" {
					commands = append(commands, "&"+op.id+" "+op.command)
					repeats++
				}
			}
			commands = append(commands, "w wait", "p pending", "c close")
			second := runTill(t, till, commands)
			if second.killed != "" {
				t.Fatal("the restarted till was killed")
			}
			for _, id := range []string{"i", "a", "r"} {
				if r := second.results[id]; r.status != "VMP_OK" {
					t.Fatalf("the restarted till: %s", r.raw)
				}
			}
			for _, op := range ops {
				if r, ok := second.results[op.id]; ok && r.status != "VMP_OK" {
					t.Errorf("the repeat of %s (%s): %s", op.id, op.command, r.raw)
				}
			}
			if pending := second.results["p"]; !strings.Contains(pending.raw, `json={"open":[],`) {
				t.Errorf("something is left open after the restart: %s", pending.raw)
			}
			j2 := openCopy(t, path)
			for key, what := range rec.received() {
				if e, err := j2.Get(key); err != nil || e == nil {
					t.Errorf("after the restart the simulator received %s with Idempotency-Key %s, which the journal has no entry of (%v)", what, key, err)
				}
			}

			// Every operation exactly once at the simulator.
			byAmount := map[int64]int{}
			refs := s.References("")
			for _, ref := range refs {
				if snap, ok := s.Payment(ref); ok {
					byAmount[snap.Amount.Value]++
				}
			}
			if want := preparedPayments + groupOps/4; len(refs) != want {
				t.Errorf("the simulator holds %d payments, want %d (%d prepared, %d checkouts)", len(refs), want, preparedPayments, groupOps/4)
			}
			for _, op := range ops {
				var got int
				switch op.kind {
				case "checkout":
					got = byAmount[op.amount]
				default:
					got = effects(s, op.ref, op.kind)
				}
				if got != 1 {
					t.Errorf("%s (%s): %d at the simulator, want exactly 1", op.id, op.command, got)
				}
			}
			t.Logf("%d calls repeated by the restarted till", repeats)
		})
	}
}
