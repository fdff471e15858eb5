package core

import (
	"fmt"
	"regexp"

	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/core/vipps"
)

// SalesUnitConfig is another store (sales unit) of the chain the till may act for - typically to
// refund a payment made there. Each has its own MSN and either its own keys or the partner keys.
type SalesUnitConfig struct {
	Name            string `json:"name"`
	MSN             string `json:"msn"`
	ClientID        string `json:"client_id"`
	ClientSecret    string `json:"client_secret"`
	SubscriptionKey string `json:"subscription_key"`
	// ReferencePrefix starts the references this till generates for the unit (for chains that
	// run every store under one MSN and tell stores apart by reference); default the name.
	ReferencePrefix string `json:"reference_prefix"`
}

// PartnerConfig is a partner key set (a POS vendor's or chain's), acting for the MSNs of the
// sales units that have no keys of their own; it must be allowed for them at Vipps.
type PartnerConfig struct {
	ClientID        string `json:"client_id"`
	ClientSecret    string `json:"client_secret"`
	SubscriptionKey string `json:"subscription_key"`
}

var unitNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)

// checkSalesUnits checks the sales_units and partner blocks.
func (c *Config) checkSalesUnits() error {
	if p := c.Partner; p != nil && (p.ClientID == "" || p.ClientSecret == "" || p.SubscriptionKey == "") {
		return newError(CodeInvalidConfig, "config: partner needs client_id, client_secret and subscription_key")
	}
	seen, msns := map[string]bool{}, map[string]string{}
	for i, u := range c.SalesUnits {
		switch {
		case !unitNamePattern.MatchString(u.Name):
			return newError(CodeInvalidConfig, "config: sales_units[%d].name must be 1 to 40 of a-z A-Z 0-9 _ -", i)
		case seen[u.Name]:
			return newError(CodeInvalidConfig, "config: sales unit %q is listed twice", u.Name)
		case !msnPattern.MatchString(u.MSN):
			return newError(CodeInvalidConfig, "config: sales unit %q needs an msn of 4 to 7 digits", u.Name)
		case u.ReferencePrefix != "" && !idPattern.MatchString(u.ReferencePrefix):
			return newError(CodeInvalidConfig, "config: sales unit %q: reference_prefix must be at most 20 of a-z A-Z 0-9 -", u.Name)
		}
		seen[u.Name] = true
		if u.MSN == c.MSN || msns[u.MSN] != "" {
			// The journal and the Idempotency-Keys know a unit by its MSN (a name can change):
			// two names for one MSN would be one unit under two names.
			return newError(CodeInvalidConfig, "config: sales unit %q has the msn of %s; each MSN is one sales unit", u.Name,
				firstNonEmptyString(msns[u.MSN], "the till itself"))
		}
		msns[u.MSN] = fmt.Sprintf("sales unit %q", u.Name)
		ownKeys := u.ClientID != "" || u.ClientSecret != "" || u.SubscriptionKey != ""
		complete := u.ClientID != "" && u.ClientSecret != "" && u.SubscriptionKey != ""
		switch {
		case ownKeys && !complete:
			return newError(CodeInvalidConfig, "config: sales unit %q needs all of client_id, client_secret and subscription_key, or none (partner keys)", u.Name)
		case !ownKeys && c.Partner == nil && c.Environment != EnvSimulator:
			return newError(CodeInvalidConfig, "config: sales unit %q has no keys and there are no partner keys", u.Name)
		}
	}
	return nil
}

// unitKeys is a sales unit as the configuration gives it: the keys its wire client carries
// (its own, or the partner keys for its MSN). The payments know it as a payments.Unit.
type unitKeys struct {
	name            string // "" is the till's own unit
	referencePrefix string
	creds           vipps.Credentials
	partner         bool
}

// resolveSalesUnits gives the credentials of every unit: the till's own (home, as already
// resolved) first. In the simulator, a unit without keys and without partner keys gets keys
// the embedded simulator is started with.
func resolveSalesUnits(cfg Config, home vipps.Credentials) []*unitKeys {
	units := []*unitKeys{{name: "", referencePrefix: cfg.StoreID, creds: home}}
	if cfg.Partner != nil && cfg.ClientID == "" {
		units[0].creds, units[0].partner = partnerCreds(cfg.Partner, cfg.MSN), true
	}
	for _, u := range cfg.SalesUnits {
		su := &unitKeys{name: u.Name, referencePrefix: firstNonEmptyString(u.ReferencePrefix, u.Name),
			creds: vipps.Credentials{ClientID: u.ClientID, ClientSecret: u.ClientSecret, SubscriptionKey: u.SubscriptionKey, MSN: u.MSN}}
		switch {
		case u.ClientID != "":
		case cfg.Partner != nil:
			su.creds, su.partner = partnerCreds(cfg.Partner, u.MSN), true
		default: // simulator only (checked): keys of its own, made up
			su.creds = vipps.Credentials{ClientID: "sim-" + u.Name + "-client-id", ClientSecret: "sim-" + u.Name + "-secret",
				SubscriptionKey: "sim-" + u.Name + "-subscription-key", MSN: u.MSN}
		}
		units = append(units, su)
	}
	return units
}

func partnerCreds(p *PartnerConfig, msn string) vipps.Credentials {
	return vipps.Credentials{ClientID: p.ClientID, ClientSecret: p.ClientSecret, SubscriptionKey: p.SubscriptionKey, MSN: msn}
}

// simMerchantNames tells an embedded simulator what its phone page calls each sales unit: the
// configured name, and the store id for the till's own unit (the default is "Sales unit <MSN>").
func simMerchantNames(units []*unitKeys, storeID string) map[string]string {
	names := make(map[string]string, len(units))
	for _, u := range units {
		name := u.name
		if name == "" {
			name = storeID
		}
		if name != "" && names[u.creds.MSN] == "" {
			names[u.creds.MSN] = name
		}
	}
	return names
}

// simKeySets tells an embedded simulator every key set the client will use.
func simKeySets(units []*unitKeys) (own []sim.Credentials, partners []sim.PartnerCredentials) {
	byPartner := map[string]*sim.PartnerCredentials{}
	for _, u := range units {
		c := u.creds
		if !u.partner {
			own = append(own, sim.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, SubscriptionKey: c.SubscriptionKey, MSN: c.MSN})
			continue
		}
		p := byPartner[c.ClientID]
		if p == nil {
			p = &sim.PartnerCredentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, SubscriptionKey: c.SubscriptionKey}
			byPartner[c.ClientID] = p
		}
		p.MSNs = append(p.MSNs, c.MSN)
	}
	for _, p := range byPartner {
		partners = append(partners, *p)
	}
	return own, partners
}

func firstNonEmptyString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
