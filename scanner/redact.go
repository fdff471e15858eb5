package scanner

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxRedacted bounds the text Redact shows of a code that is neither a product barcode nor a
// personal QR: enough to recognise it in a log, too little to leak a long personal payload.
const maxRedacted = 32

// Redact returns text of kind k in a form safe for logs and error texts: a personal QR with its
// phone number masked ("https://qr.vipps.no/28/2/01/031/47******67?v=1") or its token hidden,
// a product barcode in full, anything else cut short with every run of seven or more digits
// masked. Control bytes are shown as '.'.
func Redact(text string, k Kind) string {
	switch {
	case k == KindVippsLegacyQR:
		if u, err := url.Parse(text); err == nil {
			msisdn, _ := legacyMSISDN(u.Path)
			return printable("https://" + vippsQRHost + legacyQRPath + maskRun(msisdn) + querySuffix(u))
		}
	case k == KindVippsTokenQR:
		if u, err := url.Parse(text); err == nil {
			token := strings.TrimPrefix(u.Path, tokenQRPath)
			return fmt.Sprintf("https://%s%s[token, %d characters]", vippsQRHost, tokenQRPath, len(token))
		}
	case k == KindPersonalQR:
		if u, err := url.Parse(text); err == nil {
			return fmt.Sprintf("https://%s/[personal QR, %d characters]", printable(strings.ToLower(u.Host)), len(text))
		}
	case k == KindEAN8 || k == KindEAN13 || k == KindUPCA:
		return text
	}
	short := maskDigits(text)
	if len(short) > maxRedacted {
		n := maxRedacted
		for n > 0 && !utf8.RuneStart(short[n]) {
			n--
		}
		short = short[:n] + "…"
	}
	return printable(short)
}

// querySuffix shows a legacy QR's query only when it is the documented "v=1".
func querySuffix(u *url.URL) string {
	if u.RawQuery == "v=1" {
		return "?v=1"
	}
	if u.RawQuery != "" {
		return "?…"
	}
	return ""
}

// maskDigits masks every run of seven or more digits the way maskRun does.
func maskDigits(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			out.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		out.WriteString(maskRun(s[i:j]))
		i = j
	}
	return out.String()
}

// maskRun keeps the first two and last two digits of a run of seven or more: "47******67".
func maskRun(run string) string {
	if len(run) < 7 {
		return run
	}
	return run[:2] + strings.Repeat("*", len(run)-4) + run[len(run)-2:]
}

func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = '.'
		}
	}
	return string(b)
}
