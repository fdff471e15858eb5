package journal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("VMP_JOURNAL_HOLDER"); path != "" {
		holdJournal(path)
		return
	}
	if mode := os.Getenv("VMP_JOURNAL_CRASH_CHILD"); mode != "" && crashChild != nil {
		crashChild(mode, os.Getenv("VMP_JOURNAL_PATH"))
		return
	}
	os.Setenv("VMP_JOURNAL_CHECK_LOG", "1") // every Close checks the log makes the file (redo_check.go)
	goleak.VerifyTestMain(runThenClean{m})
}

// runThenClean runs the tests, then removes what they built to run in a child process.
type runThenClean struct{ m *testing.M }

func (r runThenClean) Run() int {
	defer removeCrashChild()
	return r.m.Run()
}

// holdJournal runs in a child process: it opens the journal, says so, and keeps it open until
// its stdin closes.
func holdJournal(path string) {
	j, err := Open(path, Options{})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("open\n")
	buf := make([]byte, 1)
	os.Stdin.Read(buf)
	j.Close()
	os.Exit(0)
}

func newEntry(id, intent string) *Entry {
	return &Entry{ID: id, IdempotencyKey: id, Operation: OpCapture, Reference: "ref-12345678", Method: "POST",
		Path: "/epayment/v1/payments/ref-12345678/capture", Body: []byte(`{"modificationAmount":{"currency":"NOK","value":100}}`),
		Intent: intent, Amount: 100, Currency: "NOK", State: StateOpen}
}

func openTemp(t *testing.T, opts Options) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "journal.db")
	j, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func TestAnEntrySurvivesReopeningByteForByte(t *testing.T) {
	j, path := openTemp(t, Options{})
	e := newEntry("key-1", "capture|ref-12345678|100")
	e.Body = []byte(`{"a":"<&>"}`) // bytes that a JSON re-encoding would change
	if err := j.Put(e); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	got, err := j2.Get("key-1")
	if err != nil || got == nil {
		t.Fatalf("get: %v, %v", got, err)
	}
	if string(got.Body) != `{"a":"<&>"}` || got.State != StateOpen || got.CreatedAt.IsZero() {
		t.Fatalf("got %+v", got)
	}
}

func TestTheFileIsPrivateToItsUser(t *testing.T) {
	_, path := openTemp(t, Options{})
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, want 0700", dir.Mode().Perm())
	}
}

func TestUnacknowledgedEntriesAreFoundByIntentUntilAcknowledged(t *testing.T) {
	j, _ := openTemp(t, Options{})
	a := newEntry("key-a", "intent-1")
	b := newEntry("key-b", "intent-2")
	for _, e := range []*Entry{a, b} {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := j.UnacknowledgedWithIntent("intent-1"); len(got) != 1 || got[0].ID != "key-a" {
		t.Fatalf("found %+v", got)
	}
	if _, err := j.Acknowledge("key-a"); err == nil {
		t.Fatal("an open entry was acknowledged")
	}
	a.State = StateDone
	if err := j.Put(a); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Acknowledge("key-a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.UnacknowledgedWithIntent("intent-1"); len(got) != 0 {
		t.Fatalf("acknowledged entry still found: %+v", got)
	}
	list, err := j.Unacknowledged()
	if err != nil || len(list) != 1 || list[0].ID != "key-b" {
		t.Fatalf("unacknowledged %v, %v", list, err)
	}
}

func TestSeenOutcomesRideOnTheNextWriteAndOpenOnesAreNeverAcknowledged(t *testing.T) {
	j, _ := openTemp(t, Options{})
	done, open := newEntry("key-done", "intent-1"), newEntry("key-open", "intent-1")
	done.State = StateDone
	for _, e := range []*Entry{done, open} {
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	next := newEntry("key-next", "intent-2")
	if err := j.Put(next, "key-done", "key-open", "key-missing"); err != nil {
		t.Fatal(err)
	}
	got, _ := j.UnacknowledgedWithIntent("intent-1")
	if len(got) != 1 || got[0].ID != "key-open" {
		t.Fatalf("after the write with acks, unacknowledged %+v", got)
	}
	if e, _ := j.Get("key-done"); e == nil || !e.Acknowledged {
		t.Fatalf("the finished entry was not acknowledged: %+v", e)
	}
	if err := j.AcknowledgeAll([]string{"key-open"}); err != nil {
		t.Fatal(err)
	}
	if e, _ := j.Get("key-open"); e == nil || e.Acknowledged {
		t.Fatalf("an open entry was acknowledged: %+v", e)
	}
}

func TestPruningRemovesOnlyOldFinishedAcknowledgedEntries(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	j, _ := openTemp(t, Options{Retention: time.Hour, Now: func() time.Time { return now }})
	mk := func(id string, state State, acked bool) {
		e := newEntry(id, id)
		e.State, e.Acknowledged = state, acked
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	mk("old-done-acked", StateDone, true)
	mk("old-done-unacked", StateDone, false)
	mk("old-open", StateOpen, false)
	now = now.Add(2 * time.Hour)
	mk("new-done-acked", StateDone, true)
	n, err := j.Prune()
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	for id, want := range map[string]bool{"old-done-acked": false, "old-done-unacked": true, "old-open": true, "new-done-acked": true} {
		if e, _ := j.Get(id); (e != nil) != want {
			t.Errorf("%s present = %v, want %v", id, e != nil, want)
		}
	}
}

func TestADamagedJournalIsAClearErrorAndIsNeverReset(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	j, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := j.Put(newEntry("key-"+strings.Repeat("x", i), "i")); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	data, _ := os.ReadFile(good)
	var used int64 // the pages the file's last commit names: bbolt grows a file ahead of them
	if db, err := bolt.Open(good, 0o600, &bolt.Options{ReadOnly: true}); err == nil {
		db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
		db.Close()
	}
	if used == 0 || used > int64(len(data)) {
		t.Fatalf("the good journal's pages end at %d of %d bytes", used, len(data))
	}

	cases := map[string][]byte{
		"garbage":        []byte(strings.Repeat("not a database ", 500)),
		"truncated":      data[:used/2],
		"first page off": append(make([]byte, 4096), data[4096:]...),
	}
	for name, content := range cases {
		t.Run("a "+name+" file is refused", func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := Open(path, Options{})
			if err == nil {
				j.Close()
				t.Fatal("a damaged journal opened")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != string(content) {
				t.Fatal("the damaged file was changed")
			}
		})
	}
	t.Run("a bbolt file of another program is refused", func(t *testing.T) {
		path := filepath.Join(dir, "other.db")
		j, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketMeta) })
		db.Close()
		if j, err := Open(path, Options{}); err == nil || !errors.Is(err, ErrCorrupt) {
			if j != nil {
				j.Close()
			}
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAJournalHeldByAnotherProcessIsAClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VMP_JOURNAL_HOLDER="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "open") {
		t.Fatalf("holder said %q", buf[:n])
	}
	_, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

func TestEntriesAreFoundByTheirPaymentReference(t *testing.T) {
	j, _ := openTemp(t, Options{})
	for i, ref := range []string{"ref-aaaaaaaa", "ref-aaaaaaaab", "ref-aaaaaaaa"} {
		e := newEntry(fmt.Sprintf("key-%d", i), "i")
		e.Reference = ref
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	list, err := j.ForReference("ref-aaaaaaaa")
	if err != nil || len(list) != 2 || list[0].ID != "key-0" || list[1].ID != "key-2" {
		t.Fatalf("got %v, %v", list, err)
	}
}

// TestAnOperationsEntriesOfAReferenceAreExactlyThoseOfThatOperation: ForReferenceOperation
// skips decoding records that do not name the operation; with operation ids, intents and
// references that spell out another operation's name, it still lists exactly what filtering
// ForReference lists.
func TestAnOperationsEntriesOfAReferenceAreExactlyThoseOfThatOperation(t *testing.T) {
	j, _ := openTemp(t, Options{})
	ops := []string{OpCreate, OpCapture, OpRefund, OpCancel}
	hostile := []string{"", `"op":"capture"`, `op":"refund`, "\"op\":\"cancel\"\\", "ünïcode \u2028 op", "create"}
	for i := range 200 {
		e := newEntry(fmt.Sprintf("key-%d", i), hostile[i%len(hostile)])
		e.Reference = fmt.Sprintf("ref-%d", i%3)
		e.Operation = ops[(i/3)%len(ops)]
		e.OperationID = hostile[(i/7)%len(hostile)]
		e.State = []State{StateOpen, StateDone, StateRejected}[i%3]
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	for r := range 3 {
		ref := fmt.Sprintf("ref-%d", r)
		all, err := j.ForReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			got, err := j.ForReferenceOperation(ref, op)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, e := range all {
				if e.Operation == op {
					want = append(want, e.ID)
				}
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, want) || len(want) == 0 {
				t.Fatalf("%s %s: %v, want %v", ref, op, ids, want)
			}
		}
	}
}
