package payments

import (
	"fmt"
	"strings"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/internal/phone"
)

// CheckoutRequest is the JSON given to vmp_start_checkout. Unknown fields are an error.
type CheckoutRequest struct {
	// Amount in minor units, > 0.
	Amount int64 `json:"amount"`
	// Currency; default the config's currency.
	Currency string `json:"currency"`
	// PhoneNumber is the customer's number as typed ("4791234567", "+47 912 34 567",
	// "004791234567", or "912 34 567" with default_country_code); an MSISDN after parsing.
	PhoneNumber string `json:"phone_number"`
	// PersonalQR is the text of the customer's scanned personal QR code.
	PersonalQR string `json:"personal_qr"`
	// Description is shown to the customer; default the config's description.
	Description string `json:"description"`
	// Reference identifies the payment; default generated from store_id and pos_id.
	Reference string `json:"reference"`
	// Flow is "push" (default: a request to the customer's phone) or "qr" (a QR code on the
	// customer display; no customer needed).
	Flow string `json:"flow"`
	// Receipt goes with the payment to the customer's app; checked before sending (a receipt
	// that breaks the schema is refused; one that only looks wrong is sent with warnings).
	Receipt *Receipt `json:"receipt"`
	// CustomerInteraction is CUSTOMER_PRESENT (default: in the store) or CUSTOMER_NOT_PRESENT
	// (phone orders, distance sales).
	CustomerInteraction string `json:"customer_interaction"`
	// MinimumUserAge is the customer's least age in years (0..100) for age-restricted goods;
	// Vipps refuses a younger customer (7010). nil: none.
	MinimumUserAge *int64 `json:"minimum_user_age"`
	// ProfileScopes asks the customer to share profile parts with the payment (Vipps'
	// profile.scope): name, address, email, phoneNumber, birthDate, nin.
	ProfileScopes []string `json:"profile_scopes"`
	// ReceiptURL is where the customer can view the receipt (https:// or an app's scheme).
	ReceiptURL string `json:"receipt_url"`
	// ReturnURL is where the customer's phone goes after the payment - for a QR checkout the
	// fallback when the code is opened outside the app (Vipps' returnUrl).
	ReturnURL string `json:"return_url"`
	// Metadata is up to 5 key-value pairs kept with the payment by Vipps (keys up to 100,
	// values up to 500 characters).
	Metadata map[string]string `json:"metadata"`
	// Extra holds ePayment createPayment members vmp does not know yet, passed on as given;
	// members vmp sets itself are refused (checkout_options.go).
	Extra wirejson.RawMessage `json:"extra"`
}

// Checkout flows.
const (
	FlowPush = "push"
	FlowQR   = "qr"
)

// ParseCheckout decodes and checks a checkout request (vmp_start_checkout's JSON). Defaults that
// come from the config are filled in when the checkout starts. defaultCountry ("47"; "" for
// none) is put in front of a phone number typed without a country code.
func ParseCheckout(data []byte, defaultCountry string) (CheckoutRequest, error) {
	var req CheckoutRequest
	if err := wirejson.UnmarshalStrict(data, &req); err != nil {
		msg := "checkout: " + err.Error()
		if strings.Contains(err.Error(), "amount") {
			msg += " (amount is an integer in minor units: 499.00 NOK is 49900)"
		}
		return CheckoutRequest{}, &model.Error{Code: abi.CodeInvalidJSON, Message: msg, Err: err}
	}
	if req.Receipt != nil {
		var raw struct {
			Receipt wirejson.RawMessage `json:"receipt"`
		}
		if err := wirejson.Unmarshal(data, &raw); err == nil {
			if err := checkRequiredFields(raw.Receipt); err != nil {
				return CheckoutRequest{}, err
			}
		}
	}
	if err := CheckAmount(req.Amount); err != nil {
		return CheckoutRequest{}, err
	}
	if req.Currency != "" && !ValidCurrency(req.Currency) {
		return CheckoutRequest{}, model.Errorf(abi.CodeInvalidArgument, "checkout: currency %q is not NOK, DKK or EUR", req.Currency)
	}
	if req.Description != "" {
		if err := CheckDescription(req.Description); err != nil {
			return CheckoutRequest{}, model.Errorf(abi.CodeInvalidArgument, "checkout: %v", err)
		}
	}
	if req.Reference != "" {
		if err := CheckReference(req.Reference); err != nil {
			return CheckoutRequest{}, err
		}
	}
	if err := req.checkOptions(); err != nil {
		return CheckoutRequest{}, err
	}
	switch req.Flow {
	case "":
		req.Flow = FlowPush
	case FlowPush:
	case FlowQR:
		if req.PhoneNumber != "" || req.PersonalQR != "" {
			return CheckoutRequest{}, model.Errorf(abi.CodeInvalidCustomer, "checkout: a QR checkout has no phone_number or personal_qr: the customer scans the code")
		}
		return req, nil
	default:
		return CheckoutRequest{}, model.Errorf(abi.CodeInvalidArgument, "checkout: flow %q is not \"push\" or \"qr\"", req.Flow)
	}
	switch {
	case req.PhoneNumber != "" && req.PersonalQR != "":
		return CheckoutRequest{}, model.Errorf(abi.CodeInvalidCustomer, "checkout: give either phone_number or personal_qr, not both")
	case req.PhoneNumber != "":
		msisdn, err := phone.Normalize(req.PhoneNumber, defaultCountry)
		if err != nil {
			return CheckoutRequest{}, &model.Error{Code: abi.CodeInvalidCustomer, Message: "checkout: " + err.Error(), Err: err}
		}
		req.PhoneNumber = msisdn
	case req.PersonalQR != "":
		if n := len(req.PersonalQR); n < 5 || n > 255 {
			return CheckoutRequest{}, model.Errorf(abi.CodeInvalidCustomer, "checkout: personal_qr must be 5 to 255 characters, is %d", n)
		}
	default:
		return CheckoutRequest{}, model.Errorf(abi.CodeInvalidCustomer, "checkout: a push payment needs phone_number or personal_qr")
	}
	return req, nil
}

// CheckDescription checks a payment's description, the checkout's or the config's default.
func CheckDescription(d string) error {
	if n := len([]rune(d)); n < 3 || n > 100 {
		return fmt.Errorf("description must be 3 to 100 characters, is %d", n)
	}
	return nil
}
