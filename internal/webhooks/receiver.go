package webhooks

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// The library's own webhook receiver: a plain HTTP/1.1 server (net/http) on webhooks.listen
// that takes POSTs on webhooks.path and hands each to Hooks.Handle. It answers at once - the
// work is a verification and an update in memory - with 200 for an event taken (a duplicate
// too, so Vipps stops sending it), 401 for a delivery that failed verification, 400 for a body
// that is not an event, 404/405/413 for the wrong path, method or size, and 503 while the
// client closes. It speaks plain HTTP: Vipps needs HTTPS, so in production it sits behind a
// TLS-terminating proxy and webhooks.public_url names the address Vipps sees. Connections are
// bounded in number, time and size (below).

// What one connection may cost. A delivery is a few hundred bytes with a handful of headers,
// sent at once by Vipps or the proxy in front, and answered at once; the bounds are far above
// that and far below what lets a peer hold the receiver: the header must be in within 3 s, the
// whole request within 5 s, and a kept-alive connection is closed after 10 s of silence.
// Connections are also capped in number (webhooks.max_connections, connlimit.go).
const (
	MaxBody                 = 64 << 10 // the largest body taken; an ePayment event is a few hundred bytes
	maxWebhookHeader        = 16 << 10 // net/http adds 4 KiB of slack
	webhookHeaderTimeout    = 3 * time.Second
	webhookReadTimeout      = 5 * time.Second
	webhookWriteTimeout     = 10 * time.Second // from the end of the header: includes the handling
	webhookKeepAliveTimeout = 10 * time.Second
)

type webhookReceiver struct {
	ln    net.Listener
	srv   *http.Server
	conns *connLimit
	done  chan struct{}
}

func (h *Hooks) startReceiver(cfg *Config) (*webhookReceiver, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, &model.Error{Code: abi.CodeInvalidConfig, Message: "config: webhooks.listen: " + err.Error(), Err: err}
	}
	path := cfg.Path
	r := &webhookReceiver{ln: ln, conns: newConnLimit(cfg.MaxConnections), done: make(chan struct{})}
	r.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h.serve(w, req, path) }),
		ReadHeaderTimeout: webhookHeaderTimeout,
		ReadTimeout:       webhookReadTimeout,
		WriteTimeout:      webhookWriteTimeout,
		IdleTimeout:       webhookKeepAliveTimeout,
		MaxHeaderBytes:    maxWebhookHeader,
		ConnState:         r.conns.track,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(r.done)
		defer func() { _ = recover() }() // the till must survive a receiver bug
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// address is where the receiver listens (host:port).
func (r *webhookReceiver) address() string { return r.ln.Addr().String() }

// reachableAddress is address with an unspecified host (0.0.0.0, ::) replaced by 127.0.0.1,
// for the default public URL: a simulator on this machine reaches it there.
func (r *webhookReceiver) reachableAddress() string {
	tcp, ok := r.ln.Addr().(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return r.address()
}

// stop lets deliveries in progress finish (for up to two seconds) and closes the listener.
func (r *webhookReceiver) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		_ = r.srv.Close()
	}
	<-r.done
}

func (h *Hooks) serve(w http.ResponseWriter, r *http.Request, path string) {
	defer func() {
		if recover() != nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}()
	if r.URL.Path != path {
		http.Error(w, "no webhook receiver at this path", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhook deliveries are POSTed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > MaxBody { // refused before reading a byte of it
		http.Error(w, "the body is too large for an ePayment event", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	case len(body) > MaxBody:
		http.Error(w, "the body is too large for an ePayment event", http.StatusRequestEntityTooLarge)
		return
	}
	d := vipps.WebhookDelivery{
		Method:        r.Method,
		PathAndQuery:  requestTarget(r),
		Host:          r.Host,
		Date:          r.Header.Get(vipps.HeaderMSDate),
		ContentSHA256: r.Header.Get(vipps.HeaderContentSHA256),
		Authorization: r.Header.Get(vipps.HeaderAuthorization),
		Body:          body,
	}
	if at := h.verifyAt; at != nil { // behind a proxy: what Vipps signed is the public URL
		d.Host, d.PathAndQuery = at.Host, at.RequestURI()
	}
	err = h.Handle(r.Context(), d)
	switch model.CodeOf(err) {
	case abi.CodeOK:
		w.WriteHeader(http.StatusOK)
	case abi.CodeUnverified:
		http.Error(w, "the delivery failed verification", http.StatusUnauthorized)
	case abi.CodeInvalidJSON:
		http.Error(w, "the body is not an ePayment event", http.StatusBadRequest)
	case abi.CodeInvalidHandle:
		http.Error(w, "the receiver is closing", http.StatusServiceUnavailable)
	default:
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// requestTarget is the path and query exactly as the request line carried them (what Vipps
// signed), or the parsed form for an absolute-form target.
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}
