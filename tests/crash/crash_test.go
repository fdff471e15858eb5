// Package crash holds the crash matrix: a child process running the real library (built with
// the vmpfailpoints tag) is killed with SIGKILL at every point of a money-moving call, a new
// process opens the same journal, and the simulator's own records must show every payment,
// capture and refund exactly once, with nothing left pending.
package crash

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/tests/cbuild"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner")); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// built is the failpoint-enabled library and the C tills that use it, built once for the
// package's tests.
var (
	buildOnce sync.Once
	built     struct {
		dir                  string
		crashChild, propTill string
	}
)

// tills builds the failpoint-enabled library and the C children that use it: crash_child (one
// operation a process) and prop_till (commands on stdin, calls on threads of their own).
func tills(t *testing.T) (crashChild, propTill string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the crash tests kill processes with SIGKILL; they run on Linux")
	}
	if testing.Short() {
		t.Skip("builds a library; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vmp-crash-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir = dir
		cbuild.Library(t, dir, "vmpfailpoints")
		built.crashChild = cbuild.Program(t, dir, "crash_child")
		built.propTill = cbuild.Program(t, dir, "prop_till", "-pthread", "-ldl")
	})
	if built.propTill == "" {
		t.Fatal("building the library or the tills failed in an earlier test")
	}
	return built.crashChild, built.propTill
}

type childRun struct {
	output string
	killed bool
	err    error
}

// runChild runs one operation in a child process. failpoint is "" or "point:operation". When
// killWhen is set, the parent kills the child with SIGKILL as soon as it returns true.
func runChild(t *testing.T, child, journal, baseURL, op, ref string, amount int64, opID, failpoint string, killWhen func() bool) childRun {
	t.Helper()
	cmd := exec.Command(child, journal, baseURL, op, ref, fmt.Sprint(amount), opID)
	cmd.Env = append(os.Environ(), "VMP_FAILPOINT="+failpoint)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			run := childRun{output: out.String(), err: err}
			if ee, ok := err.(*exec.ExitError); ok {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					run.killed, run.err = true, nil
				}
			}
			return run
		case <-tick.C:
			if killWhen != nil && killWhen() {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				killWhen = nil
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("child did not finish in 30 s; output:\n%s", out.String())
		}
	}
}

var effectName = map[string]string{"create": sim.EventCreated, "capture": sim.EventCaptured, "refund": sim.EventRefunded}

func effects(s *sim.Server, ref, op string) int {
	snap, ok := s.Payment(ref)
	if !ok {
		return 0
	}
	if op == "create" {
		return 1
	}
	n := 0
	for _, e := range snap.Events {
		if e.Name == effectName[op] && e.Success {
			n++
		}
	}
	return n
}

// prepare brings the payment to where op can run: authorized for a capture, captured for a
// refund. It uses its own client and journal.
func prepare(t *testing.T, s *sim.Server, op, ref string) {
	t.Helper()
	if op == "create" {
		return
	}
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
	req, _ := core.ParseCheckout([]byte(`{"amount":10000,"phone_number":"4712345678","reference":"` + ref + `"}`))
	if _, err := c.OwnUnit().StartCheckout(ctx, req); err != nil {
		t.Fatal(err)
	}
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 5*time.Second); err != nil || p.State != core.StateAuthorized {
		t.Fatalf("prepare: %+v %v", p, err)
	}
	if op == "refund" {
		if _, err := c.OwnUnit().Capture(ctx, ref, 10000, "prep"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKillingTheTillAtAnyPointNeverLosesOrDoublesMoney(t *testing.T) {
	child, _ := tills(t)
	clock := sim.NewFakeClock(time.Now())
	s, err := sim.Start(sim.Options{Clock: clock, ApproveDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// after_outcome: the outcome is in the journal, the call has not returned (issue 14 case 13:
	// "seen" must never be recorded inside the call, or the till's repeat moves money again).
	// before_delivery: the call has returned on the library's worker, the till's thread has not
	// taken the result yet (C's failpoint waits 300 ms first: the outcome must not be recorded
	// as seen meanwhile).
	points := []string{"before_journal_write", "after_journal_write", "sim_committed", "after_response", "after_outcome", "before_delivery"}
	type variant struct{ op, opID string }
	variants := []variant{{"create", ""}, {"capture", "receipt-1"}, {"capture", "-"}, {"refund", "return-1"}, {"refund", "-"}}
	n := 0
	for _, v := range variants {
		for _, point := range points {
			n++
			name := fmt.Sprintf("%s killed %s", v.op, strings.ReplaceAll(point, "_", " "))
			if v.opID == "-" {
				name += " without operation id"
			}
			t.Run(name, func(t *testing.T) {
				ref := fmt.Sprintf("crash-%d-%d", time.Now().UnixNano()%1e8, n)
				opID := v.opID
				if opID == "" {
					opID = "-"
				}
				amount := int64(10000)
				if v.op == "refund" {
					amount = 4000
				}
				prepare(t, s, v.op, ref)
				clock.Advance(61 * time.Second) // a fresh rate-limit minute at the simulator
				journal := filepath.Join(t.TempDir(), "till.db")

				var first childRun
				if point == "sim_committed" {
					// The simulator commits and never answers; the parent kills the child as soon
					// as the simulator's records show the effect.
					id, err := s.InjectFault(sim.Fault{Kind: sim.FaultDropAfterCommit, Operation: v.op, Reference: ref, Times: -1})
					if err != nil {
						t.Fatal(err)
					}
					first = runChild(t, child, journal, s.URL(), v.op, ref, amount, opID, "", func() bool { return effects(s, ref, v.op) > 0 })
					s.RemoveFault(id)
				} else {
					first = runChild(t, child, journal, s.URL(), v.op, ref, amount, opID, point+":"+v.op, nil)
				}
				if !first.killed {
					t.Fatalf("the first child was not killed (err %v); output:\n%s", first.err, first.output)
				}
				clock.Advance(61 * time.Second)

				// The till restarts on the same journal and repeats what it was doing.
				second := runChild(t, child, journal, s.URL(), v.op, ref, amount, opID, "", nil)
				if second.err != nil || !strings.Contains(second.output, "result VMP_OK") {
					t.Fatalf("the restarted till: err %v; output:\n%s", second.err, second.output)
				}
				if !strings.Contains(second.output, `pending {"open":[],"unacknowledged":[],`) {
					t.Fatalf("the journal is not clean after the restart:\n%s", second.output)
				}
				if got := effects(s, ref, v.op); got != 1 {
					t.Fatalf("the simulator recorded the %s %d times, want exactly 1", v.op, got)
				}
				if v.op == "refund" && effects(s, ref, "capture") != 1 {
					t.Fatal("the capture before the refund was doubled")
				}
			})
		}
	}
}
