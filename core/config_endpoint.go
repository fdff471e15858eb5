package core

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/vmp-dev/vmp/core/vipps"
)

// Where the keys go: the environment and base_url checks of the configuration. A mistake here
// either runs a real shop on the embedded simulator (sales "approved" that moved no money) or
// sends the client secret where it can be read, so both are refused at vmp_init.

// checkEnvironment defaults an absent environment to the embedded simulator - but only for a
// configuration without keys: keys without an environment are a configuration that forgot to
// say where they belong, and guessing "simulator" would take payments that move no money.
func (c *Config) checkEnvironment() error {
	if c.Environment == "" {
		if keys := c.credentialFields(); len(keys) > 0 {
			return newError(CodeInvalidConfig, "config: %s given without \"environment\": say \"test\" or \"production\" "+
				"for Vipps keys, or \"simulator\" to use them against a simulator (only a configuration without keys "+
				"runs the embedded simulator by default)", strings.Join(keys, ", "))
		}
		c.Environment = EnvSimulator
	}
	if _, ok := environments[c.Environment]; !ok {
		return newError(CodeInvalidConfig, "config: environment %q is not one of simulator, test, production", truncateForMessage(c.Environment, 20))
	}
	return nil
}

// credentialFields names the keys the configuration carries (never their values).
func (c *Config) credentialFields() []string {
	var set []string
	for _, f := range []struct{ name, value string }{{"client_id", c.ClientID}, {"client_secret", c.ClientSecret},
		{"subscription_key", c.SubscriptionKey}, {"msn", c.MSN}} {
		if f.value != "" {
			set = append(set, f.name)
		}
	}
	if c.Partner != nil {
		set = append(set, "partner")
	}
	for i, u := range c.SalesUnits {
		if u.ClientID != "" || u.ClientSecret != "" || u.SubscriptionKey != "" {
			set = append(set, fmt.Sprintf("sales_units[%d] keys", i))
		}
	}
	return set
}

// checkBaseURL checks base_url against the environment. Test and production need https: over
// http the client secret and the access tokens travel in clear text. The simulator may use
// http only on this machine (127.0.0.0/8, ::1, localhost) - a standalone vmp-sim elsewhere is
// reached through an https proxy - and must not name Vipps' own hosts. Errors show the URL
// redacted (vipps.RedactURL): never its user info.
func (c *Config) checkBaseURL() error {
	if c.BaseURL == "" {
		return nil
	}
	shown := vipps.RedactURL(c.BaseURL)
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return newError(CodeInvalidConfig, "config: base_url %q is not http(s)://host[:port]", shown)
	case u.User != nil:
		return newError(CodeInvalidConfig, "config: base_url %q must not carry a user name or password: the keys go in client_id, client_secret and subscription_key", shown)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return newError(CodeInvalidConfig, "config: base_url %q must be only a scheme, a host and a port", shown)
	case c.Environment != EnvSimulator && u.Scheme != "https":
		return newError(CodeInvalidConfig, "config: environment %q needs an https base_url (%q is http: the client secret and tokens would travel in clear text)", c.Environment, shown)
	case c.Environment == EnvSimulator && u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return newError(CodeInvalidConfig, "config: base_url %q: a simulator over http must run on this machine (127.0.0.1, ::1 or localhost); one elsewhere needs https", shown)
	case c.Environment == EnvSimulator && isVippsHost(u.Hostname()):
		return newError(CodeInvalidConfig, "config: base_url %q is Vipps itself, not a simulator: use environment \"test\" or \"production\"", shown)
	}
	return nil
}

// isLoopbackHost is true for localhost and loopback addresses; names are not resolved.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isVippsHost is true for the hosts of the test and production environments.
func isVippsHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, base := range environments {
		if base != "" && strings.TrimPrefix(base, "https://") == host {
			return true
		}
	}
	return false
}
