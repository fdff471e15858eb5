package scanner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// collect feeds chunks to a framer, one read each a millisecond apart, and lists what it
// emitted: frames as their text, drops as "drop:<reason>:<bytes>".
func collect(f *Framer, start time.Time, chunks ...string) []string {
	var out []string
	emit := func(p Piece) { out = append(out, describePiece(p)) }
	for i, c := range chunks {
		f.Feed([]byte(c), start.Add(time.Duration(i)*time.Millisecond), emit)
	}
	return out
}

func describePiece(p Piece) string {
	switch p.Drop {
	case DropTooLong:
		return fmt.Sprintf("drop:too-long:%d", p.Dropped)
	case DropPartial:
		return fmt.Sprintf("drop:partial:%d", p.Dropped)
	}
	return string(p.Frame)
}

func normalizedFraming(tb testing.TB, f Framing) Framing {
	tb.Helper()
	if err := f.Normalize(); err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestTheFramerCutsFramesAtTerminators(t *testing.T) {
	cases := []struct {
		name    string
		framing Framing
		chunks  []string
		want    []string
	}{
		{"a frame split across reads is joined", Framing{}, []string{"703801", "005572", "0\r\n"}, []string{"7038010055720"}},
		{"several frames in one read are all delivered", Framing{}, []string{"a\r\nb\rc\nd\r\n"}, []string{"a", "b", "c", "d"}},
		{"CR, LF and CRLF all end a frame and make no empty frames", Framing{}, []string{"a\r", "\n", "b\n\n\r\r\n", "c\r"}, []string{"a", "b", "c"}},
		{"CRLF split between reads counts once", Framing{}, []string{"a\r", "\nb\r", "\n"}, []string{"a", "b"}},
		{"a custom terminator replaces CR and LF", Framing{Terminators: "\t"}, []string{"a\r\nb\tc\t"}, []string{"a\r\nb", "c"}},
		{"an over-long frame is dropped and the next one is whole", Framing{MaxFrameLength: 16},
			[]string{strings.Repeat("x", 10), strings.Repeat("y", 10), "\r\nshort\r\n"}, []string{"drop:too-long:20", "short"}},
		{"a frame of exactly the maximum passes", Framing{MaxFrameLength: 16},
			[]string{strings.Repeat("z", 16) + "\n"}, []string{strings.Repeat("z", 16)}},
		{"an unterminated frame waits", Framing{}, []string{"abc"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := NewFramer(normalizedFraming(t, c.framing))
			got := collect(f, time.Unix(0, 0), c.chunks...)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestAPendingFrameEndsOnlyAfterTheInterByteTimeout(t *testing.T) {
	start := time.Unix(100, 0)
	for _, flush := range []bool{false, true} {
		f := NewFramer(normalizedFraming(t, Framing{InterByteTimeout: 100 * time.Millisecond, FlushPartial: flush}))
		var got []string
		emit := func(p Piece) { got = append(got, describePiece(p)) }
		f.Feed([]byte("12345"), start, emit)
		f.Idle(start.Add(99*time.Millisecond), emit)
		if len(got) != 0 || !f.Pending() {
			t.Fatalf("flush=%v: frame ended before the timeout: %q", flush, got)
		}
		f.Idle(start.Add(100*time.Millisecond), emit)
		want := "drop:partial:5"
		if flush {
			want = "12345"
		}
		if len(got) != 1 || got[0] != want || f.Pending() {
			t.Fatalf("flush=%v: got %q, want [%s]", flush, got, want)
		}
		f.Feed([]byte("ok\r"), start.Add(time.Second), emit)
		if got[len(got)-1] != "ok" {
			t.Fatalf("flush=%v: the stream did not resume: %q", flush, got)
		}
	}
}

func TestAnOverLongFrameEndsAtTheInterByteTimeoutToo(t *testing.T) {
	start := time.Unix(100, 0)
	f := NewFramer(normalizedFraming(t, Framing{MaxFrameLength: 16, InterByteTimeout: 50 * time.Millisecond, FlushPartial: true}))
	var got []string
	emit := func(p Piece) { got = append(got, describePiece(p)) }
	f.Feed(bytes.Repeat([]byte("q"), 40), start, emit)
	f.Idle(start.Add(time.Second), emit)
	f.Feed([]byte("next\n"), start.Add(2*time.Second), emit)
	if fmt.Sprint(got) != "[drop:too-long:40 next]" {
		t.Fatalf("got %q", got)
	}
}

func TestResetReportsThePendingFrameAsDropped(t *testing.T) {
	f := NewFramer(normalizedFraming(t, Framing{}))
	var got []string
	emit := func(p Piece) { got = append(got, describePiece(p)) }
	f.Reset(emit) // nothing pending: nothing to report
	f.Feed([]byte("half"), time.Now(), emit)
	f.Reset(emit)
	f.Feed([]byte("whole\n"), time.Now(), emit)
	if fmt.Sprint(got) != "[drop:partial:4 whole]" {
		t.Fatalf("got %q", got)
	}
}
