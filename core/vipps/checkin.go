package vipps

import (
	"context"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// LoyaltyCheckInRequest is the body of POST /point-of-sale/v1/loyalty-check-in (contract §5).
// PhoneNumber is a Norwegian MSISDN (^47[0-9]{8}$). IsMember is the POS's own answer from its
// membership register: true shows the member ("checked in") screen in the app, false shows
// nothing. The API has no other fields: no loyalty program name, no store.
type LoyaltyCheckInRequest struct {
	PhoneNumber string `json:"phoneNumber"`
	IsMember    bool   `json:"isMember"`
}

const loyaltyCheckInPath = "/point-of-sale/v1/loyalty-check-in"

// LoyaltyCheckIn shows the loyalty waiting screen in the customer's app (when IsMember) and
// returns the reference Vipps gives "for debugging" (a GUID). Check-in has no side effect on
// money, so the engine may repeat it. In the Vipps test environment it always fails with 500
// (a documented limitation of the API).
func (c *Client) LoyaltyCheckIn(ctx context.Context, req LoyaltyCheckInRequest) (string, error) {
	body, err := EncodeJSON(req)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(ctx, Request{Method: "POST", Path: loyaltyCheckInPath, Body: body})
	if err != nil {
		return "", err
	}
	// The spec types the answer as a JSON string (its example nevertheless shows an object);
	// anything else is kept out of the result, which may end up in a log.
	var ref string
	if wirejson.Unmarshal(resp.Body, &ref) != nil {
		ref = ""
	}
	return ref, nil
}
