package core

import (
	"time"

	"github.com/vmp-dev/vmp/internal/scans"
	"github.com/vmp-dev/vmp/scanner"
)

// ScannerConfig is the "scanner" block of the configuration: the barcode scanner on a serial
// port (documented in docs/SCANNER.md). Without the block, or without a port,
// no port is opened and SubmitScan still decodes with these framing rules.
type ScannerConfig struct {
	// Port is the serial device: "/dev/ttyACM0", "/dev/serial/by-id/usb-…", "COM3", "COM17".
	// Empty: no serial scanner (keyboard-wedge scanners hand their codes to SubmitScan).
	Port string `json:"port"`
	// Baud is the line speed; default 9600. USB virtual COM ports ignore it.
	Baud int `json:"baud"`
	// Terminators holds the bytes that end a frame, each on its own; default "\r\n", which
	// accepts CR, LF and CRLF (empty frames are ignored).
	Terminators string `json:"terminators"`
	// Prefix is removed from the front of each frame that starts with it; default none.
	Prefix string `json:"prefix"`
	// AIM is "auto" (default: a leading AIM symbology identifier such as "]Q1" is stripped
	// and reported) or "off" (frames are taken as they are).
	AIM string `json:"aim"`
	// MaxFrameLength is the longest frame in bytes; default 1024, 16 .. 65536. Longer frames
	// are dropped (an EventDropped) and reading resynchronises at the next terminator.
	MaxFrameLength int `json:"max_frame_length"`
	// InterByteTimeoutMS is how long the line may stay silent inside a frame; default 100,
	// 10 .. 10000. A frame not ended by then is a partial frame (see PartialFrames).
	InterByteTimeoutMS int64 `json:"inter_byte_timeout_ms"`
	// PartialFrames is "drop" (default: reported as EventDropped, the customer scans again)
	// or "flush" (delivered as a code: for scanners set to send no terminator).
	PartialFrames string `json:"partial_frames"`
	// ReconnectMaxMS caps the wait between attempts to reopen a port that vanished (USB
	// unplugged); the wait starts at 50 ms and doubles. Default 2000, 50 .. 60000.
	ReconnectMaxMS int64 `json:"reconnect_max_ms"`
}

// resolve turns the JSON block into the scanner package's config: nil when no port is named,
// plus the framing rules (also for SubmitScan). A nil block gives the defaults.
func (s *ScannerConfig) resolve() (*scanner.Config, scanner.Framing, error) {
	var sc ScannerConfig
	if s != nil {
		sc = *s
	}
	framing := scanner.Framing{Terminators: sc.Terminators, Prefix: sc.Prefix, AIM: sc.AIM,
		MaxFrameLength: sc.MaxFrameLength, InterByteTimeout: time.Duration(sc.InterByteTimeoutMS) * time.Millisecond}
	switch sc.PartialFrames {
	case "", "drop":
	case "flush":
		framing.FlushPartial = true
	default:
		return nil, framing, newError(CodeInvalidConfig, "config: scanner.partial_frames %q is not \"drop\" or \"flush\"", sc.PartialFrames)
	}
	if sc.InterByteTimeoutMS < 0 || sc.MaxFrameLength < 0 || sc.Baud < 0 {
		return nil, framing, newError(CodeInvalidConfig, "config: scanner values must not be negative")
	}
	if sc.ReconnectMaxMS != 0 && (sc.ReconnectMaxMS < 50 || sc.ReconnectMaxMS > 60000) {
		return nil, framing, newError(CodeInvalidConfig, "config: scanner.reconnect_max_ms must be between 50 and 60000")
	}
	if err := framing.Normalize(); err != nil {
		return nil, framing, &Error{Code: CodeInvalidConfig, Message: "config: " + err.Error(), Err: err}
	}
	if sc.Port == "" {
		if sc.Baud != 0 || sc.ReconnectMaxMS != 0 {
			return nil, framing, newError(CodeInvalidConfig, "config: scanner.baud and scanner.reconnect_max_ms need scanner.port")
		}
		return nil, framing, nil
	}
	cfg := &scanner.Config{Port: sc.Port, Baud: sc.Baud, Framing: framing,
		ReconnectMax: time.Duration(sc.ReconnectMaxMS) * time.Millisecond}
	if err := cfg.Normalize(); err != nil {
		return nil, framing, &Error{Code: CodeInvalidConfig, Message: "config: " + err.Error(), Err: err}
	}
	return cfg, framing, nil
}

// check validates the block for ParseConfig.
func (s *ScannerConfig) check() error {
	_, _, err := s.resolve()
	return err
}

// Scans is the client's barcode scanner side: OnScan, NextScan and SubmitScan.
func (c *Client) Scans() *scans.Scans { return c.scans }
