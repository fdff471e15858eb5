package main

// The workers that run the host threads' calls (wall.h, wall_pool.c): goroutines. A worker
// runs calls in C (wall_serve) while they come, and between them spins on its slot for a
// moment; with no call it returns and sleeps here, in Go, where a sleeping goroutine holds none
// of the scheduler's Ps - unlike a thread waiting in C inside a cgo call. It sleeps on a read of
// its own doorbell (wall_doorbell.c), which a host thread that gives it a call rings: Go's
// poller then wakes it, with no Go code on the host thread. The goroutine that answers the
// pool's doorbell starts a new worker when a call found every one busy. A worker asleep for
// retireAfter ends when more than enough are idle.

import (
	"errors"
	"io"
	"os"
	"time"
	"unsafe"
)

// idleRetire is how long a worker sleeps before it ends, when more than keepIdle are idle.
const idleRetire = 30 * time.Second

// poolC is the C half of the handoff (wall_pool.c, through cPool; a model in the tests). A
// worker is named by its C struct.
type poolC interface {
	// serve runs w's calls until it has had none for a moment; w is then asleep until its
	// doorbell rings.
	serve(w unsafe.Pointer)
	// bell is the reading end of w's doorbell, which the worker then owns.
	bell(w unsafe.Pointer) doorbell
	// retire ends w, asleep for the retire time, unless it is needed: whether it ended.
	retire(w unsafe.Pointer) bool
	// arm announces that the goroutine that starts workers is about to sleep until the pool's
	// doorbell rings; true when it must not, because a worker is wanted now.
	arm() bool
	// nextWanted is a new worker to start, wanted by a call that found all busy; nil when none.
	nextWanted() unsafe.Pointer
}

// doorbell is the reading end of a doorbell: an *os.File that Go's poller watches.
type doorbell interface {
	io.ReadCloser
	SetReadDeadline(t time.Time) error
}

type workerPool struct {
	c           poolC
	retireAfter time.Duration
}

// answerDoorbell is the goroutine that starts the workers that host threads want, woken
// through the pool's doorbell bell. It returns only when reading bell fails.
func (p *workerPool) answerDoorbell(bell io.Reader) error {
	var ring [8]byte
	for {
		if !p.c.arm() {
			if _, err := bell.Read(ring[:]); err != nil {
				return err
			}
		}
		for w := p.c.nextWanted(); w != nil; w = p.c.nextWanted() {
			go p.work(w, p.c.bell(w))
		}
	}
}

// work is the life of worker w, whose doorbell is bell.
func (p *workerPool) work(w unsafe.Pointer, bell doorbell) {
	var ring [8]byte
	for {
		p.c.serve(w)
		for asleep := true; asleep; {
			bell.SetReadDeadline(time.Now().Add(p.retireAfter))
			_, err := bell.Read(ring[:])
			switch {
			case err == nil:
				asleep = false
			case !errors.Is(err, os.ErrDeadlineExceeded):
				// Never seen. The calls given to w would wait for ever, which is worse than a crash.
				panic("vmp: the doorbell of a worker of the wall between host and Go failed: " + err.Error())
			case p.c.retire(w):
				bell.Close()
				return
			}
		}
	}
}
