package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		limit int
		want  string
	}{
		{"a short text is kept whole", "abc", 10, "abc"},
		{"a text of exactly the limit is kept whole", "abc", 3, "abc"},
		{"an ASCII text is cut at the limit", "abcdef", 4, "abcd"},
		{"a zero limit gives the empty text", "abc", 0, ""},
		{"a negative limit gives the empty text", "abc", -1, ""},
		{"a two-byte letter is not split", "blåbær", 3, "bl"},
		{"a cut after a whole letter keeps it", "blåbær", 4, "blå"},
		{"a four-byte emoji is not split", "ok👍", 5, "ok"},
		{"invalid UTF-8 is cut at the limit", "ab\x80\x80\x80\x80\x80", 6, "ab\x80\x80\x80\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := truncateUTF8(tt.s, tt.limit); got != tt.want {
				t.Fatalf("truncateUTF8(%q, %d) = %q; want %q", tt.s, tt.limit, got, tt.want)
			}
		})
	}
}

// FuzzTruncateUTF8 checks the properties the last-error buffer relies on: the result is a prefix
// that fits, valid text stays valid, and at most one character is lost to the cut.
func FuzzTruncateUTF8(f *testing.F) {
	for _, seed := range []string{"", "abc", "blåbær", "ok👍", "æøå" + strings.Repeat("x", 2000), "\xff\xfe"} {
		f.Add(seed, 3)
		f.Add(seed, 1023)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		got := truncateUTF8(s, limit)
		if !strings.HasPrefix(s, got) || len(got) > max(limit, 0) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: not a prefix that fits", s, limit, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: split a character", s, limit, got)
		}
		if len(s) > limit && limit > 0 && len(got) <= limit-utf8.UTFMax {
			t.Fatalf("truncateUTF8(%q, %d) = %q: cut more than one character", s, limit, got)
		}
	})
}
