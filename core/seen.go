package core

import (
	"context"
	"sync"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/internal/payments"
)

// What the till has seen (internal/payments/seen.go says when an outcome counts as seen): the
// client's seen log, written to the journal with its entries.

// Delivery tells whether the outcome a call returned has reached the caller (internal/payments).
type Delivery = payments.Delivery

// OrderedDelivery is a Delivery that also knows whether its call was made before another
// call's result reached the caller (internal/payments).
type OrderedDelivery = payments.OrderedDelivery

// WithDelivery makes the money-moving calls made with ctx wait for d before they record their
// outcome as seen by the till.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return payments.WithDelivery(ctx, d)
}

// DeliveryOf is the Delivery WithDelivery gave ctx, nil when none.
func DeliveryOf(ctx context.Context) Delivery { return payments.DeliveryOf(ctx) }

// putEntry writes e, with the outcomes that are ripe to be recorded as seen. When the write
// fails, memory keeps e's state (entry reads e, flushSeen retries the write) and the error is
// returned.
func (c *Client) putEntry(e *journal.Entry) error {
	acks := c.seen.Ripe()
	err := journalWriteFault(e)
	if err == nil {
		err = c.journal.Put(e, acks...)
	}
	if err != nil {
		c.seen.KeepUnsaved(e)
		return err
	}
	c.seen.Written(acks, now())
	c.seen.Saved(e.ID)
	c.scheduleSeenFlush()
	return nil
}

// putEntrySoon queues e for the next journal commit without waiting for the disk: for an
// outcome, never for an entry whose request is yet to leave (journal.PutSoon says why that is
// safe). Memory keeps the queued state until the commit has it, and a failed commit is
// written again like any failed write. The error is only a write that could not be queued.
func (c *Client) putEntrySoon(e *journal.Entry) error {
	if err := journalWriteFault(e); err != nil {
		c.seen.KeepUnsaved(e)
		c.scheduleSeenFlush()
		return err
	}
	// seen.Writing must follow PutSoon's return (queued is made there) but precede the
	// commit's answer: the answer waits for this lock.
	var queuedMu sync.Mutex
	queuedMu.Lock()
	var queued *journal.Entry
	queued, err := c.journal.PutSoon(e, func(err error) {
		queuedMu.Lock()
		defer queuedMu.Unlock()
		if err != nil {
			c.seen.CommitFailed(queued)
			c.log(LogError, "journal", "writing the outcome of "+queued.Operation+" of "+queued.Reference+" failed; kept in memory and tried again: "+err.Error())
			c.scheduleSeenFlush()
			return
		}
		c.seen.Committed(queued)
	})
	if err != nil {
		queuedMu.Unlock()
		c.seen.KeepUnsaved(e)
		c.scheduleSeenFlush()
		return err
	}
	c.seen.Writing(queued)
	queuedMu.Unlock()
	return nil
}

// journalWriteFault lets a test make one journal write fail (a full disk, say); nil error in
// normal use.
var journalWriteFault = func(*journal.Entry) error { return nil }

// entry reads an entry, preferring the state memory holds when the journal failed to record it.
func (c *Client) entry(id string) (*journal.Entry, error) {
	if e := c.seen.UnsavedEntry(id); e != nil {
		return e, nil
	}
	return c.journal.Get(id)
}

// outcomeReturned marks an entry's definite outcome as returned to the till by the call whose
// context is ctx (see payments.SeenFlushDelay); byRepeat: that call repeated the entry's operation.
func (c *Client) outcomeReturned(ctx context.Context, e *journal.Entry, byRepeat bool) {
	if e == nil || e.State == journal.StateOpen {
		return
	}
	c.seen.MarkReturned(e.ID, payments.Returned{At: now(), Delivery: DeliveryOf(ctx), ByRepeat: byRepeat, Intent: e.Intent})
	c.scheduleSeenFlush()
}

// scheduleSeenFlush makes sure a flush runs soon while returned outcomes are not written as
// seen. It polls for deliveries, each time a little later, up to once a second.
func (c *Client) scheduleSeenFlush() {
	if c.seen.StartFlush() {
		c.armSeenFlush(payments.SeenFlushDelay)
	}
}

func (c *Client) armSeenFlush(delay time.Duration) {
	time.AfterFunc(delay, func() {
		_, leave, err := c.enter(c.closingCtx)
		if err != nil {
			c.seen.FlushEnded(false)
			return // closing: Close flushes
		}
		defer leave()
		c.flushSeen()
		if c.seen.FlushEnded(true) {
			c.armSeenFlush(min(2*delay, time.Second))
		}
	})
}

// flushSeen writes the returned outcomes that have reached the till as seen, and retries
// failed writes.
func (c *Client) flushSeen() {
	for _, e := range c.seen.UnsavedEntries() {
		unlock := c.intents.Lock(lockOf(e)) // a call may be writing a newer state of it
		if still := c.seen.UnsavedEntry(e.ID); still != nil {
			if err := c.journal.Put(still); err == nil {
				c.seen.Saved(e.ID)
			}
		}
		unlock()
	}
	acks := c.seen.Ripe()
	if len(acks) == 0 {
		return
	}
	if err := c.journal.AcknowledgeAll(acks); err != nil {
		c.log(LogWarn, "journal", "recording outcomes the till has seen failed; trying again later: "+err.Error())
		return
	}
	c.seen.Written(acks, now())
}
