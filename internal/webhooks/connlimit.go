package webhooks

import (
	"net"
	"net/http"
	"sync"
)

// connLimit caps the webhook receiver's connections. Each one costs a goroutine and buffers,
// and anyone who reaches the port may open them: a delivery is verified only once its body is
// in. At the cap a new connection evicts the connection that has been quiet longest - one
// that has not sent a whole request header yet, or a keep-alive one between requests - so
// connections held open doing nothing cannot lock a delivery out. When every connection is
// inside a request (each bounded by the read and write timeouts), the new one is closed and
// the sender retries, as Vipps does.
type connLimit struct {
	max int

	mu      sync.Mutex
	conns   map[net.Conn]*trackedConn
	tick    uint64 // orders the connections by when they last became quiet
	dropped int64  // evicted or refused at the cap
}

type trackedConn struct {
	quietSince uint64
	busy       bool // a request is being served
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, conns: make(map[net.Conn]*trackedConn)}
}

// track is the receiver's http.Server.ConnState hook.
func (l *connLimit) track(conn net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateNew:
		if len(l.conns) >= l.max {
			l.dropped++
			quiet := l.quietest()
			if quiet == nil {
				_ = conn.Close() // its serve goroutine finds it closed and ends
				return
			}
			delete(l.conns, quiet)
			_ = quiet.Close()
		}
		l.tick++
		l.conns[conn] = &trackedConn{quietSince: l.tick}
	case http.StateActive:
		if t := l.conns[conn]; t != nil {
			t.busy = true
		}
	case http.StateIdle:
		if t := l.conns[conn]; t != nil {
			l.tick++
			t.busy, t.quietSince = false, l.tick
		}
	case http.StateHijacked, http.StateClosed:
		delete(l.conns, conn)
	}
}

// quietest is the connection that has been quiet longest; nil when all are busy.
func (l *connLimit) quietest() net.Conn {
	var pick net.Conn
	var since uint64
	for conn, t := range l.conns {
		if !t.busy && (pick == nil || t.quietSince < since) {
			pick, since = conn, t.quietSince
		}
	}
	return pick
}

// droppedCount is how many connections were evicted or refused at the cap.
func (l *connLimit) droppedCount() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}
