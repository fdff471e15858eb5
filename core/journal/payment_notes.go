package journal

import (
	"maps"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What a status read or a webhook event tells of a payment (it became AUTHORIZED, say) is no
// operation of the till's: it is noted in memory and written with the journal's next commit,
// whatever that commit is for, so it costs no fdatasync of its own on a payment's path. A note
// that no commit carried within noteFlushDelay is written by a commit of its own (a payment
// the till never touches again); Close writes what is left. A note lost in a crash leaves the
// record as it was, CREATED say, which vmp_pending still lists and vmp_recover reads again.
const noteFlushDelay = 5 * time.Second

type paymentNotes struct {
	mu      sync.Mutex
	pending map[string]ObservedPayment // by record key
	timer   *time.Timer
	closed  bool
	flushes sync.WaitGroup
}

// NotePayment notes a view of the payment of msn and reference; it is written with the next
// commit into the payment's record, if the journal has one. Quick; never waits for the disk.
func (j *Journal) NotePayment(msn, reference string, p ObservedPayment) {
	n := &j.notes
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if n.pending == nil {
		n.pending = map[string]ObservedPayment{}
	}
	k := string(recordKey(reference, msn))
	if old, ok := n.pending[k]; ok {
		r := PaymentRecord{State: old.State, Currency: old.Currency, Amount: old.Amount, Authorized: old.Authorized,
			Captured: old.Captured, Refunded: old.Refunded, Cancelled: old.Cancelled, PSPReference: old.PSPReference}
		r.mergePayment(p)
		p = ObservedPayment{State: r.State, Currency: r.Currency, Amount: r.Amount, Authorized: r.Authorized,
			Captured: r.Captured, Refunded: r.Refunded, Cancelled: r.Cancelled, PSPReference: r.PSPReference}
	}
	n.pending[k] = p
	if n.timer == nil {
		n.flushes.Add(1)
		n.timer = time.AfterFunc(noteFlushDelay, func() {
			defer n.flushes.Done()
			j.flushNotes()
		})
	}
}

// notesNow is a copy of the notes no commit has written yet, by record key.
func (j *Journal) notesNow() map[string]ObservedPayment {
	j.notes.mu.Lock()
	defer j.notes.mu.Unlock()
	return maps.Clone(j.notes.pending)
}

// notesPending reports whether a note waits for a commit.
func (j *Journal) notesPending() bool {
	j.notes.mu.Lock()
	defer j.notes.mu.Unlock()
	return len(j.notes.pending) > 0
}

// flushNotes commits the notes no other commit carried, when one of them tells a record
// something new (most repeat what the operation's own entry wrote: they are dropped).
func (j *Journal) flushNotes() {
	n := &j.notes
	n.mu.Lock()
	n.timer = nil
	taken := make(map[string]ObservedPayment, len(n.pending))
	for k, p := range n.pending {
		taken[k] = p
	}
	n.mu.Unlock()
	if len(taken) == 0 {
		return
	}
	news := false
	stale := map[string]ObservedPayment{}
	_ = j.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketPayments) == nil {
			return nil
		}
		for k, p := range taken {
			r, err := readRecord(tx, []byte(k))
			if err == nil && r != nil && r.mergePayment(p) {
				news = true
			} else {
				stale[k] = p
			}
		}
		return nil
	})
	j.forgetNotes(stale)
	if news {
		_ = j.update(func(*wtx) error { return nil }) // commitTx writes the notes
	}
}

// applyNotes writes the pending notes into their records in tx and returns what it wrote, to
// be forgotten once the commit is on disk (forgetNotes).
func (j *Journal) applyNotes(tx *wtx) map[string]ObservedPayment {
	n := &j.notes
	n.mu.Lock()
	if len(n.pending) == 0 {
		n.mu.Unlock()
		return nil
	}
	taken := make(map[string]ObservedPayment, len(n.pending))
	for k, p := range n.pending {
		taken[k] = p
	}
	n.mu.Unlock()
	if tx.Bucket(bucketPayments) == nil {
		return taken
	}
	now := j.opts.Now().UTC()
	for k, p := range taken {
		_ = j.changeRecord(tx, []byte(k), now, func(r *PaymentRecord) *PaymentRecord {
			if r == nil || !r.mergePayment(p) {
				return nil // no record of the payment here: nothing to keep current
			}
			return r
		})
	}
	return taken
}

// forgetNotes drops the notes a commit wrote, keeping those that changed since.
func (j *Journal) forgetNotes(written map[string]ObservedPayment) {
	if len(written) == 0 {
		return
	}
	n := &j.notes
	n.mu.Lock()
	for k, p := range written {
		if n.pending[k] == p {
			delete(n.pending, k)
		}
	}
	n.mu.Unlock()
}

// closeNotes writes what is left and stops the flush timer; called by Close.
func (j *Journal) closeNotes() {
	n := &j.notes
	n.mu.Lock()
	n.closed = true
	if n.timer != nil && n.timer.Stop() {
		n.timer = nil
		n.flushes.Done()
	}
	left := len(n.pending) > 0
	n.mu.Unlock()
	n.flushes.Wait()
	if left || j.outboxDeletesPending() {
		_ = j.update(func(*wtx) error { return nil })
	}
}

func sortByCreated(list []*Entry) {
	slices.SortStableFunc(list, func(a, b *Entry) int { return a.CreatedAt.Compare(b.CreatedAt) })
}

func sortRecordsByCreated(list []*PaymentRecord) {
	slices.SortStableFunc(list, func(a, b *PaymentRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
