package scanner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFramer feeds a stream to the framer whole and in chunks of every size the fuzzer picks,
// and checks both against a plain model: split at terminator bytes, skip empty pieces, drop
// those longer than the maximum, keep the unterminated tail pending.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("]Q1https://qr.vipps.no/p/abc\r\n7038010055720\r"), uint8(3), uint8(16))
	f.Add([]byte("\r\n\r\n\n\r"), uint8(1), uint8(0))
	f.Add([]byte(strings.Repeat("x", 40)+"\nshort\nlong-tail-without-end"), uint8(7), uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, chunk, maxLen uint8) {
		framing := Framing{MaxFrameLength: minFrameLength + int(maxLen)}
		if err := framing.Normalize(); err != nil {
			t.Fatal(err)
		}
		want, wantPending := framerModel(stream, framing)

		whole := NewFramer(framing)
		gotWhole := feedAll(whole, stream, len(stream)+1)
		parts := NewFramer(framing)
		gotParts := feedAll(parts, stream, int(chunk)+1)

		if fmt.Sprint(gotWhole) != fmt.Sprint(want) {
			t.Fatalf("whole stream: got %q, want %q", gotWhole, want)
		}
		if fmt.Sprint(gotParts) != fmt.Sprint(want) {
			t.Fatalf("chunks of %d: got %q, want %q", int(chunk)+1, gotParts, want)
		}
		if whole.Pending() != wantPending || parts.Pending() != wantPending {
			t.Fatalf("pending: whole %v, parts %v, want %v", whole.Pending(), parts.Pending(), wantPending)
		}
		// Whatever is pending ends at the inter-byte timeout and leaves the framer empty.
		var tail []string
		parts.Idle(time.Unix(0, 0).Add(time.Hour), func(p Piece) { tail = append(tail, describePiece(p)) })
		if parts.Pending() || len(tail) != map[bool]int{true: 1, false: 0}[wantPending] {
			t.Fatalf("after the timeout: pending %v, pieces %q", parts.Pending(), tail)
		}
	})
}

func feedAll(f *Framer, stream []byte, chunk int) []string {
	var out []string
	emit := func(p Piece) {
		if p.Drop == DropNone && (len(p.Frame) == 0 || bytes.ContainsAny(p.Frame, "\r\n")) {
			panic(fmt.Sprintf("bad frame %q", p.Frame))
		}
		out = append(out, describePiece(p))
	}
	start := time.Unix(0, 0)
	for i := 0; i < len(stream); i += chunk {
		f.Feed(stream[i:min(i+chunk, len(stream))], start, emit)
	}
	return out
}

func framerModel(stream []byte, framing Framing) (pieces []string, pending bool) {
	start := 0
	for i, b := range stream {
		if strings.IndexByte(framing.Terminators, b) < 0 {
			continue
		}
		seg := stream[start:i]
		start = i + 1
		switch {
		case len(seg) == 0:
		case len(seg) > framing.MaxFrameLength:
			pieces = append(pieces, fmt.Sprintf("drop:too-long:%d", len(seg)))
		default:
			pieces = append(pieces, string(seg))
		}
	}
	return pieces, start < len(stream)
}

// FuzzClassify checks the classifier and the redaction on any text: no panic; product kinds
// only for digit strings with a valid check digit; personal QRs and digit runs never shown.
func FuzzClassify(f *testing.F) {
	f.Add("https://qr.vipps.no/28/2/01/031/4791234567?v=1", "]Q1")
	f.Add("https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", "")
	f.Add("7038010055720", "]E0")
	f.Add("ABC-123", "]C0")
	f.Fuzz(func(t *testing.T, text, aim string) {
		k := Classify(text, aim)
		red := Redact(text, k)
		switch k {
		case KindEAN8, KindEAN13, KindUPCA:
			code := text
			if len(text) > 13 {
				code = text[:13]
			}
			if !allDigits(code) || !ValidCheckDigit(code) {
				t.Fatalf("%q (%q) classified %s", text, aim, k)
			}
			return
		case KindVippsLegacyQR:
			msisdn, ok := LegacyMSISDN(text)
			if !ok || strings.Contains(red, msisdn) {
				t.Fatalf("legacy QR %q redacted to %q", text, red)
			}
		case KindVippsTokenQR, KindPersonalQR:
			if i := strings.LastIndex(text, "/"); len(text)-i > 8 && strings.Contains(red, text[i+1:]) {
				t.Fatalf("personal QR %q redacted to %q", text, red)
			}
		}
		if run := longestDigitRun(red); run >= 7 {
			t.Fatalf("%q (%s) redacted to %q, which shows %d digits in a row", text, k, red, run)
		}
		if utf8.ValidString(text) && !utf8.ValidString(red) {
			t.Fatalf("redacting valid UTF-8 %q gave %q", text, red)
		}
		if k.IsPersonalQR() && Redact(text, k) == text {
			t.Fatalf("personal QR %q not redacted", text)
		}
	})
}

func longestDigitRun(s string) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// FuzzDecodeSubmitted checks that submitted text either is refused or gives one code without
// terminators, within the maximum length.
func FuzzDecodeSubmitted(f *testing.F) {
	f.Add("]Q1https://qr.vipps.no/p/abc\r\n", "\x02")
	f.Add("a\rb", "")
	f.Fuzz(func(t *testing.T, text, prefix string) {
		framing := Framing{Prefix: prefix, MaxFrameLength: 64}
		if framing.Normalize() != nil {
			return
		}
		s, err := framing.DecodeSubmitted(text)
		if err != nil {
			if strings.Contains(err.Error(), text) && len(text) > 3 {
				t.Fatalf("the error %q shows the text", err)
			}
			return
		}
		if s.Text == "" || len(s.Text) > 64 || strings.ContainsAny(s.Text, "\r\n") {
			t.Fatalf("%q gave %+v", text, s)
		}
	})
}
