package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// die ends j as a killed process would: nothing more reaches the disk (no checkpoint, the log
// as its last sync left it), and the file's lock is released so it can be opened again.
func (j *Journal) die() {
	j.WaitQueued() // a queued write is not answered yet; once answered it is in the log
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if j.wal.long != nil {
		_ = j.wal.long.Rollback()
		j.wal.long = nil
	}
	if j.wal.file != nil {
		_ = j.wal.file.f.Close()
		j.wal.file = nil
	}
	j.notes.mu.Lock()
	j.notes.closed = true
	if j.notes.timer != nil && j.notes.timer.Stop() {
		j.notes.timer = nil
		j.notes.flushes.Done()
	}
	j.notes.mu.Unlock()
	_ = j.db.Close()
}

// contentOf is the journal's content as its reads see it, without the log's own marks.
func contentOf(t *testing.T, j *Journal) []byte {
	t.Helper()
	var dump []byte
	err := j.view(func(tx *bolt.Tx) error { dump = dumpWithoutLogMarks(tx); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

func dumpWithoutLogMarks(tx *bolt.Tx) []byte {
	var lines [][]byte
	for _, line := range bytes.Split(dumpFile(tx), []byte("\n")) {
		if bytes.HasPrefix(line, []byte(fmt.Sprintf("  %q", keyWALApplied))) || bytes.HasPrefix(line, []byte(fmt.Sprintf("  %q", keyFormat))) {
			continue
		}
		lines = append(lines, line)
	}
	return bytes.Join(lines, []byte("\n"))
}

// withCheckpointsEvery sets how many writes a checkpoint waits for, for one test.
func withCheckpointsEvery(t *testing.T, writes int) {
	old := checkpointAfter
	checkpointAfter = writes
	t.Cleanup(func() { checkpointAfter = old })
}

// A process killed at any point between writes loses nothing it answered: the file Open makes
// from what the B+tree took at its last checkpoint and the log's records is, bucket by bucket,
// the file the process read. Searched over random mixes of every kind of write, checkpoints
// every 1 to 40 writes, and deaths at random points, through several lives of one journal.
func TestEveryAnsweredWriteIsThereAfterTheProcessDies(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 17))
			withCheckpointsEvery(t, 1+rng.IntN(40))
			now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
			opts := Options{Retention: time.Hour, Now: func() time.Time { return now }, Outbox: seed%2 == 0}
			path := filepath.Join(t.TempDir(), "journal.db")
			ids := []string{}
			for life := range 4 {
				j, err := Open(path, opts)
				if err != nil {
					t.Fatalf("life %d: opening: %v", life, err)
				}
				for range 30 + rng.IntN(120) {
					now = now.Add(time.Duration(rng.IntN(300)) * time.Second)
					randomWrite(t, rng, j, &ids)
				}
				j.WaitQueued() // what PutSoon queued is answered once it is in the log
				// Published outbox keys are deleted by the next commit, Close's too: made now,
				// so that Close has nothing left to change.
				if err := j.update(func(*wtx) error { return nil }); err != nil {
					t.Fatal(err)
				}
				want := contentOf(t, j)
				if rng.IntN(5) == 0 {
					if err := j.Close(); err != nil {
						t.Fatalf("life %d: closing: %v", life, err)
					}
				} else {
					j.die()
				}
				j, err = Open(path, opts)
				if err != nil {
					t.Fatalf("life %d: reopening after the death: %v", life, err)
				}
				if got := contentOf(t, j); !bytes.Equal(got, want) {
					t.Fatalf("life %d: the file after the death is not the one the process read: %s", life, firstDifference(want, got))
				}
				j.die()
			}
		})
	}
}

// A log cut short or damaged in its last records - a process killed while writing one, a
// disk that lost the end of a write it never confirmed - is read up to its last whole record:
// Open takes every record before it and none after, and the journal opens.
func TestALogCutShortOrDamagedIsReadToItsLastWholeRecord(t *testing.T) {
	withCheckpointsEvery(t, 1<<30)
	const writes = 12
	for _, damage := range []string{"cut", "flip"} {
		for cut := range writes {
			t.Run(fmt.Sprintf("%s-record-%d", damage, cut), func(t *testing.T) {
				j, path := openTemp(t, Options{})
				var ends []int64
				for i := range writes {
					if err := j.Put(newEntry(fmt.Sprintf("id-%d", i), "x")); err != nil {
						t.Fatal(err)
					}
					ends = append(ends, j.wal.file.off)
				}
				j.die()
				start := int64(0)
				if cut > 0 {
					start = ends[cut-1]
				}
				log := walPath(path)
				data, err := os.ReadFile(log)
				if err != nil {
					t.Fatal(err)
				}
				at := start + 1 + rand.Int64N(ends[cut]-start-1)
				if damage == "cut" {
					data = data[:at]
				} else {
					data[at] ^= 0x40
				}
				if err := os.WriteFile(log, data, 0o600); err != nil {
					t.Fatal(err)
				}
				j, err = Open(path, Options{})
				if err != nil {
					t.Fatalf("opening after the damage: %v", err)
				}
				defer j.Close()
				for i := range writes {
					if e, _ := j.Get(fmt.Sprintf("id-%d", i)); (e != nil) != (i < cut) {
						t.Fatalf("id-%d in the file: %v; want it there only before the damaged record %d", i, e != nil, cut)
					}
				}
			})
		}
	}
}

// After a checkpoint the log is written again from its start, over records the file already
// holds: a death right after the checkpoint, or after a first record shorter than the one it
// wrote over, leaves old records behind it, which Open must not take for new ones.
func TestOldRecordsBehindTheLogsNewOnesAreNotTakenAgain(t *testing.T) {
	for _, after := range []int{0, 1, 2} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			withCheckpointsEvery(t, 1<<30)
			j, path := openTemp(t, Options{})
			for i := range 6 {
				e := newEntry(fmt.Sprintf("old-%d", i), "x")
				e.Body = bytes.Repeat([]byte{'o'}, 5000)
				if err := j.Put(e); err != nil {
					t.Fatal(err)
				}
			}
			j.writeMu.Lock()
			err := j.checkpoint(nil)
			j.writeMu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			// old-0's record was the first; the new records are shorter and change it back.
			for i := range after {
				e, _ := j.Get("old-0")
				e.Body = []byte(fmt.Sprint("new ", i))
				if err := j.Put(e); err != nil {
					t.Fatal(err)
				}
			}
			want := contentOf(t, j)
			j.die()
			j, err = Open(path, Options{})
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer j.Close()
			if got := contentOf(t, j); !bytes.Equal(got, want) {
				t.Fatalf("after the death: %s", firstDifference(want, got))
			}
		})
	}
}

// A journal closed cleanly holds every write in its B+tree, has no log beside it and is marked
// with the format before the log, so a vmp before it reads it whole.
func TestAJournalClosedCleanlyHasNoLogAndTheFormatBeforeIt(t *testing.T) {
	j, path := openTemp(t, Options{})
	for i := range 20 {
		if err := j.Put(newEntry(fmt.Sprintf("id-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(walPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the log is still there after Close: %v", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketMeta).Get(keyFormat); !bytes.Equal(f, formatValue) {
			t.Errorf("format %q after Close, want %q", f, formatValue)
		}
		if n := tx.Bucket(bucketEntries).Stats().KeyN; n != 20 {
			t.Errorf("%d entries in the B+tree after Close, want 20", n)
		}
		return nil
	})
}

// A journal whose log is gone while it may hold writes is refused: opening it would lose writes
// that were answered. A log whose journal is gone is moved aside, never mixed into the new one.
func TestAJournalWithoutItsLogIsRefusedAndALostJournalsLogIsKeptAside(t *testing.T) {
	t.Run("log missing", func(t *testing.T) {
		j, path := openTemp(t, Options{})
		if err := j.Put(newEntry("id-1", "x")); err != nil {
			t.Fatal(err)
		}
		j.die()
		if err := os.Remove(walPath(path)); err != nil {
			t.Fatal(err)
		}
		if j, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
			if j != nil {
				j.Close()
			}
			t.Fatalf("opened without its log: %v", err)
		}
	})
	t.Run("journal missing", func(t *testing.T) {
		j, path := openTemp(t, Options{})
		if err := j.Put(newEntry("id-1", "x")); err != nil {
			t.Fatal(err)
		}
		j.die()
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		j, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("a lost journal's log kept a new journal from starting: %v", err)
		}
		defer j.Close()
		if e, _ := j.Get("id-1"); e != nil || !j.Created() {
			t.Fatalf("the new journal took the lost one's log: entry %v, created %v", e != nil, j.Created())
		}
		if aside, _ := filepath.Glob(walPath(path) + ".orphaned-*"); len(aside) != 1 {
			t.Fatalf("the lost journal's log was not kept aside: %v", aside)
		}
	})
}
