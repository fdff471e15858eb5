package redact

import (
	"fmt"
	"strings"
	"testing"
)

func TestMaskDigitsKeepsShortNumbers(t *testing.T) {
	cases := map[string]string{
		"amount 49900 NOK":      "amount 49900 NOK",
		"ErrorCode 6080":        "ErrorCode 6080",
		"phone +4791234567 x":   "phone +47******67 x",
		"12345678901234":        "12**********34",
		"":                      "",
		"qr 031/4712345678?v=1": "qr 031/47******78?v=1",
		"traceId 00-6614b5c7ea5c404b17e45c3a398c4754-5ca6de688e27022d-01": "traceId 00-6614b5c7ea5c404b17e45c3a398c4754-5ca6de688e27022d-01",
		"key vmp-ad1ebb996b1a57d3ca1b5aa9e59e024768d95385":                "key vmp-ad1ebb996b1a57d3ca1b5aa9e59e024768d95385",
		// identifiers with long digit runs stay whole; a number with a word glued to it does not
		"traceId 5ca6de6881234567d":           "traceId 5ca6de6881234567d",
		"reference 20261204T174905-a5221435":  "reference 20261204T174905-a5221435",
		"phone4791234567":                     "phone47******67",
		"+47 912 34 567 and 0047 91234567":    "+47 *** ** *67 and 00** ******67",
		"simulator on http://127.0.0.1:41234": "simulator on http://127.0.0.1:41234",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// phoneFormats are the ways a phone number is written: with and without country code, with
// spaces and dashes, glued to text, too long.
var phoneFormats = []struct{ text, number string }{
	{"+4791234567", "4791234567"},
	{"004791234567", "004791234567"},
	{"4791234567", "4791234567"},
	{"91234567", "91234567"},
	{"+47 912 34 567", "4791234567"},
	{"+47 91 23 45 67", "4791234567"},
	{"0047 912 34 567", "004791234567"},
	{"912-34-567", "91234567"},
	{"(+47) 91234567", "91234567"},
	{"+358 40 123 4567", "358401234567"},
	{"+45 12 34 56 78", "4512345678"},
	{"4 7 9 1 2 3 4 5 6 7", "4791234567"},
	{"1234567", "1234567"},
	{"123456789012345678", "123456789012345678"},
	{"tel:4791234567", "4791234567"},
	{"phone4791234567", "4791234567"},
	{"4791234567x", "4791234567"},
	{"+47\u00a091234567", "91234567"},
}

// personalQRs are scanned personal-QR contents with the part that must never show.
var personalQRs = []struct{ text, secret string }{
	{"https://qr.vipps.no/28/2/01/031/4791234567?v=1", "4791234567"},
	{"https://qr.vipps.no/28/2/01/031/4791234567", "4791234567"},
	{"https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", "qwjhewqhueheuqwhuqwhe"},
	{"HTTPS://QR.VIPPS.NO/p/sim-4798765432", "sim-4798765432"},
	{"https://qr.mobilepay.dk/abcdefsecret", "abcdefsecret"},
	{"qr.mobilepay.fi/opaque-Token_1", "opaque-Token_1"},
	{"https://qr.vipps.no/28/2/01/031/47912345678901?x=secretquery", "secretquery"},
}

// contexts are the texts a phone number or a QR arrives in: Vipps' error texts, JSON quoted
// back, a query, a log message.
var contexts = []string{"%s", "phone %s is not valid (ErrorCode 6080)", `{"phoneNumber":"%s"}`,
	"msisdn=%s&x=1", "customer %s.", "invalid personalQr '%s' [traceId 00-6614b5c7ea5c404b]"}

// digitsOf keeps the digits of s, so "+47 912 34 567" reads as 4791234567.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// showsNumber reports whether shown holds five digits of number in a row, separators aside:
// a masked number shows only its first two and last two.
func showsNumber(shown, number string) bool {
	d := digitsOf(shown)
	for i := 0; i+5 <= len(number); i++ {
		if strings.Contains(d, number[i:i+5]) {
			return true
		}
	}
	return false
}

func TestNoPhoneNumberOrPersonalQRIsEverShownInFull(t *testing.T) {
	paths := map[string]func(string) string{"Text": Text, "Code": Code}
	for name, show := range paths {
		for _, ctx := range contexts {
			for _, p := range phoneFormats {
				in := fmt.Sprintf(ctx, p.text)
				got := show(in)
				// the context's own digits (6080, the traceId's) are not the number's
				if showsNumber(strings.ReplaceAll(got, digitsOf(fmt.Sprintf(ctx, "")), ""), p.number) {
					t.Errorf("%s(%q) = %q shows the number", name, in, got)
				}
			}
			for _, q := range personalQRs {
				in := fmt.Sprintf(ctx, q.text)
				got := show(in)
				if strings.Contains(strings.ToLower(got), strings.ToLower(q.secret)) || showsNumber(got, digitsOf(q.secret)) {
					t.Errorf("%s(%q) = %q shows the personal QR", name, in, got)
				}
				if again := show(got); again != got {
					t.Errorf("%s is not stable: %q, then %q", name, got, again)
				}
			}
		}
	}
}

func TestShortNumbersAndIdentifiersStayReadable(t *testing.T) {
	for _, s := range []string{"amount 49900 NOK", "ErrorCode 6080", "version 0.2.0", "http://127.0.0.1:41234/v1",
		"key vmp-ad1ebb996b1a57d3ca1b5aa9e59e024768d95385", "reference 20261204T174905-a1b2c3d4", "HTTP 409 after 120 ms"} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q", s, got)
		}
	}
}

func TestPersonalQRForms(t *testing.T) {
	cases := map[string]string{
		LegacyQR("4791234567", "v=1"):                                     "https://qr.vipps.no/28/2/01/031/47******67?v=1",
		LegacyQR("4791234567", "a=b"):                                     "https://qr.vipps.no/28/2/01/031/47******67?…",
		TokenQR("qwjhewqhueheuqwhuqwhe"):                                  "https://qr.vipps.no/p/[token, 21 characters]",
		OpaqueQR("qr.mobilepay.dk", 36):                                   "https://qr.mobilepay.dk/[personal QR, 36 characters]",
		PhoneNumber("12345"):                                              "*****",
		Text("qr https://qr.vipps.no/28/2/01/031/4791234567?v=1 refused"): "qr https://qr.vipps.no/28/2/01/031/47******67?v=1 refused",
		Text("qr https://qr.vipps.no/p/abc refused"):                      "qr https://qr.vipps.no/[personal QR, 25 characters] refused",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
