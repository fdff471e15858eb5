package sim

import "time"

// clubState is the simulated back end of the customer-club APIs: consent requests
// (merchant-initiated logins), the login access tokens they yield, and the check-ins shown.
// Its zero value is ready; the server's lock guards it.
type clubState struct {
	logins      map[string]*login     // by auth_req_id
	latestLogin map[string]*login     // by MSISDN: the customer's newest consent request
	loginTokens map[string]loginGrant // by login access token
	checkIns    []CheckIn
}

// maxCheckIns bounds the check-in record of a long-running simulator.
const maxCheckIns = 1000

func (cs *clubState) init() {
	if cs.logins == nil {
		cs.logins = map[string]*login{}
		cs.latestLogin = map[string]*login{}
		cs.loginTokens = map[string]loginGrant{}
	}
}

// forget drops logins and tokens that ended long ago, so memory stays bounded.
func (cs *clubState) forget(now time.Time) {
	for id, l := range cs.logins {
		if l.state != LoginPending && now.Sub(l.expiresAt) > time.Hour {
			delete(cs.logins, id)
			if cs.latestLogin[l.msisdn] == l {
				delete(cs.latestLogin, l.msisdn)
			}
		}
	}
	for tok, g := range cs.loginTokens {
		if !now.Before(g.expiresAt) {
			delete(cs.loginTokens, tok)
		}
	}
}

// ceilSecond rounds d up to whole seconds: the OAuth answers carry intervals and lifetimes as
// integer seconds, and the simulator keeps to what it announces.
func ceilSecond(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		return d - r + time.Second
	}
	return d
}
