package journal

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Close while writes go on: every Put answered without an error is in the journal opened
// again - those that got in after Close's checkpoint too (bbolt commits them itself) - and
// nothing waits for ever. Searched over moments of Close among 8 writers. (PutSoon is not
// called here: a PutSoon racing Close panics in its WaitGroup - the Client closes the journal
// only once its calls have returned.)
func TestWritesAnsweredWhileTheJournalClosesAreKept(t *testing.T) {
	for seed := range 40 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			withCheckpointsEvery(t, 1+seed%9)
			path := filepath.Join(t.TempDir(), "journal.db")
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			answered := map[string]bool{}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 30 {
						id := fmt.Sprintf("w%d-%d", w, i)
						if j.Put(newEntry(id, "x")) == nil {
							mu.Lock()
							answered[id] = true
							mu.Unlock()
						}
					}
				}()
			}
			time.Sleep(time.Duration(seed%10) * time.Millisecond)
			within(t, "Close among writes", func() { _ = j.Close() })
			wg.Wait()
			j, err = Open(path, Options{})
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer j.Close()
			mu.Lock()
			defer mu.Unlock()
			for id := range answered {
				if e, err := j.Get(id); err != nil || e == nil {
					t.Fatalf("%s was answered but is not in the journal opened again (%v)", id, err)
				}
			}
			t.Logf("%d writes answered", len(answered))
		})
	}
}
