// Package soak holds the soak test: a C till (tests/c/soak_till.c) runs thousands of complete
// payment lifecycles through the real library's C ABI, from several threads, against a
// simulator that injects faults at random, while a scanner stream arrives on a pseudo-terminal.
// The run fails if the till's threads, open files, goroutines or resident memory keep growing,
// if the simulator's own records show any payment, capture, refund or cancel duplicated or
// lost, if a scanned code is lost, repeated or reordered, or if anything is left pending.
//
// `make test` runs the short version (the defaults below); `make soak` the full one:
//
//	go test ./tests/soak -run TestSoak -v -timeout 40m -args -soak.lifecycles=10000 -soak.time=20m -soak.require-all
package soak

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/scanner/scannertest"
	"github.com/vmp-dev/vmp/tests/cbuild"
)

var (
	lifecycles = flag.Int("soak.lifecycles", 1200, "payment lifecycles to run")
	threads    = flag.Int("soak.threads", 8, "till threads running lifecycles at once")
	rounds     = flag.Int("soak.rounds", 12, "rounds between resource samples")
	timeLimit  = flag.Duration("soak.time", 75*time.Second, "stop starting lifecycles after this long")
	seed       = flag.Int64("soak.seed", 11, "seed of the simulator's random faults")
	faultScale = flag.Float64("soak.fault-scale", 1, "multiplies every random fault probability")
	targetFlag = flag.Bool("soak.targeted", true, "hold some calls past their timeout so the till must repeat them")
	requireAll = flag.Bool("soak.require-all", false, "fail unless every lifecycle ran within the time limit")
	reportPath = flag.String("soak.report", "", "also write the summary as JSON to this file")
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestSoak(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the soak reads /proc and uses pseudo-terminals; it runs on Linux")
	}
	if testing.Short() {
		t.Skip("builds a library and runs for a minute; skipped with -short")
	}
	start := time.Now()
	dir := t.TempDir()
	till := buildTill(t, dir)

	s, err := sim.Start(sim.Options{ApproveDelay: -1, FaultSeed: *seed})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	targeted := injectFaults(t, s, *lifecycles)
	pty := scannertest.OpenPTY(t)

	config, _ := json.Marshal(map[string]any{
		"environment": "simulator", "base_url": s.URL(), "journal_path": filepath.Join(dir, "journal.db"),
		"log_level": "warn", "store_id": "soak", "pos_id": "till1",
		"timeouts": map[string]int{"connect_ms": 500, "request_ms": 500, "operation_ms": 600, "recovery_ms": 5000},
		"scanner":  map[string]any{"port": pty.Path, "inter_byte_timeout_ms": 2000},
	})
	ledgerPath := filepath.Join(dir, "ledger.txt")
	cmd := exec.Command(till, string(config), ledgerPath, strconv.Itoa(*lifecycles), strconv.Itoa(*threads),
		strconv.Itoa(*rounds), strconv.FormatFloat(timeLimit.Seconds(), 'f', 0, 64))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := readTill(t, stdout, pty)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("the till failed: %v\n%s", err, out.text())
		}
	case <-time.After(*timeLimit + 5*time.Minute):
		_ = cmd.Process.Kill()
		<-waited
		t.Fatalf("the till did not finish within the time limit and 5 minutes; output:\n%s", out.text())
	}
	out.wait()

	r := summarize(t, s, out, ledgerPath, targeted)
	r.Seconds = time.Since(start).Seconds()
	t.Logf("soak: %s", r)
	if *reportPath != "" {
		data, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(*reportPath, data, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// buildTill builds the library with the vmpsoak tag (which only adds the goroutine-count
// diagnostic) and the C till that uses it.
func buildTill(t *testing.T, dir string) string {
	t.Helper()
	return cbuild.Till(t, dir, "vmpsoak", "soak_till", "-O2", "-pedantic", "-pthread", "-ldl")
}

// randomFaults hit any request with a probability, each kind with its own; the seed makes a
// run repeatable. Mutations get few enough that a payment rarely needs more than Vipps' five
// money-moving requests a minute.
var randomFaults = []sim.Fault{
	{Kind: sim.FaultStatus, Operation: sim.OperationToken, Status: 503, Probability: 0.05},
	{Kind: sim.FaultStatus, Operation: sim.OperationGet, Status: 503, Probability: 0.03},
	{Kind: sim.FaultCloseBefore, Operation: sim.OperationGet, Probability: 0.02},
	{Kind: sim.FaultMalformedJSON, Operation: sim.OperationGet, Probability: 0.01},
	{Kind: sim.FaultTruncatedBody, Operation: sim.OperationGet, Probability: 0.01},
	{Kind: sim.FaultStatus, Operation: sim.OperationGet, Status: 429, RetryAfter: time.Second, Probability: 0.003},
	{Kind: sim.FaultStatus, Operation: sim.OperationEvents, Status: 503, Probability: 0.03},
}

// Each money-moving operation gets these, about 2.5 % in all.
var mutationFaults = []sim.Fault{
	{Kind: sim.FaultDropAfterCommit, Probability: 0.008},
	{Kind: sim.FaultCloseBefore, Probability: 0.004},
	{Kind: sim.FaultStatus, Status: 500, Probability: 0.004},
	{Kind: sim.FaultStatus, Status: 423, Probability: 0.004},
	{Kind: sim.FaultTruncatedBody, Probability: 0.0025},
	{Kind: sim.FaultMalformedJSON, Probability: 0.0025},
}

// targetedSales are sales (index mod 120) whose checkout, capture or refund is held past the
// request timeout, which with the config's operation_ms ends the call: it returns
// VMP_ERR_UNKNOWN_OUTCOME and the till has to repeat it - a checkout with its own reference
// (sale kind 6), a capture with an operation_id (10) and one without (18), a refund (19). Each
// of these sales needs at most four money-moving requests, so one random fault more still fits
// in Vipps' five a minute.
var targetedSales = map[int]string{6: sim.OperationCreate, 30: sim.OperationCapture, 18: sim.OperationCapture, 39: sim.OperationRefund}

func injectFaults(t *testing.T, s *sim.Server, n int) (targeted int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if op, ok := targetedSales[i%120]; ok && *targetFlag {
			// Every third sale names its reference (soak_till.c), so the fault can name it too.
			f := sim.Fault{Kind: sim.FaultDelay, Operation: op, Reference: fmt.Sprintf("soak-%08d", i), Delay: 700 * time.Millisecond}
			if _, err := s.InjectFault(f); err != nil {
				t.Fatal(err)
			}
			targeted++
		}
	}
	var all []sim.Fault
	all = append(all, randomFaults...)
	for _, op := range []string{sim.OperationCreate, sim.OperationCapture, sim.OperationRefund, sim.OperationCancel} {
		for _, f := range mutationFaults {
			f.Operation = op
			all = append(all, f)
		}
	}
	for _, f := range all {
		f.Times = -1
		if f.Probability = min(f.Probability**faultScale, 0.5); f.Probability <= 0 {
			continue // 0 would mean "always"
		}
		if _, err := s.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	}
	return targeted
}

// tillOutput collects the till's stdout; it feeds the scanner while the lifecycles run.
type tillOutput struct {
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	sent  int // codes sent into the pty, the end marker not counted
}

func (o *tillOutput) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.lines, "\n")
}

func (o *tillOutput) wait() { <-o.done }

// with returns the lines that start with prefix+" ".
func (o *tillOutput) with(prefix string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, l := range o.lines {
		if rest, ok := strings.CutPrefix(l, prefix+" "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// readTill reads the till's stdout. On "ready" it starts the scanner stream into the pty; on
// "lifecycles_finished" it stops it and sends the end marker with the number of codes sent.
func readTill(t *testing.T, r io.Reader, pty *scannertest.PTY) *tillOutput {
	o := &tillOutput{done: make(chan struct{})}
	stop := make(chan struct{})
	var streaming sync.WaitGroup
	go func() {
		defer close(o.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		stopped := false
		for sc.Scan() {
			line := sc.Text()
			o.mu.Lock()
			o.lines = append(o.lines, line)
			o.mu.Unlock()
			switch {
			case line == "ready":
				streaming.Add(1)
				go func() { defer streaming.Done(); o.sent = stream(pty, stop) }()
			case strings.HasPrefix(line, "lifecycles_finished") && !stopped:
				stopped = true
				close(stop)
				streaming.Wait()
				_, _ = pty.Master.Write([]byte(fmt.Sprintf("]C0SOAKEND%d\r\n", o.sent)))
			}
		}
		if !stopped {
			close(stop)
			streaming.Wait()
		}
	}()
	return o
}

// stream writes codes into the pty, about 200 a second, until stop; each carries its sequence
// number (see soak_till.c). It returns how many it wrote.
func stream(pty *scannertest.PTY, stop chan struct{}) int {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for seq := 1; ; seq++ {
		select {
		case <-stop:
			return seq - 1
		case <-tick.C:
		}
		var frame string
		switch {
		case seq%50 == 0:
			frame = fmt.Sprintf("]Q1%s%08d", sim.PersonalQR("47"), seq%100000000)
		case seq%2 == 1:
			frame = "]E0" + ean13(fmt.Sprintf("20%010d", seq))
		default:
			frame = fmt.Sprintf("]C0SOAK%d", seq)
		}
		if _, err := pty.Master.Write([]byte(frame + "\r\n")); err != nil {
			return seq - 1
		}
	}
}

// ean13 appends the GS1 check digit to 12 digits.
func ean13(digits string) string {
	sum := 0
	for i, c := range digits {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}

// ---- what the run showed ----------------------------------------------------------------

type sample struct {
	Round, Done                                  int
	Threads, FDs, RSSKB, AnonKB, Goroutines, InC int
}

type report struct {
	Lifecycles     int            `json:"lifecycles"`
	Payments       int            `json:"payments"`
	Captures       int            `json:"captures"`
	Refunds        int            `json:"refunds"`
	Cancels        int            `json:"cancels"`
	FaultsInjected map[string]int `json:"faults_injected"`
	Targeted       int            `json:"targeted_faults"`
	Repeats        string         `json:"till_repeats"`
	Scans          string         `json:"scans"`
	ScansSent      int            `json:"scans_sent"`
	First, Last    sample         `json:"-"`
	Init           string         `json:"after_init"`
	Start          string         `json:"after_first_round"`
	End            string         `json:"end"`
	Closed         string         `json:"after_close"`
	Seconds        float64        `json:"seconds"`
	SaleMS         string         `json:"sale_ms"`
}

func (r report) String() string {
	return fmt.Sprintf("%d lifecycles in %.0f s: %d payments, %d captures, %d refunds, %d cancels at the simulator, "+
		"each exactly once; one sale took %s; faults injected %v (+%d targeted delays); till repeats: %s; scans: %d sent, %s; "+
		"resources after vmp_init %s, after the first round %s, at the end %s, after vmp_close %s",
		r.Lifecycles, r.Seconds, r.Payments, r.Captures, r.Refunds, r.Cancels, r.SaleMS, r.FaultsInjected, r.Targeted, r.Repeats,
		r.ScansSent, r.Scans, r.Init, r.Start, r.End, r.Closed)
}

func (s sample) String() string {
	g := ""
	if s.Goroutines >= 0 {
		g = fmt.Sprintf(", %d goroutines (%d in C)", s.Goroutines, s.InC)
	}
	return fmt.Sprintf("[%d threads, %d fds, RSS %.1f MiB (anonymous %.1f MiB)%s]", s.Threads, s.FDs,
		float64(s.RSSKB)/1024, float64(s.AnonKB)/1024, g)
}

func summarize(t *testing.T, s *sim.Server, out *tillOutput, ledgerPath string, targeted int) report {
	t.Helper()
	for _, e := range out.with("error") {
		t.Errorf("the till reported: %s", e)
	}
	var r report
	r.Targeted = targeted
	r.ScansSent = out.sent
	sales := readLedger(t, ledgerPath)
	r.Lifecycles = len(sales)
	if *requireAll && r.Lifecycles < *lifecycles {
		t.Errorf("only %d of %d lifecycles ran within %s", r.Lifecycles, *lifecycles, *timeLimit)
	}
	if r.Lifecycles == 0 {
		t.Fatalf("no lifecycle ran; till output:\n%s", out.text())
	}
	var ms []float64
	for _, x := range sales {
		ms = append(ms, x.ms)
	}
	slices.Sort(ms)
	r.SaleMS = fmt.Sprintf("median %.0f ms, p99 %.0f ms, max %.0f ms", ms[len(ms)/2], ms[len(ms)*99/100], ms[len(ms)-1])
	for _, x := range sales {
		if x.ms > 10000 {
			t.Logf("slow sale %d (%s, kind %d): %.0f ms", x.index, x.ref, x.index%20, x.ms)
		}
	}
	checkExactlyOnce(t, s, sales, &r)
	checkPending(t, out)
	checkScans(t, out, &r)
	checkResources(t, out, &r)
	if rep := out.with("repeats"); len(rep) == 1 {
		r.Repeats = rep[0]
	}
	r.FaultsInjected = map[string]int{}
	for k, n := range s.Stats().FaultsInjected {
		r.FaultsInjected[string(k)] = n
	}
	return r
}

// sale is one line of the till's ledger: what the till believes it did.
type sale struct {
	index                                 int
	ref, state, lost                      string
	amount, captured, refunded, cancelled int64
	captures, refunds, cancels            int
	ms                                    float64
}

func readLedger(t *testing.T, path string) []sale {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sales []sale
	seen := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var x sale
		if _, err := fmt.Sscanf(line, "sale %d %s %s %d %d %d %d %d %d %d %s %f", &x.index, &x.ref, &x.state, &x.amount,
			&x.captured, &x.refunded, &x.cancelled, &x.captures, &x.refunds, &x.cancels, &x.lost, &x.ms); err != nil {
			t.Fatalf("ledger line %q: %v", line, err)
		}
		if seen[x.index] {
			t.Errorf("sale %d is in the ledger twice", x.index)
		}
		seen[x.index] = true
		sales = append(sales, x)
	}
	for i := range sales {
		if !seen[i] {
			t.Errorf("sale %d is missing from the ledger of %d sales", i, len(sales))
		}
	}
	return sales
}

// checkExactlyOnce compares the ledger with the simulator's records: every payment the till
// made exists once, with exactly the captures, refunds and cancels the till made; no payment
// exists that the till does not know of; no reference the till lost track of holds a payment.
func checkExactlyOnce(t *testing.T, s *sim.Server, sales []sale, r *report) {
	t.Helper()
	refs := map[string]int{}
	for _, x := range sales {
		if x.lost != "-" {
			if _, ok := s.Payment(x.lost); ok {
				t.Errorf("sale %d: a payment exists under %s, which the till gave up for %s", x.index, x.lost, x.ref)
			}
		}
		if x.ref == "-" {
			if x.index%20 != 17 {
				t.Errorf("sale %d has no payment", x.index)
			}
			continue
		}
		if prev, dup := refs[x.ref]; dup {
			t.Errorf("sales %d and %d share the reference %s", prev, x.index, x.ref)
		}
		refs[x.ref] = x.index
		r.Payments++
		r.Captures += x.captures
		r.Refunds += x.refunds
		r.Cancels += x.cancels
		snap, ok := s.Payment(x.ref)
		if !ok {
			t.Errorf("sale %d: the simulator has no payment %s", x.index, x.ref)
			continue
		}
		events := map[string]int{}
		for _, e := range snap.Events {
			if e.Success {
				events[e.Name]++
			}
		}
		agg := snap.Aggregate
		want := fmt.Sprintf("%s amount %d captured %d refunded %d; %d captures, %d refunds", x.state, x.amount,
			x.captured, x.refunded, x.captures, x.refunds)
		got := fmt.Sprintf("%s amount %d captured %d refunded %d; %d captures, %d refunds", snap.State, snap.Amount.Value,
			agg.CapturedAmount.Value, agg.RefundedAmount.Value, events[sim.EventCaptured], events[sim.EventRefunded])
		if got != want {
			t.Errorf("sale %d (%s): the simulator has %s; the till did %s", x.index, x.ref, got, want)
		}
		cancels := events[sim.EventCancelled] + events[sim.EventTerminated]
		if x.state == "AUTHORIZED" && (agg.CancelledAmount.Value != x.cancelled || events[sim.EventCancelled] != x.cancels) {
			t.Errorf("sale %d (%s): the simulator has cancelled %d in %d cancels; the till cancelled %d in %d",
				x.index, x.ref, agg.CancelledAmount.Value, events[sim.EventCancelled], x.cancelled, x.cancels)
		}
		if x.state == "TERMINATED" && cancels < 1 {
			t.Errorf("sale %d (%s) is TERMINATED without a cancel event", x.index, x.ref)
		}
	}
	byAmount := map[int64]sale{}
	for _, x := range sales {
		byAmount[x.amount] = x
	}
	for _, ref := range s.References("") {
		if _, known := refs[ref]; known {
			continue
		}
		snap, _ := s.Payment(ref)
		x := byAmount[snap.Amount.Value] // amounts are unique per sale
		t.Errorf("the simulator has a payment the till does not know: %s, %d (sale %d, whose payment is %s, kind %d), %s, created by key %s",
			ref, snap.Amount.Value, x.index, x.ref, x.index%20, snap.State, snap.IdempotencyKey)
	}
	st := s.Stats()
	if st.Creates != r.Payments || st.Captures != r.Captures || st.Refunds != r.Refunds || st.Cancels != r.Cancels {
		t.Errorf("the simulator counts %d payments, %d captures, %d refunds, %d cancels; the till made %d, %d, %d, %d",
			st.Creates, st.Captures, st.Refunds, st.Cancels, r.Payments, r.Captures, r.Refunds, r.Cancels)
	}
}

// checkPending: after vmp_recover nothing may be open, and nothing unacknowledged (the till
// repeated every call that returned VMP_ERR_UNKNOWN_OUTCOME, which acknowledges it).
func checkPending(t *testing.T, out *tillOutput) {
	t.Helper()
	var rec struct {
		StillOpen []json.RawMessage `json:"still_open"`
	}
	var pend struct {
		Open           []json.RawMessage `json:"open"`
		Unacknowledged []json.RawMessage `json:"unacknowledged"`
	}
	recover, pending := out.with("recover"), out.with("pending")
	if len(recover) != 1 || json.Unmarshal([]byte(recover[0]), &rec) != nil {
		t.Errorf("no vmp_recover report: %q", recover)
	} else if len(rec.StillOpen) > 0 {
		t.Errorf("vmp_recover left operations open: %s", recover[0])
	}
	if len(pending) != 1 || json.Unmarshal([]byte(pending[0]), &pend) != nil {
		t.Errorf("no vmp_pending report: %q", pending)
	} else if len(pend.Open)+len(pend.Unacknowledged) > 0 {
		t.Errorf("left pending: %s", pending[0])
	}
}

func checkScans(t *testing.T, out *tillOutput, r *report) {
	t.Helper()
	lines := out.with("scans")
	if len(lines) != 1 {
		t.Errorf("no scan report")
		return
	}
	r.Scans = lines[0]
	var callback, pull, last, outOfOrder, qr, other, end int
	if _, err := fmt.Sscanf(lines[0], "callback=%d pull=%d last=%d out_of_order=%d personal_qr=%d other_events=%d end=%d",
		&callback, &pull, &last, &outOfOrder, &qr, &other, &end); err != nil {
		t.Errorf("scan report %q: %v", lines[0], err)
		return
	}
	if end != out.sent || callback+pull != out.sent || last != out.sent || outOfOrder != 0 || other != 0 {
		t.Errorf("scanner: %d codes sent, the till got %s", out.sent, lines[0])
	}
	if out.sent > 200 && (callback == 0 || pull == 0) {
		t.Errorf("scanner: the codes should reach both the callback and the pull twin: %s", lines[0])
	}
}

func parseSample(line string) (sample, error) {
	var x sample
	_, err := fmt.Sscanf(line, "%d %d threads=%d fds=%d rss_kb=%d rss_anon_kb=%d goroutines=%d in_c=%d",
		&x.Round, &x.Done, &x.Threads, &x.FDs, &x.RSSKB, &x.AnonKB, &x.Goroutines, &x.InC)
	return x, err
}

// checkResources looks at the samples taken between rounds, when no till thread is inside the
// library. The first quarter of the rounds is warm-up (pools fill, the heap finds its size).
// After it, the last third of the rounds must not exceed the rounds before it by more than a
// little: a leak of one goroutine, file or kilobyte per lifecycle would.
func checkResources(t *testing.T, out *tillOutput, r *report) {
	t.Helper()
	var samples []sample
	for _, line := range out.with("sample") {
		x, err := parseSample(line)
		if err != nil {
			t.Errorf("sample %q: %v", line, err)
			return
		}
		samples = append(samples, x)
	}
	if len(samples) < 3 {
		t.Errorf("only %d resource samples", len(samples))
		return
	}
	r.Init, r.Start, r.End = samples[0].String(), samples[1].String(), samples[len(samples)-1].String()
	if closed := out.with("closed"); len(closed) == 1 {
		r.Closed = closed[0]
	}
	for _, x := range samples {
		t.Logf("sample %2d after %6d lifecycles: %s", x.Round, x.Done, x)
	}
	// The last sample is taken with the library idle for 200 ms: every worker waits in Go then,
	// holding none of Go's scheduler slots. One waiting in C (in a cgo call) would hold its slot,
	// and other calls would stall until Go's monitor took it back (capi/wall_pool.c). The first
	// sample, before any call, counts what is in a system call anyway (the scanner's blocking
	// read of its port, now and then); one more is allowed for the same reason. Workers that
	// waited in C would be every idle one: 4 or more after this run.
	if first, last := samples[0], samples[len(samples)-1]; last.InC > first.InC+1 {
		t.Errorf("%d goroutines in C with the library idle, %d before the first sale: its idle workers must wait in Go", last.InC, first.InC)
	}
	rounds := samples[1 : len(samples)-1] // the samples after each round
	if len(rounds) < 6 {
		t.Logf("only %d rounds ran: too few to judge growth", len(rounds))
		return
	}
	warm := max(1, len(rounds)/4)
	tail := rounds[len(rounds)-len(rounds)/3:]
	base := rounds[warm : len(rounds)-len(tail)]
	peak := func(xs []sample, f func(sample) int) int {
		m := f(xs[0])
		for _, x := range xs[1:] {
			m = max(m, f(x))
		}
		return m
	}
	checks := []struct {
		what  string
		f     func(sample) int
		slack func(base int) int
	}{
		{"threads", func(x sample) int { return x.Threads }, func(int) int { return 4 }},
		// Each of the library's workers, like its goroutine, holds a descriptor (its doorbell,
		// capi/wall_doorbell.c): both follow the number of calls at once, up to 512 workers.
		{"open files", func(x sample) int { return x.FDs }, func(int) int { return 16 }},
		{"goroutines", func(x sample) int { return x.Goroutines }, func(int) int { return 16 }},
		// Anonymous memory: the heaps. The file-backed rest of RSS is mostly the journal's
		// memory map, which grows with the journal until journal_retention_days prunes it.
		{"anonymous resident memory (kB)", func(x sample) int { return x.AnonKB }, func(b int) int { return b/10 + 2048 }},
	}
	for _, c := range checks {
		b, e := peak(base, c.f), peak(tail, c.f)
		if b < 0 {
			continue // goroutines: the library was built without the diagnostic
		}
		if e > b+c.slack(b) {
			t.Errorf("%s keep growing: at most %d in rounds %d-%d, up to %d in rounds %d-%d (samples: %v)", c.what, b,
				base[0].Round, base[len(base)-1].Round, e, tail[0].Round, tail[len(tail)-1].Round, samples)
		}
	}
}
