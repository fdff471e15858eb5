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
// panic), so the journal writes nothing more until it is closed and opened again.
var ErrDiskFailed = errors.New("the journal's disk failed a commit after writing part of it: " +
	"the journal takes no more writes until vmp is restarted (closed and opened again)")

// commitTx runs fn (that many writes) in one read-write transaction and commits it: bbolt
// writes the pages and fdatasyncs, then the meta page and fdatasyncs. Every commit of the
// journal goes through here (writes reach it through update, group_commit.go), so the crash
// and property tests (build tag vmpfailpoints, sync_kill_enabled.go) can count the commits of
// a process and kill it just before or just after any one of them.
func (j *Journal) commitTx(writes int, fn func(*bolt.Tx) error) error {
	var n int64
	var notes map[string]ObservedPayment
	var deleted uint64
	var txid int
	ran := false
	// The entry keys this transaction adds or removes become the file's only once it is on
	// disk, and before the next write transaction starts (entry_keys.go).
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.diskFailed != nil {
		return j.diskFailed
	}
	err := j.db.Update(func(tx *bolt.Tx) error {
		j.keys.beginWrite()
		j.resetRecordChanges()
		txid = tx.ID()
		fillOrderedPages(tx)
		if err := fn(tx); err != nil {
			return err
		}
		notes = j.applyNotes(tx)        // payment_notes.go: they ride on this commit,
		deleted = j.deletePublished(tx) // as do the ledger's published changes (outbox.go)
		// The records the writes and notes changed, each written once (record_changes.go); a
		// record bbolt refuses fails every write of the commit.
		if err := j.flushRecords(tx); err != nil {
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
		j.group.commits.Add(1)
		j.forgetNotes(notes)
		j.outboxDeleted(deleted)
		j.signalOutbox()
	}
	return err
}

// readsTx reports whether the file as this process now reads it is that of write transaction
// txid or later.
func (j *Journal) readsTx(txid int) bool {
	reads := false
	_ = j.db.View(func(tx *bolt.Tx) error { reads = tx.ID() >= txid; return nil })
	return reads
}
