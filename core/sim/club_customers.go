package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Scenario customers of the customer-club flow (personal QR exchange, loyalty check-in and
// merchant-initiated login). Whether a customer is a member is never the simulator's business:
// the POS decides that from its own register. MSISDNClubMember is simply the number the
// examples' and tests' registers list as a member.
const (
	// MSISDNClubMember is an ordinary customer (consents, approves) whom the examples' POS
	// registers list as a club member.
	MSISDNClubMember = "4790000010"
	// MSISDNConsents is a non-member who consents to share the profile after ApproveDelay.
	MSISDNConsents = "4790000011"
	// MSISDNDenies is a non-member who declines the consent request after ApproveDelay: the
	// token endpoint answers access_denied. Pays normally.
	MSISDNDenies = "4790000012"
	// MSISDNIgnoresLogin is a non-member who never answers the consent request: the token
	// endpoint answers authorization_pending until the request expires, then expired_token.
	MSISDNIgnoresLogin = "4790000013"
	// MSISDNOldApp has an app too old for merchant-initiated login: the authentication
	// request answers 400 with error_code old_app.
	MSISDNOldApp = "4790000014"
)

// MSISDNUnknown (not a Vipps MobilePay user) answers user-exists with false and the
// authentication request with unknown_user_id / error_code invalid_user. MSISDNWaitsForControl
// leaves a consent request pending until the control API consents, denies or expires it.

// loginBehaviour is what a customer does with a consent request.
type loginBehaviour string

const (
	loginConsents    loginBehaviour = "consents"          // CONSENTED after ApproveDelay
	loginDenies      loginBehaviour = "denies"            // DENIED after ApproveDelay
	loginNeverAnswer loginBehaviour = "never-answers"     // EXPIRED after the request's lifetime
	loginWaits       loginBehaviour = "waits-for-control" // the control API decides, else EXPIRED
	loginUnknownUser loginBehaviour = "unknown-user"      // refused at the authentication request
	loginOldApp      loginBehaviour = "old-app"           // refused at the authentication request
)

// loginBehaviourOf returns what the customer with this MSISDN does with a consent request.
func loginBehaviourOf(msisdn string) loginBehaviour {
	switch msisdn {
	case MSISDNUnknown:
		return loginUnknownUser
	case MSISDNOldApp:
		return loginOldApp
	case MSISDNDenies:
		return loginDenies
	case MSISDNIgnoresLogin:
		return loginNeverAnswer
	case MSISDNWaitsForControl:
		return loginWaits
	default:
		return loginConsents
	}
}

// profile is the simulated Vipps profile of a customer, the source of userinfo claims.
type profile struct {
	givenName, familyName string
	birthdate             string
	street, postalCode    string
	region                string
}

var scenarioProfiles = map[string]profile{
	MSISDNClubMember:      {"Mia", "Medlem", "1988-04-12", "Storgata 1", "0155", "OSLO"},
	MSISDNConsents:        {"Kari", "Nordmann", "1991-09-30", "Kirkegata 5", "7011", "TRONDHEIM"},
	MSISDNDenies:          {"Nils", "Nei", "1979-01-02", "Bryggen 3", "5003", "BERGEN"},
	MSISDNIgnoresLogin:    {"Stian", "Stille", "2001-06-17", "Torget 9", "9008", "TROMSØ"},
	MSISDNOldApp:          {"Gunnar", "Gammel", "1950-11-11", "Elvegata 2", "3015", "DRAMMEN"},
	MSISDNWaitsForControl: {"Vera", "Venter", "1995-03-03", "Strandkaien 4", "4005", "STAVANGER"},
}

// profileOf returns the simulated profile of any MSISDN: the scenario customers have their own,
// everybody else is Ola Nordmann.
func profileOf(msisdn string) profile {
	if p, ok := scenarioProfiles[msisdn]; ok {
		return p
	}
	return profile{"Ola", "Nordmann", "1985-05-17", "Karl Johans gate 22", "0162", "OSLO"}
}

// subjectOf is the userinfo "sub": stable per customer and per sales unit (MSN), as on Vipps,
// and shaped like a UUID.
func subjectOf(msn, msisdn string) string {
	sum := sha256.Sum256([]byte("vmp-sim-sub\x00" + msn + "\x00" + msisdn))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// email is the profile's e-mail address, ASCII only.
func (p profile) email() string {
	r := strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", "Æ", "ae", "Ø", "o", "Å", "a")
	return strings.ToLower(r.Replace(p.givenName + "." + p.familyName + "@example.no"))
}
