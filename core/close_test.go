package core

import (
	"context"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// waitBound bounds how long a test waits for a call that a close should end at once; a call
// still blocked after it would otherwise keep the test until its own wait (minutes) is over.
const waitBound = 30 * time.Second

// waits are the calls that block for up to a wait, each started on c with a 10-minute wait.
func waits(t *testing.T, c *Client, ctx context.Context) map[string]chan error {
	t.Helper()
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	if p, err := c.OwnUnit().PollStatus(ctx, ref, 0); err != nil || p.State != StateCreated {
		t.Fatalf("the payment is %+v, %v; want CREATED (known before the wait)", p, err)
	}
	enrollment := enroll(t, c, `{"phone_number":"`+sim.MSISDNIgnoresLogin+`"}`)
	for {
		if r, _ := c.Logs().NextLog(ctx, 0, nil); r.Level == LogNone {
			break
		}
	}
	calls := map[string]func() error{
		"PollStatus":     func() error { _, err := c.OwnUnit().PollStatus(ctx, ref, MaxPollWait); return err },
		"PollEnrollment": func() error { _, err := c.Club().PollEnrollment(ctx, enrollment, MaxPollWait); return err },
		"NextScan":       func() error { _, err := c.Scans().NextScan(ctx, MaxPollWait, nil); return err },
		"NextLog":        func() error { _, err := c.Logs().NextLog(ctx, MaxPollWait, nil); return err },
	}
	out := map[string]chan error{}
	for name, call := range calls {
		done := make(chan error, 1)
		out[name] = done
		go func() { done <- call() }()
	}
	time.Sleep(100 * time.Millisecond) // let them wait; one that had not started fails the same way
	return out
}

func wantClosedWhileWaiting(t *testing.T, calls map[string]chan error) {
	t.Helper()
	deadline := time.After(waitBound)
	for name, done := range calls {
		select {
		case err := <-done:
			if CodeOf(err) != CodeInvalidHandle {
				t.Errorf("%s ended by a close answered %v (%v); want CodeInvalidHandle, not a state that passes for an answer", name, CodeOf(err), err)
			}
		case <-deadline:
			t.Fatalf("%s was still waiting %v after the close", name, waitBound)
		}
	}
}

func TestWaitsThatCloseEndsAnswerInvalidHandleNotTheLastKnownState(t *testing.T) {
	c := newSimClient(t, `,"log_level":"debug"`)
	calls := waits(t, c, context.Background())
	c.Close()
	wantClosedWhileWaiting(t, calls)
}

// A handle bound to the client (the C ABI's sales-unit handle) ends its calls' contexts with
// ErrClosed when it is closed; the client stays open.
func TestWaitsThatAHandlesCloseEndsAnswerInvalidHandleAndTheClientStaysOpen(t *testing.T) {
	c := newSimClient(t, `,"log_level":"debug"`)
	ctx, closeHandle := context.WithCancelCause(context.Background())
	calls := waits(t, c, ctx)
	closeHandle(ErrClosed)
	wantClosedWhileWaiting(t, calls)
	if _, err := c.Scans().NextScan(context.Background(), 0, nil); err != nil {
		t.Fatalf("the client after its handle closed: %v", err)
	}
}

func TestAGoCallerThatGivesUpGetsTheLastKnownState(t *testing.T) {
	c := newSimClient(t, ``)
	ref := checkout(t, c, `{"amount":1000,"phone_number":"`+sim.MSISDNWaitsForControl+`"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if p, err := c.OwnUnit().PollStatus(ctx, ref, MaxPollWait); err != nil || p.State != StateCreated {
		t.Fatalf("PollStatus with a context that ended = %+v, %v; want CREATED, nil", p, err)
	}
}
