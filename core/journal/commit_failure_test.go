package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// swapPageWriter puts wrap around bbolt's page writer of j (a test-only reach into bbolt's
// unexported ops, checked to exist).
func swapPageWriter(t *testing.T, j *Journal, wrap func(real func([]byte, int64) (int, error)) func([]byte, int64) (int, error)) {
	t.Helper()
	field := reflect.ValueOf(j.db).Elem().FieldByName("ops").FieldByName("writeAt")
	if !field.IsValid() || field.Type() != reflect.TypeOf(func([]byte, int64) (int, error) { return 0, nil }) {
		t.Fatal("bbolt's DB.ops.writeAt is gone: this test needs another way to fail a commit after its meta page")
	}
	writeAt := (*func([]byte, int64) (int, error))(unsafe.Pointer(field.UnsafeAddr()))
	*writeAt = wrap(*writeAt)
}

// failMetaSyncs makes the journal's next n commits write their meta page and then fail, as
// bbolt's commit fails when the fdatasync after the meta page does (EIO, a full thin disk):
// the write is told it failed, yet the page is in the file's cache, so the process's next
// transactions read it and build on it. bbolt has no hook for its fdatasync; its page writer
// is swapped here (a test-only reach into bbolt's unexported ops, checked to exist).
func failMetaSyncs(t *testing.T, j *Journal, n int32) {
	t.Helper()
	pageSize := int64(j.db.Info().PageSize)
	var left atomic.Int32
	left.Store(n)
	swapPageWriter(t, j, func(real func([]byte, int64) (int, error)) func([]byte, int64) (int, error) {
		return func(b []byte, off int64) (int, error) {
			written, err := real(b, off)
			if err == nil && off < 2*pageSize && int64(len(b)) == pageSize && left.Add(-1) >= 0 { // pages 0 and 1: the meta pages
				return written, errors.New("injected: fdatasync after the meta page failed")
			}
			return written, err
		}
	})
	// The write-ahead log's groups fail alike: written and synced, then told they failed.
	j.writeMu.Lock()
	j.wal.file.afterSync = func() error {
		if left.Add(-1) >= 0 {
			return errors.New("injected: fdatasync of the log failed")
		}
		return nil
	}
	j.writeMu.Unlock()
	t.Cleanup(func() { left.Store(0) })
}

// entriesWithID counts the entries the file holds for id, and whether the reference index
// names each of them.
func entriesWithID(t *testing.T, j *Journal, id string) (n, indexed int) {
	t.Helper()
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
			e, err := DecodeEntry(v)
			if err != nil {
				return err
			}
			if e.ID == id {
				n++
				if k2, _ := tx.Bucket(bucketByRef).Cursor().Seek(refKey(e.Reference, k)); string(k2) == string(refKey(e.Reference, k)) {
					indexed++
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, indexed
}

// A commit that failed after its meta page was written is what the process reads from then on,
// and the journal takes no write until it is opened again (ErrDiskFailed). The write's caller
// repeats it after the restart: the repeat must find the entry the failed commit left, not add
// a second one for the same id - a journal with an id twice is refused at the next Open.
func TestAWriteRepeatedAfterItsCommitFailedLateIsStillOneEntry(t *testing.T) {
	j, path := openTemp(t, Options{})
	e := newEntry("vmp-late-failure", "intent")
	failMetaSyncs(t, j, 1)
	if err := j.Put(e); err == nil {
		t.Fatal("the commit whose meta sync failed returned no error")
	}
	e.State, e.Outcome = StateDone, &Outcome{Code: 0}
	if err := j.Put(e); !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("the write repeated before a restart: %v, want ErrDiskFailed", err)
	}
	if n, indexed := entriesWithID(t, j, e.ID); n != 1 || indexed != 1 {
		t.Fatalf("the file holds %d entries for %s (%d in the reference index), want 1", n, e.ID, indexed)
	}
	if list, err := j.ForReference(e.Reference); err != nil || len(list) != 1 || list[0].State != StateOpen {
		t.Fatalf("ForReference lists %d entries (%v), want 1 open", len(list), err)
	}
	j.Close()
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer j.Close()
	if err := j.Put(e); err != nil {
		t.Fatalf("the write repeated after a restart: %v", err)
	}
	if n, indexed := entriesWithID(t, j, e.ID); n != 1 || indexed != 1 {
		t.Fatalf("after reopening the file holds %d entries for %s (%d in the reference index), want 1", n, e.ID, indexed)
	}
	if got, err := j.Get(e.ID); err != nil || got == nil || got.State != StateDone {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

// The same for a prune whose commit failed late: the pruned entry is gone from the file the
// process reads, so a later write of its id (a repeat of a very old operation, after the
// restart) is a new entry, listed under its reference.
func TestAnIDWrittenAfterAPruneWhoseCommitFailedLateIsListedUnderItsReference(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	opts := Options{Retention: time.Hour, Now: func() time.Time { return now }}
	j, path := openTemp(t, opts)
	e := newEntry("vmp-old-operation", "intent")
	e.State, e.Acknowledged = StateDone, true
	if err := j.Put(e); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	failMetaSyncs(t, j, 1)
	if _, err := j.Prune(); err == nil {
		t.Fatal("the prune whose meta sync failed returned no error")
	}
	again := newEntry(e.ID, "intent")
	if err := j.Put(again); !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("a write before a restart: %v, want ErrDiskFailed", err)
	}
	if got, err := j.Get(e.ID); err != nil || got != nil {
		t.Fatalf("the pruned entry is still read: %+v, %v", got, err)
	}
	j.Close()
	j, err := Open(path, opts)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	if err := j.Put(again); err != nil {
		t.Fatal(err)
	}
	if n, indexed := entriesWithID(t, j, e.ID); n != 1 || indexed != 1 {
		t.Fatalf("the file holds %d entries for %s (%d in the reference index), want 1 indexed", n, e.ID, indexed)
	}
	if list, err := j.ForReference(e.Reference); err != nil || len(list) != 1 {
		t.Fatalf("ForReference lists %d entries (%v), want 1", len(list), err)
	}
	if un, err := j.Unacknowledged(); err != nil || len(un) != 1 {
		t.Fatalf("%d unacknowledged (%v), want 1", len(un), err)
	}
	j.Close()
	if j, err := Open(path, opts); err != nil {
		t.Fatalf("reopening: %v", err)
	} else {
		j.Close()
	}
}

// A search: writes, queued writes, acknowledgements and prunes of a few ids, from a few
// goroutines at once, while commits fail at random - early (a data page cannot be written:
// nothing of the commit is in the file) or late (the meta page is written, then the error:
// the process reads the commit). Whatever failed, the file agrees with itself and with the
// id -> key map (checkLayout), every id never acknowledged whose write once returned nil is
// found, and a reopened journal agrees too.
func TestTheEntryKeysFollowTheFileThroughCommitsThatFail(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	opts := Options{Retention: time.Nanosecond}
	j, path := openTemp(t, opts)
	pageSize := int64(j.db.Info().PageSize)
	var failMu sync.Mutex
	failRng := rand.New(rand.NewPCG(seed, 1))
	var early, late atomic.Int32
	swapPageWriter(t, j, func(real func([]byte, int64) (int, error)) func([]byte, int64) (int, error) {
		return func(b []byte, off int64) (int, error) {
			failMu.Lock()
			roll := failRng.IntN(40)
			failMu.Unlock()
			meta := off < 2*pageSize && int64(len(b)) == pageSize
			switch {
			case !meta && roll == 0:
				early.Add(1)
				return 0, errors.New("injected: a data page could not be written")
			case meta && roll < 4:
				written, err := real(b, off)
				if err == nil {
					late.Add(1)
					err = errors.New("injected: fdatasync after the meta page failed")
				}
				return written, err
			}
			return real(b, off)
		}
	})
	const workers, steps, ids = 6, 400, 8
	var found sync.Map // kept ids whose write returned nil
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(10+w)))
			for range steps {
				i := r.IntN(ids)
				switch r.IntN(6) {
				case 0:
					_, _ = j.Prune()
				case 1:
					_ = j.AcknowledgeAll([]string{fmt.Sprintf("old-%d", i)})
				case 2, 3:
					e := newEntry(fmt.Sprintf("old-%d", i), "old")
					e.Reference = fmt.Sprintf("ref-old-%d", i%3)
					e.State, e.Acknowledged = StateDone, r.IntN(2) == 0
					_ = j.Put(e, fmt.Sprintf("old-%d", r.IntN(ids)))
				default:
					id := fmt.Sprintf("kept-%d", i)
					e := newEntry(id, "kept")
					e.Reference = fmt.Sprintf("ref-kept-%d", i%3)
					var err error
					if r.IntN(2) == 0 {
						err = j.Put(e)
					} else {
						done := make(chan error, 1)
						if err = j.PutSoon(e, func(*Entry) {}, func(_ *Entry, err error) { done <- err }); err == nil {
							err = <-done
						}
					}
					if err == nil {
						found.Store(id, true)
					}
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d commits failed early, %d late", early.Load(), late.Load())
	failMu.Lock()
	failRng = rand.New(rand.NewPCG(seed, 2))
	failMu.Unlock()
	check := func(j *Journal) {
		t.Helper()
		checkLayout(t, j)
		found.Range(func(id, _ any) bool {
			if e, err := j.Get(id.(string)); err != nil || e == nil {
				t.Fatalf("%s, written once, is missing (%v)", id, err)
			}
			return true
		})
	}
	check(j)
	j.Close()
	j, err := Open(path, opts)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer j.Close()
	check(j)
}
