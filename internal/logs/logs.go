// Package logs is a client's log: the records the library reports to the host (vmp_on_log /
// vmp_next_log), their levels, fields and masking, and the bounded queue the host takes them
// from. Subsystems are given a Logger; only the client's composition root holds the Sink.
package logs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/core/eventqueue"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Level is how much a log record matters: vmp_log_level (internal/abi, whose String gives the
// config's names). None is the zero Record's level - nothing arrived (NextLog timed out) - and,
// as the configured level ("off"), turns logging off.
type Level = abi.LogLevel

const (
	None  = abi.LogNone
	Debug = abi.LogDebug // what the library does step by step: polls, scans, journal details
	Info  = abi.LogInfo  // what a till operator follows: start, close, each money-moving outcome
	Warn  = abi.LogWarn  // something went wrong and was handled: a retry, an unknown outcome
	Error = abi.LogError // something went wrong and needs a person: an operation left open
)

// ParseLevel reads the config's "log_level"; "" is the default, "info".
func ParseLevel(s string) (Level, error) {
	if s == "" {
		return Info, nil
	}
	for _, l := range abi.LogLevels {
		if l.String() == s {
			return l, nil
		}
	}
	return None, model.Errorf(abi.CodeInvalidConfig, "config: log_level %q is not one of debug, info, warn, error, off", s)
}

// MaxTextSize is VMP_LOG_TEXT_SIZE: a record's component, message and fields JSON, each
// with a NUL, always fit in this many bytes.
const MaxTextSize = 4096

// Limits of one record that keep it within MaxTextSize: a message, and each string field,
// is cut to these many bytes, and the fields JSON stops before maxLogFieldsJSON bytes.
const (
	maxLogComponent  = 16
	maxLogMessage    = 512
	maxLogValue      = model.MaxLogValue
	maxLogFields     = 8
	maxLogFieldsJSON = MaxTextSize - maxLogComponent - maxLogMessage - 3
)

// Field, Logger and the field constructors are internal/model's, so that a subsystem logs
// without importing this package.
type (
	Field  = model.LogField
	Logger = model.Logger
)

var (
	Text = model.LogText // free text: runs of seven or more digits masked
	ID   = model.LogID   // an identifier, shown as it is, cut to length
	Int  = model.LogInt  // a number
)

// Record is one event the library reports to the host through vmp_on_log / vmp_next_log.
// Its text is safe to store and show: phone numbers are masked, personal QRs are never
// included, secrets never reach a record.
type Record struct {
	Level Level
	// Seq numbers the records of one client 1, 2, 3 ... in the order they were made; a gap
	// means records were discarded because nobody took them.
	Seq       uint64
	Time      time.Time
	Component string // "client", "journal", "payment", "retry", "recovery", "scanner"
	Message   string
	Fields    []Field
}

// FieldsJSON gives the fields as one JSON object, in their order: {"reference":"…","amount":100}.
func (r Record) FieldsJSON() string {
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

// Sink is a client's Logger: records at or above the configured level go to a bounded
// queue (eventqueue: the oldest is discarded when full), from which the host takes them with
// a callback (OnLog) or by pulling (NextLog).
type Sink struct {
	level   Level
	queue   *eventqueue.Queue[Record]
	enter   func(context.Context) (context.Context, func(), error)
	closing context.Context
}

var _ Logger = (*Sink)(nil)

// NewSink gives a client's sink for records at or above level; enter registers a call with the
// client (it fails once the client is closing) and closing ends when the client closes.
func NewSink(level Level, enter func(context.Context) (context.Context, func(), error), closing context.Context) *Sink {
	return &Sink{level: level, enter: enter, closing: closing, queue: eventqueue.New(0, func(r *Record, seq uint64) { r.Seq = seq }, nil)}
}

// Log queues a record when level is at or above the sink's. The message is masked like a
// free-text field; fields beyond maxLogFields are dropped.
func (s *Sink) Log(level Level, component, message string, fields ...Field) {
	if s == nil || s.level == None || level < s.level {
		return
	}
	if len(fields) > maxLogFields {
		fields = fields[:maxLogFields]
	}
	s.queue.Push(Record{Level: level, Time: time.Now(), Component: model.CutUTF8(component, maxLogComponent),
		Message: MaskText(message, maxLogMessage), Fields: fields})
}

// Close lets a callback take what is still queued (bounded), then stops the queue: after it
// returns no callback runs or will run again.
func (s *Sink) Close() {
	s.queue.Drain(time.Second)
	s.queue.Close()
}

// MaskText masks s as a free-text field is masked, and cuts it to max bytes (internal/model).
func MaskText(s string, max int) string { return model.MaskText(s, max) }

// OnLog makes fn receive every log record, one at a time, on a goroutine of the library, in
// order; nil removes it and records wait for NextLog. When OnLog returns, an earlier fn is not
// running and is not called again; called from inside fn (fromHandler true) it cannot wait for
// itself and returns at once. fn is never called after the client's Close returns.
func (s *Sink) OnLog(fn func(Record), fromHandler bool) error {
	_, done, err := s.enter(context.Background())
	if err != nil {
		return err
	}
	defer done()
	s.queue.SetHandler(fn, fromHandler)
	return nil
}

// NextLog takes the next log record, waiting up to wait for one; the zero Record (Level
// None) when none came. While an OnLog handler is set, records go to it and NextLog only
// waits. take, when not nil, sees the record first; when it returns an error the record stays
// queued and NextLog returns that error.
func (s *Sink) NextLog(ctx context.Context, wait time.Duration, take func(Record) error) (Record, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return Record{}, err
	}
	defer done()
	r, err := s.queue.Next(ctx, wait, take)
	if err != nil && (errors.Is(err, eventqueue.ErrClosed) || s.closing.Err() != nil || model.EndedByClose(ctx)) {
		return Record{}, model.ClosedWhileWaiting("a log record")
	}
	return r, err
}
