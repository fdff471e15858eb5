package vipps

import "testing"

func TestRedactURLDropsUserInfoAndQueryEvenFromURLsThatDoNotParse(t *testing.T) {
	for raw, want := range map[string]string{
		"https://api.vipps.no":                   "https://api.vipps.no",
		"http://id:secret@127.0.0.1:8080":        "http://127.0.0.1:8080",
		"http://id:sec@ret@127.0.0.1:8080/x?k=v": "http://127.0.0.1:8080/x?…",
		"http://id:secret@[::1":                  "http://[::1",
		"id:secret@host:1/p#frag":                "host:1/p?…",
		"https://host/path":                      "https://host/path",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
