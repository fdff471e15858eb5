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
		"port is empty":             {},
		"baud 1000":                 {Port: "x", Baud: 1000},
		"terminators are longer":    {Port: "x", Framing: Framing{Terminators: strings.Repeat("\n", 17)}},
		"prefix contains":           {Port: "x", Framing: Framing{Prefix: "a\r"}},
		"prefix is longer":          {Port: "x", Framing: Framing{Prefix: strings.Repeat("p", 17)}},
		`aim "yes"`:                 {Port: "x", Framing: Framing{AIM: "yes"}},
		"max frame length 8":        {Port: "x", Framing: Framing{MaxFrameLength: 8}},
		"max frame length 100000":   {Port: "x", Framing: Framing{MaxFrameLength: 100000}},
		"inter-byte timeout 1ms":    {Port: "x", Framing: Framing{InterByteTimeout: time.Millisecond}},
		"read timeout 2s":           {Port: "x", ReadTimeout: 2 * time.Second},
		"reconnect wait must grow":  {Port: "x", ReconnectMin: time.Second, ReconnectMax: time.Millisecond},
		"port contains a NUL":       {Port: "COM3\x00"},
	}
	for want, c := range cases {
		err := c.Normalize()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: got %v, want an error containing %q", c, err, want)
		}
	}
}
