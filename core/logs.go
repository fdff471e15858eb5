package core

import "github.com/vmp-dev/vmp/internal/logs"

// The client's log is its own package, internal/logs; Client.Logs gives a client's (OnLog,
// NextLog). Its types are named here for users of core (LogLevel and its values in
// abi_gen.go).

// LogRecord is one event the library reports to the host.
type LogRecord = logs.Record

// LogField is one named value of a record.
type LogField = logs.Field

// Logger is what the engine logs through: one call per event.
type Logger = logs.Logger

// MaxLogTextSize is VMP_LOG_TEXT_SIZE: a record's component, message and fields JSON, each
// with a NUL, always fit in this many bytes.
const MaxLogTextSize = logs.MaxTextSize

// Logs is the client's log: the host takes its records with OnLog or NextLog.
func (c *Client) Logs() *logs.Sink { return c.logs }

// log records an event of this client (see logs.Sink.Log).
func (c *Client) log(level LogLevel, component, message string, fields ...LogField) {
	c.logs.Log(level, component, message, fields...)
}

// checkLogLevel validates the config's "log_level" for ParseConfig.
func (c *Config) checkLogLevel() error {
	_, err := logs.ParseLevel(c.LogLevel)
	return err
}

// logLevel is the configured level; the config was checked by ParseConfig.
func (c Config) logLevel() LogLevel {
	l, _ := logs.ParseLevel(c.LogLevel)
	return l
}
