//go:build vmpfailpoints

package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Open's own commit - the payment buckets, and the move of an older journal to this format -
// runs after the file passed its checks; when it fails, by an error or by a panic (here bbolt's
// page writer's), Open returns the error, or ErrCorrupt with the panic, naming the file, and
// closes the file: the next Open in the same process opens it, not ErrLocked.
func TestAFailedCommitInOpenClosesTheFile(t *testing.T) {
	for _, older := range []bool{false, true} {
		for _, how := range []string{"error", "panic"} {
			t.Run(fmt.Sprintf("older-format-%v-%s", older, how), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "journal.db")
				if older {
					oldJournal(t, path, 40, true)
				} else {
					j, err := Open(path, Options{})
					if err != nil {
						t.Fatal(err)
					}
					j.Close()
				}
				FailCommits(path, func(int64) CommitFailure {
					if how == "panic" {
						panic("injected: the page writer panicked")
					}
					return FailBeforeMeta
				})
				defer FailCommits(path, nil)
				for try := 1; try <= 2; try++ {
					j, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
					if err == nil {
						j.Close()
						t.Fatalf("try %d: Open succeeded with its commit failing", try)
					}
					want := ErrInjectedCommitFailure
					if how == "panic" {
						want = ErrCorrupt
					}
					if !errors.Is(err, want) || (how == "panic" && (!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "injected"))) {
						t.Fatalf("try %d: %v, want %v naming the file and what panicked", try, err, want)
					}
				}
				FailCommits(path, nil)
				j, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
				if err != nil {
					t.Fatalf("Open once the commits succeed: %v", err)
				}
				defer j.Close()
				if j.MayHoldOlderKeys() != older {
					t.Fatalf("MayHoldOlderKeys %v for a journal of the older format %v", j.MayHoldOlderKeys(), older)
				}
			})
		}
	}
}
