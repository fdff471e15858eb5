package journal

import (
	"encoding/binary"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The outbox of the chain ledger (internal/ledger). With Options.Outbox every change of a
// payment record adds a key to payments_outbox in the same transaction: sequence number ->
// the change's time and the record's key. The ledger publishes the records the outbox names,
// oldest first, and then calls OutboxPublished; the published keys are deleted by the
// journal's next commit, whatever it is for (so publishing costs no fdatasync of its own). A
// crash before that deletion publishes them again: the ledger's upsert makes that harmless.
// Nothing here ever waits on the ledger: a payment only adds a key.

type outboxState struct {
	mu        sync.Mutex
	published uint64 // every change up to this sequence number is in the ledger
	deleted   uint64 // and the keys up to this one are deleted from the file
	ready     chan struct{}
}

// OutboxItem is one change to publish: the record as it is now.
type OutboxItem struct {
	Seq    uint64
	At     time.Time // when the change was written
	Record *PaymentRecord
}

// OutboxReady is signalled after a commit that may have added changes to the outbox.
func (j *Journal) OutboxReady() <-chan struct{} {
	j.outbox.mu.Lock()
	defer j.outbox.mu.Unlock()
	if j.outbox.ready == nil {
		j.outbox.ready = make(chan struct{}, 1)
	}
	return j.outbox.ready
}

func (j *Journal) signalOutbox() {
	if !j.opts.Outbox {
		return
	}
	j.outbox.mu.Lock()
	if j.outbox.ready == nil {
		j.outbox.ready = make(chan struct{}, 1)
	}
	ready := j.outbox.ready
	j.outbox.mu.Unlock()
	select {
	case ready <- struct{}{}:
	default:
	}
}

// Outbox reads up to max changes not yet published, oldest first. Several changes of one
// record come as one item (its latest sequence number): the record as it is now covers them.
func (j *Journal) Outbox(max int) ([]OutboxItem, error) {
	j.outbox.mu.Lock()
	after := j.outbox.published
	j.outbox.mu.Unlock()
	var items []OutboxItem
	err := j.view(func(tx *bolt.Tx) error {
		out, records := tx.Bucket(bucketPaymentsOutbox), tx.Bucket(bucketPayments)
		if out == nil {
			return nil
		}
		at := map[string]int{}
		c := out.Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && len(items) < max; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			when := time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
			rk := string(v[8:])
			if i, ok := at[rk]; ok {
				items[i].Seq = seq
				continue
			}
			raw := records.Get(v[8:])
			if raw == nil {
				items = append(items, OutboxItem{Seq: seq, At: when}) // pruned since: nothing to publish
				at[rk] = len(items) - 1
				continue
			}
			r, err := DecodePaymentRecord(raw)
			if err != nil {
				return err
			}
			items = append(items, OutboxItem{Seq: seq, At: when, Record: r})
			at[rk] = len(items) - 1
		}
		return nil
	})
	// The items' sequence numbers must be published in order: the batch ends at the highest
	// one below which every change is in the batch.
	return items, err
}

// OutboxPublished records that every change up to seq is in the ledger.
func (j *Journal) OutboxPublished(seq uint64) {
	j.outbox.mu.Lock()
	if seq > j.outbox.published {
		j.outbox.published = seq
	}
	j.outbox.mu.Unlock()
}

// OutboxBacklog is how many changes are not yet published and when the oldest was written.
// The outcomes of operations already returned to the till count although they may still be
// queued for the disk (PutSoon), and so do the status reads' news not yet written (notes,
// payment_notes.go): they are committed first, so a till that waits for a backlog of 0 before
// it closes has everything it was told published.
func (j *Journal) OutboxBacklog() (n uint64, oldest time.Time, err error) {
	if err := j.commitQueued(true); err != nil {
		return 0, time.Time{}, err
	}
	j.outbox.mu.Lock()
	after := j.outbox.published
	j.outbox.mu.Unlock()
	err = j.view(func(tx *bolt.Tx) error {
		out := tx.Bucket(bucketPaymentsOutbox)
		if out == nil {
			return nil
		}
		k, v := out.Cursor().Seek(binary.BigEndian.AppendUint64(nil, after+1))
		if k == nil {
			return nil
		}
		n = out.Sequence() - binary.BigEndian.Uint64(k) + 1
		oldest = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
		return nil
	})
	return n, oldest, err
}

// deletePublished deletes in tx the outbox keys of published changes; the caller records the
// deletion once the commit is on disk (outboxDeleted).
func (j *Journal) deletePublished(tx *wtx) uint64 {
	j.outbox.mu.Lock()
	upTo, done := j.outbox.published, j.outbox.deleted
	j.outbox.mu.Unlock()
	out := tx.Bucket(bucketPaymentsOutbox)
	if upTo <= done || out == nil {
		return done
	}
	c := out.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= upTo; k, _ = c.First() {
		if err := tx.del(bucketPaymentsOutbox, append([]byte(nil), k...)); err != nil {
			return done
		}
	}
	return upTo
}

func (j *Journal) outboxDeleted(upTo uint64) {
	j.outbox.mu.Lock()
	if upTo > j.outbox.deleted {
		j.outbox.deleted = upTo
	}
	j.outbox.mu.Unlock()
}

// outboxDeletesPending says whether published keys wait for a commit to delete them.
func (j *Journal) outboxDeletesPending() bool {
	j.outbox.mu.Lock()
	defer j.outbox.mu.Unlock()
	return j.outbox.published > j.outbox.deleted
}

func outboxValue(now time.Time, rk []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(rk)), uint64(now.UnixNano())), rk...)
}
