package journal

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// holdCommit starts a write that stays inside its transaction until the returned release is
// called: a commit in flight, which later writes must queue behind.
func holdCommit(t *testing.T, j *Journal) (release func()) {
	t.Helper()
	entered, gate, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- j.update(func(tx *wtx) error {
			close(entered)
			<-gate
			return tx.put(bucketMeta, []byte("engine.held"), []byte("1"))
		})
	}()
	<-entered
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			if err := <-done; err != nil {
				t.Errorf("the held write: %v", err)
			}
		})
	}
	t.Cleanup(release) // a test that fails while holding it must not hang in Close
	return release
}

// waitQueued waits until n writes wait for the next commit (a journal that commits each write
// alone never queues them: it gives up after a while).
func waitQueued(t *testing.T, j *Journal, n int) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; {
		j.group.mu.Lock()
		queued := len(j.group.queue)
		j.group.mu.Unlock()
		if queued >= n {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
	t.Fatalf("%d writes never queued for a group commit", n)
}

// randomEntry has a body of a random size, up to 64 KiB (beyond a bbolt page: overflow pages).
func randomEntry(r *rand.Rand, id string) *Entry {
	e := newEntry(id, "intent-"+id)
	e.Body = bytes.Repeat([]byte{'a' + byte(r.IntN(26))}, r.IntN(64<<10))
	return e
}

func TestEachWriteAloneIsCommittedAtOnceByItself(t *testing.T) {
	j, _ := openTemp(t, Options{})
	before := j.Commits()
	for i := range 20 {
		if err := j.Put(newEntry(fmt.Sprintf("key-%d", i), "i")); err != nil {
			t.Fatal(err)
		}
		// The write returned: its commit happened, not a later one with others.
		if got := j.Commits() - before; got != int64(i+1) {
			t.Fatalf("after %d writes one after another, %d commits", i+1, got)
		}
	}
}

func TestWritesThatArriveDuringACommitShareTheNextOne(t *testing.T) {
	j, path := openTemp(t, Options{})
	release := holdCommit(t, j)
	before := j.Commits()
	const writers = 63
	r := rand.New(rand.NewPCG(1, 2))
	entries := make([]*Entry, writers)
	for i := range entries {
		entries[i] = randomEntry(r, fmt.Sprintf("key-%02d", i))
	}
	errs := make(chan error, writers)
	for _, e := range entries {
		go func() { errs <- j.Put(e) }()
	}
	waitQueued(t, j, writers)
	release()
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := j.Commits() - before; got != 2 {
		t.Fatalf("the held write and %d writes queued behind it took %d commits, want 2", writers, got)
	}
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for _, e := range entries {
		got, err := j2.Get(e.ID)
		if err != nil || got == nil || !bytes.Equal(got.Body, e.Body) {
			t.Fatalf("%s after reopening: %v, %v", e.ID, got, err)
		}
	}
}

func TestAWriteThatFailsInAGroupFailsAloneAndItsNeighboursAreCommittedOnce(t *testing.T) {
	j, path := openTemp(t, Options{})
	seen := newEntry("key-seen", "seen")
	seen.State = StateDone
	if err := j.Put(seen); err != nil {
		t.Fatal(err)
	}
	release := holdCommit(t, j)
	before := j.Commits()
	const writers = 9
	results := make([]error, writers+1)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = j.Put(newEntry(fmt.Sprintf("key-%d", i), "i")) }()
	}
	waitQueued(t, j, writers/2)
	// A write with no id fails inside the transaction, after its acknowledgement was written
	// there: both must be gone, the neighbours' writes not.
	wg.Add(1)
	go func() { defer wg.Done(); results[writers] = j.Put(newEntry("", "bad"), "key-seen") }()
	waitQueued(t, j, writers+1)
	release()
	wg.Wait()
	for i, err := range results[:writers] {
		if err != nil {
			t.Errorf("key-%d failed with its neighbour: %v", i, err)
		}
	}
	if !errors.Is(results[writers], bolt.ErrKeyRequired) {
		t.Fatalf("the failing write returned %v", results[writers])
	}
	// The group without the failing write, once; the failing write alone commits nothing.
	if got := j.Commits() - before; got != 2 {
		t.Fatalf("%d commits, want 2 (the held one, the group without the failing write)", got)
	}
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for i := range writers {
		if e, _ := j2.Get(fmt.Sprintf("key-%d", i)); e == nil {
			t.Errorf("key-%d is not in the journal", i)
		}
	}
	if e, _ := j2.Get("key-seen"); e == nil || e.Acknowledged {
		t.Fatalf("the failing write's acknowledgement was committed: %+v", e)
	}
	n := 0
	j2.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketEntries).Stats().KeyN; return nil })
	if n != writers+1 {
		t.Fatalf("%d entries in the journal, want %d", n, writers+1)
	}
}

func TestAWriteThatPanicsInAGroupPanicsInItsOwnCallerOnly(t *testing.T) {
	j, _ := openTemp(t, Options{})
	release := holdCommit(t, j)
	errs := make(chan error, 4)
	for i := range 3 {
		go func() { errs <- j.Put(newEntry(fmt.Sprintf("key-%d", i), "i")) }()
	}
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_ = j.update(func(*wtx) error { panic("damaged page") })
	}()
	waitQueued(t, j, 4)
	release()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if r := <-panicked; r != "damaged page" {
		t.Fatalf("the panicking write's caller got %v", r)
	}
}

// Many writers of random sizes at once: every write that returned nil is in the reopened file,
// byte for byte, and there are fewer commits than writes.
func TestManyConcurrentWritesAreAllOnDiskWhenTheyReturn(t *testing.T) {
	j, path := openTemp(t, Options{})
	const writers, each = 64, 8
	before := j.Commits()
	var mu sync.Mutex
	written := map[string][]byte{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			<-start
			for i := range each {
				e := randomEntry(r, fmt.Sprintf("key-%02d-%d", w, i))
				if i > 0 && r.IntN(2) == 0 {
					// An update of this writer's previous entry rides along: its outcome.
					prev := fmt.Sprintf("key-%02d-%d", w, i-1)
					e = randomEntry(r, prev)
					e.State = StateDone
				}
				if err := j.Put(e); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				written[e.ID] = e.Body
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	commits := j.Commits() - before
	t.Logf("%d writes in %d commits", writers*each, commits)
	if commits >= writers*each {
		t.Errorf("%d concurrent writes took %d commits: none shared one", writers*each, commits)
	}
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for id, body := range written {
		e, err := j2.Get(id)
		if err != nil || e == nil || !bytes.Equal(e.Body, body) {
			t.Fatalf("%s after reopening: %v (body %d bytes, want %d)", id, err, len(bodyOf(e)), len(body))
		}
	}
}

func bodyOf(e *Entry) []byte {
	if e == nil {
		return nil
	}
	return e.Body
}

// A write that waits for the next commit while the journal is closed gets an error, not a hang.
func TestWritesQueuedWhenTheJournalClosesReturnAnError(t *testing.T) {
	j, _ := openTemp(t, Options{})
	release := holdCommit(t, j)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() { errs <- j.Put(newEntry(fmt.Sprintf("key-%d", i), "i")) }()
	}
	waitQueued(t, j, 8)
	closed := make(chan error, 1)
	go func() { closed <- j.Close() }()
	release()
	<-closed
	for range 8 {
		if err := <-errs; err != nil && !strings.Contains(err.Error(), "not open") {
			t.Fatalf("unexpected error %v", err)
		}
	}
}
