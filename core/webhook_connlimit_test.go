package core

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"github.com/vmp-dev/vmp/core/sim"
)

// Issue 14, case 16: the receiver held every idle connection opened to it (2000 unauthenticated
// connections, goroutines 33 -> 2033). Here 400 connections are opened and left idle - half of
// them after one request (kept alive), half without sending a byte - and the receiver still
// holds no more than its default cap and still takes a verified delivery.
func TestIdleConnectionsCannotHoldTheWebhookReceiver(t *testing.T) {
	srv := startHookSim(t, sim.Options{})
	c := newHookClient(t, srv, `{"listen":"127.0.0.1:0"}`)
	info := c.Webhooks().Receiver()
	secret := storedSecrets(t, c)[0].Secret
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
	if got := c.Webhooks().Receiver(); got.MaxConnections != defaultWebhookConnections || got.ConnectionsDropped < idle-defaultWebhookConnections {
		t.Fatalf("receiver %+v: want the default cap and at least %d connections dropped", got, idle-defaultWebhookConnections)
	}
}

func TestMaxConnectionsIsChecked(t *testing.T) {
	for _, block := range []string{`{"listen":"127.0.0.1:0","max_connections":-1}`, `{"listen":"127.0.0.1:0","max_connections":4097}`,
		`{"max_connections":8,"register":false}`} {
		if _, err := ParseConfig([]byte(`{"webhooks":` + block + `}`)); CodeOf(err) != CodeInvalidConfig {
			t.Errorf("%s: %v", block, err)
		}
	}
}

// defaultWebhookConnections is webhooks.max_connections' documented default.
const defaultWebhookConnections = 64
