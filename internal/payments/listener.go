package payments

import "sync/atomic"

// Listener learns every newer view of a payment the engine keeps - each update of its
// tracker: a status read, a capture, refund or cancel answer, a webhook event - and when the
// engine forgets one (an idle tracker pruned, upkeep.go). The C ABI uses it to keep the copy
// from which vmp_poll_status with wait 0 answers without entering Go (capi/snapshot.go).
//
// The calls come with the payment's tracker locked, so they are in order for each payment; they
// must be quick and must not call the engine.
type Listener interface {
	PaymentKnown(unit, reference string, p Payment)
	PaymentForgotten(unit, reference string)
}

// Recorder learns every newer view of a payment, like a Listener, to keep the journal's record
// of the payment current (core/journal/payment_notes.go). msn is the payment's sales unit.
type Recorder interface {
	PaymentObserved(msn, reference string, p Payment)
}

// ListenerSlot holds a client's listener and recorder; the Trackers of its payments point to it.
type ListenerSlot struct {
	v        atomic.Pointer[Listener]
	recorder atomic.Pointer[Recorder]
}

// SetRecorder makes r the recorder (nil: none).
func (s *ListenerSlot) SetRecorder(r Recorder) {
	if r == nil {
		s.recorder.Store(nil)
		return
	}
	s.recorder.Store(&r)
}

// Set makes l the listener (nil: none).
func (s *ListenerSlot) Set(l Listener) {
	if l == nil {
		s.v.Store(nil)
		return
	}
	s.v.Store(&l)
}

func (s *ListenerSlot) known(t *Tracker) {
	if r := s.recorder.Load(); r != nil && t.api != nil {
		(*r).PaymentObserved(t.api.MSN(), t.reference, t.payment)
	}
	l := s.v.Load()
	switch {
	case l == nil || t.forgotten:
	case t.unsettled: // the till's next read settles a create: it must reach the engine
		(*l).PaymentForgotten(t.unit, t.reference)
	default:
		(*l).PaymentKnown(t.unit, t.reference, t.payment)
	}
}

func (s *ListenerSlot) forgotten(t *Tracker) {
	if l := s.v.Load(); l != nil {
		(*l).PaymentForgotten(t.unit, t.reference)
	}
}
