package vipps

import (
	"context"
	"errors"
	"net"
	"sync"
)

// connSet holds a client's open connections so that Close can cut the requests still waiting
// for an answer: fasthttp cannot cancel a request, and without this Close would wait out the
// request timeout (up to 10 minutes) for a Vipps that took a request and never answered.
type connSet struct {
	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
}

var errClientClosed = errors.New("client closed")

// dial opens a connection, cancelled by ctx (the client's closing), and tracks it.
func (s *connSet) dial(ctx context.Context, d *net.Dialer, addr string) (net.Conn, error) {
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &trackedConn{Conn: raw, set: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		raw.Close()
		return nil, errClientClosed
	}
	if s.conns == nil {
		s.conns = make(map[*trackedConn]struct{})
	}
	s.conns[c] = struct{}{}
	return c, nil
}

// closeAll closes every open connection - a request waiting on one fails at once - and every
// later dial.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// trackedConn leaves its set when closed.
type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.conns, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}
