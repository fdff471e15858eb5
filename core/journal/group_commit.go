package journal

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit. A bbolt commit costs two fdatasyncs, and bbolt commits one transaction at a
// time, so writes each committed on their own queue behind each other's syncs. Here a write
// that arrives while no commit is in flight is committed at once, alone (a till paying alone
// waits for nothing else); writes that arrive while a commit is in flight wait for it and then
// share the next commit: one transaction, one pair of syncs. Each call still returns only after
// the commit that holds its own write has reached the disk.
//
// bbolt's own DB.Batch is not used: it waits MaxBatchDelay before committing a lone write.

// committer is the queue of writes waiting for a commit and who leads the next one.
type committer struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	spare   []*pendingWrite // the leader's reused batch slice
	leading bool            // a caller is committing; new writes queue for the next commit
	commits atomic.Int64    // commits that reached the disk
}

type pendingWrite struct {
	fn func(*wtx) error
	// done receives errLead (this caller commits the next group), errAlone (its fn failed in a
	// group: commit it alone for its own answer), or its result. Buffered: senders never wait.
	done chan error
}

var (
	errLead  = errors.New("journal: lead the next group commit")
	errAlone = errors.New("journal: commit alone")
)

// Commits is the number of commits (each one transaction and its fdatasyncs) this journal made
// since Open: with group commit, concurrent writes make fewer commits than writes.
func (j *Journal) Commits() int64 { return j.group.commits.Load() }

// update runs fn in a read-write transaction and returns once that transaction is on disk
// (bbolt commits with fdatasync), or with the error that kept it off the disk: fn's own, or the
// commit's (then no write of that commit is on disk). fn may share its transaction with other
// writes and may run more than once (a transaction is rolled back when one fn in it fails, and
// the others are run again without it), so it must only write to tx and set results it
// overwrites (n = ..., never n += ...). Every write of the journal goes through here, so the
// crash and property tests can count the commits of a process (sync_hook.go).
func (j *Journal) update(fn func(*wtx) error) error {
	if !groupCommit {
		return j.commitAlone(fn)
	}
	w, lead := j.enqueue(fn)
	return j.await(w, lead)
}

// enqueue queues fn for the next commit and reports whether its caller must lead it (no
// commit is in flight). Writes are committed in the order they were queued.
func (j *Journal) enqueue(fn func(*wtx) error) (w *pendingWrite, lead bool) {
	g := &j.group
	w = &pendingWrite{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead = !g.leading
	g.leading = true
	g.mu.Unlock()
	return w, lead
}

// await returns once the commit that holds w is on disk, with its result; lead: the caller
// leads the next commit itself.
func (j *Journal) await(w *pendingWrite, lead bool) error {
	fn := w.fn
	if lead {
		j.leadGroupCommit()
	}
	for {
		switch err := <-w.done; err {
		case errLead:
			j.leadGroupCommit()
		case errAlone:
			return j.commitAlone(fn)
		default:
			return err
		}
	}
}

// leadGroupCommit commits every queued write in one transaction, answers each, and passes the
// lead to the first write that queued meanwhile (or ends it, when none did).
func (j *Journal) leadGroupCommit() {
	g := &j.group
	g.mu.Lock()
	batch := g.queue
	g.queue = g.spare[:0]
	g.mu.Unlock()

	j.commitGroup(batch)

	clear(batch) // let the answered writes go
	g.mu.Lock()
	g.spare = batch[:0]
	var next *pendingWrite
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	if next != nil {
		next.done <- errLead
	}
}

// commitGroup commits batch in one transaction and sends each write its result. A write whose
// fn fails is taken out and told to commit alone (its own transaction gives its own error; the
// others must not fail or wait for it), and the rest are run again.
func (j *Journal) commitGroup(batch []*pendingWrite) {
	for len(batch) > 0 {
		failed, panicked := -1, false
		err := func() (err error) {
			defer func() {
				// A panic (bbolt on a damaged page) must answer every waiting caller: the
				// write that panicked meets it again alone, in its own goroutine, as it would
				// without group commit.
				if r := recover(); r != nil {
					failed, panicked = max(failed, 0), true
					err = fmt.Errorf("journal write panicked: %v", r)
				}
			}()
			return j.commitTx(len(batch), func(tx *wtx) error {
				for i, w := range batch {
					failed = i
					if err := w.fn(tx); err != nil {
						return err
					}
				}
				failed = -1
				return nil
			})
		}()
		if failed >= 0 && (len(batch) > 1 || panicked) {
			batch[failed].done <- errAlone
			batch = append(batch[:failed], batch[failed+1:]...)
			continue
		}
		for _, w := range batch {
			w.done <- err
		}
		return
	}
}

// commitAlone commits fn in a transaction of its own.
func (j *Journal) commitAlone(fn func(*wtx) error) error { return j.commitTx(1, fn) }
