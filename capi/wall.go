package main

// The Go side of the wall between host and Go (wall.h): the C half of the handoff
// (wall_pool.c) given to the workers of workers.go. Nothing else in this package knows that
// calls arrive through workers: each vmpgo_* export still runs as a call from C on the thread
// that made it, which is now one of Go's, running a worker.

/*
#cgo windows LDFLAGS: -lsynchronization
#include "wall.h"
*/
import "C"

import (
	"os"
	"unsafe"
)

// vmpgo_serve is called once, by the thread wall_pool.c starts at the first call that needs Go
// (a host thread never enters Go): it starts the goroutine that starts workers, woken through
// the pool's doorbell, whose reading end is bell, and returns; that thread then ends.
//
//export vmpgo_serve
func vmpgo_serve(bell C.uintptr_t) {
	p := &workerPool{c: cPool{}, retireAfter: idleRetire}
	go func() {
		err := p.answerDoorbell(os.NewFile(uintptr(bell), "vmp-pool-doorbell"))
		// Never seen. Every later call would wait for ever, which is worse than a crash.
		panic("vmp: the doorbell of the wall between host and Go failed: " + err.Error())
	}()
}

// cPool is the C half of the handoff, wall_pool.c.
type cPool struct{}

func (cPool) serve(w unsafe.Pointer) { C.wall_serve((*C.wall_worker)(w)) }

func (cPool) bell(w unsafe.Pointer) doorbell {
	return os.NewFile(uintptr(C.wall_worker_bell((*C.wall_worker)(w))), "vmp-worker-doorbell")
}

func (cPool) retire(w unsafe.Pointer) bool { return C.wall_retire((*C.wall_worker)(w)) != 0 }
func (cPool) arm() bool                    { return C.wall_pool_bell_arm() != 0 }
func (cPool) nextWanted() unsafe.Pointer   { return unsafe.Pointer(C.wall_next_wanted()) }
