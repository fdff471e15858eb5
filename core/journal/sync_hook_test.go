package journal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The crash and property tests kill a till at its Nth journal commit by counting commits in
// commitTx (sync_hook.go); a write that bypassed it would be a commit they never kill at. The
// write-ahead log's own transactions (long_tx.go, wal.go) hold the groups commitTx made.
func TestEveryJournalWriteGoesThroughUpdate(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "sync_hook.go" || f == "long_tx.go" || f == "wal.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{".db.Update(", ".db.Batch(", ".db.Begin(true"} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s writes through %s; use j.update (j.commitTx) so the crash tests count the commit", f, strings.Trim(call, ".("))
			}
		}
	}
}

// A change made to a bucket directly, not through a wtx, is in memory and not in the
// write-ahead log (redo.go): lost with the process, however durable its write was said to be.
func TestEveryJournalChangeIsNotedForTheLog(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	change := regexp.MustCompile(`\.(Put|Delete|NextSequence|SetSequence|CreateBucket|CreateBucketIfNotExists|DeleteBucket)\(`)
	for _, f := range files {
		// redo.go is the wtx; long_tx.go and wal.go keep the log's own marks and make its
		// records again.
		if strings.HasSuffix(f, "_test.go") || f == "redo.go" || f == "long_tx.go" || f == "wal.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if change.MatchString(line) && !strings.Contains(line, "commitChoosers.Delete") && !strings.Contains(line, "j.Put(") && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d changes the file around the log: %s (use the wtx's put, del, nextSequence...)", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
