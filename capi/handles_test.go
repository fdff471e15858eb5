package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core"
)

// fakeEngine stands in for a core.Client; only Close is observed. The embedded (nil) engine
// supplies every other method, so the interface can grow without touching this fake.
type fakeEngine struct {
	engine
	mu     sync.Mutex
	closed int
}

func (f *fakeEngine) Close() { f.mu.Lock(); f.closed++; f.mu.Unlock() }

func (f *fakeEngine) closes() int { f.mu.Lock(); defer f.mu.Unlock(); return f.closed }

func (f *fakeEngine) StartCheckout(context.Context, core.CheckoutRequest) (string, error) {
	return "fake-reference", nil
}

func (f *fakeEngine) PollStatus(context.Context, string, time.Duration) (core.Payment, error) {
	return core.Payment{}, nil
}

func (f *fakeEngine) Capture(context.Context, string, int64, string) (core.Payment, error) {
	return core.Payment{}, nil
}

func (f *fakeEngine) Refund(context.Context, string, int64, string) (core.Payment, error) {
	return core.Payment{}, nil
}

func (f *fakeEngine) Cancel(context.Context, string, core.CancelOptions, string) (core.Payment, error) {
	return core.Payment{}, nil
}

func TestRegistryGivesIdsFromOneUpAndFindsThem(t *testing.T) {
	var r registry
	a, b := &fakeEngine{}, &fakeEngine{}
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
		id, err := r.add(&fakeEngine{})
		if err != nil || seen[id] {
			t.Fatalf("add #%d = %d, %v; want a fresh id", i, id, err)
		}
		seen[id] = true
		r.remove(id)
	}
}

func TestRegistryRefusesNullClosedAndForgedHandlesWithInvalidHandle(t *testing.T) {
	var r registry
	id, _ := r.add(&fakeEngine{})
	r.remove(id)
	for _, h := range []uintptr{0, id, 0xdeadbeef, ^uintptr(0)} {
		if _, err := r.get(h); core.CodeOf(err) != core.CodeInvalidHandle || err.Error() == "" {
			t.Errorf("get(%#x) error = %v; want CodeInvalidHandle with a message", h, err)
		}
	}
}

func TestRegistryRemoveGivesTheEngineOnlyOnce(t *testing.T) {
	var r registry
	e := &fakeEngine{}
	id, _ := r.add(e)
	if got := r.remove(id); len(got) != 1 || got[0].engine != engine(e) || got[0].id != id {
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
	e := &fakeEngine{}
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
				id, _ := r.add(&fakeEngine{})
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
