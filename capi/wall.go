package main

// The Go side of the wall between host and Go (wall.h): the loop a worker thread runs once it
// has entered Go. Nothing else in this package knows that calls arrive through workers: each
// vmpgo_* export still runs as a call from C on the thread that made it, which is now a worker.

/*
#cgo windows LDFLAGS: -lsynchronization
#include "wall.h"
*/
import "C"

// vmpgo_serve is the one call a worker makes into Go (wall_pool.c, worker_main). It stays in
// C's loop - waiting in C between calls, running each call's body, which calls its vmpgo_*
// export - and returns when the worker retires.
//
//export vmpgo_serve
func vmpgo_serve(w *C.wall_worker) {
	C.wall_worker_loop(w)
}
