package scanner

import (
	"fmt"
	"time"
)

// EventKind is what happened. The values are part of the C ABI (vmp_scan_event in
// include/vmp.h): never renumbered, only appended.
type EventKind int

const (
	// EventNone is the zero Event: nothing arrived (Queue.Next timed out).
	EventNone EventKind = 0
	// EventScan: a code was read (Event.Scan).
	EventScan EventKind = 1
	// EventDisconnected: the port failed, vanished, or could not be opened; the reader keeps
	// trying to reopen it. Event.Detail says why.
	EventDisconnected EventKind = 2
	// EventReconnected: the port is open again after EventDisconnected.
	EventReconnected EventKind = 3
	// EventDropped: bytes were discarded (an over-long frame, a partial frame after the
	// inter-byte timeout or a port failure, a frame with no code in it). Event.Detail says
	// which and how many bytes; the customer should scan again.
	EventDropped EventKind = 4
)

var eventKindNames = [...]string{EventNone: "none", EventScan: "scan", EventDisconnected: "disconnected",
	EventReconnected: "reconnected", EventDropped: "dropped"}

func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// Source says where a scan came from.
type Source int

const (
	// SourceSerial: read from the serial port.
	SourceSerial Source = 1
	// SourceSubmitted: handed in by the till (a keyboard-wedge scanner, typed by the cashier).
	SourceSubmitted Source = 2
)

// Event is one thing a scanner reports.
type Event struct {
	Kind EventKind
	// Seq numbers the events of one Queue 1, 2, 3 … in the order they were queued. A gap means
	// events were discarded because nobody took them and the queue was full.
	Seq uint64
	// Source is where the event came from.
	Source Source
	// Time is when the event happened: for a serial scan, when the read that completed the
	// frame returned.
	Time time.Time
	// Scan is the code (EventScan only).
	Scan Scan
	// Detail explains EventDisconnected and EventDropped in words; it never holds a code's
	// content.
	Detail string
}

// String is safe to log.
func (e Event) String() string {
	if e.Kind == EventScan {
		return fmt.Sprintf("#%d scan %s", e.Seq, e.Scan)
	}
	if e.Detail != "" {
		return fmt.Sprintf("#%d %s: %s", e.Seq, e.Kind, e.Detail)
	}
	return fmt.Sprintf("#%d %s", e.Seq, e.Kind)
}
