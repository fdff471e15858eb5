package journal

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A journal restored from a backup older than the log beside it (copied while vmp ran, or
// restored alone): Open either makes exactly the journal the log's last record left - the
// log holds every record after the backup's checkpoint - or refuses it as damaged; it never
// opens a mix. And it refuses none whose log holds every record it needs. Searched over
// random runs with checkpoints, and every pair of an older journal file with a newer log.
func TestAnOlderJournalWithANewerLogOpensWholeOrIsRefused(t *testing.T) {
	withCheckpointsEvery(t, 1<<30)
	opened, refused := 0, 0
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 99))
		now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
		opts := Options{Retention: time.Hour, Now: func() time.Time { return now }}
		path := filepath.Join(t.TempDir(), "journal.db")
		j, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		type snapshot struct {
			file, log, content   []byte
			applied, first, last uint64 // the file's last record, the log's records
		}
		var snaps []snapshot
		ids := []string{}
		for range 12 {
			for range 1 + rng.IntN(4) {
				randomWrite(t, rng, j, &ids)
			}
			j.WaitQueued()
			if rng.IntN(3) == 0 {
				j.writeMu.Lock()
				err := j.checkpoint(nil)
				j.writeMu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			log, err := os.ReadFile(walPath(path))
			if err != nil {
				t.Fatal(err)
			}
			recs, first, _ := walRecords(walPath(path))
			j.writeMu.Lock()
			applied := j.wal.file.seq - uint64(len(j.wal.since))
			j.writeMu.Unlock()
			last := first + uint64(len(recs)) - 1
			if len(recs) == 0 {
				first, last = 0, 0
			}
			snaps = append(snaps, snapshot{file, log, contentOf(t, j), applied, first, last})
		}
		j.die()
		for i := range snaps {
			for k := i; k < len(snaps); k++ {
				f, l := snaps[i], snaps[k]
				p := filepath.Join(t.TempDir(), "journal.db")
				if err := os.WriteFile(p, f.file, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(walPath(p), l.log, 0o600); err != nil {
					t.Fatal(err)
				}
				// It can be made whole when the log's records reach from the file's next one to
				// the log's last (or the file holds them all).
				canOpen := l.first == 0 && f.applied >= l.applied || l.first != 0 && l.first <= f.applied+1
				tj, err := Open(p, opts)
				if err != nil {
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("seed %d file %d log %d: %v", seed, i, k, err)
					}
					if canOpen {
						t.Fatalf("seed %d file %d (record %d) log %d (records %d-%d): refused: %v", seed, i, f.applied, k, l.first, l.last, err)
					}
					refused++
					continue
				}
				got := contentOf(t, tj)
				tj.die()
				if !bytes.Equal(got, l.content) {
					t.Fatalf("seed %d file %d (record %d) log %d (records %d-%d, file at %d): opened a mix: %s", seed, i, f.applied, k, l.first, l.last, l.applied, firstDifference(l.content, got))
				}
				opened++
			}
		}
	}
	t.Logf("%d pairs opened whole, %d refused", opened, refused)
}
