package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"

	bolt "go.etcd.io/bbolt"
)

// The write-ahead log. A bbolt commit writes every page a write touched, scattered over the
// file, and fdatasyncs twice; writes that each waited for one queued behind those syncs. Now a
// group of writes is made durable by one append to a log beside the journal and one fdatasync,
// and the B+tree takes the same changes in a transaction that stays open across groups and is
// committed now and then (a checkpoint, long_tx.go): its pages are then written once for many
// writes. A write is on disk once its group's record is; Open makes the changes of the records
// the file has not taken yet again (replayWAL), so a crash loses nothing that was answered.
//
// A record: payload length (uint32), CRC-32C of sequence and payload (uint32), sequence
// (uint64, one more than the record before), payload (the group's redo log, redo.go). After a
// checkpoint the next record is written from the start of the file again, over records the
// B+tree already holds: reading stops at the first record that is cut short, fails its CRC or
// does not follow the one before, and a record whose sequence the file has taken
// (keyWALApplied) is skipped.

const walHeader = 16

// walMaxRecord bounds a record's payload when read back: a length beyond it is damage.
const walMaxRecord = 1 << 30

var (
	// keyWALApplied (meta bucket) is the sequence of the last record the B+tree holds.
	keyWALApplied = []byte("wal-applied")
	// formatWAL marks a journal whose write-ahead log may hold writes the B+tree lacks: vmp
	// before it (which reads the B+tree alone) refuses it as a journal of a newer vmp. Close
	// puts formatValue back once the B+tree holds every write, so a journal closed cleanly
	// stays readable by them.
	formatWAL = []byte("vmp-journal-3")
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// walPath is the log's file beside the journal at path.
func walPath(path string) string { return path + ".wal" }

// walFile is the open log.
type walFile struct {
	f   *os.File
	off int64  // where the next record goes
	seq uint64 // the sequence of the last record written (or taken by the B+tree)
	buf []byte
	// afterSync, set by this package's tests only, may fail a record once it is synced, as
	// an fdatasync that fails after the data reached the disk (the tests' reach into bbolt's
	// page writer does the same to its commits).
	afterSync func() error
}

// injectedFailure is how a test makes a group's log record fail (FailCommits, build tag
// vmpfailpoints): as a full disk before the write, or as an fdatasync that fails after it.
type injectedFailure int

const (
	injectNone injectedFailure = iota
	injectBeforeWrite
	injectAfterWrite
)

// append writes one record of payload with the next sequence and makes it durable. written
// reports whether the record may be in the file (the write was made, the sync failed): what
// the caller read of the group then stands, as bbolt's own commit failing after its meta page.
func (w *walFile) append(payload []byte, fail injectedFailure) (written bool, err error) {
	if fail == injectBeforeWrite {
		return false, errInjected
	}
	seq := w.seq + 1
	rec := w.buf[:0]
	rec = binary.BigEndian.AppendUint32(rec, uint32(len(payload)))
	rec = binary.BigEndian.AppendUint32(rec, 0)
	rec = binary.BigEndian.AppendUint64(rec, seq)
	rec = append(rec, payload...)
	binary.BigEndian.PutUint32(rec[4:], crc32.Checksum(rec[8:], crcTable))
	w.buf = rec[:0]
	if cap(w.buf) > 1<<20 {
		w.buf = nil // one big group's buffer is not kept
	}
	if _, err := w.f.WriteAt(rec, w.off); err != nil {
		return true, fmt.Errorf("writing the journal's log: %w", err)
	}
	if err := syncData(w.f); err != nil {
		return true, fmt.Errorf("syncing the journal's log: %w", err)
	}
	if fail == injectAfterWrite {
		return true, errInjected
	}
	if w.afterSync != nil {
		if err := w.afterSync(); err != nil {
			return true, err
		}
	}
	w.off += int64(len(rec))
	w.seq = seq
	return true, nil
}

// walRecords reads the records of the log at path that follow one another from its start.
func walRecords(path string) (records [][]byte, first uint64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	var prev uint64
	for len(data) >= walHeader {
		n := binary.BigEndian.Uint32(data)
		sum := binary.BigEndian.Uint32(data[4:])
		seq := binary.BigEndian.Uint64(data[8:])
		if n > walMaxRecord || int64(len(data)-walHeader) < int64(n) {
			break // cut short: a group whose sync never ended, nobody was answered
		}
		if crc32.Checksum(data[8:walHeader+n], crcTable) != sum || (prev != 0 && seq != prev+1) || seq == 0 {
			break
		}
		if prev == 0 {
			first = seq
		}
		records = append(records, data[walHeader:walHeader+n])
		prev = seq
		data = data[walHeader+n:]
	}
	return records, first, nil
}

// replayWAL makes in the file the changes of the log's records it has not taken yet, in one
// transaction, and returns the sequence of the last record the file now holds. A log whose
// first record is not the file's next nor one it holds is not this file's: an error.
func replayWAL(db *bolt.DB, path string) (last uint64, err error) {
	records, first, err := walRecords(walPath(path))
	if err != nil {
		return 0, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("no meta bucket")
		}
		last = walApplied(meta)
		if len(records) == 0 {
			return nil
		}
		if first > last+1 {
			return fmt.Errorf("its log starts at record %d, the file holds up to %d: records are missing", first, last)
		}
		for i, rec := range records {
			seq := first + uint64(i)
			if seq <= last {
				continue
			}
			if err := applyRedo(tx, rec); err != nil {
				return fmt.Errorf("record %d: %w", seq, err)
			}
		}
		if end := first + uint64(len(records)) - 1; end > last {
			last = end
			return meta.Put(keyWALApplied, binary.BigEndian.AppendUint64(nil, last))
		}
		return nil
	})
	return last, err
}

func walApplied(meta *bolt.Bucket) uint64 {
	if meta == nil {
		return 0 // a new file: its buckets are made by init
	}
	if v := meta.Get(keyWALApplied); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// openWAL opens or creates the log, private, synced with its folder so that it exists before
// the file is marked as having one. Its records are left as they are (the file holds them:
// replayWAL), to be written over: a journal Open refuses after this keeps its log whole.
func openWAL(path string, seq uint64) (*walFile, error) {
	f, err := os.OpenFile(walPath(path), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the journal's log: %w", err)
	}
	if err := f.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		f.Close()
		return nil, fmt.Errorf("making the journal's log private: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("syncing the journal's log: %w", err)
	}
	if err := syncFolder(path); err != nil {
		f.Close()
		return nil, err
	}
	return &walFile{f: f, seq: seq}, nil
}
