package journal

import (
	"bytes"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// A payment's record is read and written again at each of its writes (four or more in a
// lifecycle, and by status reads), inside the commit, the journal's one serial section; decoding
// its JSON there was a third of the record's cost. recordCache keeps the records the write
// transactions wrote, with the bytes they wrote: a read inside a write transaction that finds
// exactly those bytes in the file takes a copy of the kept record instead of decoding them. A
// transaction that was rolled back leaves its bytes out of the file, so its records are never
// taken: the check is the bytes, not who wrote them. Only write transactions use it
// (Journal.writeMu makes them one at a time).
type recordCache struct {
	kept map[string]keptRecord
}

type keptRecord struct {
	data []byte
	r    *PaymentRecord // never changed once kept: whoever changes a record changes a clone
}

// recordCacheSize bounds the records kept (about 1 KiB each): far more than the payments in
// flight at once; when full it starts again empty.
const recordCacheSize = 1024

// read is the record at rk in the write transaction tx; nil when there is none. It may be the
// kept record itself: the caller must not change it (changeRecord changes a clone).
func (c *recordCache) read(tx *bolt.Tx, rk []byte) (*PaymentRecord, error) {
	v := tx.Bucket(bucketPayments).Get(rk)
	if v == nil {
		return nil, nil
	}
	if k, ok := c.kept[string(rk)]; ok && bytes.Equal(k.data, v) {
		return k.r, nil
	}
	return DecodePaymentRecord(v)
}

// wrote keeps r, just written at rk as data (neither of which may change after).
func (c *recordCache) wrote(rk, data []byte, r *PaymentRecord) {
	if c.kept == nil || len(c.kept) >= recordCacheSize {
		c.kept = make(map[string]keptRecord, 256)
	}
	c.kept[string(rk)] = keptRecord{data: data, r: r}
}

// clone is a copy of r that shares nothing it could change.
func (r *PaymentRecord) clone() *PaymentRecord {
	c := *r
	c.Operations = slices.Clone(r.Operations) // keeps an empty list empty, not null
	return &c
}
