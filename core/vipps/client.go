package vipps

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Client talks to one Vipps host with one sales unit's credentials. Safe for concurrent use.
type Client struct {
	cfg      Config
	hc       *fasthttp.HostClient
	hostHdr  string
	sysHdrs  []header // systemHeaderList of cfg.System
	tokens   *tokenSource
	inflight sync.WaitGroup
	// conns are the open connections, which Close closes (conns.go).
	conns connSet
	// closing is cancelled by Close so token fetches shared by several callers stop too.
	closing context.Context
	cancel  context.CancelFunc
}

// Request is one HTTP call to Vipps. Body is sent byte-for-byte as given: the engine keeps it
// so a retry sends exactly the same bytes with the same Idempotency-Key.
type Request struct {
	Method         string
	Path           string // e.g. "/epayment/v1/payments"
	IdempotencyKey string
	Body           []byte
}

// Response is a 2xx answer.
type Response struct {
	Status int
	Body   []byte
}

// New checks cfg and prepares a client. It opens no connection yet.
func New(cfg Config) (*Client, error) {
	// The URL is echoed redacted only: it may carry a user:password, and url.Parse's own
	// error quotes it whole.
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("base URL %q must be http(s)://host[:port]", RedactURL(cfg.BaseURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("base URL %q must not carry a user name or password", RedactURL(cfg.BaseURL))
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("base URL %q must not have a path", RedactURL(cfg.BaseURL))
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.MaxResponseBodySize <= 0 {
		cfg.MaxResponseBodySize = defaultMaxResponseBodySize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	isTLS := u.Scheme == "https"
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[isTLS])
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout}
	c := &Client{cfg: cfg, hostHdr: u.Host, sysHdrs: systemHeaderList(cfg.System)}
	c.closing, c.cancel = context.WithCancel(context.Background())
	c.hc = &fasthttp.HostClient{
		Addr:                addr,
		Name:                "vmp",
		IsTLS:               isTLS,
		TLSConfig:           &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()},
		Dial:                func(a string) (net.Conn, error) { return c.conns.dial(c.closing, dialer, a) },
		ReadTimeout:         cfg.RequestTimeout,
		WriteTimeout:        cfg.RequestTimeout,
		MaxResponseBodySize: cfg.MaxResponseBodySize,
		MaxIdleConnDuration: 30 * time.Second,
		// Paths are sent as built, escaped (epayment.go): normalising would decode an escaped
		// "/" or ";" in a reference and send the request elsewhere than the journal records.
		DisablePathNormalizing: true,
		// Retries are the engine's decision (same key, same body, rate limits), never fasthttp's.
		MaxIdemponentCallAttempts: 1,
		RetryIfErr:                func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	c.tokens = &tokenSource{client: c}
	return c, nil
}

// Close stops token fetches, cuts the requests still waiting for an answer by closing their
// connections, waits for them to return and closes idle connections.
func (c *Client) Close() {
	c.cancel()
	c.conns.closeAll()
	c.inflight.Wait()
	c.hc.CloseIdleConnections()
}

// Do sends an authenticated API request: access token, subscription key, MSN and system
// headers. A 401 drops the cached token and is retried once with a fresh one (a 401 means the
// gateway refused the call, so nothing happened). Non-2xx answers are returned as *Problem,
// missing answers as *TransportError; when no access token could be had, the request was never
// sent and the error is a *TokenError.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	token, err := c.tokens.get(ctx)
	if err != nil {
		return nil, &TokenError{Err: err}
	}
	resp, err := c.send(ctx, r, func(h *fasthttp.RequestHeader) { c.apiHeaders(h, token, r) })
	var p *Problem
	if errors.As(err, &p) && p.HTTPStatus == fasthttp.StatusUnauthorized {
		c.tokens.invalidate(token)
		if token, err = c.tokens.get(ctx); err != nil {
			return nil, &TokenError{Err: err}
		}
		resp, err = c.send(ctx, r, func(h *fasthttp.RequestHeader) { c.apiHeaders(h, token, r) })
	}
	return resp, err
}

func (c *Client) apiHeaders(h *fasthttp.RequestHeader, token string, r Request) {
	h.Set("Authorization", "Bearer "+token)
	c.commonHeaders(h)
	if r.IdempotencyKey != "" {
		h.Set("Idempotency-Key", r.IdempotencyKey)
	}
	if r.Body != nil {
		h.SetContentType("application/json")
	}
}

func (c *Client) commonHeaders(h *fasthttp.RequestHeader) {
	h.Set("Ocp-Apim-Subscription-Key", c.cfg.Credentials.SubscriptionKey)
	if c.cfg.Credentials.MSN != "" {
		h.Set("Merchant-Serial-Number", c.cfg.Credentials.MSN)
	}
	c.systemHeaders(h)
}

// systemHeaders sets the Vipps-System-* headers that are set in the config, and Accept.
func (c *Client) systemHeaders(h *fasthttp.RequestHeader) {
	for _, sh := range c.sysHdrs {
		h.Set(sh.name, sh.value)
	}
	h.Set("Accept", "application/json, application/problem+json")
}

// header is one request header.
type header struct{ name, value string }

// systemHeaderList is the Vipps-System-* headers set in sys, in a fixed order: made once, as
// every request sends them.
func systemHeaderList(sys System) []header {
	var list []header
	for _, sh := range []header{
		{"Vipps-System-Name", sys.Name},
		{"Vipps-System-Version", sys.Version},
		{"Vipps-System-Plugin-Name", sys.PluginName},
		{"Vipps-System-Plugin-Version", sys.PluginVersion},
	} {
		if sh.value != "" {
			list = append(list, sh)
		}
	}
	return list
}

type sendResult struct {
	status     int
	body       []byte
	retryAfter time.Duration
	err        error
}

// send performs one HTTP exchange. It runs the exchange on its own goroutine so a cancelled
// ctx returns at once; the exchange itself is bounded by RequestTimeout and Close waits for it.
func (c *Client) send(ctx context.Context, r Request, headers func(*fasthttp.RequestHeader)) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &TransportError{MaybeSent: false, Err: err}
	}
	if c.closing.Err() != nil {
		return nil, &TransportError{MaybeSent: false, Err: errors.New("client closed")}
	}
	deadline := time.Now().Add(c.cfg.RequestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req := fasthttp.AcquireRequest()
	req.Header.SetMethod(r.Method)
	req.SetRequestURI(r.Path)
	req.Header.SetHost(c.hostHdr)
	headers(&req.Header)
	if r.Body != nil {
		req.SetBody(r.Body)
	}
	done := make(chan sendResult, 1)
	c.inflight.Add(1)
	go func() {
		defer c.inflight.Done()
		done <- c.exchange(req, deadline)
	}()
	var res sendResult
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, &TransportError{MaybeSent: true, Err: ctx.Err()}
	}
	if res.err != nil {
		return nil, res.err
	}
	if res.status < 200 || res.status > 299 {
		return nil, decodeProblem(res.status, res.body, res.retryAfter)
	}
	return &Response{Status: res.status, Body: res.body}, nil
}

func (c *Client) exchange(req *fasthttp.Request, deadline time.Time) (res sendResult) {
	resp := fasthttp.AcquireResponse()
	defer func() {
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
		if p := recover(); p != nil {
			res = sendResult{err: &TransportError{MaybeSent: true, Err: fmt.Errorf("http client panic: %v", p)}}
		}
	}()
	if err := c.hc.DoDeadline(req, resp, deadline); err != nil {
		return sendResult{err: classifyTransportError(err)}
	}
	return sendResult{
		status:     resp.StatusCode(),
		body:       append([]byte(nil), resp.Body()...),
		retryAfter: parseRetryAfter(string(resp.Header.Peek("Retry-After")), time.Now()),
	}
}

// classifyTransportError decides whether a failed exchange may have reached Vipps. Only a
// failure to open the connection proves it did not.
func classifyTransportError(err error) *TransportError {
	te := &TransportError{MaybeSent: true, Err: err}
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial":
		te.MaybeSent = false
	case errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns),
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		te.MaybeSent = false
	}
	var ne net.Error
	te.Timeout = errors.Is(err, fasthttp.ErrTimeout) || (errors.As(err, &ne) && ne.Timeout())
	return te
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
