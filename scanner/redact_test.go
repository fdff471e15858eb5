package scanner

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPersonalDataIsNeverShownInFull(t *testing.T) {
	cases := []struct {
		text    string
		want    string
		secrets []string
	}{
		{"https://qr.vipps.no/28/2/01/031/4791234567?v=1", "https://qr.vipps.no/28/2/01/031/47******67?v=1", []string{"4791234567", "912345"}},
		{"https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe", "https://qr.vipps.no/p/[token, 21 characters]", []string{"qwjhewqhueheuqwhuqwhe", "qwj"}},
		{"https://qr.vipps.no/p/sim-4791234567", "https://qr.vipps.no/p/[token, 14 characters]", []string{"4791234567", "sim-"}},
		{"https://qr.mobilepay.dk/abcdefsecret", "https://qr.mobilepay.dk/[personal QR, 36 characters]", []string{"abcdefsecret"}},
		{"call +4791234567 now", "call +47******67 now", []string{"4791234567"}},
		{"7038010055720", "7038010055720", nil}, // a product is no secret
		{strings.Repeat("a", 40) + "\x01", strings.Repeat("a", 32) + "…", nil},
		{strings.Repeat("a", 28) + "4791234567", strings.Repeat("a", 28) + "47**…", []string{"4791234567", "912345"}},
	}
	for _, c := range cases {
		s := Scan{Text: c.text, Kind: Classify(c.text, "")}
		got := Redact(s.Text, s.Kind)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.text, got, c.want)
		}
		ev := Event{Kind: EventScan, Seq: 7, Time: time.Now(), Scan: s}
		for _, shown := range []string{got, s.String(), ev.String(), fmt.Sprint(s), fmt.Sprintf("%v", ev)} {
			for _, secret := range c.secrets {
				if strings.Contains(shown, secret) {
					t.Errorf("%q shows %q", shown, secret)
				}
			}
		}
	}
}

func TestEventsDescribeThemselves(t *testing.T) {
	ev := Event{Kind: EventDisconnected, Seq: 3, Detail: "scanner COM3: gone"}
	if ev.String() != "#3 disconnected: scanner COM3: gone" {
		t.Fatalf("got %q", ev.String())
	}
	if (Event{Kind: EventReconnected, Seq: 4}).String() != "#4 reconnected" || EventKind(42).String() != "unknown" {
		t.Fatal("event names are wrong")
	}
	s := Scan{Text: "ABC", AIM: "]C0", Kind: KindCode128}
	if s.String() != "Code 128 ]C0 ABC" {
		t.Fatalf("got %q", s.String())
	}
}
