package vipps

import "strings"

// RedactURL is raw as it may appear in an error or a log record: without user info (which
// may be a key pair), query or fragment, at most 80 characters. It works on the text, so a URL
// that does not parse is redacted too.
func RedactURL(raw string) string {
	scheme, rest, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		scheme, rest = "", raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		authority = authority[at+1:]
	}
	if cut := strings.IndexAny(tail, "?#"); cut >= 0 {
		tail = tail[:cut] + "?…"
	}
	out := authority + tail
	if hasScheme {
		out = scheme + "://" + out
	}
	if len(out) > 80 {
		out = out[:80] + "…"
	}
	return out
}
