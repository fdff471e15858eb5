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

// tryWrite is randomWrite that returns the write's error instead of failing the test (a
// queued write is waited for: its result is the write's).
func tryWrite(rng *rand.Rand, j *Journal, ids *[]string) error {
	pick := func() string {
		if len(*ids) == 0 || rng.IntN(3) == 0 {
			id := fmt.Sprintf("id-%d", len(*ids))
			*ids = append(*ids, id)
			return id
		}
		return (*ids)[rng.IntN(len(*ids))]
	}
	entry := func(id string) *Entry {
		e, _ := j.Get(id)
		if e == nil {
			e = newEntry(id, []string{"checkout", "capture", "refund"}[rng.IntN(3)])
			e.Reference = fmt.Sprintf("ref-%d", rng.IntN(8))
		}
		switch rng.IntN(3) {
		case 0:
			e.State = StateOpen
		case 1:
			e.State, e.Outcome = StateDone, &Outcome{Code: 0}
		}
		e.Body = bytes.Repeat([]byte{'x'}, rng.IntN(3000))
		return e
	}
	switch rng.IntN(9) {
	case 0, 1:
		return j.Put(entry(pick()), pick())
	case 2:
		var qerr error
		if err := j.PutSoon(entry(pick()), func(*Entry) {}, func(_ *Entry, err error) { qerr = err }); err != nil {
			return err
		}
		j.WaitQueued()
		return qerr
	case 3:
		return j.AcknowledgeAll([]string{pick(), pick()})
	case 4:
		_, err := j.Prune()
		return err
	case 5:
		return j.SetMeta(fmt.Sprintf("k%d", rng.IntN(3)), []string{"", "v1", "v2"}[rng.IntN(3)])
	case 6:
		if rng.IntN(2) == 0 {
			return j.PutWebhookSecret(WebhookSecret{ID: fmt.Sprintf("w%d", rng.IntN(3)), Secret: "s"})
		}
		return j.DeleteWebhookSecret(fmt.Sprintf("w%d", rng.IntN(3)))
	case 7:
		_, err := j.AcknowledgePayment(fmt.Sprintf("ref-%d", rng.IntN(8)))
		return err
	default:
		if items, oerr := j.Outbox(5); oerr == nil && len(items) > 0 {
			j.OutboxPublished(items[len(items)-1].Seq)
		}
		return j.CommitQueued()
	}
}

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
