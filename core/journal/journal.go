package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/vmp-dev/vmp/core/wirejson"
)

var (
	// bucketEntries holds the entries, keyed by the order they were first written
	// (entry_keys.go).
	bucketEntries = []byte("entries")
	// bucketUnacked indexes every entry whose outcome the till has not seen yet (open ones
	// too): key the entry's key, value its intent.
	bucketUnacked = []byte("unacked")
	// bucketByRef indexes entries by payment reference: key reference NUL the entry's key.
	bucketByRef = []byte("byref")
	bucketMeta  = []byte("vmp-journal")
	keyFormat   = []byte("format")
	// formatValue marks the file's layout. vmp-journal-1 (vmp 0.2 and before) keyed entries
	// and both indexes by the entry's id; Open moves such a file to this layout once.
	formatValue  = []byte("vmp-journal-2")
	formatV1     = []byte("vmp-journal-1")
	formatFamily = []byte("vmp-journal-")
	// keyOlderKeys is set in a journal moved from format 1 (MayHoldOlderKeys).
	keyOlderKeys = []byte("older-keys")
)

// ErrLocked means another process has the journal open.
var ErrLocked = errors.New("journal is in use by another process")

// ErrCorrupt means the file is damaged or is not a vmp journal. It is never reset silently.
var ErrCorrupt = errors.New("journal file is damaged or not a vmp journal")

// Options tune Open.
type Options struct {
	// LockTimeout is how long to wait for another process to release the file; default 1 s.
	LockTimeout time.Duration
	// Retention is how long finished, acknowledged entries are kept; default 30 days.
	Retention time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OwnFolder says the journal's folder is the library's own (the default one), so an
	// existing folder is made private (0700) too; a folder the host chose is left as it is.
	OwnFolder bool
	// Outbox keeps every change of a payment record for the chain ledger to publish
	// (outbox.go); without it nothing is kept for publishing.
	Outbox bool
}

// Journal is an open journal file. Safe for concurrent use.
type Journal struct {
	db        *bolt.DB
	path      string
	opts      Options
	tightened []string
	// created is true when Open made the file: there was no journal at the path.
	created bool
	// olderKeys: the file was written by a vmp before journal format 2, whose entries may be
	// under Idempotency-Keys derived as older versions derived them (MayHoldOlderKeys).
	olderKeys bool
	group     committer
	// commitMu makes commits one at a time, from the start of their writes until they are on
	// disk (commitTx); writeMu guards the write transaction and what follows it in memory
	// (keys, records) - bbolt's own lock ends before that - and, with the write-ahead log, is
	// free while a group's record syncs, so reads go on (long_tx.go). commitMu before writeMu.
	commitMu sync.Mutex
	writeMu  sync.Mutex
	// diskFailed, once set (under writeMu), is the error of every later write: a commit
	// failed after its meta page was written (ErrDiskFailed, sync_hook.go).
	diskFailed error
	keys       entryKeys
	records    recordCache
	changes    recordChanges // the records the write transaction changed (record_changes.go)
	soon       soonWrites
	notes      paymentNotes
	outbox     outboxState
	wal        walState // the write-ahead log (wal.go, long_tx.go)
}

// Open opens or creates the journal at path (mode 0600, parent folders 0700) and checks it.
// An existing file (and, with OwnFolder, its folder) with a looser mode is tightened first;
// one owned by another user, or that cannot be tightened, is refused with ErrNotPrivate.
func Open(path string, opts Options) (j *Journal, err error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// bbolt can panic on some damaged files; a damaged journal must be an error, not a crash.
	// It reads the file through a memory map, and a page it trusts beyond the end of a file
	// cut short is a fault (SIGBUS) that ends the process unless it is made a panic here.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			j, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal folder: %w", err)
	}
	tightened, err := makeJournalPrivate(path, opts.OwnFolder)
	if err != nil {
		return nil, err
	}
	existed := fileHasData(path)
	if existed {
		if err := checkPages(path, opts.LockTimeout); err != nil {
			return nil, err
		}
	}
	bopts := boltOptions(opts.LockTimeout)
	bopts.InitialMmapSize = initialMapSize
	db, err := bolt.Open(path, 0o600, bopts)
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	case err != nil && existed:
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	case err != nil:
		return nil, fmt.Errorf("opening the journal %s: %w", path, err)
	}
	opened := false
	defer func() {
		// A failed Open, by an error or a panic, closes the file: its lock and map would stay
		// with this process, and the till could not open the file again (a copy restored from
		// a backup, say) without restarting.
		if !opened {
			db.Close()
		}
	}()
	j = &Journal{db: db, path: path, opts: opts, tightened: tightened, created: !existed}
	if err := armCommitFailures(j); err != nil {
		return nil, err
	}
	if err := j.replayLog(existed); err != nil {
		return nil, err
	}
	var wal *walFile
	if writeAheadLog {
		if wal, err = j.openLog(); err != nil {
			return nil, err
		}
		defer func() {
			if !opened {
				wal.f.Close()
			}
		}()
	}
	if err := j.init(existed, wal != nil); err != nil { // its commit marks the file as having a log
		return nil, err
	}
	j.wal.file = wal // from here on every write goes through the log
	opened = true
	return j, nil
}

// checkPages opens the existing file at path read-only and checks it page by page, before Open
// opens it for writing: opening a file for writing, bbolt reads its list of free pages and
// panics on a damaged one, and a panic inside bolt.Open leaves the file open and locked with
// nothing to close it by. Read-only, bbolt reads that list only in the check, which reports
// its panics as errors.
func checkPages(path string, lockTimeout time.Duration) error {
	opts := boltOptions(lockTimeout)
	opts.ReadOnly = true
	db, err := bolt.Open(path, 0o600, opts)
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("%w: %s", ErrLocked, path)
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	defer db.Close() // after a panic too
	return db.View(func(tx *bolt.Tx) error {
		// A file cut short: its pages would be read beyond its end (a fault), and tx.Check
		// reads them in a goroutine of its own, where a fault cannot be recovered.
		if st, err := os.Stat(path); err != nil || st.Size() < tx.Size() {
			return fmt.Errorf("%w: %s is shorter than its pages (cut short?)", ErrCorrupt, path)
		}
		if err := walkPages(mappedPages(db, int(tx.Size())), db.Info().PageSize); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		var first error
		for err := range tx.Check() { // to its end: it reads the map until then, and Close unmaps it
			if first == nil {
				first = fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
			}
		}
		return first
	})
}

func fileHasData(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

// init creates the buckets of a new file, or checks an existing one (whose pages checkPages
// checked) record by record. withLog: its commit also marks the file as having a log (wal.go).
func (j *Journal) init(existed, withLog bool) error {
	format := formatValue
	if withLog {
		format = formatWAL
	}
	if !existed {
		return j.update(func(tx *wtx) error {
			if _, err := tx.createBucketIfNotExists(bucketMeta); err != nil {
				return err
			}
			if err := tx.put(bucketMeta, keyFormat, format); err != nil {
				return err
			}
			for _, b := range append([][]byte{bucketEntries, bucketUnacked, bucketByRef}, paymentRecordBuckets...) {
				if _, err := tx.createBucketIfNotExists(b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	var v1 bool
	err := j.view(func(tx *bolt.Tx) error { // its pages were checked by checkPages
		meta := tx.Bucket(bucketMeta)
		var format []byte
		if meta != nil {
			format = meta.Get(keyFormat)
		}
		v1 = bytes.Equal(format, formatV1)
		switch {
		case !v1 && !bytes.Equal(format, formatValue) && !bytes.Equal(format, formatWAL) && bytes.HasPrefix(format, formatFamily):
			return fmt.Errorf("%w: %s is a journal of a newer vmp (format %q); this vmp reads %q", ErrCorrupt, j.path, format, formatValue)
		case !v1 && !bytes.Equal(format, formatValue) && !bytes.Equal(format, formatWAL), tx.Bucket(bucketEntries) == nil, tx.Bucket(bucketUnacked) == nil:
			return fmt.Errorf("%w: %s has no vmp journal format marker", ErrCorrupt, j.path)
		case !v1 && tx.Bucket(bucketByRef) == nil:
			return fmt.Errorf("%w: %s has no reference index", ErrCorrupt, j.path)
		}
		entries := tx.Bucket(bucketEntries)
		err := entries.ForEach(func(k, v []byte) error {
			e, err := DecodeEntry(v)
			if err == nil && !v1 {
				err = j.keys.load(k, e.ID)
			}
			if err != nil {
				return fmt.Errorf("%w: %s: entry %q: %v", ErrCorrupt, j.path, k, err)
			}
			return nil
		})
		if last, _ := entries.Cursor().Last(); err == nil && !v1 && last != nil && binary.BigEndian.Uint64(last) > entries.Sequence() {
			// The next new entry would be written over an existing one.
			return fmt.Errorf("%w: %s: entry key %x is beyond the entries' sequence %d", ErrCorrupt, j.path, last, entries.Sequence())
		}
		return err
	})
	if err != nil {
		return err
	}
	// Only a file that passed the checks is written to.
	return j.update(func(tx *wtx) error {
		meta := tx.Bucket(bucketMeta)
		if v1 {
			if err := j.rekeyEntries(tx); err != nil {
				return err
			}
			if err := tx.put(bucketMeta, keyOlderKeys, []byte("1")); err != nil {
				return err
			}
		}
		j.olderKeys = meta.Get(keyOlderKeys) != nil
		if err := tx.put(bucketMeta, keyFormat, format); err != nil {
			return err
		}
		return j.ensurePaymentBuckets(tx)
	})
}

// MayHoldOlderKeys reports whether the journal was written by a vmp before journal format 2
// (vmp 0.2 and before): its entries may be under Idempotency-Keys derived as those versions
// derived them, so an operation the till identifies by its id must also be looked for by
// (operation, reference, id). A journal this vmp created holds only keys derived as now.
func (j *Journal) MayHoldOlderKeys() bool { return j.olderKeys }

// orderedBuckets are written in key order (their keys are sequence numbers or times): their
// pages are filled before the next one is started, instead of bbolt's default of splitting a
// page at half full, which suits keys that land anywhere. Fewer pages a commit, fewer to sync.
var orderedBuckets = [][]byte{bucketEntries, bucketUnacked, bucketPayByCreated, bucketPayHourTotals, bucketPaymentsOutbox}

// fillOrderedPages sets the fill of the ordered buckets for the write transaction tx (bbolt
// keeps it per transaction, on the bucket handle the transaction caches).
func fillOrderedPages(tx *bolt.Tx) {
	for _, name := range orderedBuckets {
		if b := tx.Bucket(name); b != nil {
			b.FillPercent = 0.95
		}
	}
}

// rekeyEntries moves a journal of format vmp-journal-1 (entries and both indexes keyed by the
// entry's id) to this layout, in one transaction: the entries keyed in the order they were
// created, the indexes rebuilt from them (a file from before the reference index had none).
func (j *Journal) rekeyEntries(tx *wtx) error {
	type stored struct {
		e    *Entry
		data []byte
	}
	var all []stored
	err := tx.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
		e, err := DecodeEntry(v)
		if err != nil {
			return err
		}
		all = append(all, stored{e, append([]byte(nil), v...)})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(all, func(a, b stored) int {
		if c := a.e.CreatedAt.Compare(b.e.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.e.ID, b.e.ID)
	})
	for _, b := range [][]byte{bucketEntries, bucketUnacked, bucketByRef} {
		if err := tx.deleteBucket(b); err != nil {
			return err
		}
		if _, err := tx.createBucketIfNotExists(b); err != nil {
			return err
		}
	}
	for _, s := range all {
		key, _, err := j.keys.create(tx, s.e.ID)
		if err != nil {
			return err
		}
		if err := tx.put(bucketEntries, key, s.data); err != nil {
			return err
		}
		if err := tx.put(bucketByRef, refKey(s.e.Reference, key), nil); err != nil {
			return err
		}
		if !s.e.Acknowledged {
			if err := tx.put(bucketUnacked, key, []byte(s.e.Intent)); err != nil {
				return err
			}
		}
	}
	return tx.put(bucketMeta, keyFormat, formatValue)
}

// refKey is the reference index's key of the entry with key (nil: the prefix of every entry
// of the reference).
func refKey(reference string, key []byte) []byte {
	return append(append([]byte(reference), 0), key...)
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Tightened says what Open made private ("<path> was 0644, now 0600"), for the log.
func (j *Journal) Tightened() []string { return j.tightened }

// Close closes the file.
func (j *Journal) Close() error {
	j.WaitQueued()      // writes queued by PutSoon are committed (or fail) first
	j.closeNotes()      // then what status reads told of payments, and published outbox keys
	err := j.closeWAL() // then every write into the B+tree, and the log removed
	if cerr := j.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Created reports whether Open made the file because there was none at the path.
func (j *Journal) Created() bool { return j.created }

// Put writes e (new or updated) and fsyncs before it returns. acks are ids of finished
// entries whose outcome the till has seen since: they are marked acknowledged in the same
// transaction, so recording them costs no fsync of its own.
func (j *Journal) Put(e *Entry, acks ...string) error {
	_, err := j.put(e, acks, nil)
	return err
}

// PutAcking is Put that also says which of acks it did not record because the file has their
// entry open: its outcome is not on disk (queued, or its write failed), so the acknowledgement
// has nothing to mark yet and the caller must give it again once the outcome is written.
func (j *Journal) PutAcking(e *Entry, acks []string) (open []string, err error) {
	return j.put(e, acks, &open)
}

// put is Put and PutAcking: open, when not nil, receives the acks the file has open.
func (j *Journal) put(e *Entry, acks []string, open *[]string) ([]string, error) {
	now, data, err := j.stamp(e)
	if err != nil {
		return nil, err
	}
	written := *e // the record is made from the entry as written, whatever the caller does next
	err = j.update(j.putFn(&written, data, acks, now, open))
	if open == nil {
		return nil, err
	}
	return *open, err
}

// stamp sets e's times for a write now (CreatedAt only once) and encodes it.
func (j *Journal) stamp(e *Entry) (now time.Time, data []byte, err error) {
	now = j.opts.Now().UTC()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	e.UpdatedAt = now
	if data, err = e.encode(); err != nil {
		return now, nil, fmt.Errorf("encoding journal entry: %w", err)
	}
	return now, data, nil
}

// putFn is the write of an encoded entry (e, which must not change until the write is
// committed) and its indexes, with acks, and of its payment's record (payment_records.go).
// open, when not nil, is set to the acks whose entry the file has open.
func (j *Journal) putFn(e *Entry, data []byte, acks []string, now time.Time, open *[]string) func(*wtx) error {
	id, reference, intent, acknowledged := e.ID, e.Reference, e.Intent, e.Acknowledged
	return func(tx *wtx) error {
		if err := j.ackIn(tx, acks, now, open); err != nil {
			return err
		}
		key, isNew, err := j.keys.create(tx, id)
		if err != nil {
			return err
		}
		if err := tx.put(bucketEntries, key, data); err != nil {
			return err
		}
		if isNew { // an index page is rewritten only when its content changes
			if err := tx.put(bucketByRef, refKey(reference, key), nil); err != nil {
				return err
			}
		}
		if err := j.recordEntry(tx, e, now); err != nil {
			return err
		}
		if acknowledged {
			return tx.del(bucketUnacked, key)
		}
		if v := tx.Bucket(bucketUnacked).Get(key); v != nil && string(v) == intent {
			return nil
		}
		return tx.put(bucketUnacked, key, []byte(intent))
	}
}

// AcknowledgeAll marks the finished entries among ids acknowledged, in one transaction. Open
// and unknown ids are skipped.
func (j *Journal) AcknowledgeAll(ids []string) error {
	_, err := j.AcknowledgeAllOpen(ids)
	return err
}

// AcknowledgeAllOpen is AcknowledgeAll that also says which of ids it did not mark because
// the file has their entry open (PutAcking).
func (j *Journal) AcknowledgeAllOpen(ids []string) (open []string, err error) {
	if len(ids) == 0 {
		return nil, nil
	}
	err = j.update(func(tx *wtx) error { return j.ackIn(tx, ids, j.opts.Now().UTC(), &open) })
	return open, err
}

// ackIn marks the finished entries among ids acknowledged in tx; open, when not nil, is set to
// the ids whose entry is open (it may run more than once: it is set afresh each time).
func (j *Journal) ackIn(tx *wtx, ids []string, now time.Time, open *[]string) error {
	if open != nil {
		*open = (*open)[:0]
	}
	entries := tx.Bucket(bucketEntries)
	for _, id := range ids {
		key, ok := j.keys.inWrite(id)
		if !ok {
			continue
		}
		v := entries.Get(key)
		if v == nil {
			continue
		}
		if acked, write, ok := ackedRecord(v, now); ok {
			if !write {
				if open != nil && bytes.Contains(v, stateOpen) {
					*open = append(*open, id)
				}
				continue
			}
			if err := tx.put(bucketEntries, key, acked); err != nil {
				return err
			}
			if err := tx.del(bucketUnacked, key); err != nil {
				return err
			}
			continue
		}
		e, err := DecodeEntry(v)
		if err != nil {
			return err
		}
		if e.State == StateOpen && open != nil {
			*open = append(*open, id)
		}
		if e.State == StateOpen || e.Acknowledged {
			continue
		}
		e.Acknowledged, e.UpdatedAt = true, now
		data, err := e.encode()
		if err != nil {
			return err
		}
		if err := tx.put(bucketEntries, key, data); err != nil {
			return err
		}
		if err := tx.del(bucketUnacked, key); err != nil {
			return err
		}
	}
	return nil
}

// Meta reads a value the engine keeps about the journal itself ("" when unset).
func (j *Journal) Meta(key string) (string, error) {
	var v string
	err := j.view(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get([]byte("engine." + key)))
		return nil
	})
	return v, err
}

// SetMeta writes a value the engine keeps about the journal itself ("" deletes it).
func (j *Journal) SetMeta(key, value string) error {
	return j.update(func(tx *wtx) error {
		if value == "" {
			return tx.del(bucketMeta, []byte("engine."+key))
		}
		return tx.put(bucketMeta, []byte("engine."+key), []byte(value))
	})
}

// Get reads the entry with id; nil when there is none.
func (j *Journal) Get(id string) (*Entry, error) {
	var e *Entry
	key, ok := j.keys.read(id)
	if !ok {
		return nil, nil
	}
	err := j.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketEntries).Get(key)
		if v == nil {
			return nil
		}
		var err error
		if e, err = DecodeEntry(v); err == nil && e.ID != id {
			// The map and the file disagree: never answer with another operation's entry.
			e, err = nil, fmt.Errorf("%w: %s: the entry kept for %q is %q's", ErrCorrupt, j.path, id, e.ID)
		}
		return err
	})
	return e, err
}

// UnacknowledgedWithIntent lists the entries with this intent whose outcome the till has not
// seen, oldest first.
func (j *Journal) UnacknowledgedWithIntent(intent string) ([]*Entry, error) {
	var list []*Entry
	err := j.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		return tx.Bucket(bucketUnacked).ForEach(func(k, v []byte) error {
			if string(v) != intent {
				return nil
			}
			e, err := DecodeEntry(entries.Get(k))
			if err != nil {
				return err
			}
			list = append(list, e)
			return nil
		})
	})
	slices.SortFunc(list, func(a, b *Entry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list, err
}

// Unacknowledged lists every entry whose outcome the till has not seen, open ones included,
// oldest first.
func (j *Journal) Unacknowledged() ([]*Entry, error) {
	var list []*Entry
	err := j.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		return tx.Bucket(bucketUnacked).ForEach(func(k, _ []byte) error {
			e, err := DecodeEntry(entries.Get(k))
			if err != nil {
				return err
			}
			list = append(list, e)
			return nil
		})
	})
	slices.SortFunc(list, func(a, b *Entry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list, err
}

// ForReference lists the entries of one payment reference, oldest first.
func (j *Journal) ForReference(reference string) ([]*Entry, error) {
	return j.forReference(reference, nil)
}

// HoldsReference reports whether the journal has an entry of reference that of accepts by its
// sales unit (MSN, and the unit's config name, which entries of vmp 0.1 have alone). Only those
// two fields of each entry are decoded: a new operation asks this before it is sent.
func (j *Journal) HoldsReference(reference string, of func(msn, unit string) bool) (bool, error) {
	holds := false
	prefix := refKey(reference, nil)
	err := j.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		c := tx.Bucket(bucketByRef).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && !holds; k, _ = c.Next() {
			v := entries.Get(k[len(prefix):])
			if v == nil {
				continue // pruned
			}
			var unit struct {
				MSN  string `json:"msn"`
				Unit string `json:"unit"`
			}
			if err := wirejson.Unmarshal(v, &unit); err != nil {
				return fmt.Errorf("journal record is not valid: %w", err)
			}
			holds = of(unit.MSN, unit.Unit)
		}
		return nil
	})
	return holds, err
}

// ForReferenceOperation lists the entries of one payment reference that are of one operation
// (OpCreate, OpCapture...), oldest first. Records that name another operation are not decoded:
// a capture looking for an earlier capture of its payment does not decode the checkout.
func (j *Journal) ForReferenceOperation(reference, op string) ([]*Entry, error) {
	marker := []byte(`"op":"` + op + `"`)
	list, err := j.forReference(reference, func(v []byte) bool { return bytes.Contains(v, marker) })
	return slices.DeleteFunc(list, func(e *Entry) bool { return e.Operation != op }), err
}

// forReference lists the entries of reference whose records pass maybe (nil: all).
func (j *Journal) forReference(reference string, maybe func(record []byte) bool) ([]*Entry, error) {
	var list []*Entry
	prefix := refKey(reference, nil)
	err := j.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		c := tx.Bucket(bucketByRef).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			v := entries.Get(k[len(prefix):])
			if v == nil || (maybe != nil && !maybe(v)) {
				continue // pruned, or not asked for
			}
			e, err := DecodeEntry(v)
			if err != nil {
				return err
			}
			list = append(list, e)
		}
		return nil
	})
	slices.SortFunc(list, func(a, b *Entry) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return list, err
}

// Acknowledge records that the till has seen the outcome of id. Open entries cannot be
// acknowledged: they must be resolved first.
func (j *Journal) Acknowledge(id string) (*Entry, error) {
	e, err := j.Get(id)
	if err != nil || e == nil {
		return nil, err
	}
	if e.State == StateOpen {
		return e, fmt.Errorf("operation %s is still open; resolve it first", id)
	}
	if e.Acknowledged {
		return e, nil
	}
	e.Acknowledged = true
	return e, j.Put(e)
}

// Prune deletes finished, acknowledged entries older than the retention and returns how many.
func (j *Journal) Prune() (int, error) {
	cutoff := j.opts.Now().Add(-j.opts.Retention)
	n := 0
	err := j.update(func(tx *wtx) error {
		entries := tx.Bucket(bucketEntries)
		type doomedEntry struct {
			key           []byte
			id, reference string
		}
		var doomed []doomedEntry
		err := entries.ForEach(func(k, v []byte) error {
			e, err := DecodeEntry(v)
			if err != nil {
				return err
			}
			if e.Finished() && e.Acknowledged && e.UpdatedAt.Before(cutoff) {
				doomed = append(doomed, doomedEntry{append([]byte(nil), k...), e.ID, e.Reference})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, d := range doomed {
			if err := tx.del(bucketEntries, d.key); err != nil {
				return err
			}
			if err := tx.del(bucketByRef, refKey(d.reference, d.key)); err != nil {
				return err
			}
			if err := tx.del(bucketUnacked, d.key); err != nil {
				return err
			}
			j.keys.remove(d.id)
		}
		n = len(doomed)
		if err := j.flushRecords(tx); err != nil { // pruneRecords reads the file's records
			return err
		}
		return pruneRecords(tx, cutoff)
	})
	return n, err
}
