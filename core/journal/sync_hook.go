package journal

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrDiskFailed is the error of every write after a commit failed once its meta page was
// written (the fdatasync after it failed: EIO). bbolt rolls such a commit back in memory, yet
// reads the file as the commit left it and takes the pages the commit replaced as free at
// once - pages a read begun before the commit may still be reading. A later commit would
// write over them under that read (which then sees torn pages: another entry, nothing, a
// panic), so the journal writes nothing more until it is closed and opened again. The same
// holds for the write-ahead log (wal.go): a record whose sync failed may or may not be on
// disk.
var ErrDiskFailed = errors.New("the journal's disk failed a commit after writing part of it: " +
	"the journal takes no more writes until vmp is restarted (closed and opened again)")

// commitTx runs fn (that many writes) in one group and makes it durable: through the
// write-ahead log once Open has started it (commitGroupWAL, long_tx.go), else in a bbolt
// transaction of its own (pages, fdatasync, meta page, fdatasync). Every commit of the journal
// goes through here (writes reach it through update, group_commit.go), so the crash and
// property tests (build tag vmpfailpoints, sync_kill_enabled.go) can count the commits of a
// process and kill it just before or just after any one of them.
func (j *Journal) commitTx(writes int, fn func(*wtx) error) error {
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	if j.wal.file != nil {
		return j.commitGroupWAL(writes, fn)
	}
	// The entry keys this transaction adds or removes become the file's only once it is on
	// disk, and before the next write transaction starts (entry_keys.go).
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.diskFailed != nil {
		return j.diskFailed
	}
	var n int64
	var notes map[string]ObservedPayment
	var deleted uint64
	var txid int
	ran := false
	err := j.db.Update(func(tx *bolt.Tx) error {
		w := &wtx{Tx: tx, redo: &redoLog{}}
		txid = tx.ID()
		var err error
		if notes, deleted, err = j.applyGroup(w, fn); err != nil {
			return err
		}
		n = beforeCommit(j, writes)
		ran = true
		return nil
	})
	if err != nil && ran && j.readsTx(txid) {
		// The commit failed after its meta page was written (the fdatasync after it failed):
		// the write is not known to be on disk, but this process reads the file as that
		// commit left it, and the writes repeated after the error must find their keys there.
		// No commit may follow it in this process (ErrDiskFailed).
		j.keys.applyWrite()
		j.diskFailed = fmt.Errorf("%w (%v)", ErrDiskFailed, err)
	}
	if err == nil {
		j.keys.applyWrite()
		afterSync(n)
		j.committed(notes, deleted)
	}
	return err
}

// applyGroup runs fn in w and then what rides on every commit: the notes of status reads
// (payment_notes.go), the ledger's published changes (outbox.go) and the records the writes
// and notes changed, each written once (record_changes.go; a record bbolt refuses fails every
// write of the commit).
func (j *Journal) applyGroup(w *wtx, fn func(*wtx) error) (notes map[string]ObservedPayment, deleted uint64, err error) {
	j.keys.beginWrite()
	j.resetRecordChanges()
	fillOrderedPages(w.Tx)
	if err := fn(w); err != nil {
		return nil, 0, err
	}
	notes = j.applyNotes(w)
	deleted = j.deletePublished(w)
	if err := j.flushRecords(w); err != nil {
		return nil, 0, err
	}
	return notes, deleted, nil
}

// committed is what follows a commit on disk in memory.
func (j *Journal) committed(notes map[string]ObservedPayment, deleted uint64) {
	j.group.commits.Add(1)
	j.forgetNotes(notes)
	j.outboxDeleted(deleted)
	j.signalOutbox()
}

// readsTx reports whether the file as this process now reads it is that of write transaction
// txid or later.
func (j *Journal) readsTx(txid int) bool {
	reads := false
	_ = j.db.View(func(tx *bolt.Tx) error { reads = tx.ID() >= txid; return nil })
	return reads
}
