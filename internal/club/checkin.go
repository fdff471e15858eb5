package club

import (
	"context"
	"strings"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/phone"
	"github.com/vmp-dev/vmp/internal/retry"
)

// LoyaltyCheckIn shows the customer that the till knows them (POST
// /point-of-sale/v1/loyalty-check-in): with isMember the app shows the loyalty check-in
// screen; without it Vipps shows nothing, which is how a non-member is checked in before an
// enrollment. Membership is the POS's own answer from its register; the library never
// guesses it.
//
// number is an MSISDN or a typed number (normalised with default_country_code). The Check-in
// API serves Norwegian numbers only, so others are abi.CodeInvalidCustomer before anything is
// sent. The request changes no money and may be repeated; the library retries it on network
// errors and busy answers. It returns the reference Vipps answers with, for support cases.
// Vipps' test environment cannot run Check-in and always answers 500 (abi.CodeUnavailable).
func (c *Club) LoyaltyCheckIn(ctx context.Context, number string, isMember bool) (string, error) {
	msisdn, err := phone.Normalize(number, c.cfg.DefaultCountryCode)
	if err != nil {
		return "", &model.Error{Code: abi.CodeInvalidCustomer, Message: "check-in: " + err.Error(), Err: err}
	}
	if !strings.HasPrefix(msisdn, "47") {
		return "", model.Errorf(abi.CodeInvalidCustomer, "check-in: the Check-in API serves Norwegian numbers (+47) only")
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return "", err
	}
	defer leave()
	var ref string
	err = c.retry.Call(ctx, "check-in", retry.OneOff(), false, func(ctx context.Context) error {
		var err error
		ref, err = c.api.LoyaltyCheckIn(ctx, vipps.LoyaltyCheckInRequest{PhoneNumber: msisdn, IsMember: isMember})
		return err
	})
	return ref, err
}
