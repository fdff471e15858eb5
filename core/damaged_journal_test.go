package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/journal"
)

// vmp_init on a journal whose free-page list is damaged (bbolt panics reading it) fails with
// VMP_ERR_JOURNAL naming the file, and fails the same way when tried again; once the till puts
// its backup over the file, vmp_init in the same process opens it. A failed attempt that kept
// the file open kept its lock, and every later one answered "in use by another process" until
// the till restarted.
func TestVmpInitOnADamagedJournalFailsThenOpensTheRestoredCopyWithoutARestart(t *testing.T) {
	s, _ := externalSim(t)
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	backup, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, withFreeListPagesMadeLeaves(t, backup), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(fmt.Sprintf(`{"base_url":%q,"journal_path":%q}`, s.URL(), path)))
	if err != nil {
		t.Fatal(err)
	}
	for try := 1; try <= 2; try++ {
		c, err := New(cfg)
		if err == nil {
			c.Close()
			t.Fatalf("try %d: vmp_init opened the damaged journal", try)
		}
		if CodeOf(err) != CodeJournal || !errors.Is(err, journal.ErrCorrupt) || !strings.Contains(err.Error(), path) {
			t.Fatalf("try %d: %v (code %v), want VMP_ERR_JOURNAL: damaged, naming %s", try, err, CodeOf(err), path)
		}
	}
	if err := os.WriteFile(path, backup, 0o600); err != nil { // over the damaged file, as a copy does
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("vmp_init on the restored journal in the same process: %v", err)
	}
	c.Close()
}

// withFreeListPagesMadeLeaves is a copy of the bbolt file data whose free-page list pages say
// they are leaf pages. bbolt's header: page id (8 bytes), flags (2); its meta page holds the
// page size after the header and two 4-byte fields.
func withFreeListPagesMadeLeaves(t *testing.T, data []byte) []byte {
	t.Helper()
	const freeList, leaf = 0x10, 0x02
	out := append([]byte(nil), data...)
	pageSize := int(binary.NativeEndian.Uint32(out[16+8:]))
	changed := 0
	for at := 2 * pageSize; at+pageSize <= len(out); at += pageSize {
		if binary.NativeEndian.Uint64(out[at:]) == uint64(at/pageSize) && binary.NativeEndian.Uint16(out[at+8:]) == freeList {
			binary.NativeEndian.PutUint16(out[at+8:], leaf)
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("the journal has no free-page list page")
	}
	return out
}
