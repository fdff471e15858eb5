package core

import (
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/phone"
)

// LoginConfig is the "login" block of the configuration: how the sales unit authenticates to
// the Vipps Login API for merchant-initiated login (customer-club enrollment). The Login API
// takes the same client_id and client_secret as the other APIs.
type LoginConfig struct {
	// AuthMethod is the token endpoint authentication method set in the Vipps portal:
	// "client_secret_basic" (the default) or "client_secret_post".
	AuthMethod string `json:"auth_method"`
}

const (
	loginAuthBasic = "client_secret_basic"
	loginAuthPost  = "client_secret_post"
)

// checkClub checks and defaults the customer-club settings: default_country_code and login.
func (c *Config) checkClub() error {
	cc, ok := phone.CountryCode(c.DefaultCountryCode)
	if !ok {
		return newError(CodeInvalidConfig, "config: default_country_code must be a country calling code of 1 to 3 digits such as \"47\"")
	}
	c.DefaultCountryCode = cc
	switch c.Login.AuthMethod {
	case "":
		c.Login.AuthMethod = loginAuthBasic
	case loginAuthBasic, loginAuthPost:
	default:
		return newError(CodeInvalidConfig, "config: login.auth_method must be %q or %q", loginAuthBasic, loginAuthPost)
	}
	return nil
}

// loginAuth is the wire client's form of login.auth_method. Partner keys have no client
// secret for Login: they authenticate with their access token and the sales unit's
// Merchant-Serial-Number (vipps.LoginAuthPartner), whatever auth_method says.
func (l LoginConfig) loginAuth(partner bool) vipps.LoginAuth {
	switch {
	case partner:
		return vipps.LoginAuthPartner
	case l.AuthMethod == loginAuthPost:
		return vipps.LoginAuthPost
	}
	return vipps.LoginAuthBasic
}
