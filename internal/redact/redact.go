// Package redact holds the one rule for personal data as it may appear in logs and error
// texts: phone numbers and personal-QR contents. The engine (core, core/vipps) and the scanner
// all show such text through it, so the rule lives here and nowhere else.
//
// The rule: a phone number shows its first two and last two digits, nothing between
// ("47******67", "+47 ***-** *67"). A phone number is seven or more digits, written in one run or
// in groups joined by single spaces or dashes ("+47 912 34 567", "0047 91234567"). A personal QR
// never shows its token or opaque contents; a legacy QR shows its number masked.
package redact

import (
	"strings"
)

// minPhoneDigits is the fewest digits taken for a phone number: Nordic national numbers have
// seven (Finland) or eight, so shorter numbers (amounts, error codes, counts) stay readable.
const minPhoneDigits = 7

// Text makes the library's own text (an error text, a log message or field) safe to show:
// phone numbers are masked and personal-QR URLs hidden. A digit run in a word that is an
// identifier (inIdentifier) is kept: the reader needs a traceId, an Idempotency-Key or a
// generated reference ("20261204T174905-a5221435") in full.
func Text(s string) string { return maskNumbers(hidePersonalQRs(s), true) }

// Code makes foreign text (a scanned code that is not a personal QR) safe to show: like Text,
// but no digits are kept as an identifier, since anything may be glued to a number there.
func Code(s string) string { return maskNumbers(hidePersonalQRs(s), false) }

// PhoneNumber masks a text known to be a phone number ("4791234567" -> "47******67"); one too
// short for the rule is hidden whole.
func PhoneNumber(digits string) string {
	if len(digits) < minPhoneDigits {
		return strings.Repeat("*", len(digits))
	}
	return maskNumbers(digits, false)
}

// maskNumbers masks every phone number in s; keepIdentifiers keeps the digit runs Text keeps.
func maskNumbers(s string, keepIdentifiers bool) string {
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			out.WriteByte(s[i])
			i++
			continue
		}
		end, digits := i, 0
		for j := i; ; {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if keepIdentifiers && inIdentifier(s, j, k) {
				if j == i { // the number starts with an identifier's run: that run is shown
					end, digits = k, 0
				}
				break
			}
			end, digits = k, digits+k-j
			if k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && isDigit(s[k+1]) {
				j = k + 1
				continue
			}
			break
		}
		if digits < minPhoneDigits {
			out.WriteString(s[i:end])
		} else {
			seen := 0
			for p := i; p < end; p++ {
				if c := s[p]; isDigit(c) {
					if seen < 2 || seen >= digits-2 {
						out.WriteByte(c)
					} else {
						out.WriteByte('*')
					}
					seen++
				} else {
					out.WriteByte(c)
				}
			}
		}
		i = end
	}
	return out.String()
}

// inIdentifier reports whether the digit run s[i:j] lies in a word (letters and digits) that
// is an identifier, not a number with a word glued to it: a word with a letter that is all
// hexadecimal ("a5221435", a traceId) or has another digit run ("20261204T174905").
func inIdentifier(s string, i, j int) bool {
	start, end := i, j
	for start > 0 && isAlnum(s[start-1]) {
		start--
	}
	for end < len(s) && isAlnum(s[end]) {
		end++
	}
	if start == i && end == j {
		return false
	}
	runs, hex := 0, true
	for p := start; p < end; p++ {
		if isDigit(s[p]) && (p == start || !isDigit(s[p-1])) {
			runs++
		}
		if c := s[p] | 0x20; !isDigit(s[p]) && (c < 'a' || c > 'f') {
			hex = false
		}
	}
	return hex || runs >= 2
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }
func isAlnum(b byte) bool  { return isDigit(b) || isLetter(b) }
