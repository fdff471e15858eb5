package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Not a check: how long Open takes to move an old journal of many entries, and to open it
// again. Run with VMP_JOURNAL_MEASURE_MOVE=<entries>, e.g.
// VMP_JOURNAL_MEASURE_MOVE=100000 go test -run TestMeasureTheMoveOfALargeOldJournal -v ./core/journal
func TestMeasureTheMoveOfALargeOldJournal(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VMP_JOURNAL_MEASURE_MOVE"))
	if n <= 0 {
		t.Skip("set VMP_JOURNAL_MEASURE_MOVE=<entries> to measure")
	}
	for _, records := range []bool{true, false} {
		t.Run(fmt.Sprintf("with payment records' buckets %v", records), func(t *testing.T) { measureMove(t, n, records) })
	}
}

// measureMove is one measurement: records says whether the old journal has the payment
// records' buckets (vmp 0.2 had; the move then records no payments).
func measureMove(t *testing.T, n int, records bool) {
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 10000 {
		err = db.Update(func(tx *bolt.Tx) error {
			meta, _ := tx.CreateBucketIfNotExists(bucketMeta)
			meta.Put(keyFormat, formatV1)
			entries, _ := tx.CreateBucketIfNotExists(bucketEntries)
			unacked, _ := tx.CreateBucketIfNotExists(bucketUnacked)
			byRef, _ := tx.CreateBucketIfNotExists(bucketByRef)
			for _, b := range paymentRecordBuckets {
				if records {
					tx.CreateBucketIfNotExists(b)
				}
			}
			for i := start; i < min(start+10000, n); i++ {
				e := newEntry(fmt.Sprintf("vmp-%040x", uint64(i)*0x9e3779b97f4a7c15), "intent")
				e.Operation, e.Reference, e.MSN = OpCreate, fmt.Sprintf("ref-%d", i/4), "123456"
				e.State, e.Acknowledged = StateDone, i%50 != 0
				e.CreatedAt, e.UpdatedAt = base.Add(time.Duration(i)*time.Second), base.Add(time.Duration(i)*time.Second)
				data, err := e.encode()
				if err != nil {
					return err
				}
				entries.Put([]byte(e.ID), data)
				if !e.Acknowledged {
					unacked.Put([]byte(e.ID), []byte(e.Intent))
				}
				byRef.Put([]byte(e.Reference+"\x00"+e.ID), nil)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, _ := os.Stat(path)
	for _, what := range []string{"move", "reopen"} {
		start := time.Now()
		j, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		j.Close()
		after, _ := os.Stat(path)
		t.Logf("%s of %d entries (file %.1f MB -> %.1f MB): Open took %v", what, n, float64(st.Size())/1e6, float64(after.Size())/1e6, took)
	}
}
