package webhooks

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Config is the "webhooks" block of the configuration (docs/WEBHOOKS.md). Without
// it the library listens nowhere and registers nothing; vmp_webhook_* calls still work.
type Config struct {
	// Listen is where the library's own receiver listens, e.g. "127.0.0.1:0" (a free port) or
	// "0.0.0.0:8443" behind a TLS-terminating proxy. "" (default): no receiver; a server of the
	// host's own can hand deliveries in with Hooks.Handle (vmp_webhook_handle).
	Listen string `json:"listen"`
	// Path is the receiver's path; default "/vmp/webhooks". Other paths answer 404.
	Path string `json:"path"`
	// PublicURL is the URL Vipps delivers to, the one registered (https for Vipps). Default,
	// with Listen: http://<the address listened on><path>, which only a simulator on the same
	// machine reaches. When it is set, the receiver verifies deliveries against its host, path
	// and query (what Vipps signed), not against what a proxy in between forwarded.
	PublicURL string `json:"public_url"`
	// MaxAgeS, when positive, refuses deliveries whose x-ms-date is more than this many seconds
	// from the receiver's clock. Default 0: no check - Vipps documents no window, and it retries
	// deliveries for days.
	MaxAgeS int64 `json:"max_age_s"`
	// PollIntervalMS is how often a payment is still read from Vipps once its events arrive by
	// webhook (the safety net); default 5000, 500 .. 600000. Payments without webhook events
	// are polled on the usual schedule.
	PollIntervalMS int64 `json:"poll_interval_ms"`
	// Register (default true) reconciles the registrations at start-up: exactly one, for
	// PublicURL and the ePayment events, whose secret the journal holds.
	Register *bool `json:"register"`
	// ManagedPrefix: registrations whose URL starts with it are this receiver's too; reconcile
	// deletes those it does not want (old addresses, say). Default: only PublicURL's.
	ManagedPrefix string `json:"managed_prefix"`
	// MaxConnections caps the receiver's open connections (connlimit.go); default 64,
	// 1 .. 4096. Vipps delivers a few events per payment; the cap keeps connections opened by
	// anyone else from holding the till's memory.
	MaxConnections int `json:"max_connections"`
}

const (
	defaultWebhookPath         = "/vmp/webhooks"
	defaultWebhookPollInterval = 5 * time.Second
	defaultWebhookConnections  = 64
	maxWebhookConnections      = 4096
	maxWebhookAge              = 30 * 24 * 60 * 60 // seconds
)

// Check fills defaults and checks the block; nil is no block. realVipps is true when the
// client talks to Vipps itself (test or production without a base_url), which reaches only a
// public https URL.
func (w *Config) Check(realVipps bool) error {
	if w == nil {
		return nil
	}
	bad := func(format string, args ...any) error {
		return model.Errorf(abi.CodeInvalidConfig, "config: webhooks."+format, args...)
	}
	if w.Listen != "" {
		host, port, err := net.SplitHostPort(w.Listen)
		if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || strings.ContainsAny(host, "/?#") {
			return bad("listen %q is not host:port (e.g. 127.0.0.1:0)", model.Truncate(w.Listen, 60))
		}
		if w.Path == "" {
			w.Path = defaultWebhookPath
		}
		if !strings.HasPrefix(w.Path, "/") || strings.ContainsAny(w.Path, "?# ") {
			return bad("path must start with / and have no query")
		}
		if w.MaxConnections == 0 {
			w.MaxConnections = defaultWebhookConnections
		}
		if w.MaxConnections < 1 || w.MaxConnections > maxWebhookConnections {
			return bad("max_connections must be between 1 and %d", maxWebhookConnections)
		}
	} else if w.Path != "" || w.MaxConnections != 0 {
		return bad("path and max_connections need listen")
	}
	if w.PublicURL != "" {
		if err := CheckURL(w.PublicURL); err != nil {
			return bad("public_url: %v", err)
		}
	}
	if err := checkManagedPrefix(w.ManagedPrefix); err != nil {
		return bad("%v", err)
	}
	if w.MaxAgeS < 0 || w.MaxAgeS > maxWebhookAge {
		return bad("max_age_s must be between 0 (no check) and %d", maxWebhookAge)
	}
	if w.PollIntervalMS == 0 {
		w.PollIntervalMS = defaultWebhookPollInterval.Milliseconds()
	}
	if w.PollIntervalMS < 500 || w.PollIntervalMS > 600000 {
		return bad("poll_interval_ms must be between 500 and 600000")
	}
	if w.Registers() {
		switch {
		case w.Listen == "" && w.PublicURL == "":
			return bad("register needs public_url (or listen): the URL to register")
		case realVipps && w.PublicURL == "":
			return bad("public_url is required to register at Vipps: the https URL on which Vipps reaches the receiver")
		case realVipps && !strings.HasPrefix(w.PublicURL, "https://"):
			return bad("public_url must be https: Vipps delivers only over HTTPS")
		}
	}
	return nil
}

// checkManagedPrefix accepts "" or the start of an http(s) URL of at most model.MaxURLBytes.
func checkManagedPrefix(p string) error {
	switch {
	case p == "":
	case len(p) > model.MaxURLBytes:
		return fmt.Errorf("managed_prefix is %d bytes; it is at most %d", len(p), model.MaxURLBytes)
	case !strings.HasPrefix(p, "http://") && !strings.HasPrefix(p, "https://"):
		return fmt.Errorf("managed_prefix must start with http:// or https://")
	}
	return nil
}

// Registers reports whether start-up reconciles the registrations.
func (w *Config) Registers() bool {
	return w != nil && (w.Register == nil || *w.Register)
}

// CheckURL accepts an absolute http(s) URL of at most model.MaxURLBytes without user info or
// fragment.
func CheckURL(raw string) error {
	if len(raw) > model.MaxURLBytes {
		return fmt.Errorf("the URL is %d bytes; it is at most %d", len(raw), model.MaxURLBytes)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		return fmt.Errorf("%q is not an absolute URL", vipps.RedactURL(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not http or https", vipps.RedactURL(raw))
	case u.User != nil || u.Fragment != "":
		return fmt.Errorf("a webhook URL has no user info or fragment")
	}
	return nil
}
