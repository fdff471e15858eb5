package scanner

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/vmp-dev/vmp/internal/redact"
)

// maxRedacted bounds the text Redact shows of a code that is neither a product barcode nor a
// personal QR: enough to recognise it in a log, too little to leak a long personal payload.
const maxRedacted = 32

// Redact returns text of kind k in a form safe for logs and error texts (the rule is package
// redact's): a personal QR with its phone number masked
// ("https://qr.vipps.no/28/2/01/031/47******67?v=1") or its token hidden, a product barcode in
// full, anything else cut short with its phone numbers masked. Control bytes are shown as '.'.
func Redact(text string, k Kind) string {
	switch {
	case k == KindVippsLegacyQR:
		if u, err := url.Parse(text); err == nil {
			msisdn, _ := legacyMSISDN(u.Path)
			return printable(redact.LegacyQR(msisdn, u.RawQuery))
		}
	case k == KindVippsTokenQR:
		if u, err := url.Parse(text); err == nil {
			return redact.TokenQR(strings.TrimPrefix(u.Path, tokenQRPath))
		}
	case k == KindPersonalQR:
		if u, err := url.Parse(text); err == nil {
			return redact.OpaqueQR(printable(strings.ToLower(u.Host)), len(text))
		}
	case k == KindEAN8 || k == KindEAN13 || k == KindUPCA:
		return text
	}
	short := redact.Code(text)
	if len(short) > maxRedacted {
		n := maxRedacted
		for n > 0 && !utf8.RuneStart(short[n]) {
			n--
		}
		short = short[:n] + "…"
	}
	return printable(short)
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
