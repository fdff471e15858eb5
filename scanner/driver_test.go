package scanner

import (
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakePort replays scripted reads; when the script is used up it idles like a real port:
// it waits the read timeout (or until closed) and returns (0, idle).
type fakePort struct {
	mu      sync.Mutex
	reads   []fakeRead
	idle    error // io.EOF (Linux) or nil (Windows)
	timeout time.Duration
	closed  chan struct{}
	once    sync.Once
	calls   atomic.Int64
}

type fakeRead struct {
	data string
	err  error
}

func newFakePort(timeout time.Duration, idle error, reads ...fakeRead) *fakePort {
	return &fakePort{reads: reads, idle: idle, timeout: timeout, closed: make(chan struct{})}
}

func (p *fakePort) Read(b []byte) (int, error) {
	p.calls.Add(1)
	p.mu.Lock()
	if len(p.reads) > 0 {
		r := p.reads[0]
		p.reads = p.reads[1:]
		p.mu.Unlock()
		return copy(b, r.data), r.err
	}
	p.mu.Unlock()
	select {
	case <-time.After(p.timeout):
	case <-p.closed:
	}
	return 0, p.idle
}

func (p *fakePort) Close() error { p.once.Do(func() { close(p.closed) }); return nil }

// fakeOpener hands out ports in turn (a nil entry is one failed open) and fails when it has
// none left. It records when each open was tried.
type fakeOpener struct {
	mu    sync.Mutex
	ports []Port
	times []time.Time
}

func (o *fakeOpener) open(string, int, time.Duration) (Port, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.times = append(o.times, time.Now())
	if len(o.ports) == 0 || o.ports[0] == nil {
		if len(o.ports) > 0 {
			o.ports = o.ports[1:]
		}
		return nil, errors.New("no such device")
	}
	p := o.ports[0]
	o.ports = o.ports[1:]
	return p, nil
}

func (o *fakeOpener) attempts() []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Time(nil), o.times...)
}

func fakeConfig(o *fakeOpener) Config {
	return Config{Port: "COM17", Open: o.open, ReadTimeout: 20 * time.Millisecond,
		ReconnectMin: time.Millisecond, ReconnectMax: 5 * time.Millisecond}
}

func TestIdleReadsOnLinuxAndWindowsAreNoData(t *testing.T) {
	for name, idle := range map[string]error{"linux (0, io.EOF)": io.EOF, "windows (0, nil)": nil} {
		t.Run(name, func(t *testing.T) {
			port := newFakePort(20*time.Millisecond, idle,
				fakeRead{"7038010", idle}, fakeRead{"055720\r\n", nil})
			_, q := startScanner(t, fakeConfig(&fakeOpener{ports: []Port{port}}))
			wantScans(t, q, Scan{Text: "7038010055720", Kind: KindEAN13})
			for port.calls.Load() < 10 { // a few idle reads must not count as a failure
				time.Sleep(5 * time.Millisecond)
			}
			noMoreEvents(t, q)
		})
	}
}

func TestAPortReturningNothingWithoutWaitingIsTakenForUnplugged(t *testing.T) {
	// A hung-up tty returns (0, EOF) at once, forever. The reader must not spin on it.
	hungUp := newFakePort(0, io.EOF)
	healthy := newFakePort(20*time.Millisecond, io.EOF, fakeRead{"]C0AFTER\r", nil})
	_, q := startScanner(t, fakeConfig(&fakeOpener{ports: []Port{hungUp, healthy}}))
	ev := nextEvent(t, q)
	if ev.Kind != EventDisconnected || !strings.Contains(ev.Detail, "without waiting") || !strings.Contains(ev.Detail, "COM17") {
		t.Fatalf("got %s", ev)
	}
	if n := hungUp.calls.Load(); n != fastEmptyReads {
		t.Fatalf("the hung-up port was read %d times, want %d", n, fastEmptyReads)
	}
	nextOf(t, q, EventReconnected)
	wantScans(t, q, Scan{Text: "AFTER", AIM: "]C0", Kind: KindCode128})
}

func TestAReadErrorDropsThePartialFrameAndReconnects(t *testing.T) {
	failing := newFakePort(20*time.Millisecond, io.EOF, fakeRead{"]Q1https://qr.vi", nil}, fakeRead{"", errors.New("input/output error")})
	healthy := newFakePort(20*time.Millisecond, io.EOF, fakeRead{"]Q1https://qr.vipps.no/p/abc\r\n", nil})
	_, q := startScanner(t, fakeConfig(&fakeOpener{ports: []Port{failing, nil, nil, healthy}}))
	if ev := nextEvent(t, q); ev.Kind != EventDropped || !strings.Contains(ev.Detail, "16 bytes") {
		t.Fatalf("got %s, want the partial frame dropped", ev)
	}
	if ev := nextEvent(t, q); ev.Kind != EventDisconnected || !strings.Contains(ev.Detail, "input/output error") {
		t.Fatalf("got %s", ev)
	}
	if ev := nextEvent(t, q); ev.Kind != EventReconnected { // two failed opens make no events
		t.Fatalf("got %s", ev)
	}
	wantScans(t, q, Scan{Text: "https://qr.vipps.no/p/abc", AIM: "]Q1", Kind: KindVippsTokenQR})
}

func TestReconnectWaitsDoubleUpToTheMaximumAndCloseEndsThem(t *testing.T) {
	opener := &fakeOpener{}
	cfg := fakeConfig(opener)
	cfg.ReconnectMin, cfg.ReconnectMax = 2*time.Millisecond, 16*time.Millisecond
	s, q := startScanner(t, cfg)
	if ev := nextEvent(t, q); ev.Kind != EventDisconnected || !strings.Contains(ev.Detail, "no such device") {
		t.Fatalf("got %s", ev)
	}
	for i := 0; i < 1000 && len(opener.attempts()) < 8; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	s.Close()
	times := opener.attempts()
	if len(times) < 8 {
		t.Fatalf("only %d open attempts", len(times))
	}
	// Timers never fire early, so each gap is at least its wait: 2, 4, 8, 16, 16 … ms.
	for i, wait := 1, 2*time.Millisecond; i < len(times); i, wait = i+1, min(wait*2, 16*time.Millisecond) {
		if gap := times[i].Sub(times[i-1]); gap < wait {
			t.Fatalf("attempt %d came %v after the one before, want at least %v", i, gap, wait)
		}
	}
	noMoreEvents(t, q) // one outage, one event
}

func TestAPanicWhileOpeningIsAnOpenFailure(t *testing.T) {
	cfg := fakeConfig(&fakeOpener{})
	cfg.Open = func(string, int, time.Duration) (Port, error) { panic("driver bug") }
	_, q := startScanner(t, cfg)
	if ev := nextEvent(t, q); ev.Kind != EventDisconnected || !strings.Contains(ev.Detail, "driver bug") {
		t.Fatalf("got %s", ev)
	}
}

func TestStartRefusesABadConfig(t *testing.T) {
	if _, err := Start(Config{}, func(Event) {}); err == nil {
		t.Fatal("no error for an empty port")
	}
}
