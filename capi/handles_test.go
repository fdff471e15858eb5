package main

import (
	"sync"
	"testing"

	"github.com/vmp-dev/vmp/core"
)

// fakeHandle stands in for what a handle stands for in the registry's own tests: the registry
// only closes it, so only Close is observed.
type fakeHandle struct {
	mu     sync.Mutex
	closed int
}

func (f *fakeHandle) Close() { f.mu.Lock(); f.closed++; f.mu.Unlock() }

func (f *fakeHandle) closes() int { f.mu.Lock(); defer f.mu.Unlock(); return f.closed }

func TestRegistryGivesIdsFromOneUpAndFindsThem(t *testing.T) {
	var r registry
	a, b := &fakeHandle{}, &fakeHandle{}
	idA, err := r.add(a)
	if err != nil || idA != 1 {
		t.Fatalf("first add = %d, %v; want 1, nil", idA, err)
	}
	idB, _ := r.add(b)
	if idB != 2 {
		t.Fatalf("second add = %d; want 2", idB)
	}
	if got, err := r.get(idB); err != nil || got != b {
		t.Fatalf("get(%d) = %v, %v; want the second engine", idB, got, err)
	}
}

func TestRegistryNeverReusesAnIdAfterRemove(t *testing.T) {
	var r registry
	seen := map[uintptr]bool{}
	for i := 0; i < 100; i++ {
		id, err := r.add(&fakeHandle{})
		if err != nil || seen[id] {
			t.Fatalf("add #%d = %d, %v; want a fresh id", i, id, err)
		}
		seen[id] = true
		r.remove(id)
	}
}

func TestRegistryRefusesNullClosedAndForgedHandlesWithInvalidHandle(t *testing.T) {
	var r registry
	id, _ := r.add(&fakeHandle{})
	r.remove(id)
	for _, h := range []uintptr{0, id, 0xdeadbeef, ^uintptr(0)} {
		if _, err := r.get(h); core.CodeOf(err) != core.CodeInvalidHandle || err.Error() == "" {
			t.Errorf("get(%#x) error = %v; want CodeInvalidHandle with a message", h, err)
		}
	}
}

func TestRegistryRemoveGivesTheEngineOnlyOnce(t *testing.T) {
	var r registry
	e := &fakeHandle{}
	id, _ := r.add(e)
	if got := r.remove(id); len(got) != 1 || got[0].handle != handle(e) || got[0].id != id {
		t.Fatalf("first remove = %v; want the engine", got)
	}
	if got := r.remove(id); got != nil {
		t.Fatalf("second remove = %v; want nil", got)
	}
	if got := r.remove(0); got != nil {
		t.Fatalf("remove(0) = %v; want nil", got)
	}
}

func TestRegistryClosesTheEngineWhenIdsRunOut(t *testing.T) {
	var r registry
	r.last.Store(uint64(^uintptr(0)))
	e := &fakeHandle{}
	if _, err := r.add(e); core.CodeOf(err) != core.CodeInternal {
		t.Skipf("ids cannot run out on this platform (uintptr is 64 bits): %v", err)
	}
	if e.closes() != 1 {
		t.Fatalf("engine closed %d times; want 1", e.closes())
	}
}

func TestRegistryIsSafeUnderConcurrentUse(t *testing.T) {
	var r registry
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				id, _ := r.add(&fakeHandle{})
				if _, err := r.get(id); err != nil {
					t.Errorf("get of a fresh id: %v", err)
				}
				r.remove(id)
			}
		}()
	}
	wg.Wait()
	if n := r.last.Load(); n != 8*200 {
		t.Fatalf("%d ids given; want %d", n, 8*200)
	}
}
