package sim

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBodyBytes bounds a request body; Vipps bodies are a few kilobytes.
const maxBodyBytes = 1 << 20

// shutdownGrace is how long Close waits for requests in flight before cutting connections.
const shutdownGrace = time.Second

// Server is a running simulator. All its methods are safe for concurrent use.
type Server struct {
	opts   Options
	routes routeTable
	ln     net.Listener
	http   *http.Server
	served chan struct{}

	closeOnce sync.Once
	closeErr  error

	stats  *stats
	psp    *pspSequence
	faults *faultTable
	access *accessRegistry // sales units and partner keys (sales_units.go); read-only
	// hooks holds the webhook registrations and delivers events to them (webhook_delivery.go);
	// transitions makes scheduled transitions happen on time on the real clock (transitions.go).
	hooks       *webhookHub
	transitions *transitions
	// ui wakes the pages' live streams (ui_feed.go) after every request and payment event.
	ui *changeFeed

	// mu guards the simulated Vipps back end below. Every operation holds it from its first
	// look at a payment until its answer is decided, so concurrent requests see one order.
	mu       sync.Mutex
	payments map[paymentKey]*payment // by MSN and reference
	created  uint64                  // payments created so far (payment.seq)
	tokens   *tokenStore
	idem     *idempotencyStore
	limits   *rateLimiter
	club     clubState // customer club: consent requests, login tokens, check-ins (club_state.go)

	// Order Management receipts (order_management.go) and customer-facing QR tokens
	// (qr_flow.go); each map is nil until its first entry.
	orders  map[orderKey]*orderRecord
	qrCodes map[string]*qrCode
}

// Start listens on opts.Addr (a loopback address) and serves the simulator until Close.
func Start(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listen on %s: %w", o.Addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !o.AllowRemote && (!ok || !tcp.IP.IsLoopback()) {
		_ = ln.Close()
		return nil, fmt.Errorf("sim: %s resolved to %s, which is not a loopback address", o.Addr, ln.Addr())
	}
	s := &Server{
		opts:     o,
		routes:   newRouteTable(),
		ln:       ln,
		served:   make(chan struct{}),
		stats:    newStats(),
		psp:      newPSPSequence(),
		faults:   newFaultTable(o.FaultSeed),
		access:   newAccessRegistry(o),
		payments: map[paymentKey]*payment{},
		tokens:   newTokenStore(),
		idem:     newIdempotencyStore(),
		limits:   newRateLimiter(),
	}
	s.hooks, s.transitions, s.ui = newWebhookHub(s), newTransitions(), newChangeFeed()
	s.http = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go s.serve()
	return s, nil
}

func (s *Server) serve() {
	defer close(s.served)
	defer func() { _ = recover() }() // a panic here must not take the host process down
	_ = s.http.Serve(s.ln)
}

// URL is the base URL of the simulator, e.g. "http://127.0.0.1:43123". Use it in place of
// https://apitest.vipps.no.
func (s *Server) URL() string {
	return "http://" + s.ln.Addr().String()
}

// Close stops the listener, lets requests in flight finish (for up to a second), closes every
// connection and waits for the server goroutine. A request held by a delay fault is dropped
// unprocessed at once. Calling it again does nothing and returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.ui.close()
		s.transitions.stop()
		s.hooks.close()
		s.faults.shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			s.closeErr = s.http.Close()
		}
		<-s.served
	})
	return s.closeErr
}

// ServeHTTP is the single entry of every request: route, header checks, handler, and then
// one write of the answer. A request an injected fault applies to (see InjectFault) goes to
// serveFault instead, which delays, drops or corrupts it around the same handle.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isUIPath(r.URL.Path) {
		s.serveUI(w, r)
		return
	}
	defer s.ui.changed() // whatever the request did, the pages look again
	r, rt, f, ok := s.faultFor(r)
	if ok {
		s.serveFault(w, r, rt, f)
		return
	}
	s.handle(r).write(w)
}

// handle computes the complete answer to r without touching the connection.
func (s *Server) handle(r *http.Request) (answer reply) {
	defer func() {
		if v := recover(); v != nil {
			answer = internalErrorReply(fmt.Sprintf("the simulator failed: %v", v))
		}
	}()
	rt, reference, allowed := s.routes.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		s.stats.request("unmatched")
		if len(allowed) > 0 {
			return newProblem(http.StatusMethodNotAllowed, "Method Not Allowed", r.Method+" is not allowed here.").
				reply(r.URL.Path).withHeader("Allow", strings.Join(allowed, ", "))
		}
		return newProblem(http.StatusNotFound, "Not Found", "No endpoint at "+r.URL.Path+".").reply(r.URL.Path)
	}
	s.stats.request(rt.endpoint())
	c := &call{r: r, route: rt, reference: reference}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	switch {
	case err != nil:
		return c.fail(fieldProblem("body", "The request body could not be read: "+err.Error()))
	case len(body) > maxBodyBytes:
		return c.fail(newProblem(http.StatusRequestEntityTooLarge, "Payload Too Large", fmt.Sprintf("The request body exceeds %d bytes.", maxBodyBytes)))
	}
	c.body = body
	if rt.guard == guardEPayment {
		if p := s.checkEPaymentHeaders(r); p != nil {
			return c.fail(p)
		}
	}
	return rt.handle(s, c)
}

// now reads the simulator's clock.
func (s *Server) now() time.Time {
	return s.opts.Clock.Now()
}
