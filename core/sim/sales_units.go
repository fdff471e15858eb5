package sim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// PartnerCredentials is a partner's key set: one client_id, client_secret and subscription
// key that may act for several merchants' sales units, named by MSNs. Partner keys must send
// Merchant-Serial-Number on every call (contract §1.2).
type PartnerCredentials struct {
	ClientID        string
	ClientSecret    string
	SubscriptionKey string
	// MSNs are the sales units the partner acts for (4 to 7 digits each, at least one).
	MSNs []string
}

// principal is one credential set the simulator accepts: a sales unit (which acts for its
// own MSN) or a partner (which acts for its listed MSNs). Immutable after Start.
type principal struct {
	clientID        string
	clientSecret    string
	subscriptionKey string
	partner         bool
	msns            []string // a sales unit: exactly its own MSN
}

// mayActFor reports whether the principal may send Merchant-Serial-Number msn.
func (p *principal) mayActFor(msn string) bool {
	return slices.Contains(p.msns, msn)
}

// accessRegistry is every credential set of a simulator and every MSN payments can live
// under. Read-only after Start, so it needs no lock.
type accessRegistry struct {
	principals []*principal
	msns       []string // sales units' MSNs first (in Options order), then partners' others
}

// newAccessRegistry builds the registry of validated options (see Options.accessErr).
func newAccessRegistry(o Options) *accessRegistry {
	reg := &accessRegistry{}
	addMSN := func(msn string) {
		if !slices.Contains(reg.msns, msn) {
			reg.msns = append(reg.msns, msn)
		}
	}
	for _, u := range o.SalesUnits {
		reg.principals = append(reg.principals, &principal{
			clientID: u.ClientID, clientSecret: u.ClientSecret, subscriptionKey: u.SubscriptionKey,
			msns: []string{u.MSN},
		})
		addMSN(u.MSN)
	}
	for _, pc := range o.Partners {
		reg.principals = append(reg.principals, &principal{
			clientID: pc.ClientID, clientSecret: pc.ClientSecret, subscriptionKey: pc.SubscriptionKey,
			partner: true, msns: slices.Clone(pc.MSNs),
		})
		for _, msn := range pc.MSNs {
			addMSN(msn)
		}
	}
	return reg
}

// partnerClientID reports whether id is a partner key set's client_id.
func (reg *accessRegistry) partnerClientID(id string) bool {
	found := false
	for _, p := range reg.principals {
		if p.partner && secretEqual(id, p.clientID) {
			found = true
		}
	}
	return found
}

// knownSubscriptionKey reports whether key belongs to any credential set.
func (reg *accessRegistry) knownSubscriptionKey(key string) bool {
	found := false
	for _, p := range reg.principals {
		if secretEqual(key, p.subscriptionKey) {
			found = true
		}
	}
	return found
}

// authenticate finds the credential set whose client_id, client_secret and subscription key
// are exactly these; nil when there is none.
func (reg *accessRegistry) authenticate(clientID, clientSecret, subscriptionKey string) *principal {
	var found *principal
	for _, p := range reg.principals {
		if secretEqual(clientID, p.clientID) && secretEqual(clientSecret, p.clientSecret) &&
			secretEqual(subscriptionKey, p.subscriptionKey) && found == nil {
			found = p
		}
	}
	return found
}

// salesUnitsWithDefaults fills in Options.SalesUnits (Credentials when empty, each unit's
// empty fields from DefaultCredentials) and checks units and partners: every MSN 4 to 7
// digits, no MSN twice among the sales units, no client_id twice among all key sets, a
// partner complete and with at least one MSN.
func (o Options) salesUnitsWithDefaults() (Options, error) {
	if len(o.SalesUnits) == 0 {
		o.SalesUnits = []Credentials{o.Credentials}
	} else {
		o.SalesUnits = slices.Clone(o.SalesUnits)
	}
	seenMSN := map[string]bool{}
	seenClient := map[string]bool{}
	for i := range o.SalesUnits {
		u := o.SalesUnits[i].withDefaults()
		o.SalesUnits[i] = u
		switch {
		case !msnPattern.MatchString(u.MSN):
			return o, fmt.Errorf("sim: sales unit MSN %q must be 4 to 7 digits", u.MSN)
		case seenMSN[u.MSN]:
			return o, fmt.Errorf("sim: two sales units have MSN %s", u.MSN)
		case seenClient[u.ClientID]:
			return o, fmt.Errorf("sim: two key sets have client_id %q", u.ClientID)
		}
		seenMSN[u.MSN], seenClient[u.ClientID] = true, true
	}
	var partners []PartnerCredentials
	if len(o.Partners) > 0 {
		partners = make([]PartnerCredentials, len(o.Partners))
	}
	for i, pc := range o.Partners {
		pc.MSNs = slices.Clone(pc.MSNs)
		switch {
		case pc.ClientID == "" || pc.ClientSecret == "" || pc.SubscriptionKey == "":
			return o, fmt.Errorf("sim: partner %d needs a client_id, client_secret and subscription key", i)
		case seenClient[pc.ClientID]:
			return o, fmt.Errorf("sim: two key sets have client_id %q", pc.ClientID)
		case len(pc.MSNs) == 0:
			return o, fmt.Errorf("sim: partner %q acts for no MSN", pc.ClientID)
		}
		for _, msn := range pc.MSNs {
			if !msnPattern.MatchString(msn) {
				return o, fmt.Errorf("sim: partner %q: MSN %q must be 4 to 7 digits", pc.ClientID, msn)
			}
		}
		seenClient[pc.ClientID] = true
		partners[i] = pc
	}
	o.Partners = partners
	return o, nil
}

// invalidMSN is the gateway's 403 for an MSN the key set may not act for (contract §1.2).
func invalidMSN(msn string) *problem {
	return newProblem(http.StatusForbidden, "Invalid MSN",
		"Invalid MSN: "+msn+". This MSN is not valid for the provided supermerchant ID.")
}

// paymentKey names a payment: references are unique per MSN, not globally (contract §2.2).
type paymentKey struct {
	msn       string
	reference string
}

// ErrAmbiguousPayment: a reference given without an MSN exists under more than one MSN.
var ErrAmbiguousPayment = errors.New("sim: the reference exists under more than one MSN; name the MSN")

// find returns the payment (msn, reference); with msn "" the only payment with that
// reference under any MSN. The lock must be held.
func (s *Server) find(msn, reference string) (*payment, error) {
	if msn != "" {
		p, ok := s.payments[paymentKey{msn, reference}]
		if !ok {
			return nil, ErrUnknownPayment
		}
		return p, nil
	}
	var found *payment
	for _, m := range s.access.msns {
		if p, ok := s.payments[paymentKey{m, reference}]; ok {
			if found != nil {
				return nil, ErrAmbiguousPayment
			}
			found = p
		}
	}
	if found == nil {
		return nil, ErrUnknownPayment
	}
	return found, nil
}

// PaymentOf returns a snapshot of the payment with this reference under this MSN, after
// applying whatever the clock says is due. With msn "" it is Payment.
func (s *Server) PaymentOf(msn, reference string) (PaymentSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.find(msn, reference)
	if err != nil {
		return PaymentSnapshot{}, false
	}
	p.settle(s.now())
	return s.snapshotOf(p), true
}

// ApproveOf is Approve for the payment with this reference under this MSN ("" as Approve).
func (s *Server) ApproveOf(msn, reference string) error {
	return s.decideOf(msn, reference, StateAuthorized)
}

// RejectOf is Reject for the payment with this reference under this MSN ("" as Reject).
func (s *Server) RejectOf(msn, reference string) error {
	return s.decideOf(msn, reference, StateAborted)
}

// ExpireOf is Expire for the payment with this reference under this MSN ("" as Expire).
func (s *Server) ExpireOf(msn, reference string) error {
	return s.decideOf(msn, reference, StateExpired)
}

func (s *Server) decideOf(msn, reference string, to State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.find(msn, reference)
	if err != nil {
		return err
	}
	return p.decide(to, s.now())
}

// controlMSN is the optional ?msn= of a /sim/payments/{reference} control call.
func controlMSN(c *call) string {
	return c.r.URL.Query().Get("msn")
}

// controlFindProblem turns a find error into the control API's answer: 404 unknown, 400
// ambiguous (the caller must add ?msn=).
func controlFindProblem(err error) *problem {
	if errors.Is(err, ErrAmbiguousPayment) {
		return newProblem(http.StatusBadRequest, "Bad Request", err.Error()+" (add ?msn=).")
	}
	return newProblem(http.StatusNotFound, "Not Found", err.Error())
}

// paymentNotFound is ePayment's 404 for a reference unknown under the request's MSN.
func paymentNotFound(reference string) *problem {
	return codeProblem(codeReferenceNotFound, "No payment with reference "+strconv.Quote(reference)+".")
}

// requestMSN is the Merchant-Serial-Number of a request that passed the gateway checks.
func requestMSN(c *call) string {
	return c.r.Header.Get("Merchant-Serial-Number")
}

// tokenOwner returns the credential set a valid access token was issued to. The lock must
// be held.
func (t *tokenStore) ownerOf(token string, now time.Time) (*principal, bool) {
	if !t.valid(token, now) {
		return nil, false
	}
	p := t.owner[token]
	return p, p != nil
}
