package core

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// longDigitRun finds five or more digits in a row: an error text must never carry a phone
// number, or a piece of one long enough to matter.
var longDigitRun = regexp.MustCompile(`[0-9]{5,}`)

func TestTypedPhoneNumbersAreNormalisedToMSISDNs(t *testing.T) {
	cases := []struct {
		name    string
		typed   string
		country string
		want    string
		errText string
	}{
		{"an international number with + and spaces is accepted", "+47 912 34 567", "", "4791234567", ""},
		{"an international number with 00 is accepted", "004791234567", "", "4791234567", ""},
		{"00 with spaces and dashes is accepted", "0047 912-34-567", "", "4791234567", ""},
		{"parentheses and dots are separators", "(+47) 912.34.567", "", "4791234567", ""},
		{"an MSISDN stays as it is", "4791234567", "", "4791234567", ""},
		{"an MSISDN stays as it is with a default country too", "4791234567", "47", "4791234567", ""},
		{"a Norwegian national number takes the default country", "91234567", "47", "4791234567", ""},
		{"a spaced national number takes the default country", "912 34 567", "47", "4791234567", ""},
		{"no-break spaces are separators", "912\u00a034\u00a0567", "47", "4791234567", ""},
		{"a Danish national number takes the default country", "20 12 34 56", "45", "4520123456", ""},
		{"a Finnish number loses its trunk 0", "040 123 4567", "358", "358401234567", ""},
		{"a number of another country with + ignores the default", "+45 2012 3456", "47", "4520123456", ""},
		{"a North American number is accepted", "+1 (555) 123-4567", "", "15551234567", ""},
		{"leading and trailing blanks are ignored", "  +47 91234567\t", "", "4791234567", ""},
		{"a national number without a default country is refused", "91234567", "", "", "default_country_code"},
		{"an empty number is refused", "", "47", "", "empty"},
		{"blanks only are refused", "   ", "47", "", "empty"},
		{"letters are refused", "47912345ab", "47", "", "only digits"},
		{"a lone plus is refused", "+", "47", "", "only digits"},
		{"a plus inside the number is refused", "47+91234567", "47", "", "only digits"},
		{"Arabic-Indic digits are refused", "٩١٢٣٤٥٦٧", "47", "", "only digits"},
		{"a country code starting with 0 is refused", "+0047 91234567", "", "", "never starts with 0"},
		{"a Norwegian number with nine digits is refused", "+47 912 34 5678", "", "", "8 digits after it"},
		{"a Danish number with nine digits is refused", "+45 2012 34567", "", "", "8 digits after it"},
		{"a too short number is refused", "12345", "47", "", "10 to 15 digits"},
		{"a too long number is refused", "+1234567890123456", "", "", "10 to 15 digits"},
		{"a bad default country is reported, not used", "91234567", "4x", "", "default country code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizePhone(tc.typed, tc.country)
			if tc.errText == "" {
				if err != nil || got != tc.want {
					t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want %q", tc.typed, tc.country, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want an error about %q", tc.typed, tc.country, got, err, tc.errText)
			}
			if longDigitRun.MatchString(err.Error()) {
				t.Fatalf("the error %q carries digits of the number", err)
			}
		})
	}
}

func TestTheDefaultCountryCodeIsCheckedInTheConfig(t *testing.T) {
	cases := []struct {
		name string
		json string
		want string
		code Code
	}{
		{"no default country is allowed", `{}`, "", CodeOK},
		{"a country code is kept", `{"default_country_code":"47"}`, "47", CodeOK},
		{"a leading plus is dropped", `{"default_country_code":"+358"}`, "358", CodeOK},
		{"letters are refused", `{"default_country_code":"NO"}`, "", CodeInvalidConfig},
		{"four digits are refused", `{"default_country_code":"4747"}`, "", CodeInvalidConfig},
		{"a leading zero is refused", `{"default_country_code":"047"}`, "", CodeInvalidConfig},
		{"a number is a wrong type", `{"default_country_code":47}`, "", CodeInvalidJSON},
		{"client_secret_post is accepted", `{"login":{"auth_method":"client_secret_post"}}`, "", CodeOK},
		{"an unknown login auth method is refused", `{"login":{"auth_method":"private_key_jwt"}}`, "", CodeInvalidConfig},
		{"an unknown login field is refused", `{"login":{"method":"client_secret_post"}}`, "", CodeInvalidJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.json))
			if CodeOf(err) != tc.code {
				t.Fatalf("code %v, want %v (%v)", CodeOf(err), tc.code, err)
			}
			if err == nil && (cfg.DefaultCountryCode != tc.want || cfg.Login.AuthMethod == "") {
				t.Fatalf("config %+v", cfg)
			}
		})
	}
}

func TestACheckoutTakesTheConfiguredDefaultCountry(t *testing.T) {
	c := newSimClient(t, `,"default_country_code":"47"`)
	req, err := c.ParseCheckout([]byte(`{"amount":1000,"phone_number":"912 34 567"}`))
	if err != nil || req.PhoneNumber != "4791234567" {
		t.Fatalf("client parse: %+v, %v", req, err)
	}
	if _, err := ParseCheckout([]byte(`{"amount":1000,"phone_number":"912 34 567"}`)); CodeOf(err) != CodeInvalidCustomer {
		t.Fatalf("the package-level parse has no default country, got %v", err)
	}
	ref, err := c.OwnUnit().StartCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if snap, ok := c.Simulator().Payment(ref); !ok || snap.CustomerMSISDN != "4791234567" {
		t.Fatalf("the simulator got %+v", snap)
	}
}

// fuzzCountries are the default countries FuzzNormalizePhone tries, by index.
var fuzzCountries = []string{"", "47", "45", "358", "1"}

// FuzzNormalizePhone checks what callers rely on for any typed text: no panic; a result is an
// MSISDN (10 to 15 digits, no leading 0) that normalises to itself, also with a + in front;
// an error has a text and no run of the number's digits.
func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []string{"+47 912 34 567", "004791234567", "91234567", "040 123 4567", "", "+", "++47", "4791234567ab",
		"(+47) 912.34.567", "912\u00a034\u00a0567", "+0047", "00", "0", "+1 (555) 123-4567", strings.Repeat("9", 40)} {
		for i := range fuzzCountries {
			f.Add(seed, i)
		}
	}
	f.Fuzz(func(t *testing.T, typed string, country int) {
		if country < 0 {
			country = -country
		}
		cc := fuzzCountries[country%len(fuzzCountries)]
		got, err := NormalizePhone(typed, cc)
		if err != nil {
			if err.Error() == "" || longDigitRun.MatchString(err.Error()) {
				t.Fatalf("NormalizePhone(%q, %q) error %q is empty or carries digits", typed, cc, err)
			}
			return
		}
		if !regexp.MustCompile(`^[1-9][0-9]{9,14}$`).MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not an MSISDN", typed, cc, got)
		}
		for _, again := range []string{got, "+" + got, "00" + got} {
			if n, err := NormalizePhone(again, cc); err != nil || n != got {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want %q again", again, cc, n, err, got)
			}
		}
	})
}

// TestTheFuzzCorpusIsCommitted keeps the seed corpus of FuzzNormalizePhone in the repository.
func TestTheFuzzCorpusIsCommitted(t *testing.T) {
	files, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzNormalizePhone"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus for FuzzNormalizePhone: %v", err)
	}
}
