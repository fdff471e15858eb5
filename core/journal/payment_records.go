package journal

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The payment records (payment_record.go) and their indexes. Keys of a record are
// reference NUL msn; the indexes hold index-value NUL reference NUL msn with no value.
var (
	bucketPayments        = []byte("payments")
	bucketPayByReceipt    = []byte("payments_by_receipt")
	bucketPayByOpID       = []byte("payments_by_operation_id")
	bucketPayByCreated    = []byte("payments_by_created")
	bucketPayByDay        = []byte("payments_by_day")
	bucketPayUncaptured   = []byte("payments_uncaptured")
	bucketPaymentsOutbox  = []byte("payments_outbox")
	paymentRecordBuckets  = [][]byte{bucketPayments, bucketPayByReceipt, bucketPayByOpID, bucketPayByCreated, bucketPayByDay, bucketPayUncaptured, bucketPaymentsOutbox, bucketPayHourTotals}
	dayLayout             = "2006-01-02"
	createdIndexKeyPrefix = 8 // big-endian Unix nanoseconds
)

func recordKey(reference, msn string) []byte { return []byte(reference + "\x00" + msn) }

func indexKey(value string, rk []byte) []byte {
	k := make([]byte, 0, len(value)+1+len(rk))
	return append(append(append(k, value...), 0), rk...)
}

func createdKey(t time.Time, rk []byte) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, createdIndexKeyPrefix+len(rk)), uint64(t.UnixNano()))
	return append(k, rk...)
}

// ensurePaymentBuckets adds the payment records' buckets to a journal written before they
// existed. Its payments are recorded from the entries it still has.
func (j *Journal) ensurePaymentBuckets(tx *wtx) error {
	existed := tx.Bucket(bucketPayments) != nil
	for _, b := range paymentRecordBuckets {
		if _, err := tx.createBucketIfNotExists(b); err != nil {
			return err
		}
	}
	if existed {
		return nil
	}
	var entries []*Entry
	err := tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
		e, err := DecodeEntry(v)
		if err == nil {
			entries = append(entries, e)
		}
		return err
	})
	if err != nil {
		return err
	}
	sortByCreated(entries)
	for _, e := range entries {
		if err := j.recordEntry(tx, e, e.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

// recordEntry takes an entry written in tx into its payment's record (record_changes.go: the
// record is written when the transaction's writes have all run).
func (j *Journal) recordEntry(tx *wtx, e *Entry, now time.Time) error {
	return j.changeRecord(tx, recordKey(e.Reference, e.MSN), now, func(r *PaymentRecord) *PaymentRecord {
		if r == nil {
			r = &PaymentRecord{MSN: e.MSN, Reference: e.Reference, CreatedAt: e.CreatedAt, Operations: []RecordOperation{}}
		}
		r.applyEntry(e)
		return r
	})
}

func readRecord(tx *bolt.Tx, rk []byte) (*PaymentRecord, error) {
	v := tx.Bucket(bucketPayments).Get(rk)
	if v == nil {
		return nil, nil
	}
	return DecodePaymentRecord(v)
}

// putRecord writes r and its indexes and totals. old is r as the file has it (nil: a new
// record); days are the days r changed on since (each gets its day index key). Index keys old
// already has are not looked for again: the file has them (pruneRecords deletes a record's keys
// with it, and day keys only of days before the retention's cutoff, never that of a kept
// record's last change).
func (j *Journal) putRecord(tx *wtx, rk []byte, r, old *PaymentRecord, now time.Time, days []string) error {
	r.Rev++
	r.UpdatedAt = now
	data, err := r.encode()
	if err != nil {
		return err
	}
	if err := tx.put(bucketPayments, rk, data); err != nil {
		return err
	}
	j.records.wrote(rk, data, r)
	type indexPut struct{ bucket, key []byte }
	var puts []indexPut
	isNew := old == nil || old.UpdatedAt.IsZero() || old.Rev == 0
	oldDay := ""
	if isNew {
		puts = append(puts, indexPut{bucketPayByCreated, createdKey(r.CreatedAt, rk)})
		days = append(days, r.CreatedAt.UTC().Format(dayLayout))
	} else {
		oldDay = old.UpdatedAt.UTC().Format(dayLayout)
	}
	for _, day := range days {
		if day != oldDay {
			puts = append(puts, indexPut{bucketPayByDay, indexKey(day, rk)})
		}
	}
	if r.ReceiptNumber != "" && (isNew || old.ReceiptNumber != r.ReceiptNumber) {
		puts = append(puts, indexPut{bucketPayByReceipt, indexKey(r.ReceiptNumber, rk)})
	}
	for _, op := range r.Operations {
		if op.OperationID != "" && (isNew || !old.hasOperationID(op.OperationID)) {
			puts = append(puts, indexPut{bucketPayByOpID, indexKey(op.OperationID, rk)})
		}
	}
	for _, p := range puts {
		if err := putIndex(tx, p.bucket, p.key, old == nil); err != nil {
			return err
		}
	}
	if err := addTotals(tx, old, r); err != nil {
		return err
	}
	switch uncaptured := r.Uncaptured(); {
	case !isNew && uncaptured == old.Uncaptured():
		// the index has it as it is
	case uncaptured:
		err = putIndex(tx, bucketPayUncaptured, rk, old == nil)
	default:
		err = tx.del(bucketPayUncaptured, rk)
	}
	if err != nil {
		return err
	}
	if j.opts.Outbox {
		seq, err := tx.nextSequence(bucketPaymentsOutbox)
		if err != nil {
			return err
		}
		return tx.put(bucketPaymentsOutbox, binary.BigEndian.AppendUint64(nil, seq), outboxValue(now, rk))
	}
	return nil
}

// hasOperationID reports whether one of r's operations has the till's operation id id.
func (r *PaymentRecord) hasOperationID(id string) bool {
	for _, op := range r.Operations {
		if op.OperationID == id {
			return true
		}
	}
	return false
}

// putIndex writes an index key (no value) that is not there yet. A Put of a key that is
// already there still rewrites its page, and each write of a payment (four or more in a
// lifecycle) would rewrite its index pages again. fresh: the key's record is not in the file,
// so the key is almost surely not there either and is not looked for first (a Put of a key
// that is there changes nothing but its page's write).
func putIndex(tx *wtx, bucket, key []byte, fresh bool) error {
	if !fresh {
		if k, _ := tx.Bucket(bucket).Cursor().Seek(key); bytes.Equal(k, key) { // Get can't tell an empty value from none
			return nil
		}
	}
	return tx.put(bucket, key, nil)
}

// PaymentRecord reads the record of one payment; nil when there is none.
func (j *Journal) PaymentRecord(reference, msn string) (*PaymentRecord, error) {
	var r *PaymentRecord
	err := j.view(func(tx *bolt.Tx) (err error) {
		r, err = readRecord(tx, recordKey(reference, msn))
		return err
	})
	return r, err
}

// PaymentsByReference lists the records of a reference (one per sales unit that has it).
func (j *Journal) PaymentsByReference(reference string) ([]*PaymentRecord, error) {
	return j.recordsWithPrefix(bucketPayments, []byte(reference+"\x00"), false)
}

// PaymentsByReceipt lists the records whose receipt number is receipt.
func (j *Journal) PaymentsByReceipt(receipt string) ([]*PaymentRecord, error) {
	return j.recordsWithPrefix(bucketPayByReceipt, []byte(receipt+"\x00"), true)
}

// PaymentsByOperationID lists the records with an operation of the till's id.
func (j *Journal) PaymentsByOperationID(id string) ([]*PaymentRecord, error) {
	return j.recordsWithPrefix(bucketPayByOpID, []byte(id+"\x00"), true)
}

func (j *Journal) recordsWithPrefix(bucket, prefix []byte, index bool) ([]*PaymentRecord, error) {
	var list []*PaymentRecord
	err := j.view(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketPayments)
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if index {
				if v = records.Get(k[len(prefix):]); v == nil {
					continue // pruned
				}
			}
			r, err := DecodePaymentRecord(v)
			if err != nil {
				return err
			}
			list = append(list, r)
		}
		return nil
	})
	return list, err
}

// PaymentsCreated calls fn with each record created in [from, to), newest first, until fn
// returns false.
func (j *Journal) PaymentsCreated(from, to time.Time, fn func(*PaymentRecord) bool) error {
	return j.view(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketPayments)
		c := tx.Bucket(bucketPayByCreated).Cursor()
		lo, hi := uint64(from.UnixNano()), uint64(to.UnixNano())
		k, _ := c.Seek(binary.BigEndian.AppendUint64(nil, hi))
		if k == nil {
			k, _ = c.Last()
		}
		for ; k != nil; k, _ = c.Prev() {
			at := binary.BigEndian.Uint64(k[:createdIndexKeyPrefix])
			if at >= hi {
				continue
			}
			if at < lo {
				return nil
			}
			v := records.Get(k[createdIndexKeyPrefix:])
			if v == nil {
				continue
			}
			r, err := DecodePaymentRecord(v)
			if err != nil {
				return err
			}
			if !fn(r) {
				return nil
			}
		}
		return nil
	})
}

// PaymentsChanged calls fn once with each record created or changed on a UTC day that
// [from, to) touches (a superset: fn checks the times it needs).
func (j *Journal) PaymentsChanged(from, to time.Time, fn func(*PaymentRecord)) error {
	return j.view(func(tx *bolt.Tx) error {
		records, days := tx.Bucket(bucketPayments), tx.Bucket(bucketPayByDay).Cursor()
		seen := map[string]bool{}
		last := to.UTC().Format(dayLayout)
		first := from.UTC().Format(dayLayout)
		for k, _ := days.Seek([]byte(first)); k != nil && string(k[:len(dayLayout)]) <= last; k, _ = days.Next() {
			rk := k[len(dayLayout)+1:]
			if seen[string(rk)] {
				continue
			}
			seen[string(rk)] = true
			v := records.Get(rk)
			if v == nil {
				continue
			}
			r, err := DecodePaymentRecord(v)
			if err != nil {
				return err
			}
			fn(r)
		}
		return nil
	})
}

// UncapturedPayments lists the payments this till created that may still hold the customer's
// money and that it has not finished (PaymentRecord.Uncaptured), oldest first.
func (j *Journal) UncapturedPayments() ([]*PaymentRecord, error) {
	// The notes first: a commit that lands while the records are read writes its notes and
	// then forgets them, and a note read after the records could be gone while the record read
	// before it was not written yet. Taken before, a note forgotten since is in what is read.
	notes := j.notesNow()
	var list []*PaymentRecord
	err := j.view(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketPayments)
		return tx.Bucket(bucketPayUncaptured).ForEach(func(k, _ []byte) error {
			v := records.Get(k)
			if v == nil {
				return nil
			}
			r, err := DecodePaymentRecord(v)
			if err == nil {
				list = append(list, r)
			}
			return err
		})
	})
	// What status reads told since the last commit counts already (payment_notes.go).
	list = slices.DeleteFunc(list, func(r *PaymentRecord) bool {
		if p, ok := notes[string(recordKey(r.Reference, r.MSN))]; ok {
			r.mergePayment(p)
		}
		return !r.Uncaptured()
	})
	sortRecordsByCreated(list)
	return list, err
}

// AcknowledgePayment records that the host knows the payments of reference are left
// uncaptured: vmp_pending no longer lists them. It returns how many it acknowledged.
func (j *Journal) AcknowledgePayment(reference string) (int, error) {
	n := 0
	err := j.update(func(tx *wtx) error {
		n = 0
		now := j.opts.Now().UTC()
		if err := j.flushRecords(tx); err != nil { // the uncaptured index as the transaction has it
			return err
		}
		prefix := []byte(reference + "\x00")
		c := tx.Bucket(bucketPayUncaptured).Cursor()
		var keys [][]byte
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, rk := range keys {
			err := j.changeRecord(tx, rk, now, func(r *PaymentRecord) *PaymentRecord {
				if r != nil {
					r.Acknowledged = true
				}
				return r
			})
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// prunePaymentRecords deletes the records unchanged since cutoff that the till need not still
// finish, with their index keys.
func pruneRecords(tx *wtx, cutoff time.Time) error {
	records := tx.Bucket(bucketPayments)
	if records == nil {
		return nil
	}
	type doomed struct {
		rk []byte
		r  *PaymentRecord
	}
	var list []doomed
	cut := []byte(cutoff.UTC().Format(dayLayout))
	// The day key of a kept record's last change stays: putRecord counts on it (a change on
	// that day again, after a clock that ran ahead was set right, writes no day key).
	lastDays := map[string]bool{}
	err := records.ForEach(func(k, v []byte) error {
		r, err := DecodePaymentRecord(v)
		if err != nil {
			return err
		}
		switch day := r.UpdatedAt.UTC().Format(dayLayout); {
		case r.UpdatedAt.Before(cutoff) && !r.Uncaptured():
			list = append(list, doomed{append([]byte(nil), k...), r})
		case day < string(cut):
			lastDays[string(indexKey(day, k))] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range list {
		dels := []struct{ bucket, key []byte }{{bucketPayments, d.rk}, {bucketPayByCreated, createdKey(d.r.CreatedAt, d.rk)}}
		if d.r.ReceiptNumber != "" {
			dels = append(dels, struct{ bucket, key []byte }{bucketPayByReceipt, indexKey(d.r.ReceiptNumber, d.rk)})
		}
		for _, op := range d.r.Operations {
			if op.OperationID != "" {
				dels = append(dels, struct{ bucket, key []byte }{bucketPayByOpID, indexKey(op.OperationID, d.rk)})
			}
		}
		for _, del := range dels {
			if err := tx.del(del.bucket, del.key); err != nil {
				return err
			}
		}
	}
	if err := pruneHourTotals(tx, cutoff); err != nil {
		return err
	}
	// Day keys before the cutoff's day name records pruned or kept only as uncaptured (but for
	// the day the kept ones last changed on).
	days := tx.Bucket(bucketPayByDay).Cursor()
	var old [][]byte
	for k, _ := days.First(); k != nil && bytes.Compare(k[:len(dayLayout)], cut) < 0; k, _ = days.Next() {
		if !lastDays[string(k)] {
			old = append(old, append([]byte(nil), k...))
		}
	}
	for _, k := range old {
		if err := tx.del(bucketPayByDay, k); err != nil {
			return err
		}
	}
	return nil
}
