package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vmp-dev/vmp/core"
	"github.com/vmp-dev/vmp/core/wirejson"
)

var update = flag.Bool("update", false, "write simdoc.txt from core/sim/doc.go")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}

// started is a vmp-sim running in this process on a random loopback port.
type started struct {
	url, config string
	stop        context.CancelFunc
	exit        chan int
	stdout      *bufio.Reader
}

// start runs vmp-sim with args (plus -addr 127.0.0.1:0) and reads its banner.
func start(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	r, w := io.Pipe()
	s := &started{stop: stop, exit: make(chan int, 1), stdout: bufio.NewReader(r)}
	go func() {
		code := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), w, io.Discard)
		_ = w.Close()
		s.exit <- code
	}()
	t.Cleanup(func() {
		stop()
		go func() { _, _ = io.Copy(io.Discard, r) }() // the goodbye line must not block run
		select {
		case <-s.exit:
		case <-time.After(10 * time.Second):
			t.Error("vmp-sim did not stop within 10 s of its context")
		}
	})
	for i := 0; i < 20 && s.config == ""; i++ {
		line, err := s.stdout.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the banner: %v", err)
		}
		if rest, ok := strings.CutPrefix(line, "  base URL"); ok {
			s.url = strings.TrimSpace(rest)
		}
		if rest, ok := strings.CutPrefix(line, "vmp config: "); ok {
			s.config = strings.TrimSpace(rest)
		}
	}
	if s.url == "" || s.config == "" {
		t.Fatalf("the banner gave no base URL or no vmp config (url %q, config %q)", s.url, s.config)
	}
	return s
}

func TestHelpIsSimulatorDoc(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "core", "sim", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := extractSimDoc(src)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("simdoc.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if simDoc != want {
		t.Fatal("simdoc.txt is not core/sim/doc.go's text any more: run\n\tgo test ./cmd/vmp-sim -run TestHelpIsSimulatorDoc -update")
	}
}

func TestHelpListsFlagsMagicCustomersAndControlAPI(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-help"}, &out, io.Discard); code != 0 {
		t.Fatalf("vmp-sim -help exited with %d", code)
	}
	for _, want := range []string{
		"-addr host:port", "127.0.0.1:8080", "-allow-remote", "-approve-delay", "-expiry", "-fake-clock", "-fault-seed",
		"4790000001", "4790000002", "4790000003", "4790000004", "4790000011",
		"POST /sim/payments/{reference}/approve", "POST /sim/clock/advance", "POST   /sim/faults",
		"drop_after_commit",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the help does not mention %q", want)
		}
	}
}

func TestBadCommandLinesExitWithTwo(t *testing.T) {
	for _, args := range [][]string{
		{"-no-such-flag"},
		{"extra-argument"},
		{"-expiry", "0s"},
		{"-approve-delay", "-1s"},
	} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("vmp-sim %v exited with %d, want 2", args, code)
		}
	}
}

func TestANonLoopbackAddressIsRefusedWithoutAllowRemote(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"-addr", addr}, io.Discard, &stderr); code != 1 {
			t.Errorf("vmp-sim -addr %s exited with %d, want 1", addr, code)
		}
		if !strings.Contains(stderr.String(), "loopback") || !strings.Contains(stderr.String(), "-allow-remote") {
			t.Errorf("vmp-sim -addr %s did not explain the refusal: %q", addr, stderr.String())
		}
	}
}

// The configuration vmp-sim prints takes libvmp's engine through a payment, and the control API
// answers a waiting customer for the till.
func TestThePrintedConfigurationTakesAPayment(t *testing.T) {
	s := start(t, "-approve-delay", "50ms")
	cfg, err := core.ParseConfig([]byte(strings.TrimSuffix(s.config, "}") + `,"journal_path":` + quote(filepath.Join(t.TempDir(), "j.db")) + `}`))
	if err != nil {
		t.Fatalf("the printed configuration %s: %v", s.config, err)
	}
	client, err := core.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ref, err := client.OwnUnit().StartCheckout(ctx, core.CheckoutRequest{Amount: 4990, PhoneNumber: "4791234567"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := client.OwnUnit().PollStatus(ctx, ref, 10*time.Second)
	if err != nil || p.State != core.StateAuthorized {
		t.Fatalf("the approving customer: %+v, %v", p, err)
	}
	if p, err = client.OwnUnit().Capture(ctx, ref, 4990, "receipt-1"); err != nil || p.Captured != 4990 {
		t.Fatalf("capture: %+v, %v", p, err)
	}

	ref, err = client.OwnUnit().StartCheckout(ctx, core.CheckoutRequest{Amount: 100, PhoneNumber: "4790000004"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.url+"/sim/payments/"+ref+"/approve", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /sim/payments/%s/approve: %s", ref, resp.Status)
	}
	if p, err = client.OwnUnit().PollStatus(ctx, ref, 10*time.Second); err != nil || p.State != core.StateAuthorized {
		t.Fatalf("after the control API approved: %+v, %v", p, err)
	}
}

func TestFakeClockMovesOnlyWhenAdvanced(t *testing.T) {
	s := start(t, "-fake-clock")
	now := func() string {
		resp, err := http.Get(s.url + "/sim/clock")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Now string }
		if err := wirejson.Unmarshal(mustRead(t, resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		return body.Now
	}
	before := now()
	resp, err := http.Post(s.url+"/sim/clock/advance", "application/json", strings.NewReader(`{"ms": 3600000}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /sim/clock/advance on -fake-clock: %s", resp.Status)
	}
	after := now()
	b, _ := time.Parse(time.RFC3339Nano, before)
	a, _ := time.Parse(time.RFC3339Nano, after)
	if a.Sub(b) != time.Hour {
		t.Fatalf("the clock went from %s to %s, want one hour", before, after)
	}
}

// The real command, built and started as a vendor's rig starts it, stops cleanly on SIGINT and
// on SIGTERM: exit status 0, the port closed.
func TestTheCommandStopsOnSIGINTAndSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vmp-sim")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewReader(stdout)
		first, err := lines.ReadString('\n')
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%v: reading the first line: %v", sig, err)
		}
		url := strings.TrimSpace(first[strings.LastIndex(first, " ")+1:])
		host := strings.TrimPrefix(url, "http://")
		if conn, err := net.DialTimeout("tcp", host, 5*time.Second); err != nil {
			t.Errorf("%v: %s does not accept connections: %v", sig, host, err)
		} else {
			_ = conn.Close()
		}
		go func() { _, _ = io.Copy(io.Discard, lines) }()
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: vmp-sim exited with %v, want status 0", sig, err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v: vmp-sim still running 15 s after the signal", sig)
		}
		if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			_ = conn.Close()
			t.Errorf("%v: %s still accepts connections after vmp-sim exited", sig, host)
		}
	}
}

func quote(s string) string {
	data, _ := wirejson.Marshal(s)
	return string(data)
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
