package journal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A record torn as a disk tears a write the power cut short: any of its 512-byte sectors
// reached the disk and the others hold what was there before - older records, which after a
// checkpoint lie behind the new ones. Open takes the records before it and nothing of it
// (nobody was answered for it). Searched over random logs (checkpoints between, records of
// every size over longer or shorter old ones) and random sets of torn sectors.
func TestARecordTornSectorBySectorIsNotTaken(t *testing.T) {
	withCheckpointsEvery(t, 1<<30)
	cases := 0
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 4343))
		now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
		opts := Options{Retention: time.Hour, Now: func() time.Time { return now }}
		dir := t.TempDir()
		path := filepath.Join(dir, "journal.db")
		j, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for range rng.IntN(3) + 1 {
			for range 1 + rng.IntN(15) {
				randomWrite(t, rng, j, &ids)
			}
			j.WaitQueued()
			j.writeMu.Lock()
			err := j.checkpoint(nil)
			j.writeMu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
		}
		for range rng.IntN(4) {
			randomWrite(t, rng, j, &ids)
		}
		j.WaitQueued()
		wantBefore := contentOf(t, j)
		logBefore, err := os.ReadFile(walPath(path))
		if err != nil {
			t.Fatal(err)
		}
		j.writeMu.Lock()
		off := j.wal.file.off
		j.writeMu.Unlock()
		// The torn one: a Put of its own (PutSoon, acknowledgements... ride on their own).
		e := newEntry(fmt.Sprintf("torn-%d", seed), "x")
		e.Body = bytes.Repeat([]byte{'t'}, rng.IntN(5000))
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
		j.writeMu.Lock()
		end := j.wal.file.off // the torn record is off..end
		j.writeMu.Unlock()
		logAfter, err := os.ReadFile(walPath(path))
		if err != nil {
			t.Fatal(err)
		}
		j.die()
		file, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for trial := range 20 {
			torn := bytes.Clone(logBefore)
			if int64(len(torn)) < end {
				torn = append(torn, make([]byte, end-int64(len(torn)))...)
			}
			// Sectors of the file, 512 bytes each, that the record's write touched.
			first, last := off/512, (end-1)/512
			whole := true
			for s := first; s <= last; s++ {
				if trial == 0 || rng.IntN(2) == 0 {
					lo, hi := max(s*512, off), min((s+1)*512, end)
					copy(torn[lo:hi], logAfter[lo:hi])
				} else {
					whole = false
				}
			}
			if whole {
				continue
			}
			if len(logBefore) < len(torn) && rng.IntN(2) == 0 {
				torn = torn[:max(int64(len(logBefore)), off+int64(rng.IntN(int(end-off))))] // the file's size not grown
			}
			cases++
			tdir := t.TempDir()
			tpath := filepath.Join(tdir, "journal.db")
			if err := os.WriteFile(tpath, file, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(walPath(tpath), torn, 0o600); err != nil {
				t.Fatal(err)
			}
			tj, err := Open(tpath, opts)
			if err != nil {
				t.Fatalf("seed %d trial %d: opening with a torn record: %v", seed, trial, err)
			}
			got := contentOf(t, tj)
			tj.die()
			if !bytes.Equal(got, wantBefore) {
				t.Fatalf("seed %d trial %d: the torn record changed the file: %s", seed, trial, firstDifference(wantBefore, got))
			}
		}
	}
	t.Logf("%d torn records", cases)
}
