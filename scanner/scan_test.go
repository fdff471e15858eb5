package scanner

import (
	"errors"
	"strings"
	"testing"
)

func TestFramesLoseTheirPrefixAndAIMIdentifier(t *testing.T) {
	cases := []struct {
		name    string
		framing Framing
		frame   string
		want    Scan
	}{
		{"AIM id stripped and reported", Framing{}, "]Q1https://qr.vipps.no/p/abc", Scan{Text: "https://qr.vipps.no/p/abc", AIM: "]Q1", Kind: KindVippsTokenQR}},
		{"prefix then AIM id", Framing{Prefix: "\x02"}, "\x02]E07038010055720", Scan{Text: "7038010055720", AIM: "]E0", Kind: KindEAN13}},
		{"a missing prefix is no error", Framing{Prefix: "\x02"}, "7038010055720", Scan{Text: "7038010055720", Kind: KindEAN13}},
		{"AIM handling off keeps the bracket", Framing{AIM: AIMOff}, "]C1ABC", Scan{Text: "]C1ABC", Kind: KindOther}},
		{"no AIM id", Framing{}, "hello", Scan{Text: "hello", Kind: KindOther}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := normalizedFraming(t, c.framing).Decode([]byte(c.frame)); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestSubmittedTextTakesTheSamePathAsSerialFrames(t *testing.T) {
	f := normalizedFraming(t, Framing{MaxFrameLength: 64})
	for _, text := range []string{"]Q1https://qr.vipps.no/p/abc", "7038010055720", "]C0ABC"} {
		for _, enter := range []string{"", "\r", "\n", "\r\n"} {
			got, err := f.DecodeSubmitted(text + enter)
			if err != nil || got != f.Decode([]byte(text)) {
				t.Fatalf("%q: got %+v, %v; want %+v", text+enter, got, err, f.Decode([]byte(text)))
			}
		}
	}
	refused := map[string]error{
		"":                      ErrEmptyScan,
		"\r\n":                  ErrEmptyScan,
		"]Q1":                   ErrEmptyScan,
		strings.Repeat("x", 65): ErrScanTooLong,
		"a\r\nb":                ErrSeveralScans,
	}
	for text, want := range refused {
		if _, err := f.DecodeSubmitted(text); !errors.Is(err, want) {
			t.Errorf("%q: got %v, want %v", text, err, want)
		}
	}
}
