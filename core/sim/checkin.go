package sim

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// CheckIn is one loyalty check-in the simulator received, for tests and GET /sim/check-ins.
type CheckIn struct {
	// Reference is the GUID the API answered with.
	Reference   string `json:"reference"`
	PhoneNumber string `json:"phoneNumber"`
	IsMember    bool   `json:"isMember"`
	// Screen is what the customer's app shows: "member" (the loyalty check-in screen) when the
	// POS said isMember and the customer is a Vipps user, otherwise "none" (as on Vipps,
	// nothing happens for a non-member).
	Screen string    `json:"screen"`
	At     time.Time `json:"at"`
}

// checkInPhonePattern is the Check-in API's phone number rule: Norwegian MSISDNs only.
var checkInPhonePattern = regexp.MustCompile(`^47[0-9]{8}$`)

// checkInProblem is the Check-in API's ErrorResponse (contract §5): type, title, detail,
// instance and invalidParams naming the field at fault.
type checkInProblem struct {
	Type          string        `json:"type"`
	Title         string        `json:"title"`
	Detail        string        `json:"detail"`
	Instance      string        `json:"instance"`
	InvalidParams []extraDetail `json:"invalidParams"`
}

func checkInInvalid(field, reason string) reply {
	a := jsonReply(http.StatusBadRequest, checkInProblem{
		Type:          "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
		Title:         "One or more validation errors occurred.",
		Detail:        "BadRequest",
		Instance:      newTraceID(),
		InvalidParams: []extraDetail{{Name: field, Reason: reason}},
	})
	a.contentType = contentProblemJSON
	return a
}

// loyaltyCheckIn serves POST /point-of-sale/v1/loyalty-check-in.
//
// Headers as the API gateway checks them (Merchant-Serial-Number optional). Body:
// phoneNumber (required; a string, or a number as the quick-start guide sends it; ^47[0-9]{8}$)
// and isMember (required boolean). 200 with a GUID as a JSON string; 400 ErrorResponse with
// invalidParams otherwise. The check-in is recorded (CheckIns) with the screen the app shows.
func (s *Server) loyaltyCheckIn(c *call) reply {
	if p := s.checkGatewayHeaders(c.r, false); p != nil {
		return c.fail(p)
	}
	obj, p := decodeObject(c.body, "body")
	if p != nil {
		return checkInInvalid("body", p.ExtraDetails[0].Reason)
	}
	raw, ok := obj.member("phoneNumber")
	if !ok {
		return checkInInvalid("phoneNumber", "The phoneNumber field is required.")
	}
	var phoneNumber string
	if wirejson.Unmarshal(raw, &phoneNumber) != nil {
		if digits := strings.TrimSpace(string(raw)); integerPattern.MatchString(digits) {
			phoneNumber = digits
		} else {
			return checkInInvalid("phoneNumber", "The field phoneNumber must be a string.")
		}
	}
	if !checkInPhonePattern.MatchString(phoneNumber) {
		return checkInInvalid("phoneNumber", "The field phoneNumber must be a Norwegian MSISDN matching '^47[0-9]{8}$'.")
	}
	isMember, present, p := obj.boolean("isMember", "isMember")
	switch {
	case p != nil:
		return checkInInvalid("isMember", "The field isMember must be true or false.")
	case !present:
		return checkInInvalid("isMember", "The isMember field is required.")
	}
	ci := CheckIn{Reference: newUUID(), PhoneNumber: phoneNumber, IsMember: isMember, Screen: "none"}
	if isMember && isKnownCustomer(phoneNumber) {
		ci.Screen = "member"
	}
	s.mu.Lock()
	ci.At = s.now().UTC()
	if len(s.club.checkIns) >= maxCheckIns {
		s.club.checkIns = append(s.club.checkIns[:0], s.club.checkIns[len(s.club.checkIns)-maxCheckIns/2:]...)
	}
	s.club.checkIns = append(s.club.checkIns, ci)
	s.mu.Unlock()
	return jsonReply(http.StatusOK, ci.Reference)
}
