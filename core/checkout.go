package core

import "github.com/vmp-dev/vmp/internal/payments"

// CheckoutRequest is the JSON given to vmp_start_checkout (internal/payments, with its parser).
type CheckoutRequest = payments.CheckoutRequest

// Checkout flows.
const (
	FlowPush = payments.FlowPush
	FlowQR   = payments.FlowQR
)

// ParseCheckout decodes and checks a checkout request. Defaults that come from the config are
// filled in by StartCheckout. A phone number must carry its country code; Client.ParseCheckout
// also accepts national numbers in the configured default country.
func ParseCheckout(data []byte) (CheckoutRequest, error) {
	return payments.ParseCheckout(data, "")
}

// ParseCheckout is ParseCheckout with the client's default_country_code for phone numbers
// typed without a country code.
func (c *Client) ParseCheckout(data []byte) (CheckoutRequest, error) {
	return payments.ParseCheckout(data, c.cfg.DefaultCountryCode)
}
