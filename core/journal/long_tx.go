package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The B+tree behind the write-ahead log (wal.go): one bbolt write transaction holds every
// group written since the last checkpoint, and every read of the journal reads it (view), so a
// read sees each write that was answered, and nothing that was not: a group is applied and
// made durable under Journal.writeMu, which reads take too. A checkpoint commits it (bbolt's
// pages and syncs, once for many groups) and the log starts again from its beginning.

// Checkpoint thresholds: writes, or bytes of log, since the last checkpoint. More writes a
// checkpoint write fewer pages a write (a page changed by many writes is written once) and
// hold more in memory (the transaction's changed pages, and the groups' changes to make again
// should one write fail: remakeLong).
const (
	checkpointWrites = 8192
	checkpointBytes  = 16 << 20
	// checkpointAge bounds the memory a quiet till holds in long: a group older than this is
	// checkpointed with the next commit (at 40 lifecycles a second, ~160 writes a checkpoint).
	checkpointAge = time.Second
)

// redoBytesAWrite is about what a write's changes take in the log (an entry, its record and
// their index keys: 2.2 KB at 64 concurrent lifecycles), so a group's buffer is made once.
const redoBytesAWrite = 2560

// checkpointAfter is checkpointWrites; the crash tests make it small (sync_kill_enabled.go) so
// that their kills meet checkpoints.
var checkpointAfter = checkpointWrites

// walState is the log and the transaction behind it; changed only under Journal.writeMu.
type walState struct {
	file *walFile
	long *bolt.Tx // nil until the first group after a checkpoint
	// since are the changes of every group in long, in order: a write that fails midway
	// leaves long changed in part, and bbolt cannot undo part of a transaction, so long is
	// rolled back and made again from them (remakeLong).
	since       [][]byte
	sinceBytes  int
	sinceWrites int
	sinceStart  time.Time // when the first group since the last checkpoint was made
	// inFlight is the group being synced, if any (view).
	inFlight *groupInFlight
	// bookkeeping: Open's commits of the log's own (replay, marker) are under way; the
	// failed-commit tests' choices are not asked for them (commit_fail_enabled.go).
	bookkeeping bool
}

// groupInFlight is a group whose log record is being written and synced, with writeMu free so
// that reads go on; a read that saw its changes waits for done (err: the record is not on
// disk, and the changes were taken back).
type groupInFlight struct {
	done chan struct{}
	err  error
}

// view runs fn on the journal as the writes so far left it, and returns once every write it
// may have seen is on disk: a read never answers with a write a crash could still take back.
func (j *Journal) view(fn func(*bolt.Tx) error) error {
	g, err := j.viewUnderLock(fn)
	if g != nil {
		<-g.done
		if err == nil && g.err != nil {
			err = fmt.Errorf("journal: a write this read saw did not reach the disk: %w", g.err)
		}
	}
	return err
}

// viewUnderLock runs fn under writeMu and returns the group in flight it may have seen. The
// lock is let go when fn panics too (bbolt on a damaged page; the C ABI makes the panic an
// error and the till goes on): every later read and write would wait for it for ever.
func (j *Journal) viewUnderLock(fn func(*bolt.Tx) error) (*groupInFlight, error) {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	g := j.wal.inFlight
	switch {
	case j.wal.long != nil:
		return g, fn(j.wal.long)
	case len(j.wal.since) > 0:
		// The groups since the last checkpoint could not be made again (remakeLong), or Close's
		// checkpoint failed: they are in the log alone, and the file lacks writes that were
		// answered. Read from it, an answered entry would be "not found".
		return g, fmt.Errorf("journal: %w (the file lacks writes that were answered; they are in its log)", ErrDiskFailed)
	default:
		return g, j.db.View(fn)
	}
}

// commitGroupWAL is commitTx with the log (under commitMu): fn and what rides on every commit
// are applied to long under writeMu; their changes are appended to the log and synced with
// writeMu free (reads go on: view); then, under writeMu again, the group is the file's, and
// every so often long is committed (checkpoint).
func (j *Journal) commitGroupWAL(writes int, fn func(*wtx) error) error {
	fail := j.nextFailure() // first: a test's chooser may panic, and nothing is changed yet
	// The crash tests' hook: a kill here leaves nothing of the group on disk, as a kill just
	// before bbolt's commit did; a hold here (a slow disk) leaves reads free, as it did.
	n := beforeCommit(j, writes)
	j.writeMu.Lock()
	redo, notes, deleted, err := j.applyToLong(writes, fn)
	if err != nil {
		j.writeMu.Unlock()
		return err
	}
	g := &groupInFlight{done: make(chan struct{})}
	j.wal.inFlight = g
	j.writeMu.Unlock()

	written, err := j.wal.file.append(redo, fail)

	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	j.wal.inFlight = nil
	if err != nil && !written {
		g.err = err
		close(g.done)
		j.remakeLong()
		return err
	}
	close(g.done)
	j.keepGroup(redo, writes)
	j.keys.applyWrite()
	if err != nil {
		// The record may be on disk or not; this process goes on reading the group as
		// written (its keys too), and writes nothing more (ErrDiskFailed).
		j.diskFailed = fmt.Errorf("%w (%v)", ErrDiskFailed, err)
		return err
	}
	afterSync(n)
	j.committed(notes, deleted)
	if j.wal.sinceWrites >= checkpointAfter || j.wal.sinceBytes >= checkpointBytes || time.Since(j.wal.sinceStart) >= checkpointAge {
		_ = j.checkpoint(nil) // a failure leaves the groups in the log; they are answered
	}
	return nil
}

// applyToLong runs fn and what rides on every commit in long (under writeMu) and returns the
// changes to log. A write that fails or panics takes long back to the groups before it.
func (j *Journal) applyToLong(writes int, fn func(*wtx) error) (redo []byte, notes map[string]ObservedPayment, deleted uint64, err error) {
	if j.diskFailed != nil {
		return nil, nil, 0, j.diskFailed
	}
	if j.wal.long == nil {
		if j.wal.long, err = j.db.Begin(true); err != nil {
			return nil, nil, 0, err
		}
	}
	w := &wtx{Tx: j.wal.long, redo: &redoLog{buf: make([]byte, 0, writes*redoBytesAWrite)}}
	applied := false
	defer func() {
		// A panic (bbolt on a damaged page) leaves long changed in part, as an error does.
		if !applied {
			if r := recover(); r != nil {
				j.remakeLong()
				j.writeMu.Unlock()
				panic(r)
			}
		}
	}()
	notes, deleted, err = j.applyGroup(w, fn)
	applied = true
	if err != nil {
		j.remakeLong()
		return nil, nil, 0, err
	}
	return w.redo.buf, notes, deleted, nil
}

func (j *Journal) keepGroup(redo []byte, writes int) {
	if len(j.wal.since) == 0 {
		j.wal.sinceStart = time.Now()
	}
	j.wal.since = append(j.wal.since, redo)
	j.wal.sinceBytes += len(redo) + walHeader
	j.wal.sinceWrites += writes
}

// remakeLong rolls long back and makes the groups since the last checkpoint in a new one.
func (j *Journal) remakeLong() {
	if j.wal.long != nil {
		_ = j.wal.long.Rollback()
	}
	j.wal.long = nil
	if len(j.wal.since) == 0 {
		return
	}
	tx, err := j.db.Begin(true)
	if err == nil {
		err = applyAll(tx, j.wal.since)
	}
	if err != nil {
		// What this process answered is in the log, not in the file it reads: it must not
		// write or read on. Open makes the log's changes again.
		j.diskFailed = fmt.Errorf("%w (making the journal's transaction again: %v)", ErrDiskFailed, err)
		return
	}
	j.wal.long = tx
}

// applyAll makes the groups' changes in tx; on an error or a panic (bbolt on a page damaged
// since) tx is rolled back, so bbolt's write lock is let go and the caller's lock too.
func applyAll(tx *bolt.Tx, groups [][]byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a panic: %v", r)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, redo := range groups {
		if err := applyRedo(tx, redo); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint commits long, with the sequence of the log's last record (and, when format is
// set, that format marker), and starts the log again from its beginning. A checkpoint that
// fails leaves the groups in the log (Open makes them again) and long made again, so reads go
// on; a failure after bbolt wrote its meta page stops writes, as in commitTx.
func (j *Journal) checkpoint(format []byte) error {
	if j.wal.long == nil {
		if format == nil {
			return nil
		}
		var err error
		if j.wal.long, err = j.db.Begin(true); err != nil {
			return err
		}
	}
	tx := j.wal.long
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		j.remakeLong()
		return fmt.Errorf("%w: %s has no meta bucket", ErrCorrupt, j.path)
	}
	err := meta.Put(keyWALApplied, binary.BigEndian.AppendUint64(nil, j.wal.file.seq))
	if err == nil && format != nil {
		err = meta.Put(keyFormat, format)
	}
	if err != nil {
		j.remakeLong()
		return err
	}
	txid := tx.ID()
	j.wal.long = nil
	atCheckpoint(killBeforeCheckpoint)
	if panicked, err := commitLong(tx); err != nil {
		if panicked || j.readsTx(txid) {
			j.diskFailed = fmt.Errorf("%w (%v)", ErrDiskFailed, err)
		}
		j.remakeLong()
		return err
	}
	atCheckpoint(killAfterCheckpoint)
	j.wal.since, j.wal.sinceBytes, j.wal.sinceWrites = nil, 0, 0
	j.wal.file.off = 0
	return nil
}

// commitLong commits long. bbolt panics inside a commit on some damaged files (a page freed
// twice, a torn page met as it rebalances); the transaction would then keep bbolt's write lock
// and every later write, and Close, would wait for it forever. So a panic is the commit's
// error here, with the transaction rolled back; panicked says so (what bbolt left in memory
// is not known: the journal writes nothing more, ErrDiskFailed).
func commitLong(tx *bolt.Tx) (panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panicked, err = true, fmt.Errorf("the journal's checkpoint panicked: %v", r)
		}
	}()
	return false, tx.Commit()
}

// replayLog makes the changes of the log beside the file that the file lacks (a crash left
// them), before Open checks the file. A journal marked as having a log whose log is missing is
// refused (writes that were answered would be lost); a log beside a journal that is not there
// is moved aside, so it is never mixed into the new journal.
func (j *Journal) replayLog(existed bool) error {
	j.wal.bookkeeping = true
	defer func() { j.wal.bookkeeping = false }()
	_, statErr := os.Stat(walPath(j.path))
	hasLog := statErr == nil
	if !hasLog && !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("reading the journal's log: %w", statErr)
	}
	if !existed {
		if hasLog {
			// The journal is lost (a new one is being made: the till is told, and acknowledges
			// it, as for any lost journal); its log alone cannot bring it back - it holds the
			// writes since a checkpoint, not the journal. It is kept aside for inspection,
			// never made again into the new journal.
			aside := fmt.Sprintf("%s.orphaned-%s", walPath(j.path), time.Now().UTC().Format("20060102T150405.000000000"))
			if err := os.Rename(walPath(j.path), aside); err != nil {
				return fmt.Errorf("moving aside the log of a lost journal: %w", err)
			}
		}
		return nil
	}
	var format []byte
	_ = j.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			format = bytes.Clone(meta.Get(keyFormat))
		}
		return nil
	})
	if !hasLog {
		if bytes.Equal(format, formatWAL) {
			return fmt.Errorf("%w: %s was in use with its log %s, which is missing: writes answered before "+
				"the last stop would be lost (restore the log beside it)", ErrCorrupt, j.path, walPath(j.path))
		}
		return nil
	}
	if _, err := replayWAL(j.db, j.path); err != nil {
		return fmt.Errorf("%w: %s: making the writes of its log: %v", ErrCorrupt, j.path, err)
	}
	return nil
}

// openLog opens the log for the writes to come, from its start: the records there are ones
// the file holds (replayLog), which the new ones write over. Open calls it after replayLog;
// init's commit then marks the file as having a log, once the log surely exists.
func (j *Journal) openLog() (*walFile, error) {
	var seq uint64
	if err := j.db.View(func(tx *bolt.Tx) error { seq = walApplied(tx.Bucket(bucketMeta)); return nil }); err != nil {
		return nil, err
	}
	return openWAL(j.path, seq)
}

// closeWAL commits every group into the file, marks it as a journal without a log (readable
// by a vmp before the log) and removes the log. When the commit fails the log stays, and the
// next Open makes its writes.
func (j *Journal) closeWAL() error {
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.wal.file == nil {
		return nil
	}
	err := j.diskFailed
	if err == nil && checkLogAtClose() {
		j.checkLog()
	}
	if err == nil {
		err = j.checkpoint(formatValue)
	}
	if j.wal.long != nil {
		_ = j.wal.long.Rollback()
		j.wal.long = nil
	}
	_ = j.wal.file.f.Close()
	j.wal.file = nil
	if err != nil {
		return err
	}
	if err := os.Remove(walPath(j.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// checkpointPoint is where in a checkpoint the crash tests may kill the process.
type checkpointPoint int

const (
	killBeforeCheckpoint checkpointPoint = iota + 1 // its transaction not committed yet
	killAtCheckpointMeta                            // its pages written, its meta page not
	killAfterCheckpoint                             // committed, the log not started again
)
