package core

import "github.com/vmp-dev/vmp/internal/phone"

// NormalizePhone turns a typed phone number into an MSISDN of 10 to 15 digits (internal/phone):
// defaultCountry ("47"; "" for none) is put in front of a number typed without a country code.
// Errors never repeat the number.
func NormalizePhone(typed, defaultCountry string) (string, error) {
	return phone.Normalize(typed, defaultCountry)
}
