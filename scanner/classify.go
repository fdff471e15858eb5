package scanner

import (
	"net/url"
	"strings"

	"github.com/vmp-dev/vmp/internal/redact"
)

// Kind is what a scanned code is. The values are part of the C ABI (vmp_code_kind in
// include/vmp.h): never renumbered, only appended.
type Kind int

const (
	// KindOther is anything not recognised below: a URL, free text, a 2D code of another use,
	// a digit string without a valid check digit.
	KindOther Kind = 0
	// KindPersonalQR is a personal QR of a form this library does not parse (another path on
	// qr.vipps.no, or a MobilePay host). Pass it to Vipps as it is.
	KindPersonalQR Kind = 1
	// KindVippsLegacyQR is the legacy Vipps personal QR with the phone number in clear text:
	// https://qr.vipps.no/28/2/01/031/4791234567?v=1
	KindVippsLegacyQR Kind = 2
	// KindVippsTokenQR is the tokenised Vipps personal QR: https://qr.vipps.no/p/<token>
	KindVippsTokenQR Kind = 3
	// KindEAN8 is an 8-digit EAN with a valid check digit.
	KindEAN8 Kind = 4
	// KindEAN13 is a 13-digit EAN (UPC-A sent as 13 digits included) with a valid check digit.
	KindEAN13 Kind = 5
	// KindUPCA is a 12-digit UPC-A with a valid check digit.
	KindUPCA Kind = 6
	// KindCode128 is a Code 128 (or GS1-128) barcode; recognised by its AIM identifier only.
	KindCode128 Kind = 7
	// KindBarcode is a product barcode of another linear symbology (Code 39, Interleaved 2 of
	// 5, GS1 DataBar, UPC-E …), or an EAN/UPC whose check digit does not add up; recognised by
	// its AIM identifier only.
	KindBarcode Kind = 8
)

var kindNames = [...]string{
	KindOther: "other", KindPersonalQR: "personal QR", KindVippsLegacyQR: "Vipps personal QR (legacy)",
	KindVippsTokenQR: "Vipps personal QR (token)", KindEAN8: "EAN-8", KindEAN13: "EAN-13",
	KindUPCA: "UPC-A", KindCode128: "Code 128", KindBarcode: "barcode",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsPersonalQR reports whether the code identifies a customer (any personal-QR kind). Such a
// code goes as it is into a checkout's personal_qr.
func (k Kind) IsPersonalQR() bool {
	return k == KindPersonalQR || k == KindVippsLegacyQR || k == KindVippsTokenQR
}

// IsProduct reports whether the code is a product barcode.
func (k Kind) IsProduct() bool { return k >= KindEAN8 && k <= KindBarcode }

const (
	vippsQRHost       = redact.VippsQRHost
	legacyQRPath      = redact.LegacyQRPath
	tokenQRPath       = redact.TokenQRPath
	maxPersonalQRScan = 2048 // longer text is not parsed as a URL at all
	maxTokenLength    = 512
)

// Classify says what text (the code without prefix and AIM identifier) is. aim is the AIM
// identifier that came with it, "" when none. Personal QRs are recognised by their content
// whatever the symbology. Without an AIM identifier only digit strings with a valid EAN/UPC
// check digit are taken for product barcodes.
func Classify(text, aim string) Kind {
	if k := classifyPersonalQR(text); k != KindOther {
		return k
	}
	var letter, modifier byte
	if len(aim) == 3 {
		letter, modifier = aim[1], aim[2]
	}
	switch {
	case letter == 0:
		return classifyGTIN(text)
	case letter == 'E':
		code := text
		if modifier == '3' && (len(text) == 15 || len(text) == 18) { // EAN-13 + 2/5-digit add-on
			code = text[:13]
		}
		if modifier == '0' && len(code) == 8 { // ]E0 with 8 digits is UPC-E; EAN-8 is ]E4
			return KindBarcode
		}
		if k := classifyGTIN(code); k != KindOther {
			return k
		}
		return KindBarcode
	case letter == 'C':
		return KindCode128
	case letter == 'Z' || letter == 'o' || twoDimensional(letter):
		return KindOther
	default:
		return KindBarcode
	}
}

// classifyPersonalQR recognises the personal-QR URL forms; KindOther for anything else.
func classifyPersonalQR(text string) Kind {
	if len(text) > maxPersonalQRScan || len(text) < 9 || !strings.EqualFold(text[:8], "https://") {
		return KindOther
	}
	u, err := url.Parse(text)
	if err != nil || u.User != nil || u.Opaque != "" {
		return KindOther
	}
	host := strings.ToLower(u.Host)
	if !redact.IsPersonalQRHost(host) || u.Path == "" || u.Path == "/" {
		return KindOther
	}
	if host == vippsQRHost && u.RawPath == "" { // percent-escapes: not a form we parse
		if _, ok := legacyMSISDN(u.Path); ok {
			return KindVippsLegacyQR
		}
		if token, ok := strings.CutPrefix(u.Path, tokenQRPath); ok && validToken(token) {
			return KindVippsTokenQR
		}
	}
	return KindPersonalQR
}

// LegacyMSISDN returns the phone number (MSISDN, e.g. "4791234567") in a legacy Vipps personal
// QR; false for any other text. The number is personal data: do not log it.
func LegacyMSISDN(text string) (string, bool) {
	if classifyPersonalQR(text) != KindVippsLegacyQR {
		return "", false
	}
	u, _ := url.Parse(text)
	return legacyMSISDN(u.Path)
}

func legacyMSISDN(path string) (string, bool) {
	msisdn, ok := strings.CutPrefix(path, legacyQRPath)
	if !ok || len(msisdn) < 10 || len(msisdn) > 15 || !allDigits(msisdn) {
		return "", false
	}
	return msisdn, true
}

func validToken(t string) bool {
	if t == "" || len(t) > maxTokenLength {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' && c != '~' {
			return false
		}
	}
	return true
}

// classifyGTIN recognises EAN-8, UPC-A and EAN-13 by length and check digit.
func classifyGTIN(s string) Kind {
	var k Kind
	switch len(s) {
	case 8:
		k = KindEAN8
	case 12:
		k = KindUPCA
	case 13:
		k = KindEAN13
	default:
		return KindOther
	}
	if !allDigits(s) || !ValidCheckDigit(s) {
		return KindOther
	}
	return k
}

// ValidCheckDigit reports whether the last digit of a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) is
// the GS1 mod-10 check digit of the others. s must be digits only.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 {
		return false
	}
	sum := 0
	for i, weight := len(s)-2, 3; i >= 0; i, weight = i-1, 4-weight {
		sum += int(s[i]-'0') * weight
	}
	return (10-sum%10)%10 == int(s[len(s)-1]-'0')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
