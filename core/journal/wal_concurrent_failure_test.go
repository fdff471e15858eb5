//go:build vmpfailpoints

package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
)

// Concurrent writers and readers while groups fail before or after their log record is
// written and checkpoints fail before or after their meta page: an entry whose Put returned
// nil, or that a read returned, is in the journal opened after the process dies. A read that
// saw a group whose record never reached the log must have failed.
func TestNoWriteAReadOrPutAnsweredIsLostWhileGroupsFail(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			withCheckpointsEvery(t, 1+int(seed%7)*5)
			path := filepath.Join(t.TempDir(), "journal.db")
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			FailCommits(path, func(int64) CommitFailure {
				switch rand.IntN(30) {
				case 0, 1, 2:
					return FailBeforeMeta
				case 3:
					if seed%3 == 0 {
						return FailAfterMeta
					}
				}
				return CommitSucceeds
			})
			t.Cleanup(func() { FailCommits(path, nil) })
			failCheckpoints(t, j, func() CommitFailure {
				switch rand.IntN(5) {
				case 0:
					return FailBeforeMeta
				case 1:
					if seed%4 == 1 {
						return FailAfterMeta
					}
				}
				return CommitSucceeds
			})
			var mu sync.Mutex
			mustHave := map[string]string{} // id -> who answered it
			seenByReads := 0
			var wg sync.WaitGroup
			stop := make(chan struct{})
			const writers = 8
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 40 {
						id := fmt.Sprintf("w%d-%d", w, i)
						if err := j.Put(newEntry(id, "x")); err == nil {
							mu.Lock()
							mustHave[id] = "its Put"
							mu.Unlock()
						} else if errors.Is(err, ErrDiskFailed) {
							return
						}
					}
				}()
			}
			var readers sync.WaitGroup
			for r := range 4 {
				readers.Add(1)
				go func() {
					defer readers.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						// The entries as the file has them, the group in flight too.
						list, err := j.Unacknowledged()
						if err != nil {
							continue
						}
						mu.Lock()
						for _, e := range list {
							if _, ok := mustHave[e.ID]; !ok {
								mustHave[e.ID] = fmt.Sprintf("reader %d", r)
								seenByReads++
							}
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(stop)
			readers.Wait()
			j.die()
			FailCommits(path, nil)
			j, err = Open(path, Options{})
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer j.Close()
			for id, who := range mustHave {
				if e, err := j.Get(id); err != nil || e == nil {
					t.Fatalf("%s was answered (%s) but is not in the journal opened again (%v)", id, who, err)
				}
			}
			t.Logf("%d entries answered, %d first by a read", len(mustHave), seenByReads)
		})
	}
}
