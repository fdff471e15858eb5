package journal

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The day's totals (vmp_payment_totals) are kept as they happen, per hour, store and currency,
// so a day's totals read 24 small values instead of every payment of the day: a journal of
// 100 000 payments a day answers in well under a millisecond. putRecord adds each change's
// difference: an operation that became done counts in the hour it was carried out; a payment
// of the till's that became AUTHORIZED counts in the hour it was created.
var bucketPayHourTotals = []byte("payments_hour_totals")

const hourLayout = "2006-01-02T15"

// HourTotal is what moved in one hour at one store in one currency.
type HourTotal struct {
	Payments, Captures, Refunds, Cancels int64
	Captured, Refunded, Cancelled        int64
}

func (t *HourTotal) encode() []byte {
	b := make([]byte, 0, 56)
	for _, v := range []int64{t.Payments, t.Captures, t.Refunds, t.Cancels, t.Captured, t.Refunded, t.Cancelled} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func decodeHourTotal(b []byte) HourTotal {
	var v [7]int64
	for i := range v {
		if len(b) >= 8*(i+1) {
			v[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
		}
	}
	return HourTotal{v[0], v[1], v[2], v[3], v[4], v[5], v[6]}
}

func hourKey(at time.Time, msn, currency string) []byte {
	return []byte(at.UTC().Format(hourLayout) + "\x00" + msn + "\x00" + currency)
}

// addTotals adds what changed from old to r to the hour totals.
func addTotals(tx *wtx, old, r *PaymentRecord) error {
	b := tx.Bucket(bucketPayHourTotals)
	add := func(at time.Time, f func(*HourTotal)) error {
		k := hourKey(at, r.MSN, r.Currency)
		t := decodeHourTotal(b.Get(k))
		f(&t)
		return tx.put(bucketPayHourTotals, k, t.encode())
	}
	authorized := "AUTHORIZED"
	if r.Own && r.State == authorized && (old == nil || old.State != authorized || !old.Own) {
		if err := add(r.CreatedAt, func(t *HourTotal) { t.Payments++ }); err != nil {
			return err
		}
	}
	for _, op := range r.Operations {
		if op.State != StateDone || wasDone(old, op.Key) {
			continue
		}
		var err error
		switch op.Operation {
		case OpCapture:
			err = add(op.At, func(t *HourTotal) { t.Captures, t.Captured = t.Captures+1, t.Captured+op.Amount })
		case OpRefund:
			err = add(op.At, func(t *HourTotal) { t.Refunds, t.Refunded = t.Refunds+1, t.Refunded+op.Amount })
		case OpCancel:
			err = add(op.At, func(t *HourTotal) { t.Cancels, t.Cancelled = t.Cancels+1, t.Cancelled+op.Amount })
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func wasDone(old *PaymentRecord, key string) bool {
	if old == nil {
		return false
	}
	for _, op := range old.Operations {
		if op.Key == key {
			return op.State == StateDone
		}
	}
	return false
}

// HourTotals calls fn with each store's and currency's totals of the whole hours in [from, to);
// ok is false when the range does not start and end on whole hours (then the totals must be
// added up from the records).
func (j *Journal) HourTotals(from, to time.Time, fn func(msn, currency string, t HourTotal)) (ok bool, err error) {
	if !from.Equal(from.Truncate(time.Hour)) || !to.Equal(to.Truncate(time.Hour)) {
		return false, nil
	}
	first, last := []byte(from.UTC().Format(hourLayout)), []byte(to.UTC().Format(hourLayout))
	return true, j.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPayHourTotals)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(first); k != nil && bytes.Compare(k[:len(hourLayout)], last) < 0; k, v = c.Next() {
			parts := bytes.SplitN(k[len(hourLayout)+1:], []byte{0}, 2)
			if len(parts) == 2 {
				fn(string(parts[0]), string(parts[1]), decodeHourTotal(v))
			}
		}
		return nil
	})
}

// pruneHourTotals deletes the hours before the cutoff's day.
func pruneHourTotals(tx *wtx, cutoff time.Time) error {
	b := tx.Bucket(bucketPayHourTotals)
	if b == nil {
		return nil
	}
	cut := []byte(cutoff.UTC().Format(dayLayout))
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:len(dayLayout)], cut) < 0; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := tx.del(bucketPayHourTotals, k); err != nil {
			return err
		}
	}
	return nil
}
