//go:build vmpfailpoints

package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"unsafe"
)

// The tests of what a failed commit does to money safety (core's failed-commit search) make a
// journal's commits fail the ways a till's disk fails them. bbolt has no hook for its writes or
// its fdatasync, so its unexported page writer (DB.ops.writeAt) is swapped: only in this build,
// never in a normal one.

// CommitFailure is how one commit of a journal fails.
type CommitFailure int

const (
	// CommitSucceeds: the commit is left alone.
	CommitSucceeds CommitFailure = iota
	// FailBeforeMeta fails the commit's first page write (a full disk, or an fdatasync of the
	// data pages that failed): the meta page is never written, and neither this process nor
	// the next reads anything of the commit.
	FailBeforeMeta
	// FailAfterMeta writes every page and the meta page, then fails as the fdatasync after
	// the meta page fails (EIO): the write is told it failed, yet this process - and the next
	// one, after a restart without a reboot - reads the file as that commit left it.
	FailAfterMeta
)

// ErrInjectedCommitFailure is the error of a commit FailCommits failed.
var ErrInjectedCommitFailure = errors.New("injected: the disk refused the journal commit")

// commitChoosers are the journals' FailCommits choices, by cleaned path.
var commitChoosers sync.Map

// FailCommits makes the commits of the journal at path - opened before or after the call -
// fail as choose says; choose gets the number of the commit (from 1, per open journal, failed
// commits counted). nil stops failing them.
func FailCommits(path string, choose func(commit int64) CommitFailure) {
	if choose == nil {
		commitChoosers.Delete(filepath.Clean(path))
		return
	}
	commitChoosers.Store(filepath.Clean(path), choose)
}

// armCommitFailures puts the failing page writer under j's bbolt file; it asks FailCommits'
// choice for j's path at the first page write of each commit (commits are serialised by
// bbolt, so the writer's state needs no lock of its own).
func armCommitFailures(j *Journal) error {
	field := reflect.ValueOf(j.db).Elem().FieldByName("ops").FieldByName("writeAt")
	if !field.IsValid() || field.Type() != reflect.TypeOf(func([]byte, int64) (int, error) { return 0, nil }) {
		return fmt.Errorf("bbolt's DB.ops.writeAt is gone: the failed-commit tests need another way to fail a commit")
	}
	writeAt := (*func([]byte, int64) (int, error))(unsafe.Pointer(field.UnsafeAddr()))
	real := *writeAt
	pageSize := int64(j.db.Info().PageSize)
	path := filepath.Clean(j.path)
	var (
		inCommit bool
		commit   int64
		how      CommitFailure
	)
	// choose asks the test how the next commit fails: a bbolt commit (Open's own, before the
	// write-ahead log starts) or a group written to the log (nextFailure). Commits are one at a
	// time (Journal.writeMu).
	choose := func() CommitFailure {
		commit++
		if c, ok := commitChoosers.Load(path); ok {
			return c.(func(int64) CommitFailure)(commit) // it may panic, as a driver might: the next commit asks again
		}
		return CommitSucceeds
	}
	walChoosers.Store(j, choose)
	*writeAt = func(b []byte, off int64) (int, error) {
		if j.wal.file != nil || j.wal.bookkeeping {
			// A checkpoint: its groups' failures were chosen as they were logged.
			if off < 2*pageSize && int64(len(b)) == pageSize {
				atCheckpoint(killAtCheckpointMeta)
			}
			return real(b, off)
		}
		if !inCommit {
			how = CommitSucceeds
			how = choose()
			inCommit = true
		}
		meta := off < 2*pageSize && int64(len(b)) == pageSize // pages 0 and 1 are the meta pages
		switch {
		case how == FailBeforeMeta:
			inCommit = false // bbolt rolls the transaction back: no further page of it is written
			return 0, ErrInjectedCommitFailure
		case meta:
			inCommit = false
			n, err := real(b, off)
			if err == nil && how == FailAfterMeta {
				return n, ErrInjectedCommitFailure
			}
			return n, err
		}
		return real(b, off)
	}
	return nil
}

// walChoosers are each open journal's choice of its next commit's failure (armCommitFailures).
var walChoosers sync.Map

// nextFailure is how the next group written to the log fails (FailCommits).
func (j *Journal) nextFailure() injectedFailure {
	c, ok := walChoosers.Load(j)
	if !ok {
		return injectNone
	}
	switch c.(func() CommitFailure)() {
	case FailBeforeMeta:
		return injectBeforeWrite
	case FailAfterMeta:
		return injectAfterWrite
	}
	return injectNone
}

var errInjected = ErrInjectedCommitFailure
