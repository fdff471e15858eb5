//go:build linux

package core

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/scanner"
	"github.com/vmp-dev/vmp/scanner/scannertest"
)

func TestAPersonalQRScannedThroughAPtyPaysTheCheckout(t *testing.T) {
	p := scannertest.OpenPTY(t)
	c := newSimClient(t, `,"simulator":{"approve_delay_ms":0},"scanner":{"port":"`+p.Path+`","inter_byte_timeout_ms":5000}`)
	// The customer shows the app; the scanner sends the QR with its AIM id, in two USB packets.
	p.Send(t, "]Q1https://qr.vipps.no/p/sim-47")
	p.Send(t, "91234567\r\n")
	ev, err := c.Scans().NextScan(context.Background(), 10*time.Second, nil)
	if err != nil || ev.Kind != scanner.EventScan || ev.Source != scanner.SourceSerial || !ev.Scan.Kind.IsPersonalQR() {
		t.Fatalf("got %s, %v", ev, err)
	}
	ref := checkout(t, c, `{"amount":49900,"personal_qr":"`+ev.Scan.Text+`"}`)
	pay, err := c.OwnUnit().PollStatus(context.Background(), ref, 10*time.Second)
	if err != nil || pay.State != StateAuthorized {
		t.Fatalf("got %+v, %v", pay, err)
	}
}

func TestAScannerMissingAtInitIsReportedAndTheClientStillWorks(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyACM0")
	c := newSimClient(t, `,"scanner":{"port":"`+link+`","reconnect_max_ms":100}`)
	ev, err := c.Scans().NextScan(context.Background(), 10*time.Second, nil)
	if err != nil || ev.Kind != scanner.EventDisconnected {
		t.Fatalf("got %s, %v", ev, err)
	}
	p := scannertest.OpenPTY(t)
	p.Link(t, link)
	if ev, err := c.Scans().NextScan(context.Background(), 10*time.Second, nil); err != nil || ev.Kind != scanner.EventReconnected {
		t.Fatalf("got %s, %v", ev, err)
	}
	p.Send(t, "7038010055720\r")
	if ev, err := c.Scans().NextScan(context.Background(), 10*time.Second, nil); err != nil || ev.Scan.Kind != scanner.KindEAN13 {
		t.Fatalf("got %s, %v", ev, err)
	}
}

func TestClosingClientsWithAScannerLeavesNothingRunning(t *testing.T) {
	p := scannertest.OpenPTY(t)
	cfg, err := ParseConfig([]byte(`{"scanner":{"port":"` + p.Path + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		calls := make(chan struct{}, 1)
		_ = c.Scans().OnScan(func(scanner.Event) { calls <- struct{}{} }, false)
		p.Send(t, "96385074\n")
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatal("no callback")
		}
		c.Close()
		c.Close()
	}
}
