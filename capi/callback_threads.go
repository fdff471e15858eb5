package main

// #include "wall.h"
import "C"

import (
	"sync"

	"github.com/vmp-dev/vmp/core"
)

// callbackThreads are the C threads that run the tills' callbacks (wall_callbacks.c), which
// never enter Go: one per queue (scan, log) of each open client, started by the first
// vmp_on_scan or vmp_on_log that registers a function, stopped when the client is closed - its
// queues' dispatchers have ended by then, so nothing is delivered to them any more.
var callbackThreads = callbackThreadSet{threads: map[*core.Client]*[2]*C.wall_callback_thread{}}

type callbackThreadSet struct {
	mu      sync.Mutex
	threads map[*core.Client]*[2]*C.wall_callback_thread // the scan and the log thread of a client
}

// forHandle gives the callback thread of kind (C.WALL_IN_SCAN_CALLBACK or _LOG_) for h's
// client, starting it with mask when there is none; a later registration's mask replaces the
// one it had.
func (s *callbackThreadSet) forHandle(h C.uintptr_t, kind C.int, mask *C.wall_sigmask) (*C.wall_callback_thread, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Looked up under s.mu: vmp_close takes a client out of the registry before it stops the
	// client's threads under s.mu, so a thread started here is always stopped later.
	owner, err := handles.clientOf(uintptr(h)) // a unit handle's queues are its client's
	if err != nil {
		return nil, err // a unit handle of a closed client is out of the registry with it
	}
	pair := s.threads[owner]
	if pair == nil {
		pair = new([2]*C.wall_callback_thread)
		s.threads[owner] = pair
	}
	i := 0
	if kind == C.WALL_IN_LOG_CALLBACK {
		i = 1
	}
	if pair[i] != nil {
		C.wall_callback_thread_mask(pair[i], mask)
		return pair[i], nil
	}
	t := C.wall_callback_thread_start(kind, mask)
	if t == nil {
		return nil, argError(core.CodeInternal, "the system refused a thread for the callbacks (out of memory or threads)")
	}
	pair[i] = t
	return t, nil
}

// stop ends the callback threads of a closed client.
func (s *callbackThreadSet) stop(owner *core.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pair := s.threads[owner]; pair != nil {
		for _, t := range pair {
			if t != nil {
				C.wall_callback_thread_stop(t)
			}
		}
		delete(s.threads, owner)
	}
}
