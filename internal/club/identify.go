package club

import (
	"context"
	"errors"
	"strings"

	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/phone"
	"github.com/vmp-dev/vmp/internal/retry"
)

// Customer is a customer identified at the till.
type Customer struct {
	// MSISDN is the customer's phone number: country code and number, digits only. It is
	// personal data: the till may show and store it, the library never logs it in full.
	MSISDN string
	// FromPersonalQR is true when the number came from exchanging a scanned personal QR.
	FromPersonalQR bool
}

// maxScannedText bounds what IdentifyCustomer sends to the QR API; personal QRs are short.
const maxScannedText = 1024

// phoneRunes are the characters a typed phone number consists of (internal/phone's separators).
const phoneRunes = "0123456789+-(). /\t\u00a0\u202f\u2009"

// IdentifyCustomer turns what the till has — the text of a scanned personal QR, or a phone
// number the cashier typed — into the customer's MSISDN.
//
// Text made only of digits, spaces, dashes, dots, parentheses and a leading + is a phone
// number: it is normalised (phone.Normalize, with default_country_code) and nothing is sent.
// Anything else is a scanned code: it is exchanged through the QR API (POST /qr/v1/exchange)
// as it was scanned, never parsed, since Vipps moves to opaque tokenised codes. A code Vipps
// does not accept is abi.CodeInvalidCustomer. Neither the code nor the number appears in errors.
func (c *Club) IdentifyCustomer(ctx context.Context, input string) (Customer, error) {
	text := strings.TrimSpace(input)
	switch {
	case text == "":
		return Customer{}, model.Errorf(abi.CodeInvalidCustomer, "identify: the input is empty; give the scanned personal QR or the customer's phone number")
	case strings.Trim(text, phoneRunes) == "":
		msisdn, err := phone.Normalize(text, c.cfg.DefaultCountryCode)
		if err != nil {
			return Customer{}, &model.Error{Code: abi.CodeInvalidCustomer, Message: "identify: " + err.Error(), Err: err}
		}
		return Customer{MSISDN: msisdn}, nil
	case len(text) < 5 || len(text) > maxScannedText:
		return Customer{}, model.Errorf(abi.CodeInvalidCustomer, "identify: the scanned text is %d bytes long; a personal QR has 5 to %d", len(text), maxScannedText)
	}
	ctx, leave, err := c.enter(ctx)
	if err != nil {
		return Customer{}, err
	}
	defer leave()
	var answer vipps.QRExchangeResponse
	err = c.retry.Call(ctx, "identify by personal QR", retry.OneOff(), false, func(ctx context.Context) error {
		var err error
		answer, err = c.api.ExchangePersonalQR(ctx, text)
		return err
	})
	var e *model.Error
	if errors.As(err, &e) && e.Code == abi.CodeRejected && e.HTTPStatus == 400 {
		e.Code = abi.CodeInvalidCustomer
		e.Message = "identify: Vipps does not accept the scanned code as a personal QR (" + e.Message + ")"
	}
	if err != nil {
		return Customer{}, err
	}
	msisdn, err := phone.Normalize(answer.MSISDN, "")
	if err != nil || msisdn != answer.MSISDN {
		return Customer{}, model.Errorf(abi.CodeUnavailable, "identify: Vipps answered the QR exchange without a valid MSISDN")
	}
	return Customer{MSISDN: msisdn, FromPersonalQR: true}, nil
}
