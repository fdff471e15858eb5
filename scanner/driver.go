package scanner

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// readBufferSize is how much one read takes; a scanner sends far less between two reads.
const readBufferSize = 4096

// fastEmptyReads is how many reads in a row may return no data much sooner than the read
// timeout before the port counts as gone. A hung-up tty (an unplugged USB scanner, a pty
// whose other side closed) returns (0, EOF) at once, forever; a healthy port waits for data
// or the timeout.
const fastEmptyReads = 3

// errNoWait is the reason given when a port returns no data without waiting.
var errNoWait = errors.New("the port returns no data without waiting (hung up or unplugged)")

// Scanner reads one serial scanner: it opens the port, cuts the stream into frames, decodes
// and classifies them, and emits an Event for every scan, drop, disconnect and reconnect, in
// order, from one goroutine. When the port fails it reopens it with growing waits until it
// is back or Close is called.
type Scanner struct {
	cfg  Config
	emit func(Event)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Start checks cfg, opens the port once and starts the reader. The error is only ever a
// configuration error: when the port cannot be opened, Start emits EventDisconnected with the
// reason and the reader keeps trying (a scanner plugged in later is found). emit is called on
// the reader's goroutine (and once from Start); it must not block for long - Queue.Push is
// made for it.
func Start(cfg Config, emit func(Event)) (*Scanner, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	s := &Scanner{cfg: cfg, emit: emit, stop: make(chan struct{}), done: make(chan struct{})}
	port, err := s.open()
	if err != nil {
		s.disconnected(err)
	}
	go s.run(port)
	return s, nil
}

// Close stops the reader and closes the port. It returns once the reader goroutine has ended,
// within about one read timeout. Idempotent.
func (s *Scanner) Close() {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
}

func (s *Scanner) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// open opens the port, turning a panic in the serial library into an error.
func (s *Scanner) open() (p Port, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, errors.New(panicText("opening the serial port", r))
		}
	}()
	p, err = s.cfg.Open(s.cfg.Port, s.cfg.Baud, s.cfg.ReadTimeout)
	if err == nil && p == nil {
		err = errors.New("the serial library returned no port")
	}
	return p, err
}

func (s *Scanner) disconnected(err error) {
	s.emit(Event{Kind: EventDisconnected, Source: SourceSerial,
		Detail: fmt.Sprintf("scanner %s: %v", s.cfg.Port, err)})
}

// run is the reader goroutine. port is open, or nil when the first open failed.
func (s *Scanner) run(port Port) {
	defer close(s.done)
	defer func() { // a bug outside a session stops the reader, never the till
		if r := recover(); r != nil {
			if port != nil {
				_ = port.Close()
			}
			s.emit(Event{Kind: EventDisconnected, Source: SourceSerial, Detail: panicText("the scanner reader", r)})
		}
	}()
	framer := NewFramer(s.cfg.Framing)
	buf := make([]byte, readBufferSize)
	wait := s.cfg.ReconnectMin
	for {
		if port == nil {
			if port = s.reopen(&wait); port == nil {
				return
			}
			s.emit(Event{Kind: EventReconnected, Source: SourceSerial, Detail: "scanner " + s.cfg.Port})
		}
		began := time.Now()
		read, err := s.session(port, framer, buf)
		_ = port.Close()
		port = nil
		framer.Reset(s.piece(time.Now()))
		if err == nil {
			return
		}
		if read || time.Since(began) >= s.cfg.ReconnectMax {
			wait = s.cfg.ReconnectMin // the port worked for a while: a new outage starts fast
		}
		s.disconnected(err)
	}
}

// reopen waits and tries again, with waits doubling up to ReconnectMax, until the port opens
// (it returns it) or Close is called (it returns nil).
func (s *Scanner) reopen(wait *time.Duration) Port {
	timer := time.NewTimer(*wait)
	defer timer.Stop()
	for {
		select {
		case <-s.stop:
			return nil
		case <-timer.C:
		}
		p, err := s.open()
		*wait = min(*wait*2, s.cfg.ReconnectMax)
		if err == nil {
			return p
		}
		timer.Reset(*wait)
	}
}

// session reads port until Close (nil) or until the port fails (the reason). read says whether
// any byte arrived. A panic in the framing or the emit becomes a failure of the session, so the
// reader goes on with a fresh port.
func (s *Scanner) session(port Port, framer *Framer, buf []byte) (read bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New(panicText("the scanner reader", r))
		}
	}()
	fastEmpty := 0
	for !s.stopping() {
		began := time.Now()
		n, rerr := port.Read(buf)
		now := time.Now()
		if n > 0 {
			read, fastEmpty = true, 0
			framer.Feed(buf[:n], now, s.piece(now))
		}
		if rerr != nil && rerr != io.EOF {
			return read, rerr
		}
		if n > 0 {
			continue
		}
		// No data: (0, io.EOF) on Linux, (0, nil) on Windows.
		framer.Idle(now, s.piece(now))
		if now.Sub(began) < s.cfg.ReadTimeout/4 {
			if fastEmpty++; fastEmpty >= fastEmptyReads {
				return read, errNoWait
			}
		} else {
			fastEmpty = 0
		}
	}
	return read, nil
}

// piece returns the framer's emit for pieces completed at now.
func (s *Scanner) piece(now time.Time) func(Piece) {
	return func(p Piece) {
		switch p.Drop {
		case DropNone:
			scan := s.cfg.Framing.Decode(p.Frame)
			if scan.Text == "" {
				s.emit(Event{Kind: EventDropped, Source: SourceSerial, Time: now,
					Detail: fmt.Sprintf("dropped a frame of %d bytes with no code after the prefix and AIM identifier", len(p.Frame))})
				return
			}
			s.emit(Event{Kind: EventScan, Source: SourceSerial, Time: now, Scan: scan})
		case DropTooLong:
			s.emit(Event{Kind: EventDropped, Source: SourceSerial, Time: now,
				Detail: fmt.Sprintf("dropped a frame of %d bytes: longer than the maximum of %d", p.Dropped, s.cfg.Framing.MaxFrameLength)})
		case DropPartial:
			s.emit(Event{Kind: EventDropped, Source: SourceSerial, Time: now,
				Detail: fmt.Sprintf("dropped %d bytes that did not end with a terminator (the line went silent, or the port failed)", p.Dropped)})
		}
	}
}
