package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// faultWriteTimeout bounds the raw write of a truncated answer to a client that stopped reading.
const faultWriteTimeout = time.Second

// faultFor decides whether r gets an injected fault, and uses it up if so. Only requests that
// match a Vipps API route can; the /sim control API and unmatched requests never do. A read of
// the event log an event_log_lag hits is returned as the request to serve (the lag in its
// context): the lag is the log's state, not an answer, so it applies beside a fault that
// answers the read (one that does not process it makes the lag moot) and never shadows one.
func (s *Server) faultFor(r *http.Request) (*http.Request, *route, Fault, bool) {
	if s.faults.empty() {
		return r, nil, Fault{}, false
	}
	rt, reference, _ := s.routes.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		return r, nil, Fault{}, false
	}
	op, ok := faultOperations[rt.endpoint()]
	if !ok {
		return r, nil, Fault{}, false
	}
	if op == OperationCreate && s.faults.wantsBodyReference(op) {
		reference = peekReference(bufferBody(r))
	}
	if lag, lagged := s.faults.take(op, reference, true); lagged {
		s.stats.add(func(st *Stats) { st.FaultsInjected[lag.Kind]++ })
		r = withEventLogLag(r, lag.Delay)
	}
	f, ok := s.faults.take(op, reference, false)
	if !ok {
		return r, nil, Fault{}, false
	}
	s.stats.add(func(st *Stats) { st.FaultsInjected[f.Kind]++ })
	return r, rt, f, true
}

// serveFault answers r, a request for rt, the way fault f says. Kinds that process run the
// ordinary handler (Server.handle), so the effect and the idempotency record are exactly those
// of a request without a fault; only what reaches the connection differs.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, rt *route, f Fault) {
	// Read the whole body now, so a held or dropped request does not depend on the connection.
	bufferBody(r)
	switch f.Kind {
	case FaultCloseBefore:
		s.stats.request(rt.endpoint())
		dropConnection(w)
	case FaultStatus:
		s.stats.request(rt.endpoint())
		faultStatusReply(&call{r: r, route: rt}, f).write(w)
	case FaultDelay:
		hold := time.NewTimer(f.Delay)
		defer hold.Stop()
		select {
		case <-hold.C:
			s.handle(r).write(w)
		case <-s.faults.closing:
			// The server is closing: the request is dropped unprocessed, as a crash would.
			s.stats.request(rt.endpoint())
			dropConnection(w)
		}
	case FaultDropAfterCommit:
		s.handle(r)
		dropConnection(w)
	case FaultTruncatedBody:
		writeTruncated(w, s.handle(r))
	case FaultMalformedJSON:
		malformedJSON(s.handle(r)).write(w)
	default:
		s.handle(r).write(w) // unreachable: InjectFault validates the kind
	}
}

// bufferBody reads r's body (up to the simulator's limit and one byte) into memory and puts an
// identical body back, read error included, so the handler sees exactly what it would have.
func bufferBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	r.Body = &replayBody{Reader: bytes.NewReader(data), err: err}
	return data
}

// replayBody is a request body read ahead of the handler.
type replayBody struct {
	*bytes.Reader
	err error // the error the original body gave after the bytes, if any
}

func (b *replayBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if errors.Is(err, io.EOF) && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *replayBody) Close() error { return nil }

// dropConnection closes the client's connection without writing a byte.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeTruncated sends a raw HTTP/1.1 answer whose headers announce the full body but whose
// body stops half way, then closes the connection. An answer without a body is cut in the
// middle of its header block instead, so the client never sees a complete answer.
func writeTruncated(w http.ResponseWriter, a reply) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	h := a.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if a.contentType != "" {
		h.Set("Content-Type", a.contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	h.Set("Connection", "close")
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\n", a.status, http.StatusText(a.status))
	_ = h.Write(&out)
	out.WriteString("\r\n")
	raw := out.Bytes()
	if len(a.body) > 0 {
		raw = append(raw, a.body[:len(a.body)/2]...)
	} else {
		raw = raw[:len(raw)/2]
	}
	_ = conn.SetWriteDeadline(time.Now().Add(faultWriteTimeout))
	_, _ = conn.Write(raw)
}

// malformedJSON returns a with a body that is not valid JSON: the first half of the real body
// (a proper prefix of a JSON object or array never parses), or `{"` when that would be empty
// or, against expectation, valid.
func malformedJSON(a reply) reply {
	a = a.clone()
	trimmed := bytes.TrimRight(a.body, " \t\r\n")
	cut := trimmed[:len(trimmed)/2]
	if len(cut) == 0 || wirejson.Valid(cut) {
		cut = []byte(`{"`)
	}
	a.body = cut
	if a.contentType == "" {
		a.contentType = contentJSON
	}
	return a
}
