package journal

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// UncapturedPayments never lists a payment whose capture of all of it was noted before the call
// (NotePayment: what the capture's answer told), whether or not a commit has written the note
// meanwhile. A commit that lands while the call reads forgets the notes it wrote: read after
// the records, a note was gone and the record read before it still said AUTHORIZED. Searches:
// one writer notes captures and commits them one by one while readers list.
func TestUncapturedNeverListsAPaymentWhoseCaptureWasNotedBeforeTheCall(t *testing.T) {
	j, _ := openTemp(t, Options{})
	const payments = 300
	ref := func(i int) string { return fmt.Sprintf("ref-%04d", i) }
	for i := range payments {
		c := createEntry(ref(i), "123456", 1000)
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
		c.State, c.Payment = StateDone, &Payment{State: "CREATED", Currency: "NOK", Amount: 1000}
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
		j.NotePayment("123456", ref(i), ObservedPayment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000})
	}
	if err := j.SetMeta("authorized", "all"); err != nil { // carries the notes
		t.Fatal(err)
	}
	if unc, err := j.UncapturedPayments(); err != nil || len(unc) != payments {
		t.Fatalf("before the captures: %d listed, %v", len(unc), err)
	}
	var noted atomic.Int64 // payments [0, noted) had their capture noted
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range payments {
			j.NotePayment("123456", ref(i), ObservedPayment{State: "AUTHORIZED", Currency: "NOK", Amount: 1000, Authorized: 1000, Captured: 1000})
			noted.Store(int64(i + 1))
			if err := j.SetMeta("captured", ref(i)); err != nil { // carries the note, which is then forgotten
				t.Error(err)
				return
			}
		}
	}()
	var failures atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for noted.Load() < payments {
				before := noted.Load()
				unc, err := j.UncapturedPayments()
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range unc {
					var i int
					fmt.Sscanf(r.Reference, "ref-%d", &i)
					if int64(i) < before && failures.Add(1) == 1 {
						t.Errorf("%s is listed as uncaptured, though its capture of all of it was noted before the call", r.Reference)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d listings of a captured payment", n)
	}
}
