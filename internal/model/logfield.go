package model

import (
	"unicode/utf8"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/redact"
)

// Logger is what a subsystem logs through: one call per event. The client's log
// (internal/logs.Sink) is one; a subsystem is given it and never imports internal/logs.
type Logger interface {
	Log(level abi.LogLevel, component, message string, fields ...LogField)
}

// LogField is one named value of a log record: a string, an integer or a bool.
type LogField struct {
	Key   string
	Value any
}

// MaxLogValue is the most bytes a string field keeps.
const MaxLogValue = 256

// LogText is a free-text field (an error's detail, a scanner's reason): every run of seven or
// more digits in it is masked, since such text may quote a phone number.
func LogText(key, value string) LogField { return LogField{key, MaskText(value, MaxLogValue)} }

// LogID is an identifier the till chose or was given (a reference, an operation id, a journal
// entry id): never personal data, so it is shown as it is, only cut to length.
func LogID(key, value string) LogField { return LogField{key, CutUTF8(value, MaxLogValue)} }

// LogInt is a number: an amount in minor units, a count, milliseconds.
func LogInt(key string, value int64) LogField { return LogField{key, value} }

// MaskText masks s as a free-text field is masked (internal/redact), and cuts it to max bytes.
func MaskText(s string, max int) string { return CutUTF8(redact.Text(s), max) }

// CutUTF8 cuts s to at most max bytes on a character boundary.
func CutUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
