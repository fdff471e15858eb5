package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/retry"
)

// startReceiver starts webhooks that only receive: cfg (checked, defaults filled) with a
// journal of their own, registering nothing; every event is ignored.
func startReceiver(t *testing.T, cfg Config) *Hooks {
	t.Helper()
	no := false
	cfg.Register = &no
	if err := cfg.Check(false); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	enter := func(ctx context.Context) (context.Context, func(), error) { return ctx, func() {}, nil }
	ignore := func(string, string, vipps.WebhookEvent, time.Duration) Outcome { return Ignored }
	w, err := Start(Deps{Config: &cfg, Journal: j, Retry: retry.Policy{Budget: time.Second, Closing: context.Background()},
		RequestTimeout: time.Second, Enter: enter, Apply: ignore}, Unit{}, context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// eventually waits (bounded) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after 10s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// At the cap the quietest connection makes room; when every connection is inside a request,
// the new one is closed instead, and nothing beyond the cap is ever held.
func TestTheWebhookConnectionCapEvictsTheQuietestAndRefusesWhenAllAreBusy(t *testing.T) {
	w := startReceiver(t, Config{Listen: "127.0.0.1:0", MaxConnections: 2})
	info := w.Receiver()
	limit := w.receiver.conns
	held := func() (all, busy int) {
		limit.mu.Lock()
		defer limit.mu.Unlock()
		for _, t := range limit.conns {
			if t.busy {
				busy++
			}
		}
		return len(limit.conns), busy
	}
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", info.Address)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	first, _ := dial(), dial()
	eventually(t, "two connections held", func() bool { all, _ := held(); return all == 2 })
	third := dial()
	// The first (the quietest) was evicted: the server closed it.
	if !closedByServer(first) {
		t.Fatal("the quietest connection was not closed at the cap")
	}
	// Two requests whose bodies never come keep both slots busy.
	for _, conn := range []net.Conn{third, dial()} {
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n", info.Path, info.Address)
	}
	eventually(t, "two busy connections", func() bool { all, busy := held(); return all == 2 && busy == 2 })
	if !closedByServer(dial()) {
		t.Fatal("a connection beyond the cap was kept while every slot was busy")
	}
	if all, _ := held(); all != 2 {
		t.Fatalf("%d connections held; the cap is 2", all)
	}
	if got := w.Receiver(); got.MaxConnections != 2 || got.ConnectionsDropped != 3 {
		t.Fatalf("receiver %+v: want cap 2 and 3 connections dropped", got)
	}
}

// closedByServer reads conn until the server closes it; the deadline only keeps a failing test
// from hanging.
func closedByServer(conn net.Conn) bool {
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := conn.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}
