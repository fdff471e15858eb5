//go:build unix

package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/sim"
)

// Issue 14, case 17, through vmp_init: the default journal and the library's own folder,
// restored 0644 and 0755, are made 0600 and 0700 before use, and the host is told in the log.
func TestVmpInitMakesARestoredJournalPrivateAndSaysSo(t *testing.T) {
	s, err := sim.Start(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	dir := filepath.Join(home, "vmp")
	path := filepath.Join(dir, "journal-simulator-123456.db")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(path, journal.Options{}) // a journal restored from a backup
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	for p, mode := range map[string]os.FileMode{path: 0o644, dir: 0o755} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}

	cfg, err := ParseConfig([]byte(`{"environment":"simulator","base_url":"` + s.URL() + `","msn":"123456"}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: %v, %v; want %04o", p, st.Mode().Perm(), err, want)
		}
	}
	var warned int
	for _, r := range pullLogs(t, c) {
		if r.Component == "journal" && r.Level == LogWarn && strings.Contains(r.Message, "made private") {
			warned++
		}
	}
	if warned != 2 {
		t.Fatalf("%d warnings about the permissions; want one for the file and one for the folder", warned)
	}
}

// A journal another user owns stops vmp_init with VMP_ERR_JOURNAL and says why.
func TestVmpInitRefusesAJournalOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user (core/journal tests the refusal without)")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skipf("cannot give the file to another user: %v", err)
	}
	cfg, err := ParseConfig([]byte(`{"journal_path":"` + path + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err == nil {
		c.Close()
		t.Fatal("vmp_init used a journal of another user")
	}
	if CodeOf(err) != CodeJournal || !strings.Contains(err.Error(), "belongs to user id 65534") || !strings.Contains(err.Error(), "0600") {
		t.Fatalf("err = %v", err)
	}
}
