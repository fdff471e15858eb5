package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The crash and property tests kill a till at its Nth journal commit by counting commits in
// commitTx (sync_hook.go); a write that bypassed it would be a commit they never kill at.
func TestEveryJournalWriteGoesThroughUpdate(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "sync_hook.go" {
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
