package core

import "github.com/vmp-dev/vmp/core/sim"

// simMarkets is the market of a sales unit that takes a currency: the embedded simulator's
// units are in the market of the till's currency, as a real store's are.
var simMarkets = map[string]string{"NOK": "NO", "DKK": "DK", "EUR": "FI"}

// simUnitRules are the embedded simulator's sales units' settings at Vipps, from the config's
// currency and simulator block.
func simUnitRules(cfg Config, units []*unitKeys) map[string]sim.UnitRules {
	sc := cfg.Simulator
	rules := map[string]sim.UnitRules{}
	for _, u := range units {
		rules[u.creds.MSN] = sim.UnitRules{Market: simMarkets[cfg.Currency], PushNotAllowed: sc.PushNotAllowed,
			FullCaptureOnly: sc.FullCaptureOnly}
	}
	return rules
}
