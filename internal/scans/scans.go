// Package scans is a client's barcode scanner side: the serial reader (package scanner) and
// the event queue the host takes scans from (vmp_on_scan, vmp_next_scan), fed also by codes
// handed in (vmp_submit_scan). Every event is logged through the Logger it is given
// (internal/model's: the client's log is one), so this package does not import internal/logs.
package scans

import (
	"context"
	"errors"
	"time"

	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
	"github.com/vmp-dev/vmp/scanner"
)

// Scans is a client's scanner side: the event queue that the serial reader and SubmitScan
// feed, and the reader itself when the config names a port. Every event is logged.
type Scans struct {
	framing scanner.Framing
	queue   *scanner.Queue
	reader  *scanner.Scanner // nil without a port
	log     model.Logger
	enter   func(context.Context) (context.Context, func(), error)
	closing context.Context
}

// Start creates the queue and, when cfg names a port (cfg not nil), opens it and starts the
// reader. A port that cannot be opened is no error: the first event is EventDisconnected with
// the reason and the reader keeps trying, so a till whose scanner is unplugged at start-up
// still takes payments.
// enter registers a call with the client (it fails once the client is closing); closing ends
// when the client closes.
func Start(cfg *scanner.Config, framing scanner.Framing, log model.Logger, enter func(context.Context) (context.Context, func(), error), closing context.Context) (*Scans, error) {
	s := &Scans{framing: framing, queue: scanner.NewQueue(0, nil), log: log, enter: enter, closing: closing}
	if cfg != nil {
		var err error
		if s.reader, err = scanner.Start(*cfg, s.logged(s.queue.Push)); err != nil {
			s.queue.Close()
			return nil, &model.Error{Code: abi.CodeInvalidConfig, Message: "config: " + err.Error(), Err: err}
		}
	}
	return s, nil
}

// Stop closes the port and the queue; when it returns no scan handler runs or will run again.
func (s *Scans) Stop() {
	if s.reader != nil {
		s.reader.Close()
	}
	s.queue.Close()
}

// OnScan makes fn receive every scanner event (scans, drops, disconnects, reconnects), one at
// a time, on a goroutine of the library, in order; nil removes it and events wait for
// NextScan. When OnScan returns, an earlier fn is not running and is not called again; called
// from inside fn (fromHandler true) it cannot wait for itself and returns at once. fn is never
// called after the client's Close returns.
func (s *Scans) OnScan(fn func(scanner.Event), fromHandler bool) error {
	_, done, err := s.enter(context.Background())
	if err != nil {
		return err
	}
	defer done()
	s.queue.SetHandler(fn, fromHandler)
	return nil
}

// NextScan takes the next scanner event, waiting up to wait for one; the zero Event (Kind
// scanner.EventNone) when none came. While an OnScan handler is set, events go to it and
// NextScan only waits. take, when not nil, sees the event first; when it returns an error the
// event stays queued and NextScan returns that error.
func (s *Scans) NextScan(ctx context.Context, wait time.Duration, take func(scanner.Event) error) (scanner.Event, error) {
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return scanner.Event{}, err
	}
	defer done()
	ev, err := s.queue.Next(ctx, wait, take)
	if err != nil && (errors.Is(err, scanner.ErrClosed) || s.closing.Err() != nil || model.EndedByClose(ctx)) {
		return scanner.Event{}, model.ClosedWhileWaiting("a scan")
	}
	return ev, err
}

// SubmitScan hands in a code that did not come through the serial port - typed by a
// keyboard-wedge scanner or the cashier - so it takes the same path as a serial scan: the
// trailing Enter, the prefix and the AIM identifier are removed, the code is classified and
// queued as an EventScan with Source scanner.SourceSubmitted.
func (s *Scans) SubmitScan(text string) error {
	_, done, err := s.enter(context.Background())
	if err != nil {
		return err
	}
	defer done()
	scan, err := s.framing.DecodeSubmitted(text)
	if err != nil {
		return &model.Error{Code: abi.CodeInvalidArgument, Message: err.Error(), Err: err}
	}
	s.logged(s.queue.Push)(scanner.Event{Kind: scanner.EventScan, Source: scanner.SourceSubmitted, Scan: scan})
	return nil
}

// logScan reports a scanner event; Event.String masks personal QRs and phone numbers.
func (s *Scans) logScan(ev scanner.Event) {
	switch ev.Kind {
	case scanner.EventScan:
		s.log.Log(abi.LogDebug, "scanner", "scan: "+ev.Scan.String(), model.LogID("kind", ev.Scan.Kind.String()))
	case scanner.EventDisconnected:
		s.log.Log(abi.LogWarn, "scanner", "scanner disconnected: "+ev.Detail)
	case scanner.EventReconnected:
		s.log.Log(abi.LogInfo, "scanner", "scanner connected: "+ev.Detail)
	case scanner.EventDropped:
		s.log.Log(abi.LogInfo, "scanner", "scan dropped: "+ev.Detail)
	}
}

// logged is the scanner reader's emit function: each event is logged, then queued.
func (s *Scans) logged(push func(scanner.Event)) func(scanner.Event) {
	return func(ev scanner.Event) {
		s.logScan(ev)
		push(ev)
	}
}
