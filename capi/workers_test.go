package main

import (
	"io"
	"os"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// fakePool plays wall_pool.c for workers.go: workers are named by pointers of its own, serve
// returns at once (the worker is then asleep), and the test decides which workers are wanted,
// which are given a call (their doorbell rings) and which may retire. Doorbells are channels.
type fakePool struct {
	mu        sync.Mutex
	wanted    []unsafe.Pointer
	served    map[unsafe.Pointer]int
	bells     map[unsafe.Pointer]*fakeBell
	retirable map[unsafe.Pointer]bool
	retired   map[unsafe.Pointer]bool
	armed     bool
	poolBell  *fakeBell
	names     []*int // keeps the names alive
}

func newFakePool() *fakePool {
	return &fakePool{served: map[unsafe.Pointer]int{}, bells: map[unsafe.Pointer]*fakeBell{},
		retirable: map[unsafe.Pointer]bool{}, retired: map[unsafe.Pointer]bool{}, poolBell: newFakeBell()}
}

func (f *fakePool) serve(w unsafe.Pointer) {
	f.mu.Lock()
	f.served[w]++
	f.mu.Unlock()
}

func (f *fakePool) bell(w unsafe.Pointer) doorbell {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bells[w]
}

func (f *fakePool) retire(w unsafe.Pointer) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retirable[w] {
		f.retired[w] = true
	}
	return f.retirable[w]
}

func (f *fakePool) arm() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.wanted) > 0 {
		return true
	}
	f.armed = true
	return false
}

func (f *fakePool) nextWanted() unsafe.Pointer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.wanted) == 0 {
		return nil
	}
	w := f.wanted[0]
	f.wanted = f.wanted[1:]
	return w
}

// want makes a new worker wanted, as a call that finds every worker busy does.
func (f *fakePool) want() unsafe.Pointer {
	n := new(int)
	w := unsafe.Pointer(n)
	f.mu.Lock()
	f.names = append(f.names, n)
	f.bells[w] = newFakeBell()
	f.wanted = append(f.wanted, w)
	ring := f.armed
	f.armed = false
	f.mu.Unlock()
	if ring {
		f.poolBell.ring()
	}
	return w
}

// give rings w's doorbell, as a host thread that gives a call to w asleep does.
func (f *fakePool) give(w unsafe.Pointer) {
	f.mu.Lock()
	b := f.bells[w]
	f.mu.Unlock()
	b.ring()
}

// fakeBell is a doorbell's reading end with a read deadline, as an *os.File has.
type fakeBell struct {
	rings    chan struct{}
	mu       sync.Mutex
	deadline time.Time
	closed   bool
}

func newFakeBell() *fakeBell { return &fakeBell{rings: make(chan struct{}, 1)} }

func (b *fakeBell) ring() { b.rings <- struct{}{} }

func (b *fakeBell) SetReadDeadline(t time.Time) error {
	b.mu.Lock()
	b.deadline = t
	b.mu.Unlock()
	return nil
}

func (b *fakeBell) Read(p []byte) (int, error) {
	b.mu.Lock()
	wait := time.Hour
	if !b.deadline.IsZero() {
		wait = time.Until(b.deadline)
	}
	b.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case _, ok := <-b.rings:
		if !ok {
			return 0, io.EOF
		}
		return 1, nil
	case <-timer.C:
		return 0, os.ErrDeadlineExceeded
	}
}

func (b *fakeBell) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("never: %s", what)
		}
	}
}

func TestWorkersStartWakeAndRetire(t *testing.T) {
	f := newFakePool()
	p := &workerPool{c: f, retireAfter: 20 * time.Millisecond}
	answered := make(chan error)
	go func() { answered <- p.answerDoorbell(f.poolBell) }()

	served := func(w unsafe.Pointer, n int) func() bool {
		return func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.served[w] == n }
	}
	a, b := f.want(), f.want()
	eventually(t, "the two wanted workers start and serve", func() bool { return served(a, 1)() && served(b, 1)() })

	// A worker given a call while asleep wakes on its doorbell and serves again.
	for i := 2; i <= 50; i++ {
		f.give(a)
		eventually(t, "the woken worker serves again", served(a, i))
	}

	// A worker allowed to retire ends after the retire time and closes its doorbell; the others
	// stay, and can be woken after it.
	f.mu.Lock()
	f.retirable[b] = true
	bBell := f.bells[b]
	f.mu.Unlock()
	eventually(t, "the retirable worker ends", func() bool { bBell.mu.Lock(); defer bBell.mu.Unlock(); return bBell.closed })
	time.Sleep(60 * time.Millisecond) // three retire times
	f.give(a)
	eventually(t, "a kept worker is woken after its retire time", served(a, 51))

	c := f.want()
	eventually(t, "a worker wanted later starts", served(c, 1))
	f.mu.Lock()
	if f.served[b] != 1 || !f.retired[b] {
		t.Errorf("the retired worker served %d times (retired: %v)", f.served[b], f.retired[b])
	}
	if f.retired[a] || f.retired[c] {
		t.Errorf("a worker that may not retire ended")
	}

	// The end, for the leak check: every worker retires, and the pool's doorbell fails.
	f.retirable[a], f.retirable[c] = true, true
	f.mu.Unlock()
	eventually(t, "all workers end", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.retired[a] && f.retired[c]
	})
	close(f.poolBell.rings)
	if err := <-answered; err != io.EOF {
		t.Errorf("answerDoorbell returned %v; want the doorbell's error", err)
	}
}
