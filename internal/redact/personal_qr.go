package redact

import (
	"fmt"
	"strings"
)

// VippsQRHost is the host of Vipps' personal QRs, the only documented one.
const VippsQRHost = "qr.vipps.no"

// personalQRHosts are the hosts whose URLs are personal QRs. MobilePay's personal QRs are
// tokenised and their host is not documented, so the MobilePay QR hosts are taken as personal
// QRs of an unknown (opaque) form.
var personalQRHosts = []string{VippsQRHost, "qr.mobilepay.dk", "qr.mobilepay.fi"}

// IsPersonalQRHost reports whether URLs on host (lower case) are personal QRs.
func IsPersonalQRHost(host string) bool {
	for _, h := range personalQRHosts {
		if host == h {
			return true
		}
	}
	return false
}

// LegacyQRPath is the path of a legacy Vipps QR before its phone number.
const LegacyQRPath = "/28/2/01/031/"

// TokenQRPath is the path of a tokenised Vipps QR before its token.
const TokenQRPath = "/p/"

// LegacyQR shows a legacy Vipps QR (https://qr.vipps.no/28/2/01/031/<msisdn>?v=1) with its
// number masked; its query is shown only when it is the documented "v=1".
func LegacyQR(msisdn, rawQuery string) string {
	q := ""
	switch {
	case rawQuery == "v=1":
		q = "?v=1"
	case rawQuery != "":
		q = "?…"
	}
	return "https://" + VippsQRHost + LegacyQRPath + PhoneNumber(msisdn) + q
}

// TokenQR shows a tokenised Vipps QR (https://qr.vipps.no/p/<token>) without its token.
func TokenQR(token string) string {
	return fmt.Sprintf("https://%s%s[token, %d characters]", VippsQRHost, TokenQRPath, len(token))
}

// OpaqueQR shows a personal QR of a form not parsed by its host and length only.
func OpaqueQR(host string, length int) string {
	return fmt.Sprintf("https://%s/[personal QR, %d characters]", host, length)
}

// hidePersonalQRs replaces every URL on a personal-QR host in free text (an answer of Vipps
// may quote the code it refused) by OpaqueQR. A URL ends at white space or a quote.
func hidePersonalQRs(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "qr.") {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); {
		host, ok := personalQRAt(lower, i)
		if !ok {
			out.WriteByte(s[i])
			i++
			continue
		}
		end := i
		for end < len(s) && !strings.ContainsRune(" \t\r\n\"'<>`", rune(s[end])) {
			end++
		}
		out.WriteString(personalQRInText(s[i:end], host))
		i = end
	}
	return out.String()
}

// personalQRInText shows one personal-QR URL met in free text: a legacy QR with its number
// masked, one already shown by this package as it is, any other by host and length.
func personalQRInText(u, host string) string {
	_, rest, _ := strings.Cut(u, host+"/")
	if strings.HasPrefix(rest, "[") || strings.HasPrefix(rest, "p/[") {
		return u // already redacted: TokenQR or OpaqueQR
	}
	if host == VippsQRHost {
		if number, ok := strings.CutPrefix(rest, strings.TrimPrefix(LegacyQRPath, "/")); ok {
			number, query, _ := strings.Cut(number, "?")
			masked := strings.Trim(number, "0123456789*") == "" && strings.Contains(number, "*")
			if masked && (query == "" || query == "v=1" || query == "…") {
				return u // already redacted: LegacyQR
			}
			if number != "" && strings.Trim(number, "0123456789") == "" {
				return LegacyQR(number, query)
			}
		}
	}
	return OpaqueQR(host, len(u))
}

// personalQRAt reports whether a URL on a personal-QR host ("https://host/", "http://host/",
// or "host/" alone) starts at lower[i], and which host.
func personalQRAt(lower string, i int) (string, bool) {
	rest := lower[i:]
	for _, scheme := range []string{"https://", "http://", ""} {
		if !strings.HasPrefix(rest, scheme) {
			continue
		}
		if scheme == "" && i > 0 && (isAlnum(lower[i-1]) || lower[i-1] == '.' || lower[i-1] == '/') {
			continue // inside a longer host or a URL already looked at
		}
		for _, h := range personalQRHosts {
			if strings.HasPrefix(rest[len(scheme):], h+"/") {
				return h, true
			}
		}
	}
	return "", false
}
