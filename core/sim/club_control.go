package sim

import (
	"errors"
	"net/http"
	"slices"
	"time"
)

// LoginSnapshot is a copy of a consent request's state, for tests and GET /sim/logins/{msisdn}.
type LoginSnapshot struct {
	AuthReqID      string     `json:"authReqId"`
	MSISDN         string     `json:"msisdn"`
	Scopes         []string   `json:"scopes"`
	BindingMessage string     `json:"bindingMessage,omitempty"`
	Behaviour      string     `json:"behaviour"`
	State          LoginState `json:"state"`
	CreatedAt      time.Time  `json:"createdAt"`
	ExpiresAt      time.Time  `json:"expiresAt"`
	// Interval is the current least time between token polls, in seconds (it grows by 5 with
	// every slow_down).
	Interval  int64 `json:"interval"`
	Polls     int   `json:"polls"`
	SlowDowns int   `json:"slowDowns"`
}

// Consent makes the customer consent now to their pending consent request. It returns
// ErrNoLogin or ErrLoginNotPending (wrapped) when that is not possible.
func (s *Server) Consent(msisdn string) error { return s.decideLogin(msisdn, LoginConsented) }

// Deny makes the customer decline their pending consent request now.
func (s *Server) Deny(msisdn string) error { return s.decideLogin(msisdn, LoginDenied) }

// ExpireLogin lets the customer's pending consent request expire now.
func (s *Server) ExpireLogin(msisdn string) error { return s.decideLogin(msisdn, LoginExpired) }

func (s *Server) decideLogin(msisdn string, to LoginState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.club.init()
	l, ok := s.club.latestLogin[msisdn]
	if !ok {
		return ErrNoLogin
	}
	now := s.now()
	l.settle(now)
	if l.state != LoginPending {
		return errors.Join(ErrLoginNotPending, errors.New("state "+string(l.state)))
	}
	l.state, l.decidedAt = to, now
	if to == LoginExpired {
		l.expiresAt = now
	}
	return nil
}

// Login returns a snapshot of the customer's newest consent request.
func (s *Server) Login(msisdn string) (LoginSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.club.init()
	l, ok := s.club.latestLogin[msisdn]
	if !ok {
		return LoginSnapshot{}, false
	}
	l.settle(s.now())
	return LoginSnapshot{
		AuthReqID: l.authReqID, MSISDN: l.msisdn, Scopes: slices.Clone(l.scopes), BindingMessage: l.bindingMessage,
		Behaviour: string(l.behaviour), State: l.state, CreatedAt: l.createdAt.UTC(), ExpiresAt: l.expiresAt.UTC(),
		Interval: int64(l.interval / time.Second), Polls: l.polls, SlowDowns: l.slowDowns,
	}, true
}

// CheckIns returns the loyalty check-ins received so far, oldest first.
func (s *Server) CheckIns() []CheckIn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.club.checkIns)
}

// loginDecision answers a login control call: 204, 404 no request, 409 not pending.
func loginDecision(c *call, err error) reply {
	switch {
	case err == nil:
		return emptyReply(http.StatusNoContent)
	case errors.Is(err, ErrNoLogin):
		return c.fail(newProblem(http.StatusNotFound, "Not Found", ErrNoLogin.Error()))
	default:
		return c.fail(newProblem(http.StatusConflict, "Conflict", err.Error()))
	}
}

// controlConsent serves POST /sim/logins/{msisdn}/consent.
func (s *Server) controlConsent(c *call) reply { return loginDecision(c, s.Consent(c.reference)) }

// controlDeny serves POST /sim/logins/{msisdn}/deny.
func (s *Server) controlDeny(c *call) reply { return loginDecision(c, s.Deny(c.reference)) }

// controlExpireLogin serves POST /sim/logins/{msisdn}/expire.
func (s *Server) controlExpireLogin(c *call) reply {
	return loginDecision(c, s.ExpireLogin(c.reference))
}

// controlLoginSnapshot serves GET /sim/logins/{msisdn}.
func (s *Server) controlLoginSnapshot(c *call) reply {
	snap, ok := s.Login(c.reference)
	if !ok {
		return c.fail(newProblem(http.StatusNotFound, "Not Found", ErrNoLogin.Error()))
	}
	return jsonReply(http.StatusOK, snap)
}

// controlCheckIns serves GET /sim/check-ins.
func (s *Server) controlCheckIns(c *call) reply {
	list := s.CheckIns()
	if list == nil {
		list = []CheckIn{}
	}
	return jsonReply(http.StatusOK, list)
}
