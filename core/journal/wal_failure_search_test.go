//go:build vmpfailpoints

package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// failCheckpoints makes the checkpoints' bbolt commits of j fail as how() says when asked at
// a commit's first page write: before its meta page (a full disk) or after it (EIO on the
// fdatasync after the meta page).
func failCheckpoints(t *testing.T, j *Journal, how func() CommitFailure) {
	pageSize := int64(j.db.Info().PageSize)
	var inCommit bool
	var failing CommitFailure
	swapPageWriter(t, j, func(real func([]byte, int64) (int, error)) func([]byte, int64) (int, error) {
		return func(b []byte, off int64) (int, error) {
			if j.wal.file == nil || j.wal.bookkeeping {
				return real(b, off)
			}
			if !inCommit {
				inCommit, failing = true, how()
			}
			meta := off < 2*pageSize && int64(len(b)) == pageSize
			switch {
			case failing == FailBeforeMeta:
				inCommit = false
				return 0, errors.New("injected: the checkpoint's page write failed")
			case meta:
				inCommit = false
				n, err := real(b, off)
				if err == nil && failing == FailAfterMeta {
					return n, errors.New("injected: the fdatasync after the checkpoint's meta page failed")
				}
				return n, err
			}
			return real(b, off)
		}
	})
}

// Whatever fails - a group's log record before it is written or after (the fdatasync), a
// checkpoint's commit before its meta page or after - a write that was answered is there
// after the process dies or closes, a write told it failed before its record was written
// is in no read, and the journal opens again: searched over random writes, random failures
// and random deaths and Closes, through several lives of one journal.
func TestEveryAnsweredWriteSurvivesFailingLogsAndCheckpoints(t *testing.T) {
	seeds := uint64(60)
	var failedWrites, diskFailures, closeFailures atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d writes failed, %d lives ended by a disk failure, %d Closes failed", failedWrites.Load(), diskFailures.Load(), closeFailures.Load())
	})
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 43))
			withCheckpointsEvery(t, 1+rng.IntN(12))
			now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
			opts := Options{Retention: time.Hour, Now: func() time.Time { return now }, Outbox: seed%2 == 0}
			path := filepath.Join(t.TempDir(), "journal.db")
			ids := []string{}
			var failing atomic.Bool
			logFail := rng.IntN(8)
			cpFail := rng.IntN(4)
			choose := func() CommitFailure {
				if !failing.Load() {
					return CommitSucceeds
				}
				switch rng.IntN(40) {
				case 0, 1, 2, 3, 4:
					if logFail > 0 {
						return FailBeforeMeta
					}
				case 5:
					if logFail > 3 {
						return FailAfterMeta
					}
				}
				return CommitSucceeds
			}
			FailCommits(path, func(int64) CommitFailure { return choose() })
			t.Cleanup(func() { FailCommits(path, nil) })
			var want []byte
			for life := range 6 {
				failing.Store(false)
				j, err := Open(path, opts)
				if err != nil {
					t.Fatalf("life %d: opening: %v", life, err)
				}
				if want != nil {
					if got := contentOf(t, j); !bytes.Equal(got, want) {
						t.Fatalf("life %d: the file opened is not the one the last life read: %s", life, firstDifference(want, got))
					}
				}
				failCheckpoints(t, j, func() CommitFailure {
					if !failing.Load() || cpFail == 0 {
						return CommitSucceeds
					}
					switch rng.IntN(6) {
					case 0:
						return FailBeforeMeta
					case 1:
						if cpFail > 1 {
							return FailAfterMeta
						}
					}
					return CommitSucceeds
				})
				failing.Store(true)
				for step := range 20 + rng.IntN(60) {
					now = now.Add(time.Duration(rng.IntN(300)) * time.Second)
					before := contentOf(t, j)
					err := tryWrite(rng, j, &ids)
					if err == nil {
						continue
					}
					if !errors.Is(err, ErrInjectedCommitFailure) && !errors.Is(err, ErrDiskFailed) {
						t.Fatalf("life %d step %d: %v", life, step, err)
					}
					failedWrites.Add(1)
					j.writeMu.Lock()
					failed := j.diskFailed != nil
					j.writeMu.Unlock()
					if failed {
						diskFailures.Add(1)
						break // it writes nothing more: it dies or closes
					}
					// Told it failed, its record never written: no read sees it.
					if got := contentOf(t, j); !bytes.Equal(got, before) {
						t.Fatalf("life %d step %d: a write that failed (%v) is read: %s", life, step, err, firstDifference(before, got))
					}
				}
				j.WaitQueued()
				failing.Store(false)
				_ = j.update(func(*wtx) error { return nil }) // the outbox's deletions, as in the search above
				want = contentOf(t, j)
				if rng.IntN(3) == 0 {
					failing.Store(true) // Close's checkpoint may fail too: the log stays
					if j.Close() != nil {
						closeFailures.Add(1)
					}
				} else {
					j.die()
				}
			}
		})
	}
}
