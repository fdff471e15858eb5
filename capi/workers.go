package main

// The workers that run the host threads' calls (wall.h, wall_pool.c): goroutines, started and
// woken by the goroutine that answers the doorbell (wall_doorbell.c). A worker runs calls in C
// (wall_serve) while they come, and between them spins on its slot for a moment; with no call
// it returns and sleeps here, in Go, where a sleeping goroutine holds none of the scheduler's
// Ps - unlike a thread waiting in C inside a cgo call. The doorbell's goroutine wakes it when a
// host thread has given it a call meanwhile, and starts a new worker when a call found every
// worker busy. A worker asleep for retireAfter ends when more than enough are idle.

import (
	"io"
	"sync"
	"time"
	"unsafe"
)

// idleRetire is how long a worker sleeps before it ends, when more than keepIdle are idle.
const idleRetire = 30 * time.Second

// poolC is the C half of the handoff (wall_pool.c, through cPool; a model in the tests). A
// worker is named by its C struct.
type poolC interface {
	// serve runs w's calls until it has had none for a moment; w is then asleep.
	serve(w unsafe.Pointer)
	// retire ends w, asleep for the retire time, unless it is needed: whether it ended.
	retire(w unsafe.Pointer) bool
	// arm announces that the doorbell's goroutine is about to sleep until it is rung; true when
	// it must not, because there is work for it now.
	arm() bool
	// nextWoken is a worker given a call while asleep, to wake; nil when there is none.
	nextWoken() unsafe.Pointer
	// nextWanted is a new worker to start, wanted by a call that found all busy; nil when none.
	nextWanted() unsafe.Pointer
}

type workerPool struct {
	c           poolC
	retireAfter time.Duration

	mu      sync.Mutex
	workers map[unsafe.Pointer]*worker // by their C struct; started and not retired
}

type worker struct {
	c    unsafe.Pointer
	wake chan struct{}
}

func newWorkerPool(c poolC, retireAfter time.Duration) *workerPool {
	return &workerPool{c: c, retireAfter: retireAfter, workers: map[unsafe.Pointer]*worker{}}
}

// answerDoorbell is the goroutine that host threads wake through the doorbell bell. It returns
// only when reading bell fails.
func (p *workerPool) answerDoorbell(bell io.Reader) error {
	var ring [8]byte
	for {
		if !p.c.arm() {
			if _, err := bell.Read(ring[:]); err != nil {
				return err
			}
		}
		for cw := p.c.nextWoken(); cw != nil; cw = p.c.nextWoken() {
			p.mu.Lock()
			w := p.workers[cw]
			p.mu.Unlock()
			w.wake <- struct{}{}
		}
		for cw := p.c.nextWanted(); cw != nil; cw = p.c.nextWanted() {
			w := &worker{c: cw, wake: make(chan struct{}, 1)}
			p.mu.Lock()
			p.workers[cw] = w
			p.mu.Unlock()
			go p.work(w)
		}
	}
}

// work is a worker's life.
func (p *workerPool) work(w *worker) {
	timer := time.NewTimer(p.retireAfter)
	timer.Stop()
	for {
		p.c.serve(w.c)
		timer.Reset(p.retireAfter)
	asleep:
		for {
			select {
			case <-w.wake:
				timer.Stop()
				break asleep
			case <-timer.C:
				// Under p.mu: once retired, its C struct's address may come back for a new worker.
				p.mu.Lock()
				retired := p.c.retire(w.c)
				if retired {
					delete(p.workers, w.c)
				}
				p.mu.Unlock()
				if retired {
					return
				}
				timer.Reset(p.retireAfter) // kept, or its wake is on the way
			}
		}
	}
}
