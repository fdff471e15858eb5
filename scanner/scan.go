package scanner

import (
	"errors"
	"fmt"
	"strings"
)

// Scan is one code as the till gets it.
type Scan struct {
	// Text is the code: the frame without terminator, prefix and AIM identifier, byte for byte
	// as the scanner sent it (usually ASCII; not necessarily UTF-8). Personal data when Kind
	// is a personal QR: never log it, log String() instead.
	Text string
	// AIM is the AIM symbology identifier that preceded the code ("]Q1"), "" when none.
	AIM string
	// Kind is what the code is.
	Kind Kind
}

// String is safe to log: personal QRs and phone numbers are masked (Redact).
func (s Scan) String() string {
	if s.AIM != "" {
		return fmt.Sprintf("%s %s %s", s.Kind, s.AIM, Redact(s.Text, s.Kind))
	}
	return fmt.Sprintf("%s %s", s.Kind, Redact(s.Text, s.Kind))
}

// Decode turns a frame (without its terminator) into a Scan: it removes the prefix and the AIM
// identifier and classifies the rest. f must be normalized.
func (f Framing) Decode(frame []byte) Scan {
	text := string(frame)
	if f.Prefix != "" {
		text = strings.TrimPrefix(text, f.Prefix)
	}
	var aim string
	if f.AIM == AIMAuto {
		aim, text = SplitAIM(text)
	}
	return Scan{Text: text, AIM: aim, Kind: Classify(text, aim)}
}

// Errors of DecodeSubmitted; their texts never contain the submitted text.
var (
	ErrEmptyScan    = errors.New("the scanned text is empty")
	ErrScanTooLong  = errors.New("the scanned text is longer than the scanner's max_frame_length")
	ErrSeveralScans = errors.New("the scanned text holds a terminator inside it: submit one code per call")
)

// DecodeSubmitted decodes text that a keyboard-wedge scanner typed (or a cashier keyed in) the
// way Decode decodes a frame from the serial port, so both take the same path: one trailing
// run of terminator bytes (the wedge's Enter) is removed, then prefix and AIM identifier, then
// the code is classified. Text with a terminator inside, empty text or text longer than
// MaxFrameLength is refused. f must be normalized.
func (f Framing) DecodeSubmitted(text string) (Scan, error) {
	text = strings.TrimRight(text, f.Terminators)
	switch {
	case text == "":
		return Scan{}, ErrEmptyScan
	case len(text) > f.MaxFrameLength:
		return Scan{}, ErrScanTooLong
	case strings.ContainsAny(text, f.Terminators):
		return Scan{}, ErrSeveralScans
	}
	s := f.Decode([]byte(text))
	if s.Text == "" {
		return Scan{}, ErrEmptyScan
	}
	return s, nil
}
