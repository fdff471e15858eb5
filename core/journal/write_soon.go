package journal

import (
	"fmt"
	"sync"
)

// Writes that need not wait for the disk. A money-moving request leaves only once its entry is
// on disk (Put); its outcome need not be: until it is, the file holds the entry open, which is
// what a process that died inside the call leaves too, and recovery finishes an open entry by
// looking it up at Vipps, never by sending it blind (docs/MONEY-SAFETY.md). So the outcome is
// queued for the next commit and the call returns without waiting a second time for the disk,
// while memory keeps the outcome until the commit has it (the caller's part).

// soonWrites counts the writes queued by PutSoon that have not finished, so Close waits for
// them.
type soonWrites struct{ inFlight sync.WaitGroup }

// PutSoon queues e (new or updated) for the next commit, in order with every other write,
// and returns at once with the state queued (a copy of e as it will be on disk: memory
// keeps it until done is called). done is called from another goroutine with the commit's
// result (nil: on disk). acks work as in Put. With the build tag vmpsinglecommit, PutSoon
// writes at once and calls done before it returns, as vmp 0.2.0 did.
func (j *Journal) PutSoon(e *Entry, done func(error), acks ...string) (*Entry, error) {
	now := j.opts.Now().UTC()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	e.UpdatedAt = now
	data, err := e.encode()
	if err != nil {
		return nil, fmt.Errorf("encoding journal entry: %w", err)
	}
	queued, err := DecodeEntry(data)
	if err != nil {
		return nil, err
	}
	fn := putFn(e.ID, e.Reference, e.Intent, e.Acknowledged, data, acks, now)
	if !groupCommit {
		done(j.commitAlone(fn))
		return queued, nil
	}
	w, lead := j.enqueue(fn)
	j.soon.inFlight.Add(1)
	go func() {
		defer j.soon.inFlight.Done()
		done(j.await(w, lead))
	}()
	return queued, nil
}

// WaitQueued returns once every write PutSoon queued so far has been committed or has failed,
// and its done has returned.
func (j *Journal) WaitQueued() { j.soon.inFlight.Wait() }
