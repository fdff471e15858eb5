package sim

import (
	"net/http"
	"slices"
)

// Userinfo claims (contract §6.4). Only the claims of consented scopes are returned; sub always.
type userinfoAddress struct {
	AddressType   string `json:"address_type"`
	Country       string `json:"country"`
	Formatted     string `json:"formatted"`
	PostalCode    string `json:"postal_code"`
	Region        string `json:"region"`
	StreetAddress string `json:"street_address"`
}

type userinfoClaims struct {
	Sub           string           `json:"sub"`
	Sid           string           `json:"sid,omitempty"`
	Name          string           `json:"name,omitempty"`
	GivenName     string           `json:"given_name,omitempty"`
	FamilyName    string           `json:"family_name,omitempty"`
	PhoneNumber   string           `json:"phone_number,omitempty"`
	Email         string           `json:"email,omitempty"`
	EmailVerified *bool            `json:"email_verified,omitempty"`
	Birthdate     string           `json:"birthdate,omitempty"`
	NIN           string           `json:"nin,omitempty"`
	Gender        string           `json:"gender,omitempty"`
	Address       *userinfoAddress `json:"address,omitempty"`
}

// userinfo serves GET /vipps-userinfo-api/userinfo (and with a trailing slash). The only
// credential is the login access token from the token endpoint: a subscription key is refused
// with 401, as on Vipps; so is an unknown or expired token.
func (s *Server) userinfo(c *call) reply {
	if c.r.Header.Get("Ocp-Apim-Subscription-Key") != "" {
		return c.fail(newProblem(http.StatusUnauthorized, "Unauthorized",
			"The userinfo endpoint takes the login access token only; do not send Ocp-Apim-Subscription-Key."))
	}
	token, ok := bearerToken(c.r.Header.Get("Authorization"))
	if !ok {
		return c.fail(newProblem(http.StatusUnauthorized, "Unauthorized", "The Authorization header must be 'Bearer <login access token>'."))
	}
	s.mu.Lock()
	s.club.init()
	grant, ok := s.club.loginTokens[token]
	valid := ok && s.now().Before(grant.expiresAt)
	s.mu.Unlock()
	if !valid {
		return c.fail(newProblem(http.StatusUnauthorized, "Unauthorized", "The access token is invalid or has expired."))
	}
	a := jsonReply(http.StatusOK, s.claims(grant))
	a.contentType = contentTokenJSON
	return a
}

// claims builds the userinfo answer for the grant's scopes.
func (s *Server) claims(g loginGrant) userinfoClaims {
	p := profileOf(g.msisdn)
	has := func(scope string) bool { return slices.Contains(g.scopes, scope) }
	out := userinfoClaims{Sub: subjectOf(s.opts.Credentials.MSN, g.msisdn)}
	if has("name") {
		out.Name, out.GivenName, out.FamilyName = p.givenName+" "+p.familyName, p.givenName, p.familyName
	}
	if has("phoneNumber") {
		out.PhoneNumber = g.msisdn
	}
	if has("email") {
		verified := true
		out.Email, out.EmailVerified = p.email(), &verified
	}
	if has("birthDate") {
		out.Birthdate = p.birthdate
	}
	if has("nin") {
		// Eleven digits shaped like a fødselsnummer (DDMMYY + five); not a valid one.
		out.NIN = p.birthdate[8:10] + p.birthdate[5:7] + p.birthdate[2:4] + g.msisdn[len(g.msisdn)-5:]
	}
	if has("gender") {
		// Deterministic per customer, like the rest of the profile.
		out.Gender = map[bool]string{true: "female", false: "male"}[(g.msisdn[len(g.msisdn)-1]-'0')%2 == 1]
	}
	if has("address") {
		out.Address = &userinfoAddress{
			AddressType:   "home",
			Country:       "NO",
			Formatted:     p.street + "\n" + p.postalCode + " " + p.region + "\nNO",
			PostalCode:    p.postalCode,
			Region:        p.region,
			StreetAddress: p.street,
		}
	}
	return out
}
