package journal

import (
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"os"
	"path/filepath"
	"testing"
)

// A journal cut short (a copy that ran out of space, a restore stopped halfway) at any page:
// Open refuses it with ErrCorrupt, or opens it with every entry readable - never a crash. bbolt
// maps the file into memory, and a page it trusts beyond the end of the file is a SIGBUS, which
// ends the process (the till) unless Open turns it into a panic it can recover from.
func TestAJournalCutShortAtAnyPageIsRefusedNotACrash(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	j, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := range n {
		if err := j.Put(newEntry(fmt.Sprintf("vmp-%03d", i), "i")); err != nil {
			t.Fatal(err)
		}
	}
	pageSize := j.db.Info().PageSize
	j.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// Cuts beyond the pages the file's last commit names (bbolt grows a file ahead of them: on
	// Linux to 16 MiB at once, map_size_linux.go) leave every page whole: cut up to a few past.
	var used int
	if db, err := bolt.Open(good, 0o600, &bolt.Options{ReadOnly: true}); err == nil {
		db.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
		db.Close()
	}
	if used == 0 || used > len(data) {
		t.Fatalf("the good journal's pages end at %d of %d bytes", used, len(data))
	}
	refused := 0
	for cut := 2 * pageSize; cut < min(len(data), used+4*pageSize); cut += pageSize {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d.db", cut))
		if err := os.WriteFile(path, data[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(path, Options{})
		if errors.Is(err, ErrCorrupt) {
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d of %d bytes: %v, want ErrCorrupt", cut, len(data), err)
		}
		for i := range n {
			if e, err := j.Get(fmt.Sprintf("vmp-%03d", i)); err != nil || e == nil {
				t.Fatalf("cut at %d of %d bytes: opened, then vmp-%03d: %v, %v", cut, len(data), i, e, err)
			}
		}
		j.Close()
	}
	t.Logf("%d of %d cuts refused", refused, (min(len(data), used+4*pageSize)-2*pageSize+pageSize-1)/pageSize)
}
