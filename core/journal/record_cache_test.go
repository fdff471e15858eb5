package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestARecordTakenFromTheCacheIsTheRecordInTheFile writes random changes to a few payments'
// records through write transactions, some of which fail after writing (rolled back), to two
// journals: one with the cache, one whose cache is emptied before every transaction. After
// each change the two files hold the same records, and what a write transaction reads - from
// the cache or decoded - is exactly what decoding the file gives: the kept records are shared,
// not copied, so a change made to one in place (not to a clone, as changeRecord does) would show
// here as a record the file does not hold.
func TestARecordTakenFromTheCacheIsTheRecordInTheFile(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	j, _ := openTemp(t, Options{})
	plain, _ := openTemp(t, Options{})
	base := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 400 {
		ref := fmt.Sprintf("ref-%d", rng.IntN(5))
		rk := recordKey(ref, "123456")
		fail := rng.IntN(4) == 0
		e := newEntry(fmt.Sprintf("vmp-%d", rng.IntN(12)), "i")
		e.Reference, e.MSN = ref, "123456"
		e.Operation = []string{OpCreate, OpCapture, OpRefund, OpCancel}[rng.IntN(4)]
		e.State = []State{StateOpen, StateDone, StateRejected}[rng.IntN(3)]
		e.Amount = int64(rng.IntN(1000))
		e.CreatedAt, e.UpdatedAt = base, base.Add(time.Duration(i)*time.Second)
		if e.State == StateDone {
			e.Payment = &Payment{State: []string{"CREATED", "AUTHORIZED", "TERMINATED"}[rng.IntN(3)], Amount: 1000,
				Authorized: int64(rng.IntN(1000)), Captured: int64(rng.IntN(1000)), Currency: "NOK"}
		}
		for _, jj := range []*Journal{j, plain} {
			err := jj.update(func(tx *wtx) error {
				if jj == plain {
					plain.records.kept = nil
				}
				e := *e
				if err := jj.recordEntry(tx, &e, e.UpdatedAt); err != nil {
					return err
				}
				if fail {
					return errors.New("rolled back after writing the record")
				}
				return nil
			})
			if fail != (err != nil) {
				t.Fatalf("step %d: write returned %v", i, err)
			}
		}
		var want *PaymentRecord
		plain.view(func(tx *bolt.Tx) (err error) { want, err = readRecord(tx, rk); return err })
		err := j.update(func(tx *wtx) error {
			got, err := j.records.read(tx.Tx, rk)
			if err != nil {
				return err
			}
			inFile, err := readRecord(tx.Tx, rk)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, inFile) || !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d: a write transaction reads\n%+v\nthe file holds\n%+v\nwithout the cache it holds\n%+v", i, got, inFile, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
