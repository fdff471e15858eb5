package sim

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"time"
)

// Simulated network latency (Options.Latency): a request to the Vipps API travels half the
// round trip before it is handled and its answer the other half, so the simulated Vipps sees
// the request, and decides its answer, at the moment it would arrive. The control API under
// /sim/ is the test rig's own channel and is never delayed. Webhook deliveries travel the same
// way (webhook_delivery.go).

// handler is the simulator's HTTP handler, with the simulated latency when there is one.
func (s *Server) handler() http.Handler {
	if s.opts.Latency <= 0 {
		return s
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/sim/") {
			s.ServeHTTP(w, r)
			return
		}
		half := s.opts.Latency / 2
		s.pause(s.faults.closing, half)
		s.ServeHTTP(&lateWriter{ResponseWriter: w, s: s, delay: s.opts.Latency - half}, r)
	})
}

// lateWriter holds the answer back for the way back of the round trip.
type lateWriter struct {
	http.ResponseWriter
	s       *Server
	delay   time.Duration
	delayed bool
}

func (w *lateWriter) wait() {
	if !w.delayed {
		w.delayed = true
		w.s.pause(w.s.faults.closing, w.delay)
	}
}

func (w *lateWriter) WriteHeader(status int) {
	w.wait()
	w.ResponseWriter.WriteHeader(status)
}

func (w *lateWriter) Write(b []byte) (int, error) {
	w.wait()
	return w.ResponseWriter.Write(b)
}

// Hijack lets the fault layer drop or cut the connection, as without latency.
func (w *lateWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.wait()
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}
