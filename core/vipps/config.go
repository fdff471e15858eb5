// Package vipps is the wire client for the Vipps MobilePay APIs vmp uses: one file per API.
//
// It speaks HTTP through one pooled fasthttp.HostClient per host, with explicit timeouts, a
// response size cap, TLS 1.2 or newer, and fasthttp's own retries off: whether a request may
// be repeated is decided by the engine in package core, which knows the Idempotency-Key rules.
package vipps

import "time"

// Credentials of one sales unit (or a partner key set acting for MSN).
type Credentials struct {
	ClientID        string
	ClientSecret    string
	SubscriptionKey string
	MSN             string
}

// System names the POS and plugin in the Vipps-System-* headers (each at most 30 characters).
type System struct {
	Name          string
	Version       string
	PluginName    string
	PluginVersion string
}

// Config configures a Client.
type Config struct {
	// BaseURL is "https://apitest.vipps.no", "https://api.vipps.no" or a simulator's URL.
	BaseURL     string
	Credentials Credentials
	System      System
	// ConnectTimeout bounds the TCP (and TLS) connect; default 3 s.
	ConnectTimeout time.Duration
	// RequestTimeout bounds one request from write to the end of the response; default 10 s.
	RequestTimeout time.Duration
	// MaxResponseBodySize caps an answer's body; default 1 MiB.
	MaxResponseBodySize int
	// Now is the clock used for token expiry; default time.Now.
	Now func() time.Time
}

const (
	defaultConnectTimeout      = 3 * time.Second
	defaultRequestTimeout      = 10 * time.Second
	defaultMaxResponseBodySize = 1 << 20
)
