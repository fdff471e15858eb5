package vipps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/vmp-dev/vmp/core/wirejson"
)

// tokenSource caches the access token of POST /accesstoken/get. One fetch runs at a time
// (callers arriving meanwhile wait for it), and the token is renewed a margin before it expires.
type tokenSource struct {
	client *Client

	mu        sync.Mutex
	token     string
	expiresAt time.Time
	renewAt   time.Time
	flight    *tokenFlight
}

type tokenFlight struct {
	done  chan struct{}
	token string
	err   error
}

func (t *tokenSource) get(ctx context.Context) (string, error) {
	now := t.client.cfg.Now()
	t.mu.Lock()
	if t.token != "" && now.Before(t.renewAt) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	f := t.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		t.flight = f
		t.client.inflight.Add(1)
		go t.fetch(f)
	}
	t.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		return "", &TransportError{MaybeSent: false, Err: ctx.Err()}
	}
	if f.err != nil {
		// A renewal that fails while the old token is still valid is not fatal.
		t.mu.Lock()
		tok, valid := t.token, t.token != "" && t.client.cfg.Now().Before(t.expiresAt)
		t.mu.Unlock()
		if valid {
			return tok, nil
		}
		return "", f.err
	}
	return f.token, nil
}

// fetch runs detached from any one caller's ctx, so a caller giving up does not fail the others.
func (t *tokenSource) fetch(f *tokenFlight) {
	defer t.client.inflight.Done()
	defer func() {
		if p := recover(); p != nil {
			f.err = fmt.Errorf("access token fetch panic: %v", p)
		}
		t.mu.Lock()
		t.flight = nil
		t.mu.Unlock()
		close(f.done)
	}()
	tok, lifetime, err := t.client.requestToken(t.client.closing)
	if err != nil {
		f.err = err
		return
	}
	now := t.client.cfg.Now()
	margin := lifetime / 10
	if margin > 5*time.Minute {
		margin = 5 * time.Minute
	}
	t.mu.Lock()
	t.token, t.expiresAt, t.renewAt = tok, now.Add(lifetime), now.Add(lifetime-margin)
	t.mu.Unlock()
	f.token = tok
}

// TokenError is a request that was never sent because no access token could be had: the token
// endpoint failed (Err says how). Whatever Err is - a 5xx, a dropped connection, a malformed
// answer - the API request itself cannot have had any effect.
type TokenError struct {
	Err error
}

func (e *TokenError) Error() string { return "getting an access token: " + e.Err.Error() }

func (e *TokenError) Unwrap() error { return e.Err }

// invalidate drops token if it is still the cached one (Vipps refused it with 401).
func (t *tokenSource) invalidate(token string) {
	t.mu.Lock()
	if t.token == token {
		t.token, t.expiresAt, t.renewAt = "", time.Time{}, time.Time{}
	}
	t.mu.Unlock()
}

// tokenResponse is the answer of /accesstoken/get; its numbers are JSON strings.
type tokenResponse struct {
	TokenType   string       `json:"token_type"`
	ExpiresIn   flexibleUint `json:"expires_in"`
	AccessToken string       `json:"access_token"`
}

// flexibleUint decodes a non-negative integer sent either as a JSON number or as a string.
type flexibleUint uint64

func (f *flexibleUint) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return fmt.Errorf("not a non-negative integer: %q", s)
	}
	*f = flexibleUint(v)
	return nil
}

func (c *Client) requestToken(ctx context.Context) (string, time.Duration, error) {
	creds := c.cfg.Credentials
	resp, err := c.send(ctx, Request{Method: "POST", Path: "/accesstoken/get"}, func(h *fasthttp.RequestHeader) {
		h.Set("client_id", creds.ClientID)
		h.Set("client_secret", creds.ClientSecret)
		c.commonHeaders(h)
	})
	if err != nil {
		return "", 0, err
	}
	var tr tokenResponse
	if err := wirejson.Unmarshal(resp.Body, &tr); err != nil {
		return "", 0, &MalformedAnswerError{Status: resp.Status, Err: fmt.Errorf("access token answer is not valid JSON: %w", err)}
	}
	if tr.AccessToken == "" {
		return "", 0, &MalformedAnswerError{Status: resp.Status, Err: errors.New("access token answer has no access_token")}
	}
	if !strings.EqualFold(tr.TokenType, "Bearer") && tr.TokenType != "" {
		return "", 0, &MalformedAnswerError{Status: resp.Status, Err: fmt.Errorf("access token type %q is not Bearer", tr.TokenType)}
	}
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = time.Minute // unknown lifetime: renew often rather than use an expired token
	}
	return tr.AccessToken, lifetime, nil
}
