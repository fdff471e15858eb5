//go:build unix

package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// Issue 14, case 17: a journal restored with mode 0644 was used as it was, readable by every
// user of the machine (it holds the till's requests and the webhook secrets).
func TestALooseJournalIsMadePrivateBeforeUse(t *testing.T) {
	j, path := openTemp(t, Options{})
	if err := j.Put(newEntry("key-1", "capture|ref-12345678|100")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	dir := filepath.Dir(path)
	for _, p := range []struct {
		path string
		mode os.FileMode
	}{{path, 0o644}, {dir, 0o755}} {
		if err := os.Chmod(p.path, p.mode); err != nil {
			t.Fatal(err)
		}
	}

	// A folder the host chose is left alone; the file is tightened.
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := modeOf(t, path); got != 0o600 {
		t.Fatalf("the journal is %04o after Open; want 0600", got)
	}
	if got := modeOf(t, dir); got != 0o755 {
		t.Fatalf("a folder the host chose was changed to %04o", got)
	}
	if notes := j.Tightened(); len(notes) != 1 || !strings.Contains(notes[0], "0644") {
		t.Fatalf("Tightened() = %q", notes)
	}
	if e, err := j.Get("key-1"); err != nil || e == nil {
		t.Fatalf("the entry after tightening: %v, %v", e, err)
	}
	j.Close()

	// The library's own folder is made private too; a private journal is left as it is.
	j, err = Open(path, Options{OwnFolder: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := modeOf(t, dir); got != 0o700 {
		t.Fatalf("the library's own folder is %04o after Open; want 0700", got)
	}
	if notes := j.Tightened(); len(notes) != 1 || !strings.Contains(notes[0], dir+" was 0755") {
		t.Fatalf("Tightened() = %q", notes)
	}
}

// A journal another user owns is refused, untouched: tightening it would not make it this
// user's. As root the test gives a journal to "nobody"; otherwise it points at a root-owned file.
func TestAJournalOfAnotherUserIsRefused(t *testing.T) {
	var path string
	if os.Geteuid() == 0 {
		j, p := openTemp(t, Options{})
		j.Close()
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Skipf("cannot give the file to another user: %v", err)
		}
		path = p
	} else {
		path = "/etc/passwd" // owned by root, exists on every Unix
		if st, err := os.Stat(path); err != nil || st.Sys() == nil {
			t.Skip("no root-owned file to point at")
		}
	}
	before := modeOf(t, path)
	j, err := Open(path, Options{})
	if err == nil {
		j.Close()
		t.Fatal("a journal of another user was opened")
	}
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "belongs to user id") {
		t.Fatalf("err = %v, want ErrNotPrivate naming the owner", err)
	}
	if got := modeOf(t, path); got != before {
		t.Fatalf("the refused file's mode changed from %04o to %04o", before, got)
	}
}
