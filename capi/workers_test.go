package main

import (
	"io"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// fakePool plays wall_pool.c for workers.go: workers are named by pointers of its own, serve
// returns at once (the worker is then asleep), and the test decides which workers are wanted,
// woken and allowed to retire. The doorbell is a channel.
type fakePool struct {
	mu        sync.Mutex
	wanted    []unsafe.Pointer
	woken     []unsafe.Pointer
	retirable map[unsafe.Pointer]bool
	served    map[unsafe.Pointer]int
	retired   map[unsafe.Pointer]bool
	armed     bool
	bell      chan struct{}
	names     []*int // keeps the names alive
}

func newFakePool() *fakePool {
	return &fakePool{retirable: map[unsafe.Pointer]bool{}, served: map[unsafe.Pointer]int{},
		retired: map[unsafe.Pointer]bool{}, bell: make(chan struct{}, 1)}
}

func (f *fakePool) serve(w unsafe.Pointer) {
	f.mu.Lock()
	f.served[w]++
	f.mu.Unlock()
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
	if len(f.wanted)+len(f.woken) > 0 {
		return true
	}
	f.armed = true
	return false
}

func (f *fakePool) nextWoken() unsafe.Pointer { return f.pop(&f.woken) }

func (f *fakePool) nextWanted() unsafe.Pointer { return f.pop(&f.wanted) }

func (f *fakePool) pop(list *[]unsafe.Pointer) unsafe.Pointer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(*list) == 0 {
		return nil
	}
	w := (*list)[0]
	*list = (*list)[1:]
	return w
}

// Read is the doorbell's reading end; it fails once the bell is closed.
func (f *fakePool) Read(p []byte) (int, error) {
	if _, ok := <-f.bell; !ok {
		return 0, io.EOF
	}
	return 1, nil
}

// add puts w on list (wanted or woken) and rings, as a host thread does.
func (f *fakePool) add(list *[]unsafe.Pointer, w unsafe.Pointer) {
	f.mu.Lock()
	*list = append(*list, w)
	ring := f.armed
	f.armed = false
	f.mu.Unlock()
	if ring {
		f.bell <- struct{}{}
	}
}

func (f *fakePool) newName() unsafe.Pointer {
	n := new(int)
	f.mu.Lock()
	f.names = append(f.names, n)
	f.mu.Unlock()
	return unsafe.Pointer(n)
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
	p := newWorkerPool(f, 20*time.Millisecond)
	answered := make(chan error)
	go func() { answered <- p.answerDoorbell(f) }()

	a, b, c := f.newName(), f.newName(), f.newName()
	f.add(&f.wanted, a)
	f.add(&f.wanted, b)
	served := func(w unsafe.Pointer, n int) func() bool {
		return func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.served[w] == n }
	}
	eventually(t, "the two wanted workers start and serve", func() bool { return served(a, 1)() && served(b, 1)() })

	// A worker given a call while asleep is woken by the doorbell's goroutine, and serves again.
	for i := 2; i <= 50; i++ {
		f.add(&f.woken, a)
		eventually(t, "the woken worker serves again", served(a, i))
	}

	// A worker allowed to retire ends after the retire time; the others stay and can be woken.
	f.mu.Lock()
	f.retirable[b] = true
	f.mu.Unlock()
	inPool := func(w unsafe.Pointer) bool { p.mu.Lock(); defer p.mu.Unlock(); return p.workers[w] != nil }
	eventually(t, "the retirable worker ends", func() bool { return !inPool(b) })
	if !inPool(a) {
		t.Fatal("a worker that may not retire ended")
	}
	f.add(&f.woken, a)
	eventually(t, "a kept worker is woken after its retire time", served(a, 51))

	// A new worker started while others sleep.
	f.add(&f.wanted, c)
	eventually(t, "a worker wanted later starts", served(c, 1))
	f.mu.Lock()
	if f.served[b] != 1 || !f.retired[b] {
		t.Errorf("the retired worker served %d times after it ended (retired: %v)", f.served[b], f.retired[b])
	}

	// The end, for the leak check: every worker retires, and the doorbell fails.
	f.retirable[a], f.retirable[c] = true, true
	f.mu.Unlock()
	eventually(t, "all workers end", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return len(p.workers) == 0 })
	close(f.bell)
	if err := <-answered; err != io.EOF {
		t.Errorf("answerDoorbell returned %v; want the doorbell's error", err)
	}
}
