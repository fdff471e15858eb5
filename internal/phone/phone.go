// Package phone turns phone numbers as cashiers type them into MSISDNs.
package phone

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Phone numbers as a cashier types them. Vipps wants an MSISDN: the country calling code and
// the subscriber number, digits only ("4791234567"). Normalize accepts what people type:
//
//	"+47 912 34 567", "0047 912 34 567", "(+47) 912-34-567"  international, with + or 00
//	"4791234567"                                             an MSISDN already
//	"912 34 567", "91234567"                                 national, with a default country
//	"040 123 4567" (default 358)                             national with the trunk 0
//
// Errors never repeat the number: it is personal data and error texts reach logs.

// phoneSeparators are the characters people put between digits.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "", "/", "",
	"\t", "", "\u00a0", "", "\u202f", "", "\u2009", "")

// countryCodePattern is a country calling code as the config gives it ("47", "358").
var countryCodePattern = regexp.MustCompile(`^[1-9][0-9]{0,2}$`)

// subscriberDigits are the lengths of the national number after the country code where Vipps
// MobilePay operates and the plan is fixed: Norway and Denmark have eight digits.
var subscriberDigits = map[string]int{"47": 8, "45": 8}

// Errors of Normalize. They carry no digits of the number.
var (
	errPhoneEmpty      = errors.New("the phone number is empty")
	errPhoneCharacters = errors.New("a phone number may hold only digits, spaces, dashes, dots, parentheses and a leading + or 00")
	errPhoneNoCountry  = errors.New("the phone number has no country code: type it with one (+47 912 34 567), or set default_country_code in the configuration")
)

// Normalize turns a typed phone number into an MSISDN of 10 to 15 digits. defaultCountry
// ("47"; "" for none) is put in front of a number typed without a country code; without it,
// such a number is an error. The result normalizes to itself.
func Normalize(typed, defaultCountry string) (string, error) {
	s := phoneSeparators.Replace(strings.TrimSpace(typed))
	if s == "" {
		return "", errPhoneEmpty
	}
	international := false
	switch {
	case strings.HasPrefix(s, "+"):
		s, international = s[1:], true
	case strings.HasPrefix(s, "00"):
		s, international = s[2:], true
	}
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", errPhoneCharacters
	}
	switch {
	case international && s[0] == '0':
		return "", errors.New("a phone number's country code, after + or 00, never starts with 0")
	case international:
	case len(s) >= 10 && s[0] != '0':
		// Long enough to carry its country code: typed as an MSISDN without + or 00.
	case defaultCountry == "":
		return "", errPhoneNoCountry
	case !countryCodePattern.MatchString(defaultCountry):
		return "", fmt.Errorf("the default country code must be 1 to 3 digits, not %q", defaultCountry)
	default:
		// A national number: drop the trunk prefix 0 that some countries dial before it.
		s = defaultCountry + strings.TrimPrefix(s, "0")
	}
	if n := len(s); n < 10 || n > 15 {
		return "", fmt.Errorf("a phone number with its country code has 10 to 15 digits; this one has %d", n)
	}
	for cc, want := range subscriberDigits {
		if rest, ok := strings.CutPrefix(s, cc); ok && len(rest) != want {
			return "", fmt.Errorf("a phone number with country code %s has %d digits after it; this one has %d", cc, want, len(rest))
		}
	}
	return s, nil
}

// CountryCode checks a configured default country code ("47", "+47"; "" for none) and gives it
// without the leading "+"; ok is false when it is not a country calling code of 1 to 3 digits.
func CountryCode(cc string) (code string, ok bool) {
	cc = strings.TrimPrefix(strings.TrimSpace(cc), "+")
	return cc, cc == "" || countryCodePattern.MatchString(cc)
}
