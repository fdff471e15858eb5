//go:build linux

package scanner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/scanner/scannertest"
	"go.uber.org/goleak"
)

const (
	tokenQR  = "https://qr.vipps.no/p/sim-4791234567"
	legacyQR = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
	ean13    = "7038010055720"
)

// ptyConfig is a scanner on the pty at path. The inter-byte timeout is long so that a test
// writing a frame in pieces never races it; the tests of the timeout set their own.
func ptyConfig(path string) Config {
	return Config{Port: path, Framing: Framing{InterByteTimeout: 5 * time.Second}}
}

func TestScansWrittenIntoAPtyArriveWholeHoweverTheBytesAreSplit(t *testing.T) {
	frames := "]Q1" + tokenQR + "\r\n" + "]E0" + ean13 + "\r" + legacyQR + "\n" + "]C1ABC-123\r\n"
	want := []Scan{
		{Text: tokenQR, AIM: "]Q1", Kind: KindVippsTokenQR},
		{Text: ean13, AIM: "]E0", Kind: KindEAN13},
		{Text: legacyQR, Kind: KindVippsLegacyQR},
		{Text: "ABC-123", AIM: "]C1", Kind: KindCode128},
	}
	writes := map[string]func(p *scannertest.PTY, t *testing.T){
		"one byte per write": func(p *scannertest.PTY, t *testing.T) {
			for i := 0; i < len(frames); i++ {
				p.Send(t, frames[i:i+1])
			}
		},
		"all frames in one burst": func(p *scannertest.PTY, t *testing.T) { p.Send(t, frames) },
		"pieces cutting frames, AIM ids and CRLF": func(p *scannertest.PTY, t *testing.T) {
			for _, cut := range []string{"]", "Q1https://qr.vip", "ps.no/p/sim-4791234567\r", "\n]E0703801", "0055720\rhttps://qr.vipps.no/28/2/01/031/4791234567?v=1\n]C", "1ABC-123\r\n"} {
				p.Send(t, cut)
			}
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			p := scannertest.OpenPTY(t)
			_, q := startScanner(t, ptyConfig(p.Path))
			write(p, t)
			wantScans(t, q, want...)
			noMoreEvents(t, q)
		})
	}
}

func TestTheCallbackGetsEveryScanOnceAndInOrder(t *testing.T) {
	p := scannertest.OpenPTY(t)
	_, q := startScanner(t, ptyConfig(p.Path))
	got := make(chan Event, 200)
	q.SetHandler(func(ev Event) { got <- ev }, false)
	var burst strings.Builder
	for i := 0; i < 100; i++ {
		burst.WriteString("]C0ITEM-" + strings.Repeat("x", i%7) + "\r\n")
	}
	p.Send(t, burst.String())
	for i := 0; i < 100; i++ {
		select {
		case ev := <-got:
			want := "ITEM-" + strings.Repeat("x", i%7)
			if ev.Kind != EventScan || ev.Scan.Text != want || ev.Seq != uint64(i+1) || ev.Source != SourceSerial {
				t.Fatalf("callback %d: got %s seq %d, want %q seq %d", i, ev, ev.Seq, want, i+1)
			}
		case <-time.After(eventWait):
			t.Fatalf("callback %d never came", i)
		}
	}
	q.SetHandler(nil, false)
	if len(got) != 0 {
		t.Fatalf("%d extra callbacks", len(got))
	}
}

func TestAPartialFrameIsDroppedAfterTheInterByteTimeoutAndTheNextScanIsWhole(t *testing.T) {
	p := scannertest.OpenPTY(t)
	cfg := ptyConfig(p.Path)
	cfg.Framing.InterByteTimeout = 100 * time.Millisecond
	_, q := startScanner(t, cfg)
	p.Send(t, "]Q1https://qr.vipps.no/p/half")
	if ev := nextEvent(t, q); ev.Kind != EventDropped || !strings.Contains(ev.Detail, "29 bytes") {
		t.Fatalf("got %s, want a drop of 29 bytes", ev)
	}
	p.Send(t, ean13+"\r\n")
	wantScans(t, q, Scan{Text: ean13, Kind: KindEAN13})
}

func TestAPartialFrameIsDeliveredWhenFlushPartialIsSet(t *testing.T) {
	p := scannertest.OpenPTY(t)
	cfg := ptyConfig(p.Path)
	cfg.Framing.InterByteTimeout = 100 * time.Millisecond
	cfg.Framing.FlushPartial = true
	_, q := startScanner(t, cfg)
	p.Send(t, ean13) // a scanner set to send no terminator
	wantScans(t, q, Scan{Text: ean13, Kind: KindEAN13})
}

func TestAnOverLongFrameIsDroppedAndReadingResynchronises(t *testing.T) {
	p := scannertest.OpenPTY(t)
	cfg := ptyConfig(p.Path)
	cfg.Framing.MaxFrameLength = 64
	_, q := startScanner(t, cfg)
	p.Send(t, strings.Repeat("A", 200)+"\r\n"+ean13+"\r\n")
	if ev := nextEvent(t, q); ev.Kind != EventDropped || !strings.Contains(ev.Detail, "200 bytes") {
		t.Fatalf("got %s, want a drop of 200 bytes", ev)
	}
	wantScans(t, q, Scan{Text: ean13, Kind: KindEAN13})
	noMoreEvents(t, q)
}

func TestAnUnpluggedScannerIsReportedAndFoundAgainWhenItComesBack(t *testing.T) {
	link := filepath.Join(t.TempDir(), "usb-scanner")
	first := scannertest.OpenPTY(t)
	first.Link(t, link)
	cfg := ptyConfig(link)
	cfg.ReconnectMax = 200 * time.Millisecond
	_, q := startScanner(t, cfg)
	first.Send(t, ean13+"\r\n")
	wantScans(t, q, Scan{Text: ean13, Kind: KindEAN13})

	for round := 0; round < 3; round++ {
		first.Unplug()
		if ev := nextOf(t, q, EventDisconnected); !strings.Contains(ev.Detail, link) {
			t.Fatalf("disconnect detail %q does not name the port", ev.Detail)
		}
		next := scannertest.OpenPTY(t)
		next.Link(t, link)
		nextOf(t, q, EventReconnected)
		next.Send(t, "]Q1"+tokenQR+"\r\n")
		wantScans(t, q, Scan{Text: tokenQR, AIM: "]Q1", Kind: KindVippsTokenQR})
		first = next
	}
	noMoreEvents(t, q)
}

func TestAScannerMissingAtStartIsFoundWhenPluggedIn(t *testing.T) {
	link := filepath.Join(t.TempDir(), "not-yet")
	cfg := ptyConfig(link)
	cfg.ReconnectMax = 100 * time.Millisecond
	_, q := startScanner(t, cfg)
	if ev := nextEvent(t, q); ev.Kind != EventDisconnected {
		t.Fatalf("got %s, want disconnected", ev)
	}
	p := scannertest.OpenPTY(t)
	p.Link(t, link)
	nextOf(t, q, EventReconnected)
	p.Send(t, ean13+"\n")
	wantScans(t, q, Scan{Text: ean13, Kind: KindEAN13})
}

func TestOpeningAndClosingAScannerManyTimesLeavesNothingRunning(t *testing.T) {
	p := scannertest.OpenPTY(t)
	for i := 0; i < 20; i++ {
		q := NewQueue(0, nil)
		s, err := Start(ptyConfig(p.Path), q.Push)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			p.Send(t, ean13+"\r\n")
			if ev, _ := q.Next(context.Background(), eventWait, nil); ev.Kind != EventScan {
				t.Fatalf("round %d: got %s", i, ev)
			}
		}
		s.Close()
		s.Close() // idempotent
		q.Close()
	}
	goleak.VerifyNone(t)
}
