package journal

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The changes a write makes to the file, noted as it makes them, so that the write-ahead log
// (wal.go) can carry them to the disk and Open can make them again after a crash. Every write
// of the journal changes the file through a wtx; a change made around it (a Put on a
// *bolt.Bucket taken from the transaction) would be in memory and not in the log, and lost
// with the process: the journal's tests check at every Close that the log makes exactly the
// file the writes made (VMP_JOURNAL_CHECK_REDO, redo_check.go).

// redoOp is one kind of change.
type redoOp byte

const (
	redoPut          redoOp = 1 // bucket, key, value
	redoDelete       redoOp = 2 // bucket, key
	redoSetSequence  redoOp = 3 // bucket, sequence
	redoCreateBucket redoOp = 4 // bucket (if it does not exist)
	redoDeleteBucket redoOp = 5 // bucket (if it exists)
)

// redoLog is the encoded changes of one group of writes: op, bucket name, then the op's
// fields, each byte string as a uvarint length and its bytes.
type redoLog struct{ buf []byte }

func (r *redoLog) appendBytes(b []byte) {
	r.buf = binary.AppendUvarint(r.buf, uint64(len(b)))
	r.buf = append(r.buf, b...)
}

// note appends one change and returns the copies of key and value it holds: bbolt keeps the
// slices given to Put until its transaction commits, and the journal's transaction outlives the
// call that wrote (wal.go), so what is put must not be the caller's to change.
func (r *redoLog) note(op redoOp, bucket, key, value []byte) (k, v []byte) {
	r.buf = append(r.buf, byte(op))
	r.appendBytes(bucket)
	if op == redoPut || op == redoDelete {
		r.appendBytes(key)
		k = r.buf[len(r.buf)-len(key) : len(r.buf) : len(r.buf)]
	}
	if op == redoPut {
		r.appendBytes(value)
		v = r.buf[len(r.buf)-len(value) : len(r.buf) : len(r.buf)]
	}
	return k, v
}

// wtx is a write transaction whose changes are noted in redo. It reads as a *bolt.Tx does; it
// must be changed only through its own methods.
type wtx struct {
	*bolt.Tx
	redo *redoLog
}

func (w *wtx) bucket(name []byte) (*bolt.Bucket, error) {
	b := w.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("journal bucket %q is missing", name)
	}
	return b, nil
}

// put is Bucket(bucket).Put(key, value), noted.
func (w *wtx) put(bucket, key, value []byte) error {
	b, err := w.bucket(bucket)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // bbolt stores an empty value for nil; the log says so alike
	}
	mark := len(w.redo.buf)
	k, v := w.redo.note(redoPut, bucket, key, value)
	if err := b.Put(k, v); err != nil {
		w.redo.buf = w.redo.buf[:mark]
		return err
	}
	return nil
}

// del is Bucket(bucket).Delete(key), noted.
func (w *wtx) del(bucket, key []byte) error {
	b, err := w.bucket(bucket)
	if err != nil {
		return err
	}
	if err := b.Delete(key); err != nil {
		return err
	}
	w.redo.note(redoDelete, bucket, key, nil)
	return nil
}

// nextSequence is Bucket(bucket).NextSequence(), noted as the sequence it sets.
func (w *wtx) nextSequence(bucket []byte) (uint64, error) {
	b, err := w.bucket(bucket)
	if err != nil {
		return 0, err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	w.redo.note(redoSetSequence, bucket, nil, nil)
	w.redo.buf = binary.AppendUvarint(w.redo.buf, seq)
	return seq, nil
}

// createBucketIfNotExists is tx.CreateBucketIfNotExists(name), noted.
func (w *wtx) createBucketIfNotExists(name []byte) (*bolt.Bucket, error) {
	b, err := w.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	w.redo.note(redoCreateBucket, name, nil, nil)
	return b, nil
}

// deleteBucket is tx.DeleteBucket(name) when it exists, noted.
func (w *wtx) deleteBucket(name []byte) error {
	if w.Bucket(name) == nil {
		return nil
	}
	if err := w.DeleteBucket(name); err != nil {
		return err
	}
	w.redo.note(redoDeleteBucket, name, nil, nil)
	return nil
}

var errRedoDamaged = errors.New("a write-ahead log record does not decode")

// applyRedo makes the changes of an encoded redo log in tx. The log's byte strings are copied
// (tx may outlive data). Making them twice leaves the file as making them once.
func applyRedo(tx *bolt.Tx, data []byte) error {
	data = append([]byte(nil), data...)
	next := func() ([]byte, bool) {
		n, w := binary.Uvarint(data)
		if w <= 0 || uint64(len(data)-w) < n {
			return nil, false
		}
		b := data[w : w+int(n) : w+int(n)]
		data = data[w+int(n):]
		return b, true
	}
	for len(data) > 0 {
		op := redoOp(data[0])
		data = data[1:]
		name, ok := next()
		if !ok {
			return errRedoDamaged
		}
		var err error
		switch op {
		case redoPut, redoDelete:
			key, ok := next()
			if !ok {
				return errRedoDamaged
			}
			b := tx.Bucket(name)
			if b == nil {
				return fmt.Errorf("%w: bucket %q is missing", errRedoDamaged, name)
			}
			if op == redoDelete {
				err = b.Delete(key)
				break
			}
			value, ok := next()
			if !ok {
				return errRedoDamaged
			}
			err = b.Put(key, value)
		case redoSetSequence:
			seq, w := binary.Uvarint(data)
			if w <= 0 {
				return errRedoDamaged
			}
			data = data[w:]
			b := tx.Bucket(name)
			if b == nil {
				return fmt.Errorf("%w: bucket %q is missing", errRedoDamaged, name)
			}
			err = b.SetSequence(seq)
		case redoCreateBucket:
			_, err = tx.CreateBucketIfNotExists(name)
		case redoDeleteBucket:
			if tx.Bucket(name) != nil {
				err = tx.DeleteBucket(name)
			}
		default:
			return fmt.Errorf("%w: unknown change %d", errRedoDamaged, op)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
