package main

import "unicode/utf8"

// truncateUTF8 cuts s to at most limit bytes without splitting a UTF-8 sequence, so a shortened
// last error still shows whole characters. It looks back at most one sequence length: if s is
// not valid UTF-8 there, any cut is as good as another.
func truncateUTF8(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	if limit <= 0 {
		return ""
	}
	cut := limit
	for cut > 0 && cut > limit-(utf8.UTFMax-1) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if !utf8.RuneStart(s[cut]) {
		cut = limit
	}
	return s[:cut]
}
