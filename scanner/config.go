package scanner

import (
	"fmt"
	"strings"
	"time"
)

// Config describes one serial scanner and how its byte stream is cut into codes.
type Config struct {
	// Port names the serial device: "/dev/ttyACM0", "/dev/serial/by-id/usb-…", "COM3",
	// "COM17". Required.
	Port string
	// Baud is the line speed; default 9600. USB virtual COM ports ignore it.
	Baud int
	// Framing says how frames are cut and what surrounds the code in a frame.
	Framing Framing
	// ReadTimeout bounds every read, so the reader notices Close and the inter-byte timeout
	// without data arriving. Default 100 ms, which is also the smallest step Linux offers
	// (VTIME counts tenths of a second). Between 10 ms and 1 s.
	ReadTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the wait between attempts to reopen a port that
	// failed or vanished: it starts at ReconnectMin and doubles up to ReconnectMax.
	// Defaults 50 ms and 2 s.
	ReconnectMin, ReconnectMax time.Duration
	// Open opens the port; default OpenSerial (tarm/serial).
	Open OpenFunc
}

// AIM modes (Framing.AIM).
const (
	// AIMAuto strips an AIM symbology identifier ("]" + symbology letter + modifier, e.g.
	// "]Q1", "]E0", "]C1") from the front of a frame and reports it.
	AIMAuto = "auto"
	// AIMOff leaves the frame as it is; a leading "]" is part of the code.
	AIMOff = "off"
)

// Framing says how a byte stream is cut into frames and what surrounds the code in a frame.
// The same rules apply to text submitted by a keyboard-wedge scanner (Framing.DecodeSubmitted).
type Framing struct {
	// Terminators holds the bytes that end a frame; each of them does. Empty frames are
	// ignored, so the default "\r\n" accepts CR, LF and CRLF alike.
	Terminators string
	// Prefix, when not empty, is removed from the front of every frame that starts with it
	// (scanners can be set to send e.g. STX "\x02" before each code).
	Prefix string
	// AIM is AIMAuto (default) or AIMOff.
	AIM string
	// MaxFrameLength is the longest frame accepted, in bytes, prefix and AIM id included;
	// default 1024, between 16 and 65536. Longer frames are dropped up to the next terminator
	// (or the next inter-byte timeout), reported as EventDropped, and reading resynchronises.
	MaxFrameLength int
	// InterByteTimeout is how long the line may stay silent inside a frame; default 100 ms,
	// between 10 ms and 10 s. A frame that has not ended by then is a partial frame: dropped
	// and reported as EventDropped, or delivered when FlushPartial is set.
	InterByteTimeout time.Duration
	// FlushPartial delivers a partial frame as a code instead of dropping it. Set it for
	// scanners configured to send no terminator at all; otherwise a truncated read (a
	// disturbed cable, a half-sent frame) could be taken for a different code.
	FlushPartial bool
}

// Defaults and limits.
const (
	DefaultBaud             = 9600
	DefaultTerminators      = "\r\n"
	DefaultMaxFrameLength   = 1024
	DefaultInterByteTimeout = 100 * time.Millisecond
	DefaultReadTimeout      = 100 * time.Millisecond
	DefaultReconnectMin     = 50 * time.Millisecond
	DefaultReconnectMax     = 2 * time.Second

	minFrameLength = 16
	maxFrameLength = 65536
	maxAffixLength = 16
)

// baudRates are the speeds accepted: what tarm/serial can set on every platform it supports.
var baudRates = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

// Normalize fills the defaults and checks every field; the error names the field.
func (c *Config) Normalize() error {
	if c.Port == "" {
		return fmt.Errorf("scanner.port is empty")
	}
	if strings.ContainsRune(c.Port, 0) {
		return fmt.Errorf("scanner.port contains a NUL byte")
	}
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if !validBaud(c.Baud) {
		return fmt.Errorf("scanner.baud %d is not one of %v", c.Baud, baudRates)
	}
	if err := c.Framing.Normalize(); err != nil {
		return err
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.ReadTimeout < 10*time.Millisecond || c.ReadTimeout > time.Second {
		return fmt.Errorf("scanner read timeout %v is not between 10ms and 1s", c.ReadTimeout)
	}
	if c.ReconnectMin == 0 {
		c.ReconnectMin = DefaultReconnectMin
	}
	if c.ReconnectMax == 0 {
		c.ReconnectMax = max(DefaultReconnectMax, c.ReconnectMin)
	}
	if c.ReconnectMin < time.Millisecond || c.ReconnectMax < c.ReconnectMin || c.ReconnectMax > time.Minute {
		return fmt.Errorf("scanner.reconnect_max_ms: the reconnect wait must grow from at least 1 ms to at most 60000 ms (from %v to %v)",
			c.ReconnectMin, c.ReconnectMax)
	}
	if c.Open == nil {
		c.Open = OpenSerial
	}
	return nil
}

// Normalize fills the defaults and checks every field; the error names the field.
func (f *Framing) Normalize() error {
	if f.Terminators == "" {
		f.Terminators = DefaultTerminators
	}
	if len(f.Terminators) > maxAffixLength {
		return fmt.Errorf("scanner.terminators are longer than %d bytes", maxAffixLength)
	}
	if len(f.Prefix) > maxAffixLength {
		return fmt.Errorf("scanner.prefix is longer than %d bytes", maxAffixLength)
	}
	if strings.ContainsAny(f.Prefix, f.Terminators) {
		return fmt.Errorf("scanner.prefix contains a terminator byte")
	}
	switch f.AIM {
	case "":
		f.AIM = AIMAuto
	case AIMAuto, AIMOff:
	default:
		return fmt.Errorf("scanner.aim %q is not %q or %q", f.AIM, AIMAuto, AIMOff)
	}
	if f.MaxFrameLength == 0 {
		f.MaxFrameLength = DefaultMaxFrameLength
	}
	if f.MaxFrameLength < minFrameLength || f.MaxFrameLength > maxFrameLength {
		return fmt.Errorf("scanner.max_frame_length %d is not between %d and %d",
			f.MaxFrameLength, minFrameLength, maxFrameLength)
	}
	if f.InterByteTimeout == 0 {
		f.InterByteTimeout = DefaultInterByteTimeout
	}
	if f.InterByteTimeout < 10*time.Millisecond || f.InterByteTimeout > 10*time.Second {
		return fmt.Errorf("scanner.inter_byte_timeout_ms %d is not between 10 and 10000", f.InterByteTimeout.Milliseconds())
	}
	return nil
}

func validBaud(b int) bool {
	for _, r := range baudRates {
		if r == b {
			return true
		}
	}
	return false
}
