package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A journal damaged in any of several ways - random bytes over random pages, cut short, a meta
// page zeroed, a page with a type it cannot have, a branch page that is its own child - is
// refused by Open with ErrCorrupt naming the file (or opened, where the damage is in pages the
// file no longer uses), never a panic out of Open nor a crash of the process. Whatever Open
// answered, the file is free again afterwards: a second Open of the damaged file meets the same
// answer, and a good copy put at the same path opens in the same process. A failed Open that
// left its bbolt file open kept its lock, and a till that restored its journal from a backup
// had to restart.
func TestADamagedJournalIsRefusedAndLeavesTheFileFree(t *testing.T) {
	dir := t.TempDir()
	good, pageSize := goodJournalBytes(t, filepath.Join(dir, "good.db"))
	cases := damagedJournals(good, pageSize)
	refused := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".db")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			first := openAndClose(t, path)
			if first != nil {
				refused++
				if !errors.Is(first, ErrCorrupt) || !strings.Contains(first.Error(), path) {
					t.Fatalf("Open: %v, want ErrCorrupt naming %s", first, path)
				}
			}
			again := openAndClose(t, path)
			if errors.Is(again, ErrLocked) || sameFailure(first) != sameFailure(again) {
				t.Fatalf("a second Open of the damaged file: %v, want what the first answered: %v", again, first)
			}
			// The till puts its backup in place, over the damaged file (same inode, as a copy does).
			if err := os.WriteFile(path, good, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatalf("the good copy at the damaged file's path after %v: %v", first, err)
			}
			if e, err := j.Get("k-create-ref-007"); err != nil || e == nil {
				t.Errorf("the good copy: %v, %v", e, err)
			}
			j.Close()
		})
	}
	t.Logf("%d of %d damaged journals refused", refused, len(cases))
}

// openAndClose opens path and closes it when it opened: Open's error. A panic out of Open
// fails the test.
func openAndClose(t *testing.T, path string) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Open panicked: %v", r)
		}
	}()
	j, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if err == nil {
		j.Close()
	}
	return err
}

// sameFailure is err's text without addresses (a fault's differs between two maps of a file).
func sameFailure(err error) string {
	if err == nil {
		return ""
	}
	return regexp.MustCompile(`0x[0-9a-f]+`).ReplaceAllString(err.Error(), "0x")
}

// goodJournalBytes writes a journal at path with entries, indexes and payment records over
// enough pages that its buckets have branch pages, and one entry over several pages, and
// returns the closed file and its page size.
func goodJournalBytes(t *testing.T, path string) ([]byte, int) {
	t.Helper()
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		ref := fmt.Sprintf("ref-%03d", i)
		c := createEntry(ref, "123456", int64(100+i))
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
		c.State, c.Payment = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: c.Amount}
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			j.NotePayment("123456", ref, ObservedPayment{State: "AUTHORIZED", Currency: "NOK", Amount: c.Amount, Authorized: c.Amount, PSPReference: "psp-" + ref})
		}
	}
	big := createEntry("ref-big", "123456", 1) // a value over several pages (overflow pages)
	big.Body = []byte(`{"note":"` + strings.Repeat("x", 20000) + `"}`)
	if err := j.Put(big); err != nil {
		t.Fatal(err)
	}
	pageSize := j.db.Info().PageSize
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Only the pages the file's last commit names: bbolt grows a file ahead of them (on Linux
	// to 16 MiB at once, map_size_linux.go), and damage in that unused tail would test nothing.
	var used int
	if db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true}); err == nil {
		db.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
		db.Close()
	}
	if used == 0 || used > len(data) {
		t.Fatalf("the good journal's pages end at %d of %d bytes", used, len(data))
	}
	return data[:used], pageSize
}

type damagedJournal struct {
	name string
	data []byte
}

// bbolt's page header: id (8 bytes), flags (2), count (2), overflow (4); a branch page's
// elements (16 bytes) end with the child's page id.
const (
	pageFlagsAt, pageHeaderSize        = 8, 16
	branchPage, leafPage, freelistPage = 0x01, 0x02, 0x10
)

// damagedJournals are copies of good (a journal of pages of pageSize) damaged in several ways.
func damagedJournals(good []byte, pageSize int) []damagedJournal {
	pages := len(good) / pageSize
	r := rand.New(rand.NewPCG(7, 11))
	var out []damagedJournal
	damage := func(name string, change func(b []byte) []byte) {
		out = append(out, damagedJournal{name, change(append([]byte(nil), good...))})
	}
	for i := range 80 {
		n := 1 + r.IntN(3)
		damage(fmt.Sprintf("random-bytes-%03d-over-%d-pages", i, n), func(b []byte) []byte {
			for range n {
				page := r.IntN(pages)
				start, end := page*pageSize+r.IntN(pageSize), page*pageSize+r.IntN(pageSize)+1
				if i%2 == 0 { // the whole page
					start, end = page*pageSize, (page+1)*pageSize
				}
				for k := start; k < end; k++ {
					b[k] = byte(r.Uint32())
				}
			}
			return b
		})
	}
	for _, cut := range []int{pageSize/2 + 3, 2*pageSize + 100, len(good) / 3, len(good) / 2, len(good) - pageSize, len(good) - 1} {
		damage(fmt.Sprintf("cut-at-%d", cut), func(b []byte) []byte { return b[:cut] })
	}
	for _, meta := range []int{0, 1} {
		damage(fmt.Sprintf("meta-page-%d-zeroed", meta), func(b []byte) []byte {
			clear(b[meta*pageSize : (meta+1)*pageSize])
			return b
		})
	}
	damage("both-meta-pages-zeroed", func(b []byte) []byte { clear(b[:2*pageSize]); return b })
	leaves := 0
	for page := 2; page < pages; page++ {
		at := page * pageSize
		flags := binary.LittleEndian.Uint16(good[at+pageFlagsAt:])
		switch {
		case flags == leafPage:
			if leaves++; leaves%10 != 1 {
				continue // a sample of the many leaf pages
			}
		case flags != branchPage && flags != freelistPage:
			continue // an overflow page's bytes, or a free page
		}
		for _, bad := range []uint16{0, 0x20, branchPage, leafPage} {
			if bad == flags {
				continue
			}
			damage(fmt.Sprintf("page-%d-type-%02x-made-%02x", page, flags, bad), func(b []byte) []byte {
				binary.LittleEndian.PutUint16(b[at+pageFlagsAt:], bad)
				return b
			})
		}
		if flags == leafPage {
			continue
		}
		damage(fmt.Sprintf("page-%d-type-%02x-random-bytes", page, flags), func(b []byte) []byte {
			for k := at + pageHeaderSize; k < at+pageSize; k++ {
				b[k] = byte(r.Uint32())
			}
			return b
		})
		if flags == branchPage { // its last child is the page itself: a walk down never ends
			damage(fmt.Sprintf("page-%d-a-branch-that-is-its-own-child", page), func(b []byte) []byte {
				count := int(binary.LittleEndian.Uint16(b[at+pageFlagsAt+2:]))
				binary.LittleEndian.PutUint64(b[at+pageHeaderSize+(count-1)*16+8:], uint64(page))
				return b
			})
		}
	}
	return out
}
