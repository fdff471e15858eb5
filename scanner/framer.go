package scanner

import "time"

// DropReason says why the framer discarded bytes.
type DropReason int

const (
	// DropNone: the piece is a frame.
	DropNone DropReason = iota
	// DropTooLong: a frame grew past MaxFrameLength; it was discarded up to the next
	// terminator or inter-byte timeout.
	DropTooLong
	// DropPartial: a frame did not end within the inter-byte timeout (and FlushPartial is
	// off), or the port failed in the middle of it.
	DropPartial
)

// Piece is what the framer cuts from the stream: a frame, or a report of dropped bytes.
type Piece struct {
	// Frame is the frame without its terminator, never empty when Drop is DropNone. It is
	// only valid during the emit call that delivers it.
	Frame []byte
	// Drop is DropNone for a frame.
	Drop DropReason
	// Dropped is how many bytes were discarded (terminators not counted).
	Dropped int
}

// Framer cuts a byte stream into frames. It keeps no reference to the slices it is fed; it is
// not safe for concurrent use.
type Framer struct {
	isTerm       [256]bool
	max          int
	interByte    time.Duration
	flushPartial bool

	buf      []byte
	skipping int       // > 0 while an over-long frame is being discarded: its bytes so far
	last     time.Time // when the last byte of the pending frame (or skipped run) arrived
}

// NewFramer returns a framer for f, which must be normalized (Framing.Normalize).
func NewFramer(f Framing) *Framer {
	fr := &Framer{max: f.MaxFrameLength, interByte: f.InterByteTimeout, flushPartial: f.FlushPartial,
		buf: make([]byte, 0, min(f.MaxFrameLength, 512))}
	for i := 0; i < len(f.Terminators); i++ {
		fr.isTerm[f.Terminators[i]] = true
	}
	return fr
}

// Feed takes the bytes of one read, which arrived at now, and emits every piece they
// complete, in stream order.
func (f *Framer) Feed(p []byte, now time.Time, emit func(Piece)) {
	if len(p) == 0 {
		return
	}
	for _, b := range p {
		if f.isTerm[b] {
			f.end(emit)
			continue
		}
		if f.skipping > 0 {
			f.skipping++
			continue
		}
		if len(f.buf) == f.max {
			f.skipping = len(f.buf) + 1
			f.buf = f.buf[:0]
			continue
		}
		f.buf = append(f.buf, b)
	}
	f.last = now
}

// end closes the pending frame at a terminator.
func (f *Framer) end(emit func(Piece)) {
	switch {
	case f.skipping > 0:
		emit(Piece{Drop: DropTooLong, Dropped: f.skipping})
		f.skipping = 0
	case len(f.buf) > 0:
		emit(Piece{Frame: f.buf})
		f.buf = f.buf[:0]
	}
}

// Idle is called when a read returned no data at now. A frame pending for at least the
// inter-byte timeout ends: an over-long one is reported dropped, a partial one is delivered
// (FlushPartial) or reported dropped.
func (f *Framer) Idle(now time.Time, emit func(Piece)) {
	if !f.Pending() || now.Sub(f.last) < f.interByte {
		return
	}
	switch {
	case f.skipping > 0:
		emit(Piece{Drop: DropTooLong, Dropped: f.skipping})
		f.skipping = 0
	case f.flushPartial:
		emit(Piece{Frame: f.buf})
		f.buf = f.buf[:0]
	default:
		emit(Piece{Drop: DropPartial, Dropped: len(f.buf)})
		f.buf = f.buf[:0]
	}
}

// Reset discards a pending frame (the port failed); it reports what it discards, because the
// code the customer just scanned did not arrive.
func (f *Framer) Reset(emit func(Piece)) {
	switch {
	case f.skipping > 0:
		emit(Piece{Drop: DropTooLong, Dropped: f.skipping})
	case len(f.buf) > 0:
		emit(Piece{Drop: DropPartial, Dropped: len(f.buf)})
	}
	f.skipping = 0
	f.buf = f.buf[:0]
}

// Pending reports whether a frame has begun and not ended.
func (f *Framer) Pending() bool { return len(f.buf) > 0 || f.skipping > 0 }
