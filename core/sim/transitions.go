package sim

import (
	"sync"
	"time"
)

// transitions makes a payment's scheduled transitions (the customer answering, the payment
// expiring) happen when they are due on the real clock, so that their webhooks go out without
// anyone reading the payment. The state machine stays lazy (settle applies whatever is due
// whenever a payment is touched, at the time it was due); the timers only touch it in time.
// With a FakeClock there are no timers: transitions, and their webhooks, happen when the
// payment is next read, modified or decided.
type transitions struct {
	mu     sync.Mutex
	timers map[*payment]*time.Timer
	closed bool
	wg     sync.WaitGroup
}

func newTransitions() *transitions {
	return &transitions{timers: map[*payment]*time.Timer{}}
}

// schedule arms a timer for p's next scheduled transition. Called with the server's lock held.
func (s *Server) schedule(p *payment) {
	if _, real := s.opts.Clock.(realClock); !real || p.state != StateCreated {
		return
	}
	due := p.expiresAt
	if p.behaviour.answers() && p.answerAt.Before(p.expiresAt) {
		due = p.answerAt // when it is due already, the timer fires at once, on its own goroutine
	}
	tr := s.transitions
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.closed {
		return
	}
	if old, ok := tr.timers[p]; ok && old.Stop() {
		tr.wg.Done()
	}
	tr.wg.Add(1)
	tr.timers[p] = time.AfterFunc(time.Until(due), func() { s.fire(p) })
}

// fire settles p at its due time and arms the timer for what comes next (expiry, for a
// customer who never answers).
func (s *Server) fire(p *payment) {
	tr := s.transitions
	defer tr.wg.Done()
	defer func() { _ = recover() }() // a timer must never take the host process down
	s.mu.Lock()
	defer s.mu.Unlock()
	tr.mu.Lock()
	closed := tr.closed
	delete(tr.timers, p)
	tr.mu.Unlock()
	if closed {
		return
	}
	p.settle(s.now())
	s.schedule(p)
}

// stop cancels every timer and waits for those already firing.
func (tr *transitions) stop() {
	tr.mu.Lock()
	tr.closed = true
	for p, t := range tr.timers {
		if t.Stop() {
			tr.wg.Done()
		}
		delete(tr.timers, p)
	}
	tr.mu.Unlock()
	tr.wg.Wait()
}
