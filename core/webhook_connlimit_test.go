package core

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
)

// Issue 14, case 16: the receiver held every idle connection opened to it (2000 unauthenticated
// connections, goroutines 33 -> 2033). Here 400 connections are opened and left idle - half of
// them after one request (kept alive), half without sending a byte - and the receiver still
// holds no more than its default cap and still takes a verified delivery.
func TestIdleConnectionsCannotHoldTheWebhookReceiver(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	info := c.WebhookReceiver()
	secret := c.hooks.storedSecrets()[0].Secret
	base := runtime.NumGoroutine()

	const idle = 400
	for i := range idle {
		conn, err := net.Dial("tcp", info.Address)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer conn.Close()
		if i%2 == 1 {
			continue // sends nothing
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", info.Path, info.Address)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("connection %d: GET answered %d", i, resp.StatusCode)
		}
	}
	body := eventBody("123456", "hook-conns-00001", "CREATED", 1000, "41")
	if got := postDelivery(t, "http://"+info.Address+info.Path, signedDelivery(secret, info.URL, body)); got != http.StatusOK {
		t.Fatalf("a verified delivery after %d idle connections: %d", idle, got)
	}
	if n := c.counters(); n.Accepted != 1 {
		t.Fatalf("counters %+v", n)
	}
	// The default cap, plus the delivery's kept-alive connection (both ends are in this
	// process) and a few for the runtime.
	bound := base + defaultWebhookConnections + 8
	eventually(t, fmt.Sprintf("at most %d goroutines (base %d)", bound, base), func() bool { return runtime.NumGoroutine() <= bound })
	if got := c.WebhookReceiver(); got.MaxConnections != defaultWebhookConnections || got.ConnectionsDropped < idle-defaultWebhookConnections {
		t.Fatalf("receiver %+v: want the default cap and at least %d connections dropped", got, idle-defaultWebhookConnections)
	}
}

// At the cap the quietest connection makes room; when every connection is inside a request,
// the new one is closed instead, and nothing beyond the cap is ever held.
func TestTheWebhookConnectionCapEvictsTheQuietestAndRefusesWhenAllAreBusy(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0","max_connections":2}`)
	info := c.WebhookReceiver()
	limit := c.hooks.receiver.conns
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
	if got := c.WebhookReceiver(); got.MaxConnections != 2 || got.ConnectionsDropped != 3 {
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

func TestMaxConnectionsIsChecked(t *testing.T) {
	for _, block := range []string{`{"listen":"127.0.0.1:0","max_connections":-1}`, `{"listen":"127.0.0.1:0","max_connections":4097}`,
		`{"max_connections":8,"register":false}`} {
		if _, err := ParseConfig([]byte(`{"webhooks":` + block + `}`)); CodeOf(err) != CodeInvalidConfig {
			t.Errorf("%s: %v", block, err)
		}
	}
}
