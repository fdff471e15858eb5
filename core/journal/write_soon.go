package journal

import (
	"sync"
	"sync/atomic"
)

// Writes that need not wait for the disk. A money-moving request leaves only once its entry is
// on disk (Put); its outcome need not be: until it is, the file holds the entry open, which is
// what a process that died inside the call leaves too, and recovery finishes an open entry by
// looking it up at Vipps, never by sending it blind (docs/MONEY-SAFETY.md). So the outcome is
// queued for the next commit and the call returns without waiting a second time for the disk,
// while memory keeps the outcome until the commit has it (the caller's part).

// soonWrites counts the writes queued by PutSoon that have not finished, so Close waits for
// them.
type soonWrites struct {
	inFlight sync.WaitGroup
	queued   atomic.Int64 // the same count, readable: CommitQueued (queued_reads.go)
}

// queuedInProcess counts the writes PutSoon queued that are not answered yet, over every
// journal of the process: the failpoint build's KillAtSync waits for them, so the commits it
// counts are those of the calls made after it was armed.
var queuedInProcess atomic.Int64

// PutSoon queues e (new or updated) for the next commit, in order with every other write,
// and returns at once. keep is called with the state queued (a copy of e, as it will be on
// disk) before it is queued, so memory can hold it until the commit has it; done is called
// with the same copy and the commit's result (nil: on disk), always from another goroutine.
// acks work as in Put. The error is only a state that could not be queued (not encodable).
// With the build tag vmpsinglecommit the write is committed before PutSoon returns, as vmp
// 0.2.0 did with every write.
func (j *Journal) PutSoon(e *Entry, keep func(queued *Entry), done func(queued *Entry, err error), acks ...string) error {
	now, data, err := j.stamp(e)
	if err != nil {
		return err
	}
	queued, err := DecodeEntry(data)
	if err != nil {
		return err
	}
	keep(queued)
	fn := j.putFn(queued, data, acks, now, nil)
	j.soon.inFlight.Add(1)
	j.soon.queued.Add(1)
	queuedInProcess.Add(1)
	finish := func(err error) {
		defer j.soon.inFlight.Done()
		defer queuedInProcess.Add(-1)
		defer j.soon.queued.Add(-1)
		done(queued, err)
	}
	if !groupCommit {
		err := j.commitAlone(fn)
		go finish(err)
		return nil
	}
	w, lead := j.enqueue(fn)
	go func() { finish(j.await(w, lead)) }()
	return nil
}

// WaitQueued returns once every write PutSoon queued so far has been committed or has failed,
// and its done has returned.
func (j *Journal) WaitQueued() { j.soon.inFlight.Wait() }
