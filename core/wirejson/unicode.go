package wirejson

import (
	"fmt"
	"unicode/utf8"
)

// checkUnicode refuses a document whose text is not Unicode: bytes that are not UTF-8, and
// \u escapes of unpaired UTF-16 surrogates. A decoder would turn either into U+FFFD, so the
// text that went on to Vipps or into the journal would not be the text the till meant - a
// receipt line, a description, a webhook URL quietly changed (RFC 8259 §8.1 requires UTF-8;
// §8.2 leaves lone surrogates unpredictable).
func checkUnicode(data []byte) error {
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return fmt.Errorf("the JSON is not valid UTF-8 (byte %d)", i)
			}
			i += n
		}
	}
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(data):
			if data[i+1] != 'u' {
				i++ // an escaped character, \" and \\ included
				continue
			}
			r, ok := hex4(data, i+2)
			switch {
			case !ok: // malformed: the decoder reports it
			case r >= 0xD800 && r <= 0xDBFF:
				if !lowSurrogateAt(data, i+6) {
					return fmt.Errorf("the JSON escapes an unpaired surrogate \\u%04x (byte %d)", r, i)
				}
				i += 11
				continue
			case r >= 0xDC00 && r <= 0xDFFF:
				return fmt.Errorf("the JSON escapes an unpaired surrogate \\u%04x (byte %d)", r, i)
			}
			i += 5
		}
	}
	return nil
}

// lowSurrogateAt reports whether data holds the \u escape of a low surrogate at i.
func lowSurrogateAt(data []byte, i int) bool {
	if i+1 >= len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return false
	}
	r, ok := hex4(data, i+2)
	return ok && r >= 0xDC00 && r <= 0xDFFF
}

// hex4 reads the four hex digits of a \u escape at i.
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
