package scanner

import (
	"strings"
	"testing"
	"time"
)

func TestAConfigWithOnlyAPortGetsTheDefaults(t *testing.T) {
	c := Config{Port: "COM17"}
	if err := c.Normalize(); err != nil {
		t.Fatal(err)
	}
	f := c.Framing
	if c.Baud != 9600 || f.Terminators != "\r\n" || f.AIM != AIMAuto || f.MaxFrameLength != 1024 ||
		f.InterByteTimeout != 100*time.Millisecond || f.FlushPartial || c.ReadTimeout != 100*time.Millisecond ||
		c.ReconnectMin != 50*time.Millisecond || c.ReconnectMax != 2*time.Second || c.Open == nil {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestBadConfigsAreRefusedNamingTheField(t *testing.T) {
	cases := map[string]Config{
		"scanner.port is empty":            {},
		"scanner.baud 1000":                {Port: "x", Baud: 1000},
		"scanner.terminators are longer":   {Port: "x", Framing: Framing{Terminators: strings.Repeat("\n", 17)}},
		"scanner.prefix contains":          {Port: "x", Framing: Framing{Prefix: "a\r"}},
		"scanner.prefix is longer":         {Port: "x", Framing: Framing{Prefix: strings.Repeat("p", 17)}},
		`scanner.aim "yes"`:                {Port: "x", Framing: Framing{AIM: "yes"}},
		"scanner.max_frame_length 8 ":      {Port: "x", Framing: Framing{MaxFrameLength: 8}},
		"scanner.max_frame_length 100000":  {Port: "x", Framing: Framing{MaxFrameLength: 100000}},
		"scanner.inter_byte_timeout_ms 1 ": {Port: "x", Framing: Framing{InterByteTimeout: time.Millisecond}},
		"scanner read timeout 2s":          {Port: "x", ReadTimeout: 2 * time.Second},
		"scanner.reconnect_max_ms":         {Port: "x", ReconnectMin: time.Second, ReconnectMax: time.Millisecond},
		"scanner.port contains a NUL":      {Port: "COM3\x00"},
	}
	for want, c := range cases {
		err := c.Normalize()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: got %v, want an error containing %q", c, err, want)
		}
	}
}
