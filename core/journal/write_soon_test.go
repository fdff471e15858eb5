//go:build !vmpsinglecommit

package journal

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// A write queued with PutSoon returns before its commit, and reaches the disk by itself: no
// later write is needed to carry it.
func TestAWriteQueuedAloneReachesTheDiskWithoutAnotherWrite(t *testing.T) {
	j, path := openTemp(t, Options{})
	release := holdCommit(t, j)
	e := newEntry("key-1", "i")
	e.State = StateDone
	committed := make(chan error, 1)
	var queued *Entry
	err := j.PutSoon(e, func(q *Entry) { queued = q }, func(q *Entry, err error) {
		if q != queued {
			err = errors.New("done was not given the state keep was given")
		}
		committed <- err
	})
	if err != nil {
		t.Fatal(err)
	}
	if queued == nil || queued.State != StateDone || queued == e {
		t.Fatalf("PutSoon gives a copy of the queued state: %+v", queued)
	}
	select {
	case err := <-committed:
		t.Fatalf("the queued write was answered while the commit before it was still held: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if got, err := j2.Get("key-1"); err != nil || got == nil || got.State != StateDone {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

// Queued writes keep their order with the writes that wait: a write made after PutSoon
// returned is never on disk before it, and a later state of the same entry wins.
func TestQueuedWritesKeepTheirOrderWithWaitingWrites(t *testing.T) {
	for round := range 50 {
		j, _ := openTemp(t, Options{})
		var hold func()
		if round%2 == 1 {
			hold = holdCommit(t, j) // a commit in flight: both go in the next group
		}
		first := newEntry("key-a", "i")
		first.State = StateDone
		if err := j.PutSoon(first, func(*Entry) {}, func(*Entry, error) {}); err != nil {
			t.Fatal(err)
		}
		second := newEntry("key-a", "i")
		second.State, second.Acknowledged = StateDone, true
		errs := make(chan error, 1)
		go func() { errs <- j.Put(second) }()
		if hold != nil {
			waitQueued(t, j, 2)
			hold()
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		// Put returned: everything queued before it is on disk, and the later state won.
		got, err := j.Get("key-a")
		if err != nil || got == nil || !got.Acknowledged {
			t.Fatalf("round %d: the entry after a queued write and a later one: %+v, %v", round, got, err)
		}
		if list, _ := j.Unacknowledged(); len(list) != 0 {
			t.Fatalf("round %d: the later acknowledged state lost to the earlier queued one: %d unacknowledged", round, len(list))
		}
		j.Close()
	}
}

// Close waits for queued writes: none is lost by closing right after PutSoon.
func TestCloseWaitsForQueuedWrites(t *testing.T) {
	j, path := openTemp(t, Options{})
	const n = 64
	answered := make(chan error, n)
	for i := range n {
		e := newEntry(fmt.Sprintf("key-%02d", i), "i")
		e.State = StateDone
		if err := j.PutSoon(e, func(*Entry) {}, func(_ *Entry, err error) { answered <- err }); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	if len(answered) != n {
		t.Fatalf("Close returned with %d of %d queued writes answered", len(answered), n)
	}
	for range n {
		if err := <-answered; err != nil {
			t.Fatal(err)
		}
	}
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for i := range n {
		if got, _ := j2.Get(fmt.Sprintf("key-%02d", i)); got == nil || got.State != StateDone {
			t.Fatalf("key-%02d after Close and reopening: %+v", i, got)
		}
	}
}

// A queued write whose commit fails is answered with the error, and its neighbours are not.
func TestAQueuedWriteThatFailsIsAnsweredWithItsError(t *testing.T) {
	j, _ := openTemp(t, Options{})
	release := holdCommit(t, j)
	bad := errors.New("disk full")
	failing := make(chan error, 1)
	go func() {
		failing <- j.update(func(*wtx) error { return bad })
	}()
	waitQueued(t, j, 1)
	e := newEntry("key-1", "i")
	answered := make(chan error, 1)
	if err := j.PutSoon(e, func(*Entry) {}, func(_ *Entry, err error) { answered <- err }); err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-failing; !errors.Is(err, bad) {
		t.Fatalf("the failing write: %v", err)
	}
	if err := <-answered; err != nil {
		t.Fatalf("its queued neighbour: %v", err)
	}
	j.Close()
	answeredAfterClose := make(chan error, 1)
	if err := j.PutSoon(newEntry("key-2", "i"), func(*Entry) {}, func(_ *Entry, err error) { answeredAfterClose <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-answeredAfterClose; err == nil {
		t.Fatal("a write queued on a closed journal was answered as committed")
	}
}
