package journal

import (
	"slices"
	"time"
)

// A group commit often holds several writes of one payment (an outcome and the next
// operation's entry, a status read's note): a fifth of a lifecycle's record writes at 64
// concurrent calls. Each write of a record re-encodes it, rewrites its page and seeks its index
// keys, inside the commit, the journal's one serial section. So a write transaction changes a
// payment's record in memory (recordChanges) and writes each changed record once, with its
// indexes and totals, when the transaction's writes have all run (flushRecords): the file holds
// the same records at each commit as when every change was written on its own.
type recordChanges struct {
	pending map[string]*changedRecord
	order   []string // the records in the order first changed: a flush writes them so
}

// changedRecord is a record changed in the write transaction and not yet written.
type changedRecord struct {
	r   *PaymentRecord // as it is now
	old *PaymentRecord // as the file has it (not to be changed: the record cache's); nil: none
	now time.Time      // when it last changed
	// days are the days (UTC) it changed on: each gets its day index key, as each change would.
	days []string
}

// resetRecordChanges drops what a write transaction changed and did not write (a transaction
// rolled back, or one that wrote all it changed). Every write transaction starts with it.
func (j *Journal) resetRecordChanges() {
	c := &j.changes
	clear(c.pending)
	c.order = c.order[:0]
}

// changeRecord changes the record at rk in the write transaction tx: change gets a copy of the
// record as it is now in tx (nil: none) to change and return, or returns nil when it has
// nothing to change. Nothing is written until flushRecords.
func (j *Journal) changeRecord(tx *wtx, rk []byte, now time.Time, change func(r *PaymentRecord) *PaymentRecord) error {
	c := &j.changes
	p := c.pending[string(rk)]
	var current *PaymentRecord // the record as it is now in tx; never changed in place
	if p != nil {
		current = p.r
	} else {
		old, err := j.records.read(tx.Tx, rk)
		if err != nil {
			return err
		}
		current = old
		p = &changedRecord{old: old}
	}
	var r *PaymentRecord
	if current != nil {
		r = change(current.clone())
	} else {
		r = change(nil)
	}
	if r == nil || (current != nil && r.sameAs(current)) {
		return nil // nothing new (an acknowledgement, say): no change to publish
	}
	p.r, p.now = r, now
	if day := now.UTC().Format(dayLayout); len(p.days) == 0 || p.days[len(p.days)-1] != day {
		p.days = append(p.days, day)
	}
	if _, ok := c.pending[string(rk)]; !ok {
		if c.pending == nil {
			c.pending = map[string]*changedRecord{}
		}
		c.pending[string(rk)] = p
		c.order = append(c.order, string(rk))
	}
	return nil
}

// flushRecords writes the records changed in tx since the last flush, each once. A transaction
// flushes before it reads the records or their indexes from the file itself, and last thing
// before its commit.
func (j *Journal) flushRecords(tx *wtx) error {
	c := &j.changes
	for _, k := range c.order {
		p := c.pending[k]
		if err := j.putRecord(tx, []byte(k), p.r, p.old, p.now, p.days); err != nil {
			return err
		}
	}
	j.resetRecordChanges()
	return nil
}

// sameAs reports whether r and o hold the same (reflect.DeepEqual, without its cost inside the
// commit). TestSameAsComparesEveryField fails when a field is added and not compared here.
func (r *PaymentRecord) sameAs(o *PaymentRecord) bool {
	return r.Version == o.Version && r.MSN == o.MSN && r.Reference == o.Reference &&
		r.SalesUnit == o.SalesUnit && r.State == o.State && r.Currency == o.Currency &&
		r.Amount == o.Amount && r.Authorized == o.Authorized && r.Captured == o.Captured &&
		r.Refunded == o.Refunded && r.Cancelled == o.Cancelled && r.PSPReference == o.PSPReference &&
		r.ReceiptNumber == o.ReceiptNumber && r.Phone == o.Phone && r.Own == o.Own &&
		(r.Operations == nil) == (o.Operations == nil) && slices.Equal(r.Operations, o.Operations) &&
		r.CreatedAt == o.CreatedAt && r.UpdatedAt == o.UpdatedAt && r.Acknowledged == o.Acknowledged &&
		r.Rev == o.Rev
}
