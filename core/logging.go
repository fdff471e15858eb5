package core

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vmp-dev/vmp/core/eventqueue"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/redact"
)

// LogLevel is how much a log record matters. The values are those of vmp_log_level in
// include/vmp.h: never renumbered, only appended.
type LogLevel int32

const (
	// LogNone is the zero LogRecord's level: nothing arrived (NextLog timed out). As the
	// configured level ("off") it turns logging off.
	LogNone  LogLevel = 0
	LogDebug LogLevel = 1 // what the library does step by step: polls, scans, journal details
	LogInfo  LogLevel = 2 // what a till operator follows: start, close, each money-moving outcome
	LogWarn  LogLevel = 3 // something went wrong and was handled: a retry, an unknown outcome
	LogError LogLevel = 4 // something went wrong and needs a person: an operation left open
)

var logLevelNames = [...]string{LogNone: "off", LogDebug: "debug", LogInfo: "info", LogWarn: "warn", LogError: "error"}

// String gives the level's name as the config spells it ("debug" ... "error", "off").
func (l LogLevel) String() string {
	if l >= 0 && int(l) < len(logLevelNames) {
		return logLevelNames[l]
	}
	return "unknown"
}

// parseLogLevel reads the config's "log_level"; "" is the default, "info".
func parseLogLevel(s string) (LogLevel, error) {
	if s == "" {
		return LogInfo, nil
	}
	for i, n := range logLevelNames {
		if n == s {
			return LogLevel(i), nil
		}
	}
	return LogNone, newError(CodeInvalidConfig, "config: log_level %q is not one of debug, info, warn, error, off", s)
}

// checkLogLevel validates the config's "log_level" for ParseConfig.
func (c *Config) checkLogLevel() error {
	_, err := parseLogLevel(c.LogLevel)
	return err
}

// MaxLogTextSize is VMP_LOG_TEXT_SIZE: a record's component, message and fields JSON, each
// with a NUL, always fit in this many bytes.
const MaxLogTextSize = 4096

// Limits of one record that keep it within MaxLogTextSize: a message, and each string field,
// is cut to these many bytes, and the fields JSON stops before maxLogFieldsJSON bytes.
const (
	maxLogComponent  = 16
	maxLogMessage    = 512
	maxLogValue      = 256
	maxLogFields     = 8
	maxLogFieldsJSON = MaxLogTextSize - maxLogComponent - maxLogMessage - 3
)

// LogField is one named value of a record: a string, an integer or a bool.
type LogField struct {
	Key   string
	Value any
}

// logText is a free-text field (an error's detail, a scanner's reason): every run of seven or
// more digits in it is masked, since such text may quote a phone number.
func logText(key, value string) LogField { return LogField{key, maskLogText(value, maxLogValue)} }

// logID is an identifier the till chose or was given (a reference, an operation id, a journal
// entry id): never personal data, so it is shown as it is, only cut to length.
func logID(key, value string) LogField { return LogField{key, cutUTF8(value, maxLogValue)} }

// logInt is a number: an amount in minor units, a count, milliseconds.
func logInt(key string, value int64) LogField { return LogField{key, value} }

// LogRecord is one event the library reports to the host through vmp_on_log / vmp_next_log.
// Its text is safe to store and show: phone numbers are masked, personal QRs are never
// included, secrets never reach a record.
type LogRecord struct {
	Level LogLevel
	// Seq numbers the records of one client 1, 2, 3 ... in the order they were made; a gap
	// means records were discarded because nobody took them.
	Seq       uint64
	Time      time.Time
	Component string // "client", "journal", "payment", "retry", "recovery", "scanner"
	Message   string
	Fields    []LogField
}

// FieldsJSON gives the fields as one JSON object, in their order: {"reference":"…","amount":100}.
func (r LogRecord) FieldsJSON() string {
	const truncated = `"truncated":true}`
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range r.Fields {
		v, err := wirejson.Marshal(f.Value)
		if err != nil {
			v = []byte(`null`)
		}
		item := strconv.Quote(f.Key) + ":" + string(v) // keys are the library's own ASCII names
		if b.Len()+len(item)+2+len(truncated) > maxLogFieldsJSON {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(truncated)
			return b.String()
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteByte('}')
	return b.String()
}

// Logger is what the engine logs through: one call per event.
type Logger interface {
	Log(level LogLevel, component, message string, fields ...LogField)
}

// logSink is a client's Logger: records at or above the configured level go to a bounded
// queue (eventqueue: the oldest is discarded when full), from which the host takes them with
// a callback (OnLog) or by pulling (NextLog).
type logSink struct {
	level LogLevel
	queue *eventqueue.Queue[LogRecord]
}

var _ Logger = (*logSink)(nil)

func newLogSink(level LogLevel) *logSink {
	return &logSink{level: level, queue: eventqueue.New(0, func(r *LogRecord, seq uint64) { r.Seq = seq }, nil)}
}

// Log queues a record when level is at or above the sink's. The message is masked like a
// free-text field; fields beyond maxLogFields are dropped.
func (s *logSink) Log(level LogLevel, component, message string, fields ...LogField) {
	if s == nil || s.level == LogNone || level < s.level {
		return
	}
	if len(fields) > maxLogFields {
		fields = fields[:maxLogFields]
	}
	s.queue.Push(LogRecord{Level: level, Time: time.Now(), Component: cutUTF8(component, maxLogComponent),
		Message: maskLogText(message, maxLogMessage), Fields: fields})
}

// close lets a callback take what is still queued (bounded), then stops the queue: after it
// returns no callback runs or will run again.
func (s *logSink) close() {
	s.queue.Drain(time.Second)
	s.queue.Close()
}

func maskLogText(s string, max int) string { return cutUTF8(redact.Text(s), max) }

// cutUTF8 cuts s to at most max bytes on a character boundary.
func cutUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// log records an event of this client (see logSink.Log).
func (c *Client) log(level LogLevel, component, message string, fields ...LogField) {
	c.logs.Log(level, component, message, fields...)
}

// OnLog makes fn receive every log record, one at a time, on a goroutine of the library, in
// order; nil removes it and records wait for NextLog. When OnLog returns, an earlier fn is not
// running and is not called again; called from inside fn (fromHandler true) it cannot wait for
// itself and returns at once. fn is never called after Close returns.
func (c *Client) OnLog(fn func(LogRecord), fromHandler bool) error {
	_, done, err := c.enter(context.Background())
	if err != nil {
		return err
	}
	defer done()
	c.logs.queue.SetHandler(fn, fromHandler)
	return nil
}

// NextLog takes the next log record, waiting up to wait for one; the zero LogRecord (Level
// LogNone) when none came. While an OnLog handler is set, records go to it and NextLog only
// waits. take, when not nil, sees the record first; when it returns an error the record stays
// queued and NextLog returns that error.
func (c *Client) NextLog(ctx context.Context, wait time.Duration, take func(LogRecord) error) (LogRecord, error) {
	ctx, done, err := c.enter(ctx)
	if err != nil {
		return LogRecord{}, err
	}
	defer done()
	r, err := c.logs.queue.Next(ctx, wait, take)
	if err != nil && (errors.Is(err, eventqueue.ErrClosed) || c.closingCtx.Err() != nil || endedByClose(ctx)) {
		return LogRecord{}, closedWhileWaiting("a log record")
	}
	return r, err
}

// logLevel is the configured level; the config was checked by ParseConfig.
func (c Config) logLevel() LogLevel {
	l, _ := parseLogLevel(c.LogLevel)
	return l
}
